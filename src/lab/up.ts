// `tandem lab up`: builds the tutorial's cluster the way the tutorial does — node
// directories, a pcsd per node, `tandem passwd hacluster`, then the tutorial's own pcs
// commands run as separate processes on node1, each echoed with its output — and waits
// until the virtual IP serves a page. Everything it starts is detached and outlives it.

import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { dirname, join } from "node:path";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { cibRequest } from "../daemon/protocol.js";
import { PCSD_USER, setPassword } from "../pcsd/password.js";
import { pcsdPaths } from "../pcsd/paths.js";
import {
  controlSocket,
  type LabConfig,
  type LabMode,
  type LabNode,
  labFile,
  loopbackNet,
  MAX_NODES,
  nodeAddress,
  nodeEnv,
  nodeLogDir,
  pcsdPidFile,
  type Scenario,
  tandemdSocket,
  vipAddress,
  vipUrl,
} from "./config.js";
import { probeVip, vipClient } from "./client.js";
import { ensureHolder } from "./netns.js";
import { alive, findProcesses, sleep, spawnDetached } from "./procs.js";
import { mapLimit, onNodeArgv, runTool, toolArgv } from "./run.js";

export interface UpOptions {
  dir: string;
  nodes: number;
  mode: LabMode;
  scenario: Scenario;
  fencing: boolean;
  /** netns: the distribution's apache (default) or tandem's web server. */
  web?: "apache" | "tandem";
  out: (text: string) => void;
  /** Milliseconds allowed for the VIP to serve after the last command. */
  serveTimeoutMs?: number;
}

export interface UpResult {
  lab: LabConfig;
  /** ms from the start of `lab up` until the VIP served (tutorial scenario). */
  servingMs?: number;
  servedBy?: string;
}

