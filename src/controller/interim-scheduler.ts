// An interim placement for the controller while src/scheduler (the real
// Pacemaker-semantics policy engine) is being built: pure, small and
// predictable, and honest about what it ignores. It covers:
//  - probes (monitor, interval 0, expected rc 7) of every primitive on every
//    online node without history for it, before anything else is decided;
//  - one instance per primitive, on the lowest-id eligible node, sticky to
//    where it runs; eligible = online, not standby, no `shutdown` attribute (graceful stop),
//    no fail count for that resource, not banned by an rsc_location -INFINITY;
//  - target-role=Stopped stops it; a failed resource is stopped, then started
//    elsewhere (fail count makes its node ineligible);
//  - with stonith-enabled=true, a lost node (not shut down cleanly) that ran
//    anything is fenced, and starts of its resources wait for the fence;
//  - start/stop/monitor timeouts and the monitor interval from <operations>.
// It ignores colocation, ordering, groups, clones, scores other than
// ±INFINITY, utilization and quorum policy: the daemon switches to the real
// scheduler as soon as it exists (see docs/daemon.md).

import { parseDurationMs } from "../core/duration.js";
import { child, elements, type XmlElement } from "../core/xml.js";
import type { GraphAction, TransitionGraph } from "./types.js";

function nvpairs(parent: XmlElement | undefined, setName: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const set of parent ? elements(parent, setName) : [])
    for (const p of elements(set, "nvpair")) out[p.attrs.name] = p.attrs.value;
  return out;
}

function opOf(p: XmlElement, name: string): { intervalMs: number; timeoutMs: number } | undefined {
  const ops = child(p, "operations");
  const op =
    ops &&
    elements(ops, "op").find(
      (o) => o.attrs.name === name && (name !== "monitor" || (parseDurationMs(o.attrs.interval) ?? 0) > 0),
    );
  if (!op) return undefined;
  return {
    intervalMs: parseDurationMs(op.attrs.interval) ?? 0,
    timeoutMs: parseDurationMs(op.attrs.timeout) ?? 20_000,
  };
}

