// `tandem lab up --mode netns` (root): the tutorial for real. One network namespace per
// node and one for the client, all on a bridge in 198.18.0.0/24 (nodes .11.., client
// .100, virtual IP .199), the distribution's real ocf:heartbeat:IPaddr2 (ip addr add +
// gratuitous ARP on the node's eth0) and ocf:heartbeat:apache (Debian's apache2 on port
// 80), installed through apt when missing. Nodes share the host's mount namespace: their
// files are kept apart by TANDEM_ROOT, and apache's by one configuration file that
// takes its paths from the environment of the node that starts it (${TANDEM_ROOT}).

import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { type LabConfig, type LabNode, labFile, labOcfRoot, MAX_NODES, nodeEnv } from "./config.js";
import { ensureHolder, ip, listNetns } from "./netns.js";
import { findProcesses } from "./procs.js";
import { runTool } from "./run.js";
import { bringUp, type UpOptions, type UpResult, waitForVip, writeNodeFiles } from "./up.js";

const NEEDED: { file: string; pkg: string }[] = [
  { file: "/usr/lib/ocf/resource.d/heartbeat/IPaddr2", pkg: "resource-agents" },
  { file: "/usr/lib/ocf/resource.d/heartbeat/apache", pkg: "resource-agents" },
  { file: "/usr/sbin/apache2", pkg: "apache2" },
  { file: "/usr/bin/curl", pkg: "curl" },
];

