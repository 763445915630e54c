// The second validation phase: what the scheduler notices when it unpacks a
// structurally sound CIB (cluster options with unusable values, fencing
// enabled without any fencing device, target-role values, constraints that
// point at something that is not a resource, duplicate recurring operations,
// node state for nodes no longer configured). Findings carry Pacemaker 2.1.5's
// wording and log function names so crm_verify can print them the same way.

import { parseDurationMs } from "../core/duration.js";
import { ErrorCodes } from "../core/errors.js";
import { elements, type XmlElement } from "../core/xml.js";
import { describe, type Findings } from "./validate-findings.js";
import { checkOps } from "./validate-ops.js";

type OptionCheck = (v: string) => boolean;

const TRUE_WORDS = ["true", "on", "yes", "y", "1"];
const FALSE_WORDS = ["false", "off", "no", "n", "0"];
/** Pacemaker's crm_is_true: undefined when the text is not a boolean at all. */
export function parseBoolean(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  const l = v.toLowerCase();
  if (TRUE_WORDS.includes(l)) return true;
  if (FALSE_WORDS.includes(l)) return false;
  return undefined;
}

const isBoolean: OptionCheck = (v) => parseBoolean(v) !== undefined;
const isTime: OptionCheck = (v) => parseDurationMs(v) !== undefined;
const isNumber: OptionCheck = (v) => /^[+-]?\d+$/.test(v.trim()) || /^[+-]?INFINITY$/i.test(v.trim());
const oneOf =
  (...values: string[]): OptionCheck =>
  (v) =>
    values.includes(v.toLowerCase());

/** Cluster options the scheduler reads, with the check Pacemaker applies to each. */
export const CLUSTER_OPTIONS: Record<string, { check: OptionCheck; default: string }> = {
  "no-quorum-policy": { check: oneOf("stop", "freeze", "ignore", "demote", "suicide"), default: "stop" },
  "symmetric-cluster": { check: isBoolean, default: "true" },
  "maintenance-mode": { check: isBoolean, default: "false" },
  "start-failure-is-fatal": { check: isBoolean, default: "true" },
  "enable-startup-probes": { check: isBoolean, default: "true" },
  "shutdown-lock": { check: isBoolean, default: "false" },
  "shutdown-lock-limit": { check: isTime, default: "0" },
  "stonith-enabled": { check: isBoolean, default: "true" },
  "stonith-action": { check: oneOf("reboot", "off", "poweroff"), default: "reboot" },
  "stonith-timeout": { check: isTime, default: "60s" },
  "have-watchdog": { check: isBoolean, default: "false" },
  "concurrent-fencing": { check: isBoolean, default: "false" },
  "startup-fencing": { check: isBoolean, default: "true" },
  "priority-fencing-delay": { check: isTime, default: "0" },
  "cluster-delay": { check: isTime, default: "60s" },
  "batch-limit": { check: isNumber, default: "0" },
  "migration-limit": { check: isNumber, default: "-1" },
  "stop-all-resources": { check: isBoolean, default: "false" },
  "stop-orphan-resources": { check: isBoolean, default: "true" },
  "stop-orphan-actions": { check: isBoolean, default: "true" },
  "remove-after-stop": { check: isBoolean, default: "false" },
  "pe-error-series-max": { check: isNumber, default: "-1" },
  "pe-warn-series-max": { check: isNumber, default: "5000" },
  "pe-input-series-max": { check: isNumber, default: "4000" },
  "node-health-strategy": {
    check: oneOf("none", "migrate-on-red", "only-green", "progressive", "custom"),
    default: "none",
  },
  "node-health-base": { check: isNumber, default: "0" },
  "node-health-green": { check: isNumber, default: "0" },
  "node-health-yellow": { check: isNumber, default: "0" },
  "node-health-red": { check: isNumber, default: "-INFINITY" },
  "placement-strategy": { check: oneOf("default", "utilization", "minimal", "balanced"), default: "default" },
};

interface PropertyValue {
  value: string;
  pair: XmlElement;
}

/**
 * The cluster properties in effect (rule-less sets only, as crm_verify sees
 * them without a node or time): sets by descending score, cib-bootstrap-options
 * first among equals, first value of a name wins.
 */
