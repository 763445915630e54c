// pcs's usage texts: `pcs`, `pcs -h|--help|help`, and for the main groups `pcs GROUP
// -h|--help|help [SUB]` in pcs's layout (80 columns, synopsis at 4 / 12, description
// at 8, blank line between entries); every command of the table is documented; an
// unknown subcommand prints the group's usage on stderr, exit 1, nothing changed.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pcsCommands } from "./table.js";
import { groupUsage, MAIN_USAGE, subcommandUsage } from "./usage.js";
import { fileCluster, pcs, reference, tempDir } from "./test-support.js";

const GROUPS = ["resource", "constraint", "cluster", "property", "stonith"] as const;

describe("pcs usage", () => {
  it("pcs / -h / --help / help: pcs's main usage (the real text, from the reference)", async (t) => {
    const dir = tempDir(t);
    const ref = reference("pcs-errors-and-edge-cases.txt");
    const start = ref.indexOf("\nUsage: pcs [-f file]");
    const real = ref.slice(start, ref.indexOf("[exit 1]", start));
    assert.equal(`${MAIN_USAGE}\n`, real);
    for (const [argv, code] of [
      [[], 1],
      [["-h"], 0],
      [["--help"], 0],
      [["help"], 0],
      [["peroperty", "set", "stonith-enabled=false"], 1],
    ] as const) {
      const r = await pcs([...argv], { cwd: dir });
      assert.deepEqual([r.code, r.stdout, r.stderr], [code, real, ""], argv.join(" "));
    }
  });

  for (const g of GROUPS)
    it(`pcs ${g} -h / --help / help: the group's usage in pcs's layout`, async (t) => {
      const dir = tempDir(t);
      const text = groupUsage(g);
      for (const argv of [
        [g, "-h"],
        [g, "--help"],
        [g, "help"],
      ]) {
        const r = await pcs(argv, { cwd: dir });
        assert.deepEqual([r.code, r.stdout, r.stderr], [0, text, ""], argv.join(" "));
      }
      assert.match(
        text,
        new RegExp(`^\\nUsage: pcs ${g} \\[commands\\]\\.\\.\\.\\n[A-Z][^\\n]+\\n\\nCommands:\\n {4}\\S`),
      );
      assert.ok(text.endsWith("\n\n"));
      const body = text.split("\n").slice(5, -2);
      for (const l of body) {
        assert.ok(l.length <= 80, `${g}: line over 80 columns: ${l}`);
        assert.match(l, /^$|^ {4}\S|^ {8}\S|^ {12}\S/, `${g}: indentation of '${l}'`);
      }
      // entries: a synopsis, then a description, a blank line between two entries
      const entries = text.split("\n\n").slice(1, -1);
      for (const e of entries) assert.match(e, /^(Commands:\n)? {4}\S.*(\n {12}\S.*)*(\n {8}\S.*)+$/, e);
      // every command word of the table is documented
      const synopses = body.filter((l) => /^ {4}\S/.test(l)).map((l) => l.trim());
      const words = new Set(
        Object.keys(pcsCommands)
          .filter((k) => k.startsWith(`${g} `))
          .map((k) => k.split(" ")[1]),
      );
      for (const w of words)
        assert.ok(
          synopses.some((s) => s.split(/[\s|[\]]+/).includes(w)),
          `pcs ${g} ${w} is not in the usage`,
        );
    });

  it("pcs GROUP SUB --help = pcs GROUP help SUB = the entries of that subcommand", async (t) => {
    const dir = tempDir(t);
    for (const [g, sub] of [
      ["resource", "relocate"],
      ["resource", "cleanup"],
      ["constraint", "location"],
      ["cluster", "setup"],
      ["stonith", "level"],
      ["property", "set"],
    ]) {
      const a = await pcs([g, ...sub.split(" "), "--help"], { cwd: dir });
      const b = await pcs([g, "help", ...sub.split(" ")], { cwd: dir });
      assert.equal(a.stdout, b.stdout);
      assert.equal(a.stdout, subcommandUsage(g, sub));
      assert.match(a.stdout, new RegExp(`^\\nUsage: pcs ${g} ${sub}\\.\\.\\.\\n {4}${sub}`));
      assert.ok(a.stdout.endsWith("\n\n"));
    }
  });

  it("an unknown subcommand: the group's usage on stderr, exit 1, CIB unchanged", async (t) => {
    const c = fileCluster(t);
    for (const g of GROUPS) {
      const r = await c.run(`${g} frobnicate x`);
      assert.deepEqual([r.code, r.stdout, r.stderr], [1, "", groupUsage(g)], g);
    }
    assert.equal(await c.fails("resource frobnicate"), groupUsage("resource"));
  });
});
