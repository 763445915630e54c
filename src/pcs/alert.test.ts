// `pcs alert` as pcs 0.11.5 documents it in its own tests: create (ids, description,
// options, meta), update, delete/remove, recipients (ids, same value refused unless
// forced), and the listing.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { pcs, tempDir, words } from "./test-support.js";

test("pcs alert: create, update, delete, recipients and the listing", async (t) => {
  const dir = tempDir(t);
  const run = (cmd: string) => pcs(["-f", "cib.xml", ...words(cmd)], { cwd: dir });
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
  assert.equal(await ok("alert config"), "Alerts:\n No alerts defined\n");
  await ok("alert create path=test");
  await ok("alert create path=test");
  await ok("alert create id=alert3 description=desc path=test2 options opt2=val2 opt1=val1 meta m2=v2 m1=v1");
  assert.equal(
    await ok("alert config"),
    "Alerts:\n Alert: alert (path=test)\n Alert: alert-1 (path=test)\n Alert: alert3 (path=test2)\n" +
      "  Description: desc\n  Options: opt1=val1 opt2=val2\n  Meta options: m1=v1 m2=v2\n",
  );
  assert.equal(await fails("alert create id=alert3 path=test"), "Error: 'alert3' already exists\n");
  assert.equal(await fails("alert create id=alert4"), "Error: required option 'path' is missing\n");
  await ok("alert update alert3 description=new_desc path=/new/path options opt1= opt3=1 meta m1= m3=3");
  assert.match(
    await ok("alert"),
    /\n Alert: alert3 \(path=\/new\/path\)\n {2}Description: new_desc\n {2}Options: opt2=val2 opt3=1\n {2}Meta options: m2=v2 m3=3\n/,
  );
  assert.equal(await fails("alert update nope"), "Error: alert 'nope' does not exist\n");

  await ok("alert recipient add alert value=rec_value");
  await ok(
    "alert recipient add alert value=rec_value2 id=my-recipient description=description options o2=2 o1=1 meta m2=v2 m1=v1",
  );
  assert.match(
    await ok("alert config"),
    /^Alerts:\n Alert: alert \(path=test\)\n {2}Recipients:\n {3}Recipient: alert-recipient \(value=rec_value\)\n {3}Recipient: my-recipient \(value=rec_value2\)\n {4}Description: description\n {4}Options: o1=1 o2=2\n {4}Meta options: m1=v1 m2=v2\n/,
  );
  assert.equal(
    await fails("alert recipient add alert value=value id=my-recipient"),
    "Error: 'my-recipient' already exists\n",
  );
  assert.equal(
    await fails("alert recipient add alert value=rec_value"),
    "Error: Recipient 'rec_value' in alert 'alert' already exists, use --force to override\n" +
      "Error: Errors have occurred, therefore pcs is unable to continue\n",
  );
  assert.equal(
    await ok("alert recipient add alert value=rec_value --force"),
    "Warning: Recipient 'rec_value' in alert 'alert' already exists\n",
  );
  assert.equal(
    await fails("alert recipient add alert id=rec"),
    "Error: required option 'value' is missing\n",
  );
  await ok("alert recipient update my-recipient value=new description=desc options o1= o3=3");
  assert.match(
    await ok("alert"),
    /\n {3}Recipient: my-recipient \(value=new\)\n {4}Description: desc\n {4}Options: o2=2 o3=3\n/,
  );
  await ok("alert recipient remove alert-recipient-1 my-recipient");
  await ok("alert delete alert-1 alert3");
  assert.equal(
    await ok("alert"),
    "Alerts:\n Alert: alert (path=test)\n  Recipients:\n   Recipient: alert-recipient (value=rec_value)\n",
  );
  // pcs config lists the alerts in the same layout
  assert.match((await run("config")).stdout, /\nAlerts:\n Alert: alert \(path=test\)\n {2}Recipients:\n/);
});
