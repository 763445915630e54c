// pcs acl on a CIB file: roles with permissions, users and groups, assignment, enable /
// disable, the listing as pcs 0.11 lays it out, and every failure (message, exit 1, the
// file byte for byte unchanged). The CIB written is checked against the schema by
// updateCib, so every success is also a valid Pacemaker CIB.

import assert from "node:assert/strict";
import { test } from "node:test";
import { fileCluster } from "./test-support.js";

test("pcs acl: roles, permissions, users, groups, listing", async (t) => {
  const c = fileCluster(t);
  assert.equal(await c.ok("acl"), "ACLs are disabled, run 'pcs acl enable' to enable\n\n");
  await c.ok("acl role create role1 description=Readers read xpath /cib write id webserver");
  await c.ok("acl role create role2");
  await c.ok("acl user create alice role1");
  await c.ok("acl group create ops");
  await c.ok("acl role assign role1 to group ops");
  await c.ok("acl role assign role2 alice");
  await c.ok("acl permission add role2 deny xpath //nodes read id virtual_ip");
  await c.ok("acl enable");
  assert.equal(
    await c.ok("acl config"),
    "User: alice\n  Roles: role1 role2\nGroup: ops\n  Roles: role1\n" +
      "Role: role1\n  Description: Readers\n  Permission: read xpath /cib (role1-read)\n  Permission: write id webserver (role1-write)\n" +
      "Role: role2\n  Permission: deny xpath //nodes (role2-deny)\n  Permission: read id virtual_ip (role2-read)\n",
  );
  assert.match(
    c.read().replace(/>\s+</g, "><"),
    /<acls><acl_role id="role1" description="Readers"><acl_permission id="role1-read" kind="read" xpath="\/cib"\/><acl_permission id="role1-write" kind="write" reference="webserver"\/><\/acl_role><acl_role id="role2">.*<\/acl_role><acl_target id="alice"><role id="role1"\/><role id="role2"\/><\/acl_target><acl_group id="ops"><role id="role1"\/><\/acl_group><\/acls>/,
  );
  assert.match(c.read(), /<nvpair id="cib-bootstrap-options-enable-acl" name="enable-acl" value="true"\/>/);
  await c.ok("acl role unassign role2 from user alice");
  await c.ok("acl permission remove role2-deny");
  await c.ok("acl role delete role1");
  await c.ok("acl user remove alice");
  await c.ok("acl disable");
  assert.equal(
    await c.ok("acl"),
    "ACLs are disabled, run 'pcs acl enable' to enable\n\nGroup: ops\n  Roles:\nRole: role2\n  Permission: read id virtual_ip (role2-read)\n",
  );
});

test("pcs acl errors: one message, exit 1, CIB unchanged", async (t) => {
  const c = fileCluster(t);
  await c.ok("acl role create role1");
  await c.ok("acl user create alice role1");
  for (const [cmd, msg] of [
    ["acl role create role1", "Error: 'role1' already exists\n"],
    ["acl role create webserver", "Error: 'webserver' already exists\n"],
    ["acl role create 1bad", "Error: invalid id '1bad', '1' is not a valid first character for a id\n"],
    ["acl role create r2 read id nosuch", "Error: id 'nosuch' does not exist.\n"],
    ["acl role delete nosuch", "Error: ACL role 'nosuch' does not exist\n"],
    ["acl role assign nosuch alice", "Error: ACL role 'nosuch' does not exist\n"],
    ["acl role assign role1 bob", "Error: ACL group/ACL user 'bob' does not exist\n"],
    ["acl role assign role1 to group alice", "Error: ACL group 'alice' does not exist\n"],
    ["acl role assign role1 alice", "Error: Role 'role1' is already assigned to 'alice'\n"],
    ["acl role unassign role1 from bob", "Error: ACL group/ACL user 'bob' does not exist\n"],
    ["acl user create bob nosuch", "Error: ACL role 'nosuch' does not exist\n"],
    ["acl user delete bob", "Error: ACL user 'bob' does not exist\n"],
    ["acl group delete ops", "Error: ACL group 'ops' does not exist\n"],
    ["acl permission add nosuch read xpath /cib", "Error: ACL role 'nosuch' does not exist\n"],
    ["acl permission delete nosuch", "Error: ACL permission 'nosuch' does not exist\n"],
  ])
    assert.equal(await c.fails(cmd), msg, cmd);
  for (const cmd of ["acl role create r3 read xpath", "acl permission add role1 look xpath /cib", "acl frob"])
    assert.match(await c.fails(cmd), /^\nUsage: pcs acl /, cmd);
  await c.ok("acl role unassign role1 alice");
  assert.equal(
    await c.fails("acl role unassign role1 alice"),
    "Error: Role 'role1' is not assigned to 'alice'\n",
  );
});
