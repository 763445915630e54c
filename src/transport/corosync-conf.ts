// corosync.conf: parser and writer for the real syntax (corosync.conf(5)), a typed model of it,
// and its mapping to what the transport and the membership engine need (nodes, links, timeouts,
// quorum options). The writer produces the layout pcs writes, so `pcs cluster setup` uses it.
//
// Syntax: `name {` opens a section, `}` closes it, `key: value` sets an option (value = rest of
// the line, trimmed; a pair of surrounding double quotes is removed), lines whose first
// non-blank character is `#` are comments. Errors name the line and column.

import { ErrorCodes, TandemError } from "../core/errors.js";

/** One option line, kept with its position for error messages. */
export interface ConfOption {
  key: string;
  value: string;
  line: number;
}

/** A section of the generic tree: options and subsections in file order. */
export interface ConfSection {
  name: string;
  line: number;
  options: ConfOption[];
  sections: ConfSection[];
}

/** Options as an ordered name -> value map (later duplicates win, as in corosync). */
export type ConfOptions = Record<string, string>;

export interface CorosyncNode {
  nodeid: number;
  name?: string;
  /** Link number (0..7) -> address (`ringN_addr`). */
  rings: Record<number, string>;
  /** Other options of the node block (quorum_votes...), in order. */
  extra: ConfOptions;
}

/** The typed model of a corosync.conf. Unknown sections and options are kept, never dropped. */
export interface CorosyncConf {
  totem: ConfOptions;
  /** `interface { }` subsections of totem (linknumber, knet_ping_interval...). */
  interfaces: ConfOptions[];
  nodes: CorosyncNode[];
  quorum: ConfOptions;
  logging: ConfOptions;
  /** `logger_subsys { }` subsections of logging. */
  loggerSubsys: ConfOptions[];
  /** Other top-level sections (system, resources, nodelist-level options...), kept verbatim. */
  other: ConfSection[];
}

export const MAX_LINKS = 8;
const MAX_CONF_BYTES = 1 << 20;
const KEY_RE = /^[A-Za-z0-9_.-]+$/;

function syntaxError(line: number, col: number, msg: string): TandemError {
  return new TandemError(
    ErrorCodes.COROSYNC_CONF_SYNTAX,
    `corosync.conf line ${line}, column ${col}: ${msg}`,
  );
}

function invalid(msg: string, line?: number): TandemError {
  const where = line === undefined ? "" : ` (line ${line})`;
  return new TandemError(ErrorCodes.COROSYNC_CONF_INVALID, `corosync.conf: ${msg}${where}`);
}

/** Parses the text into the generic section tree (the root section has name ""). */
export function parseConfTree(text: string): ConfSection {
  if (text.length > MAX_CONF_BYTES) throw syntaxError(1, 1, `file is larger than ${MAX_CONF_BYTES} bytes`);
  const root: ConfSection = { name: "", line: 0, options: [], sections: [] };
  const stack: ConfSection[] = [root];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const lineNo = i + 1;
    const lead = raw.length - raw.trimStart().length;
    const t = raw.trim();
    if (t === "" || t.startsWith("#")) continue;
    const top = stack[stack.length - 1];
    if (t === "}") {
      if (stack.length === 1) throw syntaxError(lineNo, lead + 1, "'}' without an open section");
      stack.pop();
      continue;
    }
    const colon = t.indexOf(":");
    const brace = t.indexOf("{");
    if (colon > 0 && (brace < 0 || colon < brace) && KEY_RE.test(t.slice(0, colon).trim())) {
      const key = t.slice(0, colon).trim();
      let value = t.slice(colon + 1).trim();
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
      if (stack.length === 1) throw syntaxError(lineNo, lead + 1, `option '${key}' outside of any section`);
      top.options.push({ key, value, line: lineNo });
      continue;
    }
    if (t.endsWith("{")) {
      const name = t.slice(0, -1).trim();
      if (name === "") throw syntaxError(lineNo, lead + 1, "section without a name before '{'");
      if (!KEY_RE.test(name)) throw syntaxError(lineNo, lead + 1, `invalid section name '${name}'`);
      const s: ConfSection = { name, line: lineNo, options: [], sections: [] };
      top.sections.push(s);
      stack.push(s);
      continue;
    }
    if (colon === 0) throw syntaxError(lineNo, lead + 1, "option without a name before ':'");
    if (colon > 0) {
      throw syntaxError(lineNo, lead + 1, `invalid option name '${t.slice(0, colon).trim()}'`);
    }
    throw syntaxError(lineNo, lead + 1, `expected 'key: value', 'name {' or '}', got '${clip(t)}'`);
  }
  if (stack.length > 1) {
    const open = stack[stack.length - 1];
    throw syntaxError(lines.length, 1, `section '${open.name}' opened on line ${open.line} is not closed`);
  }
  return root;
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}

