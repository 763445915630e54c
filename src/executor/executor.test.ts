// Executor tests with real child processes: the Dummy cycle, failures,
// timeouts that kill a whole process group, per-resource serialization,
// recurring monitors and their cancellation, the OCF environment, stonith
// options on stdin, LSB/systemd mapping and agent lookups.

import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { TandemError } from "../core/errors.js";
import { Executor } from "./executor.js";
import { TANDEM_OCF_ROOT } from "./paths.js";
import {
  brief,
  ocfRequest,
  pidAlive,
  processesInGroup,
  sleep,
  tempDir,
  waitFor,
  writeScript,
} from "./testutil.js";
import { type ExecResult, OpStatus } from "./types.js";

let tmp: { dir: string; cleanup: () => void };
let ex: Executor;
let testRoot: string;

before(() => {
  tmp = tempDir("exec");
  testRoot = join(tmp.dir, "ocf");
  // A test agent that sleeps in a group of children and ignores SIGTERM.
  writeScript(
    join(testRoot, "resource.d/test/Stubborn"),
    `#!/bin/sh
trap '' TERM
sleep 30 &
sleep 30 &
echo $$ > "$OCF_RESKEY_pidfile"
wait
exit 0
`,
  );
  // Records when each action runs, to check serialization.
  writeScript(
    join(testRoot, "resource.d/test/Logger"),
    `#!/bin/sh
echo "begin $1 $(date +%s%N)" >> "$OCF_RESKEY_log"
sleep 0.15
echo "end $1 $(date +%s%N)" >> "$OCF_RESKEY_log"
exit 0
`,
  );
  writeScript(
    join(testRoot, "resource.d/test/Exit99"),
    "#!/bin/sh\necho 'ocf-exit-reason:something odd' >&2\nexit 99\n",
  );
  ex = new Executor({
    paths: {
      ocfRoots: [testRoot, TANDEM_OCF_ROOT],
      lsbDirs: [join(tmp.dir, "init.d")],
      fenceDirs: [join(tmp.dir, "fence")],
    },
    env: { HA_RSCTMP: join(tmp.dir, "rsctmp") },
    nodeName: "node1",
    killGraceMs: 200,
  });
});

after(async () => {
  await ex.shutdown();
  tmp.cleanup();
});

describe("ocf:tandem:Dummy through the executor", () => {
  it("probe, start, monitor, stop, probe: rc codes and lrm_rsc_op fields", async () => {
    const p = { fake: "abc" };
    const probe = await ex.run(ocfRequest("d1", "Dummy", "monitor", p));
    assert.equal(probe.rc, 7, brief(probe));
    assert.equal(probe.status, OpStatus.DONE);
    const start = await ex.run(ocfRequest("d1", "Dummy", "start", p));
    assert.equal(start.rc, 0, brief(start));
    assert.equal(start.opKey, "d1_start_0");
    assert.ok(start.callId > probe.callId);
    assert.ok(start.execTimeMs >= 0 && start.queueTimeMs >= 0);
    assert.ok(Math.abs(start.lastRcChange - Date.now() / 1000) < 5);
    assert.equal(start.opDigest, probe.opDigest, "same parameters, same digest");
    assert.equal(readFileSync(join(tmp.dir, "rsctmp/Dummy-d1.state"), "utf8").trim(), "abc");
    assert.equal((await ex.run(ocfRequest("d1", "Dummy", "monitor", p))).rc, 0);
    const stop = await ex.run(ocfRequest("d1", "Dummy", "stop", p));
    assert.equal(stop.rc, 0);
    assert.equal((await ex.run(ocfRequest("d1", "Dummy", "monitor", p))).rc, 7);
    const other = await ex.run(ocfRequest("d1", "Dummy", "monitor", { fake: "xyz" }));
    assert.notEqual(other.opDigest, probe.opDigest, "changed parameters change the digest");
  });

  it("a failing monitor and a failing start report their rc and exit reason", async () => {
    const state = join(tmp.dir, "d2.state");
    const p = { state };
    assert.equal((await ex.run(ocfRequest("d2", "Dummy", "start", p))).rc, 0);
    writeFileSync(`${state}.fail`, "");
    const mon = await ex.run(ocfRequest("d2", "Dummy", "monitor", p));
    assert.equal(mon.rc, 7, brief(mon));
    assert.match(mon.exitReason, /failure injected/);
    writeFileSync(`${state}.fail`, "monitor=1\nstart=1\n");
    assert.equal((await ex.run(ocfRequest("d2", "Dummy", "monitor", p))).rc, 1);
    const start = await ex.run(ocfRequest("d2", "Dummy", "start", p));
    assert.equal(start.rc, 1);
    assert.equal(start.status, OpStatus.DONE);
    writeFileSync(`${state}.fail`, "*=6\n");
    assert.equal((await ex.run(ocfRequest("d2", "Dummy", "stop", p))).rc, 6);
  });

  it("invalid delays fail validation with 'not configured'", async () => {
    const r = await ex.run(ocfRequest("d3", "Dummy", "start", { op_sleep: "a lot" }));
    assert.equal(r.rc, 6, brief(r));
    assert.match(r.exitReason, /not a number/);
  });
});

