// `tandem lab` in-process: option and argument errors (one line, a code, nothing done),
// and the HTML report rendered from a synthetic failover.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { captureIO } from "../cli/io.js";
import { labCommand } from "../cli/lab.js";
import { TandemError } from "../core/errors.js";
import type { LabConfig } from "./config.js";
import type { FailoverResult } from "./failover.js";
import { renderReport } from "./report.js";

const base = mkdtempSync(join(tmpdir(), "tlabcli-"));
const lab: LabConfig = {
  format: 1,
  dir: join(base, "lab"),
  mode: "loopback",
  scenario: "tutorial",
  fencing: false,
  clusterName: "cluster_web",
  nodes: [
    { name: "node1", address: "127.9.9.11", root: join(base, "lab/nodes/node1") },
    { name: "node2", address: "127.9.9.12", root: join(base, "lab/nodes/node2") },
  ],
  vip: "127.9.9.100",
  httpPort: 8080,
  pcsdPort: 2224,
  password: "x",
  net: "127.9.9",
  createdAt: "2026-01-01T00:00:00Z",
};

async function run(argv: string[]) {
  const cap = captureIO({ env: {}, cwd: base });
  try {
    const code = await labCommand(argv, cap.io);
    return { code, out: cap.stdout, err: "" };
  } catch (e) {
    assert.ok(e instanceof TandemError, String(e));
    return { code: e.exitCode, out: cap.stdout, err: e.message, codeName: e.code };
  }
}

describe("tandem lab command line", () => {
  after(() => rmSync(base, { recursive: true, force: true }));

  it("usage and unknown things", async () => {
    assert.equal((await run([])).code, 1);
    assert.match((await run(["help"])).out, /tandem lab COMMAND/);
    const u = await run(["frob"]);
    assert.equal(u.code, 2);
    assert.match(u.err, /unknown command 'frob'/);
    assert.match((await run(["up", "--mode", "x"])).err, /--mode must be one of loopback, netns: got 'x'/);
    assert.match((await run(["up", "--nodes", "0"])).err, /--nodes must be a positive integer/);
    assert.match((await run(["up", "--bogus"])).err, /unknown option '--bogus'/);
    assert.match((await run(["status", "--dir"])).err, /option --dir needs a value/);
  });

  it("commands on a missing lab say so", async () => {
    for (const argv of [["status"], ["exec", "node1", "--", "true"], ["failover"], ["down"]]) {
      const r = await run([...argv, "--dir", join(base, "nolab")]);
      assert.equal(r.code, 1, argv.join(" "));
      assert.match(r.err, /no lab in /);
    }
  });

  it("unknown nodes, faults and link arguments are refused before anything runs", async () => {
    const d = lab.dir;
    rmSync(d, { recursive: true, force: true });
    const { mkdirSync } = await import("node:fs");
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, "lab.json"), JSON.stringify(lab));
    assert.match(
      (await run(["fault", "node9", "stop", "--dir", d])).err,
      /unknown node 'node9': this lab has node1, node2/,
    );
    const bad = await run(["fault", "node1", "explode", "--dir", d]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /unknown fault 'explode'/);
    assert.match((await run(["fault", "node1", "resource-fail", "--dir", d])).err, /resource-fail RSC/);
    assert.match(
      (await run(["link", "node1", "loss", "150", "--dir", d])).err,
      /loss must be a percentage 0..100: got '150'/,
    );
    assert.match(
      (await run(["link", "node1", "jitter", "--dir", d])).err,
      /use loss PCT, delay MS, down or up/,
    );
    assert.match(
      (await run(["failover", "--fault", "melt", "--dir", d])).err,
      /--fault must be one of stop, kill, freeze, isolate, resource-fail/,
    );
    assert.match((await run(["exec", "node1", "--dir", d])).err, /no command given/);
  });
});

describe("failover report", () => {
  it("is one self-contained HTML file with a timeline per run", () => {
    const t = 1_700_000_000_000;
    const samples = [
      { t0: t - 100, t1: t - 95, ok: true, node: "node1" },
      { t0: t + 20, t1: t + 25, ok: true, node: "node1" },
      { t0: t + 40, t1: t + 41, ok: false, error: "ECONNREFUSED" },
      { t0: t + 60, t1: t + 70, ok: true, node: "node2" },
    ];
    const res: FailoverResult = {
      fault: "kill",
      url: "http://127.9.9.100:8080/",
      runs: [
        {
          fault: "kill",
          from: "node1",
          to: "node2",
          gapMs: 45,
          doubleAnswers: 0,
          failedRequests: 1,
          tFault: t,
          lastOldEnd: t + 25,
          firstNewEnd: t + 70,
          faultOutput: "",
          samples,
          events: [{ t: t + 30, node: "node2", text: "tandemd: <node node1 left>" }],
          split: {
            agentsMs: 30,
            idleMs: 15,
            idle: [],
            from: t + 25,
            to: t + 70,
            actions: [{ node: "node2", rsc: "virtual_ip", op: "start", t0: t + 35, t1: t + 65, rc: "ok" }],
          },
        },
      ],
    };
    const html = renderReport(lab, res);
    assert.match(html, /^<!doctype html>/);
    assert.equal((html.match(/<svg /g) ?? []).length, 1);
    assert.match(html, /gap 0\.045 s/);
    assert.ok(html.includes("&lt;node node1 left&gt;"), "event text escaped");
    // The gap step by step in the table.
    assert.ok(html.includes("+10 start virtual_ip@node2 30 | +5"), "steps");
    assert.ok(!/<script|src=|href=|url\(/.test(html));
    // Requests coloured by the node that answered: two colours plus the failure's.
    assert.ok(html.includes("#2f7ed8") && html.includes("#e4572e") && html.includes("#c0392b"));
  });
});
