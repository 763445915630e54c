// Resource operations on a real two-node tandemd cluster (loopback, addresses
// 127.245.x.1/2 of this suite): pcs resource relocate show / dry-run / run / clear,
// crm_resource --move --lifetime and --why with tandem's explanation, pcs resource ban
// lifetime= whose end the cluster honours (the resource goes back), clear --expired,
// and the error paths (message, exit status, configuration unchanged).
// ops-live.test.ts runs it from a private copy of the build (build-copy.ts).

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { crmResourceCommand } from "../cli/crm_resource.js";
import { type Command, captureIO } from "../cli/io.js";
import { pcsCommand } from "../cli/pcs.js";
import { type Probe, waitFor as pollUntil } from "../core/wait.js";
import { killAndWait, testNodes, writeTestCluster } from "../daemon/testutil.js";

const repoRoot = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");

const waitFor = <T>(what: string, probe: Probe<T>, ms = 30_000) => pollUntil(what, probe, ms, 150);

export async function opsLive(t: TestContext): Promise<void> {
  const nodes = testNodes(2, 245);
  const roots = writeTestCluster(nodes, { clusterName: "opslive", token: 300 }, () =>
    mkdtempSync(join(tmpdir(), "tandem-ops-live-")),
  );
  t.after(() => {
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });
  const daemons: ChildProcess[] = roots.map((root, i) =>
    spawn(process.execPath, [join(repoRoot, "bin/tandemd")], {
      env: { ...process.env, TANDEM_ROOT: root, TANDEM_NODE_NAME: nodes[i].name },
      stdio: ["ignore", "ignore", "ignore"],
    }),
  );
  const env = { TANDEM_ROOT: roots[0], TANDEM_PCS_WAIT_MS: "30000" };
  const run = async (cmd: Command, args: string) => {
    const c = captureIO({ env, cwd: roots[0] });
    const code = await cmd(
      args.split(/\s+/).filter((w) => w !== ""),
      c.io,
    );
    return { code, out: c.stdout, err: c.stderr };
  };
  const ok = async (cmd: Command, args: string) => {
    const r = await run(cmd, args);
    assert.equal(r.code, 0, `${args}: ${r.err}`);
    return r.out + r.err;
  };
  const pcs = (args: string) => ok(pcsCommand, args);
  const config = async () => (await run(pcsCommand, "cluster cib --config")).out;
  /** Fails with exit 1 (pcs) or `code`, this message, and the configuration unchanged. */
  const fails = async (cmd: Command, args: string, code: number, msg: string | RegExp) => {
    const before = await config();
    const r = await run(cmd, args);
    assert.equal(r.code, code, `${args}: ${r.out}${r.err}`);
    if (typeof msg === "string") assert.equal(r.err, msg, args);
    else assert.match(r.err, msg, args);
    assert.equal(await config(), before, `${args} changed the configuration`);
  };
  const runsOn = (i: number) => existsSync(join(roots[i], "run/tandem/rsctmp/Dummy-d1.state"));
  const where = () => (runsOn(0) && !runsOn(1) ? 0 : runsOn(1) && !runsOn(0) ? 1 : undefined);
  const onNode = (i: number) => waitFor(`d1 on ${nodes[i].name} only`, async () => where() === i);
  try {
    await waitFor("both nodes online", async () => {
      const s = await run(pcsCommand, "status nodes");
      return s.code === 0 && / Online: n1 n2\n/.test(s.out);
    });
    await pcs("property set stonith-enabled=false cluster-recheck-interval=1s");
    await pcs("resource defaults update resource-stickiness=100");
    await pcs("resource create d1 ocf:tandem:Dummy op monitor interval=1s");
    const x = await waitFor("d1 running", async () => where());
    const y = 1 - x;
    const [X, Y] = [nodes[x].name, nodes[y].name];
    await waitFor("the cluster to record d1 started", async () =>
      /Started/.test((await run(crmResourceCommand, "-L")).out),
    );

    // relocate: nothing to do while d1 is where it belongs
    assert.equal(await pcs("resource relocate dry-run"), "No resource needs to be relocated\n");
    // a preference for the other node, weaker than stickiness: d1 stays
    await pcs(`constraint location d1 prefers ${Y}=50`);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(where(), x, "stickiness keeps d1 where it is");
    const show = await pcs("resource relocate show");
    assert.match(show, /^Current cluster status:\n {2}\* d1\t\(ocf:tandem:Dummy\):\t Started n\d\n\n/);
    assert.match(
      show,
      new RegExp(`\\nOptimal placement \\(resource stickiness ignored\\):\\n {2}\\* d1: ${X} -> ${Y}\\n`),
    );
    assert.match(
      show,
      new RegExp(
        `\\nTransition Summary \\(resource stickiness ignored\\):\\n {2}\\* Move +d1 +\\( ${X} -> ${Y} \\)\\n$`,
      ),
    );
    const before = await config();
    assert.equal(
      await pcs("resource relocate dry-run d1"),
      `Creating location constraint pcs-relocate-d1: d1 prefers ${Y} (now on ${X})\n`,
    );
    assert.equal(await config(), before, "dry-run changes nothing");
    await fails(pcsCommand, "resource relocate run nosuch", 1, "Error: Resource 'nosuch' does not exist\n");
    await fails(
      pcsCommand,
      "resource relocate run d1 --wait=x --bogus",
      1,
      /^Error: option --bogus not recognized/,
    );
    assert.equal(
      await pcs("resource relocate run d1"),
      `Creating location constraint pcs-relocate-d1: d1 prefers ${Y} (now on ${X})\n` +
        "Waiting for the cluster to relocate the resources...\n" +
        "Removing location constraint pcs-relocate-d1\n" +
        `resource 'd1' is running on node '${Y}'\n`,
    );
    assert.equal(where(), y);
    assert.doesNotMatch(await config(), /pcs-relocate/);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(where(), y, "d1 stays after the relocation constraint is gone");
    // clear: a constraint a relocation left behind
    await pcs(`constraint location add pcs-relocate-d1 d1 ${Y} INFINITY`);
    assert.equal(await pcs("resource relocate clear"), "Removing location constraint pcs-relocate-d1\n");
    assert.equal(await pcs("resource relocate clear"), "");
    assert.doesNotMatch(await config(), /pcs-relocate/);

    // crm_resource --move --lifetime: the rule constraint, the resource moves; --why explains it
    await fails(
      crmResourceCommand,
      `-M -r d1 -N ${X} --lifetime=10m`,
      64,
      "Invalid duration specified: 10m\nPlease refer to https://en.wikipedia.org/wiki/ISO_8601#Durations for examples of valid durations\nError performing operation: Invalid argument\n",
    );
    assert.match(
      await ok(crmResourceCommand, `-M -r d1 -N ${X} --lifetime=PT1H`),
      /^Migration will take effect until: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\n$/,
    );
    assert.match(
      await config(),
      new RegExp(
        `<rsc_location id="cli-prefer-d1" rsc="d1" role="Started">\\s*<rule id="cli-prefer-rule-d1" score="INFINITY" boolean-op="and">\\s*<expression id="cli-prefer-expr-d1" attribute="#uname" operation="eq" value="${X}" type="string"/>\\s*<date_expression id="cli-prefer-lifetime-end-d1" operation="lt" end="[^"]+"/>`,
      ),
    );
    await onNode(x);
    const why = await waitFor("why to see d1 on its new node", async () => {
      const w = await ok(crmResourceCommand, `--why -r d1 -N ${X}`);
      return w.startsWith(`Resource d1 is running on host ${X}\n`) && w;
    });
    assert.match(why, new RegExp(`\\n {2}${X}: INFINITY {3}<- chosen\\n`));
    assert.match(why, /location cli-prefer-d1 \(rule cli-prefer-rule-d1\)/);
    assert.equal(
      await ok(crmResourceCommand, `-Y -Q -r d1 -N ${Y}`),
      `Resource d1 is not running on host ${Y}\n`,
    );
    assert.equal(await ok(crmResourceCommand, "-U -r d1"), "Removing constraint: cli-prefer-d1\n");

    // pcs resource ban with a lifetime: d1 leaves, and comes back when the lifetime ends
    await pcs("resource defaults update resource-stickiness=0");
    await onNode(y); // the preference for Y=50 wins without stickiness
    const ban = await pcs(`resource ban d1 ${Y} lifetime=PT4S`);
    assert.match(ban, new RegExp(`^Warning: Creating location constraint 'cli-ban-d1-on-${Y}' `));
    assert.match(ban, /\nMigration will take effect until: .+Z\n$/);
    assert.equal(await pcs("resource clear d1 --expired"), "", "not expired yet");
    await onNode(x);
    await onNode(y); // the ban ended: back to the preferred node
    assert.equal(await pcs("resource clear d1 --expired"), `Removing constraint: cli-ban-d1-on-${Y}\n`);
    assert.doesNotMatch(await config(), /cli-ban/);

    // pcs resource move with a lifetime keeps its (expiring) constraint
    await fails(
      pcsCommand,
      `resource move d1 ${X} lifetime=soon`,
      1,
      /^Error: Invalid duration specified: soon\n/,
    );
    await pcs(`resource move d1 ${X} lifetime=PT1H`);
    await onNode(x);
    assert.match(await config(), /<rsc_location id="cli-prefer-d1" rsc="d1" role="Started">/);
  } catch (e) {
    const log = join(roots[0], "var/log/tandem/tandemd.log");
    const tail = existsSync(log) ? readFileSync(log, "utf8").split("\n").slice(-30).join("\n") : "(no log)";
    throw new Error(`${(e as Error).message}\n--- n1 tandemd.log ---\n${tail}`);
  } finally {
    await killAndWait(daemons);
  }
}
