// CIB versions: the triple admin_epoch.epoch.num_updates carried as attributes
// of the <cib> root. A configuration change bumps epoch and resets num_updates;
// a status-only change bumps num_updates; admin_epoch is only ever raised by an
// administrator. Versions compare as tuples, and when two copies meet (after a
// partition heals) the copy with the highest tuple wins, as in Pacemaker.

import { ErrorCodes, TandemError } from "../core/errors.js";
import type { XmlElement } from "../core/xml.js";

/** Same shape as CibVersion in model.ts (kept here so this module stands alone). */
export interface CibVersion {
  adminEpoch: number;
  epoch: number;
  numUpdates: number;
}

const ATTRS = [
  ["admin_epoch", "adminEpoch"],
  ["epoch", "epoch"],
  ["num_updates", "numUpdates"],
] as const;

function parseCounter(cib: XmlElement, attr: string): number {
  const text = cib.attrs[attr];
  if (text === undefined || text === "") return 0; // Pacemaker treats a missing counter as 0
  if (!/^\d+$/.test(text.trim()))
    throw new TandemError(
      ErrorCodes.CIB_INVALID,
      `cib: '${attr}' must be a non-negative integer: got '${text}'`,
    );
  const n = Number(text.trim());
  if (!Number.isSafeInteger(n))
    throw new TandemError(ErrorCodes.CIB_INVALID, `cib: '${attr}' is too large: got '${text}'`);
  return n;
}

/** Reads the version triple of a <cib> element (missing counters read as 0). */
export function readVersion(cib: XmlElement): CibVersion {
  return {
    adminEpoch: parseCounter(cib, "admin_epoch"),
    epoch: parseCounter(cib, "epoch"),
    numUpdates: parseCounter(cib, "num_updates"),
  };
}

/** Writes the triple into the <cib> element's attributes (in place). */
export function writeVersion(cib: XmlElement, v: CibVersion): void {
  for (const [attr, key] of ATTRS) cib.attrs[attr] = String(v[key]);
}

/** Tuple comparison: negative when a is older than b, 0 when equal, positive when newer. */
export function compareVersions(a: CibVersion, b: CibVersion): number {
  return a.adminEpoch - b.adminEpoch || a.epoch - b.epoch || a.numUpdates - b.numUpdates;
}

export function versionsEqual(a: CibVersion, b: CibVersion): boolean {
  return compareVersions(a, b) === 0;
}

/** "admin_epoch.epoch.num_updates", as cibadmin and the logs print it. */
export function formatVersion(v: CibVersion): string {
  return `${v.adminEpoch}.${v.epoch}.${v.numUpdates}`;
}

/** Parses "A.E.N" (the form formatVersion writes). */
export function parseVersion(text: string): CibVersion {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(text.trim());
  if (!m)
    throw new TandemError(
      ErrorCodes.CIB_INVALID,
      `a CIB version must look like admin_epoch.epoch.num_updates: got '${text}'`,
    );
  return { adminEpoch: Number(m[1]), epoch: Number(m[2]), numUpdates: Number(m[3]) };
}

export type ChangeKind = "config" | "status" | "admin";

/**
 * The version after a change: a configuration change bumps epoch and resets
 * num_updates; a status change bumps num_updates; an administrative bump
 * raises admin_epoch and resets the rest (cibadmin --modify of admin_epoch).
 */
export function bumpVersion(v: CibVersion, kind: ChangeKind): CibVersion {
  switch (kind) {
    case "config":
      return { adminEpoch: v.adminEpoch, epoch: v.epoch + 1, numUpdates: 0 };
    case "status":
      return { ...v, numUpdates: v.numUpdates + 1 };
    case "admin":
      return { adminEpoch: v.adminEpoch + 1, epoch: 0, numUpdates: 0 };
  }
}

/**
 * Which of several copies wins when they meet: the highest version tuple.
 * Ties keep the earliest candidate (callers list the local copy first, so an
 * equal remote copy does not cause a needless resync). Returns its index.
 */
export function winningCopy(versions: readonly CibVersion[]): number {
  if (versions.length === 0) throw new TandemError(ErrorCodes.INVARIANT, "winningCopy: no candidates");
  let best = 0;
  for (let i = 1; i < versions.length; i++) if (compareVersions(versions[i], versions[best]) > 0) best = i;
  return best;
}
