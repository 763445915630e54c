// pcs quorum update: on a corosync.conf file (--corosync_conf) and on two nodes through
// their pcsd (real pcsd servers on loopback with a stand-in daemon): options set and
// removed, two_node kept in step with auto_tie_breaker, the running cluster refused,
// bad options reported together, nothing written on any error.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { captureIO } from "../../cli/io.js";
import { pcsCommand } from "../../cli/pcs.js";
import { startTestNode, stopTestNodes, TEST_PASSWORD, type TestNode } from "../../pcsd/testkit.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const refConf = readFileSync(
  resolve(repoRoot, "../shared/reference/pacemaker-2.1.5/corosync.conf.generated-by-pcs"),
  "utf8",
);

async function pcs(root: string, args: string) {
  const cap = captureIO({ env: { TANDEM_ROOT: root }, cwd: root });
  const code = await pcsCommand(
    args.split(/\s+/).filter((w) => w !== ""),
    cap.io,
  );
  return { code, out: cap.stdout, err: cap.stderr };
}

const quorumOf = (text: string) => /\nquorum \{\n([\s\S]*?)\n\}/.exec(text)?.[1];

describe("pcs quorum update --corosync_conf", () => {
  const dir = mkdtempSync(join(tmpdir(), "tandem-quorum-"));
  const file = join(dir, "corosync.conf");
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("sets, removes, and keeps two_node in step with auto_tie_breaker", async () => {
    writeFileSync(file, refConf);
    let r = await pcs(dir, "quorum update wait_for_all=1 last_man_standing=1 --corosync_conf corosync.conf");
    assert.deepEqual([r.code, r.out, r.err], [0, "", ""]);
    const text = readFileSync(file, "utf8");
    assert.equal(
      quorumOf(text),
      "    provider: corosync_votequorum\n    two_node: 1\n    wait_for_all: 1\n    last_man_standing: 1",
    );
    // everything outside the quorum section is as pcs wrote it
    assert.equal(text.replace(/\nquorum \{[\s\S]*?\n\}/, ""), refConf.replace(/\nquorum \{[\s\S]*?\n\}/, ""));
    r = await pcs(dir, "quorum update auto_tie_breaker=1 last_man_standing= --corosync_conf corosync.conf");
    assert.equal(r.code, 0, r.err);
    assert.equal(
      quorumOf(readFileSync(file, "utf8")),
      "    provider: corosync_votequorum\n    wait_for_all: 1\n    auto_tie_breaker: 1",
    );
    r = await pcs(dir, "quorum config --corosync_conf corosync.conf");
    assert.equal(r.out, "Options:\n  auto_tie_breaker: 1\n  wait_for_all: 1\n");
  });

  it("bad options: every problem reported, exit 1, the file unchanged", async () => {
    writeFileSync(file, refConf);
    const r = await pcs(
      dir,
      "quorum update wait_for_all=2 last_man_standing_window=soon bogus=1 --corosync_conf corosync.conf",
    );
    assert.equal(r.code, 1);
    assert.equal(
      r.err,
      "Error: '2' is not a valid wait_for_all value, use '0', '1'\n" +
        "Error: 'soon' is not a valid last_man_standing_window value, use a positive integer\n" +
        "Error: invalid quorum option 'bogus', allowed options are: 'auto_tie_breaker', 'last_man_standing', 'last_man_standing_window', 'wait_for_all'\n" +
        "Error: Errors have occurred, therefore pcs is unable to continue\n",
    );
    assert.equal(readFileSync(file, "utf8"), refConf);
    const none = await pcs(dir, "quorum update --corosync_conf corosync.conf");
    assert.equal(none.code, 1);
    assert.match(none.err, /^\nUsage: pcs quorum update\.\.\.\n {4}update /);
    assert.equal(
      (await pcs(dir, "quorum update wait_for_all --corosync_conf corosync.conf")).err,
      "Error: missing value of 'wait_for_all' option\n",
    );
    assert.equal(readFileSync(file, "utf8"), refConf);
  });
});

describe("pcs quorum update through pcsd", () => {
  let a: TestNode;
  let b: TestNode;
  before(async () => {
    a = await startTestNode("node1", "127.0.0.11");
    b = await startTestNode("node2", "127.0.0.12");
    const hosts = [a, b].map((n) => `${n.name} addr=${n.addr}:${n.server.port}`).join(" ");
    assert.equal((await pcs(a.root, `host auth ${hosts} -u hacluster -p ${TEST_PASSWORD}`)).code, 0);
    assert.equal((await pcs(a.root, "cluster setup cluster_web node1 node2")).code, 0);
  });
  after(() => stopTestNodes(a, b));
  const conf = (n: TestNode) => readFileSync(join(n.root, "etc/tandem/corosync.conf"), "utf8");

  it("a stopped cluster: every node gets the new options", async () => {
    const r = await pcs(a.root, "quorum update wait_for_all=1");
    assert.equal(r.code, 0, r.err);
    assert.equal(
      r.out,
      "Checking corosync is not running on nodes...\nnode1: corosync is not running\nnode2: corosync is not running\n" +
        "Sending updated corosync.conf to nodes...\nnode1: Succeeded\nnode2: Succeeded\n",
    );
    assert.match(quorumOf(conf(a)) ?? "", /\n {4}wait_for_all: 1$/);
    assert.equal(conf(b), conf(a));
  });

  it("a running node: refused, nothing sent", async () => {
    assert.equal((await pcs(a.root, "cluster start node2")).code, 0);
    const before = [conf(a), conf(b)];
    const r = await pcs(a.root, "quorum update wait_for_all=0");
    assert.equal(r.code, 1);
    assert.equal(r.out, "Checking corosync is not running on nodes...\nnode1: corosync is not running\n");
    assert.equal(
      r.err,
      "Error: node2: corosync is running\nError: Errors have occurred, therefore pcs is unable to continue\n",
    );
    assert.deepEqual([conf(a), conf(b)], before);
  });
});