export function effectiveProperties(conf: XmlElement): Map<string, PropertyValue> {
  const crm = elements(conf, "crm_config")[0];
  const out = new Map<string, PropertyValue>();
  if (!crm) return out;
  const sets = elements(crm, "cluster_property_set")
    .filter((s) => elements(s, "rule").length === 0)
    .map((s, i) => ({ s, i, score: Number.parseInt(s.attrs.score ?? "0", 10) || 0 }))
    .sort(
      (a, b) =>
        b.score - a.score ||
        Number(b.s.attrs.id === "cib-bootstrap-options") - Number(a.s.attrs.id === "cib-bootstrap-options") ||
        a.i - b.i,
    );
  for (const { s } of sets)
    for (const p of elements(s, "nvpair")) {
      const name = p.attrs.name;
      if (name !== undefined && p.attrs.value !== undefined && !out.has(name))
        out.set(name, { value: p.attrs.value, pair: p });
    }
  return out;
}

function walkResources(
  parent: XmlElement,
  visit: (r: XmlElement, promotable: boolean) => void,
  promotable = false,
) {
  for (const r of elements(parent)) {
    if (!["primitive", "group", "clone", "master", "bundle"].includes(r.name)) continue;
    const isPromotable =
      promotable ||
      r.name === "master" ||
      (r.name === "clone" && parseBoolean(metaValue(r, "promotable")) === true);
    visit(r, isPromotable);
    walkResources(r, visit, isPromotable);
  }
}

/** A meta-attribute set directly on the element (rule-less sets, first value wins). */
function metaValue(r: XmlElement, name: string): string | undefined {
  for (const set of elements(r, "meta_attributes")) {
    if (elements(set, "rule").length > 0) continue;
    for (const p of elements(set, "nvpair")) if (p.attrs.name === name) return p.attrs.value;
  }
  return undefined;
}

const ROLE_NAMES = ["stopped", "started", "promoted", "unpromoted", "master", "slave"];
const CONSTRAINT_FN: Record<string, string> = {
  rsc_location: "unpack_location_tags",
  rsc_colocation: "unpack_colocation_tags",
  rsc_order: "unpack_order_tags",
  rsc_ticket: "unpack_rsc_ticket_tags",
};
const REFERABLE = new Set(["primitive", "group", "clone", "master", "bundle", "template", "tag"]);

