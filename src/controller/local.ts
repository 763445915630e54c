// The node-local half of the controller (pure): runs what the DC asks on this
// node's executor, keeps this node's resource operation history, records each
// result in the CIB status section as an lrm_rsc_op (and fail counts for
// failures, attrd's job), reports the whole history when a new membership
// forms (the join), and carries out a graceful shutdown.

import { child, elements, type XmlElement } from "../core/xml.js";
import type { StatusChange } from "../cib/store.js";
import { FEATURE_SET } from "../cib/store.js";
import {
  type AgentRef,
  type ControllerEffect,
  type ControllerMessage,
  type ExecResult,
  parseTransitionKey,
} from "./types.js";

interface RscHistory {
  agent: AgentRef;
  /** lrm_rsc_op attribute sets by id. */
  ops: Map<string, Record<string, string>>;
}

/** OCF codes the controller reasons about. */
const RC_OK = 0;
const RC_NOT_RUNNING = 7;
const RC_RUNNING_PROMOTED = 8;
const STATUS_DONE = 0;

function serializeAttrs(attrs: Record<string, string>): string {
  let s = "";
  for (const [k, v] of Object.entries(attrs))
    s += ` ${k}="${v.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;")}"`;
  return s;
}

/** Was this result a failure, given the rc the transition expected? */
export function isFailure(
  action: string,
  intervalMs: number,
  rc: number,
  status: number,
  targetRc: number,
): boolean {
  if (status !== STATUS_DONE) return true;
  if (action === "monitor" && intervalMs === 0)
    return rc !== RC_OK && rc !== RC_NOT_RUNNING && rc !== RC_RUNNING_PROMOTED; // a probe reports state
  return rc !== targetRc;
}

export class LocalController {
  readonly nodeId: number;
  readonly uname: string;
  private history = new Map<string, RscHistory>();
  /** op-digest the DC asked to record per operation key (the scheduler's digest, which it compares). */
  private digests = new Map<string, string>();
  private shuttingDown = false;
  private joined = false;
  private shutdownSignalled = false;

