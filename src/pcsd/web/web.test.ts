// The dashboard's HTTP side over real TLS sockets: pages and their security headers, login
// (form token, password, the rate limiter shared with `pcs host auth`), session cookies and
// their expiry, CSRF and origin checks on every POST, input validation and size limits,
// the live feed, and the marks/CSP rules of the static front end.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { request } from "node:https";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ErrorCodes } from "../../core/errors.js";
import { createLogger } from "../../core/log.js";
import { startPcsd } from "../server.js";
import { callPcsd } from "../client.js";
import { STAND_IN_DAEMON, TEST_PASSWORD, type TestNode, startTestNode, stopTestNodes } from "../testkit.js";
import { staticDir } from "./dashboard.js";
import { marks } from "./marks.js";
import { type Reply, cookiePair, login, metaCsrf, setCookies, web } from "./test-support.js";

describe("pcsd web dashboard (HTTP)", () => {
  let node: TestNode;
  let clock = 5_000_000;
  before(async () => {
    node = await startTestNode("node1", "127.0.91.1", {
      now: () => clock,
      rateLimit: { freeAttempts: 2, baseDelayMs: 10_000, maxDelayMs: 60_000, forgetAfterMs: 3_600_000 },
    });
  });
  after(() => stopTestNodes(node));

  it("sends a visitor without a session to the login page, with strict security headers", async () => {
    const root = await web(node, "GET", "/");
    assert.equal(root.status, 303);
    assert.equal(root.headers.location, "/login");
    const page = await web(node, "GET", "/login");
    assert.equal(page.status, 200);
    assert.match(String(page.headers["content-type"]), /^text\/html/);
    const csp = String(page.headers["content-security-policy"]);
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(page.headers["x-frame-options"], "DENY");
    assert.equal(page.headers["x-content-type-options"], "nosniff");
    assert.equal(page.headers["cache-control"], "no-store");
    assert.match(page.text, /data-test="login-form"/);
    const pre = setCookies(page).find((c) => c.startsWith("tandem_login="));
    assert.match(String(pre), /; HttpOnly; Secure; SameSite=Strict$/);
    // Static files are served by pcsd itself, with the same headers.
    const js = await web(node, "GET", "/ui/app.js");
    assert.equal(js.status, 200);
    assert.match(String(js.headers["content-type"]), /^text\/javascript/);
    assert.equal(js.headers["x-frame-options"], "DENY");
    for (const bad of ["/ui/../package.json", "/ui/%2e%2e/package.json", "/ui/nope.js", "/etc/passwd"]) {
      const r = await web(node, "GET", bad);
      assert.equal(r.status, 404, bad);
      assert.equal(r.json.error?.code, ErrorCodes.PCSD_BAD_REQUEST);
    }
  });

  it("refuses every data and action endpoint without a session (401)", async () => {
    for (const [method, path] of [
      ["GET", "/ui/api/status"],
      ["GET", "/ui/api/events"],
      ["POST", "/ui/api/action"],
      ["POST", "/ui/api/logout"],
    ]) {
      const r = await web(node, method, path, {
        body: method === "POST" ? { action: "standby", target: "node1", node: null } : undefined,
        headers: { "x-csrf-token": "x".repeat(43) },
        cookies: ["tandem_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
      });
      assert.equal(r.status, 401, `${method} ${path}`);
      assert.equal(r.json.error?.code, ErrorCodes.PCSD_SESSION);
    }
  });

  it("logs in only with the login page's token and the right password; the cookie is locked down", async () => {
    const page = await web(node, "GET", "/login");
    const pre = cookiePair(page, "tandem_login");
    const token = metaCsrf(page.text);
    const body = { username: "hacluster", password: TEST_PASSWORD };
    // No token, a token of another login page, or no pre-login cookie: 403, nothing checked.
    const other = metaCsrf((await web(node, "GET", "/login")).text);
    for (const [cookies, headers] of [
      [[pre], {}],
      [[pre], { "x-csrf-token": other }],
      [[], { "x-csrf-token": token }],
    ] as [string[], Record<string, string>][]) {
      const r = await web(node, "POST", "/ui/api/login", { body, cookies, headers });
      assert.equal(r.status, 403);
      assert.equal(r.json.error?.code, ErrorCodes.PCSD_CSRF);
    }
    const wrong = await web(node, "POST", "/ui/api/login", {
      body: { ...body, password: "wrong" },
      cookies: [pre],
      headers: { "x-csrf-token": token },
    });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.json.error?.code, ErrorCodes.PCSD_AUTH_FAILED);
    assert.equal(setCookies(wrong).length, 0);
    const ok = await web(node, "POST", "/ui/api/login", {
      body,
      cookies: [pre],
      headers: { "x-csrf-token": token },
    });
    assert.equal(ok.status, 200);
    const cookie = setCookies(ok).find((c) => c.startsWith("tandem_session="));
    assert.match(
      String(cookie),
      /^tandem_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=\d+; HttpOnly; Secure; SameSite=Strict$/,
    );
    // Another login gives another random id.
    const again = await login(node);
    assert.notEqual(again.session, cookiePair(ok, "tandem_session"));
    // Logged in: the dashboard page, with a CSRF token of its own.
    const dash = await web(node, "GET", "/", { cookies: [again.session] });
    assert.match(dash.text, /data-test="nodes"/);
    assert.notEqual(again.csrf, token);
    assert.doesNotMatch(String(dash.headers["content-security-policy"]), /unsafe-inline/);
    const toDash = await web(node, "GET", "/login", { cookies: [again.session] });
    assert.equal(toDash.status, 303);
  });

  it("checks the CSRF token, the origin, the content type and the size of every POST", async () => {
    const { session, csrf } = await login(node);
    const action = { action: "standby", target: "node1", node: null };
    const post = (body: string | object, headers: Record<string, string> = {}) =>
      web(node, "POST", "/ui/api/action", { body, cookies: [session], headers });
    const refused = async (r: Promise<Reply>, status: number, code: string) => {
      const x = await r;
      assert.equal(x.status, status, x.text);
      assert.equal(x.json.error?.code, code, x.text);
    };
    await refused(post(action), 403, ErrorCodes.PCSD_CSRF);
    await refused(post(action, { "x-csrf-token": `${csrf.slice(0, -1)}x` }), 403, ErrorCodes.PCSD_CSRF);
    await refused(post(action, { "x-csrf-token": "" }), 403, ErrorCodes.PCSD_CSRF);
    await refused(
      post(action, { "x-csrf-token": csrf, origin: "https://evil.example" }),
      403,
      ErrorCodes.PCSD_CSRF,
    );
    await refused(
      post(action, { "x-csrf-token": csrf, "sec-fetch-site": "cross-site" }),
      403,
      ErrorCodes.PCSD_CSRF,
    );
    await refused(
      post("action=standby", { "x-csrf-token": csrf, "content-type": "application/x-www-form-urlencoded" }),
      400,
      ErrorCodes.PCSD_BAD_REQUEST,
    );
    await refused(post("{not json", { "x-csrf-token": csrf }), 400, ErrorCodes.PCSD_BAD_REQUEST);
    await refused(
      post({ ...action, pad: "x".repeat(5000) }, { "x-csrf-token": csrf }),
      413,
      ErrorCodes.PCSD_TOO_LARGE,
    );
    for (const bad of [
      { ...action, action: "delete" },
      { ...action, target: "-f" },
      { ...action, target: "--all" },
      { ...action, target: "a b" },
      { action: "move", target: "d1", node: null },
      { action: "move", target: "d1", node: "--force" },
      { action: "enable", target: "d1", node: "node2" },
      { ...action, extra: 1 },
      { action: "standby" },
    ]) {
      const r = await post(bad, { "x-csrf-token": csrf });
      assert.equal(r.status, 400, JSON.stringify(bad));
      assert.equal(r.json.error?.code, ErrorCodes.PCSD_BAD_REQUEST);
    }
    // Same origin is fine; with no cluster running the pcs command fails and says why.
    const r = await post(action, {
      "x-csrf-token": csrf,
      origin: `https://${node.addr}:${node.server.port}`,
    });
    assert.equal(r.status, 409, r.text);
    assert.equal(r.json.error?.code, ErrorCodes.PCSD_ACTION_FAILED);
    assert.match(String(r.json.error?.message), /^pcs node standby node1: /);
  });

  it("shows the cluster state to a session: not running here, with the reason", async () => {
    const { session } = await login(node);
    const r = await web(node, "GET", "/ui/api/status", { cookies: [session] });
    assert.equal(r.status, 200);
    assert.equal(r.json.node, "node1");
    assert.equal(r.json.running, false);
    assert.match(String(r.json.message), /the cluster is not running on node1/);
    assert.deepEqual([r.json.nodes, r.json.resources], [[], []]);
  });

  it("pushes the snapshot as server-sent events to a session", async () => {
    const { session } = await login(node);
    const first = await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: node.addr,
          port: node.server.port,
          path: "/ui/api/events",
          rejectUnauthorized: false,
          headers: { cookie: session },
        },
        (res) => {
          assert.equal(res.statusCode, 200);
          assert.match(String(res.headers["content-type"]), /^text\/event-stream/);
          let text = "";
          res.on("data", (c) => {
            text += c;
            const m = /event: snapshot\ndata: (.*)\n\n/.exec(text);
            if (m) {
              req.destroy();
              resolve(m[1]);
            }
          });
        },
      );
      req.on("error", (e) => (e.message.includes("socket hang up") ? undefined : reject(e)));
      req.end();
    });
    assert.equal(JSON.parse(first).node, "node1");
    // The browser went away: pcsd drops the stream.
    const t0 = Date.now();
    while (node.server.dashboard?.streamCount() !== 0 && Date.now() - t0 < 10_000)
      await new Promise((r) => setTimeout(r, 20));
    assert.equal(node.server.dashboard?.streamCount(), 0);
  });

  it("ends sessions at logout and after the idle time", async () => {
    const a = await login(node);
    const noCsrf = await web(node, "POST", "/ui/api/logout", { body: {}, cookies: [a.session] });
    assert.equal(noCsrf.status, 403);
    const out = await web(node, "POST", "/ui/api/logout", {
      body: {},
      cookies: [a.session],
      headers: { "x-csrf-token": a.csrf },
    });
    assert.equal(out.status, 200);
    assert.match(cookiePair(out, "tandem_session"), /^tandem_session=$/);
    assert.match(String(setCookies(out)[0]), /Max-Age=0/);
    assert.equal((await web(node, "GET", "/ui/api/status", { cookies: [a.session] })).status, 401);

    const b = await login(node);
    clock += 59 * 60 * 1000;
    assert.equal((await web(node, "GET", "/ui/api/status", { cookies: [b.session] })).status, 200);
    clock += 61 * 60 * 1000;
    const expired = await web(node, "GET", "/ui/api/status", { cookies: [b.session] });
    assert.equal(expired.status, 401);
    assert.equal(expired.json.error?.code, ErrorCodes.PCSD_SESSION);
    assert.equal((await web(node, "GET", "/", { cookies: [b.session] })).status, 303);
  });

  it("rate-limits failed logins, shared with pcs host auth", async () => {
    const attempt = async (password: string) => {
      const page = await web(node, "GET", "/login");
      return web(node, "POST", "/ui/api/login", {
        body: { username: "hacluster", password },
        cookies: [cookiePair(page, "tandem_login")],
        headers: { "x-csrf-token": metaCsrf(page.text) },
      });
    };
    assert.equal((await attempt("bad1")).status, 401);
    assert.equal((await attempt("bad2")).status, 401);
    assert.equal((await attempt("bad3")).status, 401);
    // Blocked now: even the right password is not checked.
    const limited = await attempt(TEST_PASSWORD);
    assert.equal(limited.status, 429);
    assert.equal(limited.json.error?.code, ErrorCodes.PCSD_RATE_LIMITED);
    assert.equal(limited.headers["retry-after"], "10");
    await assert.rejects(
      callPcsd({ name: "node1", addrs: [node.addr], port: node.server.port }, "auth", {
        username: "hacluster",
        password: TEST_PASSWORD,
      }),
      (e: { code?: string }) => e.code === ErrorCodes.PCSD_RATE_LIMITED,
    );
    clock += 11_000;
    assert.equal((await attempt(TEST_PASSWORD)).status, 200);
    assert.ok(node.logLines.some((l) => /failed login/.test(l) && /hacluster/.test(l)));
  });
});

