// The issue-5 transcript: the CentOS 7 tutorial's whole sequence against real pcsd +
// tandemd processes on loopback (each node a TANDEM_ROOT temp dir, its own 127.x
// address, its own pcsd), run three ways: pcs 0.9 syntax on 2 nodes, pcs 0.11 syntax
// on 2 nodes, 0.9 syntax on 3 nodes. Each output is compared with the real pcs 0.11.5
// / Pacemaker 2.1.5 captures (times, versions and the daemon-status values masked);
// the web server answers on the virtual IP with node1's page before the failover and
// node2's page after `pcs cluster stop node1`. The lab's stand-in agents play
// ocf:heartbeat:IPaddr2 and ocf:heartbeat:apache (TANDEM_OCF_ROOTS, docs/executor.md).
// transcript.test.ts runs it from a private copy of the build (build-copy.ts).

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crm_monFor, runIn } from "./transcript-support.js";
import type { LabConfig, LabNode } from "../lab/config.js";
import { injectFault } from "../lab/faults.js";
import { labDown } from "../lab/manage.js";
import { runOn, toolArgv } from "../lab/run.js";
import { startPcsd, waitForCluster, waitForVip, writeNodeFiles } from "../lab/up.js";

/** The reference captures' folder (../shared/reference/pacemaker-2.1.5 of the repository). */
let refDir = "";
const ref = (f: string) => readFileSync(join(refDir, f), "utf8");

/** Volatile fields masked: times, versions, who made the last change, daemon states. */
export function mask(text: string): string {
  return text
    .replace(/\(last updated [^)]*\)/g, "(last updated T)")
    .replace(/Last updated: .*/g, "Last updated: T")
    .replace(/Last change: {2}.*/g, "Last change:  T")
    .replace(/\(version [^)]*\)/g, "(version V)")
    .replace(/: (in)?active\/(en|dis)abled$/gm, ": S/S");
}

function canBind(address: string, port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = net.createServer();
    s.once("error", () => res(false));
    s.listen({ host: address, port, exclusive: true }, () => s.close(() => res(true)));
  });
}

/** A lab of n nodes on a free 127.24x.B.0/24 (a range no other suite uses). */
async function makeLab(n: number, second: number): Promise<LabConfig> {
  const dir = mkdtempSync(join(tmpdir(), "tandem-transcript-"));
  for (let attempt = 0; attempt < 40; attempt++) {
    const netw = `127.${second}.${1 + Math.floor(Math.random() * 250)}`;
    if (!(await canBind(`${netw}.11`, 2224)) || !(await canBind(`${netw}.100`, 8080))) continue;
    const nodes: LabNode[] = Array.from({ length: n }, (_, i) => ({
      name: `node${i + 1}`,
      address: `${netw}.${11 + i}`,
      root: join(dir, "nodes", `node${i + 1}`),
    }));
    return {
      format: 1,
      dir,
      mode: "loopback",
      scenario: "tutorial",
      fencing: false,
      clusterName: "cluster_web",
      nodes,
      vip: `${netw}.100`,
      httpPort: 8080,
      pcsdPort: 2224,
      password: `pw-${Math.random().toString(36).slice(2)}`,
      net: netw,
      createdAt: new Date().toISOString(),
    };
  }
  throw new Error("no free loopback range for the transcript");
}

