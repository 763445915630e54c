// Every pcs command family on a CIB file: what succeeds changes the CIB as pcs would;
// what fails prints pcs's error, exits 1 and leaves the file byte for byte unchanged.

import assert from "node:assert/strict";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { pcs, reference, tempDir, words } from "./test-support.js";

type T = TestContext;

/** A temp dir with the reference cluster's configured CIB as cib.xml, and a runner. */
function setup(t: T, env: Record<string, string> = {}) {
  const dir = tempDir(t);
  const cib = join(dir, "cib.xml");
  writeFileSync(cib, reference("cib.xml"));
  const run = (cmd: string) => pcs(["-f", "cib.xml", ...words(cmd)], { cwd: dir, env });
  const read = () => readFileSync(cib, "utf8");
  /** Runs a command that must fail: returns its stderr, checks exit 1 and an untouched CIB. */
  const fails = async (cmd: string): Promise<string> => {
    const before = readFileSync(cib);
    const r = await run(cmd);
    assert.equal(r.code, 1, `'${cmd}' should fail: ${r.all}`);
    assert.ok(readFileSync(cib).equals(before), `'${cmd}' changed the CIB`);
    return r.all;
  };
  const ok = async (cmd: string): Promise<string> => {
    const r = await run(cmd);
    assert.equal(r.code, 0, `'${cmd}' failed: ${r.all}`);
    return r.all;
  };
  return { dir, run, read, fails, ok };
}

const SUMMARY = "Error: Errors have occurred, therefore pcs is unable to continue\n";

test("dispatcher: unknown command, unknown subcommand, unknown and unsupported options", async (t) => {
  const { fails, dir } = setup(t);
  assert.match(await fails("resource frobnicate"), /^\nUsage: pcs resource \[commands\]\.\.\.\n/);
  assert.equal(await fails("resource create"), await fails("resource create x"));
  assert.equal(await fails("property set --bogus"), "Error: option --bogus not recognized\n");
  assert.equal(
    await fails("resource describe IPaddr2"),
    "Error: Specified option '-f' is not supported in this command\n",
  );
  const v = await pcs(["--version"], { cwd: dir });
  assert.equal(v.stdout, "0.11.5\n");
  const none = await pcs([], { cwd: dir });
  assert.equal(none.code, 1);
  assert.match(none.stdout, /^\nUsage: pcs \[-f file\] \[-h\] \[commands\]\.\.\./);
});

test("without -f and without a running cluster: pcs's own errors", async (t) => {
  const dir = tempDir(t);
  const env = { TANDEM_SOCKET: join(dir, "no-daemon.sock") };
  const status = await pcs(["status"], { cwd: dir, env });
  assert.equal(status.code, 1);
  assert.equal(status.all, reference("pcs_status.on-stopped-node1.txt"));
  const set = await pcs(words("property set stonith-enabled=false"), { cwd: dir, env });
  assert.equal(set.code, 1);
  assert.equal(set.all, "Error: unable to get cib\n");
});

test("property: set, unset, empty value, validation and --force", async (t) => {
  const { ok, fails, read, run } = setup(t);
  await ok("property set maintenance-mode=true cluster-recheck-interval=5min");
  assert.match(read(), /name="maintenance-mode" value="true"/);
  await ok("property set maintenance-mode=");
  assert.doesNotMatch(read(), /maintenance-mode/);
  await ok("property unset cluster-recheck-interval");
  assert.doesNotMatch(read(), /cluster-recheck-interval/);
  assert.equal(
    await fails("property unset placement-strategy"),
    "Error: Cannot remove property 'placement-strategy', it is not present in property set 'cib-bootstrap-options', use --force to override\n" +
      SUMMARY,
  );
  assert.equal(
    await fails("property set no-quorum-policy=sometimes"),
    "Error: 'sometimes' is not a valid no-quorum-policy value, use 'demote', 'freeze', 'ignore', 'stop', 'suicide', use --force to override\n" +
      SUMMARY,
  );
  assert.equal(
    await fails("property set migration-limit=0.1"),
    `Error: '0.1' is not a valid migration-limit value, use an integer or INFINITY or -INFINITY, use --force to override\n${SUMMARY}`,
  );
  assert.equal(await fails("property set =5678"), "Error: missing key in '=5678' option\n");
  assert.match(
    await fails("property set cluster-delay=soon"),
    /not a valid cluster-delay value, use time interval/,
  );
  assert.equal(
    await fails("property set stonith-enabled"),
    "Error: missing value of 'stonith-enabled' option\n",
  );
  assert.match(await fails("property set"), /^\nUsage: pcs property set\.\.\./);
  assert.equal(
    (await run("property unset zzzz --force")).all,
    "Warning: Cannot remove property 'zzzz', it is not present in property set 'cib-bootstrap-options'\n",
  );
  const forced = await run("property set my-own-option=1 --force");
  assert.equal(forced.code, 0);
  assert.match(forced.stderr, /^Warning: invalid cluster property option 'my-own-option'/);
  assert.match(read(), /name="my-own-option" value="1"/);
});

