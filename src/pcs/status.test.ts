// `pcs status` and friends compared with real pcs 0.11.5 on the same CIB: from a file
// (-f) and from a live daemon's `status` answer (IPC test server). Volatile fields
// (times) are masked; everything else must be identical.

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { serveIpc } from "../transport/ipc.js";
import { pcs, reference, tempDir, words } from "./test-support.js";
import { writeFileSync } from "node:fs";
import { statusOf } from "../status/test-status.js";

/** Masks what changes from run to run: timestamps. */
function mask(text: string): string {
  return text.replace(/(Last updated: ).*/g, "$1<time>").replace(/(\(last updated )[^)]*\)/g, "$1<time>)");
}

test("pcs -f FILE status / status nodes / status resources / resource match real pcs", async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, "cib.xml"), reference("cib.xml"));
  const run = async (cmd: string) => {
    const r = await pcs(["-f", "cib.xml", ...words(cmd)], { cwd: dir });
    assert.equal(r.code, 0, `${cmd}: ${r.all}`);
    return r.stdout;
  };
  // From a file there is no pacemakerd line and no daemon section (pcs prints them live only).
  const expected = mask(reference("pcs_status.txt"))
    .replace(/^Status of pacemakerd:.*\n/m, "")
    .replace(/\nDaemon Status:\n( {2}.*\n)*$/, "");
  assert.equal(mask(await run("status")), expected);
  assert.equal(await run("status nodes"), reference("pcs_status_nodes.txt"));
  assert.equal(await run("status resources"), reference("pcs_status_resources.txt"));
  assert.equal(await run("resource"), reference("pcs_status_resources.txt"));
  assert.equal(
    await run("resource status webserver"),
    "  * webserver\t(ocf:heartbeat:apache):\t Started node1\n",
  );
  const full = mask(await run("status --full"));
  const refFull = mask(reference("pcs_status_--full.txt"));
  for (const block of [
    "Cluster Summary:",
    "Node List:\n  * Node node1 (1): online, feature set 3.16.1\n  * Node node2 (2): online, feature set 3.16.1\n",
    "Migration Summary:\n\nTickets:\n",
  ]) {
    assert.ok(refFull.includes(block), block);
    assert.ok(full.includes(block), block);
  }
  assert.match(full, /Current DC: node1 \(1\) \(version 2\.1\.5-a3f44794f94\) - partition with quorum/);
});

test("pcs status on a live cluster: tandemd's status answer, rendered as real pcs does", async (t) => {
  const dir = tempDir(t);
  const root = join(dir, "root");
  mkdirSync(root);
  const socket = join(dir, "tandemd.sock");
  const answer = statusOf(reference("cib.xml"), "2026-11-28T04:33:15Z");
  const server = await serveIpc(socket, { status: () => answer });
  t.after(() => server.close());
  const env = { TANDEM_SOCKET: socket, TANDEM_ROOT: root };
  const r = await pcs(["status"], { cwd: dir, env });
  assert.equal(r.code, 0, r.all);
  // Same text as the reference, times aside; the daemon block shows this node's state.
  const ours = mask(r.stdout).replace(/\nDaemon Status:\n( {2}.*\n)*$/, "");
  const theirs = mask(reference("pcs_status.txt")).replace(/\nDaemon Status:\n( {2}.*\n)*$/, "");
  assert.equal(ours, theirs);
  assert.match(r.stdout, /\nDaemon Status:\n {2}corosync: (in)?active\/(en|dis)abled\n {2}pacemaker: /);
  const res = await pcs(words("status resources"), { cwd: dir, env });
  assert.equal(res.stdout, reference("pcs_status_resources.txt"));
});

test("pcs quorum status and pcs status corosync from tandemd's quorum answer", async (t) => {
  const dir = tempDir(t);
  const socket = join(dir, "tandemd.sock");
  // The reference cluster's state at the time of pcs_quorum_status.txt.
  const quorum = {
    date: Date.UTC(2026, 10, 28, 4, 33, 30),
    provider: "corosync_votequorum",
    nodeid: 1,
    ringId: "1.9",
    quorate: true,
    expectedVotes: 2,
    highestExpected: 2,
    totalVotes: 2,
    quorum: 1,
    flags: ["2Node", "Quorate", "WaitForAll"],
    members: [
      { nodeid: 2, votes: 1, name: "node2" },
      { nodeid: 1, votes: 1, name: "node1" },
    ],
  };
  const server = await serveIpc(socket, { "quorum.status": () => quorum });
  t.after(() => server.close());
  const env = { TANDEM_SOCKET: socket, TZ: "UTC" };
  const q = await pcs(words("quorum status"), { cwd: dir, env });
  assert.equal(q.code, 0, q.all);
  assert.equal(
    mask(q.stdout.replace(/^Date: .*$/m, "Date: <time>")),
    mask(reference("pcs_quorum_status.txt").replace(/^Date: .*$/m, "Date: <time>")),
  );
  const c = await pcs(words("status corosync"), { cwd: dir, env });
  assert.equal(c.stdout, reference("pcs_status_corosync.txt"));
  const none = await pcs(words("quorum status"), {
    cwd: dir,
    env: { TANDEM_SOCKET: join(dir, "absent.sock") },
  });
  assert.equal(none.code, 1);
  assert.equal(none.all, "Error: Unable to get quorum status: Cannot initialize QUORUM service\n");
});

test("pcs quorum config reads corosync.conf's quorum options", async (t) => {
  const dir = tempDir(t);
  const conf = join(dir, "corosync.conf");
  writeFileSync(
    conf,
    reference("corosync.conf.generated-by-pcs").replace("two_node: 1", "two_node: 1\n    wait_for_all: 1"),
  );
  const r = await pcs(["quorum", "config", "--corosync_conf", conf], { cwd: dir });
  assert.equal(r.stdout, "Options:\n  wait_for_all: 1\n");
  const none = await pcs(["quorum"], { cwd: dir, env: { TANDEM_ROOT: dir } });
  assert.equal(none.code, 1);
});

test("pcs status after a failure: crm_mon's Failed Resource Actions; --full also the Migration Summary", async (t) => {
  const { failedCib } = await import("../status/test-status.js");
  const { fromStatus } = await import("../status/live.js");
  const { failedActions, migrationSummary } = await import("../status/text.js");
  const { statusOf } = await import("../status/test-status.js");
  const dir = tempDir(t);
  writeFileSync(join(dir, "cib.xml"), failedCib());
  const run = async (cmd: string) => (await pcs(["-f", "cib.xml", ...words(cmd)], { cwd: dir })).stdout;
  // the same lines crm_mon prints for this CIB
  const s = fromStatus(statusOf(failedCib(), "2026-11-28T04:33:32Z"));
  const failed = failedActions(s);
  assert.equal(failed[0], "Failed Resource Actions:");
  const plain = await run("status");
  assert.ok(plain.endsWith(`\n\n${failed.join("\n")}\n`), plain);
  assert.doesNotMatch(plain, /Migration Summary/);
  const full = await run("status --full");
  const migration = migrationSummary(s).map((l) => l.replace("* Node: node1:", "* Node: node1 (1):"));
  assert.deepEqual(migration.slice(0, 2), ["Migration Summary:", "  * Node: node1 (1):"]);
  assert.ok(full.includes(`\n\n${migration.join("\n")}\n\n${failed.join("\n")}\n\nTickets:\n`), full);
});
