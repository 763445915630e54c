// pcs against a live CIB over the daemon's IPC socket: a test server answering the
// daemon protocol's cib.query / cib.apply with the real CIB store (src/cib/store.ts).

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { applyOperation } from "../cib/store.js";
import type { CibadminOp } from "../cib/store.js";
import { parseXml, serializeXml, type XmlElement } from "../core/xml.js";
import { serveIpc } from "../transport/ipc.js";
import { activeNodes } from "./resource-manage.js";
import { pcs, reference, tempDir, tutorialStartCib, words } from "./test-support.js";

test("pcs reads and changes the live CIB through tandemd's IPC socket", async (t) => {
  const dir = tempDir(t);
  const socket = join(dir, "tandemd.sock");
  let cib: XmlElement = parseXml(tutorialStartCib());
  const applied: CibadminOp[] = [];
  const server = await serveIpc(socket, {
    "cib.query": () => ({ xml: serializeXml(cib), version: { adminEpoch: 0, epoch: 0, numUpdates: 0 } }),
    "cib.apply": (params) => {
      const { op } = params as { op: CibadminOp };
      applied.push(op);
      const r = applyOperation(cib, op, { client: "pcs" });
      cib = r.cib;
      return {
        version: { adminEpoch: 0, epoch: Number(cib.attrs.epoch), numUpdates: 0 },
        changed: r.changed,
      };
    },
  });
  t.after(() => server.close());
  const env = { TANDEM_SOCKET: socket };
  const run = (cmd: string) => pcs(words(cmd), { cwd: dir, env });

  const epoch0 = Number(cib.attrs.epoch);
  for (const cmd of [
    "property set stonith-enabled=false no-quorum-policy=ignore",
    "resource create virtual_ip ocf:heartbeat:IPaddr2 ip=198.18.0.199 cidr_netmask=32 op monitor interval=30s",
    "resource create webserver ocf:heartbeat:apache configfile=/etc/apache2/apache2.conf statusurl=http://localhost/server-status op monitor interval=1min",
    "constraint colocation add webserver with virtual_ip INFINITY",
    "constraint order virtual_ip then webserver",
    "constraint location webserver prefers node1=50",
  ]) {
    const r = await run(cmd);
    assert.equal(r.code, 0, `${cmd}: ${r.all}`);
    // Live: no "node existence will be skipped" warning (the node list is checked).
    assert.doesNotMatch(r.all, /Validation for node existence/);
  }
  // Every change went as a replace of the configuration section; the daemon versions it.
  assert.equal(applied.length, 6);
  assert.ok(applied.every((op) => op.op === "replace" && op.section === "configuration"));
  assert.equal(Number(cib.attrs.epoch), epoch0 + 6);
  assert.equal((await run("constraint --full")).stdout, reference("pcs_constraint_--full.txt"));
  assert.equal((await run("resource config")).stdout, reference("pcs_resource_config.txt"));

  // Node names are checked against the live cluster's nodes.
  const bad = await run("constraint location webserver prefers node9=10");
  assert.equal(bad.code, 1);
  assert.equal(bad.all, "Error: Node 'node9' does not seem to be in the cluster, use --force to override\n");
  assert.equal(applied.length, 6);
});

/**
 * A stand-in cluster for the waiting commands: its `status` answer places every
 * primitive on node1, or where a cli-prefer constraint sends it (and its colocated
 * partner), nowhere when target-role is Stopped; `resource.cleanup` reports what it forgot.
 */
