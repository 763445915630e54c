// The netns lab (root only): the tutorial for real — the distribution's IPaddr2 and
// apache agents in one network namespace per node, the client in its own namespace —
// passing the tutorial's failover check (the page on the virtual IP moves from node1
// to node2 when node1's cluster is stopped, nobody answers twice), each node in its own
// PID and mount namespaces, and lab down removing every namespace.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { binDir } from "./config.js";
import { listNetns } from "./netns.js";
import { findProcesses, killAll } from "./procs.js";

const isRoot = process.getuid?.() === 0;

function tandem(args: string[]) {
  return new Promise<{ code: number; out: string; err: string }>((resolve) => {
    const c = spawn(process.execPath, [join(binDir, "tandem"), ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    c.stdout.on("data", (d: Buffer) => {
      out += d;
    });
    c.stderr.on("data", (d: Buffer) => {
      err += d;
    });
    const t = setTimeout(() => c.kill("SIGKILL"), 240_000);
    c.on("close", (code) => {
      clearTimeout(t);
      resolve({ code: code ?? 1, out, err });
    });
  });
}

describe("tandem lab --mode netns (real IPaddr2 and apache)", { skip: isRoot ? false : "needs root" }, () => {
  const base = mkdtempSync(join(tmpdir(), "tlabns-"));
  chmodSync(base, 0o755);
  const dir = join(base, "lab");
  const d = ["--dir", dir];
  after(async () => {
    if (existsSync(dir)) await tandem(["lab", "down", ...d]);
    // Whatever a failed 'lab down' left (e.g. the command itself could not start).
    await killAll({ labDir: dir }, 10_000);
    rmSync(base, { recursive: true, force: true });
  });

  it("up, failover --fault stop from the client namespace, down", async () => {
    const up = await tandem(["lab", "up", "--mode", "netns", ...d]);
    assert.equal(up.code, 0, `${up.out}\n${up.err}`);
    assert.match(up.out, /Started node1/);
    const st = JSON.parse((await tandem(["lab", "status", "--json", ...d])).out) as {
      served_by: string;
      vip: string;
    };
    assert.equal(st.vip, "198.18.0.199");
    assert.equal(st.served_by, "node1");
    // Each node has its own PID namespace (PID 1 = its holder, the reaper) and mounts:
    // /var/www/html is the node's own docroot, /run a private tmpfs.
    for (const node of ["node1", "node2"]) {
      const init = await tandem(["lab", "exec", ...d, node, "--", "cat", "/proc/1/cmdline"]);
      assert.match(init.out, /^bash\0-c\0/, init.err);
      if (existsSync("/var/www/html")) {
        const page = await tandem(["lab", "exec", ...d, node, "--", "cat", "/var/www/html/index.html"]);
        assert.match(page.out, new RegExp(`My Test Site - ${node}\\b`), page.err);
      }
      const run = await tandem(["lab", "exec", ...d, node, "--", "stat", "-f", "-c", "%T", "/run"]);
      assert.equal(run.out.trim(), "tmpfs", run.err);
    }
    const f = await tandem(["lab", "failover", ...d, "--fault", "stop", "--json"]);
    assert.equal(f.code, 0, `${f.out}\n${f.err}`);
    const run = (
      JSON.parse(f.out) as { runs: { from: string; to: string; double_answers: number; gap_s: number }[] }
    ).runs[0];
    assert.equal(run.from, "node1");
    assert.equal(run.to, "node2");
    assert.equal(run.double_answers, 0);
    assert.ok(run.gap_s > 0);
    // This lab's namespaces (their prefix comes from DIR), not other tests' ones.
    const prefix = `tl${createHash("sha256").update(dir).digest("hex").slice(0, 5)}-`;
    const ns = listNetns().filter((n) => n.startsWith(prefix));
    assert.ok(ns.length >= 3, ns.join(" "));
    const down = await tandem(["lab", "down", ...d]);
    assert.equal(down.code, 0, down.err);
    for (const n of ns) assert.ok(!listNetns().includes(n), `namespace ${n} left behind`);
    assert.equal(findProcesses({ labDir: dir }).length, 0);
    assert.equal(existsSync(dir), false);
  });
});
