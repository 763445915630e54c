// Constraint behaviour beyond the tutorial, checked against pcs 0.10/0.11's documented
// outputs: resource sets (ids, listing, duplicates, removal with the resource),
// colocation roles and duplicates, constraints following a resource into its clone,
// and the refusal of constraints on a clone's member.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { pcs, tempDir, words } from "./test-support.js";

async function fixture(t: TestContext, n = 9) {
  const dir = tempDir(t);
  const run = (cmd: string) => pcs(["-f", "cib.xml", ...words(cmd)], { cwd: dir });
  for (let i = 1; i <= n; i++) {
    const r = await run(`resource create D${i} ocf:heartbeat:Dummy`);
    assert.equal(r.code, 0, r.all);
    assert.equal(r.all, "");
  }
  const ok = async (cmd: string) => {
    const r = await run(cmd);
    assert.equal(r.code, 0, `${cmd}: ${r.all}`);
    return r.all;
  };
  const fails = async (cmd: string) => {
    const before = readFileSync(join(dir, "cib.xml"));
    const r = await run(cmd);
    assert.equal(r.code, 1, `${cmd}: ${r.all}`);
    assert.ok(readFileSync(join(dir, "cib.xml")).equals(before), `${cmd} changed the CIB`);
    return r.all;
  };
  return { ok, fails };
}

test("order and colocation sets: ids, listing, options, validation, duplicates", async (t) => {
  const { ok, fails } = await fixture(t);
  assert.equal(
    await ok(
      "constraint order set D5 D6 D7 sequential=false require-all=true set D8 D9 sequential=true require-all=false action=start role=Stopped",
    ),
    "",
  );
  await ok("constraint order set D5 D6");
  await ok(
    "constraint order set D5 D6 action=stop role=Started set D7 D8 action=promote role=Slave set D8 D9 action=demote role=Master",
  );
  assert.equal(
    await ok("constraint order --full"),
    "Ordering Constraints:\n  Resource Sets:\n" +
      "    set D5 D6 D7 require-all=true sequential=false (id:order_set_D5D6D7_set) set D8 D9 action=start require-all=false role=Stopped sequential=true (id:order_set_D5D6D7_set-1) (id:order_set_D5D6D7)\n" +
      "    set D5 D6 (id:order_set_D5D6_set) (id:order_set_D5D6)\n" +
      "    set D5 D6 action=stop role=Started (id:order_set_D5D6D7-1_set) set D7 D8 action=promote role=Slave (id:order_set_D5D6D7-1_set-1) set D8 D9 action=demote role=Master (id:order_set_D5D6D7-1_set-2) (id:order_set_D5D6D7-1)\n",
  );
  await ok("constraint colocation set D5 D6");
  assert.equal(
    await ok("constraint colocation"),
    "Colocation Constraints:\n  Resource Sets:\n    set D5 D6 setoptions score=INFINITY\n",
  );
  assert.equal(
    await ok("resource delete D5"),
    "Removing D5 from set order_set_D5D6D7_set\nRemoving D5 from set order_set_D5D6_set\n" +
      "Removing D5 from set order_set_D5D6D7-1_set\nRemoving D5 from set colocation_set_D5D6_set\nDeleting Resource - D5\n",
  );
  assert.match(
    await ok("resource delete D6"),
    /Removing D6 from set order_set_D5D6_set\nRemoving set order_set_D5D6_set\nRemoving Constraint - order_set_D5D6\n/,
  );
  assert.equal(
    await fails("constraint order set D1 D2 sequential=foo"),
    "Error: 'foo' is not a valid sequential value, use 'false', 'true'\n",
  );
  assert.equal(
    await fails("constraint order set D1 D2 action=foo"),
    "Error: 'foo' is not a valid action value, use 'demote', 'promote', 'start', 'stop'\n",
  );
  assert.equal(
    await fails("constraint order set D1 D2 foo=bar"),
    "Error: invalid option 'foo', allowed options are: 'action', 'require-all', 'role', 'sequential'\n",
  );
  assert.equal(
    await fails("constraint order set D1 D2 setoptions foo=bar"),
    "Error: invalid option 'foo', allowed options are: 'id', 'kind', 'symmetrical'\n",
  );
  assert.equal(
    await fails("constraint colocation set D1 D2 setoptions score=foo"),
    "Error: invalid score 'foo', use integer or INFINITY or -INFINITY\n",
  );
  assert.match(await fails("constraint order set"), /^\nUsage: pcs constraint order\.\.\./);
  assert.match(await fails("constraint order set D7 D8 set"), /^\nUsage: pcs constraint/);
  await ok("constraint order set D1 D2 setoptions symmetrical=false kind=mandatory");
  assert.match(
    await ok("constraint --full"),
    /\n {4}set D1 D2 \(id:order_set_D1D2_set\) setoptions kind=Mandatory symmetrical=false \(id:order_set_D1D2\)\n/,
  );
  assert.equal(
    await fails("constraint order set D1 D2"),
    "Duplicate constraints:\n  set D1 D2 (id:order_set_D1D2_set) setoptions kind=Mandatory symmetrical=false (id:order_set_D1D2)\n" +
      "Error: duplicate constraint already exists, use --force to override\n" +
      "Error: Errors have occurred, therefore pcs is unable to continue\n",
  );
  assert.equal(
    await ok("constraint order set D1 D2 --force"),
    "Duplicate constraints:\n  set D1 D2 (id:order_set_D1D2_set) setoptions kind=Mandatory symmetrical=false (id:order_set_D1D2)\n" +
      "Warning: duplicate constraint already exists\n",
  );
  assert.match(await ok("constraint ref D1"), /^Resource: D1\n {2}order_set_D1D2\n {2}order_set_D1D2-1\n$/);
  await ok("constraint order remove D1");
  assert.equal(
    await fails("constraint order remove D1"),
    "Error: No matching resources found in ordering list\n",
  );
});

