// A fast path for parsing CIB XML: the plain documents Pacemaker and tandem write
// (elements and attributes, layout whitespace, an optional <?xml?> declaration)
// scanned with a few sticky regular expressions, which run as native code from
// the first call — a short crm_simulate run never gets core/xml.ts's character
// loop optimized. Anything else (comments, text, CDATA, entities, a syntax
// error ...) returns undefined and parseCib uses parseXml, which then gives the
// same tree or the exact error. The tree is the one parseXml returns.

import type { XmlElement } from "../core/xml.js";

// (names and whitespace as core/xml.ts accepts them: ASCII names, space/tab/CR/LF).
// Only test() and lastIndex are used: exec's match arrays were most of what a
// parse allocated.
const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const WS = /[ \t\r\n]*/y;
const DQ_VALUE = /[^"<&]*"/y;
const SQ_VALUE = /[^'<&]*'/y;
const DECLARATION = /<\?xml[ \t\r\n][^?]*\?>/y;

/** Index after the whitespace at `i`. */
function skipWs(text: string, i: number): number {
  WS.lastIndex = i;
  WS.test(text);
  return WS.lastIndex;
}

/** Index after the name at `i`, or -1 when there is none. */
function nameEnd(text: string, i: number): number {
  NAME.lastIndex = i;
  return NAME.test(text) ? NAME.lastIndex : -1;
}

/** The document's root element, or undefined when the fast path does not apply. */
export function fastParseXml(text: string, maxLength = 256 * 1024 * 1024): XmlElement | undefined {
  if (text.length > maxLength) return undefined;
  const n = text.length;
  let i = skipWs(text, 0);
  DECLARATION.lastIndex = i;
  if (DECLARATION.test(text)) i = skipWs(text, DECLARATION.lastIndex);
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
    if (text.charCodeAt(i + 1) === 47 /* / */) {
      const end = nameEnd(text, i + 2);
      if (end < 0) return undefined;
      const open = stack.pop();
      if (open === undefined || open.name !== text.slice(i + 2, end)) return undefined;
      i = skipWs(text, end);
      if (text.charCodeAt(i) !== 62 /* > */) return undefined;
      i++;
      if (stack.length === 0) break;
      continue;
    }
    const end = nameEnd(text, i + 1);
    if (end < 0) return undefined;
    const name = text.slice(i + 1, end);
    i = end;
    const attrs: Record<string, string> = {};
    let c: number;
    for (;;) {
      const at = skipWs(text, i);
      c = text.charCodeAt(at);
      if (c === 62 /* > */ || c === 47 /* / */ || at === i) {
        i = at;
        break;
      }
      const aEnd = nameEnd(text, at);
      if (aEnd < 0) return undefined;
      const aname = text.slice(at, aEnd);
      let v = skipWs(text, aEnd);
      if (text.charCodeAt(v) !== 61 /* = */) return undefined;
      v = skipWs(text, v + 1);
      const q = text.charCodeAt(v);
      const value = q === 34 /* " */ ? DQ_VALUE : q === 39 /* ' */ ? SQ_VALUE : undefined;
      if (value === undefined) return undefined;
      value.lastIndex = v + 1;
      if (!value.test(text)) return undefined;
      if (Object.hasOwn(attrs, aname)) return undefined;
      attrs[aname] = text.slice(v + 1, value.lastIndex - 1);
      i = value.lastIndex;
    }
    let empty = false;
    if (c === 47 /* / */) {
      if (text.charCodeAt(i + 1) !== 62) return undefined;
      empty = true;
      i += 2;
    } else if (c === 62) i++;
    else return undefined;
    const e: XmlElement = { type: "element", name, attrs, children: [] };
    if (stack.length > 0) stack[stack.length - 1].children.push(e);
    else if (root === undefined) root = e;
    else return undefined;
    if (!empty) stack.push(e);
    else if (stack.length === 0) break; // an empty root element
  }
  if (root === undefined || stack.length > 0) return undefined;
  return skipWs(text, i) === n ? root : undefined;
}
