// The failover lab's description of itself: where it lives (DIR), its nodes (name,
// address, TANDEM_ROOT prefix), the virtual IP and ports, written to DIR/lab.json by
// `tandem lab up` and read back by every other lab command. Also the environment a
// node's processes run with, which is the contract the agents and fence_tandem rely on
// (docs/executor.md): TANDEM_ROOT per node, TANDEM_NODE_NAME/ADDRESS, TANDEM_HTTP_PORT,
// TANDEM_OCF_ROOTS (the loopback stand-ins first), TANDEM_LAB_DIR.

import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ErrorCodes, TandemError } from "../core/errors.js";

export type LabMode = "loopback" | "netns";
export type Scenario = "tutorial" | "dummy" | "none";

export interface LabNode {
  name: string;
  /** The node's own address (loopback: 127.A.B.(10+i); netns: 198.18.0.(10+i)). */
  address: string;
  /** TANDEM_ROOT of the node (DIR/nodes/NAME). */
  root: string;
  /** netns mode: the node's network namespace. */
  netns?: string;
}

export interface LabConfig {
  format: 1;
  dir: string;
  mode: LabMode;
  scenario: Scenario;
  fencing: boolean;
  /**
   * netns: which program plays ocf:heartbeat:apache — the distribution's agent and
   * apache2 ("apache"), or tandem's web server through the lab stand-in ("tandem").
   * Loopback always uses the stand-in.
   */
  web?: "apache" | "tandem";
  clusterName: string;
  nodes: LabNode[];
  vip: string;
  httpPort: number;
  pcsdPort: number;
  /** The hacluster password of this lab (lab.json is 0600). */
  password: string;
  /** Loopback: the first three octets of every address of this lab ("127.A.B"). */
  net: string;
  createdAt: string;
  /** netns mode: the client namespace, the bridge. */
  clientNetns?: string;
  bridge?: string;
}

/** The repository (package) root: dist/lab/config.js -> ../.. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const binDir = join(repoRoot, "bin");
export const labOcfRoot = join(repoRoot, "agents/lab/ocf");
export const tandemOcfRoot = join(repoRoot, "agents/ocf");
export const fenceDir = join(repoRoot, "agents/fence");

export const MAX_NODES = 32;

/** DIR from --dir, else $TANDEM_LAB_DIR, else ./.tandem-lab. */
export function labDirFrom(opt: string | undefined, env: Record<string, string | undefined>, cwd: string) {
  const d = opt ?? (env.TANDEM_LAB_DIR && env.TANDEM_LAB_DIR !== "" ? env.TANDEM_LAB_DIR : ".tandem-lab");
  return resolve(cwd, d);
}

export const labFile = (dir: string) => join(dir, "lab.json");

export function loadLab(dir: string): LabConfig {
  const f = labFile(dir);
  if (!existsSync(f))
    throw new TandemError(ErrorCodes.LAB, `no lab in ${dir} (run 'tandem lab up' first, or give --dir)`);
  let c: LabConfig;
  try {
    c = JSON.parse(readFileSync(f, "utf8")) as LabConfig;
  } catch (e) {
    throw new TandemError(ErrorCodes.LAB, `${f} is not a lab description: ${(e as Error).message}`);
  }
  if (c.format !== 1 || !Array.isArray(c.nodes))
    throw new TandemError(ErrorCodes.LAB, `${f} is not a lab description (format ${String(c.format)})`);
  return c;
}

export function findNode(lab: LabConfig, name: string): LabNode {
  const n = lab.nodes.find((x) => x.name === name);
  if (!n)
    throw new TandemError(
      ErrorCodes.LAB,
      `unknown node '${name}': this lab has ${lab.nodes.map((x) => x.name).join(", ")}`,
    );
  return n;
}

/**
 * The second and third octets of a loopback lab's addresses, derived from DIR so that
 * labs in different directories get different ranges; `attempt` walks on when the
 * first choice is taken. Avoids 127.0.x (used by tests and the host).
 */
export function loopbackNet(dir: string, attempt = 0): string {
  const h = createHash("sha256").update(dir).digest();
  const n = (h.readUInt16BE(0) + attempt * 7919) % (200 * 250);
  const a = 20 + Math.floor(n / 250); // 20..219
  const b = 1 + (n % 250); // 1..250
  return `127.${a}.${b}`;
}

export function nodeAddress(net: string, i: number): string {
  return `${net}.${10 + i}`;
}

export const vipAddress = (net: string) => `${net}.100`;

export function vipUrl(lab: LabConfig): string {
  return lab.httpPort === 80 ? `http://${lab.vip}/` : `http://${lab.vip}:${lab.httpPort}/`;
}

/** The environment of everything that runs "on" a node (pcsd, tandemd, agents, lab exec). */
export function nodeEnv(
  lab: LabConfig,
  node: LabNode,
  base: Record<string, string | undefined> = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base))
    if (v !== undefined && !k.startsWith("TANDEM_") && !k.startsWith("OCF_")) env[k] = v;
  const path = [binDir, ...(base.PATH ?? "/usr/local/bin:/usr/bin:/bin").split(":")];
  for (const p of ["/usr/sbin", "/sbin"]) if (!path.includes(p)) path.push(p);
  Object.assign(env, {
    PATH: path.join(":"),
    TANDEM_ROOT: node.root,
    TANDEM_NODE_NAME: node.name,
    TANDEM_NODE_ADDRESS: node.address,
    TANDEM_HTTP_PORT: String(lab.httpPort),
    TANDEM_LAB_DIR: lab.dir,
    TANDEM_OCF_ROOT: tandemOcfRoot,
    TANDEM_FENCE_DIRS: fenceDir,
  });
  // tandemd runs at real-time priority by default (like corosync). Many nodes on one machine
  // would then let the nodes' own idle work starve everything else (the client, the shell):
  // above 8 nodes the lab runs them at normal priority unless TANDEM_SCHEDULING says otherwise.
  const sched = base.TANDEM_SCHEDULING ?? (lab.nodes.length > 8 ? "normal" : undefined);
  if (sched !== undefined) env.TANDEM_SCHEDULING = sched;
  // Loopback: the stand-ins for ocf:heartbeat:IPaddr2/apache come first; netns uses the
  // distribution's real agents in /usr/lib/ocf.
  if (lab.mode === "loopback") env.TANDEM_OCF_ROOTS = labOcfRoot;
  // netns: the real agents keep pid files in HA_VARRUN (apache's, when its config has no
  // PidFile): per node, since the nodes share the host's /run.
  else {
    env.HA_VARRUN = join(node.root, "run");
    if (lab.web === "tandem") {
      // The real IPaddr2 puts the VIP on eth0; tandem's web server listens on every
      // address of the node's namespace, so it serves the VIP once it is there.
      env.TANDEM_OCF_ROOTS = join(lab.dir, "ocf");
      env.TANDEM_NODE_ADDRESS = "0.0.0.0";
    }
  }
  return env;
}

export const nodeLogDir = (node: LabNode) => join(node.root, "var/log/tandem");
export const tandemdSocket = (node: LabNode) => join(node.root, "run/tandem/tandemd.sock");
export const pcsdPidFile = (node: LabNode) => join(node.root, "run/tandem/lab-pcsd.pid");
export const controlSocket = (lab: LabConfig) => join(lab.dir, "control.sock");
export const supervisorPidFile = (lab: LabConfig) => join(lab.dir, "supervisor.pid");