test("resource create: ids, groups, clones, disabled, duplicates, agents", async (t) => {
  const { ok, fails, read, run } = setup(t);
  assert.equal(
    await fails("resource create webserver ocf:heartbeat:apache"),
    "Error: 'webserver' already exists\n",
  );
  assert.equal(
    await fails("resource create 1bad ocf:heartbeat:Dummy"),
    "Error: invalid resource name '1bad', '1' is not a valid first character for a resource name\n",
  );
  assert.match(
    await fails("resource create d ocf:heartbeat:Dummy op monitor interval=soon"),
    /'soon' is not a valid interval value/,
  );
  assert.equal(
    await fails("resource create d Dummy"),
    "Error: Multiple agents match 'Dummy', please specify full name: 'ocf:heartbeat:Dummy', 'ocf:pacemaker:Dummy'" +
      (/ocf:tandem:Dummy/.test((await run("resource create d Dummy")).all) ? ", 'ocf:tandem:Dummy'" : "") +
      "\n",
  );
  assert.equal(
    await fails("resource create d NoSuchAgentAnywhere"),
    "Error: Unable to find agent 'NoSuchAgentAnywhere', try specifying its full name\n",
  );
  assert.equal(
    await fails("resource create f stonith:fence_nosuch_agent"),
    "Deprecation Warning: Ability of this command to accept stonith / fence agents is deprecated and will be removed in a future release.\n" +
      "Error: Agent 'stonith:fence_nosuch_agent' is not installed or does not provide valid metadata: Agent fence_nosuch_agent not found or does not support meta-data: Invalid argument (22), Metadata query for stonith:fence_nosuch_agent failed: Input/output error, use --force to override\n" +
      SUMMARY,
  );
  // PROVIDER:TYPE shorthand, as pcs resolves it.
  const short = await ok("resource create d1 pacemaker:Dummy --group grp");
  assert.equal(short, "Assumed agent name 'ocf:pacemaker:Dummy' (deduced from 'pacemaker:Dummy')\n");
  await ok("resource create d2 ocf:pacemaker:Dummy --group grp --before d1 --disabled");
  const cfg = await ok("resource config grp");
  assert.match(
    cfg,
    /^Group: grp\n {2}Resource: d2 \(class=ocf provider=pacemaker type=Dummy\)\n {4}Meta Attributes: d2-meta_attributes\n {6}target-role=Stopped\n/,
  );
  assert.match(cfg, /\n {2}Resource: d1 /);
  assert.match(cfg, / {6}monitor: d1-monitor-interval-10s\n {8}interval=10s\n {8}timeout=20s\n/);
  await ok("resource create c1 ocf:pacemaker:Dummy clone interleave=true");
  assert.match(
    read(),
    /<clone id="c1-clone">\s*<meta_attributes id="c1-clone-meta_attributes">\s*<nvpair id="c1-clone-meta_attributes-interleave" name="interleave" value="true"\/>/,
  );
  await ok("resource create p1 ocf:pacemaker:Stateful promotable");
  assert.match(read(), /name="promotable" value="true"/);
  // --force turns the forceable metadata errors into warnings.
  const forced = await run("resource create x2 ocf:heartbeat:IPaddr2 bogus=1 --force");
  assert.equal(forced.code, 0);
  assert.match(forced.stderr, /^Warning: invalid resource option 'bogus', allowed options are: /m);
  assert.match(forced.stderr, /^Warning: required resource option 'ip' is missing$/m);
});

