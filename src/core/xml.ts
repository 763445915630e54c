// A small, fast XML element tree for CIB documents: parse, query, serialize.
// The CIB is XML at the edges only; this tree keeps everything (unknown
// elements, attribute order, comments) so a round trip changes nothing
// but insignificant whitespace.

import { ErrorCodes, TandemError } from "./errors.js";

export interface XmlElement {
  type: "element";
  name: string;
  /** Attributes in document order (object key order is insertion order). */
  attrs: Record<string, string>;
  children: XmlNode[];
}
export interface XmlText {
  type: "text";
  value: string;
}
export interface XmlComment {
  type: "comment";
  value: string;
}
export type XmlNode = XmlElement | XmlText | XmlComment;

export function el(name: string, attrs: Record<string, string> = {}, children: XmlNode[] = []): XmlElement {
  return { type: "element", name, attrs, children };
}

/** Child elements (optionally only those with a given tag name). */
export function elements(parent: XmlElement, name?: string): XmlElement[] {
  const out: XmlElement[] = [];
  const kids = parent.children;
  for (let i = 0; i < kids.length; i++) {
    const c = kids[i];
    if (c.type === "element" && (name === undefined || c.name === name)) out.push(c);
  }
  return out;
}

/** First child element with that name, if any. */
export function child(parent: XmlElement, name: string): XmlElement | undefined {
  const kids = parent.children;
  for (let i = 0; i < kids.length; i++) {
    const c = kids[i];
    if (c.type === "element" && c.name === name) return c;
  }
  return undefined;
}

/** Depth-first walk over all elements (including the root). */
export function* walkElements(root: XmlElement): Generator<XmlElement> {
  const stack: XmlElement[] = [root];
  while (stack.length > 0) {
    const e = stack.pop()!;
    yield e;
    for (let i = e.children.length - 1; i >= 0; i--) {
      const c = e.children[i];
      if (c.type === "element") stack.push(c);
    }
  }
}

/** Concatenated text content of an element (direct and nested). */
export function textContent(e: XmlElement): string {
  let s = "";
  for (const c of e.children) {
    if (c.type === "text") s += c.value;
    else if (c.type === "element") s += textContent(c);
  }
  return s;
}

export function cloneElement(e: XmlElement): XmlElement {
  return {
    type: "element",
    name: e.name,
    attrs: { ...e.attrs },
    children: e.children.map((c) => (c.type === "element" ? cloneElement(c) : { ...c })),
  };
}

const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function decodeEntities(s: string, pos: () => string): string {
  if (s.indexOf("&") < 0) return s;
  return s.replace(/&([^;&\s]{1,10});/g, (m, name: string) => {
    if (name[0] === "#") {
      const code =
        name[1] === "x" || name[1] === "X"
          ? Number.parseInt(name.slice(2), 16)
          : Number.parseInt(name.slice(1), 10);
      if (!Number.isFinite(code) || code < 0 || code > 0x10ffff)
        throw syntax(`bad character reference '${m}'`, pos());
      return String.fromCodePoint(code);
    }
    const v = ENTITIES[name];
    if (v === undefined) throw syntax(`unknown entity '${m}'`, pos());
    return v;
  });
}

function syntax(msg: string, where: string): TandemError {
  return new TandemError(ErrorCodes.XML_SYNTAX, `XML syntax error${where}: ${msg}`);
}

// Name characters by code unit (a table lookup: names are scanned for every tag and attribute).
const NAME_START = new Uint8Array(128);
const NAME_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  NAME_START[c] = /[A-Za-z_:]/.test(ch) ? 1 : 0;
  NAME_CHAR[c] = /[A-Za-z0-9_:.-]/.test(ch) ? 1 : 0;
}
const isNameStart = (c: number) => c < 128 && NAME_START[c] === 1;
const isNameChar = (c: number) => c < 128 && NAME_CHAR[c] === 1;

/** Element and attribute names that make up most of a CIB, by length. */
const KNOWN_NAMES: (string[] | undefined)[] = [];
for (const name of [
  "id",
  "op",
  "rsc",
  "lrm",
  "cib",
  "name",
  "type",
  "node",
  "kind",
  "then",
  "rule",
  "join",
  "crmd",
  "value",
  "class",
  "score",
  "group",
  "clone",
  "first",
  "nodes",
  "uname",
  "in_ccm",
  "status",
  "nvpair",
  "rc-code",
  "call-id",
  "timeout",
  "on_node",
  "provider",
  "interval",
  "with-rsc",
  "expected",
  "primitive",
  "operation",
  "op-status",
  "op-digest",
  "exec-time",
  "resources",
  "rsc_order",
  "queue-time",
  "operations",
  "crm_config",
  "expression",
  "node_state",
  "lrm_rsc_op",
  "constraints",
  "lrm_resource",
  "rsc_location",
  "lrm_resources",
  "configuration",
  "rsc_colocation",
  "last-rc-change",
  "transition-key",
  "meta_attributes",
  "crm_feature_set",
  "crm-debug-origin",
  "transition-magic",
  "instance_attributes",
  "transient_attributes",
  "cluster_property_set",
]) {
  const list = KNOWN_NAMES[name.length];
  if (list) list.push(name);
  else KNOWN_NAMES[name.length] = [name];
}

