// Runs every scenario script in src/membership/testdata (etcd-raft style): each command's
// trace must match the one written beside it. REWRITE=1 rewrites the files.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { formatScenario, parseScenario, ScenarioRunner } from "../sim/scenario.js";

const dir = resolve(dirname(fileURLToPath(import.meta.url)), "../../src/membership/testdata");

for (const file of readdirSync(dir)
  .filter((f) => f.endsWith(".txt"))
  .sort()) {
  test(`scenario ${file}`, () => {
    const path = join(dir, file);
    const text = readFileSync(path, "utf8");
    const header =
      text.slice(0, text.length - text.trimStart().length) +
      text
        .trimStart()
        .split("\n")
        .filter((_l, i, a) => a.slice(0, i + 1).every((x) => x.startsWith("#")))
        .join("\n");
    const blocks = parseScenario(text);
    const runner = new ScenarioRunner();
    const actual = blocks.map((b) => ({ command: b.command, actual: runner.run(b.command) }));
    if (process.env.REWRITE) {
      writeFileSync(path, formatScenario(actual, header ? `${header}\n\n` : ""));
      return;
    }
    for (let i = 0; i < blocks.length; i++)
      assert.equal(actual[i].actual, blocks[i].expected, `${file}: '${blocks[i].command}'`);
  });
}
