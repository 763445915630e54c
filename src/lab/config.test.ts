// nodeEnv: what every process "on" a lab node starts with.

import assert from "node:assert/strict";
import test from "node:test";
import { type LabConfig, type LabNode, nodeEnv } from "./config.js";

function lab(n: number): LabConfig {
  const nodes = Array.from({ length: n }, (_, i) => ({
    name: `node${i + 1}`,
    address: `127.30.1.${10 + i}`,
    root: `/tmp/lab/nodes/node${i + 1}`,
  })) as LabNode[];
  return {
    format: 1,
    dir: "/tmp/lab",
    mode: "loopback",
    scenario: "tutorial",
    fencing: false,
    clusterName: "cluster_web",
    nodes,
    vip: "127.30.1.100",
    httpPort: 8080,
    pcsdPort: 2224,
    password: "x",
    net: "127.30.1",
    createdAt: "now",
  };
}

test("the user's TANDEM_/OCF_ variables do not leak in; the node's own are set", () => {
  const l = lab(2);
  const env = nodeEnv(l, l.nodes[1], { PATH: "/usr/bin", TANDEM_ROOT: "/elsewhere", OCF_ROOT: "/x" });
  assert.equal(env.TANDEM_ROOT, l.nodes[1].root);
  assert.equal(env.TANDEM_NODE_NAME, "node2");
  assert.equal(env.OCF_ROOT, undefined);
  assert.ok(env.PATH.split(":").includes("/usr/sbin"));
});

test("scheduling: real-time default up to 8 nodes, normal above, TANDEM_SCHEDULING wins", () => {
  const small = lab(8);
  assert.equal(nodeEnv(small, small.nodes[0], {}).TANDEM_SCHEDULING, undefined);
  const big = lab(9);
  assert.equal(nodeEnv(big, big.nodes[0], {}).TANDEM_SCHEDULING, "normal");
  assert.equal(nodeEnv(big, big.nodes[0], { TANDEM_SCHEDULING: "rr" }).TANDEM_SCHEDULING, "rr");
  assert.equal(nodeEnv(small, small.nodes[0], { TANDEM_SCHEDULING: "normal" }).TANDEM_SCHEDULING, "normal");
});
