// Meta-data parsing, agent listings, names, op digests, lrm_rsc_op mapping,
// and recurring scheduling driven by an injected (manual) clock.

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Clock, TimerHandle } from "../core/clock.js";
import { TandemError } from "../core/errors.js";
import { opDigest } from "./digest.js";
import { Executor } from "./executor.js";
import { lrmRscOpAttrs } from "./lrm.js";
import {
  getAgentMetadata,
  listAgents,
  listProviders,
  listStandards,
  lsbMetadataXml,
  parseAgentMetadata,
  parseAgentName,
} from "./metadata.js";
import { TANDEM_FENCE_DIR, TANDEM_LAB_OCF_ROOT, TANDEM_OCF_ROOT } from "./paths.js";
import { ocfRequest, tempDir, waitFor, writeScript } from "./testutil.js";
import { type ExecResult, OpStatus } from "./types.js";

let tmp: { dir: string; cleanup: () => void };
before(() => {
  tmp = tempDir("meta");
});
after(() => tmp.cleanup());

describe("meta-data", () => {
  it("of ocf:tandem:Dummy: parameters and actions with default timeouts", async () => {
    const md = await getAgentMetadata(
      { class: "ocf", provider: "tandem", type: "Dummy" },
      { paths: { ocfRoots: [TANDEM_OCF_ROOT] } },
    );
    assert.equal(md.name, "Dummy");
    assert.equal(md.version, "1.1");
    assert.match(md.shortdesc, /stateless/);
    const state = md.parameters.find((p) => p.name === "state");
    assert.equal(state?.unique, true);
    assert.equal(state?.required, false);
    assert.equal(md.parameters.find((p) => p.name === "fake")?.default, "dummy");
    const mon = md.actions.find((a) => a.name === "monitor");
    assert.deepEqual(
      [mon?.timeoutMs, mon?.intervalMs, mon?.depth, mon?.timeoutText],
      [20_000, 10_000, 0, "20s"],
    );
    assert.ok(md.xml.includes("<resource-agent"));
  });

  it("parses required, select options, languages, deprecated and reloadable", () => {
    const md = parseAgentMetadata(
      `<?xml version="1.0"?>
<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">
<resource-agent name="X" version="2">
  <version>1.1</version>
  <longdesc lang="de">Lang</longdesc><longdesc lang="en">Long
  text</longdesc>
  <shortdesc lang="en">Short   text</shortdesc>
  <parameters>
    <parameter name="a" required="1" unique="0" reloadable="1"><content type="integer" default="5"/><shortdesc lang="en">A</shortdesc></parameter>
    <parameter name="b" deprecated="true"><content type="select" default="x"><option value="x"/><option value="y"/></content></parameter>
  </parameters>
  <actions><action name="start" timeout="1min" start-delay="2s"/><action name="monitor" role="Promoted" interval="5" timeout="PT30S"/></actions>
</resource-agent>`,
      { class: "ocf", provider: "p", type: "X" },
    );
    assert.equal(md.shortdesc, "Short text");
    assert.equal(md.longdesc, "Long\n  text");
    assert.deepEqual(
      md.parameters.map((p) => [
        p.name,
        p.required,
        p.type,
        p.default,
        p.options,
        p.deprecated,
        p.reloadable,
      ]),
      [
        ["a", true, "integer", "5", undefined, false, true],
        ["b", false, "select", "x", ["x", "y"], true, false],
      ],
    );
    assert.deepEqual(
      md.actions.map((a) => [a.name, a.timeoutMs, a.intervalMs, a.role, a.startDelayMs]),
      [
        ["start", 60_000, undefined, undefined, 2000],
        ["monitor", 30_000, 5000, "Promoted", undefined],
      ],
    );
  });

  it("refuses what is not meta-data, with one line", async () => {
    assert.throws(
      () => parseAgentMetadata("<nope/>", { class: "ocf", provider: "p", type: "X" }),
      /not a <resource-agent> document/,
    );
    assert.throws(
      () => parseAgentMetadata("<resource-agent", { class: "ocf", provider: "p", type: "X" }),
      /XML syntax error in meta-data of ocf:p:X/,
    );
    await assert.rejects(
      getAgentMetadata(
        { class: "ocf", provider: "tandem", type: "Nope" },
        { paths: { ocfRoots: [TANDEM_OCF_ROOT] } },
      ),
      (e: unknown) =>
        e instanceof TandemError && e.code === "TANDEM_E_AGENT_NOT_FOUND" && !e.message.includes("\n"),
    );
    writeScript(join(tmp.dir, "ocf/resource.d/t/Silent"), "#!/bin/sh\nexit 0\n");
    await assert.rejects(
      getAgentMetadata(
        { class: "ocf", provider: "t", type: "Silent" },
        { paths: { ocfRoots: [join(tmp.dir, "ocf")] } },
      ),
      /Unable to get metadata for resource agent 'ocf:t:Silent'/,
    );
  });

  it("lsb meta-data comes from the init script header", async () => {
    const md = parseAgentMetadata(
      lsbMetadataXml(
        "svc",
        "#!/bin/sh\n### BEGIN INIT INFO\n# Provides: svc\n# Short-Description: A <b> service\n# Description: Longer & better.\n### END INIT INFO\n",
      ),
      { class: "lsb", type: "svc" },
    );
    assert.equal(md.shortdesc, "A <b> service");
    assert.equal(md.longdesc, "Longer & better.");
    assert.ok(md.actions.some((a) => a.name === "status"));
    writeScript(
      join(tmp.dir, "init.d/svc"),
      "#!/bin/sh\n### BEGIN INIT INFO\n# Short-Description: Svc here\n### END INIT INFO\n",
    );
    const real = await getAgentMetadata(
      { class: "lsb", type: "svc" },
      { paths: { lsbDirs: [join(tmp.dir, "init.d")] } },
    );
    assert.equal(real.shortdesc, "Svc here");
  });
});

