// A private copy of the build (dist without tests, and what package.json "files" ships:
// bin, agents, pcsd's web assets; package.json) for the
// tests that start real processes: other work in the same tree recompiles dist/ while
// they run, and a process started in the middle of that would load half-written
// modules. The tests import their body from the copy, so everything they start
// (pcsd, tandemd, agents, tools) runs from it. The copy is taken while dist/ is quiet
// (no file written in the last 1.5 s, none written during the copy), else retried.

import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    const m = e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs;
    if (m > newest) newest = m;
  }
  return newest;
}

export async function privateBuild(repoRoot: string): Promise<{ dir: string; remove: () => void }> {
  const dist = join(repoRoot, "dist");
  const dir = mkdtempSync(join(tmpdir(), "tandem-build-"));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  for (let attempt = 0; attempt < 60; attempt++) {
    const quietSince = Date.now() - newestMtime(dist);
    if (quietSince < 1500) {
      await new Promise((r) => setTimeout(r, 1500 - quietSince + 50));
      continue;
    }
    const before = newestMtime(dist);
    rmSync(join(dir, "dist"), { recursive: true, force: true });
    cpSync(dist, join(dir, "dist"), {
      recursive: true,
      filter: (src) => !src.endsWith(".test.js") && !src.endsWith(".map"),
    });
    if (newestMtime(dist) !== before) continue;
    // Everything else the package ships (bin, agents, pcsd's web assets, ...), as installed.
    const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { files?: string[] };
    for (const d of pkg.files ?? ["bin", "agents"])
      if (d !== "dist" && !["README.md", "docs", "packaging"].includes(d) && existsSync(join(repoRoot, d)))
        cpSync(join(repoRoot, d), join(dir, d), { recursive: true });
    copyFileSync(join(repoRoot, "package.json"), join(dir, "package.json"));
    return { dir, remove };
  }
  remove();
  throw new Error("dist/ kept changing: no consistent copy of the build in 60 tries");
}
