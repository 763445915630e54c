// For tests that run real tandemd processes: a private copy of the built code (dist, bin,
// agents, package.json), so that a rebuild of the work tree while the test runs (other work in
// progress, a watcher) cannot change or half-write the modules under the daemons; and the
// node roots of a test cluster (corosync.conf, authkey) on a loopback block of its own.

import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
let snapshot: string | undefined;

/** Path of bin/tandemd in a private copy of the build (made once per test process). */
export function tandemdBin(): string {
  if (!snapshot) {
    snapshot = mkdtempSync(join(tmpdir(), "tandem-test-build-"));
    for (const d of ["dist", "bin", "agents", "package.json"])
      if (existsSync(join(repo, d))) cpSync(join(repo, d), join(snapshot, d), { recursive: true });
    const dir = snapshot;
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  }
  return join(snapshot, "bin/tandemd");
}

export interface TestNode {
  id: number;
  name: string;
  addr: string;
}

/**
 * Nodes n1..nN on a loopback block picked at random inside 127.NET.x.0/24, so that two
 * suites (or two copies of one suite) running at once do not share addresses.
 */
export function testNodes(count: number, net: number): TestNode[] {
  const block = 1 + Math.floor(Math.random() * 250);
  return Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    name: `n${i + 1}`,
    addr: `127.${net}.${block}.${i + 1}`,
  }));
}

export interface TestClusterOptions {
  clusterName: string;
  /** totem token timeout in ms; corosync's default when absent. */
  token?: number;
  /** quorum { two_node: 1 } (default: true for exactly two nodes). */
  twoNode?: boolean;
}

/** corosync.conf text for a test cluster of these nodes. */
export function testCorosyncConf(nodes: readonly TestNode[], o: TestClusterOptions): string {
  const totem = `  version: 2\n  cluster_name: ${o.clusterName}\n  transport: knet\n${o.token ? `  token: ${o.token}\n` : ""}`;
  const list = nodes
    .map((n) => `  node {\n    ring0_addr: ${n.addr}\n    name: ${n.name}\n    nodeid: ${n.id}\n  }\n`)
    .join("");
  const twoNode = (o.twoNode ?? nodes.length === 2) ? "  two_node: 1\n" : "";
  return `totem {\n${totem}}\nnodelist {\n${list}}\nquorum {\n  provider: corosync_votequorum\n${twoNode}}\n`;
}

/**
 * One TANDEM_ROOT per node (made by `mkRoot`), each with the cluster's corosync.conf and
 * one shared authkey, as `pcs cluster setup` leaves them.
 */
export function writeTestCluster(
  nodes: readonly TestNode[],
  o: TestClusterOptions,
  mkRoot: () => string,
): string[] {
  const conf = testCorosyncConf(nodes, o);
  const key = randomBytes(256);
  return nodes.map(() => {
    const root = mkRoot();
    mkdirSync(join(root, "etc/tandem"), { recursive: true });
    writeFileSync(join(root, "etc/tandem/corosync.conf"), conf);
    writeFileSync(join(root, "etc/tandem/authkey"), key, { mode: 0o400 });
    return root;
  });
}

/**
 * A fence agent for tests (stdin options, as fence agents take them): `roots` maps node names
 * to their TANDEM_ROOT ("n1:/dir;n2:/dir"); off/reboot kills that node's tandemd (only the one
 * running with that root), removes its Dummy state files (its services die with the node) and
 * appends the time to ROOT/fenced.
 */
export const FENCE_AGENT = `#!/bin/sh
action=""; nodename=""; roots=""
while IFS='=' read -r k v; do
  case "$k" in
    action) action=$v ;;
    nodename) nodename=$v ;;
    roots) roots=$v ;;
  esac
done
case "$action" in
  metadata) echo '<resource-agent name="fence_testkill"><parameters/><actions/></resource-agent>'; exit 0 ;;
  monitor|status|list) exit 0 ;;
  off|reboot)
    dir=$(echo "$roots" | tr ';' '\\n' | sed -n "s/^$nodename://p")
    [ -n "$dir" ] || { echo "unknown node $nodename" >&2; exit 1; }
    # a reboot takes the node's daemon too (only the daemon of that node root)
    pidf="$dir/run/tandem/tandemd.pid"
    if [ -f "$pidf" ]; then
      pid=$(cat "$pidf")
      if tr '\\0' '\\n' < "/proc/$pid/environ" 2>/dev/null | grep -qx "TANDEM_ROOT=$dir"; then kill -9 "$pid"; fi
    fi
    rm -f "$dir"/run/tandem/rsctmp/*.state
    date +%s%N >> "$dir/fenced"
    exit 0 ;;
esac
exit 1
`;

/** Kills (SIGKILL) every process still running and waits until all have exited (ports free). */
export async function killAndWait(procs: Iterable<ChildProcess>): Promise<void> {
  await Promise.all(
    [...procs].map(
      (p) =>
        new Promise<void>((resolve) => {
          if (p.exitCode !== null || p.signalCode !== null) return resolve();
          p.once("exit", () => resolve());
          p.kill("SIGKILL");
        }),
    ),
  );
}
