// The dashboard against a real two-node cluster on loopback: two `bin/pcsd` processes, each
// supervising the real tandemd, set up and started with pcs, running ocf:tandem:Dummy resources.
// 1. Every dashboard action changes the CIB exactly as its pcs command does (the same
//    command run with -f on a copy of the CIB before gives the same configuration).
// 2. In real Chromium (Debian's /usr/bin/chromium driven by playwright-core): log in, see both
//    nodes online and the resource started, put its node in standby through the page and see
//    it move (and the CIB change, read back with the pcs command line), unstandby, log out.
//    TANDEM_DASHBOARD_SCREENSHOT=docs/img/dashboard.png also saves a screenshot of the page.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { captureIO } from "../../cli/io.js";
import { pcsCommand } from "../../cli/pcs.js";
import { ErrorCodes } from "../../core/errors.js";
import { child, parseXml, serializeXml } from "../../core/xml.js";
import { TEST_PASSWORD } from "../testkit.js";
import { sel } from "./marks.js";
import { login, type PcsdProcess, spawnPcsd, web } from "./test-support.js";
import { type Probe, waitFor as pollUntil } from "../../core/wait.js";

const CHROMIUM = "/usr/bin/chromium";
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

async function pcs(root: string, args: string[]) {
  const cap = captureIO({ env: { TANDEM_ROOT: root, TANDEM_PCS_WAIT_MS: "40000" }, cwd: root });
  const code = await pcsCommand(args, cap.io);
  return { code, out: cap.stdout, err: cap.stderr };
}

/** The pcs command line as a separate process, as an administrator would check. */
function pcsCli(root: string, args: string[]): string {
  const r = spawnSync(process.execPath, [join(repoRoot, "bin/pcs"), ...args], {
    env: { ...process.env, TANDEM_ROOT: root },
    encoding: "utf8",
    timeout: 30_000,
  });
  return `${r.stdout}${r.stderr}`;
}

const waitFor = <T>(what: string, probe: Probe<T>, ms = 60_000) => pollUntil(what, probe, ms, 250);

/** The configuration section of a CIB (what pcs commands change), as text. */
function configuration(cibXml: string): string {
  const conf = child(parseXml(cibXml), "configuration");
  assert.ok(conf, "no configuration section");
  return serializeXml(conf);
}

async function rowAttr(page: Page, selector: string, attr: string): Promise<string | null> {
  const row = page.locator(selector);
  return (await row.count()) === 1 ? row.getAttribute(attr) : null;
}

