// The fencer's user-facing half with real processes: two tandemd nodes on loopback
// (127.248.x.1/2), stonith through the real fence_tandem agent (env method: a node's
// processes are those whose environment carries its TANDEM_ROOT). stonith_admin -B
// fences node n2 (its daemon gone) and the DC does not fence it again; the history
// shows it on the survivor, through pcs, and after the DC changes; unknown node /
// no device -> the real tool's error.

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { cibadminCommand } from "../cli/cibadmin.js";
import { captureIO } from "../cli/io.js";
import { stonithAdminCommand } from "../cli/stonith_admin.js";
import { pcsCommand } from "../cli/pcs.js";
import { historyLine, readHistory } from "./fence-history.js";
import { parseAgentList } from "./fencer.js";
import { nodePaths } from "./paths.js";
import { cibRequest } from "./protocol.js";
import { killAndWait, tandemdBin, testNodes } from "./testutil.js";
import { parseXml } from "../core/xml.js";
import { waitFor } from "../core/wait.js";

const all: ChildProcess[] = [];
const dirs: string[] = [];
after(async () => {
  await killAndWait(all);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function cli(cmd: typeof cibadminCommand, root: string, argv: string[]) {
  const c = captureIO({ env: { TANDEM_ROOT: root } });
  const code = await cmd(argv, c.io);
  return { code, out: c.stdout, err: c.stderr };
}

test("fence-history wording and the agent list parser", () => {
  const e = {
    id: "x",
    target: "node2",
    action: "reboot",
    state: "success" as const,
    device: "f1",
    delegate: "node1",
    origin: "node1",
    client: "stonith_admin.1234",
    started: 0,
    completed: Date.UTC(2026, 0, 9, 10, 0, 0),
  };
  assert.match(
    historyLine(e),
    /^reboot of node2 successful: delegate=node1, client=stonith_admin\.1234, origin=node1, completed='\w{3} Jan {1,2}9 \d\d:00:00 2026'$/,
  );
  assert.match(historyLine({ ...e, state: "failed" }), /^reboot of node2 failed: .*last-failed='/);
  assert.equal(
    historyLine({ ...e, state: "pending" }),
    "reboot of node2 pending: client=stonith_admin.1234, origin=node1",
  );
  assert.deepEqual(parseAgentList("node1,\nnode2,alias\n\n"), ["node1", "node2"]);
  const cib = parseXml(
    `<cib><configuration/><status><node_state id="2" uname="node2" tandem-fence-history='${JSON.stringify([e]).replace(/'/g, "&apos;")}'/></status></cib>`,
  );
  assert.equal(readHistory(cib, "node2").length, 1);
  assert.equal(readHistory(cib, "node1").length, 0);
});

// n1, n2 on a random block of 127.248.x.0/24 (two runs at once do not share addresses).
const NODES = testNodes(2, 248);

test("2 tandemd nodes + fence_tandem: stonith_admin -B n2 fences n2; history on the survivor, via pcs and after a DC change", async (t) => {
  const base = mkdtempSync(join(tmpdir(), "tandem-fencer-"));
  dirs.push(base);
  const key = randomBytes(256);
  const nodes = NODES.map(
    (n) => `  node {\n    ring0_addr: ${n.addr}\n    name: ${n.name}\n    nodeid: ${n.id}\n  }\n`,
  ).join("");
  const text = `totem {\n  version: 2\n  cluster_name: duo\n  transport: knet\n}\nnodelist {\n${nodes}}\nquorum {\n  provider: corosync_votequorum\n  two_node: 1\n}\n`;
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
    return p;
  };
  const gone = (p: ChildProcess) =>
    p.exitCode !== null || p.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((r) => p.once("exit", () => r()));
  const sock = (name: string) => nodePaths(roots.get(name)!).socket;
  const r1 = roots.get("n1")!;
  const r2 = roots.get("n2")!;
  try {
    for (const n of NODES) start(n.name);
    await waitFor("two members, n1 DC", async () => {
      const st = await cibRequest(sock("n2"), "status", {}, { timeoutMs: 2000 });
      return st.nodes.filter((x) => x.member).length === 2 && st.cibPhase === "ready" && st.dcName;
    });

    // Errors first: an unknown node, and no device at all.
    const unknown = await cli(stonithAdminCommand, r1, ["-B", "nosuch"]);
    assert.deepEqual([unknown.code, unknown.err], [105, "Command failed: No such device\n"]);
    const none = await cli(stonithAdminCommand, r1, ["--reboot", "n2"]);
    assert.deepEqual([none.code, none.err], [105, "Command failed: No such device\n"]);
    const pcsNone = await cli(pcsCommand, r1, ["stonith", "fence", "n2"]);
    assert.equal(pcsNone.code, 1);
    assert.equal(pcsNone.err, "Error: unable to fence 'n2'\nCommand failed: No such device\n");

    // A device limited to n1 cannot fence n2; fence_tandem (no host list: its list action) can.
    const limited = `<primitive id="only-n1" class="stonith" type="fence_tandem"><instance_attributes id="only-n1-ia"><nvpair id="only-n1-nd" name="nodes_dir" value="${join(base, "nodes")}"/><nvpair id="only-n1-m" name="method" value="env"/><nvpair id="only-n1-hl" name="pcmk_host_list" value="n1"/></instance_attributes></primitive>`;
    assert.equal((await cli(cibadminCommand, r1, ["-C", "-o", "resources", "-X", limited])).code, 0);
    const stillNone = await cli(stonithAdminCommand, r1, ["-B", "n2"]);
    assert.deepEqual([stillNone.code, stillNone.err], [105, "Command failed: No such device\n"]);
    const dev = `<primitive id="fence-lab" class="stonith" type="fence_tandem"><instance_attributes id="fence-lab-ia"><nvpair id="fence-lab-nd" name="nodes_dir" value="${join(base, "nodes")}"/><nvpair id="fence-lab-m" name="method" value="env"/></instance_attributes></primitive>`;
    assert.equal((await cli(cibadminCommand, r1, ["-C", "-o", "resources", "-X", dev])).code, 0);
    const listed = await cli(stonithAdminCommand, r1, ["-l", "n2"]);
    assert.equal(listed.out, " fence-lab\n1 fence device found\n");
    const listed1 = await cli(stonithAdminCommand, r1, ["--list", "n1"]);
    assert.equal(listed1.out, " only-n1\n fence-lab\n2 fence devices found\n");
    assert.equal((await cli(stonithAdminCommand, r1, ["-l", "nosuch"])).out, "0 fence devices found\n");

    const t0 = Date.now();
    const fenced = await cli(stonithAdminCommand, r1, ["-B", "n2"]);
    t.diagnostic(`stonith_admin -B n2 took ${Date.now() - t0} ms`);
    assert.deepEqual([fenced.code, fenced.err], [0, ""]);
    await waitFor(
      "n2's daemon gone",
      () => procs.get("n2")!.exitCode !== null || procs.get("n2")!.signalCode !== null,
      5000,
    );

    const hist = await cli(stonithAdminCommand, r1, ["-H", "n2"]);
    assert.equal(hist.code, 0, hist.err);
    const manual = new RegExp(
      `^reboot of n2 successful: delegate=n1, client=stonith_admin\\.${process.pid}, origin=n1, completed='[^']+'$`,
      "m",
    );
    assert.match(hist.out, manual);
    const viaPcs = await cli(pcsCommand, r1, ["stonith", "history", "show", "n2"]);
    assert.equal(viaPcs.code, 0, viaPcs.err);
    assert.match(viaPcs.out, manual);

    // The DC (n1) heard of the fencing (the fencer's notification): n2 is down cleanly, with no
    // second fencing of its own, as Pacemaker's controller does.
    await waitFor("n2 recorded down cleanly, transitions idle", async () => {
      const st = await cibRequest(sock("n1"), "status", {}, { timeoutMs: 2000 });
      const idle = !st.transition || st.transition.done === st.transition.actions || st.transition.aborted;
      const ns = /<node_state [^>]*uname="n2"[^>]*>/.exec(st.cib)?.[0] ?? "";
      return idle && /expected="down"/.test(ns) && /join="down"/.test(ns);
    });
    await new Promise((r) => setTimeout(r, 2500));
    const once = await cli(stonithAdminCommand, r1, ["-H", "n2"]);
    assert.doesNotMatch(once.out, /client=pacemaker-controld/, once.out);
    assert.equal(once.out.trim().split("\n").length, 1, once.out);
    await new Promise((r) => setTimeout(r, 1500));
    // n2 comes back and gets the history from n1; then n1's daemon dies: n2 becomes DC, fences n1.
    start("n2");
    await waitFor("n2 back with the history", async () => {
      const st = await cibRequest(sock("n2"), "status", {}, { timeoutMs: 2000 });
      return (
        st.nodes.filter((x) => x.member).length === 2 &&
        st.cibPhase === "ready" &&
        st.cib.includes("tandem-fence-history")
      );
    });
    const n1 = procs.get("n1")!;
    n1.kill("SIGKILL");
    await gone(n1);
    await waitFor(
      "n2 DC, n1's automatic fencing in the history",
      async () => {
        const st = await cibRequest(sock("n2"), "status", {}, { timeoutMs: 2000 });
        const h = await cli(stonithAdminCommand, r2, ["-H", "*"]);
        return (
          st.dcName === "n2" &&
          /^(?:reboot|off) of n1 successful: delegate=n2, client=pacemaker-controld\.\d+, origin=n2/m.test(
            h.out,
          )
        );
      },
      30_000,
    );
    const after = await cli(pcsCommand, r2, ["stonith", "history"]);
    assert.equal(after.code, 0, after.err);
    assert.match(after.out, manual);
    assert.match(after.out, /^(?:reboot|off) of n1 successful: /m);
    const only = await cli(stonithAdminCommand, r2, ["-H", "n1"]);
    assert.doesNotMatch(only.out, /of n2 /);
    const pcsOk = await cli(pcsCommand, r2, ["stonith", "fence", "n1", "--off"]);
    assert.deepEqual([pcsOk.code, pcsOk.out], [0, "Node: n1 fenced\n"], pcsOk.err);
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
      }`;
    }).join("\n");
    throw new Error(`${(e as Error).message}\n${logs}`);
  } finally {
    for (const p of procs.values()) {
      if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
      await gone(p);
    }
  }
});
