// The dashboard in real Chromium against a real pcsd whose cluster snapshot is scripted
// (src/pcsd/web/scenarios.ts): the states a live test cannot produce quickly — an offline,
// an unclean and a maintenance node, a failed resource with fail counts, group and clone
// members, a disabled resource, move constraints, no quorum, no cluster — are each rendered
// as they should be, the page switches between them live, controls have accessible names,
// and a refused action shows pcs's error. Skipped when Chromium is not installed.

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { pcsdPaths } from "../paths.js";
import { setPassword } from "../password.js";
import { type PcsdServer, startPcsd } from "../server.js";
import { STAND_IN_DAEMON, TEST_PASSWORD, TEST_SCRYPT_COST } from "../testkit.js";
import { sel } from "./marks.js";
import { scenarios } from "./scenarios.js";
import type { ClusterSnapshot } from "./snapshot.js";

const CHROMIUM = "/usr/bin/chromium";
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

test("the dashboard renders every cluster state (scripted snapshots, real Chromium)", {
  timeout: 120_000,
  skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (Debian package 'chromium')`,
}, async (t) => {
  const { chromium } = await import("playwright-core");
  const root = mkdtempSync(join(tmpdir(), "tandem-web-mock-"));
  let current: ClusterSnapshot = scenarios.troubled;
  let server: PcsdServer | undefined;
  let browser: Browser | undefined;
  t.after(async () => {
    await browser?.close();
    await server?.close();
    rmSync(root, { recursive: true, force: true });
  });
  await setPassword(pcsdPaths(root).passwd, "hacluster", TEST_PASSWORD, TEST_SCRYPT_COST);
  const addr = `127.94.${1 + Math.floor(Math.random() * 250)}.1`;
  server = await startPcsd({
    root,
    bind: addr,
    port: 0,
    nodeName: "node1",
    supervisor: { mode: "child", command: STAND_IN_DAEMON },
    dashboard: { snapshot: async () => current, pollMs: 100 },
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: process.getuid?.() === 0 ? ["--no-sandbox"] : [],
  });
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: 1280, height: 900 },
  });
  const page = await context.newPage();
  const base = `https://${addr}:${server.port}`;
  await page.goto(`${base}/login`);
  await page.fill(sel("loginPassword"), TEST_PASSWORD);
  await page.click(sel("loginSubmit"));
  await page.waitForURL(`${base}/`);

  // Three nodes: online DC, maintenance, offline.
  const node = (n: string) => `${sel("node")}[data-node="${n}"]`;
  await page.waitForSelector(`${node("node3")}[data-state="offline"]`);
  assert.equal(await page.getAttribute(node("node2"), "data-state"), "maintenance");
  assert.equal(await page.textContent(`${node("node2")} ${sel("nodeState")}`), "Maintenance");
  assert.equal(await page.locator(`${node("node2")} ${sel("nodeUnmaintenance")}`).count(), 1);
  assert.equal(await page.locator(`${node("node1")} ${sel("nodeDc")}`).count(), 1);
  assert.equal(
    await page.textContent(`${node("node1")} ${sel("nodeResources")}`),
    "web-ip, web-server, ping:0",
  );

  // Resources: the failed one with its fail count, group and clone members, a disabled one.
  const r = (id: string) => `${sel("resource")}[data-resource="${id}"]`;
  assert.equal(await page.getAttribute(r("web-server"), "data-role"), "FAILED");
  assert.equal(await page.textContent(`${r("web-server")} ${sel("resourceFailures")}`), "node1: 2 (failed)");
  assert.match(String(await page.textContent(r("web-ip"))), /group web/);
  assert.match(String(await page.textContent(r("ping:1"))), /clone ping-clone/);
  assert.match(String(await page.textContent(`${r("backup")} td:nth-child(3)`)), /^Stopped \(disabled\)$/);
  assert.equal(await page.locator(`${r("backup")} ${sel("resourceEnable")}`).count(), 1);
  // Clear is offered only where move/ban left a constraint (the group "web" here).
  assert.equal(await page.isEnabled(`${r("web-ip")} ${sel("resourceClear")}`), true);
  assert.equal(await page.isEnabled(`${r("backup")} ${sel("resourceClear")}`), false);
  // Move offers the nodes it does not run on.
  const options = await page.$$eval(`${r("web-ip")} ${sel("resourceMoveTarget")} option`, (os) =>
    os.map((o) => o.getAttribute("value")),
  );
  assert.deepEqual(options, ["node2", "node3"]);
  assert.match(
    String(await page.textContent(`${sel("constraint")}[data-constraint="cli-prefer-web"]`)),
    /from move\/ban/,
  );
  assert.equal(await page.locator(sel("property")).count(), 2);

  // Every control has an accessible name; every list box has a label.
  const unnamed = await page.$$eval(
    "button",
    (bs) => bs.filter((b) => (b.getAttribute("aria-label") ?? b.textContent ?? "").trim() === "").length,
  );
  assert.equal(unnamed, 0);
  const unlabelled = await page.$$eval(
    "select",
    (ss) => ss.filter((s) => s.ownerDocument.querySelector(`label[for="${s.id}"]`) === null).length,
  );
  assert.equal(unlabelled, 0);
  assert.equal(await page.getAttribute("html", "lang"), "en");

  if (process.env.TANDEM_DASHBOARD_SCREENSHOT) {
    const file = resolve(repoRoot, process.env.TANDEM_DASHBOARD_SCREENSHOT).replace(
      /\.png$/,
      "-troubled.png",
    );
    await page.screenshot({ path: file, fullPage: true });
  }

  // A refused action (no cluster behind this pcsd): pcs's error on the page.
  await page.click(`${node("node1")} ${sel("nodeStandby")}`);
  await page.waitForSelector(`${sel("actionResult")}[data-state="error"]`);
  assert.match(String(await page.textContent(sel("actionResult"))), /pcs node standby node1: /);

  // The page follows the cluster: no quorum and an unclean node, then no cluster at all.
  current = scenarios.noQuorum;
  await page.waitForSelector(`${node("node2")}[data-state="unclean"]`);
  assert.equal(await page.textContent(sel("quorum")), "partition WITHOUT quorum");
  current = scenarios.stopped;
  await page.waitForSelector(`${sel("clusterMessage")}:not([hidden])`);
  assert.match(String(await page.textContent(sel("clusterMessage"))), /not running on node1/);
  assert.equal(await page.locator(sel("node")).count(), 0);
});