test("colocation roles, duplicates and options as pcs lists them", async (t) => {
  const { ok, fails } = await fixture(t, 5);
  await ok("constraint colocation add D1 with D2");
  assert.equal(
    await fails("constraint colocation add D1 with D2 50"),
    "Error: duplicate constraint already exists, use --force to override\n  D1 with D2 (score:INFINITY) (id:colocation-D1-D2-INFINITY)\n",
  );
  await ok("constraint colocation add D1 with D2 50 --force");
  assert.equal(
    await fails("constraint colocation add started D1 with started D2"),
    "Error: duplicate constraint already exists, use --force to override\n" +
      "  D1 with D2 (score:INFINITY) (id:colocation-D1-D2-INFINITY)\n  D1 with D2 (score:50) (id:colocation-D1-D2-50)\n",
  );
  await ok("constraint colocation add started D1 with started D2 --force");
  await ok("constraint colocation add started D2 with started D5");
  await ok("constraint colocation add stopped D2 with stopped D5");
  await ok("constraint colocation add D3 with Master D4");
  await ok("constraint colocation add D3 with D4 -100 id=abcd node-attribute=y --force");
  assert.equal(
    await ok("constraint --full"),
    "Location Constraints:\nOrdering Constraints:\nColocation Constraints:\n" +
      "  D1 with D2 (score:INFINITY) (id:colocation-D1-D2-INFINITY)\n" +
      "  D1 with D2 (score:50) (id:colocation-D1-D2-50)\n" +
      "  D1 with D2 (score:INFINITY) (rsc-role:Started) (with-rsc-role:Started) (id:colocation-D1-D2-INFINITY-1)\n" +
      "  D2 with D5 (score:INFINITY) (rsc-role:Started) (with-rsc-role:Started) (id:colocation-D2-D5-INFINITY)\n" +
      "  D2 with D5 (score:INFINITY) (rsc-role:Stopped) (with-rsc-role:Stopped) (id:colocation-D2-D5-INFINITY-1)\n" +
      "  D3 with D4 (score:INFINITY) (rsc-role:Started) (with-rsc-role:Master) (id:colocation-D3-D4-INFINITY)\n" +
      "  D3 with D4 (score:-100) (node-attribute:y) (id:abcd)\n" +
      "Ticket Constraints:\n",
  );
  assert.equal(
    await fails("constraint colocation add abc D1 with D2"),
    "Error: invalid role value 'abc', allowed values are: 'Master', 'Promoted', 'Slave', 'Started', 'Stopped', 'Unpromoted'\n",
  );
  assert.match(
    await fails("constraint colocation add D1 with D2 with D3"),
    /^Error: Multiple 'with's cannot be specified\.\n/,
  );
  assert.equal(
    await fails("constraint colocation add D1 with D20"),
    "Error: Resource 'D20' does not exist\n",
  );
  await ok("constraint colocation remove D2 D5");
  assert.doesNotMatch(await ok("constraint"), /D2 with D5/);
});