/** Phase two. `ids` maps every configuration id to its element. */
export function checkConfiguration(
  _cib: XmlElement,
  conf: XmlElement,
  ids: Map<string, XmlElement>,
  f: Findings,
): void {
  const cfgErr = (e: XmlElement, message: string, fn: string, text: string) =>
    f.add("error", ErrorCodes.CIB_CONFIG, e, message, { form: "log", fn, level: "error", text });

  // unpack_config: cluster options
  const props = effectiveProperties(conf);
  for (const [name, { value, pair }] of props) {
    const opt = CLUSTER_OPTIONS[name];
    if (opt && !opt.check(value) && opt.check === isTime)
      f.add("notice", ErrorCodes.CIB_CONFIG, pair, `${describe(pair)}: '${value}' is not a duration`, {
        form: "log",
        fn: "crm_parse_interval_spec",
        level: "warning",
        text: `Using 0 instead of '${value}'`,
      });
    if (opt && !opt.check(value))
      cfgErr(
        pair,
        `${describe(pair)}: cluster option '${name}' has an invalid value '${value}' (the default '${opt.default}' is used)`,
        "cluster_option_value",
        `Using default value for cluster option '${name}' because '${value}' is invalid`,
      );
  }
  const opt = (name: string): string => {
    const p = props.get(name);
    return p && CLUSTER_OPTIONS[name].check(p.value) ? p.value : CLUSTER_OPTIONS[name].default;
  };
  const stonithEnabled = parseBoolean(opt("stonith-enabled")) === true;
  const nqp = opt("no-quorum-policy").toLowerCase();
  if (nqp === "suicide" && !stonithEnabled) {
    const p = props.get("no-quorum-policy")!;
    cfgErr(
      p.pair,
      `${describe(p.pair)}: no-quorum-policy 'suicide' needs fencing, which is disabled ('stop' is used)`,
      "unpack_config",
      "Resetting no-quorum-policy to 'stop' because fencing is disabled",
    );
  } else if (nqp === "ignore" || nqp === "suicide") {
    const p = props.get("no-quorum-policy")!;
    f.add("notice", ErrorCodes.CIB_CONFIG, p.pair, `on loss of quorum: ${nqp}`, {
      form: "log",
      fn: "unpack_config",
      level: "notice",
      text: `On loss of quorum: ${nqp === "ignore" ? "Ignore" : "Fence all remaining nodes"}`,
    });
  }
  const startupFencing = stonithEnabled && parseBoolean(opt("startup-fencing")) === true;
  if (!startupFencing)
    f.add(
      "notice",
      ErrorCodes.CIB_CONFIG,
      props.get("stonith-enabled")?.pair ?? conf,
      "unseen nodes will not be fenced",
      {
        form: "log",
        fn: "unpack_config",
        level: "warning",
        text: "Blind faith: not fencing unseen nodes",
      },
    );

  // unpack_nodes
  const nodesSec = elements(conf, "nodes")[0];
  const nodeIds = new Set<string>();
  const unames = new Set<string>();
  for (const n of nodesSec ? elements(nodesSec, "node") : []) {
    const uname = n.attrs.uname;
    if (unames.has(uname))
      f.add("warning", ErrorCodes.CIB_CONFIG, n, `${describe(n)}: more than one node is named '${uname}'`, {
        form: "log",
        fn: "pe_create_node",
        level: "warning",
        text: `More than one node entry has name '${uname}'`,
      });
    unames.add(uname);
    nodeIds.add(n.attrs.id);
  }

  // unpack_resources
  const resourcesSec = elements(conf, "resources")[0];
  let haveStonith = false;
  if (resourcesSec)
    walkResources(resourcesSec, (r, promotable) => {
      if (r.name === "primitive" && r.attrs.class === "stonith") haveStonith = true;
      const role = metaValue(r, "target-role");
      if (role !== undefined && !["default", "#default"].includes(role.toLowerCase())) {
        if (!ROLE_NAMES.includes(role.toLowerCase()))
          cfgErr(
            r,
            `${describe(r)}: target-role '${role}' is not a role (Stopped, Started, Unpromoted, Promoted); it is ignored`,
            "get_target_role",
            `Ignoring 'target-role' for ${r.attrs.id} because '${role}' is not valid`,
          );
        else if (["promoted", "master", "unpromoted", "slave"].includes(role.toLowerCase()) && !promotable)
          cfgErr(
            r,
            `${describe(r)}: target-role '${role}' only makes sense for promotable clones; it is ignored`,
            "get_target_role",
            `Ignoring 'target-role' for ${r.attrs.id} because '${role}' only makes sense for promotable clones`,
          );
      }
      const requires = metaValue(r, "requires");
      if (r.name === "primitive" && !stonithEnabled && (requires === "fencing" || requires === "unfencing"))
        f.add(
          "warning",
          ErrorCodes.CIB_CONFIG,
          r,
          `${describe(r)}: requires ${requires} but fencing is disabled`,
          {
            form: "log",
            fn: "unpack_requires",
            level: "warning",
            text: `${r.attrs.id} requires fencing but fencing is disabled`,
          },
        );
      if (r.name === "primitive") checkOps(r, stonithEnabled, f);
      if (metaValue(r, "restart-type") !== undefined)
        f.add(
          "warning",
          ErrorCodes.CIB_CONFIG,
          r,
          `${describe(r)}: meta-attribute 'restart-type' is deprecated`,
          {
            form: "log",
            fn: "pe__unpack_resource",
            level: "warning",
            text: "Support for restart-type is deprecated and will be removed in a future release",
          },
        );
      if ((r.name === "clone" || r.name === "master") && promotable) checkPromotable(r, nodeIds.size, f);
      if (r.name === "clone" && parseBoolean(metaValue(r, "globally-unique")) === true)
        forceAnon(r, nodeIds.size, f);
    });
  if (stonithEnabled && !haveStonith) {
    const at = props.get("stonith-enabled")?.pair ?? conf;
    const why = "stonith-enabled is true but no stonith resource is defined: no resource will be started";
    cfgErr(
      at,
      why,
      "unpack_resources",
      "Resource start-up disabled since no STONITH resources have been defined",
    );
    cfgErr(
      at,
      `${why} (configure one or set stonith-enabled=false)`,
      "unpack_resources",
      "Either configure some or disable STONITH with the stonith-enabled option",
    );
    cfgErr(
      at,
      `${why} (clusters with shared data need fencing)`,
      "unpack_resources",
      "NOTE: Clusters with shared data need STONITH to ensure data integrity",
    );
  }

  if (resourcesSec) checkResourceReferences(resourcesSec, conf, ids, f);

  // unpack_status: state of nodes that are no longer configured
  // (guest and remote nodes get their node_state from resources, not <nodes>)
  for (const st of elements(_cib, "status"))
    for (const ns of elements(st, "node_state")) {
      if (ns.attrs.remote_node === "true") continue;
      if (nodeIds.has(ns.attrs.id) || (ns.attrs.uname !== undefined && unames.has(ns.attrs.uname))) continue;
      const name = ns.attrs.uname ?? ns.attrs.id;
      f.add(
        "warning",
        ErrorCodes.CIB_CONFIG,
        ns,
        `${describe(ns)}: recorded state of node '${name}' is ignored because the node is not configured`,
        {
          form: "log",
          fn: "unpack_node_state",
          level: "warning",
          text: `Ignoring recorded node state for '${name}' because it is no longer in the configuration`,
        },
      );
    }

  // constraints: references that exist but are not resources or tags
  const consSec = elements(conf, "constraints")[0];
  for (const cons of consSec ? elements(consSec) : []) {
    const fn = CONSTRAINT_FN[cons.name];
    checkConstraintShape(cons, f);
    const first = cons.attrs.first === undefined ? undefined : ids.get(cons.attrs.first);
    if (
      cons.name === "rsc_order" &&
      cons.attrs["require-all"] !== undefined &&
      first &&
      ["clone", "master"].includes(first.name)
    )
      f.add(
        "warning",
        ErrorCodes.CIB_CONFIG,
        cons,
        `${describe(cons)}: 'require-all' is deprecated (use the clone-min meta-attribute of the clone)`,
        {
          form: "log",
          fn: "get_minimum_first_instances",
          level: "warning",
          text: "Support for require-all in ordering constraints is deprecated and will be removed in a future release (use clone-min clone meta-attribute instead)",
        },
      );
    for (const attr of ["rsc", "with-rsc", "first", "then"]) {
      const target = cons.attrs[attr];
      if (target === undefined) continue;
      const e = ids.get(target);
      if (e && !REFERABLE.has(e.name))
        cfgErr(
          cons,
          `${describe(cons)}: '${attr}' refers to '${target}', which is a <${e.name}>, not a resource or tag`,
          fn,
          `Ignoring constraint '${cons.attrs.id}' because '${target}' is not a valid resource or tag`,
        );
    }
    for (const set of elements(cons, "resource_set"))
      for (const rr of elements(set, "resource_ref")) {
        const e = ids.get(rr.attrs.id);
        if (e && !REFERABLE.has(e.name))
          cfgErr(
            rr,
            `${describe(cons)}: resource set '${set.attrs.id}' refers to '${rr.attrs.id}', which is a <${e.name}>, not a resource or tag`,
            "expand_tags_in_sets",
            `Ignoring resource sets for constraint '${cons.attrs.id}' because '${rr.attrs.id}' is not a valid resource or tag`,
          );
      }
  }
}

