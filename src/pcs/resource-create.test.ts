// `pcs resource create` validation, with the texts pcs 0.11.5 gives for the same command
// lines (its own test suite documents them): operations, ids, groups, unique parameters.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { pcs, tempDir, words } from "./test-support.js";

const SUMMARY = "Error: Errors have occurred, therefore pcs is unable to continue\n";

function setup(t: TestContext) {
  const dir = tempDir(t);
  const run = (cmd: string) => pcs(["-f", "cib.xml", ...words(cmd)], { cwd: dir });
  const fails = async (cmd: string) => {
    await run("property"); // creates the empty CIB the first time
    const before = readFileSync(join(dir, "cib.xml"));
    const r = await run(cmd);
    assert.equal(r.code, 1, `${cmd}: ${r.all}`);
    assert.ok(readFileSync(join(dir, "cib.xml")).equals(before), `${cmd} changed the CIB`);
    return r.all;
  };
  const ok = async (cmd: string) => {
    const r = await run(cmd);
    assert.equal(r.code, 0, `${cmd}: ${r.all}`);
    return r.all;
  };
  const cib = () => readFileSync(join(dir, "cib.xml"), "utf8");
  return { run, ok, fails, cib };
}

const DUMMY_ACTIONS =
  "'meta-data', 'migrate_from', 'migrate_to', 'monitor', 'reload', 'start', 'stop', 'validate-all'";

test("operations given to resource create are checked as pcs checks them", async (t) => {
  const { ok, fails, cib } = setup(t);
  assert.equal(
    await fails("resource create R ocf:heartbeat:Dummy op monitro interval=100"),
    `Error: 'monitro' is not a valid operation name value, use ${DUMMY_ACTIONS}, use --force to override\n${SUMMARY}`,
  );
  assert.equal(
    await ok("resource create --no-default-ops R ocf:heartbeat:Dummy op monitro interval=30s --force"),
    `Warning: 'monitro' is not a valid operation name value, use ${DUMMY_ACTIONS}\n`,
  );
  // --no-default-ops keeps the agent's monitor.
  assert.match(cib(), /<op name="monitor" interval="10s" timeout="20s" id="R-monitor-interval-10s"\/>/);
  assert.match(cib(), /<op name="monitro" interval="30s" id="R-monitro-interval-30s"\/>/);
  assert.equal(
    await fails("resource create S ocf:heartbeat:Dummy op monitor timeout=10 timeout=20"),
    "Error: duplicate option 'timeout' with different values '10' and '20'\n",
  );
  assert.equal(
    await fails("resource create --no-default-ops S ocf:heartbeat:Dummy op meta is-managed=false"),
    "Error: When using 'op' you must specify an operation name and at least one option\n",
  );
  assert.equal(
    await fails("resource create --no-default-ops S ocf:heartbeat:Dummy op monitor meta is-managed=false"),
    "Error: When using 'op' you must specify an operation name and at least one option\n",
  );
  assert.equal(
    await fails("resource create --no-default-ops S ocf:heartbeat:Dummy op mo=nitor interval=1min"),
    "Error: When using 'op' you must specify an operation name after 'op'\n",
  );
  assert.equal(
    await fails(
      "resource create --no-default-ops S ocf:heartbeat:Dummy op monitor interval=1h monitor interval=3600sec monitor interval=1min monitor interval=60s",
    ),
    "Error: multiple specification of the same operation with the same interval:\n" +
      "monitor with intervals 1h, 3600sec\nmonitor with intervals 1min, 60s\n" +
      SUMMARY,
  );
  assert.equal(
    await fails(
      "resource create --no-default-ops S ocf:heartbeat:Dummy op monitor interval=1min moni=tor timeout=80s",
    ),
    "Error: invalid resource operation option 'moni', allowed options are: 'OCF_CHECK_LEVEL', 'description', 'enabled', 'id', 'interval', 'interval-origin', 'name', 'on-fail', 'record-pending', 'role', 'start-delay', 'timeout'\n" +
      SUMMARY,
  );
  for (const force of ["", " --force"])
    assert.equal(
      await fails(`resource create --no-default-ops S ocf:heartbeat:Dummy op monitor role=abc${force}`),
      `Error: 'abc' is not a valid role value, use 'Master', 'Promoted', 'Slave', 'Started', 'Stopped', 'Unpromoted'\n${SUMMARY}`,
    );
  assert.equal(
    await fails("resource create --no-default-ops S ocf:heartbeat:Dummy op monitor on-fail=Abc"),
    `Error: 'Abc' is not a valid on-fail value, use 'block', 'demote', 'fence', 'ignore', 'restart', 'restart-container', 'standby', 'stop'\n${SUMMARY}`,
  );
  assert.equal(
    await fails("resource create --no-default-ops S ocf:heartbeat:Dummy op monitor enabled=Abc"),
    `Error: 'Abc' is not a valid enabled value, use '0', '1', 'false', 'true'\n${SUMMARY}`,
  );
  assert.equal(
    await fails(
      "resource create --no-default-ops S ocf:heartbeat:Dummy op monitor start-delay=10 interval-origin=20",
    ),
    `Error: Only one of resource operation options 'interval-origin' and 'start-delay' can be used\n${SUMMARY}`,
  );
});

