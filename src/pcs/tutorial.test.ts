// The tutorial's configuration sequence through `pcs -f`, in both syntaxes (pcs 0.9 as in
// CentOS 7 tutorials, pcs 0.10/0.11), with every listing compared to real pcs 0.11.5's
// output for the same state (../shared/reference/pacemaker-2.1.5/).

import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseXml, serializeXml } from "../core/xml.js";
import { pcs, reference, referenceDir, tempDir, tutorialStartCib, words } from "./test-support.js";

const CREATE_VIP =
  "resource create virtual_ip ocf:heartbeat:IPaddr2 ip=198.18.0.199 cidr_netmask=32 op monitor interval=30s";
const CREATE_WEB =
  "resource create webserver ocf:heartbeat:apache configfile=/etc/apache2/apache2.conf statusurl=http://localhost/server-status op monitor interval=1min";

const SEQUENCES: Record<string, string[]> = {
  // pcs 0.10/0.11 (RHEL 8/9), as the reference cluster was configured (webserver created
  // disabled and enabled after the constraints).
  "0.11": [
    "property set stonith-enabled=false",
    "property set no-quorum-policy=ignore",
    CREATE_VIP,
    `${CREATE_WEB} --disabled`,
    "constraint colocation add webserver with virtual_ip INFINITY",
    "constraint order virtual_ip then webserver",
    "constraint location webserver prefers node1=50",
    "resource enable webserver",
  ],
  // pcs 0.9 (CentOS 7 tutorials): colocation without "with", both properties at once,
  // node preference without a score first, then changed.
  "0.9": [
    "property set stonith-enabled=false no-quorum-policy=ignore",
    CREATE_VIP,
    CREATE_WEB,
    "constraint colocation add webserver virtual_ip INFINITY",
    "constraint order virtual_ip then webserver",
    "constraint location webserver prefers node1=50",
  ],
};

/** Real pcs's output of each command (empty for all but the order constraint). */
function expectedOutput(cmd: string): string {
  const ref = `pcs_${cmd
    .replace(/ --disabled$/, "")
    .replaceAll(" ", "_")
    .replaceAll("/", "%2F")}.txt`;
  try {
    return readFileSync(join(referenceDir, ref), "utf8");
  } catch {
    return cmd.startsWith("constraint order")
      ? reference("pcs_constraint_order_virtual_ip_then_webserver.txt")
      : "";
  }
}

for (const [syntax, sequence] of Object.entries(SEQUENCES)) {
  test(`tutorial sequence with the pcs ${syntax} syntax gives real pcs's listings`, async (t) => {
    const dir = tempDir(t);
    writeFileSync(join(dir, "cib.xml"), tutorialStartCib());
    for (const cmd of sequence) {
      const r = await pcs(["-f", "cib.xml", ...words(cmd)], { cwd: dir });
      assert.equal(r.code, 0, `${cmd}: ${r.all}`);
      if (cmd.startsWith("constraint location")) {
        // With -f, pcs warns that it cannot check the node list (the reference ran live).
        assert.equal(r.stderr, "Warning: Validation for node existence in the cluster will be skipped\n");
        assert.equal(r.stdout, "");
      } else if (syntax === "0.11") assert.equal(r.all, expectedOutput(cmd), cmd);
      // pcs 0.11 prints its progress messages ("Adding ...") on stderr, nothing on stdout.
      assert.equal(r.stdout, "", cmd);
    }
    const coro = join(referenceDir, "corosync.conf.generated-by-pcs");
    const checks: [string, string][] = [
      ["constraint", "pcs_constraint.txt"],
      ["constraint --full", "pcs_constraint_--full.txt"],
      ["resource config", "pcs_resource_config.txt"],
      ["property config", "pcs_property_config.txt"],
      ["property", "pcs_property.txt"],
      ["property config --all", "pcs_property_config_--all.txt"],
      [`config --corosync_conf ${coro}`, "pcs_config.txt"],
    ];
    for (const [cmd, ref] of checks) {
      const r = await pcs(["-f", "cib.xml", ...words(cmd)], { cwd: dir });
      assert.equal(r.code, 0, `${cmd}: ${r.all}`);
      assert.equal(r.all, reference(ref), `pcs ${cmd} differs from ${ref}`);
    }
    // The configuration section matches what real pcs wrote, element for element.
    const conf = (xml: string) => {
      const cib = parseXml(xml);
      const c = cib.children.find((n) => n.type === "element" && n.name === "configuration");
      return serializeXml(c as never);
    };
    const ours = conf(readFileSync(join(dir, "cib.xml"), "utf8"));
    let theirs = conf(reference("cib.xml"));
    if (syntax === "0.9")
      theirs = theirs.replace(/ *<meta_attributes id="webserver-meta_attributes"\/>\n/, "");
    assert.equal(ours, theirs);
  });
}

test("every successful change bumps the epoch once; a command that changes nothing leaves it", async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, "cib.xml"), tutorialStartCib());
  const epoch = () => Number(/epoch="(\d+)"/.exec(readFileSync(join(dir, "cib.xml"), "utf8"))![1]);
  const e0 = epoch();
  assert.equal((await pcs(words("-f cib.xml property set stonith-enabled=false"), { cwd: dir })).code, 0);
  assert.equal(epoch(), e0 + 1);
  assert.equal((await pcs(words("-f cib.xml property set stonith-enabled=false"), { cwd: dir })).code, 0);
  assert.equal(epoch(), e0 + 1);
  assert.equal((await pcs(words(`-f cib.xml ${CREATE_VIP}`), { cwd: dir })).code, 0);
  assert.equal(epoch(), e0 + 2);
});

test("pcs -f on a missing file starts from an empty CIB, as pcs does", async (t) => {
  const dir = tempDir(t);
  const r = await pcs(words("-f new.xml property set no-quorum-policy=ignore"), { cwd: dir });
  assert.equal(r.code, 0, r.all);
  const cfg = await pcs(words("-f new.xml property"), { cwd: dir });
  assert.equal(cfg.stdout, "Cluster Properties:\n no-quorum-policy: ignore\n");
  const c = await pcs(words("-f new.xml constraint"), { cwd: dir });
  assert.equal(
    c.stdout,
    "Location Constraints:\nOrdering Constraints:\nColocation Constraints:\nTicket Constraints:\n",
  );
});

test("resource describe prints the agent's real meta-data as pcs does", async (t) => {
  const dir = tempDir(t);
  const r = await pcs(words("resource describe ocf:heartbeat:IPaddr2"), { cwd: dir });
  assert.equal(r.code, 0, r.all);
  assert.equal(r.stdout, reference("pcs_resource_describe_ocf:heartbeat:IPaddr2.txt"));
  const short = await pcs(words("resource describe IPaddr2"), { cwd: dir });
  assert.equal(short.stderr, "Assumed agent name 'ocf:heartbeat:IPaddr2' (deduced from 'IPaddr2')\n");
  assert.equal(short.stdout, r.stdout);
});