describe("the dashboard on a live cluster", { timeout: 300_000 }, () => {
  let n1: PcsdProcess | undefined;
  let n2: PcsdProcess | undefined;
  let firstHome = "";
  before(async () => {
    // Addresses of its own: other suites run clusters on 127.x at the same time.
    const net = `127.93.${1 + Math.floor(Math.random() * 250)}`;
    [n1, n2] = await Promise.all([spawnPcsd("node1", `${net}.1`), spawnPcsd("node2", `${net}.2`)]);
    const hosts = [
      "node1",
      `addr=${n1.addr}:${n1.server.port}`,
      "node2",
      `addr=${n2.addr}:${n2.server.port}`,
    ];
    const ok = async (args: string[]) => {
      const r = await pcs(n1!.root, args);
      assert.equal(r.code, 0, `pcs ${args.join(" ")}: ${r.out}${r.err}`);
      return r;
    };
    await ok(["host", "auth", ...hosts, "-u", "hacluster", "-p", TEST_PASSWORD]);
    await ok(["cluster", "setup", "cluster_web", "node1", "node2"]);
    await ok(["cluster", "start", "--all", "--wait=60"]);
    await waitFor("both nodes online", () =>
      /\* Online: \[ node1 node2 \]/.test(pcsCli(n1!.root, ["status"])),
    );
    await waitFor(
      "the CIB",
      async () => (await pcs(n1!.root, ["property", "set", "stonith-enabled=false"])).code === 0,
    );
    // Resources stay where they are put (no moving back once a move's constraint is gone).
    await ok(["resource", "defaults", "resource-stickiness=100"]);
    await ok(["resource", "create", "d1", "ocf:tandem:Dummy", "op", "monitor", "interval=2s"]);
    await ok(["resource", "create", "d2", "ocf:tandem:Dummy", "op", "monitor", "interval=2s"]);
    await ok(["constraint", "colocation", "add", "d2", "with", "d1", "INFINITY"]);
    await ok(["constraint", "order", "d1", "then", "d2"]);
    firstHome = await waitFor("d1 and d2 started", () => {
      const st = pcsCli(n1!.root, ["status"]);
      const m = /\* d1\t\(ocf:tandem:Dummy\):\t Started (node[12])\n/.exec(st);
      return m && st.includes(`* d2\t(ocf:tandem:Dummy):\t Started ${m[1]}\n`) ? m[1] : undefined;
    });
  });
  after(() => Promise.all([n1?.stop(), n2?.stop()]));

  it("changes the CIB exactly as the pcs command does", async () => {
    const node = n1!;
    const { session, csrf } = await login(node);
    const action = (body: object) =>
      web(node, "POST", "/ui/api/action", { body, cookies: [session], headers: { "x-csrf-token": csrf } });
    const liveConfig = async () => configuration((await pcs(node.root, ["cluster", "cib"])).out);
    // A ban left by the command line, for `clear` to remove.
    assert.equal((await pcs(node.root, ["resource", "ban", "d2", firstHome])).code, 0);
    for (const [name, target] of [
      ["maintenance", "node2"],
      ["unmaintenance", "node2"],
      ["disable", "d2"],
      ["enable", "d2"],
      ["clear", "d2"],
      ["standby", "node2"],
      ["unstandby", "node2"],
    ]) {
      // What the command does to a copy of the CIB as it is now (pcs -f) ...
      const file = join(node.root, `expected-${name}.xml`);
      writeFileSync(file, (await pcs(node.root, ["cluster", "cib"])).out);
      const argv =
        name.endsWith("standby") || name.endsWith("maintenance")
          ? ["node", name, target]
          : ["resource", name, target];
      const expected = await pcs(node.root, ["-f", file, ...argv]);
      assert.equal(expected.code, 0, `${argv.join(" ")}: ${expected.err}`);
      // ... is what the dashboard does to the live CIB.
      const r = await action({ action: name, target, node: null });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.command, `pcs ${argv.join(" ")}`);
      assert.equal(await liveConfig(), configuration(readFileSync(file, "utf8")), name);
    }
    // cleanup and move need the running cluster (pcs refuses them with -f): their effect.
    const cleanup = await action({ action: "cleanup", target: "d1", node: null });
    assert.equal(cleanup.status, 200, cleanup.text);
    assert.match(String(cleanup.json.stdout), /^Cleaned up d1 on /m);
    const dest = firstHome === "node1" ? "node2" : "node1";
    const move = await action({ action: "move", target: "d1", node: dest });
    assert.equal(move.status, 200, move.text);
    assert.match(String(move.json.stderr), new RegExp(`resource 'd1' is running on node '${dest}'`));
    assert.doesNotMatch(await liveConfig(), /cli-prefer-d1/);
    const back = await action({ action: "move", target: "d1", node: firstHome });
    assert.equal(back.status, 200, back.text);
    // A refused command: pcs's error, nothing changed.
    const before = await liveConfig();
    const bad = await action({ action: "enable", target: "nosuch", node: null });
    assert.equal(bad.status, 409);
    assert.equal(bad.json.error?.code, ErrorCodes.PCSD_ACTION_FAILED);
    assert.match(
      String(bad.json.error?.message),
      /^pcs resource enable nosuch: bundle\/clone\/group\/resource 'nosuch' does not exist$/,
    );
    assert.equal(await liveConfig(), before);
    // The snapshot says what pcs status says.
    const snap = await web(node, "GET", "/ui/api/status", { cookies: [session] });
    const st = pcsCli(node.root, ["status"]);
    for (const r of snap.json.resources as { id: string; runningOn: string[] }[])
      assert.match(st, new RegExp(`\\* ${r.id}\\t\\(ocf:tandem:Dummy\\):\\t Started ${r.runningOn[0]}\\n`));
    assert.deepEqual((snap.json.constraints as { type: string }[]).map((c) => c.type).sort(), [
      "colocation",
      "order",
    ]);
  });

  it("in Chromium: login, live state, standby moves the resource, logout", {
    skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (Debian package 'chromium')`,
  }, async (t) => {
    const { chromium } = await import("playwright-core");
    const node1 = n1!;
    const node2 = n2!;
    let browser: Browser | undefined;
    t.after(() => browser?.close());
    await waitFor("d1 back home", () =>
      pcsCli(node1.root, ["status"]).includes(`* d1\t(ocf:tandem:Dummy):\t Started ${firstHome}\n`),
    );
    const other = firstHome === "node1" ? "node2" : "node1";
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: process.getuid?.() === 0 ? ["--no-sandbox"] : [],
    });
    const context = await browser.newContext({
      ignoreHTTPSErrors: true,
      viewport: { width: 1280, height: 860 },
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    const base = `https://${node1.addr}:${node1.server.port}`;

    // Login: a wrong password first (the page says so), then the right one.
    await page.goto(`${base}/`);
    assert.equal(new URL(page.url()).pathname, "/login");
    await page.fill(sel("loginPassword"), "wrong password");
    await page.click(sel("loginSubmit"));
    await page.locator(sel("loginError")).filter({ hasText: "incorrect" }).waitFor();
    await page.fill(sel("loginPassword"), TEST_PASSWORD);
    await page.click(sel("loginSubmit"));
    await page.waitForURL(`${base}/`);
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === "tandem_session");
    assert.ok(session, "session cookie");
    assert.deepEqual([session.httpOnly, session.secure, session.sameSite], [true, true, "Strict"]);

    // The live state: both nodes online, one of them DC, d1 started where pcs status says.
    await page.waitForSelector(`${sel("node")}[data-node="node2"][data-state="online"]`);
    await page.waitForSelector(`${sel("node")}[data-node="node1"][data-state="online"]`);
    assert.equal(await page.textContent(sel("clusterName")), "cluster_web");
    assert.equal(await page.locator(sel("nodeDc")).count(), 1);
    const d1 = `${sel("resource")}[data-resource="d1"]`;
    await page.waitForSelector(`${d1}[data-role="Started"]`);
    assert.equal(await page.textContent(`${d1} ${sel("resourceNodes")}`), firstHome);
    assert.equal(await page.getAttribute(sel("connection"), "data-state"), "live");
    assert.match(
      String(await page.textContent(`${sel("property")}[data-property="stonith-enabled"]`)),
      /false/,
    );

    if (process.env.TANDEM_DASHBOARD_SCREENSHOT) {
      const file = resolve(repoRoot, process.env.TANDEM_DASHBOARD_SCREENSHOT);
      mkdirSync(dirname(file), { recursive: true });
      await page.screenshot({ path: file, fullPage: true });
    }

    // Standby through the page: the resource moves to the other node, live.
    const home = `${sel("node")}[data-node="${firstHome}"]`;
    const t0 = Date.now();
    await page.click(`${home} ${sel("nodeStandby")}`);
    await page.waitForSelector(`${sel("actionResult")}[data-state="ok"]`);
    const tDone = Date.now() - t0;
    assert.match(
      String(await page.textContent(sel("actionResult"))),
      new RegExp(`pcs node standby ${firstHome}`),
    );
    await page.waitForSelector(`${home}[data-state="standby"]`);
    await waitFor("d1 on the other node in the page", async () => {
      const role = await rowAttr(page, d1, "data-role");
      return role === "Started" && (await page.textContent(`${d1} ${sel("resourceNodes")}`)) === other;
    });
    // Figures for docs/pcsd.md (not asserted: the machine's load decides them).
    t.diagnostic(
      `standby: action answered after ${tDone} ms, page shows d1 on ${other} after ${Date.now() - t0} ms`,
    );
    if (process.env.TANDEM_DASHBOARD_SCREENSHOT) {
      const file = resolve(repoRoot, process.env.TANDEM_DASHBOARD_SCREENSHOT).replace(
        /\.png$/,
        "-standby.png",
      );
      await page.screenshot({ path: file, fullPage: true });
    }
    // The CIB changed exactly as `pcs node standby` changes it, seen from the command line.
    assert.match(pcsCli(node2.root, ["node", "attribute"]), new RegExp(`\\n ${firstHome}: standby=on\\n`));
    const status = pcsCli(node2.root, ["status"]);
    assert.match(status, new RegExp(`\\* Node ${firstHome}: standby\\n`));
    assert.match(status, new RegExp(`\\* d1\\t\\(ocf:tandem:Dummy\\):\\t Started ${other}\\n`));

    // And back: unstandby, the node is online again.
    await page.click(`${home} ${sel("nodeUnstandby")}`);
    await page.waitForSelector(`${home}[data-state="online"]`);
    assert.doesNotMatch(pcsCli(node2.root, ["node", "attribute"]), /standby=on/);

    // Move d1 back to its first node with the row's node list and Move (d2 follows it).
    await page.selectOption(`${d1} ${sel("resourceMoveTarget")}`, firstHome);
    await page.click(`${d1} ${sel("resourceMove")}`);
    await page
      .locator(`${sel("actionResult")}[data-state="ok"]`)
      .filter({ hasText: `pcs resource move d1 ${firstHome}` })
      .waitFor();
    await waitFor("d1 back on its first node in the page", async () => {
      return (await page.textContent(`${d1} ${sel("resourceNodes")}`)) === firstHome;
    });
    assert.match(
      pcsCli(node2.root, ["status"]),
      new RegExp(`\\* d1\\t\\(ocf:tandem:Dummy\\):\\t Started ${firstHome}\\n`),
    );

    // Disable and enable d2: the role follows, the button flips.
    const d2 = `${sel("resource")}[data-resource="d2"]`;
    await page.click(`${d2} ${sel("resourceDisable")}`);
    await page.waitForSelector(`${d2}[data-role="Stopped"] ${sel("resourceEnable")}`);
    assert.match(pcsCli(node2.root, ["resource", "config", "d2"]), /target-role=Stopped/);
    await page.click(`${d2} ${sel("resourceEnable")}`);
    await page.waitForSelector(`${d2}[data-role="Started"] ${sel("resourceDisable")}`);

    // Log out: back to the login page, and the old session is dead.
    await page.click(sel("logout"));
    await page.waitForURL(`${base}/login`);
    const statusAfter = await page.evaluate(async () => (await fetch("/ui/api/status")).status);
    assert.equal(statusAfter, 401);
    assert.deepEqual(
      errors.filter((e) => !/401|Unauthorized/.test(e)),
      [],
    );
  });
});
