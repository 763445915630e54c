// Unit tests of pcsd's pure parts: the API shapes (also fuzzed: any JSON value is either
// accepted whole or refused with PCSD_BAD_REQUEST), the login rate limiter, password hashes,
// pcs's addr= syntax.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { endpoints } from "./api.js";
import { parseHostAddr, readKnownHosts, updateKnownHosts, withFileLock } from "./known-hosts.js";
import { checkLogin, hashPassword, setPassword, verifyPassword } from "./password.js";
import { LoginRateLimiter } from "./ratelimit.js";

const cheap = { N: 1024, r: 8, p: 1 };

describe("api shapes", () => {
  it("accept a valid request and name the offending field of a bad one", () => {
    const ok = endpoints.clusterSetup.request.check(
      { corosyncConf: "x", authkey: "AAAA", force: false },
      "request",
    );
    assert.equal(ok.force, false);
    assert.throws(
      () =>
        endpoints.clusterSetup.request.check({ corosyncConf: "x", authkey: "AAAA", force: "yes" }, "request"),
      (e: TandemError) =>
        e.code === ErrorCodes.PCSD_BAD_REQUEST && /'request\.force' must be true or false/.test(e.message),
    );
    assert.throws(
      () => endpoints.filePut.request.check({ files: [{ name: "passwd", data: "" }] }, "request"),
      /'request\.files\[0\]\.name' must be one of corosync\.conf, authkey/,
    );
    assert.throws(() => endpoints.auth.request.check([], "request"), /must be an object/);
    // Inherited names are unknown fields too.
    assert.throws(
      () => endpoints.clusterStart.request.check({ toString: 1 }, "request"),
      /'request\.toString' must be absent/,
    );
    assert.throws(
      () => endpoints.clusterStart.request.check(JSON.parse('{"__proto__":{}}'), "request"),
      /absent/,
    );
  });

  it("any JSON value: accepted or refused with PCSD_BAD_REQUEST, never another error", () => {
    for (const ep of Object.values(endpoints))
      fc.assert(
        fc.property(fc.jsonValue(), (v) => {
          try {
            ep.request.check(v, "request");
          } catch (e) {
            return e instanceof TandemError && e.code === ErrorCodes.PCSD_BAD_REQUEST;
          }
          return true;
        }),
        { numRuns: 300 },
      );
  });
});

describe("login rate limiter", () => {
  it("free attempts, then doubling waits per address and per user, cleared by success", () => {
    let now = 0;
    const rl = new LoginRateLimiter(
      { freeAttempts: 2, baseDelayMs: 1000, maxDelayMs: 4000, forgetAfterMs: 1e9 },
      () => now,
    );
    rl.recordFailure("10.0.0.1", "hacluster");
    rl.recordFailure("10.0.0.1", "hacluster");
    assert.equal(rl.retryAfterMs("10.0.0.1", "hacluster"), 0);
    rl.recordFailure("10.0.0.1", "hacluster");
    assert.equal(rl.retryAfterMs("10.0.0.1", "hacluster"), 1000);
    // Another address guessing the same user waits too (per-user counter)...
    assert.equal(rl.retryAfterMs("10.0.0.2", "hacluster"), 1000);
    // ... and the same address waits for another user (per-address counter).
    assert.equal(rl.retryAfterMs("10.0.0.1", "root"), 1000);
    assert.equal(rl.retryAfterMs("10.0.0.2", "root"), 0);
    now = 1000;
    rl.recordFailure("10.0.0.1", "hacluster");
    assert.equal(rl.retryAfterMs("10.0.0.1", "hacluster"), 2000);
    now = 3000;
    rl.recordFailure("10.0.0.1", "hacluster");
    rl.recordFailure("10.0.0.1", "hacluster");
    assert.equal(rl.retryAfterMs("10.0.0.1", "hacluster"), 4000, "capped");
    rl.recordSuccess("10.0.0.1", "hacluster");
    assert.equal(rl.retryAfterMs("10.0.0.1", "hacluster"), 0);
    assert.deepEqual(rl.failures("10.0.0.1", "hacluster"), { addr: 0, user: 0 });
  });

  it("the wait never decreases while failures continue (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 30 }), (gaps) => {
        let now = 0;
        const rl = new LoginRateLimiter(
          { freeAttempts: 3, baseDelayMs: 100, maxDelayMs: 60_000, forgetAfterMs: 1e9 },
          () => now,
        );
        let lastDelay = 0;
        for (const g of gaps) {
          now += g;
          rl.recordFailure("a", "u");
          const d = rl.retryAfterMs("a", "u");
          if (d < lastDelay && d !== 0) return false;
          if (d > 0) lastDelay = d;
        }
        return true;
      }),
    );
  });
});