export function interimScheduler(cib: XmlElement): TransitionGraph {
  const conf = child(cib, "configuration");
  const status = child(cib, "status");
  if (!conf) return { actions: [] };
  const props = nvpairs(child(conf, "crm_config"), "cluster_property_set");
  const stonith = (props["stonith-enabled"] ?? "false") === "true";
  const nodesEl = child(conf, "nodes");
  const unames = (nodesEl ? elements(nodesEl, "node") : []).map((n) => n.attrs.uname ?? n.attrs.id);
  const states = new Map(
    (status ? elements(status, "node_state") : []).map((n) => [n.attrs.uname ?? n.attrs.id, n]),
  );
  const online = (u: string) => {
    const s = states.get(u);
    return s?.attrs.crmd === "online" && s.attrs.in_ccm === "true" && s.attrs.join === "member";
  };
  const transient = (u: string) => {
    const s = states.get(u);
    return nvpairs(s && child(s, "transient_attributes"), "instance_attributes");
  };
  const permanent = (u: string) => {
    const n = nodesEl && elements(nodesEl, "node").find((x) => (x.attrs.uname ?? x.attrs.id) === u);
    return nvpairs(n, "instance_attributes");
  };
  const standby = (u: string) =>
    /^(on|true|yes|1)$/i.test(transient(u).standby ?? permanent(u).standby ?? "off");
  const bans = new Set<string>();
  const cons = child(conf, "constraints");
  for (const l of cons ? elements(cons, "rsc_location") : [])
    if (/^-(INFINITY|inf)$/i.test(l.attrs.score ?? "") && l.attrs.node)
      bans.add(`${l.attrs.rsc}@${l.attrs.node}`);

  const actions: GraphAction[] = [];
  const add = (a: Omit<GraphAction, "id">): number => {
    const id = actions.length + 1;
    actions.push({ ...a, id });
    return id;
  };
  const fenceOf = new Map<string, number>();
  if (stonith)
    for (const u of unames) {
      const s = states.get(u);
      if (!s || online(u) || s.attrs.expected === "down") continue;
      const lrm = child(s, "lrm");
      const rscs = lrm && child(lrm, "lrm_resources");
      const ranSomething = (rscs ? elements(rscs, "lrm_resource") : []).some((r) =>
        elements(r, "lrm_rsc_op").some((o) => o.attrs["rc-code"] === "0" && o.attrs.operation !== "stop"),
      );
      if (ranSomething)
        fenceOf.set(
          u,
          add({ kind: "fence", task: "reboot", node: u, intervalMs: 0, timeoutMs: 60_000, deps: [] }),
        );
    }

  const res = child(conf, "resources");
  for (const p of res ? elements(res, "primitive") : []) {
    if (p.attrs.class === "stonith") continue; // devices are used by the fencer directly
    const id = p.attrs.id;
    const rsc = {
      id,
      agent: {
        class: p.attrs.class,
        ...(p.attrs.provider ? { provider: p.attrs.provider } : {}),
        type: p.attrs.type,
      },
      params: nvpairs(p, "instance_attributes"),
    };
    const meta = nvpairs(p, "meta_attributes");
    const stopT = opOf(p, "stop")?.timeoutMs ?? 20_000;
    const startT = opOf(p, "start")?.timeoutMs ?? 20_000;
    const mon = opOf(p, "monitor");
    const state = new Map<string, "active" | "stopped" | "failed">();
    const probes: number[] = [];
    for (const u of unames) {
      const s = states.get(u);
      const lrm = s && child(s, "lrm");
      const rscs = lrm && child(lrm, "lrm_resources");
      const lr = rscs && elements(rscs, "lrm_resource").find((r) => r.attrs.id === id);
      const last = lr && elements(lr, "lrm_rsc_op").find((o) => o.attrs.id === `${id}_last_0`);
      if (last) {
        const rc = last.attrs["rc-code"];
        const ok = last.attrs["op-status"] === "0";
        const opn = last.attrs.operation;
        state.set(
          u,
          !ok
            ? "failed"
            : opn === "stop"
              ? rc === "0"
                ? "stopped"
                : "failed"
              : rc === "0"
                ? "active"
                : rc === "7"
                  ? "stopped"
                  : "failed",
        );
        const monFail =
          lr &&
          elements(lr, "lrm_rsc_op").find(
            (o) =>
              o.attrs.id === `${id}_last_failure_0` &&
              o.attrs.operation === "monitor" &&
              Number(o.attrs.interval) > 0,
          );
        if (
          monFail &&
          state.get(u) === "active" &&
          Number(monFail.attrs["call-id"]) >= Number(last.attrs["call-id"])
        )
          state.set(u, "failed");
      } else if (online(u))
        probes.push(
          add({
            kind: "rsc",
            task: "monitor",
            node: u,
            rsc,
            intervalMs: 0,
            timeoutMs: 20_000,
            targetRc: 7,
            deps: [],
          }),
        );
    }
    if (probes.length > 0) continue; // decide once every node has told what it runs
    const wantStopped = (meta["target-role"] ?? "Started") === "Stopped";
    const eligible = unames.filter(
      (u) =>
        online(u) &&
        !("shutdown" in transient(u)) &&
        !standby(u) &&
        !Object.keys(transient(u)).some((k) => k.startsWith(`fail-count-${id}#`)) &&
        !bans.has(`${id}@${u}`),
    );
    const onlineActive = unames.filter(
      (u) => online(u) && (state.get(u) === "active" || state.get(u) === "failed"),
    );
    const lostActive = unames.filter(
      (u) => !online(u) && state.get(u) === "active" && states.get(u)?.attrs.expected !== "down",
    );
    const sticky = onlineActive.find((u) => state.get(u) === "active" && eligible.includes(u));
    const target = wantStopped ? undefined : (sticky ?? eligible[0]);
    const stops: number[] = [];
    for (const u of onlineActive)
      if (u !== target || state.get(u) === "failed")
        stops.push(
          add({ kind: "rsc", task: "stop", node: u, rsc, intervalMs: 0, timeoutMs: stopT, deps: [] }),
        );
    const fenceDeps = lostActive.map((u) => fenceOf.get(u)).filter((x): x is number => x !== undefined);
    const needsStart = target !== undefined && (sticky !== target || state.get(target) === "failed");
    if (target !== undefined && needsStart) {
      const start = add({
        kind: "rsc",
        task: "start",
        node: target,
        rsc,
        intervalMs: 0,
        timeoutMs: startT,
        deps: [...stops, ...fenceDeps],
      });
      if (mon)
        add({
          kind: "rsc",
          task: "monitor",
          node: target,
          rsc,
          intervalMs: mon.intervalMs,
          timeoutMs: mon.timeoutMs,
          deps: [start],
        });
    }
  }
  return { actions };
}