describe("timeouts", () => {
  it("kill the agent's whole process group, even children that ignore SIGTERM", async () => {
    const pidfile = join(tmp.dir, "stubborn.pid");
    const t0 = Date.now();
    const r = await ex.run(ocfRequest("s1", "Stubborn", "start", { pidfile }, { timeoutMs: 300 }, "test"));
    const took = Date.now() - t0;
    assert.equal(r.status, OpStatus.TIMEOUT, brief(r));
    assert.equal(r.rc, 1);
    assert.match(r.exitReason, /timed out after 300ms/);
    assert.ok(took >= 300 && took < 3000, `took ${took}ms`);
    const pgid = Number(readFileSync(pidfile, "utf8"));
    assert.ok(pgid > 1);
    const left = await waitFor(() => processesInGroup(pgid).length === 0, 1000);
    assert.ok(left, `processes left in group ${pgid}: ${processesInGroup(pgid).join(",")}`);
    assert.equal(pidAlive(pgid), false);
  });
});

describe("serialization", () => {
  it("runs one action at a time per resource, different resources in parallel", async () => {
    const log = join(tmp.dir, "serial.log");
    const log2 = join(tmp.dir, "serial2.log");
    const results: ExecResult[] = [];
    const ids = new Set<number>();
    const done = new Promise<void>((resolve) => {
      const off = ex.onResult((r) => {
        if (!ids.has(r.callId)) return;
        results.push(r);
        if (results.length === 4) {
          off();
          resolve();
        }
      });
    });
    for (const a of ["start", "monitor", "stop"])
      ids.add(ex.execute(ocfRequest("L1", "Logger", a, { log }, {}, "test")));
    ids.add(ex.execute(ocfRequest("L2", "Logger", "start", { log: log2 }, {}, "test")));
    assert.ok(ex.busy("L1"));
    await done;
    const lines = readFileSync(log, "utf8").trim().split("\n");
    assert.deepEqual(
      lines.map((l) => l.split(" ").slice(0, 2).join(" ")),
      ["begin start", "end start", "begin monitor", "end monitor", "begin stop", "end stop"],
    );
    const l1 = results.filter((r) => r.rscId === "L1");
    assert.deepEqual(
      l1.map((r) => r.action),
      ["start", "monitor", "stop"],
    );
    assert.ok(l1[2].queueTimeMs >= 250, `stop waited ${l1[2].queueTimeMs}ms`);
    // L2 ran beside L1: its start began before L1's start ended.
    const ns = (file: string, what: string): bigint =>
      BigInt(
        readFileSync(file, "utf8")
          .split("\n")
          .find((l) => l.startsWith(what))
          ?.split(" ")[2] ?? "0",
      );
    assert.ok(ns(log2, "begin start") < ns(log, "end start"), "different resources run in parallel");
  });
});

