// pcsd over real TLS sockets on loopback: login, tokens, rate limiting, certificate pinning,
// request validation, file permissions, and supervision of a stand-in cluster daemon.

import assert from "node:assert/strict";
import { readFileSync, rmSync, statSync } from "node:fs";
import { request } from "node:https";
import { after, before, describe, it } from "node:test";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { API_PREFIX, MAX_BODY_BYTES, TOKEN_HEADER } from "./api.js";
import { type PcsdTarget, callPcsd } from "./client.js";
import { TEST_PASSWORD, type TestNode, startTestNode, stopTestNodes } from "./testkit.js";

function target(n: TestNode, extra: Partial<PcsdTarget> = {}): PcsdTarget {
  return { name: n.name, addrs: [n.addr], port: n.server.port, ...extra };
}

async function rejectsWith(p: Promise<unknown>, code: string, re?: RegExp): Promise<TandemError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof TandemError, `expected a TandemError, got ${e}`);
    assert.equal(e.code, code, e.message);
    if (re) assert.match(e.message, re);
    return e;
  }
  assert.fail(`expected ${code}`);
}

/** Raw HTTPS request (bypassing the typed client) to test what a hostile client can send. */
function raw(n: TestNode, method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; json: { error?: { code: string; message: string } } }>(
    (resolve, reject) => {
      const req = request(
        { host: n.addr, port: n.server.port, method, path, rejectUnauthorized: false, headers },
        (res) => {
          let text = "";
          res.on("data", (c) => {
            text += c;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
        },
      );
      req.on("error", reject);
      req.end(body);
    },
  );
}

describe("pcsd", () => {
  let node: TestNode;
  let clock = 1_000_000;
  before(async () => {
    node = await startTestNode("node1", "127.0.0.2", {
      now: () => clock,
      restartOnCrash: true,
      rateLimit: { freeAttempts: 2, baseDelayMs: 10_000, maxDelayMs: 60_000, forgetAfterMs: 3_600_000 },
    });
  });
  after(() => stopTestNodes(node));

  it("answers version without a token, over TLS with the certificate it made", async () => {
    const r = await callPcsd(target(node), "version", {});
    assert.equal(r.body.node, "node1");
    assert.equal(r.fingerprint256, node.server.fingerprint256);
    assert.match(readFileSync(node.server.paths.tlsCert, "utf8"), /BEGIN CERTIFICATE/);
  });

  it("logs in hacluster and accepts the token; refuses no token and a tampered one", async () => {
    const { body } = await callPcsd(target(node), "auth", { username: "hacluster", password: TEST_PASSWORD });
    assert.match(body.token, /^[0-9a-f]{64}$/);
    const st = await callPcsd(target(node, { token: body.token }), "status", {});
    assert.equal(st.body.node, "node1");
    assert.equal(st.body.configured, false);
    assert.equal(st.body.daemon.running, false);

    const noToken = await raw(node, "GET", `${API_PREFIX}/status`);
    assert.equal(noToken.status, 401);
    assert.equal(noToken.json.error?.code, ErrorCodes.PCSD_TOKEN);
    const flipped = (body.token[0] === "a" ? "b" : "a") + body.token.slice(1);
    await rejectsWith(callPcsd(target(node, { token: flipped }), "status", {}), ErrorCodes.PCSD_TOKEN);
    const setup = await raw(node, "POST", `${API_PREFIX}/cluster/destroy`, "{}", { [TOKEN_HEADER]: flipped });
    assert.equal(setup.json.error?.code, ErrorCodes.PCSD_TOKEN);
    // The token file stores hashes only, never the token itself.
    assert.ok(!readFileSync(node.server.paths.tokens, "utf8").includes(body.token));
  });

  it("creates its secrets 0600", () => {
    const p = node.server.paths;
    for (const f of [p.tokens, p.passwd, p.tlsKey, p.localToken])
      assert.equal(statSync(f).mode & 0o777, 0o600, f);
  });

  it("refuses malformed requests with a stable code", async () => {
    const tok = readFileSync(node.server.paths.localToken, "utf8").trim();
    const h = { [TOKEN_HEADER]: tok, "content-type": "application/json" };
    const notJson = await raw(node, "POST", `${API_PREFIX}/cluster/setup`, "{nope", h);
    assert.deepEqual([notJson.status, notJson.json.error?.code], [400, ErrorCodes.PCSD_BAD_REQUEST]);
    const extra = await raw(node, "POST", `${API_PREFIX}/cluster/start`, '{"evil":1}', h);
    assert.equal(extra.json.error?.code, ErrorCodes.PCSD_BAD_REQUEST);
    assert.match(extra.json.error?.message ?? "", /request\.evil/);
    const badFile = await raw(
      node,
      "POST",
      `${API_PREFIX}/files/put`,
      '{"files":[{"name":"../../etc/passwd","data":""}]}',
      h,
    );
    assert.equal(badFile.json.error?.code, ErrorCodes.PCSD_BAD_REQUEST);
    const unknown = await raw(node, "GET", `${API_PREFIX}/nope`);
    assert.deepEqual([unknown.status, unknown.json.error?.code], [404, ErrorCodes.PCSD_BAD_REQUEST]);
    const big = await raw(node, "POST", `${API_PREFIX}/auth`, "x".repeat(MAX_BODY_BYTES + 1));
    assert.deepEqual([big.status, big.json.error?.code], [413, ErrorCodes.PCSD_TOO_LARGE]);
  });

  it("refuses a wrong password, then rate-limits even the right one, and logs it", async () => {
    const t = target(node);
    for (let i = 0; i < 3; i++)
      await rejectsWith(
        callPcsd(t, "auth", { username: "hacluster", password: "wrong" }),
        ErrorCodes.PCSD_AUTH_FAILED,
        /Username and\/or password is incorrect/,
      );
    await rejectsWith(
      callPcsd(t, "auth", { username: "hacluster", password: TEST_PASSWORD }),
      ErrorCodes.PCSD_RATE_LIMITED,
      /try again in 10 s/,
    );
    assert.ok(node.logLines.some((l) => l.includes("failed login") && l.includes("127.0.0.1")));
    assert.ok(node.logLines.some((l) => l.includes("rate limited")));
    clock += 10_001;
    // One more failure doubles the wait.
    await rejectsWith(
      callPcsd(t, "auth", { username: "hacluster", password: "x" }),
      ErrorCodes.PCSD_AUTH_FAILED,
    );
    await rejectsWith(
      callPcsd(t, "auth", { username: "hacluster", password: TEST_PASSWORD }),
      ErrorCodes.PCSD_RATE_LIMITED,
      /try again in 20 s/,
    );
    clock += 20_001;
    const ok = await callPcsd(t, "auth", { username: "hacluster", password: TEST_PASSWORD });
    assert.match(ok.body.token, /^[0-9a-f]{64}$/);
    // Other users are refused like a wrong password.
    await rejectsWith(
      callPcsd(t, "auth", { username: "root", password: TEST_PASSWORD }),
      ErrorCodes.PCSD_AUTH_FAILED,
    );
  });

  it("supervises the cluster daemon: start, restart after a crash, stop", async () => {
    const tok = readFileSync(node.server.paths.localToken, "utf8").trim();
    const t = target(node, { token: tok, fingerprint256: node.server.fingerprint256 });
    await rejectsWith(callPcsd(t, "clusterStart", {}), ErrorCodes.PCSD_DAEMON, /not configured/);
    // Configure (a minimal valid corosync.conf and a key) through the API.
    const conf =
      "totem {\n    version: 2\n    cluster_name: c1\n}\n\nnodelist {\n    node {\n        ring0_addr: 127.0.0.2\n        name: node1\n        nodeid: 1\n    }\n}\n";
    await callPcsd(t, "clusterSetup", {
      corosyncConf: conf,
      authkey: Buffer.alloc(256, 7).toString("base64"),
      force: false,
    });
    assert.equal(statSync(node.server.paths.authkey).mode & 0o777, 0o600);
    await rejectsWith(
      callPcsd(t, "clusterSetup", {
        corosyncConf: conf,
        authkey: Buffer.alloc(256, 8).toString("base64"),
        force: false,
      }),
      ErrorCodes.PCSD_IN_CLUSTER,
      /Cluster configuration files found/,
    );
    assert.equal(readFileSync(node.server.paths.authkey)[0], 7, "refused setup wrote nothing");

    const started = await callPcsd(t, "clusterStart", {});
    assert.equal(started.body.alreadyRunning, false);
    const pid = started.body.daemon.pid as number;
    assert.ok(pid > 0);
    assert.equal((await callPcsd(t, "clusterStart", {})).body.alreadyRunning, true);
    // The stand-in got TANDEM_ROOT = the node's prefix.
    await waitFor(() => readIf(`${node.root}/standin.pid`) === String(pid));
    assert.equal(readIf(`${node.root}/standin.env`), "node1", "TANDEM_NODE_NAME passed on");
    const st = await callPcsd(t, "status", {});
    assert.deepEqual([st.body.clusterName, st.body.daemon.running], ["c1", true]);

    process.kill(pid, "SIGKILL");
    await waitFor(async () => {
      const s = await callPcsd(t, "status", {});
      return s.body.daemon.running && s.body.daemon.pid !== pid;
    });
    assert.ok(node.logLines.some((l) => l.includes("exited unexpectedly")));
    assert.ok(
      node.logLines.some((l) => /info: request \{"endpoint":"clusterStart","from":"127\.0\.0\.1"\}/.test(l)),
    );
    assert.ok(
      node.logLines.some((l) =>
        /notice: request refused \{"endpoint":"clusterSetup".*TANDEM_E_PCSD_IN_CLUSTER/.test(l),
      ),
    );

    const newPid = (await callPcsd(t, "status", {})).body.daemon.pid as number;
    assert.equal((await callPcsd(t, "clusterStop", {})).body.wasRunning, true);
    assert.throws(() => process.kill(newPid, 0));
    assert.equal((await callPcsd(t, "clusterStop", {})).body.wasRunning, false);

    // kill: SIGKILL at once, and no restart (it was asked for).
    const again = (await callPcsd(t, "clusterStart", {})).body.daemon.pid as number;
    assert.equal((await callPcsd(t, "clusterKill", {})).body.wasRunning, true);
    assert.throws(() => process.kill(again, 0));
    await new Promise((r) => setTimeout(r, 150));
    assert.equal((await callPcsd(t, "status", {})).body.daemon.running, false, "not restarted after kill");

    const d = await callPcsd(t, "clusterDestroy", {});
    assert.deepEqual(d.body.removed.sort(), ["etc/tandem/authkey", "etc/tandem/corosync.conf"]);
    assert.equal((await callPcsd(t, "status", {})).body.configured, false);
  });

  it("a client refuses a node whose certificate changed after auth (re-keying)", async () => {
    const pinned = node.server.fingerprint256;
    const tok = readFileSync(node.server.paths.localToken, "utf8").trim();
    rmSync(node.server.paths.tlsKey);
    rmSync(node.server.paths.tlsCert);
    await node.restart();
    assert.notEqual(node.server.fingerprint256, pinned);
    await rejectsWith(
      callPcsd(target(node, { token: tok, fingerprint256: pinned }), "status", {}),
      ErrorCodes.PCSD_CERT_MISMATCH,
      /certificate has changed/,
    );
  });
});

function readIf(f: string): string | undefined {
  try {
    return readFileSync(f, "utf8");
  } catch {
    return undefined;
  }
}

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) assert.fail("condition not reached in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("pcsd with daemon restart disabled (pcsd --no-daemon-restart)", () => {
  it("leaves a crashed daemon down and logs it", async () => {
    const node = await startTestNode("solo", "127.0.0.5", { restartOnCrash: false });
    try {
      const tok = readFileSync(node.server.paths.localToken, "utf8").trim();
      const t = target(node, { token: tok, fingerprint256: node.server.fingerprint256 });
      const conf =
        "totem {\n    cluster_name: s\n}\n\nnodelist {\n    node {\n        ring0_addr: 127.0.0.5\n        nodeid: 1\n    }\n}\n";
      await callPcsd(t, "clusterSetup", {
        corosyncConf: conf,
        authkey: Buffer.alloc(128, 1).toString("base64"),
        force: false,
      });
      const pid = (await callPcsd(t, "clusterStart", {})).body.daemon.pid as number;
      process.kill(pid, "SIGKILL");
      await waitFor(() => node.logLines.some((l) => l.includes("not restarting it")));
      await new Promise((r) => setTimeout(r, 150));
      assert.equal((await callPcsd(t, "status", {})).body.daemon.running, false);
    } finally {
      await stopTestNodes(node);
    }
  });
});
