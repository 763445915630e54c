// XML element tree -> typed CIB model (src/cib/model.ts).
// Anything that cannot be understood is reported as a TandemError naming the
// element id and the reason; unknown elements are simply left in `xml`.

import { parseDurationMs } from "../core/duration.js";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { parseScore } from "../core/score.js";
import { child, elements, parseXml, type XmlElement } from "../core/xml.js";
import { fastParseXml } from "./fast-xml.js";
import { unpackNodeState } from "./unpack-status.js";
import type {
  Alert,
  AttrExpression,
  Bundle,
  Cib,
  CibNode,
  Clone,
  ColocationConstraint,
  Constraints,
  FencingLevel,
  Group,
  LocationConstraint,
  NodeState,
  NvPair,
  NvSet,
  Operation,
  OrderConstraint,
  OrderKind,
  Primitive,
  Resource,
  ResourceSet,
  Rule,
  RuleCondition,
  Tag,
  Template,
  TicketConstraint,
} from "./model.js";

function invalid(msg: string): TandemError {
  return new TandemError(ErrorCodes.CIB_INVALID, msg);
}

function describe(e: XmlElement): string {
  return e.attrs.id ? `<${e.name} id="${e.attrs.id}">` : `<${e.name}>`;
}

function requireAttr(e: XmlElement, name: string): string {
  const v = e.attrs[name];
  if (v === undefined || v === "") throw invalid(`${describe(e)} is missing required attribute '${name}'`);
  return v;
}

function scoreAttr(e: XmlElement, name: string): number | undefined {
  const raw = e.attrs[name];
  if (raw === undefined) return undefined;
  const s = parseScore(raw);
  if (s === undefined)
    throw new TandemError(
      ErrorCodes.BAD_SCORE,
      `${describe(e)}: '${name}' must be an integer or ±INFINITY: got '${raw}'`,
    );
  return s;
}

function boolAttr(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  return isTrue(v);
}

/** Pacemaker's truth values: true/on/yes/y/1. */
export function isTrue(v: string | undefined): boolean {
  if (v === undefined) return false;
  const t = v.trim().toLowerCase();
  return t === "true" || t === "on" || t === "yes" || t === "y" || t === "1";
}

/** Context for id-ref resolution while unpacking. */
class Unpacker {
  /** Elements by id, built on the first id-ref (most CIBs have none). */
  private byIdMap?: Map<string, XmlElement>;

  constructor(private readonly root: XmlElement) {}

  private get byId(): Map<string, XmlElement> {
    if (this.byIdMap) return this.byIdMap;
    const byId = new Map<string, XmlElement>();
    const stack: XmlElement[] = [this.root];
    while (stack.length > 0) {
      const e = stack.pop()!;
      const id = e.attrs.id;
      if (id !== undefined && !byId.has(id) && e.attrs["id-ref"] === undefined) byId.set(id, e);
      const kids = e.children;
      for (let i = 0; i < kids.length; i++) if (kids[i].type === "element") stack.push(kids[i] as XmlElement);
    }
    this.byIdMap = byId;
    return byId;
  }

  ref(e: XmlElement, expectName?: string): XmlElement {
    const idRef = e.attrs["id-ref"]!;
    const target = this.byId.get(idRef);
    if (!target)
      throw new TandemError(
        ErrorCodes.CIB_DANGLING_REF,
        `<${e.name}> id-ref '${idRef}' does not name any element`,
      );
    if (expectName && target.name !== expectName)
      throw new TandemError(
        ErrorCodes.CIB_DANGLING_REF,
        `<${e.name}> id-ref '${idRef}' names a <${target.name}>, not a <${expectName}>`,
      );
    return target;
  }

  nvSets(parent: XmlElement, tag: string): NvSet[] {
    const out: NvSet[] = [];
    const kids = parent.children;
    for (let i = 0; i < kids.length; i++) {
      const c = kids[i];
      if (c.type === "element" && c.name === tag) out.push(this.nvSet(c));
    }
    return out;
  }

