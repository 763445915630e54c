// The cluster-wide pcs commands against real pcsd processes' servers on loopback: two
// nodes, each its own TANDEM_ROOT, 127.0.0.x address and port. Auth, setup (both
// syntaxes), start/stop/enable/disable, pcsd status, corosync, destroy, and error paths.

import { subcommandUsage } from "../usage.js";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { pcsCommand } from "../../cli/pcs.js";
import { captureIO } from "../../cli/io.js";
import { readKnownHosts, updateKnownHosts } from "../../pcsd/known-hosts.js";
import { pcsdPaths } from "../../pcsd/paths.js";
import { daemonStatusSection, pcsdStatusSection } from "./status-sections.js";
import { TEST_PASSWORD, type TestNode, startTestNode, stopTestNodes } from "../../pcsd/testkit.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const reference = resolve(repoRoot, "../shared/reference/pacemaker-2.1.5");

async function pcs(node: { root: string } | string, args: string, stdin?: string) {
  const root = typeof node === "string" ? node : node.root;
  const cap = captureIO({ env: { TANDEM_ROOT: root }, cwd: root, stdin });
  const code = await pcsCommand(
    args.split(/\s+/).filter((w) => w !== ""),
    cap.io,
  );
  return { code, out: cap.stdout, err: cap.stderr };
}

function read(n: TestNode, rel: string): string | undefined {
  const f = join(n.root, rel);
  return existsSync(f) ? readFileSync(f, "utf8") : undefined;
}