test("resource delete, update, meta, enable/disable, group, clone, op, defaults", async (t) => {
  const { ok, fails, read } = setup(t);
  assert.equal(await fails("resource update nosuch ip=1.2.3.4"), "Error: Unable to find resource: nosuch\n");
  assert.match(
    await fails("resource update virtual_ip bogus=1"),
    /^Error: invalid resource option 'bogus', allowed options are: .*, use --force to override\n/,
  );
  await ok("resource update virtual_ip cidr_netmask=24 op monitor interval=20s timeout=40s");
  assert.match(read(), /name="cidr_netmask" value="24"/);
  assert.match(
    read(),
    /<op name="monitor" interval="20s" timeout="40s" id="virtual_ip-monitor-interval-20s"\/>/,
  );
  assert.equal(
    await fails("resource enable nosuch"),
    `Error: bundle/clone/group/resource 'nosuch' does not exist\n${SUMMARY}`,
  );
  await ok("resource disable webserver");
  assert.match(
    read(),
    /<nvpair id="webserver-meta_attributes-target-role" name="target-role" value="Stopped"\/>/,
  );
  await ok("resource enable webserver");
  assert.doesNotMatch(read(), /target-role/);
  await ok("resource meta webserver resource-stickiness=100");
  assert.match(read(), /name="resource-stickiness" value="100"/);

  assert.equal(
    await fails("resource group add g1 nosuch"),
    `Error: bundle/clone/group/resource 'nosuch' does not exist\n${SUMMARY}`,
  );
  await ok("resource group add g1 virtual_ip webserver");
  assert.match(await ok("resource group list"), /^g1: virtual_ip webserver\n$/);
  await ok("resource group remove g1 webserver");
  assert.match(await ok("resource group list"), /^g1: virtual_ip\n$/);
  assert.equal(
    await fails("resource clone virtual_ip"),
    "Error: cannot clone a group member ('virtual_ip' is in group 'g1')\n",
  );
  await ok("resource clone webserver");
  assert.match(read(), /<clone id="webserver-clone">/);
  await ok("resource unclone webserver-clone");
  assert.doesNotMatch(read(), /webserver-clone/);

  assert.equal(
    await fails("resource op add webserver monitor interval=5min timeout=30s"),
    "Error: operation monitor already specified for webserver, use --force to override:\n" +
      "monitor interval=1min (webserver-monitor-interval-1min)\n",
  );
  await ok("resource op add webserver monitor interval=5min timeout=30s --force");
  assert.match(read(), /id="webserver-monitor-interval-5min"/);
  assert.equal(
    await fails("resource op add webserver monitor interval=5min --force"),
    "Error: operation monitor with interval 5min already specified for webserver:\n" +
      "monitor interval=5min timeout=30s (webserver-monitor-interval-5min)\n",
  );
  assert.equal(
    await fails("resource op add webserver moni=tor interval=60"),
    "Error: moni=tor does not appear to be a valid operation action\n",
  );
  await ok("resource op delete webserver-monitor-interval-5min");
  assert.doesNotMatch(read(), /interval-5min/);

  assert.equal(await ok("resource defaults"), "No defaults set\n");
  const NOTE =
    "Warning: Defaults do not apply to resources which override them with their own defined values\n";
  assert.equal(await ok("resource defaults update resource-stickiness=1"), NOTE);
  assert.equal(
    await ok("resource defaults config"),
    "Meta Attrs: rsc_defaults-meta_attributes\n  resource-stickiness=1\n",
  );
  assert.match(
    read(),
    /<nvpair id="rsc_defaults-meta_attributes-resource-stickiness" name="resource-stickiness" value="1"\/>/,
  );
  assert.equal(
    await ok("resource op defaults timeout=30s"),
    "Deprecation Warning: This command is deprecated and will be removed. Please use 'pcs resource op defaults update' instead.\n" +
      NOTE,
  );
  assert.equal(await ok("resource op defaults"), "Meta Attrs: op_defaults-meta_attributes\n  timeout=30s\n");
  assert.equal(await ok("resource defaults set create id=mine score=10 meta nam1=val1"), NOTE);
  assert.equal(
    await ok("resource defaults"),
    "Meta Attrs: rsc_defaults-meta_attributes\n  resource-stickiness=1\nMeta Attrs: mine score=10\n  nam1=val1\n",
  );
  await ok("resource defaults set update mine meta nam1=val2");
  assert.match(await ok("resource defaults"), /\n {2}nam1=val2\n/);
  await ok("resource defaults set delete mine");
  assert.doesNotMatch(await ok("resource defaults"), /mine/);

  assert.equal(await fails("resource delete nosuch"), "Error: Resource 'nosuch' does not exist.\n");
  assert.equal(
    await ok("resource delete webserver"),
    "Removing Constraint - colocation-webserver-virtual_ip-INFINITY\n" +
      "Removing Constraint - order-virtual_ip-webserver-mandatory\n" +
      "Removing Constraint - location-webserver-node1-50\n" +
      "Deleting Resource - webserver\n",
  );
  assert.equal(await ok("resource remove virtual_ip"), "Deleting Resource (and group) - virtual_ip\n");
  assert.doesNotMatch(read().split("<status>")[0], /<group|<primitive|<rsc_(location|order|colocation)/);
});

