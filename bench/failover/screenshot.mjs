#!/usr/bin/env node
// Screenshots of failover reports with headless Chromium (Debian's `chromium`, driven by
// playwright-core): node bench/failover/screenshot.mjs REPORT.html OUT.png [WIDTH]
// The report is a self-contained file, so it is loaded from disk with no network.

import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const [html, png, width = "1180"] = process.argv.slice(2);
if (!html || !png) {
  process.stderr.write("usage: screenshot.mjs REPORT.html OUT.png [WIDTH]\n");
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: Number(width), height: 900 } });
  await page.goto(pathToFileURL(resolve(html)).href);
  await page.screenshot({ path: png, fullPage: true });
  process.stdout.write(`${png}\n`);
} finally {
  await browser.close();
}