describe("recurring monitors", () => {
  it("repeat with the same call id, report changes, and are cancelled by stop", async () => {
    const state = join(tmp.dir, "rec.state");
    const p = { state };
    assert.equal((await ex.run(ocfRequest("r1", "Dummy", "start", p))).rc, 0);
    const seen: ExecResult[] = [];
    const off = ex.onResult((r) => {
      if (r.rscId === "r1") seen.push(r);
    });
    const callId = ex.execute(ocfRequest("r1", "Dummy", "monitor", p, { intervalMs: 80 }));
    assert.deepEqual(ex.recurringOps("r1"), [{ rscId: "r1", action: "monitor", intervalMs: 80, callId }]);
    assert.ok(await waitFor(() => seen.length >= 3, 3000));
    assert.ok(seen.every((r) => r.callId === callId && r.recurring && r.opKey === "r1_monitor_80"));
    assert.equal(seen[0].changed, true);
    assert.equal(seen[1].changed, false);
    assert.equal(seen[1].rc, 0);
    // The service "crashes": the next run reports rc 7, flagged as a change.
    writeFileSync(`${state}.fail`, "monitor=7\n");
    assert.ok(await waitFor(() => seen.some((r) => r.rc === 7), 3000));
    const failed = seen.find((r) => r.rc === 7) as ExecResult;
    assert.equal(failed.changed, true);
    // A stop cancels the recurring monitor: one Cancelled result, then silence.
    const stop = await ex.run(ocfRequest("r1", "Dummy", "stop", p));
    assert.equal(stop.rc, 0);
    const cancelled = seen.filter((r) => r.status === OpStatus.CANCELLED);
    assert.equal(cancelled.length, 1);
    assert.equal(cancelled[0].callId, callId);
    assert.deepEqual(ex.recurringOps("r1"), []);
    const count = seen.length;
    await sleep(250);
    assert.equal(seen.length, count, "no monitor ran after the stop");
    off();
  });

  it("cancel() stops one recurring op and reports it", async () => {
    const p = { state: join(tmp.dir, "rec2.state") };
    const seen: ExecResult[] = [];
    const off = ex.onResult((r) => {
      if (r.rscId === "r2") seen.push(r);
    });
    ex.execute(ocfRequest("r2", "Dummy", "monitor", p, { intervalMs: 60 }));
    assert.ok(await waitFor(() => seen.length >= 2, 3000));
    assert.equal(seen[0].rc, 7, "not started: monitor says not running");
    const before = seen.length;
    assert.equal(ex.cancel("r2", "monitor", 60), true);
    assert.equal(ex.cancel("r2", "monitor", 60), false);
    assert.equal(seen.length, before, "results are never delivered from inside cancel()");
    await Promise.resolve();
    assert.equal(seen.at(-1)?.status, OpStatus.CANCELLED);
    const n = seen.length;
    await sleep(200);
    assert.equal(seen.length, n);
    off();
  });
});

describe("the OCF environment", () => {
  it("reaches the agent, and parameters are never interpreted by a shell", async () => {
    const envfile = join(tmp.dir, "env.txt");
    const marker = join(tmp.dir, "pwned");
    const evil = `$(touch ${marker}); \`touch ${marker}\` ; rm -rf /nonexistent "'`;
    const r = await ex.run(
      ocfRequest(
        "e1:0",
        "Dummy",
        "monitor",
        { envfile, fake: evil, "with-dash": "x" },
        {
          intervalMs: 0,
          timeoutMs: 7000,
          checkLevel: 10,
          meta: { clone: "0", "clone-max": "2", globally_unique: "false" },
        },
      ),
    );
    assert.equal(r.rc, 7, brief(r));
    const env = readFileSync(envfile, "utf8");
    const has = (k: string, v: string): void =>
      assert.ok(env.includes(`\n${k}=${v}\n`) || env.startsWith(`${k}=${v}\n`), `${k}=${v} missing`);
    has("OCF_ROOT", TANDEM_OCF_ROOT);
    has("OCF_RA_VERSION_MAJOR", "1");
    has("OCF_RA_VERSION_MINOR", "1");
    has("OCF_RESOURCE_INSTANCE", "e1:0");
    has("OCF_RESOURCE_TYPE", "Dummy");
    has("OCF_RESOURCE_PROVIDER", "tandem");
    has("OCF_CHECK_LEVEL", "10");
    has("OCF_RESKEY_CRM_meta_interval", "0");
    has("OCF_RESKEY_CRM_meta_timeout", "7000");
    has("OCF_RESKEY_CRM_meta_name", "monitor");
    has("OCF_RESKEY_CRM_meta_on_node", "node1");
    has("OCF_RESKEY_CRM_meta_clone", "0");
    has("OCF_RESKEY_CRM_meta_clone_max", "2");
    has("OCF_RESKEY_crm_feature_set", "3.16.1");
    has("HA_RSCTMP", join(tmp.dir, "rsctmp"));
    assert.ok(env.includes(`OCF_RESKEY_fake=${evil}`), "parameter passed verbatim");
    assert.equal(existsSync(marker), false, "no shell expansion of parameters");
  });
});

