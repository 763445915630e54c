// crm_mon's text and XML rendered from the reference cluster's CIB (real Pacemaker
// 2.1.5 captures) must equal the real crm_mon output; failures, fail counts and node
// attributes in the layout crm_mon uses; the status tools' errors without a cluster.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { crmMonCommand } from "../cli/crm_mon.js";
import { crmNodeCommand } from "../cli/crm_node.js";
import { crmResourceCommand } from "../cli/crm_resource.js";
import { crmadminCommand } from "../cli/crmadmin.js";
import { captureIO } from "../cli/io.js";
import { stonithAdminCommand } from "../cli/stonith_admin.js";
import { TandemError } from "../core/errors.js";
import { parseXml } from "../core/xml.js";
import { fromStatus } from "./live.js";
import { crmSimulateLiveCommand, withoutLive } from "./crm-simulate-live.js";
import { readLiveCib } from "./live-cib.js";
import { clusterSummary, renderMonText, summaryOf } from "./text.js";
import { renderMonXml } from "./xml.js";
import { failedCib, ref, refCib, statusOf } from "./test-status.js";

const at = "2026-11-28T04:33:32Z";

describe("crm_mon text against the real crm_mon 2.1.5", () => {
  const s = fromStatus(statusOf(refCib, at));
  it("crm_mon -1", () => assert.equal(renderMonText(s), ref("crm_mon_-1.txt")));
  it("crm_mon -1 -A -f", () =>
    assert.equal(renderMonText(s, { attributes: true, failcounts: true }), ref("crm_mon_-1_-A_-f.txt")));
  it("crm_mon -1 -r -A -f -t", () =>
    assert.equal(
      renderMonText(s, { inactive: true, attributes: true, failcounts: true, timing: true }),
      ref("crm_mon_-1_-r_-A_-f_-t.txt"),
    ));
  it("the Cluster Summary equals pcs status's (real pcs 0.11.5 on the same cluster)", () => {
    const p = fromStatus(statusOf(refCib, "2026-11-28T04:33:15Z"));
    const pcs = ref("pcs_status.txt").split("\n");
    const start = pcs.indexOf("Cluster Summary:");
    assert.deepEqual(clusterSummary(summaryOf(p)), pcs.slice(start, start + 7));
  });
  it("a DC-less, inquorate view", () => {
    const t = renderMonText(
      fromStatus(statusOf(refCib, at, { dcName: undefined, dcId: undefined, quorate: false })),
    );
    assert.match(t, /\n {2}\* Current DC: NONE\n/);
  });
});

