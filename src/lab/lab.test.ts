// The loopback lab with real processes, through the `tandem lab` command as a user runs
// it: lab up with the tutorial scenario (the page on the virtual IP names node1), a
// graceful and a crash failover (the page switches to node2, nobody answers twice, the
// failback brings it home), a failed resource, and lab down leaving nothing behind.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { binDir } from "./config.js";
import { httpGet } from "./http.js";
import { findProcesses, killAll } from "./procs.js";

function tandem(args: string[], env: Record<string, string> = {}, timeoutMs = 180_000) {
  return new Promise<{ code: number; out: string; err: string }>((resolve) => {
    const c = spawn(process.execPath, [join(binDir, "tandem"), ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    c.stdout.on("data", (d: Buffer) => {
      out += d;
    });
    c.stderr.on("data", (d: Buffer) => {
      err += d;
    });
    const t = setTimeout(() => c.kill("SIGKILL"), timeoutMs);
    c.on("close", (code) => {
      clearTimeout(t);
      resolve({ code: code ?? 1, out, err });
    });
  });
}

interface RunJson {
  gap_s: number | null;
  from: string;
  to: string | null;
  double_answers: number;
  failed_requests: number;
  failback: {
    from: string;
    to: string;
    gap_s: number | null;
    double_answers: number;
    steps?: string;
  } | null;
  gap_start_s?: number;
  gap_end_s?: number;
  steps?: string;
  error: string | null;
}

describe("tandem lab (loopback, tutorial scenario)", () => {
  const base = mkdtempSync(join(tmpdir(), "tlab-"));
  const dir = join(base, "lab");
  const d = ["--dir", dir];
  let vipUrl = "";

  before(async () => {
    const r = await tandem(["lab", "up", ...d]);
    assert.equal(r.code, 0, `lab up failed:\n${r.out}\n${r.err}`);
    // The tutorial's commands, echoed as they ran.
    for (const cmd of [
      "pcs cluster auth node1 node2 -u hacluster -p ********",
      "pcs cluster setup --name cluster_web node1 node2",
      "pcs cluster start --all",
      "pcs property set stonith-enabled=false",
      "pcs constraint location webserver prefers node1=50",
    ])
      assert.ok(r.out.includes(cmd), `missing step '${cmd}' in:\n${r.out}`);
    assert.match(r.out, /Online: \[ node1 node2 \]/);
  });

  after(async () => {
    if (existsSync(dir)) await tandem(["lab", "down", ...d]);
    // Whatever a failed 'lab down' left (e.g. the command itself could not start).
    await killAll({ labDir: dir }, 10_000);
    rmSync(base, { recursive: true, force: true });
  });

  it("status --json names the nodes, the virtual IP and who serves it (node1, preferred)", async () => {
    const r = await tandem(["lab", "status", "--json", ...d]);
    assert.equal(r.code, 0, r.err);
    const s = JSON.parse(r.out) as {
      nodes: { name: string; address: string; state: string }[];
      vip: string;
      vip_url: string;
      served_by: string;
    };
    assert.deepEqual(
      s.nodes.map((n) => [n.name, n.state]),
      [
        ["node1", "online"],
        ["node2", "online"],
      ],
    );
    assert.match(s.nodes[0].address, /^127\.\d+\.\d+\.11$/);
    assert.equal(s.served_by, "node1");
    vipUrl = s.vip_url;
    const page = await httpGet(vipUrl, 2000);
    assert.ok(page.body?.includes("My Test Site - node1"), page.body);
  });

  it("exec runs a command with the node's environment", async () => {
    const r = await tandem([
      "lab",
      "exec",
      ...d,
      "node2",
      "--",
      "sh",
      "-c",
      "echo $TANDEM_ROOT; pcs status nodes",
    ]);
    assert.equal(r.code, 0, r.err);
    assert.ok(r.out.startsWith(join(dir, "nodes/node2")), r.out);
    assert.match(r.out, /Online: node1 node2|node1 node2/);
  });

  // freeze and isolate turn fencing on (fence_tandem through the lab's control socket).
  for (const fault of ["stop", "kill", "freeze", "isolate"] as const)
    it(`failover --fault ${fault}: the page moves node1 -> node2, no double answers, failback to node1`, async () => {
      const r = await tandem(["lab", "failover", ...d, "--fault", fault, "--json"]);
      assert.equal(r.code, 0, `${r.out}\n${r.err}`);
      const j = JSON.parse(r.out) as {
        fault: string;
        runs: RunJson[];
        gap_s: { min: number; median: number; max: number };
      };
      assert.equal(j.fault, fault);
      const run = j.runs[0];
      assert.equal(run.from, "node1");
      assert.equal(run.to, "node2");
      assert.equal(run.double_answers, 0);
      assert.ok(run.gap_s !== null && run.gap_s > 0 && run.gap_s < 30, `gap ${run.gap_s}`);
      assert.equal(j.gap_s.median, run.gap_s);
      // After the heal node1 (location preference 50) takes the service back.
      assert.equal(run.failback?.to, "node1", JSON.stringify(run));
      assert.equal(run.failback?.double_answers, 0);
      assert.equal(run.error, null);
      if (fault === "stop") {
        // The gap step by step: the stops on node1, then the starts on node2 (and back). The
        // web server's stop may end before the gap starts (an answer sent just before it
        // closed can end a few ms later), so the steps begin with it or with the VIP's stop.
        assert.ok((run.gap_start_s ?? 0) < (run.gap_end_s ?? 0), JSON.stringify(run));
        assert.match(
          run.steps ?? "",
          /stop virtual_ip@node1 \d+ [-+]\d+ start virtual_ip@node2 .*start webserver@node2/,
        );
        assert.match(run.failback?.steps ?? "", /stop virtual_ip@node2 .*start webserver@node1/);
      }
      const page = await httpGet(vipUrl, 2000);
      assert.ok(page.body?.includes("node1"), page.body);
    });

  it("failover --fault resource-fail: the web server is restarted in place", async () => {
    // The tutorial monitors every minute; a shorter interval keeps the test short.
    const u = await tandem([
      "lab",
      "exec",
      ...d,
      "node1",
      "--",
      "pcs",
      "resource",
      "update",
      "webserver",
      "op",
      "monitor",
      "interval=2s",
    ]);
    assert.equal(u.code, 0, u.out + u.err);
    const r = await tandem([
      "lab",
      "failover",
      ...d,
      "--fault",
      "resource-fail",
      "--json",
      "--timeout",
      "30",
    ]);
    assert.equal(r.code, 0, `${r.out}\n${r.err}`);
    const run = (JSON.parse(r.out) as { runs: RunJson[] }).runs[0];
    assert.equal(run.from, "node1");
    assert.equal(run.to, "node1");
    assert.equal(run.double_answers, 0);
    assert.ok(run.failed_requests > 0);
  });

  it("failover --report writes a self-contained HTML timeline", async () => {
    const file = join(base, "report.html");
    const r = await tandem(["lab", "failover", ...d, "--fault", "stop", "--report", file]);
    assert.equal(r.code, 0, `${r.out}\n${r.err}`);
    assert.match(r.out, /client-visible gap: \d+\.\d{3} s/);
    const html = readFileSync(file, "utf8");
    assert.match(html, /<svg[^>]*>/);
    assert.ok(!/<script|src=|href=/.test(html), "no external resources or scripts");
    assert.match(html, /gap \d+\.\d{3} s/);
  });

  it("link delay/loss reach every tandemd through the transport's fault hook, and up clears them", async () => {
    const r = await tandem(["lab", "link", ...d, "node1,node2", "delay", "30"]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /link node1->node2: delay 30$/m);
    const rules = JSON.parse(readFileSync(join(dir, "link-faults.json"), "utf8")) as Record<
      string,
      { peer: number; delayMs: number; direction: string }[]
    >;
    assert.deepEqual(rules.node1, [{ peer: 2, link: "*", direction: "out", drop: 0, delayMs: 30 }]);
    const l = await tandem(["lab", "link", ...d, "node2", "loss", "5"]);
    assert.match(l.out, /link node2<->node1: loss 5$/m);
    assert.doesNotMatch(l.out, /not applied/);
    for (const spec of [
      ["node1,node2", "up"],
      ["node2", "up"],
    ]) {
      const u = await tandem(["lab", "link", ...d, ...spec]);
      assert.equal(u.code, 0, u.err);
    }
    const after = JSON.parse(readFileSync(join(dir, "link-faults.json"), "utf8")) as Record<
      string,
      unknown[]
    >;
    assert.deepEqual([after.node1, after.node2], [[], []]);
    const s = JSON.parse((await tandem(["lab", "status", "--json", ...d])).out) as {
      nodes: { state: string }[];
    };
    assert.deepEqual(
      s.nodes.map((n) => n.state),
      ["online", "online"],
    );
  });

  it("down stops every process and removes the directory", async () => {
    const r = await tandem(["lab", "down", ...d]);
    assert.equal(r.code, 0, r.err);
    assert.equal(findProcesses({ labDir: dir }).length, 0);
    assert.equal(existsSync(dir), false);
    const again = await tandem(["lab", "down", ...d]);
    assert.notEqual(again.code, 0);
    assert.match(again.err, /no lab in/);
  });
});