export interface ParseOptions {
  /** Name used in error messages (e.g. the file name). */
  source?: string;
  /** Keep whitespace-only text nodes (default false: they are layout, not content). */
  keepWhitespace?: boolean;
  /** Refuse documents larger than this many characters (default 256 MiB). */
  maxLength?: number;
}

/** Parses an XML document and returns its root element. Throws TandemError(XML_SYNTAX) with line:column. */
export function parseXml(text: string, opts: ParseOptions = {}): XmlElement {
  const max = opts.maxLength ?? 256 * 1024 * 1024;
  if (text.length > max) throw syntax(`document larger than ${max} characters`, "");
  const src = opts.source ? ` in ${opts.source}` : "";
  let i = 0;
  const n = text.length;
  const where = (at = i): string => {
    let line = 1;
    let col = 1;
    for (let k = 0; k < at && k < n; k++) {
      if (text.charCodeAt(k) === 10) {
        line++;
        col = 1;
      } else col++;
    }
    return `${src} at line ${line}, column ${col}`;
  };
  const fail = (msg: string, at = i): never => {
    throw syntax(msg, where(at));
  };
  const readName = (): string => {
    const start = i;
    if (i >= n || !isNameStart(text.charCodeAt(i))) fail("expected a name");
    i++;
    while (i < n && isNameChar(text.charCodeAt(i))) i++;
    // The CIB's common names come back as the same (internalized) string, not a fresh slice.
    const known = KNOWN_NAMES[i - start];
    if (known !== undefined)
      for (let k = 0; k < known.length; k++) if (text.startsWith(known[k], start)) return known[k];
    return text.slice(start, i);
  };
  const skipWs = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const skipMisc = (): XmlComment[] => {
    const comments: XmlComment[] = [];
    for (;;) {
      skipWs();
      if (text.startsWith("<?", i)) {
        const end = text.indexOf("?>", i + 2);
        if (end < 0) fail("unterminated processing instruction");
        i = end + 2;
      } else if (text.startsWith("<!--", i)) {
        const end = text.indexOf("-->", i + 4);
        if (end < 0) fail("unterminated comment");
        comments.push({ type: "comment", value: text.slice(i + 4, end) });
        i = end + 3;
      } else if (text.startsWith("<!DOCTYPE", i)) {
        fail("DOCTYPE declarations are not accepted");
      } else return comments;
    }
  };

  if (text.charCodeAt(0) === 0xfeff) i = 1;
  skipMisc();
  if (i >= n || text[i] !== "<") fail(i >= n ? "document is empty" : "expected '<' at start of document");

  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let done = false;
  while (i < n) {
    if (text[i] === "<") {
      if (text.startsWith("</", i)) {
        i += 2;
        const name = readName();
        skipWs();
        if (text[i] !== ">") fail("expected '>' in end tag");
        i++;
        const open = stack.pop();
        if (!open) fail(`unexpected end tag </${name}>`);
        if (open!.name !== name) fail(`end tag </${name}> does not match <${open!.name}>`);
        if (stack.length === 0) break;
        continue;
      }
      if (text.startsWith("<!--", i)) {
        const end = text.indexOf("-->", i + 4);
        if (end < 0) fail("unterminated comment");
        if (stack.length > 0)
          stack[stack.length - 1].children.push({ type: "comment", value: text.slice(i + 4, end) });
        i = end + 3;
        continue;
      }
      if (text.startsWith("<![CDATA[", i)) {
        const end = text.indexOf("]]>", i + 9);
        if (end < 0) fail("unterminated CDATA section");
        if (stack.length === 0) fail("text outside the root element");
        stack[stack.length - 1].children.push({ type: "text", value: text.slice(i + 9, end) });
        i = end + 3;
        continue;
      }
      if (text.startsWith("<?", i)) {
        const end = text.indexOf("?>", i + 2);
        if (end < 0) fail("unterminated processing instruction");
        i = end + 2;
        continue;
      }
      if (text.startsWith("<!", i)) fail("DOCTYPE and other declarations are not accepted");
      const tagStart = i;
      i++;
      const name = readName();
      const attrs: Record<string, string> = {};
      for (;;) {
        const before = i;
        skipWs();
        if (text[i] === "/" && text[i + 1] === ">") {
          i += 2;
          const e: XmlElement = { type: "element", name, attrs, children: [] };
          if (stack.length > 0) stack[stack.length - 1].children.push(e);
          else if (root) fail("more than one root element", tagStart);
          else root = e;
          if (stack.length === 0) done = true; // an empty root element: the document ends here
          break;
        }
        if (text[i] === ">") {
          i++;
          const e: XmlElement = { type: "element", name, attrs, children: [] };
          if (stack.length > 0) stack[stack.length - 1].children.push(e);
          else if (root) fail("more than one root element", tagStart);
          else root = e;
          stack.push(e);
          break;
        }
        if (i >= n) fail(`unterminated start tag <${name}>`, tagStart);
        if (i === before) fail(`expected whitespace between attributes of <${name}>`);
        const aStart = i;
        const aname = readName();
        skipWs();
        if (text[i] !== "=") fail(`expected '=' after attribute '${aname}'`);
        i++;
        skipWs();
        const q = text[i];
        if (q !== '"' && q !== "'") fail(`attribute '${aname}' value must be quoted`);
        const end = text.indexOf(q, i + 1);
        if (end < 0) fail(`unterminated value of attribute '${aname}'`);
        const raw = text.slice(i + 1, end);
        if (raw.indexOf("<") >= 0) fail(`'<' in value of attribute '${aname}'`, i + 1);
        if (Object.hasOwn(attrs, aname)) fail(`duplicate attribute '${aname}'`, aStart);
        const at = i;
        attrs[aname] = raw.indexOf("&") < 0 ? raw : decodeEntities(raw, () => where(at));
        i = end + 1;
      }
      if (done) break;
      continue;
    }
    const next = text.indexOf("<", i);
    const end = next < 0 ? n : next;
    const raw = text.slice(i, end);
    if (stack.length === 0) {
      if (raw.trim() !== "") fail("text outside the root element");
    } else if (opts.keepWhitespace || raw.trim() !== "") {
      const at = i;
      stack[stack.length - 1].children.push({ type: "text", value: decodeEntities(raw, () => where(at)) });
    }
    i = end;
  }
  if (stack.length > 0) fail(`unterminated element <${stack[stack.length - 1].name}>`, n);
  if (!root) fail("no root element");
  skipMisc();
  if (i < n) fail("content after the root element");
  return root!;
}