async function waitFor(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) assert.fail("condition not reached in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("pcs cluster commands through pcsd", () => {
  let n1: TestNode;
  let n2: TestNode;
  let hostsArg: string;
  before(async () => {
    n1 = await startTestNode("node1", "127.0.0.2");
    n2 = await startTestNode("node2", "127.0.0.3");
    hostsArg = `node1 addr=127.0.0.2:${n1.server.port} node2 addr=127.0.0.3:${n2.server.port}`;
  });
  after(() => stopTestNodes(n1, n2));

  it("pcs host auth: wrong password refused, nothing saved", async () => {
    const r = await pcs(n1, `host auth ${hostsArg} -u hacluster -p wrong`);
    assert.equal(r.code, 1);
    assert.equal(r.out, "");
    assert.equal(
      r.err,
      "Error: node1: Username and/or password is incorrect\nError: node2: Username and/or password is incorrect\n",
    );
    assert.equal(existsSync(pcsdPaths(n1.root).knownHosts), false);
  });

  it("pcs host auth with prompts (stdin) pins both certificates and stores tokens 0600", async () => {
    const r = await pcs(n1, `host auth ${hostsArg}`, `hacluster\n${TEST_PASSWORD}\n`);
    assert.deepEqual([r.code, r.out, r.err], [0, "node1: Authorized\nnode2: Authorized\n", ""]);
    const kh = pcsdPaths(n1.root).knownHosts;
    assert.equal(statSync(kh).mode & 0o777, 0o600);
    const hosts = readKnownHosts(kh);
    assert.equal(hosts.get("node1")?.fingerprint256, n1.server.fingerprint256);
    assert.equal(hosts.get("node2")?.fingerprint256, n2.server.fingerprint256);
    assert.deepEqual(hosts.get("node2")?.addrs, ["127.0.0.3"]);
    assert.equal(hosts.get("node2")?.port, n2.server.port);
  });

  it("pcs cluster auth (0.9 syntax, -u/-p) on node2", async () => {
    const r = await pcs(n2, `cluster auth ${hostsArg} -u hacluster -p ${TEST_PASSWORD}`);
    assert.deepEqual([r.code, r.out], [0, "node1: Authorized\nnode2: Authorized\n"]);
    // 0.9: valid tokens are not renewed, no password is asked for.
    const again = await pcs(n2, `cluster auth ${hostsArg}`, "");
    assert.deepEqual(
      [again.code, again.out, again.err],
      [0, "node1: Already authorized\nnode2: Already authorized\n", ""],
    );
  });

  it("pcs cluster setup --name (0.9 syntax) writes identical corosync.conf and authkey on both nodes", async () => {
    const r = await pcs(n1, "cluster setup --name cluster_web node1 node2");
    assert.equal(r.code, 0, r.err);
    assert.equal(
      r.err,
      "No addresses specified for host 'node1', using '127.0.0.2'\nNo addresses specified for host 'node2', using '127.0.0.3'\n",
    );
    assert.equal(
      r.out,
      [
        "Destroying cluster on hosts: 'node1', 'node2'...",
        "node1: Successfully destroyed cluster",
        "node2: Successfully destroyed cluster",
        "Sending 'corosync authkey' to 'node1', 'node2'",
        "node1: successful distribution of the file 'corosync authkey'",
        "node2: successful distribution of the file 'corosync authkey'",
        "Sending 'corosync.conf' to 'node1', 'node2'",
        "node1: successful distribution of the file 'corosync.conf'",
        "node2: successful distribution of the file 'corosync.conf'",
        "Cluster has been successfully set up.",
        "",
      ].join("\n"),
    );
    const c1 = read(n1, "etc/tandem/corosync.conf") as string;
    assert.equal(c1, read(n2, "etc/tandem/corosync.conf"));
    assert.ok(
      readFileSync(join(n1.root, "etc/tandem/authkey")).equals(
        readFileSync(join(n2.root, "etc/tandem/authkey")),
      ),
    );
    assert.equal(statSync(join(n2.root, "etc/tandem/authkey")).mode & 0o777, 0o600);
    assert.equal(statSync(join(n2.root, "etc/tandem/corosync.conf")).mode & 0o777, 0o644);
    assert.equal(statSync(join(n2.root, "etc/tandem")).mode & 0o777, 0o755);
    assert.match(c1, /cluster_name: cluster_web\n/);
    assert.match(c1, /ring0_addr: 127\.0\.0\.2\n {8}name: node1\n {8}nodeid: 1\n/);
    assert.match(c1, /ring0_addr: 127\.0\.0\.3\n {8}name: node2\n {8}nodeid: 2\n/);
    assert.match(c1, /two_node: 1\n/);
    assert.match(c1, /transport: knet\n/);
    assert.match(c1, /crypto_cipher: aes256\n/);
    // node2 received node1's known-hosts entries (the tokens node1's pcs holds).
    const fromN1 = readKnownHosts(pcsdPaths(n1.root).knownHosts);
    const onN2 = readKnownHosts(pcsdPaths(n2.root).knownHosts);
    assert.deepEqual(onN2.get("node2"), fromN1.get("node2"));
    assert.equal(statSync(pcsdPaths(n2.root).knownHosts).mode & 0o777, 0o600);
  });

  it("setup refuses nodes already in a cluster (nothing changed), --force overrides", async () => {
    const before1 = read(n1, "etc/tandem/corosync.conf");
    const r = await pcs(n1, "cluster setup cluster_two node1 node2");
    assert.equal(r.code, 1);
    assert.match(
      r.err,
      /Error: node1: Cluster configuration files found, the host seems to be in a cluster already, use --force to override\n/,
    );
    assert.match(r.err, /Error: node2: Cluster configuration files found/);
    assert.match(r.err, /Error: Errors have occurred, therefore pcs is unable to continue\n$/);
    assert.equal(read(n1, "etc/tandem/corosync.conf"), before1);
    const f = await pcs(
      n1,
      "cluster setup cluster_two node1 node2 transport knet totem token=3000 quorum wait_for_all=1 --force",
    );
    assert.equal(f.code, 0, f.err);
    assert.match(f.err, /Warning: node1: Cluster configuration files found/);
    const c = read(n2, "etc/tandem/corosync.conf") as string;
    assert.match(c, /cluster_name: cluster_two\n/);
    assert.match(c, /token: 3000\n/);
    assert.match(c, /wait_for_all: 1\n/);
  });

  it("bad setup options: every error reported, nothing sent", async () => {
    const before2 = read(n2, "etc/tandem/corosync.conf");
    const r = await pcs(
      n1,
      "cluster setup c3 node1 node2 totem tokn=5 quorum wait_for_all=2 transport tcp --force",
    );
    assert.equal(r.code, 1);
    assert.match(r.err, /Error: 'tcp' is not a valid transport value, use 'knet', 'udp', 'udpu'\n/);
    assert.match(r.err, /Error: invalid totem option 'tokn', allowed options are: 'block_unlisted_ips', /);
    assert.match(r.err, /Error: '2' is not a valid wait_for_all value, use '0', '1'\n/);
    assert.equal(read(n2, "etc/tandem/corosync.conf"), before2);
    const u = await pcs(n1, "cluster setup c3 node1 node9 --force");
    assert.equal(u.code, 1);
    assert.match(
      u.err,
      /Error: Host 'node9' is not known to pcs, try to authenticate the host using 'pcs host auth node9' command\n/,
    );
    assert.equal(read(n2, "etc/tandem/corosync.conf"), before2);
  });

  it("start --all, pcsd status, stop one node, local start, stop --all", async () => {
    const s = await pcs(n1, "cluster start --all");
    assert.deepEqual(
      [s.code, s.out, s.err],
      [0, "node1: Starting Cluster...\nnode2: Starting Cluster...\n", ""],
    );
    for (const n of [n1, n2]) assert.equal((await n.server.supervisor.status()).running, true);
    await waitFor(() => read(n2, "standin.pid") !== undefined);

    const st = await pcs(n1, "pcsd status");
    assert.deepEqual([st.code, st.out], [0, "  node1: Online\n  node2: Online\n"]);
    const io1 = captureIO({ env: { TANDEM_ROOT: n1.root } }).io;
    assert.equal(await pcsdStatusSection(io1), "PCSD Status:\n  node1: Online\n  node2: Online\n");
    assert.equal(
      await daemonStatusSection(io1),
      "Daemon Status:\n  corosync: active/disabled\n  pacemaker: active/disabled\n  pcsd: active/disabled\n",
    );
    const st2 = await pcs(n2, "status pcsd node2");
    assert.deepEqual([st2.code, st2.out], [0, "  node2: Online\n"]);

    const stop2 = await pcs(n1, "cluster stop node2");
    assert.deepEqual(
      [stop2.code, stop2.out],
      [0, "node2: Stopping Cluster (pacemaker)...\nnode2: Stopping Cluster (corosync)...\n"],
    );
    assert.equal((await n2.server.supervisor.status()).running, false);
    assert.equal((await n1.server.supervisor.status()).running, true);

    // The stand-in daemon never joins a membership: --wait times out with pcs's message.
    const w = await pcs(n1, "cluster start node1 --wait=1");
    assert.equal(w.code, 1);
    assert.equal(w.out, "node1: Starting Cluster...\nWaiting for node(s) to start...\n");
    assert.equal(w.err, "Error: node1: Waiting timeout\nError: unable to verify all nodes have started\n");

    const local = await pcs(n2, "cluster start");
    // Same text as real pcs 0.11.5 (reference capture of `pcs cluster start`).
    assert.deepEqual(
      [local.code, local.out],
      [0, readFileSync(join(reference, "pcs_cluster_start.txt"), "utf8")],
    );
    assert.equal((await n2.server.supervisor.status()).running, true);

    const all = await pcs(n1, "cluster stop --all");
    assert.equal(all.code, 0);
    assert.equal(
      all.out,
      "node1: Stopping Cluster (pacemaker)...\nnode2: Stopping Cluster (pacemaker)...\nnode1: Stopping Cluster (corosync)...\nnode2: Stopping Cluster (corosync)...\n",
    );
    for (const n of [n1, n2]) assert.equal((await n.server.supervisor.status()).running, false);
    const localStop = await pcs(n1, "cluster stop");
    assert.deepEqual(
      [localStop.code, localStop.out],
      [0, readFileSync(join(reference, "pcs_cluster_stop.txt"), "utf8")],
    );
  });

  it("enable/disable --all, and an enabled node starts its daemon when pcsd starts", async () => {
    const e = await pcs(n1, "cluster enable --all");
    assert.deepEqual([e.code, e.out], [0, "node1: Cluster Enabled\nnode2: Cluster Enabled\n"]);
    assert.match(
      await daemonStatusSection(captureIO({ env: { TANDEM_ROOT: n1.root } }).io),
      /corosync: inactive\/enabled\n/,
    );
    await n2.restart();
    assert.equal((await n2.server.supervisor.status()).running, true);
    const d = await pcs(n1, "cluster disable --all");
    assert.deepEqual([d.code, d.out], [0, "node1: Cluster Disabled\nnode2: Cluster Disabled\n"]);
    assert.equal((await pcs(n2, "cluster stop")).code, 0);
  });

  it("pcs cluster sync pushes the local corosync.conf to every node", async () => {
    const f = join(n1.root, "etc/tandem/corosync.conf");
    const edited = `${readFileSync(f, "utf8")}\n# edited on node1\n`;
    writeFileSync(f, edited);
    const r = await pcs(n1, "cluster sync");
    assert.equal(r.code, 0, r.err);
    assert.equal(
      r.out,
      "Sending 'corosync.conf' to 'node1', 'node2'\nnode1: successful distribution of the file 'corosync.conf'\nnode2: successful distribution of the file 'corosync.conf'\n",
    );
    assert.equal(read(n2, "etc/tandem/corosync.conf"), edited);
  });

  it("pcs cluster corosync prints the local or a node's corosync.conf", async () => {
    const local = await pcs(n1, "cluster corosync");
    assert.equal(local.out, read(n1, "etc/tandem/corosync.conf"));
    const remote = await pcs(n1, "cluster corosync node2");
    assert.equal(remote.out, read(n2, "etc/tandem/corosync.conf"));
  });

  it("an unreachable node: Offline, start fails with pcs's message", async () => {
    const port = n2.server.port;
    await n2.server.close();
    try {
      const st = await pcs(n1, "pcsd status");
      assert.deepEqual([st.code, st.out], [1, "  node1: Online\n  node2: Offline\n"]);
      const s = await pcs(n1, "cluster start node2");
      assert.equal(s.code, 1);
      assert.match(
        s.err,
        /^Error: Unable to connect to node2, check if pcsd is running there or try setting higher timeout with --request-timeout option \(Failed to connect to node2 port \d+: Connection refused\)\nError: unable to start all nodes\n$/,
      );
    } finally {
      await n2.restart({ port });
    }
  });

  it("a node re-keyed after auth: pcs refuses it until it is authenticated again", async () => {
    rmSync(n2.server.paths.tlsKey);
    rmSync(n2.server.paths.tlsCert);
    await n2.restart();
    const st = await pcs(n1, "pcsd status");
    assert.deepEqual([st.code, st.out], [1, "  node1: Online\n  node2: Certificate mismatch\n"]);
    const s = await pcs(n1, "cluster start node2");
    assert.equal(s.code, 1);
    assert.match(
      s.err,
      /^Error: node2: the pcsd certificate has changed since the host was authenticated .*run 'pcs host auth node2' again\n/,
    );
    assert.equal((await n2.server.supervisor.status()).running, false, "nothing started");
    const re = await pcs(
      n1,
      `host auth node2 addr=127.0.0.3:${n2.server.port} -u hacluster -p ${TEST_PASSWORD}`,
    );
    assert.equal(re.code, 0);
    assert.equal((await pcs(n1, "pcsd status")).code, 0);
  });

  it("setup in 0.11 syntax with --enable --start", async () => {
    const r = await pcs(
      n1,
      `cluster setup web3 node1 addr=127.0.0.2 node2 addr=127.0.0.3 transport udpu --enable --start --force`,
    );
    assert.equal(r.code, 0, r.err);
    assert.match(
      r.out,
      /Cluster has been successfully set up\.\nEnabling cluster on hosts: 'node1', 'node2'\.\.\.\nnode1: Cluster Enabled\nnode2: Cluster Enabled\nStarting cluster on hosts: 'node1', 'node2'\.\.\.\n$/,
    );
    for (const n of [n1, n2]) {
      assert.equal((await n.server.supervisor.status()).running, true);
      assert.equal(await n.server.supervisor.isEnabled(), true);
      assert.match(read(n, "etc/tandem/corosync.conf") as string, /transport: udpu\n/);
    }
    assert.equal((await pcs(n1, "cluster stop --all")).code, 0);
  });

  it("unknown hosts and bad arguments: one clear error, nothing done", async () => {
    const u = await pcs(n1, "cluster start node9");
    assert.deepEqual([u.code, u.out], [1, ""]);
    assert.equal(
      u.err,
      "Error: Host 'node9' is not known to pcs, try to authenticate the host using 'pcs host auth node9' command\n",
    );
    const both = await pcs(n1, "cluster stop --all node1");
    assert.deepEqual([both.code, both.err], [1, "Error: Cannot specify both --all and a list of nodes.\n"]);
    const badAddr = await pcs(n1, "host auth node1 addr=1.2.3.4:99999 -u hacluster -p x");
    assert.deepEqual(
      [badAddr.code, badAddr.err],
      [1, "Error: invalid port '99999' in address '1.2.3.4:99999'\n"],
    );
    const opt = await pcs(n1, "cluster start --name x");
    assert.deepEqual(
      [opt.code, opt.err],
      [1, "Error: Specified option '--name' is not supported in this command\n"],
    );
    const noPw = await pcs(n1, "host auth node1 -u hacluster", "");
    assert.deepEqual([noPw.code, noPw.err], [1, "Error: Password is missing (not on standard input)\n"]);
  });

  it("local destroy through this node's pcsd", async () => {
    assert.notEqual(read(n2, "etc/tandem/corosync.conf"), undefined);
    const r = await pcs(n2, "cluster destroy");
    assert.deepEqual(
      [r.code, r.out],
      [0, "Shutting down pacemaker/corosync services...\nRemoving all cluster configuration files...\n"],
    );
    assert.equal(read(n2, "etc/tandem/corosync.conf"), undefined);
    assert.equal(read(n2, "etc/tandem/authkey"), undefined);
    const f = await pcs(n1, "cluster setup cluster_web node1 node2 --force");
    assert.equal(f.code, 0, f.err);
  });

  it("destroy --all removes the configuration everywhere", async () => {
    const r = await pcs(n1, "cluster destroy --all");
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /node1: Successfully destroyed cluster\n/);
    assert.match(r.out, /node2: Successfully destroyed cluster\n/);
    for (const n of [n1, n2]) {
      assert.equal(read(n, "etc/tandem/corosync.conf"), undefined);
      assert.equal(read(n, "etc/tandem/authkey"), undefined);
    }
    const again = await pcs(n1, "cluster start --all");
    assert.equal(again.code, 1);
    assert.match(
      again.err,
      /^Error: Unable to read .*etc\/tandem\/corosync\.conf: No such file or directory\n$/,
    );
  });
});