test("resource move/ban/clear, live-only commands, failcount", async (t) => {
  const { ok, fails, read, dir } = setup(t);
  assert.equal(
    await fails("resource move webserver node2"),
    "Error: Specified option '-f' is not supported in this command\n",
  );
  assert.equal(
    await fails("resource cleanup webserver"),
    "Error: Specified option '-f' is not supported in this command\n",
  );
  assert.equal(
    await fails("resource restart webserver"),
    "Error: Specified option '-f' is not supported in this command\n",
  );
  await ok("resource move-with-constraint webserver node2");
  assert.match(
    read(),
    /<rsc_location id="cli-prefer-webserver" rsc="webserver" role="Started" node="node2" score="INFINITY"\/>/,
  );
  assert.match(
    await fails("resource move-with-constraint webserver node7"),
    /Node 'node7' does not seem to be in the cluster/,
  );
  const ban = await ok("resource ban virtual_ip");
  assert.match(
    ban,
    /^Warning: Creating location constraint 'cli-ban-virtual_ip-on-node1' with a score of -INFINITY/,
  );
  assert.equal(await ok("resource clear webserver"), "Removing constraint: cli-prefer-webserver\n");
  assert.equal(await ok("resource clear virtual_ip"), "Removing constraint: cli-ban-virtual_ip-on-node1\n");
  assert.doesNotMatch(read(), /cli-/);
  assert.equal(await ok("resource failcount show webserver"), "No failcounts for resource 'webserver'\n");
  assert.equal(
    await ok("resource failcount show webserver node1 monitor"),
    "No failcounts for operation 'monitor' of resource 'webserver' on node 'node1'\n",
  );
  // Fail counts as the cluster records them (transient node attributes in the status section).
  writeFileSync(
    join(dir, "cib.xml"),
    read()
      .replace(
        '<nvpair id="status-1-.feature-set" name="#feature-set" value="3.16.1"/>',
        '<nvpair id="status-1-.feature-set" name="#feature-set" value="3.16.1"/><nvpair id="s1-a" name="fail-count-webserver#monitor_60000" value="2"/><nvpair id="s1-b" name="fail-count-webserver#start_0" value="3"/><nvpair id="s1-c" name="fail-count-virtual_ip#monitor_30000" value="1"/>',
      )
      .replace(
        '<nvpair id="status-2-.feature-set" name="#feature-set" value="3.16.1"/>',
        '<nvpair id="status-2-.feature-set" name="#feature-set" value="3.16.1"/><nvpair id="s2-a" name="fail-count-webserver#start_0" value="INFINITY"/>',
      ),
  );
  assert.equal(
    await ok("resource failcount show"),
    "Failcounts for resource 'virtual_ip'\n  node1: 1\nFailcounts for resource 'webserver'\n  node1: 5\n  node2: INFINITY\n",
  );
  assert.equal(
    await ok("resource failcount show webserver --full"),
    "Failcounts for resource 'webserver'\n  node1:\n    monitor 60000ms: 2\n    start 0ms: 3\n  node2:\n    start 0ms: INFINITY\n",
  );
  assert.equal(
    await ok("resource failcount show webserver node1 monitor"),
    "Failcounts for operation 'monitor' of resource 'webserver'\n  node1: 2\n",
  );
});