function standInCluster(start: string) {
  let cib: XmlElement = parseXml(start);
  const seen: string[] = [];
  const placed = (): string => {
    const copy = parseXml(serializeXml(cib));
    const conf = copy.children.find((c) => c.type === "element" && c.name === "configuration") as XmlElement;
    const text = serializeXml(conf);
    const prims = [
      ...text.matchAll(/<primitive id="([^"]+)" class="([^"]+)" type="([^"]+)" provider="([^"]+)"/g),
    ];
    const prefer = new Map(
      [...text.matchAll(/id="cli-prefer-([^"]+)" rsc="[^"]+"(?: role="[^"]+")? node="([^"]+)"/g)].map((m) => [
        m[1],
        m[2],
      ]),
    );
    const coloc = [...text.matchAll(/<rsc_colocation rsc="([^"]+)" with-rsc="([^"]+)"/g)];
    const where = (id: string): string =>
      prefer.get(id) ??
      (coloc.find((c) => c[1] === id) ? where(coloc.find((c) => c[1] === id)![2]) : "node1");
    const stopped = (id: string) =>
      new RegExp(`id="${id}-meta_attributes-target-role" name="target-role" value="Stopped"`).test(text);
    let status = "<status>";
    for (const [n, uname] of [
      ["1", "node1"],
      ["2", "node2"],
    ]) {
      status += `<node_state id="${n}" uname="${uname}" in_ccm="true" crmd="online" join="member" expected="member"><lrm id="${n}"><lrm_resources>`;
      for (const [, id, cls, type, prov] of prims) {
        const here = !stopped(id) && where(id) === uname;
        status += `<lrm_resource id="${id}" type="${type}" class="${cls}" provider="${prov}"><lrm_rsc_op id="${id}_last_0" operation="${here ? "start" : "stop"}" call-id="1" rc-code="0" interval="0"/></lrm_resource>`;
      }
      status += "</lrm_resources></lrm></node_state>";
    }
    return serializeXml(copy).replace(/<status>[\s\S]*<\/status>|<status\/>/, `${status}</status>`);
  };
  const handlers = {
    "cib.query": () => ({ xml: serializeXml(cib), version: { adminEpoch: 0, epoch: 0, numUpdates: 0 } }),
    "cib.apply": (params: unknown) => {
      const r = applyOperation(cib, (params as { op: CibadminOp }).op, { client: "pcs" });
      cib = r.cib;
      return {
        version: { adminEpoch: 0, epoch: Number(cib.attrs.epoch), numUpdates: 0 },
        changed: r.changed,
      };
    },
    status: () => {
      seen.push(placed());
      return {
        clusterName: "cluster_web",
        nodeId: 1,
        nodeName: "node1",
        dcId: 1,
        dcName: "node1",
        quorate: true,
        nodes: [],
        cibPhase: "ready",
        version: { adminEpoch: 0, epoch: 0, numUpdates: 0 },
        cib: seen[seen.length - 1],
        now: Date.now(),
      };
    },
    "resource.cleanup": (params: unknown) => {
      const p = params as { rsc?: string; node?: string };
      return {
        cleaned: p.rsc
          ? ["node1", "node2"].filter((n) => !p.node || p.node === n).map((n) => ({ rsc: p.rsc!, node: n }))
          : [],
      };
    },
  };
  return { handlers, cib: () => cib, statusSnapshots: seen };
}

test("live resource move, restart and cleanup wait for the cluster as pcs 0.11 does", async (t) => {
  const dir = tempDir(t);
  const socket = join(dir, "tandemd.sock");
  const cluster = standInCluster(reference("cib.xml"));
  const server = await serveIpc(socket, cluster.handlers);
  t.after(() => server.close());
  const env = { TANDEM_SOCKET: socket, TANDEM_PCS_WAIT_MS: "5000" };
  const run = (cmd: string) => pcs(words(cmd), { cwd: dir, env });

  const move = await run("resource move webserver node2");
  assert.equal(move.code, 0, move.all);
  assert.equal(
    move.stderr,
    "Location constraint to move resource 'webserver' has been created\n" +
      "Waiting for the cluster to apply configuration changes...\n" +
      "Location constraint created to move resource 'webserver' has been removed\n" +
      "Waiting for the cluster to apply configuration changes...\n" +
      "resource 'webserver' is running on node 'node1'\n",
  );
  // The constraint was there while the cluster moved the resource, and is gone now.
  const on = (snap: string, id: string) => activeNodes(parseXml(snap), id);
  assert.ok(
    cluster.statusSnapshots.some((snap) => on(snap, "webserver").includes("node2")),
    "never seen on node2",
  );
  assert.doesNotMatch(serializeXml(cluster.cib()), /cli-prefer/);

  const restart = await run("resource restart virtual_ip");
  assert.equal(restart.code, 0, restart.all);
  assert.equal(restart.stdout, "virtual_ip successfully restarted\n");
  assert.doesNotMatch(serializeXml(cluster.cib()), /value="Stopped"/);
  assert.ok(
    cluster.statusSnapshots.some((snap) => on(snap, "virtual_ip").length === 0),
    "never seen stopped",
  );

  // webserver has not failed: cleanup asks nothing of the cluster; refresh forgets its history.
  const clean = await run("resource cleanup webserver");
  assert.equal(clean.stdout, "Cleaned up webserver on node1\nCleaned up webserver on node2\n");
  const refresh = await run("resource refresh webserver");
  assert.equal(
    refresh.stdout,
    "Cleaned up webserver on node1\nCleaned up webserver on node2\nWaiting for 2 replies from the controller\n... got reply (done)\n",
  );
  assert.equal((await run("resource cleanup nosuch")).all, "Error: Resource 'nosuch' not found\n");
});

test("no daemon socket: pcs says the cluster is not running", async (t) => {
  const dir = tempDir(t);
  const env = { TANDEM_SOCKET: join(dir, "absent.sock") };
  const r = await pcs(words("constraint colocation add webserver virtual_ip INFINITY"), { cwd: dir, env });
  assert.equal(r.code, 1);
  assert.equal(r.all, "Error: unable to get cib\n");
});
