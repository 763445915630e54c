// The lab supervisor: a small detached process per lab serving DIR/control.sock, the
// "power switch" fence_tandem talks to (docs/executor.md, fence_tandem contract):
// one JSON line in ({"v":1,"op":"fence","action":"off|on|reboot|status|list","node"}),
// one JSON line out ({"ok":true,"power":"on|off"} / {"ok":true,"nodes":[...]} /
// {"ok":false,"error"}). Off = every process of the node killed; on = pcsd started and
// pcsd started on it (the cluster is not: see below); reboot = off then on. Like a network power switch, it
// cannot be reached from a node whose links the lab has cut (isolate): such requests
// are refused, which is what settles the fence race of a two-node partition.

import { appendFileSync, existsSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join, resolve } from "node:path";
import { controlSocket, type LabConfig, loadLab, supervisorPidFile } from "./config.js";
import { bootNode, isolatedList } from "./faults.js";
import { findProcesses, killAll } from "./procs.js";

interface Request {
  v?: number;
  op?: string;
  action?: string;
  node?: string;
  /** TANDEM_ROOT of the asking fence_tandem (absent from a manual run outside any node). */
  from?: string;
}

/** The nodes of running fence_tandem processes (who is asking). */
function requesters(lab: LabConfig): string[] {
  const out: string[] = [];
  for (const p of findProcesses({ labDir: lab.dir }))
    if (p.cmdline.includes("fence_tandem") || p.cmdline.includes("fence-tandem")) {
      const n = lab.nodes.find((x) => x.root === p.root);
      if (n) out.push(n.name);
    }
  return out;
}

const sameRoot = (a: string, b: string) => resolve(a) === resolve(b);

const powered = (lab: LabConfig, name: string) => {
  const n = lab.nodes.find((x) => x.name === name);
  return n !== undefined && findProcesses({ root: n.root }).length > 0;
};

export async function handle(lab: LabConfig, req: Request, log: (t: string) => void): Promise<object> {
  if (req.v !== 1 || req.op !== "fence") return { ok: false, error: "unsupported request" };
  if (req.action === "list") return { ok: true, nodes: lab.nodes.map((n) => n.name) };
  const node = lab.nodes.find((n) => n.name === req.node);
  if (!node) return { ok: false, error: `unknown node '${req.node ?? ""}'` };
  if (req.action === "status") return { ok: true, power: powered(lab, node.name) ? "on" : "off" };
  const cut = new Set(isolatedList(lab));
  // The asker is the node the request names as its origin; a request without one (a manual
  // run) is put down to the fence_tandem processes running now — a node does not fence
  // itself, so when both sides race the other one is the asker. Reading the origin from the
  // request matters in that race: the winner's fence may have killed the loser's agent
  // (and with it every trace of who asked) before the loser's request is read here.
  const origin = req.from ? lab.nodes.find((n) => sameRoot(n.root, req.from ?? "")) : undefined;
  const asking = origin ? [origin.name] : requesters(lab).filter((n) => n !== node.name);
  if (asking.length > 0 && asking.every((a) => cut.has(a))) {
    log(`refused ${req.action} of ${node.name}: requested from ${asking.join(",")}, which is cut off`);
    return { ok: false, error: `fence device unreachable from ${asking.join(",")} (isolated)` };
  }
  log(`${req.action} ${node.name} (requested from ${asking.join(",") || "?"})`);
  if (req.action === "off" || req.action === "reboot") {
    await killAll({ root: node.root }, 5000);
    if (req.action === "off" || cut.has(node.name)) return { ok: true, power: "off" };
  }
  if (req.action === "on" || req.action === "reboot") {
    // A node that boots starts pcsd (enabled, as in the tutorial) but not the cluster
    // (the tutorial never runs 'pcs cluster enable'): a rebooted node stays out until
    // someone runs 'pcs cluster start', which also avoids a fence loop at startup.
    try {
      await bootNode(lab, node);
    } catch (e) {
      return { ok: false, error: `${node.name} did not boot: ${(e as Error).message}` };
    }
    return { ok: true, power: "on" };
  }
  return { ok: false, error: `unknown action '${req.action ?? ""}'` };
}

/** Runs until SIGTERM: serves the control socket of the lab in `dir`. */
export async function supervise(dir: string): Promise<void> {
  const lab = loadLab(dir);
  const logFile = join(dir, "supervisor.log");
  const log = (t: string) => appendFileSync(logFile, `${new Date().toISOString()} supervisor: ${t}\n`);
  const sock = controlSocket(lab);
  if (existsSync(sock)) rmSync(sock, { force: true });
  // One fence at a time, in arrival order: a power switch does one thing at a time.
  let chain: Promise<unknown> = Promise.resolve();
  const server = net.createServer((c) => {
    let buf = "";
    c.on("data", (d: Buffer) => {
      buf += d.toString("utf8");
      const i = buf.indexOf("\n");
      if (i < 0) {
        if (buf.length > 4096) c.destroy();
        return;
      }
      let req: Request;
      try {
        req = JSON.parse(buf.slice(0, i)) as Request;
      } catch {
        c.end(`${JSON.stringify({ ok: false, error: "malformed request" })}\n`);
        return;
      }
      chain = chain.then(async () => {
        const res = await handle(lab, req, log).catch((e: Error) => ({ ok: false, error: e.message }));
        c.end(`${JSON.stringify(res)}\n`);
      });
    });
    c.on("error", () => {});
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(sock, () => resolve());
  });
  writeFileSync(supervisorPidFile(lab), `${process.pid}\n`);
  log(`serving ${sock}`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      server.close();
      rmSync(sock, { force: true });
      resolve();
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
}