test("constraints: location avoids, colocation/order options, duplicates, delete, ref", async (t) => {
  const { ok, fails, read, run } = setup(t);
  await ok("constraint location virtual_ip avoids node2");
  assert.match(
    read(),
    /<rsc_location id="location-virtual_ip-node2--INFINITY" rsc="virtual_ip" node="node2" score="-INFINITY"\/>/,
  );
  assert.match(await ok("constraint"), / {4}Disabled on:\n {6}Node: node2 \(score:-INFINITY\)\n/);
  assert.equal(
    await fails("constraint location nosuch prefers node1"),
    "Warning: Validation for node existence in the cluster will be skipped\nError: Resource 'nosuch' does not exist\n",
  );
  assert.match(
    await fails("constraint location webserver likes node1"),
    /^\nUsage: pcs constraint location\.\.\./,
  );
  // As pcs: two words after "with" that do not end in a score are a role and a resource.
  assert.equal(
    await fails("constraint colocation add webserver with virtual_ip lots"),
    "Error: invalid role value 'virtual_ip', allowed values are: 'Master', 'Promoted', 'Slave', 'Started', 'Stopped', 'Unpromoted'\n",
  );
  assert.equal(
    await fails("constraint colocation add webserver with started virtual_ip lots"),
    "Error: invalid score 'lots', use integer or INFINITY or -INFINITY\n",
  );
  assert.equal(
    await fails("constraint colocation add webserver virtual_ip"),
    "Error: duplicate constraint already exists, use --force to override\n  webserver with virtual_ip (score:INFINITY) (id:colocation-webserver-virtual_ip-INFINITY)\n",
  );
  const forced = await run("constraint colocation add webserver with virtual_ip INFINITY --force");
  assert.equal(forced.code, 0);
  assert.match(read(), /id="colocation-webserver-virtual_ip-INFINITY-1"/);
  assert.equal(
    await fails("constraint order virtual_ip then webserver kind=Sometimes"),
    "Error: invalid kind value 'Sometimes', allowed values are: 'Mandatory', 'Optional', 'Serialize'\n",
  );
  assert.equal(
    await ok("constraint order stop webserver then stop virtual_ip kind=Optional symmetrical=false"),
    "Adding webserver virtual_ip (kind: Optional) (Options: symmetrical=false first-action=stop then-action=stop)\n",
  );
  assert.match(
    await ok("constraint --full"),
    /\n {2}stop webserver then stop virtual_ip \(kind:Optional\) \(non-symmetrical\) \(id:order-webserver-virtual_ip-optional\)\n/,
  );
  assert.equal(
    await ok("constraint ref webserver"),
    "Resource: webserver\n  colocation-webserver-virtual_ip-INFINITY\n  order-virtual_ip-webserver-mandatory\n  location-webserver-node1-50\n  colocation-webserver-virtual_ip-INFINITY-1\n  order-webserver-virtual_ip-optional\n",
  );
  assert.equal(
    await fails("constraint remove no-such-constraint"),
    "Error: Unable to find constraint - 'no-such-constraint'\n",
  );
  await ok(
    "constraint remove colocation-webserver-virtual_ip-INFINITY-1 order-webserver-virtual_ip-optional",
  );
  await ok("constraint delete location-virtual_ip-node2--INFINITY");
  assert.equal(await ok("constraint --full"), reference("pcs_constraint_--full.txt"));
});

/** A fence agent speaking the fence-agents meta-data protocol, for tests (none is installed). */
function fakeFenceAgent(dir: string): string {
  const bin = join(dir, "fence-agents");
  mkdirSync(bin);
  const file = join(bin, "fence_fake");
  writeFileSync(
    file,
    `#!/bin/sh
if [ "$1" = "-o" ] && [ "$2" = "metadata" ]; then cat <<'XML'
<?xml version="1.0" ?>
<resource-agent name="fence_fake" shortdesc="Fence agent for tests">
<longdesc>Pretends to fence nodes.</longdesc>
<parameters>
	<parameter name="port" unique="0" required="1">
		<getopt mixed="-n, --plug=[id]" />
		<content type="string"  />
		<shortdesc lang="en">Physical plug number on device</shortdesc>
	</parameter>
	<parameter name="ipaddr" unique="0" required="0">
		<content type="string"  />
		<shortdesc lang="en">IP address or hostname of fencing device</shortdesc>
	</parameter>
</parameters>
<actions>
	<action name="on" automatic="0"/>
	<action name="off" />
	<action name="reboot" />
	<action name="monitor" />
	<action name="metadata" />
</actions>
</resource-agent>
XML
exit 0; fi
exit 1
`,
  );
  chmodSync(file, 0o755);
  return bin;
}