describe("crm_mon sections for failures and attributes", () => {
  const s = fromStatus(statusOf(failedCib(), at));
  it("-A lists the node's visible attributes, -f the migration summary, failed actions always", () => {
    const t = renderMonText(s, { attributes: true, failcounts: true });
    assert.match(t, /\nNode Attributes:\n {2}\* Node: node1:\n {4}\* pingd {27}\t: 1000 {6}\n\n/);
    assert.doesNotMatch(t, /#feature-set|fail-count-webserver#/);
    assert.match(
      t,
      /\nMigration Summary:\n {2}\* Node: node1:\n {4}\* webserver: migration-threshold=1000000 fail-count=1 last-failure='Sat Nov 28 04:33:20 2026'\n/,
    );
    assert.match(
      t,
      /\nFailed Resource Actions:\n {2}\* webserver_monitor_60000 on node1 'not running' \(7\): call=13, status='complete', last-rc-change='Sat Nov 28 04:33:20 2026', queued=0ms, exec=0ms\n$/,
    );
    assert.doesNotMatch(renderMonText(s), /Migration Summary|Node Attributes/);
    assert.match(renderMonText(s), /Failed Resource Actions:/);
  });
  it("-o puts the fail count on the resource's line", () => {
    const t = renderMonText(s, { operations: true, failcounts: true });
    assert.match(
      t,
      /\n {4}\* webserver: migration-threshold=1000000 fail-count=1 last-failure='Sat Nov 28 04:33:20 2026':\n {6}\* \(12\) start\n {6}\* \(13\) monitor: interval="60000ms"\n/,
    );
    assert.doesNotMatch(t, /Migration Summary/);
  });
  it("stopped resources: only with -r; 'No active resources' otherwise", () => {
    const stopped = fromStatus(
      statusOf(
        refCib.replace(/<lrm_rsc_op id="[a-z_]+_(last_0|monitor_\d+)"[^>]*on_node="node1"[^>]*\/>/g, ""),
        at,
      ),
    );
    assert.match(renderMonText(stopped), /\nActive Resources:\n {2}\* No active resources\n$/);
    assert.match(
      renderMonText(stopped, { inactive: true }),
      /\nFull List of Resources:\n {2}\* virtual_ip\t\(ocf:heartbeat:IPaddr2\):\t Stopped\n/,
    );
  });
  it("--output-as xml: well-formed, crm_mon's elements", () => {
    const x = parseXml(renderMonXml(s, ["--output-as", "xml"]));
    assert.equal(x.name, "pacemaker-result");
    const names = x.children.filter((c) => typeof c !== "string").map((c) => (c as { name: string }).name);
    assert.deepEqual(names, [
      "pacemakerd",
      "summary",
      "nodes",
      "resources",
      "node_attributes",
      "node_history",
      "failures",
      "status",
    ]);
    const xml = renderMonXml(s, []);
    assert.match(
      xml,
      /<current_dc present="true" version="2\.1\.5-a3f44794f94" name="node1" id="1" with_quorum="true"\/>/,
    );
    assert.match(
      xml,
      /<resource id="webserver" resource_agent="ocf:heartbeat:apache" role="Started" active="true"/,
    );
    assert.match(xml, /<failure op_key="webserver_monitor_60000" node="node1" exitstatus="not running"/);
    assert.match(xml, /<attribute name="pingd" value="1000"\/>/);
  });
});

describe("the status tools without a running cluster", () => {
  const root = mkdtempSync(join(tmpdir(), "tandem-status-none-"));
  after(() => rmSync(root, { recursive: true, force: true }));
  const run = async (cmd: typeof crmMonCommand, args: string[]) => {
    const c = captureIO({ env: { TANDEM_ROOT: root } });
    const code = await cmd(args, c.io);
    return { code, out: c.stdout, err: c.stderr };
  };
  it("each tool: Pacemaker's wording, status 102, nothing on stdout", async () => {
    const cases: [typeof crmMonCommand, string[], string][] = [
      [
        crmMonCommand,
        ["-1"],
        "error: Could not connect to launcher: Connection refused\ncrm_mon: Connection to cluster failed: Connection refused\n",
      ],
      [crmNodeCommand, ["-l"], "error: Could not connect to controller: Connection refused\n"],
      [crmadminCommand, ["-D"], "error: Could not connect to controller: Connection refused\n"],
      [
        crmResourceCommand,
        ["-L"],
        "Could not connect to the CIB: Connection refused\nError performing operation: Transport endpoint is not connected\n",
      ],
      [stonithAdminCommand, ["-L"], "error: Could not connect to fencer: Connection refused\n"],
    ];
    for (const [cmd, args, err] of cases) assert.deepEqual(await run(cmd, args), { code: 102, out: "", err });
  });
  it("the live CIB for crm_simulate -L: Pacemaker's wording, status 102", async () => {
    await assert.rejects(readLiveCib({ TANDEM_ROOT: root }), (e: unknown) => {
      assert.ok(e instanceof TandemError);
      assert.equal(e.exitCode, 102);
      assert.equal(e.message, "Could not connect to the CIB: Connection refused");
      return true;
    });
  });
  it("crm_simulate -sL: -L taken out of bundled flags, -p added; not connected: 102", async () => {
    assert.deepEqual(withoutLive(["-sL"]), ["-s", "-p"]);
    assert.deepEqual(withoutLive(["-L", "-S"]), ["-S", "-p"]);
    assert.deepEqual(withoutLive(["--live-check", "-D", "x.dot"]), ["-D", "x.dot", "-p"]);
    await assert.rejects(run(crmSimulateLiveCommand, ["-sL"]), (e: unknown) => {
      assert.ok(e instanceof TandemError);
      assert.equal(e.exitCode, 102);
      return true;
    });
  });
  it("crm_mon --output-as xml: an XML error result", async () => {
    const r = await run(crmMonCommand, ["--output-as=xml"]);
    assert.equal(r.code, 102);
    assert.match(r.out, /<status code="102" message="Not connected">/);
  });
  it("usage errors: one line, status 64, before any connection", async () => {
    for (const [cmd, args, msg] of [
      [crmMonCommand, ["-x"], /unknown option '-x'/],
      [crmMonCommand, ["--output-as", "html"], /--output-as must be text or xml/],
      [crmMonCommand, ["-i", "soon"], /invalid --interval/],
      [crmNodeCommand, ["-N", "x"], /needs a node ID/],
      [crmResourceCommand, ["-W", "-L"], /only one command/],
      [crmResourceCommand, ["-r"], /needs a value/],
    ] as const) {
      await assert.rejects(cmd([...args], captureIO({ env: { TANDEM_ROOT: root } }).io), (e: unknown) => {
        assert.ok(e instanceof TandemError);
        assert.equal(e.exitCode, 64);
        assert.match(e.message, msg);
        return true;
      });
    }
    assert.deepEqual(await run(crmNodeCommand, []), {
      code: 64,
      out: "",
      err: "crm_node: No command specified\n",
    });
    assert.deepEqual(await run(crmResourceCommand, ["-W"]), {
      code: 64,
      out: "",
      err: "crm_resource: Must supply a resource id with -r\n",
    });
  });
});