describe("pcsd without the dashboard's files", () => {
  it("still serves the API; the dashboard's pages say what is missing (503)", async () => {
    const root = mkdtempSync(join(tmpdir(), "tandem-web-nofiles-"));
    const lines: string[] = [];
    const server = await startPcsd({
      root,
      bind: "127.0.91.2",
      port: 0,
      nodeName: "node1",
      logger: createLogger({ sink: (l) => lines.push(l), level: "debug" }),
      supervisor: { mode: "child", command: STAND_IN_DAEMON },
      dashboard: { staticDir: join(root, "no-such-dir") },
    });
    try {
      const n = { addr: "127.0.91.2", server };
      const v = await callPcsd({ name: "node1", addrs: [n.addr], port: server.port }, "version", {});
      assert.equal(v.body.node, "node1");
      const page = await web(n, "GET", "/login");
      assert.equal(page.status, 503);
      assert.equal(page.json.error?.code, ErrorCodes.IO);
      assert.match(String(page.json.error?.message), /web dashboard's files cannot be read/);
      assert.ok(lines.some((l) => /web dashboard's files cannot be read/.test(l)));
    } finally {
      await server.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("dashboard front end files", () => {
  const dir = staticDir();
  const files = readdirSync(dir);
  const text = files.map((f) => readFileSync(join(dir, f), "utf8")).join("\n");

  it("carries every data-test mark the tests locate by", () => {
    for (const [name, mark] of Object.entries(marks))
      assert.ok(text.includes(`"${mark}"`), `mark ${name} ("${mark}") is not in src/pcsd/web/static`);
  });

  it("has no inline script, no inline handler and nothing from another site", () => {
    for (const f of files.filter((x) => x.endsWith(".html"))) {
      const html = readFileSync(join(dir, f), "utf8");
      for (const m of html.matchAll(/<script\b([^>]*)>/g))
        assert.match(m[1], /\bsrc="\/ui\//, `${f}: ${m[0]}`);
      assert.doesNotMatch(html, /\son[a-z]+=/i, `${f}: inline event handler`);
      assert.doesNotMatch(html, /\sstyle=/i, `${f}: inline style`);
      assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, `${f}: external resource`);
    }
    assert.doesNotMatch(text, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });
});
