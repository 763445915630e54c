// Property test: random sequences of pcs commands (valid and invalid, from every family)
// on a CIB file. After each command: a failure leaves the file byte for byte unchanged;
// a success leaves a parseable CIB whose configuration ids are all distinct and whose
// constraints only name existing resources.

import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { child, parseXml, walkElements } from "../core/xml.js";
import { pcs, tempDir, tutorialStartCib, words } from "./test-support.js";

const RSC = ["vip", "web", "d1", "v2", "g1", "g2", "web-clone", "nosuch"];
const NODE = ["node1", "node2", "node9"];

const command = fc.oneof(
  fc.constantFrom(
    "property set stonith-enabled=false",
    "property set no-quorum-policy=bogus",
    "property unset no-quorum-policy",
    "resource create v2 ocf:heartbeat:IPaddr2 ip=198.18.0.199 op monitor interval=30s",
    "resource create vip ocf:heartbeat:IPaddr2",
    "resource create web ocf:heartbeat:apache --disabled",
    "resource create d1 ocf:pacemaker:Dummy --group g1",
    "resource create d1 ocf:pacemaker:Dummy clone",
    "resource group add g1 vip web",
    "resource group remove g1 web",
    "resource clone web",
    "resource unclone web",
    "resource enable web",
    "resource defaults update resource-stickiness=100",
    "constraint order vip then web",
    "constraint order web then vip kind=Optional",
    "constraint order set vip web",
    "constraint colocation set web vip setoptions score=100",
    "constraint location web rule #uname eq node1 or defined pingd",
    "constraint rule remove location-web-rule",
    "resource unmanage web",
    "resource ungroup g1",
    "resource unclone web-clone",
    "resource group add g2 web",
    "resource utilization vip cpu=2",
    "node attribute node1 rack=1",
    "acl role create r1 read xpath /cib write id web",
    "acl role create r2 deny id nosuch",
    "acl user create alice r1",
    "acl group create ops r1 r9",
    "acl role assign r1 to group ops",
    "acl role delete r1",
    "acl permission add r1 read id vip",
    "acl permission delete r1-read",
    "acl enable",
    "resource clear web --expired",
  ),
  fc
    .tuple(fc.constantFrom(...RSC), fc.constantFrom(...NODE), fc.constantFrom("PT1H", "P1D", "1h"))
    .map(([r, n, l]) => `resource ban ${r} ${n} lifetime=${l}`),
  fc
    .tuple(fc.constantFrom(...RSC), fc.constantFrom(...NODE), fc.constantFrom("PT10M", "soon"))
    .map(([r, n, l]) => `resource move-with-constraint ${r} ${n} lifetime=${l}`),
  fc
    .tuple(fc.constantFrom(...RSC), fc.constantFrom(...RSC))
    .map(([a, b]) => `constraint colocation add ${a} with ${b}`),
  fc
    .tuple(fc.constantFrom(...RSC), fc.constantFrom(...NODE), fc.constantFrom("50", "INFINITY", "x"))
    .map(([r, n, s]) => `constraint location ${r} prefers ${n}=${s}`),
  fc.constantFrom(...RSC).map((r) => `resource delete ${r}`),
  fc.constantFrom(...RSC).map((r) => `resource ban ${r} node2`),
  fc.constantFrom(...RSC).map((r) => `resource clear ${r}`),
  fc.constantFrom(...RSC).map((r) => `resource disable ${r}`),
  fc
    .constantFrom("location-web-node1-50", "order-vip-web-mandatory", "nope")
    .map((id) => `constraint delete ${id}`),
  fc.constantFrom(...NODE).map((n) => `node standby ${n}`),
);

function checkCib(xml: string, cmd: string): void {
  const cib = parseXml(xml);
  const conf = child(cib, "configuration")!;
  const ids = new Map<string, number>();
  for (const e of walkElements(conf))
    if (e.attrs.id !== undefined && e.name !== "resource_ref")
      ids.set(e.attrs.id, (ids.get(e.attrs.id) ?? 0) + 1);
  for (const [id, n] of ids) assert.equal(n, 1, `after '${cmd}': id '${id}' used ${n} times`);
  const resources = new Set<string>();
  for (const e of walkElements(child(conf, "resources")!)) if (e.attrs.id) resources.add(e.attrs.id);
  for (const c of walkElements(child(conf, "constraints")!))
    for (const k of ["rsc", "with-rsc", "first", "then"])
      if (c.attrs[k] !== undefined)
        assert.ok(resources.has(c.attrs[k]), `after '${cmd}': ${c.attrs.id} names missing '${c.attrs[k]}'`);
  for (const r of walkElements(child(conf, "constraints")!))
    if (r.name === "resource_ref")
      assert.ok(resources.has(r.attrs.id), `after '${cmd}': a set names missing '${r.attrs.id}'`);
  for (const set of walkElements(child(conf, "constraints")!))
    if (set.name === "resource_set")
      assert.ok(
        set.children.some((x) => x.type === "element"),
        `after '${cmd}': empty set ${set.attrs.id}`,
      );
}

test("random command sequences: failures change nothing, successes keep the CIB consistent", async (t) => {
  const dir = tempDir(t);
  const file = join(dir, "cib.xml");
  // Start with two resources so that most generated commands have something to act on.
  writeFileSync(file, tutorialStartCib());
  for (const cmd of [
    "resource create vip ocf:heartbeat:IPaddr2 ip=198.18.0.199",
    "resource create web ocf:heartbeat:apache",
  ])
    assert.equal((await pcs(["-f", "cib.xml", ...words(cmd)], { cwd: dir })).code, 0);
  const start = readFileSync(file, "utf8");
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 10 }), async (cmds) => {
      writeFileSync(file, start);
      for (const cmd of cmds) {
        const before = readFileSync(file);
        const r = await pcs(["-f", "cib.xml", ...words(cmd)], { cwd: dir });
        assert.ok(r.code === 0 || r.code === 1, `'${cmd}' exit ${r.code}: ${r.all}`);
        assert.doesNotMatch(r.all, /internal error/, cmd);
        // pcs must never build a CIB that breaks Pacemaker's schema (cibadmin would refuse it).
        assert.doesNotMatch(r.all, /Unable to update cib/, `${cmd}: ${r.all}`);
        if (r.code !== 0) assert.ok(readFileSync(file).equals(before), `failed '${cmd}' changed the CIB`);
        else checkCib(readFileSync(file, "utf8"), cmd);
      }
      runs++;
    }),
    { numRuns: 60, seed: Number(process.env.TANDEM_SEED ?? 4242) },
  );
  assert.equal(runs >= 60, true);
});