function optionsOf(s: ConfSection): ConfOptions {
  const o: ConfOptions = {};
  for (const opt of s.options) o[opt.key] = opt.value;
  return o;
}

const RING_RE = /^ring([0-9]+)_addr$/;

function parseNode(s: ConfSection): CorosyncNode {
  if (s.sections.length > 0)
    throw invalid(`unexpected section '${s.sections[0].name}' in node`, s.sections[0].line);
  const rings: Record<number, string> = {};
  const extra: ConfOptions = {};
  let nodeid: number | undefined;
  let name: string | undefined;
  for (const o of s.options) {
    const m = RING_RE.exec(o.key);
    if (m) {
      const link = Number(m[1]);
      if (link >= MAX_LINKS) throw invalid(`${o.key}: link number must be 0..${MAX_LINKS - 1}`, o.line);
      if (o.value === "") throw invalid(`${o.key} is empty`, o.line);
      rings[link] = o.value;
    } else if (o.key === "nodeid") {
      if (!/^[0-9]+$/.test(o.value) || Number(o.value) < 1 || Number(o.value) > 0xffffffff)
        throw invalid(`nodeid must be an integer from 1 to 4294967295: got '${o.value}'`, o.line);
      nodeid = Number(o.value);
    } else if (o.key === "name") {
      name = o.value;
    } else extra[o.key] = o.value;
  }
  if (nodeid === undefined) throw invalid("node has no nodeid", s.line);
  if (Object.keys(rings).length === 0)
    throw invalid(`node ${nodeid} has no ring0_addr (or ringN_addr)`, s.line);
  const node: CorosyncNode = { nodeid, rings, extra };
  if (name !== undefined) node.name = name;
  return node;
}

/** Parses and validates a corosync.conf text into the typed model. */
export function parseCorosyncConf(text: string): CorosyncConf {
  const root = parseConfTree(text);
  const conf: CorosyncConf = {
    totem: {},
    interfaces: [],
    nodes: [],
    quorum: {},
    logging: {},
    loggerSubsys: [],
    other: [],
  };
  let sawTotem = false;
  for (const s of root.sections) {
    if (s.name === "totem") {
      sawTotem = true;
      Object.assign(conf.totem, optionsOf(s));
      for (const sub of s.sections) {
        if (sub.name !== "interface") throw invalid(`unexpected section '${sub.name}' in totem`, sub.line);
        conf.interfaces.push(optionsOf(sub));
      }
    } else if (s.name === "nodelist") {
      if (s.options.length > 0)
        throw invalid(`unexpected option '${s.options[0].key}' in nodelist`, s.options[0].line);
      for (const sub of s.sections) {
        if (sub.name !== "node") throw invalid(`unexpected section '${sub.name}' in nodelist`, sub.line);
        conf.nodes.push(parseNode(sub));
      }
    } else if (s.name === "quorum") {
      if (s.sections.length > 0)
        throw invalid(`unexpected section '${s.sections[0].name}' in quorum`, s.sections[0].line);
      Object.assign(conf.quorum, optionsOf(s));
    } else if (s.name === "logging") {
      Object.assign(conf.logging, optionsOf(s));
      for (const sub of s.sections) {
        if (sub.name !== "logger_subsys")
          throw invalid(`unexpected section '${sub.name}' in logging`, sub.line);
        conf.loggerSubsys.push(optionsOf(sub));
      }
    } else conf.other.push(s);
  }
  if (!sawTotem) throw invalid("no totem section");
  validateNodes(conf.nodes);
  return conf;
}

function validateNodes(nodes: CorosyncNode[]): void {
  const ids = new Set<number>();
  const names = new Set<string>();
  const addrs = new Map<string, number>();
  for (const n of nodes) {
    if (ids.has(n.nodeid)) throw invalid(`nodeid ${n.nodeid} is used by two nodes`);
    ids.add(n.nodeid);
    if (n.name !== undefined) {
      if (names.has(n.name)) throw invalid(`node name '${n.name}' is used by two nodes`);
      names.add(n.name);
    }
    for (const a of Object.values(n.rings)) {
      const other = addrs.get(a);
      if (other !== undefined && other !== n.nodeid)
        throw invalid(`address ${a} is used by nodes ${other} and ${n.nodeid}`);
      addrs.set(a, n.nodeid);
    }
  }
  if (nodes.length > 0) {
    const linkSets = nodes.map((n) => Object.keys(n.rings).sort().join(","));
    if (new Set(linkSets).size > 1)
      throw invalid("all nodes must have addresses on the same links (ringN_addr)");
  }
}