test("stonith: create, config, list, describe, update, delete", async (t) => {
  const probe = tempDir(t);
  const { ok, fails, read, run, dir } = setup(t, { TANDEM_FENCE_DIRS: fakeFenceAgent(probe) });
  assert.match(await ok("stonith"), /NO stonith devices configured/);
  assert.equal(
    await fails("stonith create f1 fence_fake ipaddr=10.0.0.1"),
    `Error: required stonith option 'port' is missing, use --force to override\n${SUMMARY}`,
  );
  assert.match(
    await fails("stonith create f1 fence_nosuch port=1"),
    /^Error: Agent 'stonith:fence_nosuch' is not installed or does not provide valid metadata/,
  );
  await ok("stonith create f1 fence_fake port=node1 pcmk_host_list=node1");
  assert.equal(
    await ok("stonith config"),
    "Resource: f1 (class=stonith type=fence_fake)\n  Attributes: f1-instance_attributes\n    pcmk_host_list=node1\n    port=node1\n" +
      "  Operations:\n    monitor: f1-monitor-interval-60s\n      interval=60s\n",
  );
  assert.equal(await ok("stonith"), "  * f1\t(stonith:fence_fake):\t Stopped\n");
  // pcs 0.11 resource commands still take fence devices, with a deprecation warning.
  const asResource = await run("resource config f1");
  assert.equal(
    asResource.stderr,
    "Deprecation Warning: Ability of this command to accept stonith resources is deprecated and will be removed in a future release.\n",
  );
  assert.match(asResource.stdout, /^Resource: f1 \(class=stonith type=fence_fake\)\n/);
  // Stonith devices are not resources in listings, but appear in `pcs config`.
  assert.doesNotMatch(await ok("resource config"), /f1/);
  const cfg = (await run("config")).stdout;
  assert.match(cfg, /\nStonith Devices:\n {2}Resource: f1 \(class=stonith type=fence_fake\)\n/);
  const env = { TANDEM_FENCE_DIRS: join(probe, "fence-agents") };
  const list = await pcs(["stonith", "list", "fake"], { cwd: probe, env });
  assert.equal(list.stdout, "fence_fake - Fence agent for tests\n");
  const d = (await pcs(["stonith", "describe", "fence_fake"], { cwd: probe, env })).stdout;
  assert.match(
    d,
    /^stonith:fence_fake - Fence agent for tests\n\nPretends to fence nodes\.\n\nStonith options:\n {2}port \(required\): Physical plug number on device\n/,
  );
  // Values with blanks are quoted in listings, as pcs does.
  const spaced = await pcs(
    ["-f", "cib.xml", "stonith", "create", "f2", "fence_fake", "port=2", "pcmk_host_list=node1 node2"],
    {
      cwd: dir,
      env,
    },
  );
  assert.equal(spaced.code, 0, spaced.all);
  assert.match(await ok("stonith config f2"), /\n {4}pcmk_host_list="node1 node2"\n/);
  await ok("stonith delete f2");
  await ok("stonith update f1 ipaddr=10.0.0.9");
  assert.match(read(), /name="ipaddr" value="10.0.0.9"/);
  assert.match(await fails("stonith fence node1"), /not supported in this command/);
  await ok("stonith delete f1");
  assert.doesNotMatch(read(), /fence_fake/);
});

test("config, cluster cib/cib-push/verify, node standby and maintenance", async (t) => {
  const { ok, fails, read, dir, run } = setup(t);
  assert.equal(await ok("cluster cib"), read().endsWith("\n") ? read() : `${read()}\n`);
  await ok("cluster cib copy.xml");
  assert.equal(readFileSync(join(dir, "copy.xml"), "utf8"), read());
  assert.match(await ok("cluster cib --config"), /^<configuration>/);

  // Edit the copy and push only its configuration section back.
  writeFileSync(join(dir, "copy.xml"), read().replace('value="ignore"', 'value="freeze"'));
  assert.equal(await ok("cluster cib-push copy.xml --config"), "CIB updated\n");
  assert.match(read(), /name="no-quorum-policy" value="freeze"/);
  // A CIB that breaks the schema is refused, as cibadmin refuses it.
  writeFileSync(join(dir, "bad.xml"), read().replace(' type="apache"', ""));
  assert.match(
    await fails("cluster cib-push bad.xml --config"),
    /^Error: unable to push cib\nCall cib_replace failed \(-203\): Update does not conform to the configured schema\n {2}primitive/,
  );
  writeFileSync(join(dir, "broken.xml"), "<cib><configuration>");
  assert.match(await fails("cluster cib-push broken.xml"), /^Error: unable to parse new cib: /);

  assert.equal((await run("cluster verify")).code, 0);
  await ok("property set stonith-enabled=true");
  const v = await run("cluster verify -V");
  assert.equal(v.code, 1);
  assert.equal(v.all, reference("crm_verify_-L_-V.before-stonith-disabled.txt"));

  await ok("node standby node1");
  assert.match(
    read(),
    /<node id="1" uname="node1">\s*<instance_attributes id="nodes-1">\s*<nvpair id="nodes-1-standby" name="standby" value="on"\/>/,
  );
  await ok("cluster unstandby node1");
  assert.doesNotMatch(read(), /name="standby"/);
  await ok("cluster standby --all");
  assert.equal((read().match(/name="standby" value="on"/g) ?? []).length, 2);
  await ok("node maintenance node2");
  assert.match(read(), /name="maintenance" value="on"/);
  await ok("node unmaintenance node2");
  assert.doesNotMatch(read(), /name="maintenance"/);
  assert.equal(
    await fails("node standby node9"),
    "Error: Node 'node9' does not appear to exist in configuration\n",
  );
  assert.equal(await fails("node standby"), "Error: Node(s) must be specified if -f is used\n");
  assert.match(await fails("config bogus"), /^\nUsage: pcs config \[commands\]\.\.\.\n/);
});