export function escapeAttr(s: string): string {
  return s.replace(/[&<>"\n\r\t]/g, (c) =>
    c === "&"
      ? "&amp;"
      : c === "<"
        ? "&lt;"
        : c === ">"
          ? "&gt;"
          : c === '"'
            ? "&quot;"
            : `&#${c.charCodeAt(0)};`,
  );
}
export function escapeText(s: string): string {
  return s.replace(/[&<>]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : "&gt;"));
}

export interface SerializeOptions {
  /** Indentation per level (default two spaces, as cibadmin prints); "" for one line. */
  indent?: string;
  /** Prefix the XML declaration. */
  declaration?: boolean;
}

/** Serializes an element tree. Elements with only text content stay on one line. */
export function serializeXml(root: XmlElement, opts: SerializeOptions = {}): string {
  const indent = opts.indent ?? "  ";
  const parts: string[] = [];
  if (opts.declaration) parts.push('<?xml version="1.0"?>', indent ? "\n" : "");
  const nl = indent ? "\n" : "";
  const write = (e: XmlElement, depth: number) => {
    const pad = indent.repeat(depth);
    let open = `${pad}<${e.name}`;
    for (const k in e.attrs) open += ` ${k}="${escapeAttr(e.attrs[k])}"`;
    if (e.children.length === 0) {
      parts.push(`${open}/>${nl}`);
      return;
    }
    const onlyText = e.children.every((c) => c.type === "text");
    if (onlyText) {
      parts.push(
        `${open}>${e.children.map((c) => escapeText((c as XmlText).value)).join("")}</${e.name}>${nl}`,
      );
      return;
    }
    parts.push(`${open}>${nl}`);
    for (const c of e.children) {
      if (c.type === "element") write(c, depth + 1);
      else if (c.type === "comment") parts.push(`${indent.repeat(depth + 1)}<!--${c.value}-->${nl}`);
      else if (c.value.trim() !== "") parts.push(`${indent.repeat(depth + 1)}${escapeText(c.value)}${nl}`);
    }
    parts.push(`${pad}</${e.name}>${nl}`);
  };
  write(root, 0);
  return parts.join("");
}
