// pcsd: the per-node HTTPS API (TLS only) for cluster-wide pcs commands. Authenticates
// hacluster (scrypt hash, rate-limited and logged failures), issues tokens, and on a valid
// token writes the cluster configuration, starts/stops the cluster daemon and reports status.

import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type Server, createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { nodePaths } from "../daemon/paths.js";
import { cibRequest } from "../daemon/protocol.js";
import { type Logger, nullLogger } from "../core/log.js";
import {
  API_PREFIX,
  API_VERSION,
  DEFAULT_PCSD_PORT,
  type EndpointName,
  MAX_BODY_BYTES,
  PCSD_VERSION,
  type RequestOf,
  type ResponseOf,
  TOKEN_HEADER,
  endpoints,
  httpStatusFor,
} from "./api.js";
import { writeFileAtomic } from "./fsutil.js";
import { updateKnownHosts } from "./known-hosts.js";
import {
  checkCorosyncConf,
  decodeAuthkey,
  isConfigured,
  localClusterName,
  removeClusterFiles,
  writeClusterFiles,
} from "./node-config.js";
import { checkLogin } from "./password.js";
import { type PcsdPaths, pcsdPaths } from "./paths.js";
import { DEFAULT_RATE_LIMIT, LoginRateLimiter, type RateLimitPolicy } from "./ratelimit.js";
import { type DaemonSupervisor, type SupervisorOptions, createSupervisor } from "./supervisor.js";
import { ensureTlsIdentity } from "./tls.js";
import { TokenStore } from "./tokens.js";
import { type Dashboard, type DashboardOptions, createDashboard } from "./web/dashboard.js";

export interface PcsdOptions {
  root: string;
  /** Address to listen on (default "::", every address). */
  bind?: string;
  port?: number;
  /** This node's name, reported by status (default: the host name). */
  nodeName: string;
  supervisor?: Omit<SupervisorOptions, "paths" | "logger">;
  rateLimit?: RateLimitPolicy;
  now?: () => number;
  logger?: Logger;
  openssl?: string;
  /** Web dashboard settings (session policy, poll interval...); `false` turns it off. */
  dashboard?:
    | Partial<Pick<DashboardOptions, "sessions" | "pollMs" | "actionWaitMs" | "snapshot" | "staticDir">>
    | false;
}

export interface PcsdServer {
  address: string;
  port: number;
  fingerprint256: string;
  paths: PcsdPaths;
  supervisor: DaemonSupervisor;
  /** The web dashboard served at / (undefined when turned off). */
  dashboard?: Dashboard;
  close(): Promise<void>;
}

/** Runtime file read by local pcs commands to reach this node's pcsd. */
export interface PcsdRuntime {
  address: string;
  port: number;
  pid: number;
  fingerprint256: string;
}

type Handler<E extends EndpointName> = (req: RequestOf<E>, from: string) => Promise<ResponseOf<E>>;