describe("listings", () => {
  it("standards, providers and agents across OCF roots and fence dirs", () => {
    assert.deepEqual(listStandards({ systemd: false }), ["lsb", "ocf", "service", "stonith"]);
    assert.ok(listStandards({ systemd: true }).includes("systemd"));
    const extra = join(tmp.dir, "roots/ocf");
    writeScript(join(extra, "resource.d/acme/Thing"), "#!/bin/sh\n");
    writeScript(join(extra, "resource.d/tandem/Extra"), "#!/bin/sh\n");
    mkdirSync(join(extra, "resource.d/empty"), { recursive: true });
    const paths = { ocfRoots: [TANDEM_LAB_OCF_ROOT, extra, TANDEM_OCF_ROOT], fenceDirs: [TANDEM_FENCE_DIR] };
    assert.deepEqual(listProviders({ paths }), ["acme", "empty", "heartbeat", "tandem"]);
    assert.deepEqual(listAgents("ocf", "tandem", { paths }), [
      "Dummy",
      "Extra",
      "IPaddr",
      "Stateful",
      "WebServer",
    ]);
    assert.deepEqual(listAgents("ocf", "heartbeat", { paths }), ["IPaddr2", "apache"]);
    assert.ok(listAgents("ocf", undefined, { paths }).includes("acme:Thing"));
    assert.deepEqual(listAgents("stonith", undefined, { paths }), ["fence_tandem"]);
    assert.throws(() => listAgents("nope"), /Unknown resource standard 'nope'/);
  });

  it("agent names", () => {
    assert.deepEqual(parseAgentName("ocf:heartbeat:IPaddr2"), {
      class: "ocf",
      provider: "heartbeat",
      type: "IPaddr2",
    });
    assert.deepEqual(parseAgentName("stonith:fence_tandem"), { class: "stonith", type: "fence_tandem" });
    assert.deepEqual(parseAgentName("systemd:httpd"), { class: "systemd", type: "httpd" });
    for (const bad of ["ocf:IPaddr2", "foo:bar", "ocf::x", "lsb:"])
      assert.throws(() => parseAgentName(bad), /Invalid resource agent name/);
  });
});

describe("op-digest and lrm_rsc_op", () => {
  it("digest is order independent, ignores meta, follows values", () => {
    const a = opDigest({ ip: "1.2.3.4", cidr_netmask: "32" });
    assert.match(a, /^[0-9a-f]{32}$/);
    assert.equal(opDigest({ cidr_netmask: "32", ip: "1.2.3.4" }), a);
    assert.equal(opDigest({ cidr_netmask: "32", ip: "1.2.3.4", CRM_meta_timeout: "20000" }), a);
    assert.notEqual(opDigest({ cidr_netmask: "24", ip: "1.2.3.4" }), a);
    assert.notEqual(opDigest({ cidr_netmask: "32", ip: '1.2.3.4"' }), a);
  });

  it("maps a result onto lrm_rsc_op attributes", () => {
    const r: ExecResult = {
      callId: 6,
      rscId: "virtual_ip",
      agent: { class: "ocf", provider: "heartbeat", type: "IPaddr2" },
      action: "start",
      intervalMs: 0,
      opKey: "virtual_ip_start_0",
      rc: 0,
      status: OpStatus.DONE,
      exitReason: "",
      stdout: "",
      stderr: "",
      execTimeMs: 168,
      queueTimeMs: 0,
      lastRun: 1795840359,
      lastRcChange: 1795840359,
      opDigest: "53958f9e8b74635fb985c291dcc9a296",
      recurring: false,
      changed: true,
    };
    const key = "3:3:0:09dc1e0e-2915-41f3-9e13-47089fe6af0c";
    assert.deepEqual(lrmRscOpAttrs(r, { nodeName: "node1", transitionKey: key }), {
      id: "virtual_ip_last_0",
      operation_key: "virtual_ip_start_0",
      operation: "start",
      "crm-debug-origin": "do_update_resource",
      crm_feature_set: "3.16.1",
      "transition-key": key,
      "transition-magic": `0:0;${key}`,
      "exit-reason": "",
      on_node: "node1",
      "call-id": "6",
      "rc-code": "0",
      "op-status": "0",
      interval: "0",
      "last-rc-change": "1795840359",
      "exec-time": "168",
      "queue-time": "0",
      "op-digest": "53958f9e8b74635fb985c291dcc9a296",
    });
    assert.equal(
      lrmRscOpAttrs({ ...r, rc: 1 }, { nodeName: "node1", transitionKey: key }).id,
      "virtual_ip_last_failure_0",
    );
    assert.equal(
      lrmRscOpAttrs({ ...r, action: "monitor", rc: 7 }, { nodeName: "node1" }).id,
      "virtual_ip_last_0",
      "a probe finding it stopped is no failure",
    );
    assert.equal(
      lrmRscOpAttrs({ ...r, action: "monitor", intervalMs: 30000 }, { nodeName: "node1" }).id,
      "virtual_ip_monitor_30000",
    );
    assert.equal(
      lrmRscOpAttrs({ ...r, status: OpStatus.TIMEOUT, rc: 1 }, { nodeName: "n" })["transition-magic"],
      "2:1;",
    );
  });
});

