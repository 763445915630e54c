// fence_tandem: fences a node of a tandem lab. How it finds the target
// (docs/executor.md, "fence_tandem contract"):
//  1. socket method: if <lab_dir>/control.sock exists (or socket= is given),
//     one JSON line {"v":1,"op":"fence","action":A,"node":N} is sent and one
//     JSON line {"ok":true,"power":"on"|"off"} / {"ok":true,"nodes":[...]} /
//     {"ok":false,"error":"..."} is expected back. The lab implements it.
//  2. env method (fallback, no lab cooperation): the node's processes are all
//     processes whose environment has TANDEM_ROOT=<nodes_dir>/<node> (every
//     process a lab node's tandemd starts, agents' daemons included, inherits
//     it). off = SIGKILL them all; status = on while any is left; list = the
//     directories in nodes_dir; on = not possible without the lab (error);
//     reboot = off (the node stays off until the lab starts it again).
//  3. netns method (method=netns, or netns= given and no socket): the node's
//     processes are those in its network namespace (`ip netns pids NAME`,
//     NAME = the netns option with {node} replaced); same actions as env.
// Exit codes (fence agent API): 0 success / power on, 2 power off (status), 1 error.

import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { spawnSync } from "node:child_process";
import net from "node:net";
import { join, resolve } from "node:path";

const METADATA = `<?xml version="1.0" ?>
<resource-agent name="fence_tandem" shortdesc="Fence agent for tandem lab nodes">
<longdesc>fence_tandem fences a node of a tandem lab: through the lab's control socket when there is one, otherwise by killing every process of the node (all processes whose environment has TANDEM_ROOT set to the node's directory).</longdesc>
<parameters>
	<parameter name="action" unique="0" required="1">
		<getopt mixed="-o, --action=[action]" />
		<content type="string" default="reboot" />
		<shortdesc lang="en">Fencing action</shortdesc>
	</parameter>
	<parameter name="plug" unique="0" required="0" obsoletes="port">
		<getopt mixed="-n, --plug=[id]" />
		<content type="string" />
		<shortdesc lang="en">Node name of the lab node to fence</shortdesc>
	</parameter>
	<parameter name="port" unique="0" required="0" deprecated="1">
		<getopt mixed="-n, --plug=[id]" />
		<content type="string" />
		<shortdesc lang="en">Node name of the lab node to fence</shortdesc>
	</parameter>
	<parameter name="lab_dir" unique="0" required="0">
		<getopt mixed="--lab-dir=[dir]" />
		<content type="string" default="$TANDEM_LAB_DIR" />
		<shortdesc lang="en">Directory of the lab (holds control.sock and nodes/NAME)</shortdesc>
	</parameter>
	<parameter name="nodes_dir" unique="0" required="0">
		<getopt mixed="--nodes-dir=[dir]" />
		<content type="string" default="LAB_DIR/nodes" />
		<shortdesc lang="en">Directory holding one TANDEM_ROOT directory per node</shortdesc>
	</parameter>
	<parameter name="socket" unique="0" required="0">
		<getopt mixed="--socket=[path]" />
		<content type="string" default="LAB_DIR/control.sock" />
		<shortdesc lang="en">Lab control socket</shortdesc>
	</parameter>
	<parameter name="method" unique="0" required="0">
		<getopt mixed="--method=[method]" />
		<content type="select" default="auto">
			<option value="auto" />
			<option value="socket" />
			<option value="env" />
			<option value="netns" />
		</content>
		<shortdesc lang="en">How to reach the node: lab control socket, or killing its processes (env)</shortdesc>
	</parameter>
	<parameter name="netns" unique="0" required="0">
		<getopt mixed="--netns=[template]" />
		<content type="string" />
		<shortdesc lang="en">Network namespace of a node, {node} is replaced by the node name (netns method)</shortdesc>
	</parameter>
	<parameter name="power_timeout" unique="0" required="0">
		<getopt mixed="--power-timeout=[seconds]" />
		<content type="second" default="5" />
		<shortdesc lang="en">Seconds to wait for the node's processes to be gone</shortdesc>
	</parameter>
</parameters>
<actions>
	<action name="on" automatic="0"/>
	<action name="off" />
	<action name="reboot" />
	<action name="status" />
	<action name="list" />
	<action name="monitor" />
	<action name="metadata" />
	<action name="validate-all" />
</actions>
</resource-agent>
`;

const ACTIONS = new Set(["on", "off", "reboot", "status", "list", "list-status", "monitor", "metadata", "validate-all"]);
const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

class FenceError extends Error {}