describe("pcs cluster setup --corosync_conf (local file only)", () => {
  it("writes the file pcs 0.11 writes and prints the reference warning", async () => {
    const root = mkdtempSync(join(tmpdir(), "tandem-setup-"));
    try {
      const r = await pcs(
        root,
        "cluster setup cluster_web node1 addr=198.18.0.11 node2 addr=198.18.0.12 --corosync_conf out.conf",
      );
      assert.equal(r.code, 0, r.err);
      const refOut = readFileSync(
        join(
          reference,
          "pcs_cluster_setup_cluster_web_node1_addr=198.18.0.11_node2_addr=198.18.0.12_--corosync_conf_FILE.txt",
        ),
        "utf8",
      );
      // Same warning; the path is tandem's known-hosts file instead of /var/lib/pcsd/known-hosts.
      assert.equal(r.out + r.err, refOut.replace("/var/lib/pcsd/known-hosts", pcsdPaths(root).knownHosts));
      const ours = readFileSync(join(root, "out.conf"), "utf8").split("\n");
      const ref = readFileSync(join(reference, "corosync.conf.generated-by-pcs"), "utf8").split("\n");
      assert.equal(ours.length, ref.length);
      // Volatile or tandem-specific values: the random cluster_uuid and the log file path.
      const volatile = /^\s*(cluster_uuid|logfile):/;
      ours.forEach((line, i) => {
        if (volatile.test(line)) assert.equal(line.split(":")[0], ref[i].split(":")[0]);
        else assert.equal(line, ref[i], `line ${i + 1}`);
      });
      const again = await pcs(
        root,
        "cluster setup cluster_web node1 addr=198.18.0.11 --corosync_conf out.conf",
      );
      assert.equal(again.code, 1);
      assert.match(again.err, /already exists, use --overwrite/);
      assert.equal(
        existsSync(join(root, "etc/tandem/corosync.conf")),
        false,
        "nothing written to the node itself",
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("host names in a prefix", () => {
  it("are looked up in <root>/etc/hosts first", async () => {
    const root = mkdtempSync(join(tmpdir(), "tandem-hosts-"));
    try {
      const { resolveHostName } = await import("./common.js");
      const paths = pcsdPaths(root);
      assert.equal(resolveHostName(paths, "node1"), "node1");
      mkdirSync(join(root, "etc"), { recursive: true });
      writeFileSync(join(root, "etc/hosts"), "# lab\n127.0.0.2 node1 node1.lab\n127.0.0.3\tnode2 # second\n");
      assert.equal(resolveHostName(paths, "node1"), "127.0.0.2");
      assert.equal(resolveHostName(paths, "node1.lab"), "127.0.0.2");
      assert.equal(resolveHostName(paths, "node2"), "127.0.0.3");
      assert.equal(resolveHostName(paths, "node3"), "node3");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("pcs cluster destroy without a running pcsd", () => {
  it("removes the files directly", async () => {
    const root = mkdtempSync(join(tmpdir(), "tandem-destroy-"));
    try {
      const p = pcsdPaths(root);
      mkdirSync(p.etcDir, { recursive: true });
      mkdirSync(p.cibDir, { recursive: true });
      writeFileSync(p.corosyncConf, "totem {\n}\n");
      writeFileSync(p.authkey, Buffer.alloc(128));
      writeFileSync(join(p.cibDir, "cib.xml"), "<cib/>");
      const r = await pcs(root, "cluster destroy");
      assert.equal(r.code, 0, r.err);
      for (const f of [p.corosyncConf, p.authkey, join(p.cibDir, "cib.xml")])
        assert.equal(existsSync(f), false, f);
      const bad = await pcs(root, "cluster destroy node1");
      // The usage text, on the stream the dispatcher prints usages to.
      assert.deepEqual([bad.code, bad.out + bad.err], [1, subcommandUsage("cluster", "destroy")]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("pcs cluster node add / remove", () => {
  let a: TestNode;
  let b: TestNode;
  let c: TestNode;
  before(async () => {
    a = await startTestNode("node1", "127.0.0.7");
    b = await startTestNode("node2", "127.0.0.8");
    c = await startTestNode("node3", "127.0.0.9");
    const hosts = [a, b, c].map((n) => `${n.name} addr=${n.addr}:${n.server.port}`).join(" ");
    assert.equal((await pcs(a, `host auth ${hosts} -u hacluster -p ${TEST_PASSWORD}`)).code, 0);
    assert.equal((await pcs(a, "cluster setup cluster_web node1 node2 --start")).code, 0);
  });
  after(() => stopTestNodes(a, b, c));

  it("adds a node: key and new corosync.conf everywhere, two_node dropped, restart hint", async () => {
    const r = await pcs(a, "cluster node add node3 --start");
    assert.equal(r.code, 0, r.err);
    assert.equal(
      r.out,
      [
        "Sending 'corosync authkey' to 'node3'",
        "node3: successful distribution of the file 'corosync authkey'",
        "Sending updated corosync.conf to nodes...",
        "node3: Succeeded",
        "node1: Succeeded",
        "node2: Succeeded",
        "node3: Starting Cluster...",
        "",
      ].join("\n"),
    );
    assert.match(r.err, /^No addresses specified for host 'node3', using '127\.0\.0\.9'\n/);
    assert.match(
      r.err,
      /Warning: tandemd cannot reload corosync\.conf while it runs; 'node1', 'node2' use the new node list/,
    );
    const conf = read(a, "etc/tandem/corosync.conf") as string;
    for (const n of [b, c]) assert.equal(read(n, "etc/tandem/corosync.conf"), conf);
    assert.match(conf, /ring0_addr: 127\.0\.0\.9\n {8}name: node3\n {8}nodeid: 3\n/);
    assert.doesNotMatch(conf, /two_node/);
    assert.ok(
      readFileSync(join(a.root, "etc/tandem/authkey")).equals(
        readFileSync(join(c.root, "etc/tandem/authkey")),
      ),
    );
    assert.equal((await c.server.supervisor.status()).running, true);

    const again = await pcs(a, "cluster node add node3");
    assert.equal(again.code, 1);
    assert.match(
      again.err,
      /Error: Node name 'node3' is already used by existing nodes; please, use other name\n/,
    );
  });

  it("removes a node: destroyed there, the others get the smaller node list", async () => {
    const bad = await pcs(a, "cluster node remove node9");
    assert.deepEqual([bad.code, bad.out], [1, ""]);
    assert.match(bad.err, /Error: Node 'node9' does not appear to exist in configuration\n/);
    const r = await pcs(a, "cluster node remove node3");
    assert.equal(r.code, 0, r.err);
    assert.equal(
      r.out,
      "Destroying cluster on hosts: 'node3'...\nnode3: Successfully destroyed cluster\nSending updated corosync.conf to nodes...\nnode1: Succeeded\nnode2: Succeeded\n",
    );
    assert.equal(read(c, "etc/tandem/corosync.conf"), undefined);
    assert.equal((await c.server.supervisor.status()).running, false);
    const conf = read(b, "etc/tandem/corosync.conf") as string;
    assert.equal(read(a, "etc/tandem/corosync.conf"), conf);
    assert.doesNotMatch(conf, /node3/);
    assert.match(conf, /two_node: 1\n/);
    const all = await pcs(a, "cluster node remove node1 node2");
    assert.equal(all.code, 1);
    assert.match(all.err, /Error: No nodes would be left in the cluster\n/);
  });
});

describe("pcs host deauth", () => {
  it("removes the named hosts, or all; an unknown name changes nothing", async () => {
    const root = mkdtempSync(join(tmpdir(), "tandem-deauth-"));
    try {
      const kh = pcsdPaths(root).knownHosts;
      const e = (name: string) => ({
        name,
        addrs: ["127.0.0.2"],
        port: 2224,
        token: "b".repeat(64),
        fingerprint256: "CD",
      });
      updateKnownHosts(kh, [e("n1"), e("n2"), e("n3")]);
      const bad = await pcs(root, "host deauth n1 n9");
      assert.deepEqual([bad.code, bad.err], [1, "Error: Following hosts were not found: 'n9'\n"]);
      assert.equal(readKnownHosts(kh).size, 3);
      assert.equal((await pcs(root, "host deauth n1")).code, 0);
      assert.deepEqual([...readKnownHosts(kh).keys()], ["n2", "n3"]);
      assert.equal((await pcs(root, "host deauth")).code, 0);
      assert.equal(readKnownHosts(kh).size, 0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
