import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, test } from "node:test";
import { createLogger } from "../core/log.js";
import { child, parseXml, serializeXml } from "../core/xml.js";
import { CibDiskStore, cibDigest } from "./persist.js";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-persist-"));
  dirs.push(d);
  return d;
}

function cibWithEpoch(epoch: number, withStatus = true): ReturnType<typeof parseXml> {
  return parseXml(
    `<cib admin_epoch="0" epoch="${epoch}" num_updates="3"><configuration><crm_config/><nodes/>` +
      `<resources><primitive id="r${epoch}" class="ocf" provider="tandem" type="Dummy"/></resources>` +
      `<constraints/></configuration>${withStatus ? '<status><node_state id="1"/></status>' : ""}</cib>`,
  );
}

function capture() {
  const lines: string[] = [];
  return { lines, log: createLogger({ sink: (l) => lines.push(l), level: "debug" }) };
}

test("save then load round-trips the configuration and never keeps status", () => {
  const dir = tmpDir();
  const store = new CibDiskStore({ dir });
  assert.equal(store.save(cibWithEpoch(1)), true);
  const text = fs.readFileSync(path.join(dir, "cib.xml"), "utf8");
  assert.equal(fs.readFileSync(path.join(dir, "cib.xml.sig"), "utf8").trim(), cibDigest(text));
  assert.ok(!text.includes("node_state"), "status must not be written");
  const loaded = new CibDiskStore({ dir }).load();
  assert.equal(loaded.source, "cib.xml");
  assert.equal(loaded.cib?.attrs.epoch, "1");
  assert.equal(child(loaded.cib!, "status")?.children.length, 0);
  assert.ok(child(child(loaded.cib!, "configuration")!, "resources"));
});

test("unchanged configuration is not rewritten; status-only change is not a write", () => {
  const dir = tmpDir();
  const store = new CibDiskStore({ dir });
  assert.equal(store.save(cibWithEpoch(1)), true);
  assert.equal(store.save(cibWithEpoch(1, false)), false);
  assert.equal(store.save(cibWithEpoch(2)), true);
});

test("numbered backups rotate and only the last N are kept", () => {
  const dir = tmpDir();
  const store = new CibDiskStore({ dir, backups: 3 });
  for (let e = 1; e <= 6; e++) store.save(cibWithEpoch(e));
  const raws = fs
    .readdirSync(dir)
    .filter((n) => /^cib-\d+\.raw$/.test(n))
    .sort();
  assert.deepEqual(raws, ["cib-3.raw", "cib-4.raw", "cib-5.raw"]);
  assert.equal(fs.readFileSync(path.join(dir, "cib.last"), "utf8").trim(), "5");
  // cib-5.raw holds epoch 5 (the copy before the current one, epoch 6)
  assert.match(fs.readFileSync(path.join(dir, "cib-5.raw"), "utf8"), /epoch="5"/);
});

test("a truncated cib.xml is detected and the newest good backup is used, loudly", () => {
  const dir = tmpDir();
  const store = new CibDiskStore({ dir });
  for (let e = 1; e <= 3; e++) store.save(cibWithEpoch(e));
  const file = path.join(dir, "cib.xml");
  const full = fs.readFileSync(file, "utf8");
  fs.writeFileSync(file, full.slice(0, Math.floor(full.length / 2)));
  const { lines, log } = capture();
  const loaded = new CibDiskStore({ dir, log }).load();
  assert.equal(loaded.source, "cib-2.raw");
  assert.equal(loaded.cib?.attrs.epoch, "2");
  assert.equal(loaded.rejected[0].file, "cib.xml");
  assert.match(loaded.rejected[0].reason, /digest mismatch/);
  assert.ok(lines.some((l) => l.includes(" crit: ") && l.includes("cib.xml")));
});

test("a file whose digest matches but is not XML is rejected too", () => {
  const dir = tmpDir();
  const store = new CibDiskStore({ dir });
  store.save(cibWithEpoch(1));
  store.save(cibWithEpoch(2));
  const bad = '<cib epoch="9"><configuration>';
  fs.writeFileSync(path.join(dir, "cib.xml"), bad);
  fs.writeFileSync(path.join(dir, "cib.xml.sig"), cibDigest(bad));
  const loaded = new CibDiskStore({ dir }).load();
  assert.equal(loaded.source, "cib-1.raw");
  assert.match(loaded.rejected[0].reason, /XML syntax error/);
});

test("crash between writing content and digest falls back to the previous copy", () => {
  const dir = tmpDir();
  const store = new CibDiskStore({ dir });
  store.save(cibWithEpoch(1));
  store.save(cibWithEpoch(2));
  // Simulate: new content renamed in place, digest not yet updated.
  fs.writeFileSync(path.join(dir, "cib.xml"), serializeXml(cibWithEpoch(3, false)));
  const loaded = new CibDiskStore({ dir }).load();
  assert.equal(loaded.cib?.attrs.epoch, "1");
  assert.equal(loaded.source, "cib-1.raw");
});

test("every copy damaged: nothing loaded, every rejection listed; empty dir is quiet", () => {
  const dir = tmpDir();
  const store = new CibDiskStore({ dir });
  store.save(cibWithEpoch(1));
  store.save(cibWithEpoch(2));
  fs.writeFileSync(path.join(dir, "cib.xml"), "");
  fs.writeFileSync(path.join(dir, "cib-1.raw"), "garbage");
  const { lines, log } = capture();
  const loaded = new CibDiskStore({ dir, log }).load();
  assert.equal(loaded.cib, undefined);
  assert.deepEqual(
    loaded.rejected.map((r) => r.file),
    ["cib.xml", "cib-1.raw"],
  );
  assert.ok(lines.some((l) => l.includes("no usable CIB copy")));
  const empty = new CibDiskStore({ dir: tmpDir() }).load();
  assert.equal(empty.cib, undefined);
  assert.equal(empty.rejected.length, 0);
});

test("after a fallback load, the next save keeps the good copy as a backup", () => {
  const dir = tmpDir();
  const store = new CibDiskStore({ dir });
  store.save(cibWithEpoch(1));
  store.save(cibWithEpoch(2));
  fs.writeFileSync(path.join(dir, "cib.xml"), "<cib");
  const s2 = new CibDiskStore({ dir });
  assert.equal(s2.load().cib?.attrs.epoch, "1");
  s2.save(cibWithEpoch(4));
  const again = new CibDiskStore({ dir }).load();
  assert.equal(again.cib?.attrs.epoch, "4");
  assert.equal(again.rejected.length, 0);
});
