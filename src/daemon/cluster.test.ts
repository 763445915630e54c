// Three real tandemd processes on loopback (a random 127.242.x block, a temp TANDEM_ROOT
// each, one cluster key): a CIB change made on one node is visible on all,
// ocf:tandem:Dummy resources in a group start where the scheduler says, and
// after kill -9 of the node running them they run elsewhere.

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { cibadminCommand } from "../cli/cibadmin.js";
import { crmAttributeCommand } from "../cli/crm_attribute.js";
import { crmFailcountCommand } from "../cli/crm_failcount.js";
import { captureIO } from "../cli/io.js";
import { ipcRequest } from "../transport/ipc.js";
import { cibRequest } from "./protocol.js";
import {
  FENCE_AGENT,
  killAndWait,
  tandemdBin,
  type TestNode,
  testNodes,
  writeTestCluster,
} from "./testutil.js";
import { nodePaths } from "./paths.js";
import { waitFor } from "../core/wait.js";

/** The current test's daemons by node name; every daemon ever started is in `all`. */
const procs = new Map<string, ChildProcess>();
const all: ChildProcess[] = [];
const dirs: string[] = [];
const stderrOf = new Map<ChildProcess, string>();

/** Kills every daemon still running and waits until they are gone (their UDP ports free). */
async function killAll(): Promise<void> {
  await killAndWait(all);
  procs.clear();
}
after(async () => {
  await killAll();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// n1..n3 on a random block of 127.242.x.0/24 (two runs at once do not share addresses).
const NODES = testNodes(3, 242);

/** A root per node (corosync.conf of these nodes, one authkey), by node name. */
function makeRoots(nodes: readonly TestNode[] = NODES, clusterName = "trio"): Map<string, string> {
  const roots = writeTestCluster(nodes, { clusterName }, () => {
    const root = mkdtempSync(join(tmpdir(), "tandemd-"));
    dirs.push(root);
    return root;
  });
  return new Map(nodes.map((n, i) => [n.name, roots[i]]));
}

function start(name: string, root: string): ChildProcess {
  const p = spawn(process.execPath, [tandemdBin()], {
    env: { ...process.env, TANDEM_ROOT: root, TANDEM_NODE_NAME: name },
    stdio: ["ignore", "ignore", "pipe"],
  });
  procs.set(name, p);
  all.push(p);
  stderrOf.set(p, "");
  p.stderr?.on("data", (d: Buffer) => stderrOf.set(p, (stderrOf.get(p) ?? "") + d.toString()));
  return p;
}

async function cli(cmd: typeof cibadminCommand, root: string, argv: string[]) {
  const c = captureIO({ env: { TANDEM_ROOT: root } });
  const code = await cmd(argv, c.io);
  return { code, out: c.stdout, err: c.stderr };
}

const dummy = (id: string) =>
  `<primitive id="${id}" class="ocf" provider="tandem" type="Dummy"><operations><op id="${id}-monitor-1s" name="monitor" interval="1s"/></operations></primitive>`;

function runningOn(roots: Map<string, string>, rsc: string): string[] {
  return [...roots]
    .filter(([, root]) => existsSync(join(nodePaths(root).rscTmp, `Dummy-${rsc}.state`)))
    .map(([n]) => n);
}

test("3 tandemd nodes: CIB replicated, group placed by the scheduler, kill -9 -> running elsewhere", async (t) => {
  const roots = makeRoots();
  try {
    for (const n of NODES) start(n.name, roots.get(n.name)!);
    const sock = (name: string) => nodePaths(roots.get(name)!).socket;
    await waitFor("three members with agreeing CIBs", async () => {
      const st = await Promise.all(
        NODES.map((n) => cibRequest(sock(n.name), "status", {}, { timeoutMs: 2000 })),
      );
      return st.every(
        (s) => s.nodes.filter((x) => x.member).length === 3 && s.cibPhase === "ready" && s.dcName === "n1",
      );
    });

    // A change made on n2 is visible on all three.
    assert.equal(
      (await cli(crmAttributeCommand, roots.get("n2")!, ["-n", "stonith-enabled", "-v", "false"])).code,
      0,
    );
    // (acknowledged once every member has it; each applies it as it delivers it)
    for (const n of NODES)
      await waitFor(
        `stonith-enabled=false on ${n.name}`,
        async () =>
          (await cli(crmAttributeCommand, roots.get(n.name)!, ["-n", "stonith-enabled", "-q"])).out ===
          "false\n",
        2000,
      );

    // A group with a preference for n2, created through n3.
    const grp = await cli(cibadminCommand, roots.get("n3")!, [
      "-C",
      "-o",
      "resources",
      "-X",
      `<group id="web">${dummy("ip")}${dummy("srv")}</group>`,
    ]);
    assert.equal(grp.code, 0, grp.err);
    const loc = await cli(cibadminCommand, roots.get("n3")!, [
      "-C",
      "-o",
      "constraints",
      "-X",
      '<rsc_location id="loc-web-n2" rsc="web" node="n2" score="100"/>',
    ]);
    assert.equal(loc.code, 0, loc.err);
    await waitFor(
      "the group on n2",
      () => runningOn(roots, "ip").join() === "n2" && runningOn(roots, "srv").join() === "n2",
    );
    // the CIB on every node records the starts on n2
    for (const n of NODES)
      await waitFor(
        `srv's start recorded on ${n.name}`,
        async () =>
          /operation_key="srv_start_0"[^>]*on_node="n2"/.test(
            (await cli(cibadminCommand, roots.get(n.name)!, ["-Q", "-o", "status"])).out,
          ),
        2000,
      );

    // kill -9 the node running them: they start elsewhere (their old copies stay behind on n2's disk:
    // without fencing, nobody can stop them, exactly as in Pacemaker with stonith disabled).
    const killedAt = Date.now();
    procs.get("n2")!.kill("SIGKILL");
    const where = await waitFor("the group elsewhere", () => {
      const ip = runningOn(roots, "ip").filter((n) => n !== "n2");
      const srv = runningOn(roots, "srv").filter((n) => n !== "n2");
      return ip.length === 1 && srv.length === 1 && ip[0] === srv[0] ? ip[0] : undefined;
    });
    const ms = Date.now() - killedAt;
    t.diagnostic(`kill -9 of n2 -> group started on ${where} after ${ms} ms`);
    const st = await cibRequest(sock("n1"), "status", {});
    assert.deepEqual(
      st.nodes.filter((x) => x.member).map((x) => x.name),
      ["n1", "n3"],
    );
  } catch (e) {
    const logs = NODES.map((n) => {
      const f = nodePaths(roots.get(n.name)!).logFile;
      return `--- ${n.name} ---\n${
        existsSync(f)
          ? readFileSync(f, "utf8")
              .split("\n")
              .filter((l) => !l.includes("/membership"))
              .slice(-25)
              .join("\n")
          : "(no log)"
      }\n${stderrOf.get(procs.get(n.name)!) ?? ""}`;
    }).join("\n");
    throw new Error(`${(e as Error).message}\n${logs}`);
  } finally {
    await killAll();
  }
});

test("3 tandemd nodes: monitor failure restarts in place, migration-threshold moves, a node back with its services still up is reconciled, graceful stop moves first", async (t) => {
  const roots = makeRoots();
  const sock = (name: string) => nodePaths(roots.get(name)!).socket;
  const state = (node: string, rsc: string) => join(nodePaths(roots.get(node)!).rscTmp, `Dummy-${rsc}.state`);
  const failcount = async (node: string, rsc: string) =>
    (await cli(crmFailcountCommand, roots.get("n1")!, ["-r", rsc, "-N", node, "-q"])).out.trim();
  try {
    for (const n of NODES) start(n.name, roots.get(n.name)!);
    await waitFor("three members", async () => {
      const st = await cibRequest(sock("n1"), "status", {}, { timeoutMs: 2000 });
      return st.nodes.filter((x) => x.member).length === 3 && st.cibPhase === "ready";
    });
    assert.equal(
      (await cli(crmAttributeCommand, roots.get("n1")!, ["-n", "stonith-enabled", "-v", "false"])).code,
      0,
    );
    const mk = await cli(cibadminCommand, roots.get("n1")!, ["-C", "-o", "resources", "-X", dummy("d1")]);
    assert.equal(mk.code, 0, mk.err);
    const home = await waitFor("d1 running once", () => {
      const on = runningOn(roots, "d1");
      return on.length === 1 ? on[0] : undefined;
    });
    // Faults are injected once the DC is idle and d1's monitor runs (not in the middle of a
    // transition: see docs/daemon.md about a monitor left out after an aborted recovery).
    const settled = async (node: string) =>
      waitFor(`the cluster settled with d1 monitored on ${node}`, async () => {
        for (let i = 0; i < 3; i++) {
          const st = await cibRequest(sock("n1"), "status", {}, { timeoutMs: 2000 });
          const monitored = new RegExp(
            `operation_key="d1_monitor_1000"[^>]*on_node="${node}"[^>]*rc-code="0"`,
          ).test(st.cib);
          if (st.transition !== undefined || !monitored) return false;
          await new Promise((r) => setTimeout(r, 150));
        }
        return true;
      });
    await settled(home);

    // The service dies under the agent: the 1 s monitor notices, it is restarted in place
    // (migration-threshold defaults to INFINITY) and the failure is counted.
    rmSync(state(home, "d1"));
    await waitFor("fail count 1 on the home node", async () => (await failcount(home, "d1")) === "1");
    await waitFor("d1 restarted in place", () => runningOn(roots, "d1").join() === home);
    await settled(home);

    // With migration-threshold=2 the next failure (the second) moves it away.
    const meta = await cli(cibadminCommand, roots.get("n1")!, [
      "-M",
      "-o",
      "resources",
      "-X",
      '<primitive id="d1"><meta_attributes id="d1-meta"><nvpair id="d1-mt" name="migration-threshold" value="2"/></meta_attributes></primitive>',
    ]);
    assert.equal(meta.code, 0, meta.err);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(runningOn(roots, "d1"), [home], "one failure of two allowed: it stays");
    await settled(home);
    rmSync(state(home, "d1"));
    const moved = await waitFor("d1 moved after its second failure", () => {
      const on = runningOn(roots, "d1");
      return on.length === 1 && on[0] !== home ? on[0] : undefined;
    });
    t.diagnostic(`d1: ${home} -> ${moved} after migration-threshold was reached`);
    await settled(moved);

    // Graceful stop of the node running d1: d1 runs elsewhere before that node's daemon exits.
    const p = procs.get(moved)!;
    const exited = new Promise<number | null>((r) => p.once("exit", (c) => r(c)));
    p.kill("SIGTERM");
    assert.equal(await exited, 0);
    const after = runningOn(roots, "d1");
    assert.equal(after.length, 1, `d1 on ${after}`);
    assert.notEqual(after[0], moved);

    // The stopped node comes back with a leftover copy of d1's state (as if its service had
    // outlived a crash): the probe finds it, the cluster ends with exactly one copy.
    writeFileSync(state(moved, "d1"), "leftover\n");
    start(moved, roots.get(moved)!);
    await waitFor("the node back", async () => {
      const st = await cibRequest(sock("n1"), "status", {}, { timeoutMs: 2000 });
      return st.nodes.filter((x) => x.member).length === 3;
    });
    await waitFor("d1 active exactly once", async () => {
      const st = await cibRequest(sock("n1"), "status", {}, { timeoutMs: 2000 });
      return runningOn(roots, "d1").length === 1 && st.transition === undefined;
    });
  } catch (e) {
    const logs = NODES.map((n) => {
      const f = nodePaths(roots.get(n.name)!).logFile;
      return `--- ${n.name} ---\n${
        existsSync(f)
          ? readFileSync(f, "utf8")
              .split("\n")
              .filter((l) => !l.includes("/membership") && !l.includes("CIB:"))
              .slice(-30)
              .join("\n")
          : "(no log)"
      }\n${stderrOf.get(procs.get(n.name)!) ?? ""}`;
    }).join("\n");
    throw new Error(`${(e as Error).message}\n${logs}`);
  } finally {
    await killAll();
  }
});

/** A fence agent for this test: "fences" a node by removing its Dummy services' state files. */

test("2 tandemd nodes with stonith: the daemon of the node running d1 is killed (d1 still up) -> fenced before d1 starts on the survivor", async (t) => {
  const two = NODES.slice(0, 2);
  const agentDir = mkdtempSync(join(tmpdir(), "tandem-fence-"));
  dirs.push(agentDir);
  writeFileSync(join(agentDir, "fence_testkill"), FENCE_AGENT, { mode: 0o755 });
  const roots = makeRoots(two, "duo");
  const sock = (name: string) => nodePaths(roots.get(name)!).socket;
  try {
    for (const n of two) {
      const p = spawn(process.execPath, [tandemdBin(), "--log-level", "debug"], {
        env: {
          ...process.env,
          TANDEM_ROOT: roots.get(n.name)!,
          TANDEM_NODE_NAME: n.name,
          TANDEM_FENCE_DIRS: agentDir,
        },
        stdio: ["ignore", "ignore", "pipe"],
      });
      procs.set(n.name, p);
      all.push(p);
      stderrOf.set(p, "");
      p.stderr?.on("data", (d: Buffer) => stderrOf.set(p, (stderrOf.get(p) ?? "") + d.toString()));
    }
    await waitFor("two members", async () => {
      const st = await cibRequest(sock("n2"), "status", {}, { timeoutMs: 2000 });
      return st.nodes.filter((x) => x.member).length === 2 && st.cibPhase === "ready";
    });
    const rootsParam = two.map((n) => `${n.name}:${roots.get(n.name)}`).join(";");
    const dev = await cli(cibadminCommand, roots.get("n2")!, [
      "-C",
      "-o",
      "resources",
      "-X",
      `<primitive id="fence1" class="stonith" type="fence_testkill"><instance_attributes id="fence1-ia"><nvpair id="fence1-roots" name="roots" value="${rootsParam}"/><nvpair id="fence1-hosts" name="pcmk_host_list" value="n1 n2"/></instance_attributes></primitive>`,
    ]);
    assert.equal(dev.code, 0, dev.err);
    assert.equal(
      (await cli(cibadminCommand, roots.get("n2")!, ["-C", "-o", "resources", "-X", dummy("d1")])).code,
      0,
    );
    const loc = await cli(cibadminCommand, roots.get("n2")!, [
      "-C",
      "-o",
      "constraints",
      "-X",
      '<rsc_location id="loc-d1-n1" rsc="d1" node="n1" score="100"/>',
    ]);
    assert.equal(loc.code, 0, loc.err);
    await waitFor("d1 on n1", () => runningOn(roots, "d1").join() === "n1");

    const killedAt = Date.now();
    procs.get("n1")!.kill("SIGKILL"); // the daemon dies; d1's "service" stays up on n1
    const fencedFile = join(roots.get("n1")!, "fenced");
    let fencedFirst = true;
    await waitFor("d1 on n2 only", () => {
      const on = runningOn(roots, "d1");
      if (on.includes("n2") && !existsSync(fencedFile)) fencedFirst = false;
      return on.join() === "n2";
    });
    t.diagnostic(`kill -9 of n1's daemon -> fenced and d1 started on n2 after ${Date.now() - killedAt} ms`);
    assert.ok(existsSync(fencedFile), "n1 was fenced");
    assert.ok(fencedFirst, "d1 started on n2 before n1 was fenced");
    // The agent makes d1's state file before the executor logs its result: wait for the line.
    const n2Log = () => readFileSync(nodePaths(roots.get("n2")!).logFile, "utf8");
    await waitFor("d1's start result in n2's log", () =>
      n2Log().includes("Result of start operation for d1 on n2"),
    );
    const log = n2Log();
    const fencedAt = log.indexOf("node n1 was fenced");
    const startedAt = log.indexOf("Result of start operation for d1 on n2");
    assert.ok(fencedAt >= 0 && startedAt > fencedAt, "the fence is recorded before d1 starts on n2");
    const st = await cibRequest(sock("n2"), "status", {});
    assert.match(
      st.cib,
      /<node_state id="1" uname="n1" in_ccm="false" crmd="offline" join="down" expected="down"/,
    );
  } catch (e) {
    const logs = two
      .map((n) => {
        const f = nodePaths(roots.get(n.name)!).logFile;
        return `--- ${n.name} ---\n${
          existsSync(f)
            ? readFileSync(f, "utf8")
                .split("\n")
                .filter((l) => !l.includes("/membership") && !l.includes("CIB:"))
                .slice(-30)
                .join("\n")
            : "(no log)"
        }\n${stderrOf.get(procs.get(n.name)!) ?? ""}`;
      })
      .join("\n");
    throw new Error(`${(e as Error).message}\n${logs}`);
  } finally {
    await killAll();
  }
});

test("3 tandemd nodes: the DC is killed in the middle of a transition; the new DC finishes it, nothing runs twice", async (t) => {
  const roots = makeRoots();
  const sock = (name: string) => nodePaths(roots.get(name)!).socket;
  const slow = (id: string) =>
    `<primitive id="${id}" class="ocf" provider="tandem" type="Dummy"><instance_attributes id="${id}-ia"><nvpair id="${id}-delay" name="fake_start_delay" value="1"/></instance_attributes><operations><op id="${id}-monitor-2s" name="monitor" interval="2s"/></operations></primitive>`;
  let twice = "";
  const watch = setInterval(() => {
    for (const rsc of ["s1", "s2", "s3"]) {
      const on = runningOn(roots, rsc).filter((n) => n !== "n1");
      if (on.length > 1) twice ||= `${rsc} on ${on.join(" and ")}`;
    }
  }, 25);
  try {
    for (const n of NODES) start(n.name, roots.get(n.name)!);
    await waitFor("three members, n1 DC", async () => {
      const st = await cibRequest(sock("n3"), "status", {}, { timeoutMs: 2000 });
      return st.nodes.filter((x) => x.member).length === 3 && st.cibPhase === "ready" && st.dcName === "n1";
    });
    assert.equal(
      (await cli(crmAttributeCommand, roots.get("n3")!, ["-n", "stonith-enabled", "-v", "false"])).code,
      0,
    );
    const grp = await cli(cibadminCommand, roots.get("n3")!, [
      "-C",
      "-o",
      "resources",
      "-X",
      `<group id="slow"><meta_attributes id="slow-meta"><nvpair id="slow-tr" name="target-role" value="Stopped"/></meta_attributes>${slow("s1")}${slow("s2")}${slow("s3")}</group>`,
    ]);
    assert.equal(grp.code, 0, grp.err);
    const loc = await cli(cibadminCommand, roots.get("n3")!, [
      "-C",
      "-o",
      "constraints",
      "-X",
      '<rsc_location id="loc-slow" rsc="slow" node="n3" score="100"/>',
    ]);
    assert.equal(loc.code, 0, loc.err);
    const go = await cli(cibadminCommand, roots.get("n3")!, [
      "-M",
      "-X",
      '<nvpair id="slow-tr" value="Started"/>',
    ]);
    assert.equal(go.code, 0, go.err);
    // The group starts one member at a time (1 s each) on n3; kill the DC when the first one is up.
    await waitFor("s1 started on n3", () => runningOn(roots, "s1").join() === "n3", 30_000);
    assert.deepEqual(runningOn(roots, "s3"), [], "the transition is still going");
    procs.get("n1")!.kill("SIGKILL");
    const t0 = Date.now();
    await waitFor(
      "the whole group running, once, with n2 as DC",
      async () => {
        const st = await cibRequest(sock("n2"), "status", {}, { timeoutMs: 2000 });
        const all3 = ["s1", "s2", "s3"].every((r) => runningOn(roots, r).length === 1);
        return all3 && st.dcName === "n2" && st.transition === undefined;
      },
      30_000,
    );
    t.diagnostic(
      `DC killed mid-transition: group complete ${Date.now() - t0} ms later on ${runningOn(roots, "s3")}`,
    );
    assert.equal(twice, "", `active twice: ${twice}`);
    const where = runningOn(roots, "s1")[0];
    assert.ok(
      ["s2", "s3"].every((r) => runningOn(roots, r)[0] === where),
      "group members together",
    );
  } catch (e) {
    const logs = NODES.map((n) => {
      const f = nodePaths(roots.get(n.name)!).logFile;
      return `--- ${n.name} ---\n${
        existsSync(f)
          ? readFileSync(f, "utf8")
              .split("\n")
              .filter((l) => !l.includes("/membership") && !l.includes("CIB:"))
              .slice(-30)
              .join("\n")
          : "(no log)"
      }\n${stderrOf.get(procs.get(n.name)!) ?? ""}`;
    }).join("\n");
    throw new Error(`${(e as Error).message}\n${logs}`);
  } finally {
    clearInterval(watch);
    await killAll();
  }
});

test("3 tandemd nodes with stonith: the node running d1 is cut off by a partition -> the quorate side fences it, then runs d1; the cut-off node fences nobody", async (t) => {
  const agentDir = mkdtempSync(join(tmpdir(), "tandem-fence-"));
  dirs.push(agentDir);
  writeFileSync(join(agentDir, "fence_testkill"), FENCE_AGENT, { mode: 0o755 });
  const roots = makeRoots();
  const sock = (name: string) => nodePaths(roots.get(name)!).socket;
  const launch = (name: string) => {
    const p = spawn(process.execPath, [tandemdBin(), "--log-level", "debug"], {
      env: {
        ...process.env,
        TANDEM_ROOT: roots.get(name)!,
        TANDEM_NODE_NAME: name,
        TANDEM_FENCE_DIRS: agentDir,
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    procs.set(name, p);
    all.push(p);
    stderrOf.set(p, "");
    p.stderr?.on("data", (d: Buffer) => stderrOf.set(p, (stderrOf.get(p) ?? "") + d.toString()));
    return p;
  };
  let twice = "";
  const watch = setInterval(() => {
    const on = runningOn(roots, "d1");
    if (on.length > 1) twice ||= on.join(" and ");
  }, 20);
  try {
    for (const n of NODES) launch(n.name);
    await waitFor("three members", async () => {
      const st = await cibRequest(sock("n1"), "status", {}, { timeoutMs: 2000 });
      return st.nodes.filter((x) => x.member).length === 3 && st.cibPhase === "ready";
    });
    const rootsParam = NODES.map((n) => `${n.name}:${roots.get(n.name)}`).join(";");
    const dev = await cli(cibadminCommand, roots.get("n1")!, [
      "-C",
      "-o",
      "resources",
      "-X",
      `<primitive id="fence1" class="stonith" type="fence_testkill"><instance_attributes id="fence1-ia"><nvpair id="fence1-roots" name="roots" value="${rootsParam}"/></instance_attributes></primitive>`,
    ]);
    assert.equal(dev.code, 0, dev.err);
    assert.equal(
      (await cli(cibadminCommand, roots.get("n1")!, ["-C", "-o", "resources", "-X", dummy("d1")])).code,
      0,
    );
    const loc = await cli(cibadminCommand, roots.get("n1")!, [
      "-C",
      "-o",
      "constraints",
      "-X",
      '<rsc_location id="loc-d1-n3" rsc="d1" node="n3" score="100"/>',
    ]);
    assert.equal(loc.code, 0, loc.err);
    await waitFor("d1 on n3", () => runningOn(roots, "d1").join() === "n3");
    const fencedBefore = NODES.map((n) => existsSync(join(roots.get(n.name)!, "fenced")));
    assert.deepEqual(fencedBefore, [false, false, false], "nobody fenced at startup");

    // Cut n3 off from n1 and n2 (every link, both directions, on all three nodes).
    const cut = async (name: string, peers: number[]) =>
      ipcRequest(sock(name), "node.faults", {
        rules: peers.map((peer) => ({ peer, link: "*", direction: "both", drop: 1, delayMs: 0 })),
      });
    const cutAt = Date.now();
    await cut("n3", [1, 2]);
    await cut("n1", [3]);
    await cut("n2", [3]);
    const where = await waitFor("d1 on n1 or n2 only", () => {
      const on = runningOn(roots, "d1");
      return on.length === 1 && on[0] !== "n3" ? on[0] : undefined;
    });
    t.diagnostic(`n3 cut off -> fenced, d1 started on ${where} after ${Date.now() - cutAt} ms`);
    assert.ok(existsSync(join(roots.get("n3")!, "fenced")), "n3 was fenced");
    assert.ok(!existsSync(join(roots.get("n1")!, "fenced")), "the cut-off node (no quorum) fenced nobody");
    assert.ok(!existsSync(join(roots.get("n2")!, "fenced")), "the cut-off node (no quorum) fenced nobody");
    assert.equal(twice, "", `d1 active twice: ${twice}`);
    await waitFor(
      "n3's daemon gone (fencing rebooted it)",
      () => procs.get("n3")!.exitCode !== null || procs.get("n3")!.signalCode !== null,
    );

    // Heal and bring n3 back: one copy of d1, three members.
    await cut("n1", []);
    await cut("n2", []);
    launch("n3");
    await waitFor("three members again", async () => {
      const st = await cibRequest(sock("n1"), "status", {}, { timeoutMs: 2000 });
      return st.nodes.filter((x) => x.member).length === 3 && st.transition === undefined;
    });
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(runningOn(roots, "d1").length, 1);
    assert.equal(twice, "", `d1 active twice: ${twice}`);
  } catch (e) {
    const logs = NODES.map((n) => {
      const f = nodePaths(roots.get(n.name)!).logFile;
      return `--- ${n.name} ---\n${
        existsSync(f)
          ? readFileSync(f, "utf8")
              .split("\n")
              .filter((l) => !l.includes("/membership") && !l.includes("CIB:") && !l.includes("debug"))
              .slice(-30)
              .join("\n")
          : "(no log)"
      }\n${stderrOf.get(procs.get(n.name)!) ?? ""}`;
    }).join("\n");
    throw new Error(`${(e as Error).message}\n${logs}`);
  } finally {
    clearInterval(watch);
    await killAll();
  }
});

test("3 tandemd nodes: graceful stop of the DC completes its transition (the start elsewhere confirmed) before it leaves; no second start", async () => {
  const roots = makeRoots();
  const sock = (name: string) => nodePaths(roots.get(name)!).socket;
  const log = (name: string) => readFileSync(nodePaths(roots.get(name)!).logFile, "utf8");
  try {
    for (const n of NODES) start(n.name, roots.get(n.name)!);
    await waitFor("three members", async () => {
      const st = await cibRequest(sock("n1"), "status", {}, { timeoutMs: 2000 });
      return st.nodes.filter((x) => x.member).length === 3 && st.cibPhase === "ready";
    });
    const n1 = roots.get("n1")!;
    assert.equal((await cli(crmAttributeCommand, n1, ["-n", "stonith-enabled", "-v", "false"])).code, 0);
    const loc = '<rsc_location id="d1-on-n1" rsc="d1" node="n1" score="100"/>';
    assert.equal((await cli(cibadminCommand, n1, ["-C", "-o", "resources", "-X", dummy("d1")])).code, 0);
    assert.equal((await cli(cibadminCommand, n1, ["-C", "-o", "constraints", "-X", loc])).code, 0);
    await waitFor("d1 on n1 (the DC), monitored, nothing in flight", async () => {
      const st = await cibRequest(sock("n1"), "status", {}, { timeoutMs: 2000 });
      return (
        st.dcName === "n1" &&
        st.transition === undefined &&
        /operation_key="d1_monitor_1000"[^>]*on_node="n1"[^>]*rc-code="0"/.test(st.cib) &&
        runningOn(roots, "d1").join() === "n1"
      );
    });
    const p = procs.get("n1")!;
    const exited = new Promise<number | null>((r) => p.once("exit", (c) => r(c)));
    p.kill("SIGTERM");
    assert.equal(await exited, 0);
    // When n1 exits, d1 already runs elsewhere and n1 had seen the start confirmed.
    const on = runningOn(roots, "d1");
    assert.equal(on.length, 1, `d1 on ${on}`);
    const starts = () =>
      ["n2", "n3"].flatMap((n) => log(n).match(/Result of start operation for d1 on/g) ?? []);
    assert.equal(starts().length, 1, "the start elsewhere had completed when n1 left");
    assert.match(log("n1"), /transition \d+ complete: this node \(the DC\) may leave/);
    await waitFor("the new DC settled", async () => {
      const st = await cibRequest(sock("n2"), "status", {}, { timeoutMs: 2000 });
      return st.dcName === "n2" && st.transition === undefined;
    });
    assert.equal(starts().length, 1, "d1 started once");
    assert.deepEqual(runningOn(roots, "d1"), on);
  } finally {
    await killAll();
  }
});