/** A TCP port is free on an address (nothing bound there, address usable). */
function canBind(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen({ host: address, port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** A free 127.A.B.0/24 (derived from DIR) and web port (80 as root, else 8080; the next
 * ones when something listens on all addresses there). */
async function pickLoopbackNet(dir: string, ports: number[]): Promise<{ net: string; httpPort: number }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const net = loopbackNet(dir, attempt);
    if (!(await canBind(nodeAddress(net, 1), 2224))) continue;
    for (const httpPort of ports)
      if ((await canBind(vipAddress(net), httpPort)) && (await canBind(nodeAddress(net, 1), httpPort)))
        return { net, httpPort };
  }
  throw new TandemError(
    ErrorCodes.LAB,
    "no free 127.x.y.0/24 range and web port found for the lab (50 tried)",
  );
}

export function writeNodeFiles(lab: LabConfig, node: LabNode): void {
  const r = node.root;
  for (const d of ["etc/tandem", "etc/httpd/conf", "var/www/html", "var/log/tandem", "run/tandem"])
    mkdirSync(join(r, d), { recursive: true });
  // pcs looks names up in <root>/etc/hosts first (docs/pcsd.md): the tutorial's
  // "node1 node2" resolve to the lab's addresses without touching the host's /etc/hosts.
  const hosts = [
    "127.0.0.1 localhost",
    ...lab.nodes.map((n) => `${n.address} ${n.name}`),
    `${lab.vip} virtual_ip`,
  ];
  writeFileSync(join(r, "etc/hosts"), `${hosts.join("\n")}\n`);
  // The tutorial's page names the node that serves it.
  writeFileSync(
    join(r, "var/www/html/index.html"),
    `<html>\n<body>My Test Site - ${node.name}</body>\n</html>\n`,
  );
  // The tutorial's /etc/httpd/conf/httpd.conf, inside the node's prefix: the apache
  // stand-in reads Listen and DocumentRoot from it; server-status for the monitor.
  writeFileSync(
    join(r, "etc/httpd/conf/httpd.conf"),
    [
      `Listen ${lab.httpPort}`,
      'DocumentRoot "/var/www/html"',
      "<Location /server-status>",
      "  SetHandler server-status",
      "  Require local",
      "</Location>",
      "",
    ].join("\n"),
  );
}

export async function startPcsd(lab: LabConfig, node: LabNode): Promise<void> {
  const runtime = join(node.root, "run/tandem/pcsd.json");
  rmSync(runtime, { force: true });
  if (lab.mode === "netns" && node.netns) await ensureHolder(node, nodeEnv(lab, node));
  const argv = onNodeArgv(
    lab,
    node,
    toolArgv("pcsd", ["--root", node.root, "--bind", node.address, "--name", node.name]),
  );
  const pid = spawnDetached(argv, nodeEnv(lab, node), join(nodeLogDir(node), "pcsd.out"), node.root);
  writeFileSync(pcsdPidFile(node), `${pid}\n`);
  const deadline = Date.now() + 30_000;
  while (!existsSync(runtime)) {
    if (Date.now() > deadline)
      throw new TandemError(
        ErrorCodes.LAB,
        `pcsd on ${node.name} did not start in 30 s (see ${join(nodeLogDir(node), "pcsd.out")})`,
      );
    await sleep(25);
  }
}

/** The tutorial's commands (pcs 0.9 syntax, as in the CentOS 7 tutorial), in order. */
export function scenarioCommands(lab: LabConfig): string[][] {
  const names = lab.nodes.map((n) => n.name);
  const cmds: string[][] = [
    ["cluster", "auth", ...names, "-u", "hacluster", "-p", lab.password],
    ["cluster", "setup", "--name", lab.clusterName, ...names],
    ["cluster", "start", "--all"],
  ];
  if (lab.scenario === "none") return cmds;
  if (lab.fencing) {
    cmds.push(
      [
        "stonith",
        "create",
        "lab-fence",
        "fence_tandem",
        `pcmk_host_list=${names.join(" ")}`,
        `lab_dir=${lab.dir}`,
      ],
      ["property", "set", "stonith-enabled=true"],
    );
  } else cmds.push(["property", "set", "stonith-enabled=false"]);
  cmds.push(["property", "set", "no-quorum-policy=ignore"]);
  if (lab.scenario === "dummy") {
    cmds.push(
      ["resource", "create", "dummy", "ocf:tandem:Dummy", "op", "monitor", "interval=10s"],
      ["constraint", "location", "dummy", "prefers", `${names[0]}=50`],
    );
    return cmds;
  }
  cmds.push(
    [
      "resource",
      "create",
      "virtual_ip",
      "ocf:heartbeat:IPaddr2",
      `ip=${lab.vip}`,
      "cidr_netmask=32",
      "op",
      "monitor",
      "interval=30s",
    ],
    [
      "resource",
      "create",
      "webserver",
      "ocf:heartbeat:apache",
      // netns: one configuration for every node (paths from the node's environment);
      // loopback: the tutorial's path, read inside the node's prefix by the stand-in.
      lab.mode === "netns" && lab.web !== "tandem"
        ? `configfile=${join(lab.dir, "apache2.conf")}`
        : "configfile=/etc/httpd/conf/httpd.conf",
      "statusurl=http://localhost/server-status",
      "op",
      "monitor",
      "interval=1min",
    ],
    ["constraint", "colocation", "add", "webserver", "virtual_ip", "INFINITY"],
    ["constraint", "order", "virtual_ip", "then", "webserver"],
    ["constraint", "location", "webserver", "prefers", `${names[0]}=50`],
  );
  return cmds;
}

/** How a command is echoed: the password is not shown. */
export function echoCommand(args: string[]): string {
  const shown = args.map((a, i) => (args[i - 1] === "-p" ? "********" : /[\s"']/.test(a) ? `"${a}"` : a));
  return `pcs ${shown.join(" ")}`;
}

/** Waits until the node's tandemd sees every node as a member and its CIB is ready. */
export async function waitForCluster(
  lab: LabConfig,
  node: LabNode,
  timeoutMs: number,
  expectMembers = lab.nodes.length,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer from tandemd";
  for (;;) {
    try {
      const st = await cibRequest(tandemdSocket(node), "status", {}, { timeoutMs: 2000 });
      const members = st.nodes.filter((n) => n.member).length;
      if (members >= expectMembers && st.cibPhase === "ready" && st.dcName) return;
      last = `${members}/${expectMembers} members, CIB ${st.cibPhase}`;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > deadline)
      throw new TandemError(
        ErrorCodes.LAB,
        `the cluster did not form in ${timeoutMs / 1000} s on ${node.name}: ${last}`,
      );
    await sleep(50);
  }
}

/** Waits until the VIP answers with a node's page; returns that node. */
export async function waitForVip(lab: LabConfig, timeoutMs: number, notNode?: string): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const fail = (last: string) =>
    new TandemError(ErrorCodes.LAB, `${vipUrl(lab)} did not serve in ${timeoutMs / 1000} s (last: ${last})`);
  if (lab.mode === "netns" && lab.clientNetns) {
    // One polling process in the client namespace, not one Node process per probe.
    const c = vipClient(lab);
    c.start();
    try {
      for (;;) {
        await sleep(20);
        const good = c.samples.find((a) => a.ok && a.node && a.node !== notNode);
        if (good?.node) return good.node;
        if (Date.now() > deadline) {
          const a = c.samples[c.samples.length - 1];
          throw fail(a ? (a.error ?? `HTTP answer from ${a.node ?? "?"}`) : "no answer");
        }
      }
    } finally {
      await c.stop();
    }
  }
  let last = "";
  for (;;) {
    const a = await probeVip(lab, 300);
    if (a.ok && a.node && a.node !== notNode) return a.node;
    last = a.error ?? `HTTP ${a.status} from ${a.node ?? "?"}`;
    if (Date.now() > deadline) throw fail(last);
    await sleep(20);
  }
}

const fmtS = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function labUp(o: UpOptions): Promise<UpResult> {
  const t0 = Date.now();
  if (!Number.isInteger(o.nodes) || o.nodes < 1 || o.nodes > MAX_NODES)
    throw new TandemError(ErrorCodes.USAGE, `--nodes must be 1..${MAX_NODES}: got '${o.nodes}'`, {
      exitCode: 2,
    });
  if (existsSync(labFile(o.dir))) {
    if (findProcesses({ labDir: o.dir }).length > 0)
      throw new TandemError(
        ErrorCodes.LAB,
        `a lab is already up in ${o.dir} ('tandem lab down' first, or use --dir for another one)`,
      );
  }
  if (o.mode === "netns") throw new TandemError(ErrorCodes.LAB, "netns mode is handled by labUpNetns");
  const root = process.getuid?.() === 0;
  const { net, httpPort } = await pickLoopbackNet(o.dir, root ? [80, 8080, 8081, 8082] : [8080, 8081, 8082]);
  rmSync(o.dir, { recursive: true, force: true });
  mkdirSync(join(o.dir, "nodes"), { recursive: true });
  const nodes: LabNode[] = Array.from({ length: o.nodes }, (_, i) => ({
    name: `node${i + 1}`,
    address: nodeAddress(net, i + 1),
    root: join(o.dir, "nodes", `node${i + 1}`),
  }));
  const lab: LabConfig = {
    format: 1,
    dir: o.dir,
    mode: o.mode,
    scenario: o.scenario,
    fencing: o.fencing,
    clusterName: "cluster_web",
    nodes,
    vip: vipAddress(net),
    httpPort,
    pcsdPort: 2224,
    password: randomBytes(9).toString("base64url"),
    net,
    createdAt: new Date().toISOString(),
  };
  writeFileSync(labFile(o.dir), `${JSON.stringify(lab, null, 2)}\n`, { mode: 0o600 });
  await bringUp(lab, o, t0);
  const res: UpResult = { lab };
  if (o.scenario === "tutorial") {
    o.out(`  waiting for ${vipUrl(lab)} to serve...\n`);
    res.servedBy = await waitForVip(lab, o.serveTimeoutMs ?? 60_000);
    res.servingMs = Date.now() - t0;
    o.out(`  ${vipUrl(lab)} served by ${res.servedBy} (${fmtS(res.servingMs)} after 'lab up' started)\n`);
  }
  const st = await runTool(lab, nodes[0], "pcs", ["status"]);
  o.out(`\n$ pcs status\n${st.stdout}${st.stderr}`);
  return res;
}

/** The lab's control socket (fence_tandem's power switch), a detached process. */
export async function startSupervisor(lab: LabConfig): Promise<void> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith("TANDEM_")) env[k] = v;
  env.TANDEM_LAB_DIR = lab.dir;
  const pid = spawnDetached(
    toolArgv("tandem", ["lab", "supervise", "--dir", lab.dir]),
    env,
    join(lab.dir, "supervisor.out"),
    lab.dir,
  );
  const deadline = Date.now() + 15_000;
  while (!existsSync(controlSocket(lab))) {
    if (!alive(pid) || Date.now() > deadline)
      throw new TandemError(
        ErrorCodes.LAB,
        `the lab supervisor did not start (see ${join(lab.dir, "supervisor.out")})`,
      );
    await sleep(20);
  }
}

/** Node files, passwords, pcsds, then the scenario's pcs commands; shared by both modes. */
export async function bringUp(lab: LabConfig, o: UpOptions, t0: number): Promise<void> {
  const nodes = lab.nodes;
  const names = nodes.map((n) => n.name).join(" ");
  o.out(
    `Building a ${nodes.length}-node lab (${lab.mode}) in ${lab.dir}: ${nodes.map((n) => `${n.name}=${n.address}`).join(" ")}, virtual IP ${lab.vip}\n`,
  );
  for (const n of nodes) writeNodeFiles(lab, n);
  const cmds = scenarioCommands(lab);
  const total = cmds.length + 2;
  let step = 0;
  const head = (text: string) => {
    step++;
    // Step counter and seconds since 'lab up' started: the progress display.
    const at = `${((Date.now() - t0) / 1000).toFixed(1)}s`.padStart(6);
    o.out(`[${String(step).padStart(String(total).length)}/${total} ${at}] ${text}\n`);
  };
  // The supervisor starts beside the passwords and pcsds; its socket is needed only by
  // fencing, so it is awaited just before the pcs commands.
  const supervisor = startSupervisor(lab);
  supervisor.catch(() => {});
  // `tandem passwd hacluster` on every node: what the command does, in this process: the
  // scrypt hash of the lab's password in each node's pcsd passwd file (0600). One hash,
  // copied: the same password everywhere, and 32 hashes (or 32 Node processes) cost
  // seconds of CPU on 2 cores.
  head(`$ tandem passwd hacluster            (on ${names})`);
  try {
    const first = pcsdPaths(nodes[0].root).passwd;
    await setPassword(first, PCSD_USER, lab.password);
    const line = readFileSync(first);
    for (const n of nodes.slice(1)) {
      const f = pcsdPaths(n.root).passwd;
      mkdirSync(dirname(f), { recursive: true });
      writeFileSync(f, line, { mode: 0o600 });
    }
  } catch (e) {
    throw new TandemError(ErrorCodes.LAB, `tandem passwd hacluster failed: ${(e as Error).message}`);
  }
  head(`$ pcsd                                (started on ${names})`);
  // CPU-bound process starts: a few at a time keeps both cores busy without thrashing.
  await mapLimit(nodes, 6, (n) => startPcsd(lab, n));
  await supervisor;
  for (const args of cmds) {
    head(`$ ${echoCommand(args)}`);
    const r = await runTool(lab, nodes[0], "pcs", args);
    const text = `${r.stdout}${r.stderr}`.trimEnd();
    if (text) o.out(`${text.replace(/^/gm, "    ")}\n`);
    if (r.code !== 0)
      throw new TandemError(
        ErrorCodes.LAB,
        `step '${echoCommand(args)}' failed (exit ${r.code}); the lab is left as it is for inspection ('tandem lab logs node1', 'tandem lab down')`,
      );
    if (args[0] === "cluster" && args[1] === "start") {
      o.out("    waiting for the nodes to form a cluster...\n");
      // Scales with the nodes: 32 node daemons starting at once on 2 cores take a while.
      await waitForCluster(lab, nodes[0], 60_000 + 4000 * nodes.length);
      o.out(`    cluster formed (${fmtS(Date.now() - t0)})\n`);
    }
  }
}
