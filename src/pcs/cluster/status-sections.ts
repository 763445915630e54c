// The pcsd-related sections of `pcs status`: "PCSD Status:" (each node's pcsd reachable
// with our token?) and "Daemon Status:" (is this node's cluster daemon running and enabled,
// is pcsd running). Exported for the `pcs status` command; `pcs pcsd status` uses the same.

import { existsSync, readFileSync } from "node:fs";
import type { CommandIO } from "../../cli/io.js";
import { ErrorCodes } from "../../core/errors.js";
import { callPcsd } from "../../pcsd/client.js";
import type { PcsdPaths } from "../../pcsd/paths.js";
import { knownHostsOf, localClusterNodes, localTarget, pathsOf, remoteTarget } from "./common.js";

export type PcsdState = "Online" | "Offline" | "Unable to authenticate" | "Certificate mismatch";

export async function pcsdStates(
  paths: PcsdPaths,
  nodes: string[],
  timeoutMs: number,
): Promise<{ node: string; state: PcsdState }[]> {
  const hosts = knownHostsOf(paths);
  return Promise.all(
    nodes.map(async (node) => {
      if (!hosts.has(node)) return { node, state: "Unable to authenticate" as const };
      try {
        await callPcsd(remoteTarget(hosts, node), "status", {}, { timeoutMs });
        return { node, state: "Online" as const };
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === ErrorCodes.PCSD_UNREACHABLE) return { node, state: "Offline" as const };
        if (code === ErrorCodes.PCSD_CERT_MISMATCH) return { node, state: "Certificate mismatch" as const };
        return { node, state: "Unable to authenticate" as const };
      }
    }),
  );
}

/** "PCSD Status:" block of `pcs status --full` for the nodes of the local corosync.conf. */
export async function pcsdStatusSection(io: CommandIO, timeoutMs = 10_000): Promise<string> {
  const paths = pathsOf(io);
  let nodes: string[];
  try {
    nodes = localClusterNodes(paths);
  } catch {
    return "";
  }
  const states = await pcsdStates(paths, nodes, timeoutMs);
  return `PCSD Status:\n${states.map((s) => `  ${s.node}: ${s.state}\n`).join("")}`;
}

function pidAlive(file: string): boolean {
  try {
    const pid = Number(readFileSync(file, "utf8").trim());
    if (!Number.isSafeInteger(pid) || pid <= 1) return false;
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * "Daemon Status:" block as pcs prints it. tandemd plays corosync and pacemaker, so both lines
 * show its state. Asks the local pcsd when it runs (it knows what it supervises and whether
 * the cluster is enabled), otherwise looks at tandemd's pid file and the enabled flag.
 */
export async function daemonStatusSection(io: CommandIO): Promise<string> {
  const paths = pathsOf(io);
  let running = pidAlive(paths.daemonPid);
  let enabled = existsSync(paths.enabledFlag);
  let pcsd = false;
  const t = localTarget(paths);
  if (t) {
    try {
      const st = (await callPcsd(t, "status", {}, { timeoutMs: 5000 })).body;
      running = st.daemon.running;
      enabled = st.enabled;
      pcsd = true;
    } catch {
      pcsd = false;
    }
  }
  const state = (active: boolean, en: boolean) =>
    `${active ? "active" : "inactive"}/${en ? "enabled" : "disabled"}`;
  return [
    "Daemon Status:",
    `  corosync: ${state(running, enabled)}`,
    `  pacemaker: ${state(running, enabled)}`,
    // pcsd's own boot-time enablement is systemd's business; outside systemd it is "disabled".
    `  pcsd: ${state(pcsd, false)}`,
    "",
  ].join("\n");
}
