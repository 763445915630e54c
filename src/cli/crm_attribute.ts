// `crm_attribute`: query, set or delete a cluster property, a resource/op
// default, or a node attribute (permanent, or transient with -l reboot),
// through the local tandemd — the options and output of Pacemaker's tool:
//   crm_attribute -n NAME [-v VALUE | -D | -G] [-N NODE] [-l forever|reboot]
//                 [-t crm_config|rsc_defaults|op_defaults|nodes|status] [-d DEFAULT] [-q]

import { ErrorCodes, TandemError } from "../core/errors.js";
import { child, elements, escapeAttr, parseXml, type XmlElement } from "../core/xml.js";
import { socketPathFromEnv } from "../daemon/paths.js";
import { cibRequest } from "../daemon/protocol.js";
import { type OptSpec, parseArgs } from "../status/args.js";
import type { Command } from "./io.js";

const USAGE = `Usage: crm_attribute -n NAME [-v VALUE | -D | -G] [options]
Manage node attributes and cluster options.
  -n, --name=NAME          Name of the attribute/option to operate on
  -v, --update=VALUE       Update the value of the attribute
  -D, --delete             Delete the attribute
  -G, --query              Query the current value of the attribute (default)
  -N, --node=NODE          Set a node attribute for the named node (instead of a cluster option)
  -l, --lifetime=LIFETIME  Until when the value applies: reboot (transient) or forever (default)
  -t, --type=SECTION       crm_config (default), rsc_defaults, op_defaults, nodes, status
  -d, --default=VALUE      (with -G) print this value when the attribute is not set
  -q, --quiet              Print only the value on stdout
`;

function usageError(msg: string): TandemError {
  return new TandemError(ErrorCodes.USAGE, msg, { exitCode: 64 });
}

type Scope = "crm_config" | "rsc_defaults" | "op_defaults" | "nodes" | "status";

const SET_IDS: Record<string, { set: string; id: string }> = {
  crm_config: { set: "cluster_property_set", id: "cib-bootstrap-options" },
  rsc_defaults: { set: "meta_attributes", id: "rsc-options" },
  op_defaults: { set: "meta_attributes", id: "op-options" },
};

interface Opts {
  name?: string;
  value?: string;
  del: boolean;
  node?: string;
  lifetime?: string;
  type?: string;
  dflt?: string;
  quiet: boolean;
}

const SPEC: OptSpec = {
  help: { names: ["-h", "--help", "-?"] },
  name: { names: ["-n", "--name", "--attr-name"], value: true },
  value: { names: ["-v", "--update", "--attr-value"], value: true },
  del: { names: ["-D", "--delete"] },
  query: { names: ["-G", "--query"] },
  node: { names: ["-N", "--node"], value: true },
  lifetime: { names: ["-l", "--lifetime"], value: true },
  type: { names: ["-t", "--type"], value: true },
  dflt: { names: ["-d", "--default"], value: true },
  quiet: { names: ["-q", "--quiet"] },
};

const TYPES = ["crm_config", "rsc_defaults", "op_defaults", "nodes", "status"];

function parse(argv: string[]): Opts | "help" {
  const { opts, rest } = parseArgs("crm_attribute", argv, SPEC);
  if (opts.has("help")) return "help";
  if (rest.length > 0) throw usageError(`unexpected argument '${rest[0]}' (see crm_attribute --help)`);
  const str = (k: string) => opts.get(k) as string | undefined;
  const o: Opts = {
    name: str("name"),
    value: str("value"),
    del: opts.has("del"),
    node: str("node"),
    lifetime: str("lifetime"),
    type: str("type"),
    dflt: str("dflt"),
    quiet: opts.has("quiet"),
  };
  if (o.lifetime !== undefined && !["reboot", "forever"].includes(o.lifetime))
    throw usageError(`--lifetime must be reboot or forever: got '${o.lifetime}'`);
  if (o.type !== undefined && !TYPES.includes(o.type))
    throw usageError(
      `--type must be crm_config, rsc_defaults, op_defaults, nodes or status: got '${o.type}'`,
    );
  return o;
}

function findNvpair(parent: XmlElement | undefined, setTag: string, name: string): XmlElement | undefined {
  for (const set of parent ? elements(parent, setTag) : [])
    for (const p of elements(set, "nvpair")) if (p.attrs.name === name) return p;
  return undefined;
}