  nvSet(e0: XmlElement): NvSet {
    const e = e0.attrs["id-ref"] !== undefined ? this.ref(e0) : e0;
    const pairs: NvPair[] = [];
    const kids = e.children;
    for (let i = 0; i < kids.length; i++) {
      const p = kids[i];
      if (p.type !== "element" || p.name !== "nvpair") continue;
      if (p.attrs["id-ref"] !== undefined) {
        const t = this.ref(p, "nvpair");
        pairs.push({
          id: p.attrs.id ?? t.attrs.id ?? "",
          name: p.attrs.name ?? requireAttr(t, "name"),
          value: t.attrs.value,
          idRef: p.attrs["id-ref"],
        });
      } else {
        pairs.push({ id: p.attrs.id ?? "", name: requireAttr(p, "name"), value: p.attrs.value });
      }
    }
    const ruleEl = child(e, "rule");
    return {
      id: e0.attrs.id ?? e.attrs.id ?? "",
      idRef: e0.attrs["id-ref"],
      score: scoreAttr(e, "score") ?? 0,
      rule: ruleEl ? this.rule(ruleEl) : undefined,
      pairs,
      xml: e0,
    };
  }

  rule(e0: XmlElement): Rule {
    const e = e0.attrs["id-ref"] !== undefined ? this.ref(e0, "rule") : e0;
    const op = (e.attrs["boolean-op"] ?? "and").toLowerCase();
    if (op !== "and" && op !== "or")
      throw invalid(`${describe(e)}: boolean-op must be 'and' or 'or': got '${op}'`);
    const expressions: RuleCondition[] = [];
    for (const c of elements(e)) {
      switch (c.name) {
        case "expression": {
          const x: AttrExpression = {
            kind: "expression",
            id: c.attrs.id ?? "",
            attribute: requireAttr(c, "attribute"),
            operation: requireAttr(c, "operation") as AttrExpression["operation"],
            value: c.attrs.value,
            type: c.attrs.type,
            valueSource: c.attrs["value-source"] as AttrExpression["valueSource"],
          };
          const ops = ["lt", "gt", "lte", "gte", "eq", "ne", "defined", "not_defined"];
          if (!ops.includes(x.operation))
            throw invalid(
              `${describe(c)}: unknown operation '${x.operation}' (expected one of ${ops.join(", ")})`,
            );
          expressions.push(x);
          break;
        }
        case "date_expression":
          expressions.push({
            kind: "date",
            id: c.attrs.id ?? "",
            operation: (c.attrs.operation ?? "in_range") as "in_range",
            start: c.attrs.start,
            end: c.attrs.end,
            xml: c,
          });
          break;
        case "rsc_expression":
          expressions.push({
            kind: "rsc",
            id: c.attrs.id ?? "",
            class: c.attrs.class,
            provider: c.attrs.provider,
            type: c.attrs.type,
          });
          break;
        case "op_expression":
          expressions.push({
            kind: "op",
            id: c.attrs.id ?? "",
            name: requireAttr(c, "name"),
            interval: c.attrs.interval === undefined ? undefined : parseDurationMs(c.attrs.interval),
          });
          break;
        case "rule":
          expressions.push({ kind: "rule", rule: this.rule(c) });
          break;
        default:
          break; // unknown condition elements stay in the XML
      }
    }
    return {
      id: e0.attrs.id ?? e.attrs.id ?? "",
      idRef: e0.attrs["id-ref"],
      score: scoreAttr(e, "score"),
      scoreAttribute: e.attrs["score-attribute"],
      booleanOp: op,
      role: e.attrs.role,
      expressions,
    };
  }

  operation(e: XmlElement): Operation {
    const id = requireAttr(e, "id");
    const name = requireAttr(e, "name");
    const intervalText = e.attrs.interval ?? "0";
    const interval = parseDurationMs(intervalText);
    if (interval === undefined)
      throw new TandemError(
        ErrorCodes.BAD_DURATION,
        `<op id="${id}">: 'interval' must be a duration: got '${intervalText}'`,
      );
    let timeout: number | undefined;
    if (e.attrs.timeout !== undefined) {
      timeout = parseDurationMs(e.attrs.timeout);
      if (timeout === undefined)
        throw new TandemError(
          ErrorCodes.BAD_DURATION,
          `<op id="${id}">: 'timeout' must be a duration: got '${e.attrs.timeout}'`,
        );
    }
    return {
      id,
      name,
      interval,
      timeout,
      role: e.attrs.role,
      enabled: e.attrs.enabled === undefined ? true : isTrue(e.attrs.enabled),
      onFail: e.attrs["on-fail"],
      attrs: { ...e.attrs },
      meta: this.nvSets(e, "meta_attributes"),
      instance: this.nvSets(e, "instance_attributes"),
      xml: e,
    };
  }

