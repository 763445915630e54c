// The simulated graph executor (crm_simulate -S): "runs" every action of the
// transition by recording its result in a copy of the CIB's status section —
// starts and monitors succeed, probes find the resource not running, fenced
// nodes go down — and returns the new CIB document. Also the what-if
// injections (-u/-d/-f node changes, -i/-F operation results).

import type { Cib } from "../cib/model.js";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { child, cloneElement, el, elements, type XmlElement } from "../core/xml.js";
import { resolveNvSets } from "../cib/rules.js";
import type { Action } from "./actions.js";
import { paramsDigest } from "./digest.js";

class StatusEditor {
  readonly root: XmlElement;
  private status: XmlElement;
  private callIds = new Map<XmlElement, number>();

  constructor(private cib: Cib) {
    this.root = cloneElement(cib.xml);
    let st = child(this.root, "status");
    if (!st) {
      st = el("status");
      this.root.children.push(st);
    }
    this.status = st;
  }

  nodeId(uname: string): string {
    const n = this.cib.nodes.find((x) => x.uname === uname);
    if (!n) throw new TandemError(ErrorCodes.USAGE, `node '${uname}' is not in the configuration`);
    return n.id;
  }

  nodeState(uname: string): XmlElement {
    const id = this.nodeId(uname);
    let ns = elements(this.status, "node_state").find((e) => e.attrs.id === id);
    if (!ns) {
      ns = el("node_state", { id, uname });
      this.status.children.push(ns);
    }
    return ns;
  }

  setMembership(uname: string, up: boolean): void {
    const ns = this.nodeState(uname);
    if (up) Object.assign(ns.attrs, { in_ccm: "true", crmd: "online", join: "member", expected: "member" });
    else {
      Object.assign(ns.attrs, { in_ccm: "false", crmd: "offline", join: "down", expected: "down" });
      ns.children = ns.children.filter(
        (c) => !(c.type === "element" && (c.name === "lrm" || c.name === "transient_attributes")),
      );
    }
  }

  failNode(uname: string): void {
    // As crm_simulate --node-fail does: the node leaves the membership unexpectedly.
    const ns = this.nodeState(uname);
    Object.assign(ns.attrs, { in_ccm: "false" });
  }

  private lrmResources(ns: XmlElement): XmlElement {
    let lrm = child(ns, "lrm");
    if (!lrm) {
      lrm = el("lrm", { id: ns.attrs.id });
      ns.children.push(lrm);
    }
    let rs = child(lrm, "lrm_resources");
    if (!rs) {
      rs = el("lrm_resources");
      lrm.children.push(rs);
    }
    return rs;
  }

  private nextCallId(ns: XmlElement): number {
    let n = this.callIds.get(ns);
    if (n === undefined) {
      n = 0;
      for (const r of elements(this.lrmResources(ns), "lrm_resource"))
        for (const o of elements(r, "lrm_rsc_op"))
          n = Math.max(n, Number.parseInt(o.attrs["call-id"] ?? "0", 10) || 0);
    }
    n++;
    this.callIds.set(ns, n);
    return n;
  }

