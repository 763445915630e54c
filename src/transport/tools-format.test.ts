// The corosync tools' layouts against the real Corosync 3.1.7 outputs in ../shared/reference.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { cfgtoolCommand } from "../cli/corosync-cfgtool.js";
import { cmapctlCommand } from "../cli/corosync-cmapctl.js";
import { keygenCommand } from "../cli/corosync-keygen.js";
import { quorumtoolCommand } from "../cli/corosync-quorumtool.js";
import { captureIO } from "../cli/io.js";
import type { CmapEntry, QuorumStatus } from "./ipc-schema.js";
import { serveIpc } from "./ipc.js";
import { ctime, formatCfgStatus, formatCmap, formatQuorumList, formatQuorumStatus } from "./tools-format.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const refDir = path.resolve(repoRoot, "../shared/reference/pacemaker-2.1.5");
const ref = (name: string) => readFileSync(path.join(refDir, name), "utf8");

/** Parses `key (type) = value` lines back into entries (the value keeps trailing blanks). */
function parseCmap(text: string): CmapEntry[] {
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => {
      const m = /^(\S+) \((\w+)\) = (.*)$/.exec(l);
      assert.ok(m, l);
      return { key: m[1], type: m[2] as CmapEntry["type"], value: m[3] };
    });
}

test("cmapctl layout equals the reference (members, totem)", () => {
  for (const f of ["corosync-cmapctl_|_grep_members.txt", "corosync-cmapctl_|_grep_totem.txt"]) {
    const text = ref(f);
    const shuffled = parseCmap(text).reverse();
    assert.equal(formatCmap(shuffled), text);
  }
  const members = parseCmap(ref("corosync-cmapctl_|_grep_members.txt"));
  assert.equal(
    formatCmap(members, "runtime.members.2."),
    ref("corosync-cmapctl_|_grep_members.txt").split("\n").slice(4).join("\n"),
  );
});

function quorumFromRef(text: string): QuorumStatus {
  const get = (label: string) => new RegExp(`^${label}:\\s+(.*)$`, "m").exec(text)?.[1].trim() ?? "";
  const members = [...text.matchAll(/^\s+(\d+)\s+(\d+) (\S+)( \(local\))?$/gm)].map((m) => ({
    nodeid: Number(m[1]),
    votes: Number(m[2]),
    name: m[3],
  }));
  const date = get("Date");
  return {
    date: new Date(date).getTime(),
    provider: get("Quorum provider"),
    nodeid: Number(get("Node ID")),
    ringId: get("Ring ID"),
    quorate: get("Quorate") === "Yes",
    expectedVotes: Number(get("Expected votes")),
    highestExpected: Number(get("Highest expected")),
    totalVotes: Number(get("Total votes")),
    quorum: Number(get("Quorum")),
    flags: get("Flags").split(" "),
    members,
  };
}

test("quorumtool -s / -l layout equals the reference", () => {
  for (const f of [
    "corosync-quorumtool_-s.txt",
    "corosync-quorumtool_-s.after-node1-stopped.txt",
    "corosync-quorumtool_-s.after-node1-crash.txt",
  ]) {
    const text = ref(f);
    const q = quorumFromRef(text);
    assert.equal(ctime(q.date), /^Date:\s+(.*)$/m.exec(text)?.[1]);
    assert.equal(formatQuorumStatus(q), text, f);
    assert.equal(formatQuorumList(q), `\n${text.slice(text.indexOf("Membership information"))}`);
  }
  const q = quorumFromRef(ref("corosync-quorumtool_-s.txt"));
  assert.match(formatQuorumStatus({ ...q, quorate: false }), /^Quorum: {11}1 Activity blocked$/m);
});

test("cfgtool -s layout equals the reference", () => {
  const text = ref("corosync-cfgtool_-s.txt");
  const out = formatCfgStatus({
    nodeid: 1,
    transport: "knet",
    links: [
      {
        link: 0,
        kind: "udp",
        addr: "198.18.0.11",
        peers: [
          { nodeid: 2, status: "connected" },
          { nodeid: 1, status: "localhost" },
        ],
      },
    ],
  });
  assert.equal(out, text);
});

test("tools against a served socket, and without a node", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "tandem-tools-"));
  const sock = path.join(dir, "tandemd.sock");
  const q = quorumFromRef(ref("corosync-quorumtool_-s.txt"));
  const server = await serveIpc(sock, {
    "cmap.list": () => parseCmap(ref("corosync-cmapctl_|_grep_members.txt")),
    "quorum.status": () => ({ ...q, quorate: false }),
    "cfg.status": () => ({ nodeid: 3, transport: "knet", links: [] }),
  });
  try {
    const env = { TANDEM_SOCKET: sock };
    let c = captureIO({ env });
    assert.equal(await cmapctlCommand(["-b", "runtime.members.1."], c.io), 0);
    assert.equal(c.stdout.split("\n").length, 5);
    c = captureIO({ env });
    assert.equal(await cmapctlCommand(["-g", "runtime.members.2.status"], c.io), 0);
    assert.equal(c.stdout, "runtime.members.2.status (str) = joined\n");
    c = captureIO({ env });
    assert.equal(await cmapctlCommand(["-g", "nope"], c.io), 1);
    c = captureIO({ env });
    assert.equal(await quorumtoolCommand(["-s"], c.io), 2, "not quorate: exit 2");
    c = captureIO({ env });
    assert.equal(await cfgtoolCommand(["-s"], c.io), 0);
    assert.equal(c.stdout, "Local node ID 3, transport knet\n");
    const none = { TANDEM_SOCKET: path.join(dir, "absent.sock") };
    c = captureIO({ env: none });
    assert.equal(await cmapctlCommand([], c.io), 1);
    assert.match(c.stderr, /^Failed to initialize the cmap API\. Error CS_ERR_LIBRARY \(.*ENOENT\)\n$/);
    c = captureIO({ env: none });
    assert.equal(await quorumtoolCommand(["-l"], c.io), 1);
    assert.match(c.stderr, /^Cannot initialize CMAP service/);
    c = captureIO({ env: none });
    assert.equal(await cfgtoolCommand(["-s"], c.io), 1);
    assert.match(c.stderr, /^Could not initialize corosync configuration API error 2/);
    c = captureIO({ env });
    assert.equal(
      await cmapctlCommand(["nosuchprefix"], c.io),
      1,
      "no key under the prefix: exit 1 as corosync-cmapctl",
    );
    // keygen
    c = captureIO({ env: { TANDEM_ROOT: dir } });
    assert.equal(await keygenCommand(["-s", "512"], c.io), 0);
    const keyFile = path.join(dir, "etc/tandem/authkey");
    assert.equal(statSync(keyFile).size, 512);
    assert.equal(statSync(keyFile).mode & 0o777, 0o400);
    assert.match(
      c.stdout,
      /Gathering 4096 bits for key from \/dev\/urandom\.\nWriting corosync key to .*authkey\.\n$/,
    );
    c = captureIO({ env: { TANDEM_ROOT: dir }, cwd: dir });
    assert.equal(await keygenCommand(["-k", "k2"], c.io), 0);
    assert.equal(statSync(path.join(dir, "k2")).size, 256);
    await assert.rejects(keygenCommand(["-s", "64"], captureIO().io), /128 to 4096 bytes: got '64'/);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