  operations(e: XmlElement): Operation[] {
    const ops = child(e, "operations");
    if (!ops) return [];
    const src = ops.attrs["id-ref"] !== undefined ? this.ref(ops, "operations") : ops;
    return elements(src, "op").map((o) => this.operation(o));
  }

  template(e: XmlElement): Template {
    return {
      id: requireAttr(e, "id"),
      class: requireAttr(e, "class"),
      provider: e.attrs.provider,
      type: requireAttr(e, "type"),
      operations: this.operations(e),
      meta: this.nvSets(e, "meta_attributes"),
      instance: this.nvSets(e, "instance_attributes"),
      utilization: this.nvSets(e, "utilization"),
      xml: e,
    };
  }

  primitive(e: XmlElement, templates: Map<string, Template>): Primitive {
    const id = requireAttr(e, "id");
    const tplId = e.attrs.template;
    const tpl = tplId === undefined ? undefined : templates.get(tplId);
    if (tplId !== undefined && !tpl)
      throw new TandemError(
        ErrorCodes.CIB_DANGLING_REF,
        `<primitive id="${id}">: template '${tplId}' does not exist`,
      );
    const cls = e.attrs.class ?? tpl?.class;
    if (!cls) throw invalid(`<primitive id="${id}"> is missing required attribute 'class'`);
    const type = e.attrs.type ?? tpl?.type;
    if (!type) throw invalid(`<primitive id="${id}"> is missing required attribute 'type'`);
    const own = this.operations(e);
    // Template operations apply unless the primitive defines the same name+interval.
    const ops = tpl
      ? [
          ...tpl.operations.filter((t) => !own.some((o) => o.name === t.name && o.interval === t.interval)),
          ...own,
        ]
      : own;
    return {
      kind: "primitive",
      id,
      class: cls,
      provider: e.attrs.provider ?? tpl?.provider,
      type,
      template: tplId,
      operations: ops,
      meta: [...(tpl?.meta ?? []), ...this.nvSets(e, "meta_attributes")],
      instance: [...(tpl?.instance ?? []), ...this.nvSets(e, "instance_attributes")],
      utilization: [...(tpl?.utilization ?? []), ...this.nvSets(e, "utilization")],
      xml: e,
    };
  }

  resource(e: XmlElement, templates: Map<string, Template>): Resource | undefined {
    switch (e.name) {
      case "primitive":
        return this.primitive(e, templates);
      case "group": {
        const id = requireAttr(e, "id");
        const children = elements(e, "primitive").map((p) => this.primitive(p, templates));
        const g: Group = {
          kind: "group",
          id,
          children,
          meta: this.nvSets(e, "meta_attributes"),
          instance: this.nvSets(e, "instance_attributes"),
          utilization: [],
          xml: e,
        };
        return g;
      }
      case "clone":
      case "master": {
        const id = requireAttr(e, "id");
        const inner = elements(e).find((c) => c.name === "primitive" || c.name === "group");
        if (!inner) throw invalid(`<${e.name} id="${id}"> contains no primitive or group`);
        const meta = this.nvSets(e, "meta_attributes");
        const promotableMeta = meta.some((s) =>
          s.pairs.some((p) => p.name === "promotable" && isTrue(p.value)),
        );
        const c: Clone = {
          kind: "clone",
          id,
          tag: e.name,
          promotable: e.name === "master" || promotableMeta,
          child: this.resource(inner, templates) as Primitive | Group,
          meta,
          instance: this.nvSets(e, "instance_attributes"),
          utilization: [],
          xml: e,
        };
        return c;
      }
      case "bundle": {
        const id = requireAttr(e, "id");
        const inner = child(e, "primitive");
        const b: Bundle = {
          kind: "bundle",
          id,
          child: inner ? this.primitive(inner, templates) : undefined,
          meta: this.nvSets(e, "meta_attributes"),
          instance: [],
          utilization: [],
          xml: e,
        };
        return b;
      }
      default:
        return undefined;
    }
  }