/** Agent classes that cannot be unique clones (pcmk_get_ra_caps without "unique"). */
const ANONYMOUS_ONLY = ["lsb", "systemd", "service", "upstart", "nagios", "heartbeat"];

/** A globally-unique clone of an agent class that cannot be unique is treated as anonymous. */
function forceAnon(clone: XmlElement, nodeCount: number, f: Findings): void {
  // the wrapped primitive, or the first member of the wrapped group, that cannot be unique
  const members = [
    ...elements(clone, "primitive"),
    ...elements(clone, "group").flatMap((g) => elements(g, "primitive")),
  ];
  const child = members.find((p) => ANONYMOUS_ONLY.includes((p.attrs.class ?? "").toLowerCase()));
  if (!child) return;
  const cls = child.attrs.class;
  // an anonymous clone runs at most one instance per node
  const max = Number.parseInt(metaValue(clone, "clone-max") ?? "", 10);
  const instances = Math.min(Number.isInteger(max) && max >= 0 ? max : nodeCount, nodeCount);
  for (let i = 0; i < instances; i++)
    f.add(
      "warning",
      ErrorCodes.CIB_CONFIG,
      clone,
      `${describe(clone)}: globally-unique is ignored because ${cls} resources can only be anonymous clones`,
      {
        form: "log",
        fn: "pe__force_anon",
        level: "warning",
        text: `Ignoring globally-unique for ${clone.attrs.id} because ${cls} resources such as ${child.attrs.id}:${i} can be used only as anonymous clones`,
      },
    );
}

