// crm_mon --output-as xml: the parts of Pacemaker 2.1.5's crm_mon XML schema
// (pacemaker-result, summary, nodes, resources, node_attributes, node_history,
// failures, status) for what tandem knows.

import { formatCibTime } from "../cib/store.js";
import { agentName } from "../cib/model.js";
import { child, elements, escapeAttr } from "../core/xml.js";
import type { SchedResource } from "../scheduler/working-set.js";
import type { LiveStatus } from "./live.js";
import { nodeAttributes, operationHistory, opStatusText, rcText } from "./text.js";

function tag(name: string, attrs: Record<string, string | number | boolean>, close = true): string {
  const a = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${escapeAttr(String(v))}"`)
    .join("");
  return `<${name}${a}${close ? "/" : ""}>`;
}

function property(s: LiveStatus, name: string): string | undefined {
  const conf = child(s.cib, "configuration");
  const crm = conf && child(conf, "crm_config");
  for (const set of crm ? elements(crm, "cluster_property_set") : [])
    for (const nv of elements(set, "nvpair")) if (nv.attrs.name === name) return nv.attrs.value;
  return undefined;
}

function disabled(r: SchedResource): boolean {
  for (let x: SchedResource | undefined = r; x; x = x.parent) if (x.targetRole === "stopped") return true;
  return false;
}

function resourceXml(s: LiveStatus, r: SchedResource, pad: string, out: string[]): void {
  if (r.kind === "primitive") {
    const failed = r.runningOn.some((n) => r.history.get(n)?.failed);
    const attrs = {
      id: r.id,
      resource_agent: r.agent ? agentName(r.agent) : "unknown",
      role: r.runningOn.length > 0 ? "Started" : "Stopped",
      ...(disabled(r) ? { target_role: "Stopped" } : {}),
      active: r.runningOn.length > 0,
      orphaned: r.orphan,
      blocked: r.blocked,
      managed: r.managed,
      failed,
      failure_ignored: false,
      nodes_running_on: r.runningOn.length,
    };
    if (r.runningOn.length === 0) {
      out.push(`${pad}${tag("resource", attrs)}`);
      return;
    }
    out.push(`${pad}${tag("resource", attrs, false)}`);
    for (const n of r.runningOn) {
      const node = s.ws.nodes.find((x) => x.uname === n);
      out.push(`${pad}  ${tag("node", { name: n, id: node?.id ?? "", cached: true })}`);
    }
    out.push(`${pad}</resource>`);
    return;
  }
  if (r.kind === "group") {
    out.push(
      `${pad}${tag("group", { id: r.id, number_resources: r.children.length, managed: r.managed, disabled: disabled(r) }, false)}`,
    );
  } else {
    out.push(
      `${pad}${tag(
        "clone",
        {
          id: r.id,
          multi_state: false,
          unique: !!r.unique,
          managed: r.managed,
          disabled: disabled(r),
          failed: false,
          failure_ignored: false,
        },
        false,
      )}`,
    );
  }
  for (const c of r.children) resourceXml(s, c, `${pad}  `, out);
  out.push(`${pad}</${r.kind === "group" ? "group" : "clone"}>`);
}

