// The CIB on disk (an I/O edge used by the daemon, not by the pure layers).
// Layout under var/lib/tandem/cib/, as Pacemaker keeps it:
//   cib.xml + cib.xml.sig      the current configuration and its digest
//   cib-N.raw + cib-N.raw.sig  numbered backups of the previous copies
//   cib.last                   the number of the newest backup
// Only the configuration is trusted from disk: the status section is always
// written empty and dropped at load (it is rebuilt from the nodes).
// Every file is written atomically: temp file, fsync, rename, fsync of the dir.
// At start a corrupt or half-written copy (digest mismatch, not XML, not a
// <cib>) is skipped, loudly, and the newest good copy is used.

import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { ErrorCodes, TandemError } from "../core/errors.js";
import type { Logger } from "../core/log.js";
import { nullLogger } from "../core/log.js";
import { child, el, parseXml, serializeXml, type XmlElement } from "../core/xml.js";

export const CIB_FILE = "cib.xml";
export const DEFAULT_BACKUPS = 10;

/** The digest stored beside each copy (sha256 of the exact file bytes, hex). */
export function cibDigest(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}

/** A copy of the CIB without its status section (an empty <status/> in its place). */
export function withoutStatus(cib: XmlElement): XmlElement {
  const children = cib.children.filter((c) => !(c.type === "element" && c.name === "status"));
  return { ...cib, attrs: { ...cib.attrs }, children: [...children, el("status")] };
}

function fsyncPath(p: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(p, "r");
    fs.fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on directories; the rename is still atomic.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Writes `data` to `file` atomically: temp file in the same dir, fsync, rename, fsync dir. */
export function writeFileAtomic(file: string, data: string | Buffer, mode = 0o600): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}`);
  const fd = fs.openSync(tmp, "w", mode);
  try {
    fs.writeSync(fd, typeof data === "string" ? Buffer.from(data, "utf8") : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncPath(dir);
}

export interface CibStoreOptions {
  /** Directory holding cib.xml (TANDEM_ROOT/var/lib/tandem/cib). */
  dir: string;
  /** How many numbered backups to keep (default 10). */
  backups?: number;
  log?: Logger;
}

export interface LoadedCib {
  /** The configuration read from disk (status section empty), or undefined when none is usable. */
  cib: XmlElement | undefined;
  /** Which file it came from (relative to the dir), if any. */
  source?: string;
  /** Files that were present but rejected, with the reason. */
  rejected: { file: string; reason: string }[];
}

/** Why a copy on disk cannot be used, or undefined when it is good. */
function checkCopy(dir: string, name: string): { cib?: XmlElement; reason?: string } {
  const file = path.join(dir, name);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    return { reason: `cannot read: ${(e as Error).message}` };
  }
  let sig: string;
  try {
    sig = fs.readFileSync(`${file}.sig`, "utf8").trim();
  } catch {
    return { reason: "digest file missing" };
  }
  const actual = cibDigest(bytes);
  if (sig !== actual)
    return { reason: `digest mismatch (file ${actual.slice(0, 12)}…, recorded ${sig.slice(0, 12)}…)` };
  let root: XmlElement;
  try {
    root = parseXml(bytes.toString("utf8"), { source: name });
  } catch (e) {
    return { reason: (e as Error).message };
  }
  if (root.name !== "cib") return { reason: `root element is <${root.name}>, not <cib>` };
  if (!child(root, "configuration")) return { reason: "no <configuration> section" };
  return { cib: root };
}

/** Numbered backups present in the dir, newest first. */
function backupNumbers(dir: string): number[] {
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const nums: number[] = [];
  for (const n of names) {
    const m = /^cib-(\d+)\.raw$/.exec(n);
    if (m) nums.push(Number(m[1]));
  }
  return nums.sort((a, b) => b - a);
}

/** Persistence of one node's CIB configuration. */
export class CibDiskStore {
  readonly dir: string;
  private readonly keep: number;
  private readonly log: Logger;
  /** Serialized config last written (to skip writes when only status changed). */
  private lastWritten: string | undefined;

  constructor(opts: CibStoreOptions) {
    this.dir = opts.dir;
    this.keep = Math.max(1, opts.backups ?? DEFAULT_BACKUPS);
    this.log = opts.log ?? nullLogger;
  }

  /**
   * Reads the newest good copy: cib.xml if its digest and XML are good, else the
   * newest good numbered backup. Each rejected copy is logged at crit level.
   */
  load(): LoadedCib {
    const rejected: { file: string; reason: string }[] = [];
    const candidates: string[] = [];
    if (fs.existsSync(path.join(this.dir, CIB_FILE))) candidates.push(CIB_FILE);
    for (const n of backupNumbers(this.dir)) candidates.push(`cib-${n}.raw`);
    for (const name of candidates) {
      const r = checkCopy(this.dir, name);
      if (r.cib) {
        if (rejected.length > 0)
          this.log.log("crit", `CIB on disk was damaged; using the newest good copy ${name}`, {
            rejected,
          });
        const cib = withoutStatus(r.cib);
        this.lastWritten = serializeXml(cib);
        return { cib, source: name, rejected };
      }
      rejected.push({ file: name, reason: r.reason ?? "unusable" });
      this.log.log("crit", `CIB copy ${name} is unusable: ${r.reason}`);
    }
    if (rejected.length > 0)
      this.log.log("crit", "no usable CIB copy on disk; starting from an empty configuration", { rejected });
    return { cib: undefined, rejected };
  }

  /**
   * Writes the configuration (status dropped). The previous cib.xml becomes the
   * next numbered backup; backups beyond the configured count are removed.
   * Returns false when nothing changed since the last write.
   */
  save(cib: XmlElement): boolean {
    if (cib.name !== "cib") throw new TandemError(ErrorCodes.INVARIANT, "save: root element must be <cib>");
    const text = serializeXml(withoutStatus(cib));
    if (text === this.lastWritten) return false;
    try {
      fs.mkdirSync(this.dir, { recursive: true, mode: 0o750 });
      const current = path.join(this.dir, CIB_FILE);
      if (fs.existsSync(current) && checkCopy(this.dir, CIB_FILE).cib) {
        const next = (backupNumbers(this.dir)[0] ?? 0) + 1;
        const bytes = fs.readFileSync(current);
        writeFileAtomic(path.join(this.dir, `cib-${next}.raw`), bytes);
        writeFileAtomic(path.join(this.dir, `cib-${next}.raw.sig`), `${cibDigest(bytes)}\n`);
        writeFileAtomic(path.join(this.dir, "cib.last"), `${next}\n`);
        for (const old of backupNumbers(this.dir).slice(this.keep)) {
          fs.rmSync(path.join(this.dir, `cib-${old}.raw`), { force: true });
          fs.rmSync(path.join(this.dir, `cib-${old}.raw.sig`), { force: true });
        }
      }
      // Content first, then its digest: a crash between the two leaves a copy whose
      // digest does not match, which load() rejects in favour of the backup above.
      writeFileAtomic(current, text);
      writeFileAtomic(`${current}.sig`, `${cibDigest(text)}\n`);
    } catch (e) {
      throw new TandemError(ErrorCodes.IO, `cannot write the CIB to ${this.dir}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    this.lastWritten = text;
    return true;
  }
}
