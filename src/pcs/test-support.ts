// Helpers for the pcs tests: run `pcs` in-process with one interleaved output (as the
// reference files captured stdout+stderr together), temp dirs, and the tutorial's
// starting CIB derived from the reference cib.xml (resources and constraints removed).

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { pcsCommand } from "../cli/pcs.js";
import type { CommandIO } from "../cli/io.js";
import { child, elements, parseXml, serializeXml } from "../core/xml.js";

export const repoRoot = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");
export const referenceDir = resolve(repoRoot, "../shared/reference/pacemaker-2.1.5");

export function reference(name: string): string {
  return readFileSync(join(referenceDir, name), "utf8");
}

export interface PcsRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved in the order they were written. */
  all: string;
}

export async function pcs(
  argv: string[],
  opts: { cwd: string; env?: Record<string, string | undefined> },
): Promise<PcsRun> {
  let stdout = "";
  let stderr = "";
  let all = "";
  const io: CommandIO = {
    stdout: (t) => {
      stdout += t;
      all += t;
    },
    stderr: (t) => {
      stderr += t;
      all += t;
    },
    env: opts.env ?? {},
    cwd: opts.cwd,
    readStdin: async () => "",
  };
  const code = await pcsCommand(argv, io);
  return { code, stdout, stderr, all };
}

/** Splits a command line from the reference files (no quoting is used there). */
export function words(line: string): string[] {
  return line.trim().split(/\s+/);
}

export function tempDir(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), "tandem-pcs-"));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/**
 * The reference cluster's CIB as it was before the tutorial's configuration commands:
 * no resources, no constraints, no stonith-enabled / no-quorum-policy, no resource history.
 */
export function tutorialStartCib(): string {
  const cib = parseXml(reference("cib.xml"));
  const conf = child(cib, "configuration")!;
  child(conf, "resources")!.children = [];
  child(conf, "constraints")!.children = [];
  const set = child(child(conf, "crm_config")!, "cluster_property_set")!;
  set.children = elements(set, "nvpair").filter(
    (p) => p.attrs.name !== "stonith-enabled" && p.attrs.name !== "no-quorum-policy",
  );
  for (const ns of elements(child(cib, "status")!, "node_state")) {
    const lrm = child(ns, "lrm");
    const lrs = lrm && child(lrm, "lrm_resources");
    if (lrs) lrs.children = [];
  }
  cib.attrs.epoch = "5";
  return serializeXml(cib);
}

/**
 * A temp dir whose cib.xml is `cib` (default: the reference cluster's), and runners for
 * `pcs -f cib.xml ...`: `ok` (exit 0, all output), `fails` (exit 1, file byte for byte
 * unchanged, all output), `read` (the file).
 */
export function fileCluster(t: { after: (fn: () => void) => void }, cib = reference("cib.xml")) {
  const dir = tempDir(t);
  const file = join(dir, "cib.xml");
  writeFileSync(file, cib);
  const run = (cmd: string) => pcs(["-f", "cib.xml", ...words(cmd)], { cwd: dir });
  const read = () => readFileSync(file, "utf8");
  const fails = async (cmd: string): Promise<string> => {
    const before = readFileSync(file);
    const r = await run(cmd);
    assert.equal(r.code, 1, `'${cmd}' should fail: ${r.all}`);
    assert.ok(readFileSync(file).equals(before), `'${cmd}' changed the CIB`);
    return r.all;
  };
  const ok = async (cmd: string): Promise<string> => {
    const r = await run(cmd);
    assert.equal(r.code, 0, `'${cmd}' failed: ${r.all}`);
    return r.all;
  };
  return { dir, file, run, read, fails, ok };
}
