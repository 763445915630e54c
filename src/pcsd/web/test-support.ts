// Helpers for the dashboard tests: raw HTTPS requests with cookies and headers (what a
// browser or a hostile client sends), and a login through the login page as a browser does it.

import assert from "node:assert/strict";
import { request } from "node:https";
import { TEST_PASSWORD, type TestNode } from "../testkit.js";

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: { error?: { code: string; message: string } } & Record<string, unknown>;
}

export function web(
  n: TestNode,
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
  n: TestNode,
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
