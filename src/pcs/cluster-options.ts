// Pacemaker 2.1.5's cluster options (crm_config): name, type, default, allowed values.
// pcs validates `pcs property set` against this list and prints defaults from it.
// Read-only ones (set by the cluster itself) are listed separately.

export type OptionType = "boolean" | "integer" | "time" | "select" | "percentage" | "score" | "nonnegative";

export interface ClusterOption {
  name: string;
  type: OptionType;
  default: string;
  /** Allowed values of a "select" option. */
  values?: string[];
  description: string;
}

const o = (
  name: string,
  type: OptionType,
  def: string,
  description: string,
  values?: string[],
): ClusterOption => ({
  name,
  type,
  default: def,
  description,
  values,
});

export const CLUSTER_OPTIONS: ClusterOption[] = [
  o(
    "batch-limit",
    "integer",
    "0",
    "Maximum number of jobs that the cluster may execute in parallel across all nodes",
  ),
  o("cluster-delay", "time", "60s", "Maximum time for node-to-node communication"),
  o(
    "cluster-ipc-limit",
    "nonnegative",
    "500",
    "Maximum IPC message backlog before disconnecting a cluster daemon",
  ),
  o(
    "cluster-recheck-interval",
    "time",
    "15min",
    "Polling interval to recheck cluster state and evaluate rules with date specifications",
  ),
  o("concurrent-fencing", "boolean", "false", "Allow performing fencing operations in parallel"),
  o("dc-deadtime", "time", "20s", "How long to wait for a response from other nodes during start-up"),
  o(
    "election-timeout",
    "time",
    "2min",
    "Declare an election failed if it is not decided within this much time",
  ),
  o("enable-acl", "boolean", "false", "Enable Access Control Lists (ACLs) for the CIB"),
  o(
    "enable-startup-probes",
    "boolean",
    "true",
    "Whether the cluster should check for active resources during start-up",
  ),
  o("fence-reaction", "select", "stop", "How a cluster node should react if notified of its own fencing", [
    "stop",
    "panic",
  ]),
  o(
    "join-finalization-timeout",
    "time",
    "30min",
    "How long to wait for a node that has joined the cluster to finalize",
  ),
  o(
    "join-integration-timeout",
    "time",
    "3min",
    "How long to wait for a node that has joined the cluster to integrate",
  ),
  o(
    "load-threshold",
    "percentage",
    "80%",
    "Maximum amount of system load that should be used by cluster nodes",
  ),
  o(
    "maintenance-mode",
    "boolean",
    "false",
    "Whether the cluster should refrain from monitoring, starting, and stopping resources",
  ),
  o(
    "migration-limit",
    "integer",
    "-1",
    "The number of live migration actions that the cluster is allowed to execute in parallel on a node (-1 means no limit)",
  ),
  o("no-quorum-policy", "select", "stop", "What to do when the cluster does not have quorum", [
    "stop",
    "freeze",
    "ignore",
    "demote",
    "suicide",
  ]),
  o(
    "node-action-limit",
    "integer",
    "0",
    "Maximum number of jobs that can be scheduled per node (defaults to 2x cores)",
  ),
  o("node-health-base", "score", "0", "Base health score assigned to a node"),
  o("node-health-green", "score", "0", 'The score to use for a node health attribute whose value is "green"'),
  o(
    "node-health-red",
    "score",
    "-INFINITY",
    'The score to use for a node health attribute whose value is "red"',
  ),
  o("node-health-strategy", "select", "none", "How cluster should react to node health attributes", [
    "none",
    "migrate-on-red",
    "only-green",
    "progressive",
    "custom",
  ]),
  o(
    "node-health-yellow",
    "score",
    "0",
    'The score to use for a node health attribute whose value is "yellow"',
  ),
  o("pe-error-series-max", "integer", "-1", "The number of scheduler inputs resulting in errors to save"),
  o(
    "pe-input-series-max",
    "integer",
    "4000",
    "The number of scheduler inputs without errors or warnings to save",
  ),
  o("pe-warn-series-max", "integer", "5000", "The number of scheduler inputs resulting in warnings to save"),
  o("placement-strategy", "select", "default", "How the cluster should allocate resources to nodes", [
    "default",
    "utilization",
    "minimal",
    "balanced",
  ]),
  o(
    "priority-fencing-delay",
    "time",
    "0",
    "Apply fencing delay targeting the lost nodes with the highest total resource priority",
  ),
  o(
    "remove-after-stop",
    "boolean",
    "false",
    "Whether to remove stopped resources from the executor (deprecated)",
  ),
  o("shutdown-escalation", "time", "20min", "How long to wait for a graceful shutdown before escalating"),
  o("shutdown-lock", "boolean", "false", "Whether to lock resources to a cleanly shut down node"),
  o("shutdown-lock-limit", "time", "0", "Do not lock resources to a cleanly shut down node longer than this"),
  o(
    "start-failure-is-fatal",
    "boolean",
    "true",
    "Whether a start failure should prevent a resource from being recovered on the same node",
  ),
  o("startup-fencing", "boolean", "true", "Whether to fence unseen nodes at start-up"),
  o("stonith-action", "select", "reboot", "Action to send to fence device when a node needs to be fenced", [
    "reboot",
    "off",
    "poweroff",
  ]),
  o("stonith-enabled", "boolean", "true", "Whether nodes may be fenced as part of recovery"),
  o(
    "stonith-max-attempts",
    "integer",
    "10",
    "How many times fencing can fail before it will no longer be immediately re-attempted on a target",
  ),
  o(
    "stonith-timeout",
    "time",
    "60s",
    "How long to wait for on, off, and reboot fence actions to complete by default",
  ),
  o(
    "stonith-watchdog-timeout",
    "time",
    "0",
    "How long before nodes can be assumed to be safely down when watchdog-based self-fencing via SBD is in use",
  ),
  o("stop-all-resources", "boolean", "false", "Whether the cluster should stop all active resources"),
  o(
    "stop-orphan-actions",
    "boolean",
    "true",
    "Whether to cancel recurring actions removed from the configuration",
  ),
  o(
    "stop-orphan-resources",
    "boolean",
    "true",
    "Whether to stop resources that were removed from the configuration",
  ),
  o("symmetric-cluster", "boolean", "true", "Whether resources can run on any node by default"),
  o(
    "transition-delay",
    "time",
    "0s",
    "Enabling this option will slow down cluster recovery under all conditions",
  ),
];

