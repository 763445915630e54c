// pcsd's web dashboard: the HTTP side. Serves the login page, the dashboard page and its
// static files (src/pcsd/web/static/, plain HTML/CSS/JS), and a small JSON API under /ui/api/
// for them: login/logout (hacluster, pcsd's password check and rate limiter), the cluster
// snapshot and its live feed (server-sent events), and actions (pcs commands). Every data
// and action endpoint needs a session; every POST needs the page's CSRF token, a JSON body
// and no foreign Origin. Every response carries a strict Content-Security-Policy.

import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ErrorCodes, TandemError } from "../../core/errors.js";
import type { Logger } from "../../core/log.js";
import { nodePaths } from "../../daemon/paths.js";
import { httpStatusFor, obj, str } from "../api.js";
import { PCSD_USER } from "../password.js";
import { actionRequest, runAction } from "./actions.js";
import { CibWatch } from "./cib-watch.js";
import { SnapshotFeed } from "./feed.js";
import {
  CSRF_HEADER,
  DEFAULT_SESSION_POLICY,
  LOGIN_COOKIE,
  SESSION_COOKIE,
  type Session,
  type SessionPolicy,
  SessionStore,
  cookie,
  parseCookies,
  sameSecret,
} from "./session.js";
import { type ClusterSnapshot, clusterSnapshot } from "./snapshot.js";

/** Largest body a dashboard request may have (login and actions are a few hundred bytes). */
export const WEB_MAX_BODY_BYTES = 4096;
/** Open live feeds (dashboard tabs) per pcsd. */
export const MAX_EVENT_STREAMS = 32;

export const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};

export interface DashboardOptions {
  root: string;
  nodeName: string;
  logger: Logger;
  /** pcsd's login check (rate limit, password, logging); throws a TandemError when refused. */
  login: (username: string, password: string, from: string) => Promise<void>;
  /** The cluster name from this node's corosync.conf (shown when the cluster is not running). */
  clusterName: () => string | null;
  sessions?: SessionPolicy;
  now?: () => number;
  /** How often the live feed reads the cluster status (default 2 s). */
  pollMs?: number;
  /** How long an action that waits for the cluster (move) may wait (default 60 s). */
  actionWaitMs?: number;
  /** Replaces the snapshot reader (tests of the HTTP layer). */
  snapshot?: () => Promise<ClusterSnapshot>;
  /** The front end's folder (default: staticDir()). */
  staticDir?: string;
}

export interface Dashboard {
  /** Handles a request that is not for /api/v1 (always answers). */
  handle(req: IncomingMessage, res: ServerResponse, path: string, from: string): Promise<void>;
  sessions: SessionStore;
  /** Live-feed streams open now. */
  streamCount(): number;
  close(): void;
}

const STATIC_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".svg": "image/svg+xml",
};
const STATIC_FILES = ["app.js", "login.js", "common.js", "app.css", "favicon.svg"];

/** The front end's folder: src/pcsd/web/static in the repository and in the package. */
export function staticDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // dist/pcsd/web -> src/pcsd/web/static (tsc copies no assets; the package ships src/pcsd/web/static)
  return resolve(here, "../../../src/pcsd/web/static");
}

const loginBody = obj({ username: str({ max: 64 }), password: str({ max: 1024 }) });

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function headerValue(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h[0] : h;
}