function ensurePackages(out: (t: string) => void, tandemWeb: boolean): void {
  const needed = NEEDED.filter((n) => !(tandemWeb && (n.pkg === "apache2" || n.file.endsWith("/apache"))));
  const missing = [...new Set(needed.filter((n) => !existsSync(n.file)).map((n) => n.pkg))];
  if (missing.length === 0) return;
  out(`Installing ${missing.join(" ")} through apt-get (needed by --mode netns)...\n`);
  try {
    execFileSync("apt-get", ["install", "-y", "--no-install-recommends", ...missing], {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  } catch (e) {
    throw new TandemError(
      ErrorCodes.LAB,
      `apt-get install ${missing.join(" ")} failed: ${String((e as { stderr?: Buffer }).stderr ?? "")
        .trim()
        .split("\n")
        .pop()}`,
    );
  }
}

/** The one apache configuration of the lab; paths come from the starting node's env. */
export function apacheConf(): string {
  const mod = (m: string) => `LoadModule ${m}_module /usr/lib/apache2/modules/mod_${m}.so`;
  // Apache expands these from its environment (the agent's, hence the node's).
  const ROOT = `\${TANDEM_ROOT}`;
  const NAME = `\${TANDEM_NODE_NAME}`;
  return [
    `# tandem lab (netns): shared by every node; ${ROOT} is the node's own prefix.`,
    'ServerRoot "/etc/apache2"',
    `DefaultRuntimeDir ${ROOT}/run/apache2`,
    mod("mpm_event"),
    mod("authz_core"),
    mod("authz_host"),
    mod("dir"),
    mod("mime"),
    mod("status"),
    "Listen 80",
    "User www-data",
    "Group www-data",
    `ServerName ${NAME}`,
    `DocumentRoot "${ROOT}/var/www/html"`,
    `<Directory "${ROOT}/var/www/html">`,
    "  Require all granted",
    "</Directory>",
    "DirectoryIndex index.html",
    "TypesConfig /etc/mime.types",
    `ErrorLog ${ROOT}/var/log/apache2/error.log`,
    "ExtendedStatus On",
    "<Location /server-status>",
    "  SetHandler server-status",
    "  Require local",
    "</Location>",
    "",
  ].join("\n");
}

function plumb(lab: LabConfig, prefix: string): void {
  const br = `${prefix}-br`;
  ip(["link", "add", br, "type", "bridge"]);
  ip(["link", "set", br, "up"]);
  const attach = (ns: string, hostIf: string, addr: string) => {
    ip(["netns", "add", ns]);
    ip(["link", "add", hostIf, "type", "veth", "peer", "name", "eth0", "netns", ns]);
    ip(["link", "set", hostIf, "master", br]);
    ip(["link", "set", hostIf, "up"]);
    ip(["-n", ns, "link", "set", "lo", "up"]);
    ip(["-n", ns, "addr", "add", `${addr}/24`, "dev", "eth0"]);
    ip(["-n", ns, "link", "set", "eth0", "up"]);
  };
  for (const [i, n] of lab.nodes.entries()) attach(n.netns as string, `${prefix}-n${i + 1}h`, n.address);
  attach(lab.clientNetns as string, `${prefix}-clh`, "198.18.0.100");
}

export async function labUpNetns(o: UpOptions): Promise<UpResult> {
  const t0 = Date.now();
  if (process.getuid?.() !== 0)
    throw new TandemError(ErrorCodes.LAB, "--mode netns needs root (network namespaces)");
  if (!Number.isInteger(o.nodes) || o.nodes < 1 || o.nodes > MAX_NODES)
    throw new TandemError(ErrorCodes.USAGE, `--nodes must be 1..${MAX_NODES}: got '${o.nodes}'`, {
      exitCode: 2,
    });
  if (existsSync(labFile(o.dir)) && findProcesses({ labDir: o.dir }).length > 0)
    throw new TandemError(ErrorCodes.LAB, `a lab is already up in ${o.dir} ('tandem lab down' first)`);
  ensurePackages(o.out, o.web === "tandem");
  const prefix = `tl${createHash("sha256").update(o.dir).digest("hex").slice(0, 5)}`;
  // Leftovers of an earlier lab in the same DIR that died without 'lab down'.
  for (const ns of listNetns())
    if (ns.startsWith(`${prefix}-`)) ip(["netns", "del", ns], { ignoreErrors: true });
  ip(["link", "del", `${prefix}-br`], { ignoreErrors: true });
  rmSync(o.dir, { recursive: true, force: true });
  mkdirSync(join(o.dir, "nodes"), { recursive: true });
  // apache runs as www-data and reads each node's docroot under DIR.
  chmodSync(o.dir, 0o755);
  chmodSync(join(o.dir, "nodes"), 0o755);
  const nodes: LabNode[] = Array.from({ length: o.nodes }, (_, i) => ({
    name: `node${i + 1}`,
    address: `198.18.0.${11 + i}`,
    root: join(o.dir, "nodes", `node${i + 1}`),
    netns: `${prefix}-node${i + 1}`,
  }));
  const lab: LabConfig = {
    format: 1,
    dir: o.dir,
    mode: "netns",
    scenario: o.scenario,
    fencing: o.fencing,
    web: o.web ?? "apache",
    clusterName: "cluster_web",
    nodes,
    vip: "198.18.0.199",
    httpPort: 80,
    pcsdPort: 2224,
    password: randomBytes(9).toString("base64url"),
    net: "198.18.0",
    createdAt: new Date().toISOString(),
    clientNetns: `${prefix}-client`,
    bridge: `${prefix}-br`,
  };
  writeFileSync(labFile(o.dir), `${JSON.stringify(lab, null, 2)}\n`, { mode: 0o600 });
  plumb(lab, prefix);
  writeFileSync(join(o.dir, "apache2.conf"), apacheConf());
  if (lab.web === "tandem") {
    // An OCF root holding only heartbeat/apache (the lab stand-in, tandem's web server);
    // IPaddr2 still resolves to the distribution's real agent in /usr/lib/ocf.
    const d = join(o.dir, "ocf/resource.d/heartbeat");
    mkdirSync(d, { recursive: true });
    writeFileSync(
      join(d, "apache"),
      `#!/bin/sh\nexec "${join(labOcfRoot, "resource.d/heartbeat/apache")}" "$@"\n`,
      {
        mode: 0o755,
      },
    );
  }
  for (const n of nodes) {
    writeNodeFiles(lab, n);
    for (const d of ["run/apache2", "var/log/apache2"]) mkdirSync(join(n.root, d), { recursive: true });
    chmodSync(n.root, 0o755);
    for (const d of ["var", "var/www", "var/www/html"]) chmodSync(join(n.root, d), 0o755);
  }
  // Every node's PID 1 (private /run and docroot, a reaper), started together.
  await Promise.all(nodes.map((n) => ensureHolder(n, nodeEnv(lab, n))));
  await bringUp(lab, o, t0);
  const res: UpResult = { lab };
  if (o.scenario === "tutorial") {
    o.out(`  waiting for http://${lab.vip}/ to serve (from the client namespace ${lab.clientNetns})...\n`);
    res.servedBy = await waitForVip(lab, o.serveTimeoutMs ?? 90_000);
    res.servingMs = Date.now() - t0;
    o.out(
      `  http://${lab.vip}/ served by ${res.servedBy} (${(res.servingMs / 1000).toFixed(1)} s after 'lab up' started)\n`,
    );
  }
  const st = await runTool(lab, nodes[0], "pcs", ["status"]);
  o.out(`\n$ pcs status\n${st.stdout}${st.stderr}`);
  o.out(`\nThe client: ip netns exec ${lab.clientNetns} curl http://${lab.vip}/\n`);
  return res;
}