function parseArgs(argv, stdinText) {
  const opts = {};
  for (const line of stdinText.split("\n")) {
    const t = line.trim();
    if (t === "" || t.startsWith("#")) continue;
    const i = t.indexOf("=");
    if (i <= 0) continue;
    opts[t.slice(0, i).trim()] = t.slice(i + 1).trim();
  }
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    const next = () => argv[++k] ?? "";
    if (a === "-o") opts.action = next();
    else if (a === "-n") opts.plug = next();
    else if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const key = (eq > 0 ? a.slice(2, eq) : a.slice(2)).replace(/-/g, "_");
      opts[key] = eq > 0 ? a.slice(eq + 1) : next();
    }
  }
  if (opts.option && !opts.action) opts.action = opts.option; // old name
  return opts;
}

function readStdin() {
  if (process.stdin.isTTY) return Promise.resolve("");
  return new Promise((res) => {
    const chunks = [];
    process.stdin.on("data", (c) => chunks.push(c));
    process.stdin.on("end", () => res(Buffer.concat(chunks).toString("utf8").slice(0, 65536)));
    process.stdin.on("error", () => res(""));
  });
}

function settings(opts) {
  const labDir = opts.lab_dir || process.env.TANDEM_LAB_DIR || "";
  const nodesDir = opts.nodes_dir || (labDir ? join(labDir, "nodes") : "");
  const socket = opts.socket || (labDir ? join(labDir, "control.sock") : "");
  let method = opts.method || "auto";
  if (!["auto", "socket", "env", "netns"].includes(method))
    throw new FenceError(`method '${method}' must be auto, socket, env or netns`);
  if (method === "auto") method = socket && existsSync(socket) ? "socket" : opts.netns ? "netns" : "env";
  if (method === "netns" && !opts.netns) throw new FenceError("method netns needs the netns option (e.g. netns=lab-{node})");
  const timeout = Number(opts.power_timeout ?? "5");
  return {
    labDir,
    nodesDir,
    socket,
    method,
    netns: opts.netns ?? "",
    powerTimeoutMs: (Number.isFinite(timeout) && timeout > 0 ? timeout : 5) * 1000,
  };
}

function target(opts) {
  const node = opts.plug || opts.port || opts.nodename || "";
  if (!NODE_NAME.test(node)) throw new FenceError(node ? `bad node name '${node}'` : "no node given (plug/port/nodename)");
  return node;
}

// ---- socket method ----

function askLab(socketPath, request, timeoutMs) {
  return new Promise((res, rej) => {
    const c = net.createConnection(socketPath);
    let buf = "";
    const timer = setTimeout(() => {
      c.destroy();
      rej(new FenceError(`lab control socket ${socketPath} did not answer in ${timeoutMs}ms`));
    }, timeoutMs);
    // "from": the node asking (its TANDEM_ROOT), so that the lab can tell a request sent
    // from a cut-off node even when that node's processes are gone by the time it is read.
    const from = process.env.TANDEM_ROOT;
    c.on("connect", () =>
      c.write(`${JSON.stringify({ v: 1, op: "fence", ...request, ...(from ? { from } : {}) })}\n`),
    );
    c.on("data", (d) => {
      buf += d.toString("utf8");
      const nl = buf.indexOf("\n");
      if (nl >= 0) {
        clearTimeout(timer);
        c.end();
        try {
          const reply = JSON.parse(buf.slice(0, nl));
          if (!reply || reply.ok !== true) rej(new FenceError(String(reply?.error ?? "lab refused the request")));
          else res(reply);
        } catch {
          rej(new FenceError("lab control socket sent a malformed answer"));
        }
      }
    });
    c.on("error", (e) => {
      clearTimeout(timer);
      rej(new FenceError(`cannot reach lab control socket ${socketPath}: ${e.code ?? e.message}`));
    });
  });
}

// ---- env method ----

function nodeRoot(s, node) {
  if (!s.nodesDir) throw new FenceError("no lab_dir or nodes_dir given (and TANDEM_LAB_DIR is not set)");
  const root = resolve(s.nodesDir, node);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new FenceError(`node '${node}' not found: ${root} is not a directory`);
  return root;
}

function sameDir(a, b) {
  const strip = (p) => (p.length > 1 ? p.replace(/\/+$/, "") : p);
  if (strip(a) === strip(b)) return true;
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

/** Pids of live processes whose environment says TANDEM_ROOT=root. */
function nodePids(root) {
  const pids = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid || pid === 1) continue;
    let environ;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2)[0] === "Z") continue;
      environ = readFileSync(`/proc/${pid}/environ`, "utf8");
    } catch {
      continue; // gone, or not ours to read
    }
    for (const kv of environ.split("\0"))
      if (kv.startsWith("TANDEM_ROOT=") && sameDir(kv.slice("TANDEM_ROOT=".length), root)) {
        pids.push(pid);
        break;
      }
  }
  return pids;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Pids of the processes in a network namespace ([] when it does not exist). */
