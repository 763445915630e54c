// Real tandemd processes, 2 nodes (two_node) with fencing on and Pacemaker's default
// startup-fencing=true: node1 (the lowest id, so DC whenever it is a member) dies and is
// fenced; when its daemon starts again it becomes DC of the merged cluster. It must not
// plan from its own copy before the join is complete (the peer's history reported, the
// copies compared and synced): otherwise it sees node2 with no known state, fences it and
// starts node2's resource again (why the lab set startup-fencing=false until now).

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { cibadminCommand } from "../cli/cibadmin.js";
import { captureIO } from "../cli/io.js";
import { waitFor } from "../core/wait.js";
import { ipcRequest } from "../transport/ipc.js";
import { nodePaths } from "./paths.js";
import { cibRequest } from "./protocol.js";
import { FENCE_AGENT, killAndWait, tandemdBin, testCorosyncConf, testNodes } from "./testutil.js";

const all: ChildProcess[] = [];
const dirs: string[] = [];
after(async () => {
  await killAndWait(all);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// A loopback block of its own (other suites may run at the same time).
const NODES = testNodes(2, 243);

test("2 nodes with fencing and startup-fencing on: node1 restarted while node2 runs d1 becomes DC without fencing node2 or touching d1", async (t) => {
  const key = randomBytes(256);
  const roots = new Map<string, string>();
  const agentDir = mkdtempSync(join(tmpdir(), "tandem-fence-"));
  dirs.push(agentDir);
  writeFileSync(join(agentDir, "fence_testkill"), FENCE_AGENT, { mode: 0o755 });
  const conf = testCorosyncConf(NODES, { clusterName: "restart" });
  for (const n of NODES) {
    const root = mkdtempSync(join(tmpdir(), `tandemd-${n.name}-`));
    dirs.push(root);
    mkdirSync(join(root, "etc/tandem"), { recursive: true });
    writeFileSync(join(root, "etc/tandem/corosync.conf"), conf);
    writeFileSync(join(root, "etc/tandem/authkey"), key, { mode: 0o400 });
    roots.set(n.name, root);
  }
  const root = (name: string) => roots.get(name)!;
  const sock = (name: string) => nodePaths(root(name)).socket;
  const procs = new Map<string, ChildProcess>();
  let stderr = "";
  const start = (name: string) => {
    const p = spawn(process.execPath, [tandemdBin(), "--log-level", "debug"], {
      env: { ...process.env, TANDEM_ROOT: root(name), TANDEM_NODE_NAME: name, TANDEM_FENCE_DIRS: agentDir },
      stdio: ["ignore", "ignore", "pipe"],
    });
    p.stderr?.on("data", (d: Buffer) => {
      stderr += `[${name}] ${d}`;
    });
    procs.set(name, p);
    all.push(p);
  };
  const cibadmin = async (argv: string[]) => {
    const c = captureIO({ env: { TANDEM_ROOT: root("n2") } });
    const code = await cibadminCommand(argv, c.io);
    assert.equal(code, 0, c.stderr);
  };
  const stateFile = (name: string) => join(nodePaths(root(name)).rscTmp, "Dummy-d1.state");
  const log = (name: string) => {
    const f = nodePaths(root(name)).logFile;
    return existsSync(f) ? readFileSync(f, "utf8") : "";
  };
  const count = (text: string, re: RegExp) => (text.match(re) ?? []).length;
  const status = (name: string) => cibRequest(sock(name), "status", {}, { timeoutMs: 2000 });
  try {
    for (const n of NODES) start(n.name);
    await waitFor("two members", async () => {
      const st = await status("n2");
      return st.nodes.filter((x) => x.member).length === 2 && st.cibPhase === "ready";
    });
    const rootsParam = NODES.map((n) => `${n.name}:${root(n.name)}`).join(";");
    await cibadmin([
      "-C",
      "-o",
      "resources",
      "-X",
      `<primitive id="fence1" class="stonith" type="fence_testkill"><instance_attributes id="fence1-ia"><nvpair id="fence1-roots" name="roots" value="${rootsParam}"/><nvpair id="fence1-hosts" name="pcmk_host_list" value="n1 n2"/></instance_attributes></primitive>`,
    ]);
    await cibadmin([
      "-C",
      "-o",
      "resources",
      "-X",
      '<primitive id="d1" class="ocf" provider="tandem" type="Dummy"><operations><op id="d1-monitor-1s" name="monitor" interval="1s"/></operations></primitive>',
    ]);
    await cibadmin([
      "-C",
      "-o",
      "constraints",
      "-X",
      '<rsc_location id="loc-d1-n2" rsc="d1" node="n2" score="100"/>',
    ]);
    await waitFor("d1 on n2", () => existsSync(stateFile("n2")) && !existsSync(stateFile("n1")));

    // node1's daemon dies; node2 (quorate alone: two_node) fences it
    procs.get("n1")!.kill("SIGKILL");
    await waitFor("n1 fenced", () => existsSync(join(root("n1"), "fenced")));
    await waitFor("n1 recorded down", async () =>
      /<node_state id="1" uname="n1" in_ccm="false" crmd="offline" join="down" expected="down"/.test(
        (await status("n2")).cib,
      ),
    );
    const startsBefore = count(log("n2"), /Result of start operation for d1 on n2/g);
    assert.equal(startsBefore, 1);

    // node1 starts again, first cut off from node2 for longer than dc-deadtime (2.84 s with
    // the default timeouts): alone and without quorum (two_node waits for all) it acts as DC of
    // its own configuration (probes). Then the link heals and it becomes DC of both.
    const cut = (name: string, peers: number[]) =>
      ipcRequest(sock(name), "node.faults", {
        rules: peers.map((peer) => ({ peer, link: "*", direction: "both", drop: 1, delayMs: 0 })),
      });
    await cut("n2", [1]);
    start("n1");
    await waitFor("n1 up alone", async () => {
      await cut("n1", [2]);
      return (await status("n1")).cibPhase === "ready";
    });
    await new Promise((r) => setTimeout(r, 3500));
    const restartedAt = Date.now();
    await cut("n1", []);
    await cut("n2", []);
    await waitFor("n1 DC of both", async () => {
      const st = await status("n1").catch(() => undefined);
      return (
        st !== undefined &&
        st.dcName === "n1" &&
        st.nodes.filter((x) => x.member).length === 2 &&
        st.cibPhase === "ready" &&
        st.transition === undefined
      );
    });
    t.diagnostic(`link healed: n1 DC of both nodes after ${Date.now() - restartedAt} ms`);
    // past dc-deadtime (2.84 s with the default timeouts) and a few scheduler runs
    await new Promise((r) => setTimeout(r, 4000));
    const st = await status("n1");
    assert.equal(st.dcName, "n1");
    assert.ok(!existsSync(join(root("n2"), "fenced")), "node2 was fenced by the restarted node1");
    assert.ok(existsSync(stateFile("n2")) && !existsSync(stateFile("n1")), "d1 runs on n2 only");
    const n2log = log("n2");
    assert.equal(count(n2log, /Result of start operation for d1 on n2/g), startsBefore, "d1 started again");
    assert.equal(count(n2log, /Result of stop operation for d1/g), 0, "d1 stopped on n2");
    assert.doesNotMatch(log("n1"), /fencing node n2/);
    // the DC knows d1 runs on n2 (the join brought node2's history)
    assert.match(st.cib, /<lrm_rsc_op id="d1_last_0"[^>]*operation="start"[^>]*on_node="n2"/);
  } catch (e) {
    const tail = (name: string) =>
      log(name)
        .split("\n")
        .filter((l) => !l.includes("/membership") && !l.includes("token"))
        .slice(-40)
        .join("\n");
    throw new Error(
      `${(e as Error).message}\n--- n1 ---\n${tail("n1")}\n--- n2 ---\n${tail("n2")}\n${stderr}`,
    );
  }
});
