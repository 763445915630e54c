// Named cluster states for the dashboard's mocked-backend tests (and for trying the page
// without a cluster): states that are slow or hard to produce on a live cluster — an
// offline node, a failed resource with fail counts, a group and a clone, maintenance, no
// cluster at all. Each is a ClusterSnapshot as pcsd would send it.

import type { ClusterSnapshot, NodeView, ResourceView } from "./snapshot.js";

function node(name: string, id: string, state: NodeView["state"], extra: Partial<NodeView> = {}): NodeView {
  return {
    name,
    id,
    state,
    online: state !== "offline",
    standby: state === "standby",
    maintenance: state === "maintenance",
    dc: false,
    resources: [],
    ...extra,
  };
}

function rsc(id: string, runningOn: string[], extra: Partial<ResourceView> = {}): ResourceView {
  return {
    id,
    agent: "ocf:tandem:Dummy",
    parent: null,
    parentKind: null,
    runningOn,
    role: runningOn.length > 0 ? "Started" : "Stopped",
    disabled: false,
    managed: true,
    stonith: false,
    failures: [],
    ...extra,
  };
}

const base = {
  node: "node1",
  running: true,
  message: null,
  clusterName: "cluster_web",
  quorate: true,
  updated: Date.UTC(2026, 0, 1, 12, 0, 0),
  properties: [
    { name: "stonith-enabled", value: "false" },
    { name: "no-quorum-policy", value: "ignore" },
  ],
};

export const scenarios: Record<string, ClusterSnapshot> = {
  /** Three nodes: one offline, one in maintenance; a failed resource, a group, a clone, a move constraint. */
  troubled: {
    ...base,
    dc: "node1",
    nodes: [
      node("node1", "1", "online", { dc: true, resources: ["web-ip", "web-server", "ping:0"] }),
      node("node2", "2", "maintenance", { resources: ["ping:1"] }),
      node("node3", "3", "offline"),
    ],
    resources: [
      rsc("web-ip", ["node1"], { agent: "ocf:heartbeat:IPaddr2", parent: "web", parentKind: "group" }),
      rsc("web-server", ["node1"], {
        agent: "ocf:heartbeat:apache",
        parent: "web",
        parentKind: "group",
        role: "FAILED",
        failures: [{ node: "node1", count: 2, failed: true }],
      }),
      rsc("ping:0", ["node1"], { agent: "ocf:pacemaker:ping", parent: "ping-clone", parentKind: "clone" }),
      rsc("ping:1", ["node2"], { agent: "ocf:pacemaker:ping", parent: "ping-clone", parentKind: "clone" }),
      rsc("backup", [], { disabled: true }),
    ],
    constraints: [
      { id: "cli-prefer-web", type: "location", text: "web prefers node1 (score:INFINITY)", cli: true },
      {
        id: "order-ping-clone-web-mandatory",
        type: "order",
        text: "start ping-clone then start web (kind:Mandatory)",
        cli: false,
      },
    ],
  },
  /** The cluster is not running on this node. */
  stopped: {
    ...base,
    running: false,
    message: "the cluster is not running on node1 (start it with 'pcs cluster start')",
    dc: null,
    quorate: false,
    nodes: [],
    resources: [],
    constraints: [],
    properties: [],
  },
  /** A partition without quorum, with an unclean node. */
  noQuorum: {
    ...base,
    quorate: false,
    dc: "node1",
    nodes: [node("node1", "1", "online", { dc: true }), node("node2", "2", "unclean", { online: false })],
    resources: [rsc("d1", [])],
    constraints: [],
  },
};
