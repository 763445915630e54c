// The server behind ocf:tandem:WebServer (and the lab's ocf:heartbeat:apache
// stand-in): static files from a docroot on a set of addresses, plus the
// virtual IPs claimed on this node (files named after the address in a claim
// directory, written by ocf:tandem:IPaddr). Configured through the environment:
//   TANDEM_WS_LISTEN    addresses, space separated (0.0.0.0 = all)
//   TANDEM_WS_PORT      TCP port
//   TANDEM_WS_DOCROOT   directory served
//   TANDEM_WS_CLAIM_DIR claim directory to follow (empty: none)
//   TANDEM_WS_PIDFILE   written (atomically) once the fixed addresses listen
//   TANDEM_NODE_NAME    shown in the X-Tandem-Node header and /server-status
// SIGTERM/SIGINT: stop at once, remove the pid file. Plain JS, no build step.

import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, watch, writeFileSync } from "node:fs";
import http from "node:http";
import { hostname } from "node:os";
import { extname, join, normalize, resolve, sep } from "node:path";

const env = process.env;
const listen = (env.TANDEM_WS_LISTEN ?? "0.0.0.0").split(/[\s,]+/).filter(Boolean);
const port = Number(env.TANDEM_WS_PORT ?? "8080");
const docroot = resolve(env.TANDEM_WS_DOCROOT ?? "/var/www/html");
const claimDir = env.TANDEM_WS_CLAIM_DIR ?? "";
const pidfile = env.TANDEM_WS_PIDFILE ?? "";
const nodeName = env.TANDEM_NODE_NAME ?? env.OCF_RESKEY_CRM_meta_on_node ?? hostname();
const startedAt = Date.now();
let requests = 0;

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".htm": "text/html; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".css": "text/css",
  ".js": "text/javascript",
  ".json": "application/json",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
};
const MAX_FILE = 16 * 1024 * 1024;

function log(msg) {
  process.stderr.write(`${new Date().toISOString()} webserver[${process.pid}] ${msg}\n`);
}

function send(res, code, type, body, head) {
  res.writeHead(code, {
    "Content-Type": type,
    "Content-Length": Buffer.byteLength(body),
    "X-Tandem-Node": nodeName,
    Server: "tandem-webserver",
    Connection: "close",
  });
  res.end(head ? undefined : body);
}

function statusPage() {
  const up = Math.round((Date.now() - startedAt) / 1000);
  const addrs = [...servers.keys()].map((a) => `${a}:${port}`).join(" ");
  return `<!DOCTYPE html>\n<html><head><title>Server Status</title></head><body>\n<h1>Server Status for ${nodeName}</h1>\n<dl><dt>Uptime: ${up} seconds</dt><dt>Total accesses: ${requests}</dt><dt>Listening: ${addrs}</dt></dl>\n</body></html>\n`;
}

function handle(req, res) {
  requests++;
  const head = req.method === "HEAD";
  if (req.method !== "GET" && !head) return send(res, 405, "text/plain", "method not allowed\n", false);
  let path;
  try {
    path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
  } catch {
    return send(res, 400, "text/plain", "bad request\n", head);
  }
  if (path === "/server-status") return send(res, 200, "text/html; charset=utf-8", statusPage(), head);
  const file = normalize(join(docroot, path));
  if (file !== docroot && !file.startsWith(docroot + sep)) return send(res, 403, "text/plain", "forbidden\n", head);
  let target = file;
  try {
    if (statSync(target).isDirectory()) target = join(target, "index.html");
    const st = statSync(target);
    if (!st.isFile() || st.size > MAX_FILE) throw new Error("not a file");
    const body = readFileSync(target);
    res.writeHead(200, {
      "Content-Type": TYPES[extname(target).toLowerCase()] ?? "application/octet-stream",
      "Content-Length": body.length,
      "X-Tandem-Node": nodeName,
      Server: "tandem-webserver",
      Connection: "close",
    });
    res.end(head ? undefined : body);
  } catch {
    send(res, 404, "text/plain", "not found\n", head);
  }
}