  resourceSet(e: XmlElement): ResourceSet {
    const id = requireAttr(e, "id");
    return {
      id,
      resources: elements(e, "resource_ref").map((r) => requireAttr(r, "id")),
      sequential: e.attrs.sequential === undefined ? true : isTrue(e.attrs.sequential),
      requireAll: e.attrs["require-all"] === undefined ? true : isTrue(e.attrs["require-all"]),
      ordering: e.attrs.ordering,
      action: e.attrs.action,
      role: e.attrs.role,
      score: scoreAttr(e, "score"),
      kind: e.attrs.kind,
      xml: e,
    };
  }

  constraints(e: XmlElement | undefined): Constraints {
    const out: Constraints = { locations: [], colocations: [], orders: [], tickets: [] };
    if (!e) return out;
    for (const c of elements(e)) {
      const sets = () => elements(c, "resource_set").map((s) => this.resourceSet(s));
      switch (c.name) {
        case "rsc_location": {
          const loc: LocationConstraint = {
            id: requireAttr(c, "id"),
            rsc: c.attrs.rsc,
            rscPattern: c.attrs["rsc-pattern"],
            node: c.attrs.node,
            score: scoreAttr(c, "score"),
            role: c.attrs.role ?? c.attrs["rsc-role"],
            resourceDiscovery: c.attrs["resource-discovery"],
            rules: elements(c, "rule").map((r) => this.rule(r)),
            sets: sets(),
            xml: c,
          };
          if (loc.node !== undefined && loc.score === undefined && c.attrs["score-attribute"] === undefined)
            throw invalid(`<rsc_location id="${loc.id}"> names node '${loc.node}' but has no score`);
          out.locations.push(loc);
          break;
        }
        case "rsc_colocation": {
          const col: ColocationConstraint = {
            id: requireAttr(c, "id"),
            rsc: c.attrs.rsc,
            withRsc: c.attrs["with-rsc"],
            score: scoreAttr(c, "score") ?? 0,
            rscRole: c.attrs["rsc-role"],
            withRscRole: c.attrs["with-rsc-role"],
            nodeAttribute: c.attrs["node-attribute"],
            influence: boolAttr(c.attrs.influence),
            sets: sets(),
            xml: c,
          };
          out.colocations.push(col);
          break;
        }
        case "rsc_order": {
          const id = requireAttr(c, "id");
          const kindRaw = c.attrs.kind;
          let kind: OrderKind = "Mandatory";
          const score = scoreAttr(c, "score");
          if (kindRaw !== undefined) {
            const k = kindRaw.toLowerCase();
            if (k === "mandatory") kind = "Mandatory";
            else if (k === "optional") kind = "Optional";
            else if (k === "serialize") kind = "Serialize";
            // Pacemaker treats an unknown kind as Mandatory (after a schema warning).
          } else if (score !== undefined && score === 0) kind = "Optional";
          const ord: OrderConstraint = {
            id,
            firstRsc: c.attrs.first,
            thenRsc: c.attrs.then,
            firstAction: c.attrs["first-action"] ?? "start",
            thenAction: c.attrs["then-action"] ?? c.attrs["first-action"] ?? "start",
            kind,
            symmetrical: boolAttr(c.attrs.symmetrical),
            score,
            requireAll: boolAttr(c.attrs["require-all"]),
            sets: sets(),
            xml: c,
          };
          out.orders.push(ord);
          break;
        }
        case "rsc_ticket": {
          const t: TicketConstraint = {
            id: requireAttr(c, "id"),
            rsc: c.attrs.rsc,
            rscRole: c.attrs["rsc-role"],
            ticket: requireAttr(c, "ticket"),
            lossPolicy: c.attrs["loss-policy"],
            sets: sets(),
            xml: c,
          };
          out.tickets.push(t);
          break;
        }
        default:
          break;
      }
    }
    return out;
  }
}

function num(v: string | undefined): number {
  const n = v === undefined ? 0 : Number.parseInt(v, 10);
  return Number.isFinite(n) ? n : 0;
}