function netnsPids(name) {
  const r = spawnSync("ip", ["netns", "pids", name], { encoding: "utf8", timeout: 5000 });
  if (r.status !== 0) return [];
  return r.stdout
    .split("\n")
    .map((l) => Number(l.trim()))
    .filter((p) => Number.isInteger(p) && p > 1 && p !== process.pid);
}

async function killAll(findPids, what, timeoutMs) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const pids = findPids();
    if (pids.length === 0) return;
    for (const p of pids) {
      try {
        process.kill(p, "SIGKILL");
      } catch {
        // gone already
      }
    }
    if (Date.now() > end) throw new FenceError(`processes of ${what} still alive after ${timeoutMs}ms: ${pids.join(",")}`);
    await sleep(20);
  }
}

function listNodes(s) {
  if (!s.nodesDir || !existsSync(s.nodesDir)) return [];
  return readdirSync(s.nodesDir)
    .filter((n) => NODE_NAME.test(n) && statSync(join(s.nodesDir, n)).isDirectory())
    .sort();
}

// ---- main ----

async function run(opts) {
  const action = opts.action || "reboot";
  if (!ACTIONS.has(action)) throw new FenceError(`unknown action '${action}'`);
  if (action === "metadata") {
    process.stdout.write(METADATA);
    return 0;
  }
  const s = settings(opts);
  if (s.method === "socket") {
    if (!s.socket) throw new FenceError("no lab_dir or socket given (and TANDEM_LAB_DIR is not set)");
    if (action === "monitor" || action === "validate-all") {
      await askLab(s.socket, { action: "list" }, s.powerTimeoutMs);
      return 0;
    }
    if (action === "list" || action === "list-status") {
      const reply = await askLab(s.socket, { action: "list" }, s.powerTimeoutMs);
      for (const n of reply.nodes ?? []) process.stdout.write(`${n},\n`);
      return 0;
    }
    const node = target(opts);
    const reply = await askLab(s.socket, { action, node }, s.powerTimeoutMs + 10_000);
    if (action === "status") {
      process.stdout.write(`Status: ${reply.power === "off" ? "OFF" : "ON"}\n`);
      return reply.power === "off" ? 2 : 0;
    }
    return 0;
  }
  // env and netns methods
  if (action === "monitor" || action === "validate-all") {
    if (s.method === "netns") return 0;
    if (!s.nodesDir || !existsSync(s.nodesDir)) throw new FenceError(`lab nodes directory '${s.nodesDir}' does not exist`);
    return 0;
  }
  if (action === "list" || action === "list-status") {
    for (const n of listNodes(s)) process.stdout.write(`${n},\n`);
    return 0;
  }
  const node = target(opts);
  let findPids;
  let what;
  if (s.method === "netns") {
    what = s.netns.replaceAll("{node}", node);
    if (!/^[A-Za-z0-9._-]+$/.test(what)) throw new FenceError(`bad network namespace name '${what}'`);
    findPids = () => netnsPids(what);
  } else {
    what = nodeRoot(s, node);
    findPids = () => nodePids(what);
  }
  switch (action) {
    case "status": {
      const on = findPids().length > 0;
      process.stdout.write(`Status: ${on ? "ON" : "OFF"}\n`);
      return on ? 0 : 2;
    }
    case "off":
      await killAll(findPids, what, s.powerTimeoutMs);
      return 0;
    case "reboot":
      await killAll(findPids, what, s.powerTimeoutMs);
      process.stderr.write(`fence_tandem: ${node} is off; without the lab control socket it stays off until the lab starts it\n`);
      return 0;
    case "on":
      if (findPids().length > 0) return 0;
      throw new FenceError(`cannot power on ${node} without the lab control socket (${s.socket || "no lab_dir"})`);
    default:
      throw new FenceError(`unknown action '${action}'`);
  }
}

export async function main() {
  const argv = process.argv.slice(2);
  if (argv.includes("-h") || argv.includes("--help")) {
    process.stdout.write("usage: fence_tandem [-o ACTION] [-n NODE] [--lab-dir DIR]  (or key=value options on stdin)\n");
    process.exit(0);
  }
  // As with fence-agents: options on the command line, or else on stdin.
  const stdinText = argv.length > 0 ? "" : await readStdin();
  let code;
  try {
    code = await run(parseArgs(argv, stdinText));
  } catch (e) {
    process.stderr.write(`fence_tandem: ${e instanceof FenceError ? e.message : (e?.stack ?? e)}\n`);
    code = 1;
  }
  process.exit(code);
}
