// Fencing across nodes with real processes: three tandemd nodes on loopback (127.247.x.1-3),
// the real fence_tandem agent (env method). The device may not run on f1 (a -INFINITY
// location), so stonith_admin -B f3 on f1 is executed by f2 (delegate=f2, origin=f1), the
// history shows it on every node, and the DC records f3 down without fencing it again.
// Then fencing topology: `pcs stonith level add` writes the levels, level 1 (a device that
// cannot reach its target) fails and level 2 fences; `level verify`, `level clear`. Last, a
// node asked to fence itself has another member do it.

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { cibadminCommand } from "../cli/cibadmin.js";
import { captureIO } from "../cli/io.js";
import { pcsCommand } from "../cli/pcs.js";
import { stonithAdminCommand } from "../cli/stonith_admin.js";
import { waitFor } from "../core/wait.js";
import { nodePaths } from "./paths.js";
import { cibRequest } from "./protocol.js";
import { tandemdBin, testNodes } from "./testutil.js";

const all: ChildProcess[] = [];
const dirs: string[] = [];
after(async () => {
  for (const p of all) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function cli(cmd: typeof cibadminCommand, root: string, argv: string[]) {
  const c = captureIO({ env: { TANDEM_ROOT: root } });
  const code = await cmd(argv, c.io);
  return { code, out: c.stdout, err: c.stderr };
}

// f1..f3 on a random block of 127.247.x.0/24 (two runs at once do not share addresses).
const NODES = testNodes(3, 247).map((n) => ({ ...n, name: n.name.replace("n", "f") }));

test("3 tandemd nodes: manual fencing runs on a delegate, the DC does not fence again; topology levels in order", async (t) => {
  const base = mkdtempSync(join(tmpdir(), "tandem-fdeleg-"));
  dirs.push(base);
  const key = randomBytes(256);
  const nodes = NODES.map(
    (n) => `  node {\n    ring0_addr: ${n.addr}\n    name: ${n.name}\n    nodeid: ${n.id}\n  }\n`,
  ).join("");
  const text = `totem {\n  version: 2\n  cluster_name: trio\n  transport: knet\n}\nnodelist {\n${nodes}}\nquorum {\n  provider: corosync_votequorum\n}\n`;
  const roots = new Map<string, string>();
  for (const n of NODES) {
    const root = join(base, "nodes", n.name);
    mkdirSync(join(root, "etc/tandem"), { recursive: true });
    writeFileSync(join(root, "etc/tandem/corosync.conf"), text);
    writeFileSync(join(root, "etc/tandem/authkey"), key, { mode: 0o400 });
    roots.set(n.name, root);
  }
  const procs = new Map<string, ChildProcess>();
  const start = (name: string) => {
    const p = spawn(process.execPath, [tandemdBin()], {
      env: { ...process.env, TANDEM_ROOT: roots.get(name)!, TANDEM_NODE_NAME: name },
      stdio: ["ignore", "ignore", "ignore"],
    });
    procs.set(name, p);
    all.push(p);
  };
  const gone = (name: string) => {
    const p = procs.get(name)!;
    return p.exitCode !== null || p.signalCode !== null;
  };
  const sock = (name: string) => nodePaths(roots.get(name)!).socket;
  const root = (name: string) => roots.get(name)!;
  const status = (name: string) => cibRequest(sock(name), "status", {}, { timeoutMs: 2000 });
  const threeUp = async () => {
    for (const n of NODES) {
      const st = await status(n.name);
      if (st.nodes.filter((x) => x.member).length !== 3 || st.cibPhase !== "ready") return false;
    }
    return true;
  };
  const settledDown = async (target: string) => {
    const st = await status("f1");
    const idle = !st.transition || st.transition.done === st.transition.actions || st.transition.aborted;
    const ns = new RegExp(`<node_state [^>]*uname="${target}"[^>]*>`).exec(st.cib)?.[0] ?? "";
    return idle && /expected="down"/.test(ns) && /join="down"/.test(ns);
  };
  /** Waits until node's `stonith_admin -H f3` matches; returns that output. */
  const historyShows = async (node: string, re: RegExp) => {
    let out = "";
    await waitFor(
      `history of f3 on ${node} to match ${re}`,
      async () => re.test((out = (await cli(stonithAdminCommand, root(node), ["-H", "f3"])).out)),
      20_000,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}; last:\n${out}`);
    });
    return out;
  };
  try {
    for (const n of NODES) start(n.name);
    await waitFor("three members on every node", threeUp, 30_000);

    const nodesDir = join(base, "nodes");
    const dev = (id: string, extra = "") =>
      `<primitive id="${id}" class="stonith" type="fence_tandem"><instance_attributes id="${id}-ia"><nvpair id="${id}-nd" name="nodes_dir" value="${nodesDir}"/><nvpair id="${id}-m" name="method" value="env"/>${extra}</instance_attributes></primitive>`;
    assert.equal(
      (await cli(cibadminCommand, root("f1"), ["-C", "-o", "resources", "-X", dev("fence-lab")])).code,
      0,
    );
    const ban = `<rsc_location id="fence-lab-not-f1" rsc="fence-lab" node="f1" score="-INFINITY"/>`;
    assert.equal((await cli(cibadminCommand, root("f1"), ["-C", "-o", "constraints", "-X", ban])).code, 0);

    // Manual fencing from f1, which may not run the device: f2 executes it.
    const fenced = await cli(stonithAdminCommand, root("f1"), ["--reboot", "f3"]);
    assert.deepEqual([fenced.code, fenced.err], [0, ""]);
    await waitFor("f3's daemon gone", () => gone("f3"), 5000);
    const line = new RegExp(
      `^reboot of f3 successful: delegate=f2, client=stonith_admin\\.${process.pid}, origin=f1, completed='[^']+'$`,
      "m",
    );
    // (Waited for: under load the membership may split and merge again meanwhile.)
    for (const n of ["f1", "f2"]) await historyShows(n, line);
    await waitFor("f3 down cleanly on the DC", () => settledDown("f3"), 20_000);
    await new Promise((r) => setTimeout(r, 2500));
    const once = await cli(stonithAdminCommand, root("f2"), ["-H", "f3"]);
    assert.equal(once.out.trim().split("\n").length, 1, `fenced once only:\n${once.out}`);

    // f3 back: topology. Level 1 is a device that cannot reach f3 (no such control socket).
    start("f3");
    await waitFor("f3 back", threeUp, 30_000);
    const broken = dev(
      "broken",
      `<nvpair id="broken-s" name="socket" value="${join(base, "no-such.sock")}"/><nvpair id="broken-hl" name="pcmk_host_list" value="f3"/>`,
    ).replace(
      /<nvpair id="broken-m" name="method" value="env"\/>/,
      `<nvpair id="broken-m" name="method" value="socket"/>`,
    );
    assert.equal((await cli(cibadminCommand, root("f1"), ["-C", "-o", "resources", "-X", broken])).code, 0);
    for (const cmd of [
      ["stonith", "level", "add", "1", "f3", "broken"],
      ["stonith", "level", "add", "2", "f3", "fence-lab"],
      ["stonith", "level", "verify"],
    ]) {
      const r = await cli(pcsCommand, root("f2"), cmd);
      assert.equal(r.code, 0, `pcs ${cmd.join(" ")}: ${r.err}`);
    }
    const cfg = await cli(pcsCommand, root("f3"), ["stonith", "level", "config"]);
    assert.equal(cfg.out, "Target: f3\n  Level 1 - broken\n  Level 2 - fence-lab\n");
    const viaPcs = await cli(pcsCommand, root("f2"), ["stonith", "fence", "f3"]);
    assert.deepEqual([viaPcs.code, viaPcs.out], [0, "Node: f3 fenced\n"], viaPcs.err);
    await waitFor("f3's daemon gone again", () => gone("f3"), 5000);
    const log2 = readFileSync(nodePaths(root("f2")).logFile, "utf8");
    assert.match(log2, /reboot of f3: level 1 failed: .*no-such\.sock/);
    assert.match(log2, /reboot of f3: level 2 \(fence-lab\) succeeded/);
    const h2 = await historyShows(
      "f1",
      /^reboot of f3 successful: delegate=f2, client=stonith_admin\.\d+, origin=f2, completed=/m,
    );
    assert.equal(h2.trim().split("\n").length, 2, h2);
    await waitFor("f3 down cleanly again", () => settledDown("f3"), 20_000);

    // Only level 1 left: it fails, and so does the request (recorded as failed).
    assert.equal((await cli(pcsCommand, root("f1"), ["stonith", "level", "remove", "2", "f3"])).code, 0);
    const failed = await cli(stonithAdminCommand, root("f1"), ["-B", "f3", "-t", "20"]);
    assert.equal(failed.code, 1, failed.err);
    assert.match(failed.err, /^Command failed: .*no-such\.sock/);
    await historyShows(
      "f2",
      /^reboot of f3 failed: delegate=f1, client=stonith_admin\.\d+, origin=f1, last-failed='/m,
    );
    assert.equal((await cli(pcsCommand, root("f1"), ["stonith", "level", "clear"])).code, 0);
    assert.equal((await cli(pcsCommand, root("f1"), ["stonith", "level"])).out, "");

    // A node asked to fence itself does not run the agent (it would die before recording the
    // result): another member does, and records it.
    start("f3");
    await waitFor("f3 back once more", threeUp, 30_000);
    await cli(stonithAdminCommand, root("f3"), ["--reboot", "f3"]).catch(() => undefined);
    await waitFor("f3's daemon gone a third time", () => gone("f3"), 10_000);
    await waitFor(
      "the self-requested fencing recorded by its delegate",
      async () =>
        new RegExp(
          `^reboot of f3 successful: delegate=f2, client=stonith_admin\\.${process.pid}, origin=f3, `,
          "m",
        ).test((await cli(stonithAdminCommand, root("f1"), ["-H", "f3"])).out),
      10_000,
    );
  } catch (e) {
    const logs = NODES.map((n) => {
      const f = nodePaths(root(n.name)).logFile;
      return `--- ${n.name} ---\n${
        existsSync(f)
          ? readFileSync(f, "utf8")
              .split("\n")
              .filter((l) => !l.includes("/membership"))
              .slice(-30)
              .join("\n")
          : "(no log)"
      }`;
    }).join("\n");
    t.diagnostic(logs);
    throw e;
  }
});
