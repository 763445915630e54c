// What crm_verify learns by scheduling a CIB that has a status section: the
// warnings Pacemaker's scheduler prints about the cluster's state (nodes to
// fence or that cannot be fenced, active orphans, lack of quorum, migration
// thresholds reached), in Pacemaker 2.1.5's wording. Some of them count as
// configuration warnings (exit status 78), some are only printed, as there.

import { unpackCib } from "../cib/unpack.js";
import type { PacemakerWording } from "../cib/validate.js";
import type { XmlElement } from "../core/xml.js";
import { schedule } from "../scheduler/index.js";

export interface StatusNote {
  /** Counts as a configuration warning (makes crm_verify exit 78). */
  counts: boolean;
  pacemaker: PacemakerWording;
}

function warning(fn: string, text: string, counts: boolean): StatusNote {
  return { counts, pacemaker: { form: "log", fn, level: "warning", text } };
}

// What the scheduler does about a resource active on several nodes (multiple-active).
const RECOVERY_TEXT: Record<string, string> = {
  stop_start: "attempting recovery",
  stop_only: "shutting it down",
  block: "waiting for an administrator",
  stop_unexpected: "stopping unexpected instances",
};

/**
 * Runs the scheduler on a structurally valid CIB and returns its warnings.
 * Throws whatever the scheduler throws (the caller decides what that means).
 */
export function statusNotes(root: XmlElement): StatusNote[] {
  const t = schedule(unpackCib(root));
  const { ws } = t;
  const notes: StatusNote[] = [];
  if (!ws.options.haveQuorum && ws.options.noQuorumPolicy !== "ignore")
    notes.push(
      warning("cluster_status", "Fencing and resource management disabled due to lack of quorum", false),
    );
  for (const r of ws.resources.concat(ws.primitives)) {
    if (!r.orphan || !r.managed) continue;
    for (const node of r.runningOn)
      notes.push(warning("process_rsc_state", `Detected active orphan ${r.id} running on ${node}`, true));
  }
  for (const r of ws.primitives) {
    if (r.migrationThreshold <= 0) continue;
    for (const h of r.history.values())
      if (h.failCount > 0 && h.failCount >= r.migrationThreshold)
        notes.push(
          warning(
            "pcmk__threshold_reached",
            `${r.id} cannot run on ${h.node} due to reaching migration threshold (clean up resource to allow again)| failures=${h.failCount} migration-threshold=${r.migrationThreshold}`,
            false,
          ),
        );
  }
  for (const r of ws.primitives) {
    // A resource that does not need fencing is not considered active on unclean nodes.
    const requires = r.meta.requires ?? (ws.options.stonithEnabled && !r.isStonith ? "fencing" : "quorum");
    const needsFencing = requires === "fencing" || requires === "unfencing";
    const nodes = [...new Set(r.runningOn)]; // two history entries may name the same node
    const clean = nodes.filter((n) => !ws.nodeByName.get(n)?.unclean).length;
    if ((needsFencing ? nodes.length : clean) < 2) continue;
    const how =
      RECOVERY_TEXT[(r.meta["multiple-active"] ?? "stop_start").toLowerCase()] ?? RECOVERY_TEXT.stop_start;
    notes.push({
      counts: false,
      pacemaker: {
        form: "log",
        fn: "pcmk__primitive_create_actions",
        level: "error",
        text: `${r.agent?.class ?? "Untyped"} resource ${r.id} might be active on ${nodes.length} nodes (${how})`,
      },
    });
    notes.push({
      counts: false,
      pacemaker: {
        form: "log",
        fn: "pcmk__primitive_create_actions",
        level: "notice",
        text: "See https://wiki.clusterlabs.org/wiki/FAQ#Resource_is_Too_Active for more information",
      },
    });
  }
  const fenced = new Set<string>();
  for (const a of t.actions.fencing) {
    if (!a.node) continue;
    fenced.add(a.node);
    // Pacemaker names the cause only when something happened (a failure, a lost peer),
    // not for a node that was already unclean.
    if (a.reason && a.reason !== "node is unclean")
      notes.push(warning("pe_fence_node", `Cluster node ${a.node} will be fenced: ${a.reason}`, false));
    notes.push(warning("schedule_fencing", `Scheduling node ${a.node} for fencing`, true));
  }
  for (const n of ws.nodes)
    if (n.unclean && !fenced.has(n.uname))
      notes.push(
        warning("schedule_fencing_and_shutdowns", `Node ${n.uname} is unclean but cannot be fenced`, true),
      );
  // The same orphan can be listed at top level and among the primitives.
  const seen = new Set<string>();
  return notes.filter((n) => {
    const k = `${n.pacemaker.fn}\0${n.pacemaker.text}`;
    if (seen.has(k) && !n.pacemaker.text.startsWith("See ")) return false;
    seen.add(k);
    return true;
  });
}