  recordOp(
    uname: string,
    rsc: { id: string; class?: string; provider?: string; type?: string },
    task: string,
    interval: number,
    rc: number,
    target: number,
    digest?: string,
  ): void {
    const ns = this.nodeState(uname);
    const rs = this.lrmResources(ns);
    let lr = elements(rs, "lrm_resource").find((e) => e.attrs.id === rsc.id);
    if (!lr) {
      const attrs: Record<string, string> = { id: rsc.id };
      if (rsc.class) attrs.class = rsc.class;
      if (rsc.provider) attrs.provider = rsc.provider;
      if (rsc.type) attrs.type = rsc.type;
      lr = el("lrm_resource", attrs);
      rs.children.push(lr);
    }
    if (task === "stop")
      lr.children = lr.children.filter(
        (c) => !(c.type === "element" && c.attrs.operation === "monitor" && c.attrs.interval !== "0"),
      );
    const opId =
      interval > 0
        ? `${rsc.id}_${task}_${interval}`
        : task === "monitor"
          ? `${rsc.id}_last_failure_0`
          : `${rsc.id}_last_0`;
    // A reload is recorded beside the start, which stays the resource's last state change.
    const id =
      task === "reload-agent"
        ? `${rsc.id}_reload-agent_0`
        : interval > 0
          ? opId
          : rc === target || (task === "monitor" && rc === 7)
            ? `${rsc.id}_last_0`
            : `${rsc.id}_last_failure_0`;
    lr.children = lr.children.filter((c) => !(c.type === "element" && c.attrs.id === id));
    const callId = this.nextCallId(ns);
    const key = `0:0:${target}:tandem-simulated`;
    const attrs: Record<string, string> = {
      id,
      operation: task,
      interval: String(interval),
      "call-id": String(callId),
      "rc-code": String(rc),
      "op-status": rc === target ? "0" : "4",
      "transition-key": key,
      "transition-magic": `${rc === target ? 0 : 4}:${rc};${key}`,
    };
    if (digest !== undefined) attrs["op-digest"] = digest;
    lr.children.push(el("lrm_rsc_op", attrs));
  }

  /** Operations still in flight complete successfully (the simulated cluster waits for them). */
  completePending(): void {
    for (const ns of elements(this.status, "node_state")) {
      const lrm = child(ns, "lrm");
      const rs = lrm ? child(lrm, "lrm_resources") : undefined;
      if (!rs) continue;
      for (const r of elements(rs, "lrm_resource"))
        for (const o of elements(r, "lrm_rsc_op")) {
          if (o.attrs["op-status"] !== "-1" && o.attrs["call-id"] !== "-1") continue;
          const key = o.attrs["transition-key"] ?? "";
          const target = key.split(":")[2] ?? "0";
          o.attrs["op-status"] = "0";
          o.attrs["rc-code"] = target;
          if (o.attrs["call-id"] === "-1") o.attrs["call-id"] = String(this.nextCallId(ns));
        }
    }
  }

  setTransient(uname: string, name: string, value: string): void {
    const ns = this.nodeState(uname);
    let ta = child(ns, "transient_attributes");
    if (!ta) {
      ta = el("transient_attributes", { id: ns.attrs.id });
      ns.children.push(ta);
    }
    let ia = child(ta, "instance_attributes");
    if (!ia) {
      ia = el("instance_attributes", { id: `status-${ns.attrs.id}` });
      ta.children.push(ia);
    }
    const existing = elements(ia, "nvpair").find((p) => p.attrs.name === name);
    if (existing) existing.attrs.value = value;
    else ia.children.push(el("nvpair", { id: `status-${ns.attrs.id}-${name}`, name, value }));
  }

  getTransient(uname: string, name: string): string | undefined {
    const ns = this.nodeState(uname);
    const ta = child(ns, "transient_attributes");
    const ia = ta ? child(ta, "instance_attributes") : undefined;
    return ia ? elements(ia, "nvpair").find((p) => p.attrs.name === name)?.attrs.value : undefined;
  }
}

/** Executes the transition's actions on a copy of the CIB; returns the new document. */
export function executeTransition(
  cib: Cib,
  actions: Action[],
  nodeAttrs = new Map<string, Record<string, string>>(),
): XmlElement {
  const ed = new StatusEditor(cib);
  for (const a of actions) {
    if (a.task === "stonith" && a.node) {
      ed.setMembership(a.node, false);
      continue;
    }
    // crm_simulate leaves the node's membership alone after do_shutdown.
    if (a.task === "do_shutdown") continue;
    if (a.pseudo || !a.rsc || !a.node || a.rsc.kind !== "primitive") continue;
    const r = a.rsc;
    const probe = a.task === "monitor" && a.interval === 0;
    let digest: string | undefined;
    if ((a.task === "start" || a.task === "reload-agent") && r.def?.kind === "primitive") {
      const params = resolveNvSets(r.def.instance, { nodeAttrs: nodeAttrs.get(a.node), now: 0 });
      const cfg = r.def.operations.find((o) => o.name === "start" && o.interval === 0);
      if (cfg)
        Object.assign(params, resolveNvSets(cfg.instance, { nodeAttrs: nodeAttrs.get(a.node), now: 0 }));
      digest = paramsDigest(params);
    }
    // Results go where the history came from (anonymous clones: the child's own status entries).
    const ids = r.history.get(a.node)?.lrmIds ?? [r.id];
    const targets = a.task === "stop" ? ids : [ids[ids.length - 1]];
    for (const id of targets)
      ed.recordOp(a.node, { id, ...r.agent }, a.task, a.interval, probe ? 7 : 0, probe ? 7 : 0, digest);
  }
  // In-flight operations were the newest and complete last.
  ed.completePending();
  return ed.root;
}

