// The data-test marks of the dashboard's pages (src/pcsd/web/static/): what tests locate
// elements by, instead of text or CSS structure. A unit test checks each one still appears
// in the front end, so a renamed mark fails there first.

export const marks = {
  loginForm: "login-form",
  loginUsername: "login-username",
  loginPassword: "login-password",
  loginSubmit: "login-submit",
  loginError: "login-error",
  clusterName: "cluster-name",
  connection: "connection",
  clusterMessage: "cluster-message",
  dc: "dc",
  quorum: "quorum",
  updated: "updated",
  logout: "logout",
  actionResult: "action-result",
  actionOutput: "action-output",
  /** Rows of the nodes table: data-node=NAME, data-state=online|offline|standby|maintenance|... */
  node: "node",
  nodeState: "node-state",
  nodeDc: "node-dc",
  nodeResources: "node-resources",
  nodeStandby: "node-standby",
  nodeUnstandby: "node-unstandby",
  nodeMaintenance: "node-maintenance",
  nodeUnmaintenance: "node-unmaintenance",
  /** Rows of the resources table: data-resource=ID, data-role=Started|Stopped|FAILED|Starting. */
  resource: "resource",
  resourceRole: "resource-role",
  resourceNodes: "resource-nodes",
  resourceFailures: "resource-failures",
  resourceEnable: "resource-enable",
  resourceDisable: "resource-disable",
  resourceMoveTarget: "resource-move-target",
  resourceMove: "resource-move",
  resourceClear: "resource-clear",
  resourceCleanup: "resource-cleanup",
  constraint: "constraint",
  property: "property",
} as const;

/** `[data-test="…"]` selector of a mark. */
export function sel(mark: keyof typeof marks): string {
  return `[data-test="${marks[mark]}"]`;
}