export async function startPcsd(opts: PcsdOptions): Promise<PcsdServer> {
  const log = opts.logger ?? nullLogger;
  const paths = pcsdPaths(opts.root);
  mkdirSync(paths.pcsdDir, { recursive: true, mode: 0o700 });
  const { identity, created } = await ensureTlsIdentity(
    paths.tlsKey,
    paths.tlsCert,
    opts.nodeName,
    opts.openssl,
  );
  if (created)
    log.log("notice", "created a self-signed TLS certificate", { fingerprint256: identity.fingerprint256 });
  const tokens = new TokenStore(paths.tokens);
  const limiter = new LoginRateLimiter(opts.rateLimit ?? DEFAULT_RATE_LIMIT, opts.now);
  const supervisor = createSupervisor({ ...opts.supervisor, paths, logger: log.child("supervisor") });

  // State-changing calls run one at a time, so setup/start/destroy never interleave.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const run = queue.then(f, f);
    queue = run.catch(() => undefined);
    return run;
  };

  const inClusterReason = async (): Promise<string | null> => {
    if ((await supervisor.status()).running)
      return "Running cluster services: 'tandemd', the host seems to be in a cluster already";
    if (isConfigured(paths))
      return "Cluster configuration files found, the host seems to be in a cluster already";
    return null;
  };

  /** The hacluster login, shared by `pcs host auth` and the dashboard: one rate limiter for both. */
  const login = async (username: string, password: string, from: string): Promise<void> => {
    const wait = limiter.retryAfterMs(from, username);
    if (wait > 0) {
      log.log("warning", "login refused: rate limited", { user: username, from, retryAfterMs: wait });
      throw new TandemError(
        ErrorCodes.PCSD_RATE_LIMITED,
        `too many failed login attempts, try again in ${Math.ceil(wait / 1000)} s`,
      );
    }
    // Counted as a failure before checking, so parallel attempts cannot skip the limit.
    limiter.recordFailure(from, username);
    if (!(await checkLogin(paths.passwd, username, password))) {
      if (!existsSync(paths.passwd))
        log.log("warning", "no password is set for hacluster: run 'tandem passwd hacluster' on this node");
      log.log("warning", "failed login", {
        user: username,
        from,
        failures: limiter.failures(from, username),
      });
      throw new TandemError(ErrorCodes.PCSD_AUTH_FAILED, "Username and/or password is incorrect");
    }
    limiter.recordSuccess(from, username);
  };

  const handlers: { [E in EndpointName]: Handler<E> } = {
    version: async () => ({ api: API_VERSION, pcsdVersion: PCSD_VERSION, node: opts.nodeName }),
    auth: async ({ username, password }, from) => {
      await login(username, password, from);
      const token = tokens.issue(username, from);
      log.log("notice", "login", { user: username, from });
      return { token, node: opts.nodeName };
    },
    status: async () => {
      const daemon = await supervisor.status();
      return {
        node: opts.nodeName,
        pcsdVersion: PCSD_VERSION,
        clusterName: localClusterName(paths),
        configured: isConfigured(paths),
        enabled: await supervisor.isEnabled(),
        daemon,
        member: daemon.running ? await daemonIsMember(opts.root) : false,
      };
    },
    clusterSetup: (req) =>
      serial(async () => {
        checkCorosyncConf(req.corosyncConf);
        const key = decodeAuthkey(req.authkey);
        const reason = await inClusterReason();
        if (reason !== null && !req.force) throw new TandemError(ErrorCodes.PCSD_IN_CLUSTER, reason);
        if (reason !== null) {
          await supervisor.stop();
          removeClusterFiles(paths);
        }
        const written = writeClusterFiles(paths, [
          { name: "authkey", data: key },
          { name: "corosync.conf", data: Buffer.from(req.corosyncConf, "utf8") },
        ]);
        log.log("notice", "cluster set up", { clusterName: localClusterName(paths) });
        return { written };
      }),
    clusterStart: () =>
      serial(async () => {
        if (!isConfigured(paths))
          throw new TandemError(
            ErrorCodes.PCSD_DAEMON,
            "cluster is not configured on this node (no corosync.conf)",
          );
        const alreadyRunning = await supervisor.start();
        return { alreadyRunning, daemon: await supervisor.status() };
      }),
    clusterStop: () => serial(async () => ({ wasRunning: await supervisor.stop() })),
    clusterKill: () => serial(async () => ({ wasRunning: await supervisor.stop({ kill: true }) })),
    clusterEnable: () =>
      serial(async () => {
        await supervisor.setEnabled(true);
        return {};
      }),
    clusterDisable: () =>
      serial(async () => {
        await supervisor.setEnabled(false);
        return {};
      }),
    clusterDestroy: () =>
      serial(async () => {
        await supervisor.stop();
        await supervisor.setEnabled(false);
        const removed = removeClusterFiles(paths);
        log.log("notice", "cluster destroyed on this node", { removed });
        return { removed };
      }),
    filePut: (req) =>
      serial(async () => {
        const files = req.files.map((f) => {
          if (f.name === "authkey") return { name: f.name, data: decodeAuthkey(f.data) };
          const text = Buffer.from(f.data, "base64").toString("utf8");
          checkCorosyncConf(text);
          return { name: f.name, data: Buffer.from(text, "utf8") };
        });
        return { written: writeClusterFiles(paths, files) };
      }),
    knownHostsPut: (req) =>
      serial(async () => {
        for (const h of req.hosts)
          if (h.port < 1 || h.port > 65535)
            throw new TandemError(
              ErrorCodes.PCSD_BAD_REQUEST,
              `'port' of host '${h.name}' must be 1-65535: got ${h.port}`,
            );
        updateKnownHosts(paths.knownHosts, req.hosts);
        return { saved: req.hosts.length };
      }),
    fileGet: async () => {
      try {
        return { data: readFileSync(paths.corosyncConf, "utf8") };
      } catch {
        return { data: null };
      }
    },
  };

  const routes = new Map<string, EndpointName>();
  for (const [name, ep] of Object.entries(endpoints))
    routes.set(`${ep.method} ${API_PREFIX}${ep.path}`, name as EndpointName);

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
      "cache-control": "no-store",
      ...headers,
    });
    res.end(text);
  };
  const sendError = (res: ServerResponse, e: unknown, status?: number) => {
    if (e instanceof TandemError) {
      const headers: Record<string, string> = {};
      if (e.code === ErrorCodes.PCSD_RATE_LIMITED)
        headers["retry-after"] = String(/(\d+) s$/.exec(e.message)?.[1] ?? 1);
      send(res, status ?? httpStatusFor(e.code), { error: { code: e.code, message: e.message } }, headers);
    } else {
      log.log("error", "internal error", { error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      send(res, 500, {
        error: { code: ErrorCodes.INVARIANT, message: "internal error in pcsd (see pcsd.log)" },
      });
    }
  };

  const readBody = (req: IncomingMessage): Promise<string> =>
    new Promise((resolve, reject) => {
      const declared = Number(req.headers["content-length"] ?? 0);
      const tooLarge = () =>
        new TandemError(ErrorCodes.PCSD_TOO_LARGE, `request body is larger than ${MAX_BODY_BYTES} bytes`);
      if (declared > MAX_BODY_BYTES) return reject(tooLarge());
      const chunks: Buffer[] = [];
      let size = 0;
      req.on("data", (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY_BYTES) {
          req.pause();
          reject(tooLarge());
        } else chunks.push(c);
      });
      req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      req.on("error", reject);
    });

  const dashboard =
    opts.dashboard === false
      ? undefined
      : createDashboard({
          ...opts.dashboard,
          root: opts.root,
          nodeName: opts.nodeName,
          logger: log.child("web"),
          login,
          clusterName: () => localClusterName(paths),
          now: opts.now,
        });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const from = req.socket.remoteAddress ?? "unknown";
    const path = (req.url ?? "").split("?")[0];
    // Everything outside the API is the web dashboard's (pages, static files, /ui/api).
    if (dashboard && !path.startsWith(`${API_PREFIX}/`) && path !== API_PREFIX)
      return dashboard.handle(req, res, path, from);
    const name = routes.get(`${req.method} ${path}`);
    try {
      if (name === undefined) {
        const known = [...routes.keys()].some((k) => k.endsWith(` ${path}`));
        throw new TandemError(
          ErrorCodes.PCSD_BAD_REQUEST,
          known
            ? `method ${req.method} is not allowed for ${path}`
            : `unknown endpoint ${req.method} ${path}`,
        );
      }
      const ep = endpoints[name];
      if (ep.auth && !tokens.isValid(headerValue(req.headers[TOKEN_HEADER]))) {
        log.log("warning", "request refused: no valid token", { endpoint: name, from });
        throw new TandemError(
          ErrorCodes.PCSD_TOKEN,
          `no valid token for ${opts.nodeName}, authenticate with 'pcs host auth ${opts.nodeName}'`,
        );
      }
      let input: unknown = {};
      const text = await readBody(req);
      if (ep.method === "POST") {
        try {
          input = JSON.parse(text);
        } catch {
          throw new TandemError(ErrorCodes.PCSD_BAD_REQUEST, "request body is not valid JSON");
        }
      }
      const checked = ep.request.check(input, "request");
      // Audit trail: every state-changing call, who asked, and how it ended.
      const audited = ep.method === "POST" && ep.auth && name !== "fileGet";
      if (audited) log.log("info", "request", { endpoint: name, from });
      const out = await (handlers[name] as Handler<EndpointName>)(checked as RequestOf<EndpointName>, from);
      if (audited) log.log("info", "request done", { endpoint: name, from });
      send(res, 200, out);
    } catch (e) {
      if (
        e instanceof TandemError &&
        e.code !== ErrorCodes.PCSD_TOKEN &&
        e.code !== ErrorCodes.PCSD_AUTH_FAILED &&
        e.code !== ErrorCodes.PCSD_RATE_LIMITED
      )
        log.log("notice", "request refused", {
          endpoint: name ?? req.url,
          from,
          code: e.code,
          message: e.message,
        });
      const status = name === undefined && e instanceof TandemError ? 404 : undefined;
      sendError(res, e, status);
      if (e instanceof TandemError && e.code === ErrorCodes.PCSD_TOO_LARGE) req.socket.destroySoon();
    }
  };

  const server: Server = createServer(
    {
      key: identity.key,
      cert: identity.cert,
      minVersion: "TLSv1.2",
      requestTimeout: 120_000,
      headersTimeout: 30_000,
      maxHeaderSize: 16 * 1024,
    },
    (req, res) => {
      handle(req, res).catch((e) => sendError(res, e));
    },
  );
  // Bounded resources against connection floods (pcs opens a few connections per command).
  server.maxConnections = 256;
  server.on("tlsClientError", (e) => log.log("debug", "TLS handshake failed", { error: e.message }));

  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(
        new TandemError(
          ErrorCodes.IO,
          `cannot listen on ${opts.bind ?? "::"} port ${opts.port ?? DEFAULT_PCSD_PORT}: ${e.code ?? e.message}`,
        ),
      ),
    );
    server.listen(opts.port ?? DEFAULT_PCSD_PORT, opts.bind ?? "::", () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const runtime: PcsdRuntime = {
    address: addr.address === "::" || addr.address === "0.0.0.0" ? "127.0.0.1" : addr.address,
    port: addr.port,
    pid: process.pid,
    fingerprint256: identity.fingerprint256,
  };
  // Only a pcsd that got its port publishes the local token and runtime file (a second pcsd
  // failing with EADDRINUSE must not clobber the running one's).
  const localToken = randomBytes(32).toString("hex");
  tokens.addEphemeral(localToken);
  writeFileAtomic(paths.localToken, `${localToken}\n`, 0o600);
  writeFileAtomic(paths.pcsdRuntime, `${JSON.stringify(runtime)}\n`, 0o644);
  log.log("notice", "pcsd listening", { address: addr.address, port: addr.port, node: opts.nodeName });

  if ((await supervisor.isEnabled()) && isConfigured(paths)) {
    log.log("notice", "cluster is enabled: starting the cluster daemon");
    await supervisor
      .start()
      .catch((e) => log.log("error", "cannot start the cluster daemon", { error: String(e) }));
  }

  return {
    address: addr.address,
    port: addr.port,
    fingerprint256: identity.fingerprint256,
    paths,
    supervisor,
    dashboard,
    async close() {
      dashboard?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await supervisor.shutdown();
      rmSync(paths.pcsdRuntime, { force: true });
      rmSync(paths.localToken, { force: true });
      log.log("notice", "pcsd stopped");
    },
  };
}

/** Asks the local tandemd (IPC) whether it is a member of a cluster membership. */
async function daemonIsMember(root: string): Promise<boolean> {
  try {
    const st = await cibRequest(nodePaths(root).socket, "status", {}, { timeoutMs: 2000 });
    return st.nodes.some((n) => n.id === st.nodeId && n.member) && st.cibPhase !== "offline";
  } catch {
    return false;
  }
}

function headerValue(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h[0] : h;
}
