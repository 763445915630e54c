// pcs against a live CIB over the daemon's IPC socket: a test server answering the
// daemon protocol's cib.query / cib.apply with the real CIB store (src/cib/store.ts).

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { applyOperation } from "../cib/store.js";
import type { CibadminOp } from "../cib/store.js";
import { parseXml, serializeXml, type XmlElement } from "../core/xml.js";
import { serveIpc } from "../transport/ipc.js";
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
  // A move on the live cluster is accepted (pcs refuses it only with -f).
  assert.equal((await run("resource move webserver node2")).code, 0);
  assert.match(serializeXml(cib), /id="cli-prefer-webserver"/);
});

test("no daemon socket: pcs says the cluster is not running", async (t) => {
  const dir = tempDir(t);
  const env = { TANDEM_SOCKET: join(dir, "absent.sock") };
  const r = await pcs(words("constraint colocation add webserver virtual_ip INFINITY"), { cwd: dir, env });
  assert.equal(r.code, 1);
  assert.equal(r.all, "Error: unable to get cib\n");
});
