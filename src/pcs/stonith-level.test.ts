// `pcs stonith level` on a CIB file: the target forms (node, regexp%, attrib%), pcs 0.10's
// positional and pcs 0.11's keyword forms of delete and clear, verify, and the errors.

import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { pcs, reference, tempDir, words } from "./test-support.js";

const SUMMARY = "Error: Errors have occurred, therefore pcs is unable to continue\n";

function setup(t: Parameters<typeof tempDir>[0]) {
  const dir = tempDir(t);
  const cib = join(dir, "cib.xml");
  const dev = (id: string) =>
    `<primitive id="${id}" class="stonith" type="fence_tandem"><instance_attributes id="${id}-ia"><nvpair id="${id}-m" name="method" value="env"/></instance_attributes></primitive>`;
  writeFileSync(
    cib,
    reference("cib.xml").replace("</resources>", `${dev("fa")}${dev("fb")}${dev("fc")}</resources>`),
  );
  const run = (cmd: string) => pcs(["-f", "cib.xml", ...words(cmd)], { cwd: dir });
  const read = () => readFileSync(cib, "utf8");
  const ok = async (cmd: string) => {
    const r = await run(cmd);
    assert.equal(r.code, 0, `'${cmd}' failed: ${r.all}`);
    return r.all;
  };
  const fails = async (cmd: string) => {
    const before = read();
    const r = await run(cmd);
    assert.equal(r.code, 1, `'${cmd}' should fail: ${r.all}`);
    assert.equal(read(), before, `'${cmd}' changed the CIB`);
    return r.all;
  };
  return { ok, fails, read };
}

test("stonith level: targets, delete/clear in both pcs forms, verify, errors", async (t) => {
  const { ok, fails, read } = setup(t);
  await ok("stonith level add 1 node1 fa");
  await ok("stonith level add 2 node1 fb,fc");
  await ok("stonith level add 1 regexp%node[12] fb");
  await ok("stonith level add 1 attrib%rack=r1 fc");
  await ok("stonith level add 3 %node2 fa fb");
  assert.match(read(), /<fencing-level target="node1" index="2" devices="fb,fc" id="fl-node1-2"\/>/);
  assert.match(read(), /<fencing-level target-pattern="node\[12\]" index="1" devices="fb" id="[^"]+"\/>/);
  assert.match(
    read(),
    /<fencing-level target-attribute="rack" target-value="r1" index="1" devices="fc" id="fl-rack-1"\/>/,
  );
  assert.equal(
    await ok("stonith level config"),
    [
      "Target: node1",
      "  Level 1 - fa",
      "  Level 2 - fb,fc",
      "Target (regexp): node[12]",
      "  Level 1 - fb",
      "Target: rack=r1",
      "  Level 1 - fc",
      "Target: node2",
      "  Level 3 - fa,fb",
      "",
    ].join("\n"),
  );
  assert.equal(await ok("stonith level verify"), "");

  // Errors: nothing is half-applied.
  assert.equal(
    await fails("stonith level add 0 node1 fa"),
    `Error: '0' is not a valid level value, use a positive integer\n${SUMMARY}`,
  );
  assert.equal(
    await fails("stonith level add 1 node1 fa"),
    `Error: Fencing level for 'node1' at level '1' with device(s) 'fa' already exists\n${SUMMARY}`,
  );
  assert.equal(
    await fails("stonith level delete 4 node1"),
    "Error: Fencing level for 'node1' at level '4' does not exist\n",
  );
  assert.equal(
    await fails("stonith level delete 2 target node1 stonith fa"),
    "Error: Fencing level for 'node1' at level '2' with device(s) 'fa' does not exist\n",
  );
  assert.match(await fails("stonith level add 1 attrib%rack fa"), /not a valid target/);

  // delete: pcs 0.11 keywords, pcs 0.10 positional.
  await ok("stonith level delete 2 target node1 stonith fb fc");
  assert.doesNotMatch(read(), /devices="fb,fc"/);
  await ok("stonith level remove 1 regexp%node[12]");
  assert.doesNotMatch(read(), /target-pattern/);
  // clear: by device ids (0.10: comma-separated), by target (both forms), everything.
  await ok("stonith level clear fa,fb");
  assert.doesNotMatch(read(), /devices="fa,fb"/);
  await ok("stonith level clear target attrib%rack=r1");
  assert.doesNotMatch(read(), /target-attribute/);
  await ok("stonith level add 2 node2 fc");
  await ok("stonith level clear node1");
  assert.equal(await ok("stonith level"), "Target: node2\n  Level 2 - fc\n");
  await ok("stonith level clear");
  assert.equal(await ok("stonith level"), "");

  // verify names what a forced level refers to that does not exist.
  await ok("stonith level add 1 node9 nosuch --force");
  const v = await fails("stonith level verify");
  assert.equal(
    v,
    `Error: Stonith resource(s) 'nosuch' do not exist\nError: Node 'node9' does not appear to exist in configuration\n${SUMMARY}`,
  );
});