test("ids, groups and unique parameters in resource create", async (t) => {
  const { ok, fails } = setup(t);
  assert.equal(
    await fails("resource create #R ocf:heartbeat:Dummy"),
    "Error: invalid resource name '#R', '#' is not a valid first character for a resource name\n",
  );
  assert.equal(
    await fails("resource create R ocf:heartbeat:Dummy op monitor interval=30 id=#O"),
    `Error: invalid operation id '#O', '#' is not a valid first character for a operation id\n${SUMMARY}`,
  );
  assert.equal(
    await fails("resource create R ocf:heartbeat:Dummy op monitor interval=30 id=R"),
    "Error: 'R' already exists\n",
  );
  assert.equal(
    await fails(
      "resource create R ocf:heartbeat:Dummy op monitor interval=30 id=O op monitor interval=60 id=O",
    ),
    "Error: 'O' already exists\n",
  );
  assert.equal(
    await fails("resource create R ocf:heartbeat:Dummy --group 1"),
    `Error: invalid group name '1', '1' is not a valid first character for a group name\n${SUMMARY}`,
  );
  await ok("resource create R1 ocf:heartbeat:Dummy --no-default-ops meta a=b");
  assert.equal(
    await fails("resource create R2 ocf:heartbeat:Dummy --group R1-meta_attributes"),
    `Error: 'R1-meta_attributes' is not a group\n${SUMMARY}`,
  );
  assert.equal(
    await fails("resource create R ocf:heartbeat:Dummy --group G --after S1 --before S2"),
    "Error: you cannot specify both --before and --after\n",
  );
  assert.equal(
    await fails("resource create R ocf:heartbeat:Dummy --after S1"),
    "Error: you cannot use --after without --group\n",
  );
  assert.equal(
    await fails("resource create R ocf:heartbeat:Dummy --before S1"),
    "Error: you cannot use --before without --group\n",
  );
  assert.equal(
    await fails("resource create R ocf:heartbeat:Dummy --after S1 --before S2"),
    "Error: you cannot specify both --before and --after and you have to specify --group\n",
  );
  await ok("resource create R0 ocf:heartbeat:Dummy --group G1");
  assert.equal(
    await fails("resource create R2 ocf:heartbeat:Dummy --group G1 --before R1"),
    `Error: 'R1' does not exist\n${SUMMARY}`,
  );
  assert.equal(
    await fails("resource create R2 ocf:heartbeat:Dummy --group G2 --after R1"),
    `Error: 'R1' does not exist\n${SUMMARY}`,
  );
  await ok("resource create R2 ocf:heartbeat:Dummy --group G1 --before R0");
  assert.equal(await ok("resource group list"), "G1: R2 R0\n");
  // IPaddr2's "ip" is a unique parameter.
  await ok("resource create U1 ocf:heartbeat:IPaddr2 ip=198.18.0.99");
  const msg = (ids: string) =>
    `Value '198.18.0.99' of option 'ip' is not unique across 'ocf:heartbeat:IPaddr2' resources. Following resources are configured with the same value of the instance attribute: ${ids}`;
  assert.equal(
    await fails("resource create U2 ocf:heartbeat:IPaddr2 ip=198.18.0.99"),
    `Error: ${msg("'U1'")}, use --force to override\n${SUMMARY}`,
  );
  assert.equal(
    await ok("resource create U2 ocf:heartbeat:IPaddr2 ip=198.18.0.99 --force"),
    `Warning: ${msg("'U1'")}\n`,
  );
  assert.equal(
    await ok("resource create U3 ocf:heartbeat:IPaddr2 ip=198.18.0.99 --force"),
    `Warning: ${msg("'U1', 'U2'")}\n`,
  );
});
