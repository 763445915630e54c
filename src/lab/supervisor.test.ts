// The lab supervisor's fence decisions, without a running lab: a request whose origin
// node is cut off is refused even when nothing of that node is left running (the fence
// race of an isolated two-node cluster, where the winner's fence may already have killed
// the loser's fence_tandem when the loser's request is read).

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { LabConfig } from "./config.js";
import { handle } from "./supervisor.js";

function lab(dir: string): LabConfig {
  return {
    format: 1,
    dir,
    mode: "loopback",
    scenario: "dummy",
    fencing: true,
    clusterName: "t",
    nodes: ["node1", "node2"].map((name, i) => ({
      name,
      address: `127.250.250.${10 + i}`,
      root: join(dir, "nodes", name),
    })),
    vip: "127.250.250.100",
    httpPort: 8080,
    pcsdPort: 2224,
    password: "x",
    net: "127.250.250",
    createdAt: new Date(0).toISOString(),
  };
}

test("supervisor: a fence asked from a cut-off node is refused by its origin, with no process of it left", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "tandem-supervisor-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const l = lab(dir);
  writeFileSync(join(dir, "isolated.json"), JSON.stringify(["node1"]));
  const logs: string[] = [];
  const from = `${l.nodes[0].root}/`; // the same directory, spelled with a trailing slash
  const r = (await handle(l, { v: 1, op: "fence", action: "reboot", node: "node2", from }, (x) =>
    logs.push(x),
  )) as {
    ok: boolean;
    error?: string;
  };
  assert.equal(r.ok, false);
  assert.match(r.error ?? "", /unreachable from node1 \(isolated\)/);
  assert.match(logs.join("\n"), /refused reboot of node2: requested from node1, which is cut off/);
  // The other direction is not refused: node2 is not cut off (status: no power action taken).
  const s = (await handle(
    l,
    { v: 1, op: "fence", action: "status", node: "node1", from: l.nodes[1].root },
    () => {},
  )) as {
    ok: boolean;
    power?: string;
  };
  assert.deepEqual(s, { ok: true, power: "off" });
});