describe("errors and odd agents", () => {
  it("a missing agent is 'not installed' (rc 5, op-status Not installed)", async () => {
    const r = await ex.run(ocfRequest("x1", "NoSuchAgent", "start"));
    assert.equal(r.rc, 5);
    assert.equal(r.status, OpStatus.NOT_INSTALLED);
    assert.match(r.exitReason, /ocf:tandem:NoSuchAgent not found/);
  });

  it("an unknown exit code becomes a generic error with the agent's exit reason", async () => {
    const r = await ex.run(ocfRequest("x2", "Exit99", "start", {}, {}, "test"));
    assert.equal(r.rc, 1);
    assert.equal(r.exitReason, "something odd");
  });

  it("malformed requests are refused with one clear line", () => {
    assert.throws(
      () => ex.execute(ocfRequest("x3", "Dummy", "start", {}, { timeoutMs: 0 })),
      (e: unknown) =>
        e instanceof TandemError && /'timeout' must be a positive duration: got '0ms'/.test(e.message),
    );
    assert.throws(() => ex.execute(ocfRequest("x3", "Dummy", "start; rm")), /bad action name/);
    assert.throws(
      () => ex.execute(ocfRequest("x3", "../../bin/sh", "start", { "a=b": "1" })),
      /bad parameter name/,
    );
    assert.throws(
      () => ex.execute({ ...ocfRequest("x3", "Dummy", "start"), agent: { class: "ocf", type: "Dummy" } }),
      /needs a provider/,
    );
  });

  it("path tricks in agent names do not escape the OCF root", async () => {
    const r = await ex.run(ocfRequest("x4", "../../../../bin/true", "start"));
    assert.equal(r.rc, 5);
    assert.equal(r.status, OpStatus.NOT_INSTALLED);
  });

  it("output is size-limited", async () => {
    writeScript(
      join(testRoot, "resource.d/test/Chatty"),
      "#!/bin/sh\nhead -c 1000000 /dev/zero | tr '\\0' x\nexit 0\n",
    );
    const small = new Executor({ paths: { ocfRoots: [testRoot] }, maxOutputBytes: 1000 });
    const r = await small.run(ocfRequest("c1", "Chatty", "start", {}, {}, "test"));
    assert.equal(r.rc, 0);
    assert.equal(r.stdout.length, 1000);
    await small.shutdown();
  });
});

describe("lsb, systemd and stonith classes", () => {
  it("lsb: init script actions and LSB status mapping", async () => {
    const state = join(tmp.dir, "lsb.state");
    writeScript(
      join(tmp.dir, "init.d/myservice"),
      `#!/bin/sh
### BEGIN INIT INFO
# Provides: myservice
# Short-Description: My test service
# Description: A longer description of my test service.
### END INIT INFO
case "$1" in
  start) touch ${state}; exit 0;;
  stop) rm -f ${state}; exit 0;;
  status) [ -f ${state} ] && exit 0; exit 3;;
  *) exit 3;;
esac
`,
    );
    const req = (action: string) => ({
      rscId: "l1",
      agent: { class: "lsb" as const, type: "myservice" },
      action,
      intervalMs: 0,
      timeoutMs: 5000,
      params: {},
    });
    assert.equal((await ex.run(req("monitor"))).rc, 7, "LSB status 3 is 'not running'");
    assert.equal((await ex.run(req("start"))).rc, 0);
    assert.equal((await ex.run(req("monitor"))).rc, 0);
    assert.equal((await ex.run(req("stop"))).rc, 0);
    assert.equal((await ex.run(req("monitor"))).rc, 7);
    const svc = await ex.run({ ...req("monitor"), agent: { class: "service", type: "myservice" } });
    assert.equal(svc.rc, 7, "service: falls back to the init script");
    const nope = await ex.run({ ...req("promote") });
    assert.equal(nope.rc, 3);
    assert.equal(nope.status, OpStatus.NOT_SUPPORTED);
  });

  it("systemd without a running systemd is a clear 'not installed'", async () => {
    const noSystemd = new Executor({ systemd: false });
    const r = await noSystemd.run({
      rscId: "u1",
      agent: { class: "systemd", type: "nginx" },
      action: "start",
      intervalMs: 0,
      timeoutMs: 5000,
      params: {},
    });
    assert.equal(r.rc, 5);
    assert.equal(r.status, OpStatus.NOT_INSTALLED);
    assert.match(r.exitReason, /systemd is not running/);
  });

  it("stonith: options as key=value lines on stdin; device start/monitor/stop", async () => {
    const dump = join(tmp.dir, "fence-stdin.txt");
    writeScript(
      join(tmp.dir, "fence/fence_test"),
      `#!/bin/sh
cat > ${dump}
grep -q '^action=monitor' ${dump} && exit 0
grep -q '^action=status' ${dump} && exit 2
grep -q '^action=off' ${dump} && exit 0
exit 1
`,
    );
    const f = await ex.fence({
      agent: "fence_test",
      action: "off",
      params: { ipaddr: "198.18.0.5", login: "admin", pcmk_host_list: "node2" },
      target: "node2",
      timeoutMs: 5000,
    });
    assert.equal(f.rc, 0, f.stderr);
    const lines = readFileSync(dump, "utf8").trim().split("\n");
    assert.deepEqual(lines, [
      "ipaddr=198.18.0.5",
      "login=admin",
      "action=off",
      "port=node2",
      "nodename=node2",
    ]);
    const st = await ex.fence({
      agent: "fence_test",
      action: "status",
      params: {},
      target: "node2",
      timeoutMs: 5000,
    });
    assert.equal(st.rc, 7, "status exit 2 = off");
    const req = (action: string) => ({
      rscId: "fencer",
      agent: { class: "stonith" as const, type: "fence_test" },
      action,
      intervalMs: 0,
      timeoutMs: 5000,
      params: { ipaddr: "198.18.0.5" },
    });
    assert.equal((await ex.run(req("monitor"))).rc, 7, "probe of an unstarted device");
    assert.equal((await ex.run(req("start"))).rc, 0);
    assert.match(readFileSync(dump, "utf8"), /^action=monitor$/m);
    assert.equal((await ex.run(req("monitor"))).rc, 0);
    assert.equal((await ex.run(req("stop"))).rc, 0);
    assert.equal((await ex.run(req("monitor"))).rc, 7);
    const missing = await ex.fence({
      agent: "fence_nothere",
      action: "off",
      params: {},
      target: "n",
      timeoutMs: 1000,
    });
    assert.equal(missing.rc, 5);
  });
});