export function renderMonXml(s: LiveStatus, argv: string[]): string {
  const a = s.cib.attrs;
  const st = s.status;
  const dcNode = s.ws.nodes.find((n) => n.uname === st.dcName);
  const out = [
    '<?xml version="1.0"?>',
    tag("pacemaker-result", { "api-version": "2.25", request: ["crm_mon", ...argv].join(" ") }, false),
    `  ${tag("pacemakerd", { state: "running", with_shutdown: false, last_updated: formatCibTime(s.now) })}`,
    "  <summary>",
    `    ${tag("stack", { type: "corosync" })}`,
    st.dcName
      ? `    ${tag("current_dc", { present: true, version: property(s, "dc-version") ?? "unknown", name: st.dcName, id: dcNode?.id ?? String(st.dcId ?? ""), with_quorum: st.quorate })}`
      : `    ${tag("current_dc", { present: false })}`,
    `    ${tag("last_update", { time: formatCibTime(s.now) })}`,
    `    ${tag("last_change", { time: a["cib-last-written"] ?? "", user: a["update-user"] ?? "", client: a["update-client"] ?? "", origin: a["update-origin"] ?? "" })}`,
    `    ${tag("nodes_configured", { number: s.ws.nodes.length })}`,
    `    ${tag("resources_configured", { number: s.ws.primitives.filter((p) => !p.orphan).length, disabled: s.ws.primitives.filter((p) => !p.orphan && disabled(p)).length, blocked: s.ws.primitives.filter((p) => p.blocked).length })}`,
    `    ${tag("cluster_options", {
      "stonith-enabled": property(s, "stonith-enabled") ?? "true",
      "symmetric-cluster": property(s, "symmetric-cluster") ?? "true",
      "no-quorum-policy": property(s, "no-quorum-policy") ?? "stop",
      "maintenance-mode": property(s, "maintenance-mode") ?? "false",
      "stop-all-resources": property(s, "stop-all-resources") ?? "false",
    })}`,
    "  </summary>",
    "  <nodes>",
  ];
  for (const n of [...s.ws.nodes].sort((x, y) => (x.uname < y.uname ? -1 : 1))) {
    const running = s.ws.primitives.filter((p) => p.runningOn.includes(n.uname)).length;
    out.push(
      `    ${tag("node", {
        name: n.uname,
        id: n.id,
        online: n.online,
        standby: n.standby,
        standby_onfail: false,
        maintenance: n.maintenance,
        pending: n.pending,
        unclean: n.unclean,
        shutdown: n.shutdown,
        expected_up: n.online,
        is_dc: n.uname === st.dcName,
        resources_running: running,
        type: "member",
      })}`,
    );
  }
  out.push("  </nodes>");
  if (s.ws.resources.length > 0) {
    out.push("  <resources>");
    for (const r of s.ws.resources) resourceXml(s, r, "    ", out);
    out.push("  </resources>");
  }
  const attrs = nodeAttributes(s);
  if (attrs.length > 0) {
    out.push("  <node_attributes>");
    for (const n of attrs) {
      out.push(`    ${tag("node", { name: n.node }, false)}`);
      for (const [k, v] of n.attrs) out.push(`      ${tag("attribute", { name: k, value: v })}`);
      out.push("    </node>");
    }
    out.push("  </node_attributes>");
  }
  const ops = operationHistory(s.cib);
  const hist = ops.filter(
    (o) =>
      !o.id.endsWith("_last_failure_0") &&
      o.opStatus !== -1 &&
      !(o.operation === "monitor" && o.interval === 0 && o.rc === 7),
  );
  if (hist.length > 0) {
    out.push("  <node_history>");
    for (const node of [...new Set(hist.map((o) => o.node))].sort()) {
      out.push(`    ${tag("node", { name: node }, false)}`);
      const mine = hist.filter((o) => o.node === node);
      for (const rsc of new Set(mine.map((o) => o.rsc))) {
        const p = s.ws.primitives.find((x) => x.id === rsc);
        const h = p?.history.get(node);
        out.push(
          `      ${tag("resource_history", { id: rsc, orphan: p ? p.orphan : true, "migration-threshold": Math.min(p?.migrationThreshold ?? 1_000_000, 1_000_000), ...(h && h.failCount > 0 ? { "fail-count": h.failCount >= 1_000_000 ? "INFINITY" : h.failCount, "last-failure": formatCibTime(h.lastFailure * 1000) } : {}) }, false)}`,
        );
        for (const o of mine.filter((x) => x.rsc === rsc).sort((x, y) => x.callId - y.callId))
          out.push(
            `        ${tag("operation_history", {
              call: o.callId,
              task: o.operation,
              ...(o.interval > 0 ? { interval: `${o.interval}ms` } : {}),
              ...(o.lastRcChange !== undefined
                ? { "last-rc-change": formatCibTime(o.lastRcChange * 1000) }
                : {}),
              "exec-time": `${o.execTime}ms`,
              "queue-time": `${o.queueTime}ms`,
              rc: o.rc,
              rc_text: rcText(o.rc),
            })}`,
          );
        out.push("      </resource_history>");
      }
      out.push("    </node>");
    }
    out.push("  </node_history>");
  }
  const failed = ops.filter((o) => o.id.endsWith("_last_failure_0"));
  if (failed.length > 0) {
    out.push("  <failures>");
    for (const o of failed)
      out.push(
        `    ${tag("failure", {
          op_key: o.key,
          node: o.node,
          exitstatus: rcText(o.rc),
          exitreason: o.exitReason,
          exitcode: o.rc,
          call: o.callId,
          status: opStatusText(o.opStatus),
          ...(o.lastRcChange !== undefined ? { "last-rc-change": formatCibTime(o.lastRcChange * 1000) } : {}),
          queued: o.queueTime,
          exec: o.execTime,
          interval: o.interval,
          task: o.operation,
        })}`,
      );
    out.push("  </failures>");
  }
  out.push(`  ${tag("status", { code: 0, message: "OK" })}`, "</pacemaker-result>");
  return `${out.join("\n")}\n`;
}

/** The XML answer when the cluster cannot be reached. */
export function notConnectedXml(argv: string[], reason: string): string {
  return [
    '<?xml version="1.0"?>',
    tag("pacemaker-result", { "api-version": "2.25", request: ["crm_mon", ...argv].join(" ") }, false),
    `  ${tag("status", { code: 102, message: "Not connected" }, false)}`,
    "    <errors>",
    `      <error>crm_mon: Connection to cluster failed: ${reason}</error>`,
    "    </errors>",
    "  </status>",
    "</pacemaker-result>",
    "",
  ].join("\n");
}
