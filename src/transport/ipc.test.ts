import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { TandemError } from "../core/errors.js";
import { encodeFrame, FrameDecoder, IpcClient, ipcRequest, serveIpc } from "./ipc.js";

function tmp() {
  return mkdtempSync(join(tmpdir(), "tandem-ipc-"));
}

test("request/response, errors, events, socket mode 0660", async () => {
  const dir = tmp();
  const path = join(dir, "sock");
  let closedClients = 0;
  const server = await serveIpc(path, {
    echo: (p) => p,
    boom: () => {
      throw new TandemError("TANDEM_E_USAGE", "bad thing");
    },
    crash: () => {
      throw new Error("secret internals");
    },
    sub: (_p, ctx) => {
      ctx.onClose(() => closedClients++);
      setImmediate(() => ctx.push("tick", { n: 1 }));
      return "subscribed";
    },
  });
  try {
    assert.equal(statSync(path).mode & 0o777, 0o660);
    assert.deepEqual(await ipcRequest(path, "echo", { a: [1, "x"] }), { a: [1, "x"] });
    await assert.rejects(
      ipcRequest(path, "boom"),
      (e) => e instanceof TandemError && e.code === "TANDEM_E_USAGE",
    );
    await assert.rejects(
      ipcRequest(path, "crash"),
      (e) => e instanceof TandemError && !e.message.includes("secret"),
    );
    await assert.rejects(ipcRequest(path, "nope"), /unknown method 'nope'/);
    const c = await IpcClient.connect(path);
    const got = new Promise((resolve) => c.onEvent((e) => resolve(e)));
    assert.equal(await c.request("sub"), "subscribed");
    assert.deepEqual(await got, { v: 1, event: "tick", data: { n: 1 } });
    // many requests in flight on one connection
    const rs = await Promise.all(Array.from({ length: 50 }, (_, i) => c.request("echo", i)));
    assert.deepEqual(
      rs,
      Array.from({ length: 50 }, (_, i) => i),
    );
    c.close();
    for (let i = 0; i < 200 && closedClients === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(closedClients, 1);
    // a second server on the same path is refused while the first one lives
    await assert.rejects(serveIpc(path, {}), /already serves/);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("no daemon: a clear IPC_UNAVAILABLE error", async () => {
  await assert.rejects(
    ipcRequest("/nonexistent/tandem.sock", "x"),
    (e) => e instanceof TandemError && e.code === "TANDEM_E_IPC_UNAVAILABLE" && /ENOENT/.test(e.message),
  );
});

test("oversized and garbage frames drop the client, the server keeps serving", async () => {
  const dir = tmp();
  const path = join(dir, "sock");
  const server = await serveIpc(path, { echo: (p) => p }, { maxFrame: 1024 });
  try {
    for (const bad of [
      Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2]),
      Buffer.from([0, 0, 0, 3, 0x7b, 0x7b, 0x7b]),
    ]) {
      const s = connect(path);
      await new Promise<void>((resolve) => {
        s.on("connect", () => s.write(bad));
        s.on("close", () => resolve());
        s.on("error", () => resolve());
      });
    }
    await assert.rejects(ipcRequest(path, "echo", "x".repeat(2000)), /response|exceeds|closed/);
    assert.equal(await ipcRequest(path, "echo", "still fine"), "still fine");
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("property: frames split at any points decode to the same messages", () => {
  fc.assert(
    fc.property(
      fc.array(fc.jsonValue(), { maxLength: 6 }),
      fc.array(fc.nat(), { maxLength: 6 }),
      (msgs, cuts) => {
        const all = Buffer.concat(msgs.map((m) => encodeFrame(m)));
        const points = [...new Set(cuts.map((c) => (all.length === 0 ? 0 : c % all.length)))].sort(
          (a, b) => a - b,
        );
        const dec = new FrameDecoder();
        const out: unknown[] = [];
        let prev = 0;
        for (const p of [...points, all.length]) {
          out.push(...dec.push(all.subarray(prev, p)));
          prev = p;
        }
        assert.deepEqual(out, JSON.parse(JSON.stringify(msgs)));
      },
    ),
    { numRuns: 300 },
  );
});