describe("logging", () => {
  it("one line per result, in Pacemaker's words", async () => {
    const { createLogger } = await import("../core/log.js");
    const lines: string[] = [];
    const logged = new Executor({
      paths: { ocfRoots: [TANDEM_OCF_ROOT] },
      env: { HA_RSCTMP: join(tmp.dir, "log-rsctmp") },
      nodeName: "node1",
      logger: createLogger({ sink: (l) => lines.push(l), level: "info", subsystem: "executor" }),
    });
    const p = { state: join(tmp.dir, "log.state") };
    await logged.run(ocfRequest("lg", "Dummy", "monitor", p));
    await logged.run(ocfRequest("lg", "Dummy", "start", p));
    writeFileSync(`${p.state}.fail`, "stop=1\n");
    await logged.run(ocfRequest("lg", "Dummy", "stop", p));
    await logged.shutdown();
    assert.match(lines[0], /info: Result of monitor operation for lg on node1: not running /);
    assert.match(lines[1], /info: Result of start operation for lg on node1: ok /);
    assert.match(
      lines[2],
      /warning: Result of stop operation for lg on node1: error \(stop failure injected/,
    );
    assert.equal(lines.length, 3);
  });
});

describe("maxConcurrent (node-action-limit)", () => {
  it("runs at most N agents at once across resources", async () => {
    const log = join(tmp.dir, "limit.log");
    const limited = new Executor({ paths: { ocfRoots: [testRoot] }, maxConcurrent: 2 });
    const runs = ["a", "b", "c", "d"].map((r) =>
      limited.run(ocfRequest(r, "Logger", "start", { log }, {}, "test")),
    );
    const results = await Promise.all(runs);
    assert.ok(results.every((r) => r.rc === 0));
    // Replay begin/end events: never more than 2 agents between begin and end.
    const events = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split(" "))
      .map(([kind, , ns]) => ({ kind, t: BigInt(ns) }))
      .sort((x, y) => (x.t < y.t ? -1 : x.t > y.t ? 1 : 0));
    let live = 0;
    let peak = 0;
    for (const e of events) {
      live += e.kind === "begin" ? 1 : -1;
      peak = Math.max(peak, live);
    }
    assert.equal(peak, 2);
    assert.ok(
      results.some((r) => r.queueTimeMs >= 100),
      "the last ones waited for a slot",
    );
    await limited.shutdown();
  });
});