export interface Injection {
  nodeUp: string[];
  nodeDown: string[];
  nodeFail: string[];
  /** "RSC_TASK_INTERVAL@NODE=RC" */
  opInject: string[];
  opFail: string[];
}

/** Applies what-if changes before scheduling; returns the new document and the lines crm_simulate prints. */
export function applyInjections(cib: Cib, inj: Injection, now: number): { xml: XmlElement; lines: string[] } {
  const ed = new StatusEditor(cib);
  const lines: string[] = [];
  for (const n of inj.nodeUp) {
    lines.push(`  * Bringing node ${n} online`);
    ed.setMembership(n, true);
  }
  for (const n of inj.nodeDown) {
    lines.push(`  * Taking node ${n} offline`);
    ed.setMembership(n, false);
  }
  for (const n of inj.nodeFail) {
    lines.push(`  * Failing node ${n}`);
    ed.failNode(n);
  }
  for (const spec of [...inj.opInject, ...inj.opFail]) {
    const m = /^(.+)_([a-z_-]+)_(\d+)@([^=]+)=(\d+)$/.exec(spec);
    if (!m)
      throw new TandemError(
        ErrorCodes.USAGE,
        `invalid operation spec '${spec}': expected RSC_TASK_INTERVAL@NODE=RC`,
      );
    const [, rscId, task, intervalText, node, rcText] = m;
    const interval = Number.parseInt(intervalText, 10);
    const rc = Number.parseInt(rcText, 10);
    const prim = findPrimitive(cib, rscId);
    if (!prim) throw new TandemError(ErrorCodes.USAGE, `resource '${rscId}' is not in the configuration`);
    lines.push(`  * Injecting ${spec} into the configuration`);
    const target = task === "monitor" && interval === 0 ? 7 : 0;
    ed.recordOp(
      node,
      { id: rscId, class: prim.class, provider: prim.provider, type: prim.type },
      task,
      interval,
      rc,
      target,
    );
    if (rc !== target && !(task === "monitor" && interval === 0 && rc === 7)) {
      const attr = `fail-count-${rscId}#${task}_${interval}`;
      const nodeId = ed.nodeId(node);
      const old = Number.parseInt(ed.getTransient(node, attr) ?? "0", 10) || 0;
      const value = task === "start" ? "INFINITY" : String(old + 1);
      lines.push(`  * Injecting attribute ${attr}=value++ into /node_state '${nodeId}'`);
      ed.setTransient(node, attr, value);
      const lf = `last-failure-${rscId}#${task}_${interval}`;
      lines.push(`  * Injecting attribute ${lf}=${now} into /node_state '${nodeId}'`);
      ed.setTransient(node, lf, String(now));
    }
  }
  return { xml: ed.root, lines };
}

function findPrimitive(cib: Cib, id: string) {
  const base = id.replace(/:\d+$/, "");
  for (const r of cib.resources) {
    const prims =
      r.kind === "primitive"
        ? [r]
        : r.kind === "group"
          ? r.children
          : r.kind === "clone"
            ? r.child.kind === "group"
              ? r.child.children
              : [r.child]
            : [];
    for (const p of prims) if (p.id === base) return p;
  }
  return undefined;
}
