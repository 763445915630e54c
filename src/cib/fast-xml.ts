// A fast path for parsing CIB XML: the plain documents Pacemaker and tandem write
// (elements and attributes, layout whitespace, an optional <?xml?> declaration)
// scanned with a few sticky regular expressions, which run as native code from
// the first call — a short crm_simulate run never gets core/xml.ts's character
// loop optimized. Anything else (comments, text, CDATA, entities, a syntax
// error ...) returns undefined and parseCib uses parseXml, which then gives the
// same tree or the exact error. The tree is the one parseXml returns.

import type { XmlElement } from "../core/xml.js";

// (names and whitespace as core/xml.ts accepts them: ASCII names, space/tab/CR/LF)
const TAG = /<(\/?)([A-Za-z_:][-A-Za-z0-9_:.]*)/y;
const ATTR = /[ \t\r\n]+([A-Za-z_:][-A-Za-z0-9_:.]*)[ \t\r\n]*=[ \t\r\n]*(?:"([^"<&]*)"|'([^'<&]*)')/y;
const TAG_END = /[ \t\r\n]*(\/?)>/y;
const WS = /[ \t\r\n]*/y;
const DECLARATION = /<\?xml[ \t\r\n][^?]*\?>/y;

/** Index after the whitespace at `i`. */
function skipWs(text: string, i: number): number {
  WS.lastIndex = i;
  WS.exec(text);
  return WS.lastIndex;
}

/** The document's root element, or undefined when the fast path does not apply. */
export function fastParseXml(text: string, maxLength = 256 * 1024 * 1024): XmlElement | undefined {
  if (text.length > maxLength) return undefined;
  const n = text.length;
  let i = skipWs(text, 0);
  DECLARATION.lastIndex = i;
  if (DECLARATION.exec(text)) i = skipWs(text, DECLARATION.lastIndex);
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (i < n) {
    if (text.charCodeAt(i) !== 60 /* < */) {
      // Only layout whitespace between tags (and never outside the root).
      const next = skipWs(text, i);
      if (next >= n || text.charCodeAt(next) !== 60 || stack.length === 0) return undefined;
      i = next;
      continue;
    }
    TAG.lastIndex = i;
    const m = TAG.exec(text);
    if (m === null) return undefined;
    const name = m[2];
    i = TAG.lastIndex;
    if (m[1] === "/") {
      TAG_END.lastIndex = i;
      const end = TAG_END.exec(text);
      if (end === null || end[1] === "/") return undefined;
      const open = stack.pop();
      if (open === undefined || open.name !== name) return undefined;
      i = TAG_END.lastIndex;
      if (stack.length === 0) break;
      continue;
    }
    const attrs: Record<string, string> = {};
    for (;;) {
      ATTR.lastIndex = i;
      const a = ATTR.exec(text);
      if (a === null) break;
      if (Object.hasOwn(attrs, a[1])) return undefined;
      attrs[a[1]] = a[2] ?? a[3];
      i = ATTR.lastIndex;
    }
    TAG_END.lastIndex = i;
    const end = TAG_END.exec(text);
    if (end === null) return undefined;
    i = TAG_END.lastIndex;
    const e: XmlElement = { type: "element", name, attrs, children: [] };
    if (stack.length > 0) stack[stack.length - 1].children.push(e);
    else if (root === undefined) root = e;
    else return undefined;
    if (end[1] !== "/") stack.push(e);
    else if (stack.length === 0) break; // an empty root element
  }
  if (root === undefined || stack.length > 0) return undefined;
  return skipWs(text, i) === n ? root : undefined;
}