test("constraints follow a resource into its clone; a clone's member is refused", async (t) => {
  const { ok, fails } = await fixture(t, 6);
  await ok("constraint location D1 prefers rh7-1");
  await ok("constraint colocation add D1 with D5");
  await ok("constraint order D1 then D5");
  await ok("constraint order D6 then D1");
  await ok("resource clone D1");
  assert.equal(
    await ok("constraint --full"),
    "Location Constraints:\n  Resource: D1-clone\n    Enabled on:\n      Node: rh7-1 (score:INFINITY) (id:location-D1-rh7-1-INFINITY)\n" +
      "Ordering Constraints:\n  start D1-clone then start D5 (kind:Mandatory) (id:order-D1-D5-mandatory)\n" +
      "  start D6 then start D1-clone (kind:Mandatory) (id:order-D6-D1-mandatory)\n" +
      "Colocation Constraints:\n  D1-clone with D5 (score:INFINITY) (id:colocation-D1-D5-INFINITY)\nTicket Constraints:\n",
  );
  assert.equal(
    await fails("constraint location D1 prefers rh7-1"),
    "Warning: Validation for node existence in the cluster will be skipped\n" +
      "Error: D1 is a clone resource, you should use the clone id: D1-clone when adding constraints. Use --force to override.\n",
  );
  assert.equal(
    await fails("constraint order D1 then D2"),
    "Error: D1 is a clone resource, you should use the clone id: D1-clone when adding constraints. Use --force to override.\n",
  );
  assert.equal(
    await fails("constraint colocation set D2 D1"),
    "Error: D1 is a clone resource, you should use the clone id: D1-clone when adding constraints, use --force to override\n",
  );
  assert.equal(
    await ok("constraint colocation set D2 D1 --force"),
    "Warning: D1 is a clone resource, you should use the clone id: D1-clone when adding constraints\n",
  );
  // The location replaces an earlier one for the same resource and node.
  await ok("constraint location D5 prefers node1");
  await ok("constraint location D5 avoids node1");
  assert.match(
    await ok("constraint --full"),
    /Resource: D5\n {4}Disabled on:\n {6}Node: node1 \(score:-INFINITY\) \(id:location-D5-node1--INFINITY\)\n/,
  );
});