test("pcs 0.9 spellings: resource show --full, resource master, constraint location add", async (t) => {
  const { ok, fails, read, run } = setup(t);
  const show = await run("resource show --full");
  assert.equal(show.code, 0);
  assert.equal(show.stdout, reference("pcs_resource_config.txt"));
  assert.match(show.stderr, /^Deprecation Warning: This command is deprecated/);
  assert.match(
    (await run("resource show")).stdout,
    /^ {2}\* virtual_ip\t\(ocf:heartbeat:IPaddr2\):\t Started node1\n/,
  );
  await ok("resource master ms1 webserver");
  assert.match(
    read(),
    /<clone id="ms1">\s*<meta_attributes id="ms1-meta_attributes">\s*<nvpair id="ms1-meta_attributes-promotable" name="promotable" value="true"\/>/,
  );
  await ok("constraint location add loc1 virtual_ip node2 -20");
  assert.match(read(), /<rsc_location id="loc1" rsc="virtual_ip" node="node2" score="-20"\/>/);
  assert.equal(
    await fails("constraint location add loc1 virtual_ip node2 -20"),
    "Warning: Validation for node existence in the cluster will be skipped\nError: 'loc1' already exists\n",
  );
});

test("stonith levels: add, list, in pcs config, delete", async (t) => {
  const probe = tempDir(t);
  const { ok, fails, read } = setup(t, { TANDEM_FENCE_DIRS: fakeFenceAgent(probe) });
  await ok("stonith create f1 fence_fake port=1");
  assert.equal(
    await fails("stonith level add 1 node1 nosuch"),
    `Error: Stonith resource(s) 'nosuch' do not exist, use --force to override\n${SUMMARY}`,
  );
  assert.match(
    await fails("stonith level add 1 node7 f1"),
    /Node 'node7' does not appear to exist in configuration/,
  );
  await ok("stonith level add 1 node1 f1");
  assert.match(
    read(),
    /<fencing-topology>\s*<fencing-level target="node1" index="1" devices="f1" id="fl-node1-1"\/>/,
  );
  assert.equal(await ok("stonith level"), "Target: node1\n  Level 1 - f1\n");
  assert.match(await ok("config"), /\nFencing Levels:\n {2}Target: node1\n {4}Level 1 - f1\n/);
  await ok("stonith level delete 1 node1");
  assert.equal(await ok("stonith level"), "");
});

test("operations: defaults from meta-data sorted by action, update replaces, interval clashes refused", async (t) => {
  const { ok, fails } = setup(t);
  await ok("resource create A ocf:heartbeat:Dummy op monitor interval=10 op monitor interval=20");
  assert.equal(
    await fails("resource update A op monitor interval=20"),
    "Error: operation monitor with interval 20s already specified for A:\nmonitor interval=20 (A-monitor-interval-20)\n",
  );
  await ok("resource update A op monitor interval=11");
  // Expected text as pcs 0.11.5 prints it for the same commands (its own test suite).
  assert.equal(
    await ok("resource config A"),
    [
      "Resource: A (class=ocf provider=heartbeat type=Dummy)",
      "  Operations:",
      "    migrate_from: A-migrate_from-interval-0s",
      "      interval=0s",
      "      timeout=20s",
      "    migrate_to: A-migrate_to-interval-0s",
      "      interval=0s",
      "      timeout=20s",
      "    monitor: A-monitor-interval-11",
      "      interval=11",
      "    monitor: A-monitor-interval-20",
      "      interval=20",
      "    reload: A-reload-interval-0s",
      "      interval=0s",
      "      timeout=20s",
      "    start: A-start-interval-0s",
      "      interval=0s",
      "      timeout=20s",
      "    stop: A-stop-interval-0s",
      "      interval=0s",
      "      timeout=20s",
      "",
    ].join("\n"),
  );
});