  constructor(nodeId: number, uname: string) {
    this.nodeId = nodeId;
    this.uname = uname;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** This node's whole history as an <lrm> element text (what a join reports). */
  lrmXml(): string {
    let s = `<lrm id="${this.nodeId}"><lrm_resources>`;
    for (const [id, h] of [...this.history].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      s += `<lrm_resource${serializeAttrs({ id, type: h.agent.type, class: h.agent.class, ...(h.agent.provider ? { provider: h.agent.provider } : {}) })}>`;
      for (const attrs of h.ops.values()) s += `<lrm_rsc_op${serializeAttrs(attrs)}/>`;
      s += "</lrm_resource>";
    }
    return `${s}</lrm_resources></lrm>`;
  }

  /** Join: this node is a member; state its presence and report its history. */
  join(): ControllerEffect[] {
    const node = String(this.nodeId);
    const changes: StatusChange[] = [
      {
        kind: "node-state",
        nodeId: node,
        uname: this.uname,
        attrs: {
          in_ccm: "true",
          crmd: "online",
          join: "member",
          expected: this.shuttingDown ? "down" : "member",
        },
      },
      { kind: "lrm-replace", nodeId: node, uname: this.uname, lrm: this.lrmXml() },
      // A freshly started daemon holds no transient attributes: stale ones in the CIB go.
      ...(this.joined ? [] : [{ kind: "attrs-clear", nodeId: node } as StatusChange]),
      { kind: "attr", nodeId: node, uname: this.uname, name: "#feature-set", value: FEATURE_SET },
    ];
    this.joined = true;
    return [
      // Every node that ever joined is listed in the configuration (a no-op when it already is).
      {
        type: "cib",
        op: {
          op: "modify",
          section: "nodes",
          allowCreate: true,
          xml: `<node${serializeAttrs({ id: node, uname: this.uname })}/>`,
        },
      },
      { type: "cib", op: { op: "status", changes } },
    ];
  }

  /** A controller message addressed to this node. */
  onMessage(msg: ControllerMessage): ControllerEffect[] {
    if (msg.node !== this.nodeId) return [];
    switch (msg.t) {
      case "exec": {
        const fx: ControllerEffect[] = [];
        const opKey = `${msg.req.rscId}_${msg.req.action}_${msg.req.intervalMs}`;
        if (msg.digest) this.digests.set(opKey, msg.digest);
        else this.digests.delete(opKey);
        // A stop ends the resource's recurring monitors first (their results would be noise).
        if (msg.req.action === "stop") fx.push({ type: "cancel", rscId: msg.req.rscId });
        // An action that may leave the resource active (a stop too, until it is done) is in this
        // node's history as pending until its result: a join while it runs reports it (as the
        // DC's record-pending wrote it), instead of erasing it and letting a new DC start the
        // resource elsewhere.
        const activating = ["start", "stop", "promote", "demote", "migrate_from"].includes(msg.req.action);
        if (activating && msg.req.intervalMs === 0) {
          let h = this.history.get(msg.req.rscId);
          if (!h) {
            h = { agent: msg.req.agent, ops: new Map() };
            this.history.set(msg.req.rscId, h);
          }
          const id = `${msg.req.rscId}_last_0`;
          h.ops.set(id, {
            id,
            operation_key: opKey,
            operation: msg.req.action,
            "crm-debug-origin": "do_update_resource",
            "transition-key": msg.key,
            "transition-magic": `-1:193;${msg.key}`,
            "call-id": "-1",
            "rc-code": "193",
            "op-status": "-1",
            interval: "0",
            "exec-time": "0",
            "queue-time": "0",
            ...(msg.digest ? { "op-digest": msg.digest } : {}),
            on_node: this.uname,
          });
        }
        fx.push({ type: "exec", req: { ...msg.req, userData: msg.key } });
        return fx;
      }
      case "cancel":
        return [{ type: "cancel", rscId: msg.rscId }];
      case "forget":
        this.forget(msg.rscId);
        return [];
      case "shutdown-ok":
        if (!this.shuttingDown) return [];
        return [
          {
            type: "cib",
            op: {
              op: "status",
              changes: [
                {
                  kind: "node-state",
                  nodeId: String(this.nodeId),
                  uname: this.uname,
                  attrs: { expected: "down", join: "down" },
                },
              ],
            },
          },
        ];
    }
  }

  /** Graceful shutdown asked: mark the node so the scheduler moves its resources away. */
  shutdown(now: number): ControllerEffect[] {
    this.shuttingDown = true;
    return [
      { type: "log", level: "notice", msg: `shutdown requested: moving resources away from ${this.uname}` },
      {
        type: "cib",
        op: {
          op: "status",
          changes: [
            {
              kind: "attr",
              nodeId: String(this.nodeId),
              uname: this.uname,
              name: "shutdown",
              value: String(Math.floor(now / 1000)),
            },
          ],
        },
      },
    ];
  }

  /** shutdown-escalation passed: leave now, whatever is still in flight (once). */
  escalate(): ControllerEffect[] {
    if (!this.shuttingDown || this.shutdownSignalled) return [];
    this.shutdownSignalled = true;
    return [{ type: "shutdown-ready" }];
  }

  /** Watches the CIB for the moment the shutdown may complete (our expected=down is recorded). */
  onCib(cib: XmlElement): ControllerEffect[] {
    if (!this.shuttingDown || this.shutdownSignalled) return [];
    const status = child(cib, "status");
    const ns = status && elements(status, "node_state").find((n) => n.attrs.id === String(this.nodeId));
    if (ns?.attrs.expected !== "down") return [];
    this.shutdownSignalled = true;
    return [{ type: "shutdown-ready" }];
  }

  /** An executor result: record it in the history and the CIB; count failures. */
  onResult(r: ExecResult, now: number): ControllerEffect[] {
    if (r.recurring && !r.changed) return []; // a recurring monitor that says the same again
    if (r.status === 1) return []; // cancelled: nothing to record
    const key = parseTransitionKey(r.userData);
    const targetRc = key?.targetRc ?? RC_OK;
    const opKey = `${r.rscId}_${r.action}_${r.intervalMs}`;
    const failed = isFailure(r.action, r.intervalMs, r.rc, r.status, targetRc);
    const base: Record<string, string> = {
      operation_key: opKey,
      operation: r.action,
      "crm-debug-origin": "do_update_resource",
      crm_feature_set: FEATURE_SET,
      "transition-key": r.userData ?? `0:0:${targetRc}:local`,
      "transition-magic": `${r.status}:${r.rc};${r.userData ?? `0:0:${targetRc}:local`}`,
      "exit-reason": r.exitReason ?? "",
      on_node: this.uname,
      "call-id": String(r.callId),
      "rc-code": String(r.rc),
      "op-status": String(r.status),
      interval: String(r.intervalMs),
      "last-rc-change": String(r.lastRcChange),
      ...(r.recurring ? {} : { "last-run": String(r.lastRun) }),
      "exec-time": String(r.execTimeMs),
      "queue-time": String(r.queueTimeMs),
      "op-digest": this.digests.get(opKey) ?? r.opDigest,
    };
    let h = this.history.get(r.rscId);
    if (!h) {
      h = { agent: r.agent, ops: new Map() };
      this.history.set(r.rscId, h);
    }
    const upsert: Record<string, string>[] = [];
    const remove: string[] = [];
    const mainId = r.intervalMs > 0 ? opKey : `${r.rscId}_last_0`;
    const entry = { id: mainId, ...base };
    h.ops.set(mainId, entry);
    upsert.push(entry);
    if (failed) {
      const fid = `${r.rscId}_last_failure_0`;
      const fentry = { id: fid, ...base };
      h.ops.set(fid, fentry);
      upsert.push(fentry);
    }
    if (r.action === "stop" && !failed) {
      // Stopped: its recurring monitors are cancelled and leave the history.
      for (const id of [...h.ops.keys()])
        if (id !== mainId && id !== `${r.rscId}_last_failure_0`) {
          h.ops.delete(id);
          remove.push(id);
        }
    }
    const node = String(this.nodeId);
    const changes: StatusChange[] = [
      { kind: "lrm-op", nodeId: node, uname: this.uname, rsc: { id: r.rscId, ...r.agent }, upsert, remove },
    ];
    const fx: ControllerEffect[] = [];
    if (failed) {
      const attrKey = `${r.rscId}#${r.action}_${r.intervalMs}`;
      const fatal = r.action === "start"; // start-failure-is-fatal (default true)
      changes.push(
        fatal
          ? {
              kind: "attr",
              nodeId: node,
              uname: this.uname,
              name: `fail-count-${attrKey}`,
              value: "INFINITY",
            }
          : { kind: "attr", nodeId: node, uname: this.uname, name: `fail-count-${attrKey}`, increment: 1 },
        {
          kind: "attr",
          nodeId: node,
          uname: this.uname,
          name: `last-failure-${attrKey}`,
          value: String(Math.floor(now / 1000)),
        },
      );
      fx.push({
        type: "log",
        level: "warning",
        msg: `${opKey} on ${this.uname} failed: rc=${r.rc} status=${r.status}${r.exitReason ? ` (${r.exitReason})` : ""}`,
      });
    }
    fx.push({ type: "cib", op: { op: "status", changes } });
    return fx;
  }

  /** Forget a resource's history (crm_resource --cleanup on this node). */
  forget(rscId?: string): void {
    if (rscId === undefined) this.history.clear();
    else this.history.delete(rscId);
  }
}