/** Only OCF agents can be promoted: a promotable clone of anything else is refused. */
function checkPromotable(clone: XmlElement, nodeCount: number, f: Findings): void {
  const err = (e: XmlElement, message: string, fn: string, text: string) =>
    f.add("error", ErrorCodes.CIB_CONFIG, e, message, { form: "log", fn, level: "error", text });
  const notOcf = (p: XmlElement) => p.attrs.class !== undefined && p.attrs.class.toLowerCase() !== "ocf";
  const why = (p: XmlElement) =>
    `${describe(clone)}: ${describe(p)} is of class '${p.attrs.class}', which cannot be promoted (only ocf agents can)`;
  const prim = elements(clone, "primitive")[0];
  if (prim && notOcf(prim)) {
    err(
      prim,
      why(prim),
      "native_unpack",
      `Resource ${prim.attrs.id}:0 is of type ${prim.attrs.class} and therefore cannot be used as a promotable clone resource`,
    );
    err(
      clone,
      `${describe(clone)}: ignored because its configuration is invalid`,
      "unpack_resources",
      `Ignoring <${clone.name}> resource '${clone.attrs.id}' because configuration is invalid`,
    );
    return;
  }
  // In a group, Pacemaker complains once per member and instance and keeps the clone;
  // a group left without members is ignored.
  const group = elements(clone, "group")[0];
  if (!group) return;
  const members = elements(group, "primitive");
  const bad = members.filter(notOcf);
  if (bad.length === 0) return;
  const max = Number.parseInt(metaValue(clone, "clone-max") ?? "", 10);
  const instances = Number.isInteger(max) && max >= 0 ? max : nodeCount;
  for (let i = 0; i < instances; i++) {
    for (const p of bad)
      err(
        p,
        why(p),
        "native_unpack",
        `Resource ${p.attrs.id}:${i} is of type ${p.attrs.class} and therefore cannot be used as a promotable clone resource`,
      );
    if (bad.length === members.length)
      f.add(
        "warning",
        ErrorCodes.CIB_CONFIG,
        group,
        `${describe(group)}: no member can be promoted, the group is ignored`,
        {
          form: "log",
          fn: "group_unpack",
          level: "warning",
          text: `Group ${group.attrs.id}:${i} will be ignored because it does not have any members`,
        },
      );
  }
}

/** strtoll as Pacemaker's scan_ll uses it: the notes it logs for text that is not an integer. */
function scanLlNotes(v: string): string[] {
  const m = /^\s*[+-]?\d+/.exec(v);
  if (!m)
    return [
      `Could not parse integer from '${v}' (using 0 instead): No digits found`,
      `Characters left over after parsing '${v}': '${v}'`,
    ];
  return m[0].length < v.length
    ? [`Characters left over after parsing '${v}': '${v.slice(m[0].length)}'`]
    : [];
}

const INTEGER_META: [string, boolean][] = [
  // name, accepts INFINITY (a score)
  ["priority", false],
  ["resource-stickiness", true],
  ["migration-threshold", true],
];

