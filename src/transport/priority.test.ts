// Scheduling priority (corosync's system { sched_rr priority }): parsing, the fallbacks with a
// fake system, and the real thing on a child process when we are root.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { test } from "node:test";
import { TandemError } from "../core/errors.js";
import { nullLogger } from "../core/log.js";
import { loadClusterConfig } from "./cluster-config.js";
import { applyScheduling, DEFAULT_SCHEDULING, realSystem, type SchedulingSystem } from "./priority.js";

const conf = (system: string) => `totem {
    version: 2
    cluster_name: c
}
nodelist {
    node {
        ring0_addr: 127.0.0.1
        nodeid: 1
    }
}
${system}`;

test("system { sched_rr priority } is read from corosync.conf; defaults are corosync's", () => {
  assert.deepEqual(loadClusterConfig(conf("")).scheduling, DEFAULT_SCHEDULING);
  assert.deepEqual(loadClusterConfig(conf("system {\n    sched_rr: no\n    priority: -5\n}\n")).scheduling, {
    schedRr: false,
    nice: -5,
  });
  assert.deepEqual(loadClusterConfig(conf("system {\n    sched_rr: no\n    priority: min\n}\n")).scheduling, {
    schedRr: false,
    nice: 19,
  });
  assert.throws(() => loadClusterConfig(conf("system {\n    sched_rr: maybe\n}\n")), TandemError);
  assert.throws(() => loadClusterConfig(conf("system {\n    priority: -21\n}\n")), /system.priority/);
});

function fakeSystem(opts: { rr: boolean; nice: boolean }) {
  const calls: string[] = [];
  const sys: SchedulingSystem = {
    pid: 4242,
    env: {},
    chrt(args) {
      calls.push(`chrt ${args.join(" ")}`);
      if (args.includes("--rr") && !opts.rr) return { status: 1, stderr: "Operation not permitted" };
      return { status: 0, stderr: "" };
    },
    setPriority(pid, nice) {
      calls.push(`setPriority ${pid} ${nice}`);
      if (!opts.nice) throw Object.assign(new Error("EACCES"), { code: "EACCES" });
    },
  };
  return { sys, calls };
}

test("SCHED_RR when permitted; nice -20 when RR is refused; unchanged when both are", () => {
  const a = fakeSystem({ rr: true, nice: true });
  assert.deepEqual(applyScheduling(DEFAULT_SCHEDULING, nullLogger, a.sys), { policy: "SCHED_RR" });
  assert.deepEqual(a.calls, ["chrt --reset-on-fork --rr --all-tasks --pid 99 4242"]);

  const b = fakeSystem({ rr: false, nice: true });
  const rb = applyScheduling(DEFAULT_SCHEDULING, nullLogger, b.sys);
  assert.equal(rb.policy, "nice");
  assert.equal(rb.nice, -20);
  assert.match(rb.refused ?? "", /not permitted/);
  assert.equal(b.calls.at(-1), "setPriority 4242 -20");

  const c = fakeSystem({ rr: false, nice: false });
  const rc = applyScheduling(DEFAULT_SCHEDULING, nullLogger, c.sys);
  assert.equal(rc.policy, "unchanged");
  assert.match(rc.refused ?? "", /EACCES/);

  const d = fakeSystem({ rr: true, nice: true });
  assert.deepEqual(applyScheduling({ schedRr: false, nice: 5 }, nullLogger, d.sys), {
    policy: "nice",
    nice: 5,
  });
  assert.ok(!d.calls.some((x) => x.includes("--rr")));

  const e = fakeSystem({ rr: true, nice: true });
  e.sys.env = { TANDEM_SCHEDULING: "normal" };
  assert.deepEqual(applyScheduling(DEFAULT_SCHEDULING, nullLogger, e.sys), { policy: "unchanged" });
  assert.deepEqual(e.calls, []);
});

test("the real system: a child gets SCHED_RR with reset-on-fork when we are root", async (t) => {
  const hasChrt = spawnSync("sh", ["-c", "command -v chrt"]).status === 0;
  if (process.getuid?.() !== 0 || !hasChrt) {
    t.skip("needs root and chrt");
    return;
  }
  const child = spawn("sleep", ["30"], { stdio: "ignore" });
  try {
    const r = applyScheduling(DEFAULT_SCHEDULING, nullLogger, { ...realSystem, pid: child.pid as number });
    if (r.policy !== "SCHED_RR") {
      // A container may refuse real-time scheduling even to root: the fallback must hold.
      assert.notEqual(r.policy, undefined);
      return;
    }
    const out = spawnSync("chrt", ["-p", String(child.pid)], { encoding: "utf8" }).stdout;
    assert.match(out, /SCHED_RR\|SCHED_RESET_ON_FORK/);
    assert.match(out, /priority: 99/);
  } finally {
    child.kill("SIGKILL");
  }
});