export async function transcript(
  referenceDir: string,
  nodes: number,
  syntax: "0.9" | "0.11",
  second: number,
  crash = false,
): Promise<void> {
  refDir = referenceDir;
  const lab = await makeLab(nodes, second);
  const [n1, n2] = lab.nodes;
  const names = lab.nodes.map((n) => n.name);
  const pcs = (node: LabNode, cmd: string) => runIn(lab, node, "pcs", cmd);
  // TANDEM_TRANSCRIPT_TIMING=1: each step's time on stderr (where the seconds go).
  let mark = Date.now();
  const step = (what: string) => {
    if (process.env.TANDEM_TRANSCRIPT_TIMING !== "1") return;
    const now = Date.now();
    process.stderr.write(`transcript ${nodes}n/${syntax}: ${what}: ${now - mark} ms\n`);
    mark = now;
  };
  const ok = async (node: LabNode, cmd: string, expected?: string) => {
    step(`(before) pcs ${cmd.split(" ").slice(0, 3).join(" ")}`);
    const r = await pcs(node, cmd);
    assert.equal(r.code, 0, `pcs ${cmd}: ${r.all}`);
    if (expected !== undefined) assert.equal(r.all, expected, `pcs ${cmd}`);
    return r.all;
  };
  // The reference cluster had 2 nodes: its node counts and lists scaled to this one.
  const scaled = (text: string) =>
    nodes === 2
      ? text
      : text
          .replace("2 nodes configured", `${nodes} nodes configured`)
          .replace("[ node1 node2 ]", `[ ${names.join(" ")} ]`)
          .replace("[ node2 ]", `[ ${names.slice(1).join(" ")} ]`);
  try {
    for (const n of lab.nodes) writeNodeFiles(lab, n);
    // $ tandem passwd hacluster   (on every node)
    for (const n of lab.nodes) {
      const r = await runOn(lab, n, toolArgv("tandem", ["passwd", "hacluster"]), {
        stdin: `${lab.password}\n`,
      });
      assert.equal(r.code, 0, r.stderr);
    }
    await Promise.all(lab.nodes.map((n) => startPcsd(lab, n)));

    const authorized = names.map((n) => `${n}: Authorized\n`).join("");
    const quoted = names.map((n) => `'${n}'`).join(", ");
    const setupLines = [
      `Destroying cluster on hosts: ${quoted}...`,
      ...names.map((n) => `${n}: Successfully destroyed cluster`),
      `Sending 'corosync authkey' to ${quoted}`,
      ...names.map((n) => `${n}: successful distribution of the file 'corosync authkey'`),
      `Sending 'corosync.conf' to ${quoted}`,
      ...names.map((n) => `${n}: successful distribution of the file 'corosync.conf'`),
      "Cluster has been successfully set up.",
      "",
    ].join("\n");
    if (syntax === "0.9") {
      await ok(n1, `cluster auth ${names.join(" ")} -u hacluster -p ${lab.password}`, authorized);
      const noAddr = lab.nodes
        .map((n) => `No addresses specified for host '${n.name}', using '${n.address}'\n`)
        .join("");
      await ok(n1, `cluster setup --name cluster_web ${names.join(" ")}`, `${noAddr}${setupLines}`);
    } else {
      await ok(n1, `host auth ${names.join(" ")} -u hacluster -p ${lab.password}`, authorized);
      const addrs = lab.nodes.map((n) => `${n.name} addr=${n.address}`).join(" ");
      await ok(n1, `cluster setup cluster_web ${addrs}`, setupLines);
    }
    for (const n of lab.nodes)
      assert.match(
        readFileSync(join(n.root, "etc/tandem/corosync.conf"), "utf8"),
        /cluster_name: cluster_web\n/,
      );

    await ok(n1, "cluster start --all", names.map((n) => `${n}: Starting Cluster...\n`).join(""));
    await waitForCluster(lab, n1, 60_000);
    step("cluster formed");
    const first = await ok(n1, "status");
    assert.match(first, /^Cluster name: cluster_web\nStatus of pacemakerd: 'Pacemaker is running'/);
    assert.match(first, /\nFull List of Resources:\n {2}\* No resources\n/);

    await ok(n1, "property set stonith-enabled=false", ref("pcs_property_set_stonith-enabled=false.txt"));
    await ok(n1, "property set no-quorum-policy=ignore", ref("pcs_property_set_no-quorum-policy=ignore.txt"));
    await ok(
      n1,
      `resource create virtual_ip ocf:heartbeat:IPaddr2 ip=${lab.vip} cidr_netmask=32 op monitor interval=30s`,
      ref(
        "pcs_resource_create_virtual_ip_ocf:heartbeat:IPaddr2_ip=198.18.0.199_cidr_netmask=32_op_monitor_interval=30s.txt",
      ),
    );
    await ok(
      n1,
      "resource create webserver ocf:heartbeat:apache configfile=/etc/httpd/conf/httpd.conf statusurl=http://localhost/server-status op monitor interval=1min",
      "",
    );
    await ok(
      n1,
      "constraint colocation add webserver virtual_ip INFINITY",
      ref("pcs_constraint_colocation_add_webserver_with_virtual_ip_INFINITY.txt"),
    );
    await ok(
      n1,
      "constraint order virtual_ip then webserver",
      ref("pcs_constraint_order_virtual_ip_then_webserver.txt"),
    );
    await ok(
      n1,
      "constraint location webserver prefers node1=50",
      ref("pcs_constraint_location_webserver_prefers_node1=50.txt"),
    );
    await ok(n1, "constraint", ref("pcs_constraint.txt"));

    assert.equal(await waitForVip(lab, 60_000), "node1");
    step("VIP serves node1");
    const settled = async (node: LabNode, file: string) => {
      // Converged when the status shows what the reference shows (resources started where it says).
      const want = mask(scaled(ref(file)));
      const end = Date.now() + 30_000;
      let got = "";
      while (Date.now() < end) {
        got = mask(await ok(node, "status"));
        if (got === want) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(got, want);
    };
    await settled(n1, "pcs_status.txt");
    await settled(n2, "pcs_status.on-node2.txt");
    // The status tools, as real processes, on the same cluster.
    const mon = await crm_monFor(lab, n1, ["-1"]);
    assert.equal(mask(mon), mask(scaled(ref("crm_mon_-1.txt"))));
    assert.equal(mask(await crm_monFor(lab, n2, ["-1"])), mask(scaled(ref("crm_mon_-1.on-node2.txt"))));
    if (nodes === 2) {
      // crm_simulate -sL (a real process) on the live CIB: the real one's allocation scores.
      const sim = await runIn(lab, n1, "crm_simulate", "-sL");
      assert.equal(sim.code, 0, sim.all);
      const scores = (t: string) => t.split("\n").filter((l) => l.startsWith("pcmk__"));
      assert.deepEqual(scores(sim.all), scores(ref("crm_simulate_-sL.txt")));
      // ... and the whole output, in 2.1.5's plain layout that -s switches to
      assert.equal(sim.all, ref("crm_simulate_-sL.txt"));
      assert.equal((await runIn(lab, n1, "crm_node", "-l")).all, ref("crm_node_-l.txt"));
      assert.equal((await runIn(lab, n1, "crmadmin", "-D")).all, ref("crmadmin_-D.txt"));
    }

    // Restart of the whole cluster: it comes back with the configuration, node1 serves again.
    const stopAll = await ok(n1, "cluster stop --all");
    for (const n of names)
      assert.match(stopAll, new RegExp(`${n}: Stopping Cluster \\(pacemaker\\)\\.\\.\\.\\n`));
    await ok(n1, "cluster start --all");
    await waitForCluster(lab, n1, 60_000);
    step("cluster formed");
    assert.equal(await waitForVip(lab, 60_000), "node1");
    step("VIP serves node1");
    await settled(n1, "pcs_status.txt");

    // Failover: node1's cluster stops, node2 takes over, the VIP serves node2's page.
    const stop = await ok(n1, "cluster stop node1");
    assert.match(stop, /^node1: Stopping Cluster \(pacemaker\)\.\.\.\n/);
    assert.equal(await waitForVip(lab, 60_000, "node1"), "node2");
    step("VIP serves node2");
    await settled(n2, "pcs_status.after-node1-stopped.txt");
    step("status after the stop settled");
    const mon2 = await crm_monFor(lab, n2, ["-1"]);
    assert.equal(mask(mon2), mask(scaled(ref("crm_mon_-1.after-node1-stopped.txt"))));
    // On the stopped node, pcs status fails as the real one does.
    const down = await pcs(n1, "status");
    assert.equal(down.code, 1);
    assert.equal(down.all, ref("pcs_status.on-stopped-node1.txt"));
    // crm_mon itself there: the two lines pcs quoted, status 102.
    const monDown = await runOn(lab, n1, toolArgv("crm_mon", ["-1"]));
    assert.deepEqual(
      [monDown.code, monDown.stdout, monDown.stderr],
      [
        102,
        "",
        ref("pcs_status.on-stopped-node1.txt")
          .split("\n")
          .slice(1)
          .map((l) => l.replace(/^ {2}/, ""))
          .join("\n"),
      ],
    );
    if (crash) {
      // node1 back: the resources return to it (prefers node1=50); then a crash of all
      // of node1's processes (kill -9): node2 takes over again.
      await ok(n1, "cluster start node1", "node1: Starting Cluster...\n");
      await waitForCluster(lab, n1, 60_000);
      step("cluster formed");
      assert.equal(await waitForVip(lab, 60_000, "node2"), "node1");
      await injectFault(lab, n1, "kill");
      assert.equal(await waitForVip(lab, 60_000, "node1"), "node2");
      step("VIP serves node2 after the crash");
      step("VIP serves node2");
      await settled(n2, "pcs_status.after-node1-crash.txt");
      step("status after the crash settled");
      assert.equal(
        mask(await crm_monFor(lab, n2, ["-1"])),
        mask(scaled(ref("crm_mon_-1.after-node1-crash.txt"))),
      );
    }
  } finally {
    await labDown(lab.dir).catch(() => rmSync(lab.dir, { recursive: true, force: true }));
  }
}
