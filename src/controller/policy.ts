// The controller's scheduler: src/scheduler (Pacemaker policy-engine
// semantics) on the live CIB, its transition graph translated into the
// controller's GraphAction list: agent actions with the resource's agent,
// instance parameters and timeouts; fencing; pseudo actions kept as ordering
// points (groups, clones, do_shutdown: a node that asked to shut down is let
// go by the DC once the cluster is idle, see controller.ts).

import { child, elements, type XmlElement } from "../core/xml.js";
import { resolveNvSets } from "../cib/rules.js";
import { unpackCib } from "../cib/unpack.js";
import { paramsDigest } from "../scheduler/digest.js";
import { schedule } from "../scheduler/index.js";
import { nextFailureExpiry, nextRuleChange } from "../scheduler/recheck.js";
import type { GraphAction, TransitionGraph } from "./types.js";

const DEFAULT_TIMEOUT_MS = 20_000;

export function policyScheduler(cibXml: XmlElement, nowMs: number): TransitionGraph {
  const cib = unpackCib(cibXml);
  const now = Math.floor(nowMs / 1000);
  const t = schedule(cib, { now });
  const stonithAction = t.ws.options.stonithAction === "off" ? "off" : "reboot";
  const actions: GraphAction[] = [];
  for (const ga of t.graph.actions) {
    const a = ga.action;
    const deps = ga.inputs;
    const base = { id: ga.id, deps, intervalMs: a.interval, timeoutMs: a.timeout ?? DEFAULT_TIMEOUT_MS };
    if (a.task === "stonith") {
      actions.push({
        ...base,
        kind: "fence",
        task: stonithAction,
        node: a.node,
        timeoutMs: a.timeout ?? 60_000,
      });
      continue;
    }
    const r = a.rsc;
    if (a.pseudo || !r || r.kind !== "primitive" || !r.agent || a.node === undefined) {
      actions.push({ ...base, kind: "pseudo", task: a.task, ...(a.node ? { node: a.node } : {}) });
      continue;
    }
    const def = r.def && r.def.kind === "primitive" ? r.def : undefined;
    const nodeAttrs = t.ws.nodeByName.get(a.node)?.attrs;
    const params = def ? resolveNvSets(def.instance, { nodeAttrs, now }) : {};
    // Recorded with the result, so the next run compares like with like (see scheduler/digest.ts).
    const digest = paramsDigest(params);
    const op =
      def?.operations.find((o) => o.name === a.task && o.interval === a.interval) ??
      def?.operations.find((o) => o.name === a.task);
    if (op?.instance.length) resolveNvSets(op.instance, { now }, undefined, params);
    // Anonymous clone instances share one history under the configured id, as in Pacemaker.
    const clone =
      r.parent?.kind === "clone"
        ? r.parent
        : r.parent?.parent?.kind === "clone"
          ? r.parent.parent
          : undefined;
    const rscId = clone && !clone.unique ? r.configId : r.id;
    const meta: Record<string, string> = {};
    if (clone) {
      if (clone.cloneMax !== undefined) meta.clone_max = String(clone.cloneMax);
      if (clone.cloneNodeMax !== undefined) meta.clone_node_max = String(clone.cloneNodeMax);
      meta.globally_unique = clone.unique ? "true" : "false";
    }
    actions.push({
      ...base,
      kind: "rsc",
      task: a.task,
      node: a.node,
      timeoutMs: a.timeout ?? op?.timeout ?? DEFAULT_TIMEOUT_MS,
      targetRc: a.probe ? 7 : 0,
      rsc: {
        id: rscId,
        agent: {
          class: r.agent.class,
          ...(r.agent.provider ? { provider: r.agent.provider } : {}),
          type: r.agent.type,
        },
        params,
        digest,
        ...(Object.keys(meta).length > 0 ? { meta } : {}),
      },
    });
  }
  orderStartsAfterFencing(cibXml, actions);
  // A partition without quorum may not fence (Pacemaker's pe_can_fence): two halves that each
  // think the other is gone would shoot each other. What depends on such a fence waits too.
  const quorumOk = t.ws.options.haveQuorum || t.ws.options.noQuorumPolicy === "ignore";
  const changes = [nextRuleChange(cib, now), nextFailureExpiry(t.ws, now)].filter((c) => c !== undefined);
  const change = changes.length > 0 ? Math.min(...changes) : undefined;
  return {
    actions: quorumOk ? actions : withoutFencing(actions),
    ...(change !== undefined ? { recheckAtMs: change * 1000 } : {}),
  };
}

function withoutFencing(actions: GraphAction[]): GraphAction[] {
  const dropped = new Set(actions.filter((a) => a.kind === "fence").map((a) => a.id));
  if (dropped.size === 0) return actions;
  for (let grew = true; grew; ) {
    grew = false;
    for (const a of actions)
      if (!dropped.has(a.id) && a.deps.some((d) => dropped.has(d))) {
        dropped.add(a.id);
        grew = true;
      }
  }
  return actions.filter((a) => !dropped.has(a.id));
}

/**
 * A start may not run before the fencing of a node where the resource's state is unknown
 * (no history there: the node was never seen, or the status that knew it was lost with the
 * nodes that held it). Whatever the graph says, such starts wait for that fence.
 */
function orderStartsAfterFencing(cibXml: XmlElement, actions: GraphAction[]): void {
  const fences = actions.filter((a) => a.kind === "fence" && a.node !== undefined);
  if (fences.length === 0) return;
  const status = child(cibXml, "status");
  const known = new Map<string, Set<string>>();
  for (const ns of status ? elements(status, "node_state") : []) {
    const lrm = child(ns, "lrm");
    const rscs = lrm && child(lrm, "lrm_resources");
    known.set(
      ns.attrs.uname ?? ns.attrs.id,
      new Set((rscs ? elements(rscs, "lrm_resource") : []).map((r) => r.attrs.id)),
    );
  }
  for (const a of actions) {
    if (a.kind !== "rsc" || !a.rsc || !["start", "promote", "migrate_from"].includes(a.task)) continue;
    for (const f of fences)
      if (!known.get(f.node!)?.has(a.rsc.id) && !a.deps.includes(f.id)) a.deps.push(f.id);
  }
}