describe("passwords", () => {
  it("scrypt hashes are salted, verify only the right password, refuse corrupt hashes", async () => {
    const a = await hashPassword("pw", cheap);
    const b = await hashPassword("pw", cheap);
    assert.notEqual(a, b, "random salt");
    assert.match(a, /^scrypt\$1024\$8\$1\$/);
    assert.equal(await verifyPassword("pw", a), true);
    assert.equal(await verifyPassword("pW", a), false);
    assert.equal(await verifyPassword("pw", "plain:pw"), false);
    assert.equal(await verifyPassword("pw", a.replace(/\$[^$]+$/, "$AAAA")), false);
    assert.equal(await verifyPassword("pw", "scrypt$99999999$8$1$AAAA$AAAA"), false);
  });

  it("only hacluster; an unset password never logs in", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tandem-pw-"));
    try {
      const f = join(dir, "passwd");
      assert.equal(await checkLogin(f, "hacluster", ""), false);
      await assert.rejects(setPassword(f, "root", "x", cheap), /only the user 'hacluster'/);
      await assert.rejects(setPassword(f, "hacluster", "", cheap), /must not be empty/);
      await setPassword(f, "hacluster", "secret", cheap);
      assert.equal(await checkLogin(f, "hacluster", "secret"), true);
      assert.equal(await checkLogin(f, "root", "secret"), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("addr= values", () => {
  it("parses address[:port] and [ipv6]:port", () => {
    assert.deepEqual(parseHostAddr("10.0.0.1"), { addr: "10.0.0.1", port: undefined });
    assert.deepEqual(parseHostAddr("10.0.0.1:2225"), { addr: "10.0.0.1", port: 2225 });
    assert.deepEqual(parseHostAddr("node1.lab"), { addr: "node1.lab", port: undefined });
    assert.deepEqual(parseHostAddr("[fd00::1]:2224"), { addr: "fd00::1", port: 2224 });
    assert.deepEqual(parseHostAddr("fd00::1"), { addr: "fd00::1" });
    assert.throws(() => parseHostAddr("10.0.0.1:0"), /invalid port '0'/);
    assert.throws(() => parseHostAddr("a b"), /invalid address 'a b'/);
  });
});

describe("known-hosts file lock", () => {
  it("waits for a held lock, breaks a stale one, and releases it", () => {
    const dir = mkdtempSync(join(tmpdir(), "tandem-kh-"));
    try {
      const file = join(dir, "known-hosts");
      const entry = {
        name: "n1",
        addrs: ["127.0.0.2"],
        port: 2224,
        token: "a".repeat(64),
        fingerprint256: "AB",
      };
      writeFileSync(`${file}.lock`, "");
      assert.throws(() => withFileLock(file, () => 0, 100), /locked by another pcs command/);
      // ... the same lock 31 s old is a leftover of a killed process.
      const old = new Date(Date.now() - 31_000);
      utimesSync(`${file}.lock`, old, old);
      updateKnownHosts(file, [entry]);
      assert.equal(readKnownHosts(file).get("n1")?.port, 2224);
      assert.throws(() => statSync(`${file}.lock`), /ENOENT/);
      assert.equal(
        withFileLock(file, () => 7),
        7,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
