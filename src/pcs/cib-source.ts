// Where a pcs command reads and writes the CIB. With "-f FILE" it is a file (pcs's own
// option: work on a file instead of the live cluster); without it, the live cluster.
// The daemon side plugs the live CIB in by setting `liveCib.factory` (see below):
// commands never know which one they use.

import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import type { CommandIO } from "../cli/io.js";
import { parseXml, serializeXml, type XmlElement } from "../core/xml.js";
import { PcsError } from "./errors.js";

export interface CibSource {
  /** "file" for -f, "live" for the running cluster. Some commands differ (pcs refuses -f for a few). */
  readonly kind: "file" | "live";
  /** Reads the whole CIB (configuration and status) as XML text. */
  load(): Promise<string>;
  /** Replaces the CIB with this XML text, as one transaction. */
  push(xml: string): Promise<void>;
}

/**
 * Hook for the live cluster. The daemon/IPC side sets `factory` (e.g. in its client
 * module, imported by src/cli/pcs.ts); until then, and when no cluster runs,
 * commands fail with pcs's own "unable to get cib" errors.
 */
export const liveCib: { factory?: (io: CommandIO) => CibSource | undefined } = {};

/** An empty CIB as `cibadmin --empty` makes it (pcs writes this when -f names a missing file). */
export function emptyCibXml(): string {
  return (
    '<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">\n' +
    "  <configuration>\n    <crm_config/>\n    <nodes/>\n    <resources/>\n    <constraints/>\n" +
    "  </configuration>\n  <status/>\n</cib>\n"
  );
}

export class FileCibSource implements CibSource {
  readonly kind = "file";
  readonly path: string;
  constructor(file: string, cwd: string) {
    this.path = isAbsolute(file) ? file : resolve(cwd, file);
  }
  async load(): Promise<string> {
    if (!existsSync(this.path)) {
      // pcs creates an empty CIB in a file named by -f that does not exist yet.
      try {
        writeFileSync(this.path, emptyCibXml());
      } catch (e) {
        throw new PcsError(`Unable to write to file '${this.path}': ${(e as Error).message}`);
      }
    }
    try {
      return readFileSync(this.path, "utf8");
    } catch (e) {
      throw new PcsError(`Unable to read file '${this.path}': ${(e as Error).message}`);
    }
  }
  async push(xml: string): Promise<void> {
    const tmp = join(dirname(this.path), `.${process.pid}.${Date.now()}.pcs-tmp`);
    try {
      writeFileSync(tmp, xml);
      renameSync(tmp, this.path);
    } catch (e) {
      throw new PcsError(`Unable to write to file '${this.path}': ${(e as Error).message}`);
    }
  }
}

/** Used when there is no -f and no live source: every access fails as pcs does with no cluster. */
export class NoClusterCibSource implements CibSource {
  readonly kind = "live";
  async load(): Promise<string> {
    throw new PcsError("unable to get cib");
  }
  async push(): Promise<void> {
    throw new PcsError("unable to get cib");
  }
}

/** The error pcs prints for status commands when the cluster is not running on this node. */
export function clusterNotRunningError(): PcsError {
  return new PcsError("error running crm_mon, is pacemaker running?", {
    details: [
      "  error: Could not connect to launcher: Connection refused",
      "  crm_mon: Connection to cluster failed: Connection refused",
    ],
  });
}

/** Parses CIB text, with a pcs-style error when it is not a CIB. */
export function parseCib(xml: string): XmlElement {
  let root: XmlElement;
  try {
    root = parseXml(xml, { source: "the CIB" });
  } catch (e) {
    throw new PcsError(`Unable to parse cib: ${(e as Error).message}`);
  }
  if (root.name !== "cib") throw new PcsError("Unable to parse cib: the root element is not <cib>");
  return root;
}

export function serializeCib(root: XmlElement): string {
  return serializeXml(root);
}
