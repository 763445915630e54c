// For tests that run real tandemd processes: a private copy of the built code (dist, bin,
// agents, package.json), so that a rebuild of the work tree while the test runs (other work in
// progress, a watcher) cannot change or half-write the modules under the daemons.

import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
let snapshot: string | undefined;

/** Path of bin/tandemd in a private copy of the build (made once per test process). */
export function tandemdBin(): string {
  if (!snapshot) {
    snapshot = mkdtempSync(join(tmpdir(), "tandem-test-build-"));
    for (const d of ["dist", "bin", "agents", "package.json"])
      if (existsSync(join(repo, d))) cpSync(join(repo, d), join(snapshot, d), { recursive: true });
    const dir = snapshot;
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  }
  return join(snapshot, "bin/tandemd");
}