/** Turns a parsed <cib> element into the typed model. */
export function unpackCib(root: XmlElement): Cib {
  if (root.name !== "cib") throw invalid(`the document's root element is <${root.name}>, expected <cib>`);
  const u = new Unpacker(root);
  const config = child(root, "configuration");
  if (!config) throw invalid("<cib> has no <configuration> section");
  const crmConfigEl = child(config, "crm_config");
  const nodesEl = child(config, "nodes");
  const resourcesEl = child(config, "resources");

  const nodes: CibNode[] = [];
  if (nodesEl)
    for (const n of elements(nodesEl, "node")) {
      const id = requireAttr(n, "id");
      nodes.push({
        id,
        uname: n.attrs.uname ?? id,
        type: n.attrs.type ?? "member",
        attributes: u.nvSets(n, "instance_attributes"),
        utilization: u.nvSets(n, "utilization"),
        score: scoreAttr(n, "score"),
        xml: n,
      });
    }

  const templates = new Map<string, Template>();
  const resources: Resource[] = [];
  if (resourcesEl) {
    for (const t of elements(resourcesEl, "template")) templates.set(requireAttr(t, "id"), u.template(t));
    for (const r of elements(resourcesEl)) {
      const res = u.resource(r, templates);
      if (res) resources.push(res);
    }
  }

  const defaults = (tag: string): NvSet[] => {
    const d = child(config, tag);
    return d ? u.nvSets(d, "meta_attributes") : [];
  };

  const fencingTopology: FencingLevel[] = [];
  const ft = child(config, "fencing-topology");
  if (ft)
    for (const l of elements(ft, "fencing-level"))
      fencingTopology.push({
        id: requireAttr(l, "id"),
        index: num(l.attrs.index),
        target: l.attrs.target,
        targetPattern: l.attrs["target-pattern"],
        targetAttribute: l.attrs["target-attribute"],
        targetValue: l.attrs["target-value"],
        devices: (l.attrs.devices ?? "").split(",").filter((d) => d !== ""),
        xml: l,
      });

  const tags: Tag[] = [];
  const tagsEl = child(config, "tags");
  if (tagsEl)
    for (const t of elements(tagsEl, "tag"))
      tags.push({
        id: requireAttr(t, "id"),
        refs: elements(t, "obj_ref").map((o) => requireAttr(o, "id")),
        xml: t,
      });

  const alerts: Alert[] = [];
  const alertsEl = child(config, "alerts");
  if (alertsEl)
    for (const a of elements(alertsEl, "alert"))
      alerts.push({
        id: requireAttr(a, "id"),
        path: a.attrs.path ?? "",
        recipients: elements(a, "recipient").map((r) => ({
          id: r.attrs.id ?? "",
          value: r.attrs.value ?? "",
        })),
        meta: u.nvSets(a, "meta_attributes"),
        instance: u.nvSets(a, "instance_attributes"),
        xml: a,
      });

  const statusEl = child(root, "status");
  const status: NodeState[] = statusEl ? elements(statusEl, "node_state").map((s) => unpackNodeState(s)) : [];

  const hq = root.attrs["have-quorum"];
  return {
    version: {
      adminEpoch: num(root.attrs.admin_epoch),
      epoch: num(root.attrs.epoch),
      numUpdates: num(root.attrs.num_updates),
    },
    attrs: { ...root.attrs },
    haveQuorum: hq === undefined ? false : isTrue(hq),
    dcUuid: root.attrs["dc-uuid"],
    crmConfig: crmConfigEl ? u.nvSets(crmConfigEl, "cluster_property_set") : [],
    nodes,
    resources,
    templates: [...templates.values()],
    rscDefaults: defaults("rsc_defaults"),
    opDefaults: defaults("op_defaults"),
    constraints: u.constraints(child(config, "constraints")),
    fencingTopology,
    tags,
    alerts,
    status,
    xml: root,
  };
}

/** Parses CIB XML text and unpacks it (plain documents through the fast path, see fast-xml.ts). */
export function parseCib(text: string, source?: string): Cib {
  return unpackCib(fastParseXml(text) ?? parseXml(text, { source }));
}
