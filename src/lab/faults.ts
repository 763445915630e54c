// Faults a lab can suffer, as a person at the machines would cause them:
// stop/start = `pcs cluster stop|start` on the node (graceful), kill = power cut (every
// process of the node SIGKILLed at once, services included), freeze/thaw = SIGSTOP /
// SIGCONT of every process of the node, isolate/heal = the node's cluster links cut
// (loopback: the transport's fault-injection hook over each tandemd's IPC; netns: the
// node's veth down), resource-fail = the resource's service dies under the cluster.

import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { ipcRequest } from "../transport/ipc.js";
import { type LabConfig, type LabNode, tandemdSocket } from "./config.js";
import { ip } from "./netns.js";
import { findProcesses, killAll, signalAll } from "./procs.js";
import { runOn, runTool } from "./run.js";
import { startPcsd } from "./up.js";

export const FAULT_KINDS = [
  "stop",
  "start",
  "kill",
  "freeze",
  "thaw",
  "isolate",
  "heal",
  "resource-fail",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** The fault that undoes a fault. */
export const HEAL_OF: Record<string, FaultKind | undefined> = {
  stop: "start",
  kill: "start",
  freeze: "thaw",
  isolate: "heal",
};

const rsctmp = (node: LabNode) => join(node.root, "run/tandem/rsctmp");

export async function injectFault(
  lab: LabConfig,
  node: LabNode,
  kind: FaultKind,
  rsc?: string,
): Promise<string> {
  switch (kind) {
    case "stop": {
      const r = await runTool(lab, node, "pcs", ["cluster", "stop", node.name]);
      if (r.code !== 0)
        throw new TandemError(
          ErrorCodes.LAB,
          `pcs cluster stop ${node.name}: ${(r.stderr || r.stdout).trim()}`,
        );
      return `${node.name}: pcs cluster stop ${node.name}\n${(r.stdout + r.stderr).trimEnd()}`;
    }
    case "start": {
      const pcsdAlive = !(await bootNode(lab, node));
      const r = await runTool(lab, node, "pcs", ["cluster", "start", node.name]);
      if (r.code !== 0)
        throw new TandemError(
          ErrorCodes.LAB,
          `pcs cluster start ${node.name}: ${(r.stderr || r.stdout).trim()}`,
        );
      return `${node.name}: ${pcsdAlive ? "" : "pcsd started, "}pcs cluster start ${node.name}\n${(r.stdout + r.stderr).trimEnd()}`;
    }
    case "kill": {
      // netns: a power cut also takes the node's link down (its kernel no longer answers
      // ARP for the virtual IP), as the real-stack anchor's crash does.
      if (lab.mode === "netns" && node.netns) {
        ip(["-n", node.netns, "link", "set", "eth0", "down"], { ignoreErrors: true });
        killNetns(node.netns);
      }
      const killed = await killAll({ root: node.root }, 5000);
      return `${node.name}: killed (SIGKILL) ${killed.length} process(es): ${killed.join(" ")}`;
    }
    case "freeze":
    case "thaw": {
      const ps = findProcesses({ root: node.root });
      signalAll(
        ps.map((p) => p.pid),
        kind === "freeze" ? "SIGSTOP" : "SIGCONT",
      );
      return `${node.name}: ${kind === "freeze" ? "SIGSTOP" : "SIGCONT"} to ${ps.length} process(es)`;
    }
    case "isolate":
      return isolate(lab, node, true);
    case "heal":
      return isolate(lab, node, false);
    case "resource-fail":
      if (!rsc)
        throw new TandemError(ErrorCodes.USAGE, "resource-fail needs a resource name", { exitCode: 2 });
      return resourceFail(lab, node, rsc);
  }
}

/** Starts the node's pcsd when it is not running (a node "powered on"); true if it did. */
export async function bootNode(lab: LabConfig, node: LabNode): Promise<boolean> {
  if (findProcesses({ root: node.root }).some((p) => p.cmdline.includes("bin/pcsd"))) return false;
  if (lab.mode === "netns" && node.netns && !isolatedList(lab).includes(node.name)) {
    // A node that boots has only its own address, and its link up.
    ip(["-n", node.netns, "addr", "del", `${lab.vip}/32`, "dev", "eth0"], { ignoreErrors: true });
    ip(["-n", node.netns, "link", "set", "eth0", "up"], { ignoreErrors: true });
  }
  await startPcsd(lab, node);
  return true;
}

function killNetns(ns: string): void {
  const pids = ip(["netns", "pids", ns], { ignoreErrors: true }).split(/\s+/).filter(Boolean);
  for (const p of pids)
    try {
      process.kill(Number(p), "SIGKILL");
    } catch {}
}

/** Kills the service a resource runs (its pid file in the node's HA_RSCTMP), or removes its state. */
async function resourceFail(lab: LabConfig, node: LabNode, rsc: string): Promise<string> {
  const dir = rsctmp(node);
  const files = existsSync(dir) ? readdirSync(dir) : [];
  const pidFile = files.find((f) => f.endsWith(`-${rsc}.pid`));
  if (pidFile) {
    const pid = Number(readFileSync(join(dir, pidFile), "utf8").trim());
    // netns: the pid is the node's own (its PID namespace): killed from inside.
    if (lab.mode === "netns" && node.netns) await runOn(lab, node, ["kill", "-KILL", String(pid)]);
    else
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    return `${node.name}: ${rsc}'s service (pid ${pid}) killed`;
  }
  const state = files.find((f) => f.endsWith(`-${rsc}.state`));
  if (state) {
    rmSync(join(dir, state), { force: true });
    return `${node.name}: ${rsc}'s state file removed (its monitor now reports not running)`;
  }
  // An IPaddr claim: drop it (the address is no longer held by this node).
  const claims = join(dir, "tandem-ip");
  if (existsSync(claims))
    for (const f of readdirSync(claims)) {
      const txt = readFileSync(join(claims, f), "utf8");
      if (txt.split(/\s+/).includes(rsc)) {
        rmSync(join(claims, f), { force: true });
        return `${node.name}: ${rsc}'s address claim ${f} removed`;
      }
    }
  throw new TandemError(ErrorCodes.LAB, `${node.name}: resource '${rsc}' has nothing running on this node`);
}

/** Node ids as the transport knows them: position in the nodelist (pcs numbers 1..n). */
const nodeId = (lab: LabConfig, node: LabNode) => lab.nodes.indexOf(node) + 1;

interface Rule {
  peer: number;
  link: number | "*";
  direction: "in" | "out" | "both";
  drop: number;
  delayMs: number;
}

/** Current rules per node, kept in the lab dir so separate commands compose. */
function rulesFile(lab: LabConfig) {
  return join(lab.dir, "link-faults.json");
}
function loadRules(lab: LabConfig): Record<string, Rule[]> {
  try {
    return JSON.parse(readFileSync(rulesFile(lab), "utf8")) as Record<string, Rule[]>;
  } catch {
    return {};
  }
}

async function pushRules(lab: LabConfig, all: Record<string, Rule[]>): Promise<string[]> {
  writeFileSync(rulesFile(lab), `${JSON.stringify(all, null, 2)}\n`);
  const failed: string[] = [];
  for (const n of lab.nodes) {
    try {
      await ipcRequest(tandemdSocket(n), "node.faults", { rules: all[n.name] ?? [] }, { timeoutMs: 2000 });
    } catch (e) {
      failed.push(`${n.name} (${(e as Error).message})`);
    }
  }
  return failed;
}

/** Nodes the lab has isolated (`fault NODE isolate`), until healed. */
export function isolatedList(lab: LabConfig): string[] {
  try {
    const v = JSON.parse(readFileSync(join(lab.dir, "isolated.json"), "utf8")) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}

async function isolate(lab: LabConfig, node: LabNode, cut: boolean): Promise<string> {
  if (lab.mode === "netns" && node.netns) {
    const iso = isolatedList(lab).filter((n) => n !== node.name);
    if (cut) iso.push(node.name);
    writeFileSync(join(lab.dir, "isolated.json"), `${JSON.stringify(iso)}\n`);
    ip(["-n", node.netns, "link", "set", "eth0", cut ? "down" : "up"]);
    return `${node.name}: eth0 ${cut ? "down" : "up"} in namespace ${node.netns}`;
  }
  const all = loadRules(lab);
  const id = nodeId(lab, node);
  for (const n of lab.nodes) {
    if (n === node) continue;
    const other = nodeId(lab, n);
    all[n.name] = (all[n.name] ?? []).filter((r) => r.peer !== id);
    all[node.name] = (all[node.name] ?? []).filter((r) => r.peer !== other);
    if (cut) {
      all[n.name].push({ peer: id, link: "*", direction: "both", drop: 1, delayMs: 0 });
      all[node.name].push({ peer: other, link: "*", direction: "both", drop: 1, delayMs: 0 });
    }
  }
  const iso = isolatedList(lab).filter((n) => n !== node.name);
  if (cut) iso.push(node.name);
  writeFileSync(join(lab.dir, "isolated.json"), `${JSON.stringify(iso)}\n`);
  const failed = await pushRules(lab, all);
  return `${node.name}: cluster links ${cut ? "cut (isolated)" : "restored"}${failed.length ? `; not applied on ${failed.join(", ")}` : ""}`;
}

/** `tandem lab link NODE[,NODE] loss PCT|delay MS|down|up`: between the named nodes, or NODE and all others. */
export async function linkFault(
  lab: LabConfig,
  nodes: LabNode[],
  what: string,
  value?: string,
): Promise<string> {
  let drop = 0;
  let delayMs = 0;
  if (what === "loss") {
    const v = Number(value);
    if (value === undefined || !(v >= 0 && v <= 100))
      throw new TandemError(ErrorCodes.USAGE, `loss must be a percentage 0..100: got '${value ?? ""}'`, {
        exitCode: 2,
      });
    drop = v / 100;
  } else if (what === "delay") {
    const v = Number(value);
    if (value === undefined || !(v >= 0 && v <= 60_000))
      throw new TandemError(ErrorCodes.USAGE, `delay must be milliseconds 0..60000: got '${value ?? ""}'`, {
        exitCode: 2,
      });
    delayMs = v;
  } else if (what === "down") drop = 1;
  else if (what !== "up")
    throw new TandemError(ErrorCodes.USAGE, `link: use loss PCT, delay MS, down or up: got '${what}'`, {
      exitCode: 2,
    });
  // Pairs: NODE,NODE = that link (one direction when given as A,B: A's outgoing packets
  // to B — asymmetric); one NODE = the node and every other node, both ways.
  const pairs: [LabNode, LabNode, "out" | "both"][] = [];
  if (nodes.length === 1) for (const n of lab.nodes) if (n !== nodes[0]) pairs.push([nodes[0], n, "both"]);
  if (nodes.length === 2) pairs.push([nodes[0], nodes[1], "out"]);
  if (nodes.length > 2)
    throw new TandemError(ErrorCodes.USAGE, "link: give one node or a pair A,B", { exitCode: 2 });
  if (lab.mode === "netns") return netnsLink(lab, pairs, what, value);
  const all = loadRules(lab);
  for (const [a, b, dir] of pairs) {
    const peer = nodeId(lab, b);
    all[a.name] = (all[a.name] ?? []).filter((r) => r.peer !== peer);
    if (what !== "up") all[a.name].push({ peer, link: "*", direction: dir, drop, delayMs });
    if (dir === "both") {
      const back = nodeId(lab, a);
      all[b.name] = (all[b.name] ?? []).filter((r) => r.peer !== back);
      if (what !== "up") all[b.name].push({ peer: back, link: "*", direction: "both", drop, delayMs });
    }
  }
  const failed = await pushRules(lab, all);
  const desc = pairs.map(([a, b, d]) => `${a.name}${d === "out" ? "->" : "<->"}${b.name}`).join(" ");
  return `link ${desc}: ${what}${value ? ` ${value}` : ""}${failed.length ? `; not applied on ${failed.join(", ")}` : ""}`;
}

function netnsLink(
  _lab: LabConfig,
  pairs: [LabNode, LabNode, "out" | "both"][],
  what: string,
  value?: string,
): string {
  // netns: one veth per node, so link faults are per node (tc netem on its eth0).
  const touched = new Set(pairs.map(([a]) => a));
  for (const n of touched) {
    if (!n.netns) continue;
    if (what === "down" || what === "up") ip(["-n", n.netns, "link", "set", "eth0", what]);
    else {
      ip(["netns", "exec", n.netns, "tc", "qdisc", "del", "dev", "eth0", "root"], { ignoreErrors: true });
      const arg = what === "loss" ? ["loss", `${value}%`] : ["delay", `${value}ms`];
      ip(["netns", "exec", n.netns, "tc", "qdisc", "add", "dev", "eth0", "root", "netem", ...arg]);
    }
  }
  return `${[...touched].map((n) => n.name).join(",")} eth0: ${what}${value ? ` ${value}` : ""}`;
}