test("location rules: expressions, ids, listing, rule add/remove, syntax errors", async (t) => {
  const { ok, fails } = await fixture(t, 6);
  assert.equal(await ok("constraint location D1 rule score=222 #uname eq c00n03"), "");
  await ok("constraint location D2 rule score=-INFINITY #uname eq c00n04");
  await ok("constraint location D3 rule score=-INFINITY not_defined pingd or pingd lte 0");
  await ok("constraint location D3 rule score=-INFINITY not_defined pingd and pingd lte 0");
  await ok("constraint location D4 rule score=INFINITY date gt 2005-001");
  await ok("constraint location D6 rule date-spec years=3005");
  assert.equal(
    await ok("constraint --full"),
    [
      "Location Constraints:",
      "  Resource: D1",
      "    Constraint: location-D1",
      "      Rule: score=222 (id:location-D1-rule)",
      "        Expression: #uname eq c00n03 (id:location-D1-rule-expr)",
      "  Resource: D2",
      "    Constraint: location-D2",
      "      Rule: score=-INFINITY (id:location-D2-rule)",
      "        Expression: #uname eq c00n04 (id:location-D2-rule-expr)",
      "  Resource: D3",
      "    Constraint: location-D3",
      "      Rule: boolean-op=or score=-INFINITY (id:location-D3-rule)",
      "        Expression: not_defined pingd (id:location-D3-rule-expr)",
      "        Expression: pingd lte 0 (id:location-D3-rule-expr-1)",
      "    Constraint: location-D3-1",
      "      Rule: boolean-op=and score=-INFINITY (id:location-D3-1-rule)",
      "        Expression: not_defined pingd (id:location-D3-1-rule-expr)",
      "        Expression: pingd lte 0 (id:location-D3-1-rule-expr-1)",
      "  Resource: D4",
      "    Constraint: location-D4",
      "      Rule: score=INFINITY (id:location-D4-rule)",
      "        Expression: date gt 2005-001 (id:location-D4-rule-expr)",
      "  Resource: D6",
      "    Constraint: location-D6",
      "      Rule: score=INFINITY (id:location-D6-rule)",
      "        Expression: (id:location-D6-rule-expr)",
      "          Date Spec: years=3005 (id:location-D6-rule-expr-datespec)",
      "Ordering Constraints:",
      "Colocation Constraints:",
      "Ticket Constraints:",
      "",
    ].join("\n"),
  );
  // A rule added to a node preference turns it into a rule-based constraint.
  await ok("constraint location D5 prefers rh7-1");
  await ok("constraint rule add location-D5-rh7-1-INFINITY #uname eq rh7-1");
  await ok("constraint rule add location-D5-rh7-1-INFINITY #uname eq rh7-2");
  assert.match(
    await ok("constraint --full"),
    /\n {2}Resource: D5\n {4}Constraint: location-D5-rh7-1-INFINITY\n {6}Rule: score=INFINITY \(id:location-D5-rh7-1-INFINITY-rule\)\n {8}Expression: #uname eq rh7-1 \(id:location-D5-rh7-1-INFINITY-rule-expr\)\n {6}Rule: score=INFINITY \(id:location-D5-rh7-1-INFINITY-rule-1\)\n/,
  );
  assert.equal(
    await ok("constraint rule remove location-D5-rh7-1-INFINITY-rule-1"),
    "Removing Rule: location-D5-rh7-1-INFINITY-rule-1\n",
  );
  assert.equal(
    await ok("constraint rule delete location-D5-rh7-1-INFINITY-rule"),
    "Removing Constraint: location-D5-rh7-1-INFINITY\n",
  );
  assert.equal(
    await fails("constraint location D1 rule role=master"),
    "Error: no rule expression was specified\n",
  );
  assert.equal(
    await fails("constraint location nosuch rule role=master #uname eq rh7-1"),
    "Error: Resource 'nosuch' does not exist\n",
  );
  assert.equal(
    await fails("constraint location D1 rule rulename #uname eq rh7-1"),
    "Error: 'rulename #uname eq rh7-1' is not a valid rule expression: unexpected '#uname'\n",
  );
  assert.equal(
    await fails("constraint location D1 rule role=master 25"),
    "Error: '25' is not a valid rule expression: missing one of 'eq', 'ne', 'lt', 'gt', 'lte', 'gte', 'in_range', 'defined', 'not_defined', 'date-spec'\n",
  );
  assert.equal(
    await fails("constraint rule add location-nope #uname eq rh7-2"),
    "Error: Unable to find constraint: location-nope\n",
  );
  assert.equal(
    await fails("constraint rule add location-D1 id=123 #uname eq rh7-2"),
    "Error: invalid rule id '123', '1' is not a valid first character for a rule id\n",
  );
});