/**
 * Resource meta-attributes read as integers (own value, else a parent's, else
 * rsc_defaults): Pacemaker logs what it could not parse and uses 0 -- notes,
 * not errors. Templates referenced by primitives must be templates.
 */
function checkResourceReferences(
  resources: XmlElement,
  conf: XmlElement,
  ids: Map<string, XmlElement>,
  f: Findings,
): void {
  const defaults = new Map<string, string>();
  for (const rd of elements(conf, "rsc_defaults"))
    for (const set of elements(rd, "meta_attributes")) {
      if (elements(set, "rule").length > 0) continue;
      for (const p of elements(set, "nvpair"))
        if (p.attrs.name !== undefined && p.attrs.value !== undefined && !defaults.has(p.attrs.name))
          defaults.set(p.attrs.name, p.attrs.value);
    }
  const visit = (r: XmlElement, ancestors: XmlElement[], top: boolean) => {
    for (const [name, isScore] of INTEGER_META) {
      let v = metaValue(r, name);
      for (let i = ancestors.length - 1; v === undefined && i >= 0; i--) v = metaValue(ancestors[i], name);
      v ??= defaults.get(name);
      if (
        v === undefined ||
        (isScore && ["INFINITY", "+INFINITY", "-INFINITY", "red", "yellow", "green"].includes(v))
      )
        continue;
      for (const text of scanLlNotes(v))
        f.add(
          "notice",
          ErrorCodes.CIB_CONFIG,
          r,
          `${describe(r)}: '${name}' is not an integer: got '${v}' (0 is used)`,
          {
            form: "log",
            fn: "scan_ll",
            level: "warning",
            text,
          },
        );
    }
    const tmpl = r.name === "primitive" ? r.attrs.template : undefined;
    if (tmpl !== undefined && ids.get(tmpl)?.name !== "template") {
      f.add("error", ErrorCodes.CIB_CONFIG, r, `${describe(r)}: '${tmpl}' is not a resource template`, {
        form: "log",
        fn: "unpack_template",
        level: "error",
        text: `No template named '${tmpl}'`,
      });
      if (top)
        f.add(
          "error",
          ErrorCodes.CIB_CONFIG,
          r,
          `${describe(r)}: ignored because its configuration is invalid`,
          {
            form: "log",
            fn: "unpack_resources",
            level: "error",
            text: `Ignoring <${r.name}> resource '${r.attrs.id}' because configuration is invalid`,
          },
        );
    }
    for (const ch of elements(r))
      if (["primitive", "group", "clone", "master", "bundle"].includes(ch.name))
        visit(ch, [...ancestors, r], false);
  };
  for (const r of elements(resources))
    if (["primitive", "group", "clone", "master", "bundle"].includes(r.name)) visit(r, [], true);
}

/** Constraint content Pacemaker refuses (or, for a self-order, crashes on). */
function checkConstraintShape(cons: XmlElement, f: Findings): void {
  const pattern = cons.name === "rsc_location" ? cons.attrs["rsc-pattern"] : undefined;
  if (pattern !== undefined) {
    let ok = true;
    try {
      new RegExp(pattern);
    } catch {
      ok = false;
    }
    if (!ok)
      f.add(
        "error",
        ErrorCodes.CIB_CONFIG,
        cons,
        `${describe(cons)}: rsc-pattern '${pattern}' is not a valid regular expression`,
        {
          form: "log",
          fn: "unpack_simple_location",
          level: "error",
          text: `Ignoring constraint '${cons.attrs.id}' because rsc-pattern has invalid value '${pattern}'`,
        },
      );
  }
  if (cons.name === "rsc_order" && cons.attrs.first !== undefined && cons.attrs.first === cons.attrs.then)
    f.add(
      "error",
      ErrorCodes.CIB_CONFIG,
      cons,
      `${describe(cons)}: orders '${cons.attrs.first}' after itself`,
      {
        form: "log",
        fn: "unpack_simple_rsc_order",
        level: "error",
        text: `Ignoring constraint '${cons.attrs.id}' because it orders '${cons.attrs.first}' after itself`,
      },
      true,
    );
}
