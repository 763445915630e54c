// Helpers for the dashboard tests: raw HTTPS requests with cookies and headers (what a
// browser or a hostile client sends), and a login through the login page as a browser does it.

import assert from "node:assert/strict";
import { request } from "node:https";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { nodePaths } from "../../daemon/paths.js";
import { pcsdPaths } from "../paths.js";
import { setPassword } from "../password.js";
import { pidAlive } from "../supervisor.js";
import { TEST_PASSWORD, TEST_SCRYPT_COST } from "../testkit.js";

/** Where a pcsd answers (a TestNode of src/pcsd/testkit.ts, or a PcsdProcess). */
export interface WebNode {
  addr: string;
  server: { port: number };
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: { error?: { code: string; message: string } } & Record<string, unknown>;
}

export function web(
  n: WebNode,
  method: string,
  path: string,
  opts: { body?: string | object; cookies?: string[]; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const body = typeof opts.body === "object" ? JSON.stringify(opts.body) : opts.body;
  const headers: Record<string, string> = {
    ...(body !== undefined ? { "content-type": "application/json" } : {}),
    ...(opts.cookies?.length ? { cookie: opts.cookies.join("; ") } : {}),
    ...opts.headers,
  };
  return new Promise((resolve, reject) => {
    const req = request(
      { host: n.addr, port: n.server.port, method, path, rejectUnauthorized: false, headers },
      (res) => {
        let text = "";
        res.on("data", (c) => {
          text += c;
        });
        res.on("end", () => {
          let json = {};
          try {
            json = JSON.parse(text);
          } catch {}
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

export function setCookies(r: Reply): string[] {
  const h = r.headers["set-cookie"];
  return Array.isArray(h) ? h : h ? [h] : [];
}
/** "name=value" of a Set-Cookie header (for sending it back). */
export function cookiePair(r: Reply, name: string): string {
  const c = setCookies(r).find((x) => x.startsWith(`${name}=`));
  assert.ok(c, `no ${name} cookie in ${JSON.stringify(setCookies(r))}`);
  return c.split(";")[0];
}
export function metaCsrf(html: string): string {
  const m = /<meta name="csrf-token" content="([^"]*)"/.exec(html);
  assert.ok(m, "no csrf meta in the page");
  return m[1];
}

/** Opens the login page and logs in; returns the session cookie pair and the dashboard's token. */
export async function login(
  n: WebNode,
  password = TEST_PASSWORD,
): Promise<{ session: string; csrf: string }> {
  const page = await web(n, "GET", "/login");
  const r = await web(n, "POST", "/ui/api/login", {
    body: { username: "hacluster", password },
    cookies: [cookiePair(page, "tandem_login")],
    headers: { "x-csrf-token": metaCsrf(page.text) },
  });
  assert.equal(r.status, 200, r.text);
  const session = cookiePair(r, "tandem_session");
  const dash = await web(n, "GET", "/", { cookies: [session] });
  assert.equal(dash.status, 200);
  return { session, csrf: metaCsrf(dash.text) };
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** `bin/pcsd` as a process of its own, with its own TANDEM_ROOT; it runs the real tandemd. */
export interface PcsdProcess extends WebNode {
  name: string;
  root: string;
  proc: ChildProcess;
  /** SIGTERM (pcsd stops its tandemd), then the root is removed; SIGKILL for what is left. */
  stop(): Promise<void>;
}

export async function spawnPcsd(name: string, addr: string): Promise<PcsdProcess> {
  const root = mkdtempSync(join(tmpdir(), `tandem-web-${name}-`));
  await setPassword(pcsdPaths(root).passwd, "hacluster", TEST_PASSWORD, TEST_SCRYPT_COST);
  let stderr = "";
  const proc = spawn(
    process.execPath,
    [join(repoRoot, "bin/pcsd"), "--root", root, "--bind", addr, "--port", "0", "--name", name],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  proc.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const runtime = pcsdPaths(root).pcsdRuntime;
  const end = Date.now() + 60_000;
  while (!existsSync(runtime)) {
    if (proc.exitCode !== null || Date.now() > end) {
      proc.kill("SIGKILL");
      throw new Error(`pcsd ${name} did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const port = (JSON.parse(readFileSync(runtime, "utf8")) as { port: number }).port;
  return {
    name,
    root,
    addr,
    server: { port },
    proc,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once("exit", r));
        proc.kill("SIGTERM");
        const timer = setTimeout(() => proc.kill("SIGKILL"), 60_000);
        await exited;
        clearTimeout(timer);
      }
      // A pcsd that was killed leaves its daemon (own process group) behind.
      const pidFile = nodePaths(root).pidFile;
      const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8").trim()) : 0;
      if (pid > 1 && pidAlive(pid)) process.kill(-pid, "SIGKILL");
      rmSync(root, { recursive: true, force: true });
    },
  };
}