/** address -> http.Server, for fixed and claimed addresses. */
const servers = new Map();
/** claimed addresses we are trying to bind (retry on EADDRINUSE). */
const claimed = new Set();

function listenOn(addr) {
  return new Promise((resolveListen, reject) => {
    const s = http.createServer(handle);
    s.keepAliveTimeout = 1000;
    s.once("error", reject);
    s.listen({ host: addr, port, exclusive: true }, () => {
      s.off("error", reject);
      s.on("error", (e) => log(`server error on ${addr}:${port}: ${e.message}`));
      servers.set(addr, s);
      resolveListen(s);
    });
  });
}

function unlisten(addr) {
  const s = servers.get(addr);
  if (!s) return;
  servers.delete(addr);
  s.close();
  s.closeAllConnections();
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const coveredByFixed = (a) => listen.includes(a) || listen.includes("0.0.0.0");

function readClaims() {
  if (!claimDir) return new Set();
  try {
    return new Set(readdirSync(claimDir).filter((n) => IPV4.test(n) && !coveredByFixed(n)));
  } catch {
    return new Set();
  }
}

const retrying = new Set();
function bindClaim(addr) {
  if (servers.has(addr) || retrying.has(addr)) return;
  listenOn(addr).then(
    () => {
      if (!claimed.has(addr)) unlisten(addr); // released while we were binding
      else log(`serving claimed address ${addr}:${port}`);
    },
    (e) => {
      // Another node (or a frozen one) still holds it: keep trying while claimed.
      retrying.add(addr);
      if (e.code !== "EADDRINUSE") log(`cannot listen on claimed ${addr}:${port}: ${e.code ?? e.message}`);
      setTimeout(() => {
        retrying.delete(addr);
        if (claimed.has(addr)) bindClaim(addr);
      }, 50);
    },
  );
}

function syncClaims() {
  const now = readClaims();
  for (const a of now)
    if (!claimed.has(a)) {
      claimed.add(a);
      bindClaim(a);
    }
  for (const a of [...claimed])
    if (!now.has(a)) {
      claimed.delete(a);
      unlisten(a);
      log(`released claimed address ${a}:${port}`);
    }
}

function stop(sig) {
  log(`stopping on ${sig}`);
  for (const a of [...servers.keys()]) unlisten(a);
  if (pidfile) {
    try {
      unlinkSync(pidfile);
    } catch {
      // already gone
    }
  }
  process.exit(0);
}
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));

async function main() {
  for (const a of listen) {
    try {
      await listenOn(a);
    } catch (e) {
      log(`cannot listen on ${a}:${port}: ${e.code ?? e.message}`);
      process.exit(1);
    }
  }
  if (claimDir) {
    try {
      // Exists before IPaddr's first claim, so inotify sees that claim at once.
      mkdirSync(claimDir, { recursive: true });
    } catch {
      // polled below until it exists
    }
    syncClaims();
    let watcher;
    const rewatch = () => {
      if (watcher) return;
      try {
        watcher = watch(claimDir, () => syncClaims());
        watcher.on("error", () => {
          watcher?.close();
          watcher = undefined;
        });
      } catch {
        watcher = undefined;
      }
    };
    rewatch();
    // inotify misses nothing it sees, but the directory may not exist yet.
    setInterval(() => {
      rewatch();
      syncClaims();
    }, 200);
  }
  if (pidfile) {
    const tmp = `${pidfile}.${process.pid}.tmp`;
    writeFileSync(tmp, `${process.pid}\n`);
    renameSync(tmp, pidfile);
  }
  log(`serving ${docroot} on ${listen.map((a) => `${a}:${port}`).join(" ")}${claimDir ? ` + claims in ${claimDir}` : ""}`);
}

main();
