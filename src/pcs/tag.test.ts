// `pcs tag` and the empty `pcs config`, with the layouts pcs 0.11.5 documents.

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { pcs, referenceDir, tempDir, words } from "./test-support.js";

test("pcs tag: create, config, update, delete and errors", async (t) => {
  const dir = tempDir(t);
  const run = (cmd: string) => pcs(["-f", "cib.xml", ...words(cmd)], { cwd: dir });
  const ok = async (cmd: string) => {
    const r = await run(cmd);
    assert.equal(r.code, 0, `${cmd}: ${r.all}`);
    return r.all;
  };
  const fails = async (cmd: string) => {
    const r = await run(cmd);
    assert.equal(r.code, 1, `${cmd}: ${r.all}`);
    return r.all;
  };
  for (const id of ["x1", "x2", "x3", "y1"]) await ok(`resource create ${id} ocf:heartbeat:Dummy`);
  await ok("constraint location x1 prefers rh7-1");
  assert.equal(await ok("tag config"), " No tags defined\n");
  await ok("tag create tag1 x1 x2 x3");
  await ok("tag create tag2 y1 x2");
  assert.equal(await ok("tag"), "tag1\n  x1\n  x2\n  x3\ntag2\n  y1\n  x2\n");
  assert.equal(await ok("tag config tag2"), "tag2\n  y1\n  x2\n");
  const SUMMARY = "Error: Errors have occurred, therefore pcs is unable to continue\n";
  assert.equal(
    await fails("tag create 1tag x1 x2"),
    `Error: invalid id '1tag', '1' is not a valid first character for a id\n${SUMMARY}`,
  );
  assert.equal(
    await fails("tag create tag noid-01 noid-02"),
    `Error: bundle/clone/group/resource 'noid-01' does not exist\nError: bundle/clone/group/resource 'noid-02' does not exist\n${SUMMARY}`,
  );
  assert.equal(
    await fails("tag create tag x2 x2 x1 x1 x3"),
    `Error: Ids to add must be unique, duplicate ids: 'x2', 'x1'\n${SUMMARY}`,
  );
  assert.equal(await fails("tag create x1 x2 x3"), `Error: 'x1' already exists\n${SUMMARY}`);
  assert.equal(
    await fails("tag create tag location-x1-rh7-1-INFINITY"),
    `Error: 'location-x1-rh7-1-INFINITY' is not a bundle/clone/group/resource\n${SUMMARY}`,
  );
  assert.equal(
    await fails("tag config notag1 notag2"),
    `Error: tag 'notag2' does not exist\nError: tag 'notag1' does not exist\n${SUMMARY}`,
  );
  await ok("tag update tag1 add y1 --before x2 remove x3");
  assert.equal(await ok("tag config tag1"), "tag1\n  x1\n  y1\n  x2\n");
  await ok("tag delete tag2");
  assert.match((await run("config")).stdout, /\nTags:\n tag1\n {3}x1\n {3}y1\n {3}x2\n\nQuorum:\n/);
});

test("pcs config of an empty CIB has pcs's layout", async (t) => {
  const dir = tempDir(t);
  const coro = join(referenceDir, "corosync.conf.generated-by-pcs");
  const r = await pcs(["-f", "empty.xml", "config", "--corosync_conf", coro], { cwd: dir });
  assert.equal(r.code, 0, r.all);
  assert.equal(
    r.stdout,
    [
      "Cluster Name: cluster_web",
      "Corosync Nodes:",
      " node1 node2",
      "Pacemaker Nodes:",
      "",
      "Resources:",
      "",
      "Stonith Devices:",
      "Fencing Levels:",
      "",
      "Location Constraints:",
      "Ordering Constraints:",
      "Colocation Constraints:",
      "Ticket Constraints:",
      "",
      "Alerts:",
      " No alerts defined",
      "",
      "Resources Defaults:",
      "  No defaults set",
      "Operations Defaults:",
      "  No defaults set",
      "",
      "Cluster Properties:",
      "",
      "Tags:",
      " No tags defined",
      "",
      "Quorum:",
      "  Options:",
      "",
    ].join("\n"),
  );
});