test("node attributes and utilization as pcs lists them", async (t) => {
  const { ok, fails } = setup(t);
  assert.equal(await ok("node attribute"), "Node Attributes:\n");
  await ok("node standby --all");
  assert.equal(await ok("node attribute"), "Node Attributes:\n node1: standby=on\n node2: standby=on\n");
  await ok("node unstandby node1");
  assert.equal(await ok("node attribute"), "Node Attributes:\n node2: standby=on\n");
  assert.equal(
    await fails("node standby node1 nonexistent-node and-another node2"),
    "Error: Node 'nonexistent-node' does not appear to exist in configuration\n" +
      "Error: Node 'and-another' does not appear to exist in configuration\n",
  );
  await ok("node attribute node1 rack=r1 zone=a");
  assert.equal(await ok("node attribute node1"), "Node Attributes:\n node1: rack=r1 zone=a\n");
  assert.equal(await ok("node attribute --name zone"), "Node Attributes:\n node1: zone=a\n");
  // pcs 0.9 spelling of the same
  await ok("property set --node node2 rack=r2");
  assert.match(await ok("node attribute node2"), / node2: standby=on rack=r2\n/);
  await ok("node attribute node1 zone=");
  assert.equal(await ok("node attribute node1"), "Node Attributes:\n node1: rack=r1\n");
  await ok("node utilization node1 cpu=4 memory=2048");
  await ok("node utilization node2 cpu=-2");
  assert.equal(
    await ok("node utilization"),
    "Node Utilization:\n node1: cpu=4 memory=2048\n node2: cpu=-2\n",
  );
  assert.equal(await ok("node utilization --name cpu node2"), "Node Utilization:\n node2: cpu=-2\n");
  assert.equal(await fails("node utilization node1 net"), "Error: missing value of 'net' option\n");
  assert.equal(await fails("node utilization node1 =1"), "Error: missing key in '=1' option\n");
  assert.equal(await fails("node utilization node0 test=10"), "Error: Unable to find a node: node0\n");
  assert.equal(
    await fails("node utilization node1 test1=10 test=int"),
    "Error: Value of utilization attribute must be integer: 'test=int'\n",
  );
});

test("resource manage/unmanage (with --monitor) and resource utilization", async (t) => {
  const { ok, fails, read } = setup(t);
  await ok("resource unmanage webserver --monitor");
  assert.match(
    read(),
    /<nvpair id="webserver-meta_attributes-is-managed" name="is-managed" value="false"\/>/,
  );
  assert.match(
    read(),
    /<op name="monitor" interval="1min" id="webserver-monitor-interval-1min" enabled="false"\/>/,
  );
  await ok("resource manage webserver --monitor");
  assert.doesNotMatch(read(), /is-managed|enabled="false"/);
  assert.equal(
    await fails("resource unmanage nosuch"),
    `Error: bundle/clone/group/resource 'nosuch' does not exist\n${SUMMARY}`,
  );
  await ok("resource utilization virtual_ip cpu=1 memory=256");
  assert.equal(await ok("resource utilization"), "Resource Utilization:\n virtual_ip: cpu=1 memory=256\n");
  assert.match(
    await ok("resource config virtual_ip"),
    /\n {2}Utilization: virtual_ip-utilization\n {4}cpu=1\n {4}memory=256\n/,
  );
  assert.equal(
    await fails("resource utilization virtual_ip cpu=x"),
    "Error: Value of utilization attribute must be integer: 'cpu=x'\n",
  );
  assert.equal(
    await fails("resource utilization nosuch cpu=1"),
    "Error: Unable to find a resource: nosuch\n",
  );
});

test("help: pcs help, pcs GROUP --help, pcs GROUP SUB --help", async (t) => {
  const dir = tempDir(t);
  const help = await pcs(["help"], { cwd: dir });
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^\nUsage: pcs \[-f file\] \[-h\] \[commands\]\.\.\./);
  const group = await pcs(["constraint", "--help"], { cwd: dir });
  assert.equal(group.code, 0);
  assert.match(group.stdout, /^\nUsage: pcs constraint \[commands\]\.\.\.\n/);
  const sub = await pcs(["resource", "create", "-h"], { cwd: dir });
  assert.equal(sub.code, 0);
  assert.match(sub.stdout, /^\nUsage: pcs resource create\.\.\.\n {4}create <resource id> .*\n {12}\S/);
});