/** Set by the cluster itself; shown by `property config` but not settable. */
export const READONLY_OPTIONS = [
  "cluster-infrastructure",
  "cluster-name",
  "dc-version",
  "have-watchdog",
  "last-lrm-refresh",
];

export const BOOLEAN_VALUES = ["0", "1", "false", "n", "no", "off", "on", "true", "y", "yes"];

export function isPacemakerBoolean(v: string): boolean {
  return BOOLEAN_VALUES.includes(v.toLowerCase());
}

/** Pacemaker's time interval syntax: a number with an optional unit, or an ISO 8601 duration. */
export function isTimeInterval(v: string): boolean {
  return (
    /^\s*\d+\s*(ms|msec|us|usec|s|sec|m|min|h|hr)?\s*$/i.test(v) ||
    /^P(?=\w)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?$/.test(v)
  );
}

/** Returns the pcs error text when `value` is not valid for the option, else undefined. */
export function invalidValueMessage(opt: ClusterOption, value: string): string | undefined {
  const head = `'${value}' is not a valid ${opt.name} value, use`;
  switch (opt.type) {
    case "boolean":
      return isPacemakerBoolean(value)
        ? undefined
        : `${head} a pacemaker boolean value: ${BOOLEAN_VALUES.map((b) => `'${b}'`).join(", ")}`;
    // Pacemaker "integer" options take scores too; pcs words them the same.
    case "integer":
    case "nonnegative":
    case "score":
      return /^([+-]?\d+|[+-]?INFINITY)$/i.test(value)
        ? undefined
        : `${head} an integer or INFINITY or -INFINITY`;
    case "time":
      return isTimeInterval(value) ? undefined : `${head} time interval (e.g. 1, 2s, 3m, 4h, ...)`;
    case "percentage":
      return /^\d+%$/.test(value)
        ? undefined
        : `${head} a non-negative integer followed by '%' (e.g. 0%, 50%, 200%, ...)`;
    case "select":
      return opt.values!.includes(value)
        ? undefined
        : `${head} ${[...opt.values!]
            .sort()
            .map((v) => `'${v}'`)
            .join(", ")}`;
  }
}