export function createDashboard(opts: DashboardOptions): Dashboard {
  const log = opts.logger;
  const now = opts.now ?? Date.now;
  const sessions = new SessionStore(opts.sessions ?? DEFAULT_SESSION_POLICY, now);
  const dir = opts.staticDir ?? staticDir();
  const assets = new Map<string, Buffer>();
  let loginPage = "";
  let dashboardPage = "";
  // Missing front-end files (a partial copy of the package) must not stop pcsd: the API works,
  // the dashboard's routes say what is wrong.
  let missing: string | undefined;
  try {
    for (const f of STATIC_FILES) assets.set(f, readFileSync(join(dir, f)));
    loginPage = readFileSync(join(dir, "login.html"), "utf8");
    dashboardPage = readFileSync(join(dir, "index.html"), "utf8");
  } catch (e) {
    missing = `the web dashboard's files cannot be read (${(e as Error).message}): reinstall tandem`;
    log.log("error", missing);
  }
  const read = opts.snapshot ?? (() => clusterSnapshot(opts.root, opts.nodeName, opts.clusterName()));
  // With a CIB watch the poll is only a safety net (membership changes also reach the CIB).
  const feed: SnapshotFeed = new SnapshotFeed(
    read,
    opts.pollMs ?? 2000,
    opts.snapshot ? undefined : new CibWatch(nodePaths(opts.root).socket, () => feed.poke()),
  );
  const streams = new Set<ServerResponse>();
  // Actions run one at a time: two clicks never interleave their CIB read-modify-write.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const run = queue.then(f, f);
    queue = run.catch(() => undefined);
    return run;
  };

  const send = (
    res: ServerResponse,
    status: number,
    body: string | Buffer,
    type: string,
    headers: Record<string, string | string[]> = {},
  ) => {
    res.writeHead(status, {
      ...SECURITY_HEADERS,
      "content-type": type,
      "content-length": Buffer.byteLength(body),
      "cache-control": "no-store",
      ...headers,
    });
    res.end(body);
  };
  const sendJson = (res: ServerResponse, status: number, body: unknown, headers = {}) =>
    send(res, status, JSON.stringify(body), "application/json", headers);
  const sendError = (res: ServerResponse, e: unknown, status?: number) => {
    if (e instanceof TandemError) {
      const headers: Record<string, string> = {};
      if (e.code === ErrorCodes.PCSD_RATE_LIMITED)
        headers["retry-after"] = String(/(\d+) s$/.exec(e.message)?.[1] ?? 1);
      // The rest of an oversized body is not read: this connection cannot carry another request.
      if (e.code === ErrorCodes.PCSD_TOO_LARGE) headers.connection = "close";
      sendJson(
        res,
        status ?? httpStatusFor(e.code),
        { error: { code: e.code, message: e.message } },
        headers,
      );
    } else {
      log.log("error", "internal error in the dashboard", {
        error: e instanceof Error ? (e.stack ?? e.message) : String(e),
      });
      sendJson(res, 500, {
        error: { code: ErrorCodes.INVARIANT, message: "internal error in pcsd (see pcsd.log)" },
      });
    }
  };
  const redirect = (res: ServerResponse, to: string, headers: Record<string, string | string[]> = {}) =>
    send(res, 303, "", "text/plain", { location: to, ...headers });

  const readJson = (req: IncomingMessage): Promise<unknown> =>
    new Promise((resolvePromise, reject) => {
      const tooLarge = () =>
        new TandemError(ErrorCodes.PCSD_TOO_LARGE, `request body is larger than ${WEB_MAX_BODY_BYTES} bytes`);
      if (Number(req.headers["content-length"] ?? 0) > WEB_MAX_BODY_BYTES) return reject(tooLarge());
      const chunks: Buffer[] = [];
      let size = 0;
      req.on("data", (c: Buffer) => {
        size += c.length;
        if (size > WEB_MAX_BODY_BYTES) {
          req.pause();
          reject(tooLarge());
        } else chunks.push(c);
      });
      req.on("end", () => {
        try {
          resolvePromise(JSON.parse(Buffer.concat(chunks).toString("utf8")));
        } catch {
          reject(new TandemError(ErrorCodes.PCSD_BAD_REQUEST, "request body is not valid JSON"));
        }
      });
      req.on("error", reject);
    });

  /** The checks every POST passes before its body is read: JSON only, same origin. */
  const checkPost = (req: IncomingMessage) => {
    const type = headerValue(req.headers["content-type"]) ?? "";
    // A cross-site <form> cannot send application/json without a CORS preflight (refused).
    if (!/^application\/json\s*(;|$)/i.test(type))
      throw new TandemError(
        ErrorCodes.PCSD_BAD_REQUEST,
        `'content-type' must be application/json: got '${type.slice(0, 100)}'`,
      );
    const origin = headerValue(req.headers.origin);
    const host = headerValue(req.headers.host);
    if (origin !== undefined && origin !== "null" && origin !== `https://${host}`)
      throw new TandemError(
        ErrorCodes.PCSD_CSRF,
        `request from another origin refused: ${origin.slice(0, 100)}`,
      );
    if (origin === "null")
      throw new TandemError(ErrorCodes.PCSD_CSRF, "request from an opaque origin refused");
    if (headerValue(req.headers["sec-fetch-site"]) === "cross-site")
      throw new TandemError(ErrorCodes.PCSD_CSRF, "cross-site request refused");
  };

  const sessionOf = (req: IncomingMessage): { id: string; session: Session } | undefined => {
    const id = parseCookies(headerValue(req.headers.cookie)).get(SESSION_COOKIE);
    const session = sessions.get(id);
    return session && id ? { id, session } : undefined;
  };
  const requireSession = (req: IncomingMessage) => {
    const s = sessionOf(req);
    if (!s)
      throw new TandemError(
        ErrorCodes.PCSD_SESSION,
        "not logged in or the session has expired: log in again",
      );
    return s;
  };
  const requireCsrf = (req: IncomingMessage, session: Session) => {
    if (!sameSecret(headerValue(req.headers[CSRF_HEADER]), session.csrf))
      throw new TandemError(ErrorCodes.PCSD_CSRF, "missing or wrong CSRF token: reload the page");
  };

  const page = (template: string, values: Record<string, string>) =>
    template.replace(/\{\{(\w+)\}\}/g, (_, k: string) => escapeHtml(values[k] ?? ""));

  const events = (res: ServerResponse, id: string) => {
    if (streams.size >= MAX_EVENT_STREAMS)
      throw new TandemError(
        ErrorCodes.PCSD_RATE_LIMITED,
        "too many open dashboards on this node, try again in 5 s",
      );
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
    });
    streams.add(res);
    res.write("retry: 3000\n\n");
    const end = () => {
      unsubscribe();
      clearInterval(ping);
      streams.delete(res);
      if (!res.writableEnded) res.end();
    };
    const stillLoggedIn = () => {
      // An open page does not keep an idle session alive: only the user's requests do.
      if (sessions.get(id, false)) return true;
      res.write("event: logout\ndata: {}\n\n");
      end();
      return false;
    };
    const unsubscribe = feed.subscribe((snap) => {
      if (stillLoggedIn()) res.write(`event: snapshot\ndata: ${JSON.stringify(snap)}\n\n`);
    });
    // Comments keep proxies and the browser from timing the stream out; they also end it
    // once the session is over.
    const ping = setInterval(() => {
      if (stillLoggedIn()) res.write(": ping\n\n");
    }, 15_000);
    // The response closes when the browser goes away (or pcsd ends the stream).
    res.on("close", end);
    res.on("error", end);
  };

  const routes: Record<string, (req: IncomingMessage, res: ServerResponse, from: string) => Promise<void>> = {
    "GET /": async (req, res) => {
      const s = sessionOf(req);
      if (!s) return redirect(res, "/login");
      send(
        res,
        200,
        page(dashboardPage, { csrf: s.session.csrf, node: opts.nodeName }),
        STATIC_TYPES[".html"],
      );
    },
    "GET /login": async (req, res) => {
      if (sessionOf(req)) return redirect(res, "/");
      const nonce = sessions.newLoginNonce();
      send(
        res,
        200,
        page(loginPage, { csrf: sessions.loginToken(nonce), node: opts.nodeName }),
        STATIC_TYPES[".html"],
        {
          "set-cookie": cookie(LOGIN_COOKIE, nonce, Math.floor(sessions.policy.loginTokenMs / 1000)),
        },
      );
    },
    "POST /ui/api/login": async (req, res, from) => {
      checkPost(req);
      const nonce = parseCookies(headerValue(req.headers.cookie)).get(LOGIN_COOKIE);
      if (!sessions.checkLoginToken(nonce, headerValue(req.headers[CSRF_HEADER])))
        throw new TandemError(
          ErrorCodes.PCSD_CSRF,
          "missing or expired login form token: reload the login page",
        );
      const { username, password } = loginBody.check(await readJson(req), "");
      await opts.login(username, password, from);
      // A fresh id at every login (no session fixation); the old one, if any, ends.
      const old = parseCookies(headerValue(req.headers.cookie)).get(SESSION_COOKIE);
      sessions.destroy(old);
      const { id } = sessions.create(PCSD_USER, from);
      log.log("notice", "dashboard login", { user: username, from, sessions: sessions.size });
      sendJson(
        res,
        200,
        { node: opts.nodeName },
        {
          "set-cookie": [cookie(SESSION_COOKIE, id, sessions.maxAgeSeconds), cookie(LOGIN_COOKIE, "", 0)],
        },
      );
    },
    "POST /ui/api/logout": async (req, res, from) => {
      checkPost(req);
      const { id, session } = requireSession(req);
      requireCsrf(req, session);
      sessions.destroy(id);
      log.log("notice", "dashboard logout", { user: session.user, from });
      sendJson(res, 200, {}, { "set-cookie": cookie(SESSION_COOKIE, "", 0) });
    },
    "GET /ui/api/status": async (req, res) => {
      requireSession(req);
      sendJson(res, 200, await read());
    },
    "GET /ui/api/events": async (req, res) => {
      const { id } = requireSession(req);
      events(res, id);
    },
    "POST /ui/api/action": async (req, res, from) => {
      checkPost(req);
      const { session } = requireSession(req);
      requireCsrf(req, session);
      const action = actionRequest.check(await readJson(req), "");
      log.log("info", "dashboard action", { user: session.user, from, ...action });
      const result = await serial(() => runAction(opts.root, action, opts.actionWaitMs ?? 60_000));
      feed.poke();
      log.log(result.exitCode === 0 ? "info" : "notice", "dashboard action done", {
        command: result.command,
        exitCode: result.exitCode,
        from,
      });
      if (result.exitCode !== 0) {
        // pcs's error lines, without the "Error: " prefixes and its generic closing line.
        const text = (result.stderr || result.stdout)
          .split("\n")
          .map((l) => l.replace(/^Error: /, "").trim())
          .filter((l) => l !== "" && !l.startsWith("Errors have occurred, therefore pcs is unable"))
          .join("; ");
        throw new TandemError(
          ErrorCodes.PCSD_ACTION_FAILED,
          `${result.command}: ${text || `exit ${result.exitCode}`}`,
        );
      }
      sendJson(res, 200, result);
    },
  };

  return {
    sessions,
    streamCount: () => streams.size,
    async handle(req, res, path, from) {
      try {
        if (missing !== undefined)
          throw Object.assign(new TandemError(ErrorCodes.IO, missing), { status: 503 });
        const route = routes[`${req.method} ${path}`];
        if (route) return await route(req, res, from);
        const file =
          /^\/ui\/([a-z]+\.(?:js|css|svg))$/.exec(path)?.[1] ??
          (path === "/favicon.ico" ? "favicon.svg" : undefined);
        const asset = file !== undefined ? assets.get(file) : undefined;
        if (asset && (req.method === "GET" || req.method === "HEAD")) {
          const ext = file!.slice(file!.lastIndexOf("."));
          return send(res, 200, asset, STATIC_TYPES[ext], { "cache-control": "no-cache" });
        }
        const known = Object.keys(routes).some((k) => k.endsWith(` ${path}`));
        throw Object.assign(
          new TandemError(
            ErrorCodes.PCSD_BAD_REQUEST,
            known
              ? `method ${req.method} is not allowed for ${path}`
              : `unknown page ${req.method} ${path.slice(0, 200)}`,
          ),
          { status: known ? 405 : 404 },
        );
      } catch (e) {
        if (
          e instanceof TandemError &&
          e.code !== ErrorCodes.PCSD_SESSION &&
          e.code !== ErrorCodes.PCSD_AUTH_FAILED &&
          e.code !== ErrorCodes.PCSD_RATE_LIMITED
        )
          log.log("notice", "dashboard request refused", {
            path: path.slice(0, 200),
            from,
            code: e.code,
            message: e.message,
          });
        if (res.headersSent) {
          res.destroy();
          return;
        }
        sendError(res, e, (e as { status?: number }).status);
        if (e instanceof TandemError && e.code === ErrorCodes.PCSD_TOO_LARGE) req.socket.destroySoon();
      }
    },
    close() {
      feed.close();
      for (const s of streams) s.end();
      streams.clear();
    },
  };
}