export const crmAttributeCommand: Command = async (argv, io) => {
  const o = parse(argv);
  if (o === "help") {
    io.stdout(USAGE);
    return 0;
  }
  if (!o.name) throw usageError("an attribute name is required (-n NAME)");
  if (o.del && o.value !== undefined) throw usageError("give either -v VALUE or -D, not both");
  const socket = socketPathFromEnv(io.env);
  const status = await cibRequest(socket, "status", {});
  const scope: Scope =
    (o.type as Scope | undefined) ??
    (o.lifetime === "reboot"
      ? "status"
      : o.node !== undefined || o.lifetime === "forever"
        ? "nodes"
        : "crm_config");
  const cib = parseXml(status.cib);
  const conf = child(cib, "configuration")!;
  const name = o.name;

  if (scope === "nodes" || scope === "status") {
    const nodeName = o.node ?? status.nodeName;
    const node = status.nodes.find((n) => n.name === nodeName || String(n.id) === nodeName);
    if (!node)
      throw new TandemError(ErrorCodes.USAGE, `Could not map name=${nodeName} to a UUID`, { exitCode: 105 });
    const id = String(node.id);
    let current: XmlElement | undefined;
    if (scope === "nodes") {
      const nodesEl = child(conf, "nodes");
      const n = nodesEl && elements(nodesEl, "node").find((x) => x.attrs.id === id);
      current = findNvpair(n, "instance_attributes", name);
    } else {
      const st = child(cib, "status");
      const ns = st && elements(st, "node_state").find((x) => x.attrs.id === id);
      current = findNvpair(ns && child(ns, "transient_attributes"), "instance_attributes", name);
    }
    if (o.value !== undefined || o.del) {
      if (scope === "status")
        await cibRequest(socket, "attr.update", {
          node: node.name,
          name,
          ...(o.del ? {} : { value: o.value }),
        });
      else if (o.del) {
        if (current)
          await cibRequest(socket, "cib.apply", {
            op: { op: "delete", section: "nodes", xml: `<nvpair id="${escapeAttr(current.attrs.id)}"/>` },
            client: "crm_attribute",
          });
      } else {
        const pid = current?.attrs.id ?? `nodes-${id}-${name}`;
        await cibRequest(socket, "cib.apply", {
          op: {
            op: "modify",
            section: "nodes",
            allowCreate: true,
            xml: `<node id="${escapeAttr(id)}" uname="${escapeAttr(node.name)}"><instance_attributes id="nodes-${escapeAttr(id)}"><nvpair id="${escapeAttr(pid)}" name="${escapeAttr(name)}" value="${escapeAttr(o.value!)}"/></instance_attributes></node>`,
          },
          client: "crm_attribute",
        });
      }
      if (o.del && current && !o.quiet)
        io.stdout(`Deleted ${scope} attribute: id=${current.attrs.id} name=${name}\n`);
      return 0;
    }
    return printValue(
      io,
      scope,
      name,
      current?.attrs.value ?? o.dflt,
      o.quiet,
      current === undefined && o.dflt === undefined,
    );
  }

  const section = child(conf, scope);
  const { set, id: setId } = SET_IDS[scope];
  const current = findNvpair(section, set, name);
  if (o.value !== undefined) {
    const owner = current ? findSetOf(section!, set, current) : setId;
    const pid = current?.attrs.id ?? `${setId}-${name}`;
    await cibRequest(socket, "cib.apply", {
      op: {
        op: "modify",
        section: scope,
        allowCreate: true,
        xml: `<${set} id="${escapeAttr(owner)}"><nvpair id="${escapeAttr(pid)}" name="${escapeAttr(name)}" value="${escapeAttr(o.value)}"/></${set}>`,
      },
      client: "crm_attribute",
    });
    return 0;
  }
  if (o.del) {
    if (current) {
      await cibRequest(socket, "cib.apply", {
        op: { op: "delete", section: scope, xml: `<nvpair id="${escapeAttr(current.attrs.id)}"/>` },
        client: "crm_attribute",
      });
      if (!o.quiet) io.stdout(`Deleted ${scope} option: id=${current.attrs.id} name=${name}\n`);
    }
    return 0;
  }
  return printValue(
    io,
    scope,
    name,
    current?.attrs.value ?? o.dflt,
    o.quiet,
    current === undefined && o.dflt === undefined,
  );
};

function findSetOf(section: XmlElement, setTag: string, nv: XmlElement): string {
  for (const s of elements(section, setTag)) if (s.children.includes(nv)) return s.attrs.id;
  return "";
}

function printValue(
  io: Parameters<Command>[1],
  scope: string,
  name: string,
  value: string | undefined,
  quiet: boolean,
  missing: boolean,
): number {
  if (missing || value === undefined) {
    io.stderr("Error performing operation: No such device or address\n");
    return 105;
  }
  io.stdout(quiet ? `${value}\n` : `scope=${scope}  name=${name} value=${value}\n`);
  return 0;
}