// ---------------------------------------------------------------- writer

function quoteValue(v: string): string {
  if (v.includes("\n") || v.includes("\r")) throw invalid(`a value cannot span lines: '${clip(v)}'`);
  if (v === "" || v !== v.trim() || (v.length >= 2 && v.startsWith('"') && v.endsWith('"'))) return `"${v}"`;
  return v;
}

function checkKey(k: string): string {
  if (!KEY_RE.test(k)) throw invalid(`invalid option name '${k}'`);
  return k;
}

function writeOptions(out: string[], opts: ConfOptions, indent: string): void {
  for (const [k, v] of Object.entries(opts)) out.push(`${indent}${checkKey(k)}: ${quoteValue(v)}`);
}

function writeSection(out: string[], s: ConfSection, indent: string): void {
  out.push(`${indent}${checkKey(s.name)} {`);
  for (const o of s.options) out.push(`${indent}    ${checkKey(o.key)}: ${quoteValue(o.value)}`);
  for (const sub of s.sections) {
    out.push("");
    writeSection(out, sub, `${indent}    `);
  }
  out.push(`${indent}}`);
}

/** Writes the model in the layout pcs uses: 4-space indent, a blank line between blocks. */
export function writeCorosyncConf(conf: CorosyncConf): string {
  validateNodes(conf.nodes);
  const blocks: string[][] = [];
  const totem: string[] = ["totem {"];
  writeOptions(totem, conf.totem, "    ");
  for (const itf of conf.interfaces) {
    totem.push("", "    interface {");
    writeOptions(totem, itf, "        ");
    totem.push("    }");
  }
  totem.push("}");
  blocks.push(totem);
  const nodelist: string[] = ["nodelist {"];
  conf.nodes.forEach((n, i) => {
    if (i > 0) nodelist.push("");
    nodelist.push("    node {");
    for (const link of Object.keys(n.rings)
      .map(Number)
      .sort((a, b) => a - b))
      nodelist.push(`        ring${link}_addr: ${quoteValue(n.rings[link])}`);
    if (n.name !== undefined) nodelist.push(`        name: ${quoteValue(n.name)}`);
    nodelist.push(`        nodeid: ${n.nodeid}`);
    writeOptions(nodelist, n.extra, "        ");
    nodelist.push("    }");
  });
  nodelist.push("}");
  blocks.push(nodelist);
  const quorum: string[] = ["quorum {"];
  writeOptions(quorum, conf.quorum, "    ");
  quorum.push("}");
  blocks.push(quorum);
  const logging: string[] = ["logging {"];
  writeOptions(logging, conf.logging, "    ");
  for (const sub of conf.loggerSubsys) {
    logging.push("", "    logger_subsys {");
    writeOptions(logging, sub, "        ");
    logging.push("    }");
  }
  logging.push("}");
  blocks.push(logging);
  for (const s of conf.other) {
    const b: string[] = [];
    writeSection(b, s, "");
    blocks.push(b);
  }
  return `${blocks.map((b) => b.join("\n")).join("\n\n")}\n`;
}

/** A minimal model for `pcs cluster setup NAME node[addr=IP]...` (what pcs 0.11 writes). */
export function newClusterConf(opts: {
  clusterName: string;
  clusterUuid?: string;
  nodes: Array<{ name: string; addrs: string[] }>;
  transport?: string;
  totem?: ConfOptions;
  quorum?: ConfOptions;
  logfile?: string;
}): CorosyncConf {
  const totem: ConfOptions = {
    version: "2",
    cluster_name: opts.clusterName,
    transport: opts.transport ?? "knet",
    crypto_cipher: "aes256",
    crypto_hash: "sha256",
  };
  if (opts.clusterUuid !== undefined) totem.cluster_uuid = opts.clusterUuid;
  Object.assign(totem, opts.totem ?? {});
  const quorum: ConfOptions = { provider: "corosync_votequorum" };
  if (opts.nodes.length === 2) quorum.two_node = "1";
  Object.assign(quorum, opts.quorum ?? {});
  return {
    totem,
    interfaces: [],
    nodes: opts.nodes.map((n, i) => ({
      nodeid: i + 1,
      name: n.name,
      rings: Object.fromEntries(n.addrs.map((a, link) => [link, a])),
      extra: {},
    })),
    quorum,
    logging: {
      to_logfile: "yes",
      logfile: opts.logfile ?? "/var/log/tandem/corosync.log",
      to_syslog: "yes",
      timestamp: "on",
    },
    loggerSubsys: [],
    other: [],
  };
}