/** A clock whose timers fire only when the test says so. */
class ManualClock implements Clock {
  t = 0;
  private next = 1;
  readonly timers = new Map<number, { at: number; fn: () => void; delay: number }>();
  now(): number {
    return this.t;
  }
  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const id = this.next++;
    this.timers.set(id, { at: this.t + delayMs, fn, delay: delayMs });
    return { id };
  }
  clearTimer(h: TimerHandle): void {
    this.timers.delete(h.id);
  }
  /** Advance to the next timer with this delay and fire it. */
  fire(delay: number): boolean {
    for (const [id, tm] of this.timers)
      if (tm.delay === delay) {
        this.timers.delete(id);
        this.t = tm.at;
        tm.fn();
        return true;
      }
    return false;
  }
}

describe("an injected clock drives recurring ops", () => {
  it("the next monitor is due one interval after the previous finished, not before", async () => {
    const clock = new ManualClock();
    clock.t = 1000;
    const ex = new Executor({
      clock,
      paths: { ocfRoots: [TANDEM_OCF_ROOT] },
      env: { HA_RSCTMP: join(tmp.dir, "mc") },
      wallClock: () => 1_700_000_000_000,
    });
    const seen: ExecResult[] = [];
    ex.onResult((r) => seen.push(r));
    ex.execute(ocfRequest("m", "Dummy", "monitor", {}, { intervalMs: 30_000 }));
    assert.ok(await waitFor(() => seen.length === 1, 3000));
    assert.equal(seen[0].lastRcChange, 1_700_000_000);
    assert.equal(seen[0].queueTimeMs, 0);
    // Nothing runs by itself: the next run waits for the 30 s timer.
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(seen.length, 1);
    assert.ok(clock.fire(30_000));
    assert.ok(await waitFor(() => seen.length === 2, 3000));
    assert.equal(seen[1].changed, false);
    assert.ok(ex.cancel("m", "monitor", 30_000));
    assert.equal(clock.fire(30_000), false, "cancel cleared the timer");
    await ex.shutdown();
  });
});

describe("search paths from the environment", () => {
  it("TANDEM_OCF_ROOTS / TANDEM_FENCE_DIRS come first; explicit paths win", async () => {
    const { defaultAgentPaths } = await import("./paths.js");
    const saved = { ocf: process.env.TANDEM_OCF_ROOTS, fence: process.env.TANDEM_FENCE_DIRS };
    try {
      process.env.TANDEM_OCF_ROOTS = TANDEM_LAB_OCF_ROOT;
      process.env.TANDEM_FENCE_DIRS = join(tmp.dir, "fence");
      assert.deepEqual(defaultAgentPaths().ocfRoots, [TANDEM_LAB_OCF_ROOT, "/usr/lib/ocf", TANDEM_OCF_ROOT]);
      assert.deepEqual(defaultAgentPaths().fenceDirs, [
        join(tmp.dir, "fence"),
        "/usr/sbin",
        TANDEM_FENCE_DIR,
      ]);
      assert.deepEqual(defaultAgentPaths({ ocfRoots: ["/x"] }).ocfRoots, ["/x"]);
      const md = await getAgentMetadata({ class: "ocf", provider: "heartbeat", type: "IPaddr2" });
      assert.match(md.shortdesc, /tandem lab stand-in/, "the lab's stand-in is found first");
    } finally {
      if (saved.ocf === undefined) delete process.env.TANDEM_OCF_ROOTS;
      else process.env.TANDEM_OCF_ROOTS = saved.ocf;
      if (saved.fence === undefined) delete process.env.TANDEM_FENCE_DIRS;
      else process.env.TANDEM_FENCE_DIRS = saved.fence;
    }
    assert.deepEqual(defaultAgentPaths().ocfRoots, ["/usr/lib/ocf", TANDEM_OCF_ROOT]);
  });
});
