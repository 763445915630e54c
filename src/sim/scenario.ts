// Scenario scripts in the style of etcd-io/raft's testdata: small commands run against a
// simulated cluster, each followed by `----` and the trace it produced. The test runner
// compares traces; REWRITE=1 writes the actual traces back (then review the diff).
//
// Commands:
//   add-nodes N [two_node] [wait_for_all] [last_man_standing] [auto_tie_breaker] [token=MS]
//   partition 1,2 | 3        block 1>3 (one way)        heal
//   crash N   restart N   pause N   resume N
//   send N "text"            (node N's process sends to group "g")
//   tick 500ms [quiet]       run-until STATE N [quiet]   stabilize [quiet]
//   status                   (one line per node)         summary (nodes grouped by view)

import { ringKey } from "../membership/ringlog.js";
import type { Effect, NodeId, QuorumConfig } from "../membership/types.js";
import { SimCluster } from "./cluster.js";
import { Prng } from "./prng.js";

export interface ScenarioBlock {
  command: string;
  expected: string;
}

export function parseScenario(text: string): ScenarioBlock[] {
  const blocks: ScenarioBlock[] = [];
  const lines = text.split("\n");
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === "" || line.startsWith("#")) {
      i++;
      continue;
    }
    const command = line.trim();
    i++;
    if (lines[i] !== "----") throw new Error(`line ${i + 1}: expected '----' after '${command}'`);
    i++;
    const out: string[] = [];
    while (i < lines.length && lines[i] !== "") out.push(lines[i++]);
    blocks.push({ command, expected: out.join("\n") });
  }
  return blocks;
}

export function formatScenario(blocks: { command: string; actual: string }[], header: string): string {
  const parts = blocks.map((b) => `${b.command}\n----\n${b.actual}`);
  return `${header}${parts.join("\n\n")}\n`;
}

function parseDuration(s: string): number {
  const m = /^(\d+)(ms|s)$/.exec(s);
  if (!m) throw new Error(`bad duration '${s}'`);
  return Number(m[1]) * (m[2] === "s" ? 1000 : 1);
}

function ids(s: string): NodeId[] {
  return s.split(",").map((x) => {
    const n = Number(x.trim());
    if (!Number.isInteger(n) || n < 1) throw new Error(`bad node id '${x}'`);
    return n;
  });
}

export class ScenarioRunner {
  cluster: SimCluster | null = null;
  private lines: string[] = [];
  private quiet = false;

  private c(): SimCluster {
    if (!this.cluster) throw new Error("no cluster: use add-nodes first");
    return this.cluster;
  }

  private observe = (node: NodeId, _inc: number, e: Effect, now: number): void => {
    if (this.quiet) return;
    const t = `t=${Math.round(now)}`;
    switch (e.type) {
      case "config_change": {
        const c = e.change;
        if (c.kind === "transitional")
          this.lines.push(
            `${t} n${node} transitional ring ${ringKey(c.ringId)} members [${c.members}] left [${c.left}]`,
          );
        else
          this.lines.push(
            `${t} n${node} regular ring ${ringKey(c.ringId)} members [${c.members}] joined [${c.joined}] left [${c.left}]`,
          );
        break;
      }
      case "quorum_change":
        this.lines.push(
          `${t} n${node} ${e.quorum.quorate ? "quorate" : "not quorate"} votes ${e.quorum.totalVotes}/${e.quorum.highestExpected} quorum ${e.quorum.quorum}`,
        );
        break;
      case "cpg_deliver":
        this.lines.push(`${t} n${node} deliver from n${e.sender.nodeId} "${e.data.toString()}"`);
        break;
      default:
        break;
    }
  };

  run(command: string): string {
    this.lines = [];
    const [verb, ...args] = command.split(/\s+/);
    const quiet = args.includes("quiet");
    const rest = args.filter((a) => a !== "quiet");
    switch (verb) {
      case "add-nodes": {
        const n = Number(rest[0]);
        const quorum: Partial<QuorumConfig> = {};
        let token: number | undefined;
        for (const o of rest.slice(1)) {
          if (o === "two_node") quorum.two_node = true;
          else if (o === "wait_for_all") quorum.wait_for_all = true;
          else if (o === "last_man_standing") quorum.last_man_standing = true;
          else if (o === "auto_tie_breaker") quorum.auto_tie_breaker = true;
          else if (o.startsWith("token=")) token = Number(o.slice(6));
          else throw new Error(`unknown option '${o}'`);
        }
        const cluster = new SimCluster(
          n,
          new Prng(1),
          { delay: 1, jitter: 0, loss: 0, duplicate: 0 },
          { quorum, totem: token ? { token } : {} },
        );
        cluster.observers.push(this.observe);
        this.cluster = cluster;
        this.quiet = quiet;
        for (let i = 1; i <= n; i++) this.startNode(i);
        this.quiet = false;
        break;
      }
      case "partition": {
        const groups = rest
          .join(" ")
          .split("|")
          .map((g) => ids(g));
        this.c().partition(groups);
        break;
      }
      case "block": {
        const [a, b] = rest[0].split(">").map(Number);
        this.c().block(a, b, false);
        break;
      }
      case "heal":
        this.c().healAll();
        break;
      case "crash":
        this.c().crash(Number(rest[0]));
        break;
      case "restart":
        this.startNode(Number(rest[0]));
        break;
      case "pause":
        this.c().pause(Number(rest[0]));
        break;
      case "resume":
        this.c().resume(Number(rest[0]));
        break;
      case "send": {
        const m = /^send\s+(\d+)\s+"(.*)"$/.exec(command);
        if (!m) throw new Error(`usage: send N "text"`);
        const ok = this.c().input(Number(m[1]), {
          type: "cpg_send",
          group: "g",
          pid: 1,
          data: Buffer.from(m[2]),
        });
        if (!ok) this.lines.push(`n${m[1]} is not running`);
        break;
      }
      case "tick":
        this.advance(() => this.c().runUntil(this.c().now + parseDuration(rest[0])), quiet);
        break;
      case "run-until": {
        const [state, node] = [rest[0], Number(rest[1])];
        const c = this.c();
        this.advance(() => {
          const limit = c.now + 60_000;
          let reached = false;
          c.runUntil(limit, () => {
            if (!reached && c.node(node).engine?.state === state) {
              reached = true;
              throw new ReachedSignal();
            }
          });
        }, quiet);
        this.lines.push(`n${node} is in ${c.node(node).engine?.state ?? "down"} at t=${Math.round(c.now)}`);
        break;
      }
      case "stabilize":
        this.advance(() => this.stabilize(), quiet);
        break;
      case "status":
        for (const n of this.c().nodes.values()) {
          const e = n.engine;
          if (!e) {
            this.lines.push(`n${n.id} down`);
            continue;
          }
          const conf = e.configuration;
          this.lines.push(
            `n${n.id} ${n.paused ? "paused " : ""}${e.state} ring ${conf ? ringKey(conf.ringId) : "-"} members [${conf?.members ?? ""}] ${e.quorumState.quorate ? "quorate" : "not quorate"} incarnation ${n.incarnation}`,
          );
        }
        break;
      case "summary": {
        const groups = new Map<string, NodeId[]>();
        for (const n of this.c().nodes.values()) {
          const e = n.engine;
          const conf = e?.configuration;
          const key = e
            ? `${e.state} ring ${conf ? ringKey(conf.ringId) : "-"} ${conf?.members.length ?? 0} members ${e.quorumState.quorate ? "quorate" : "not quorate"}`
            : "down";
          groups.set(key, [...(groups.get(key) ?? []), n.id]);
        }
        for (const [k, v] of groups)
          this.lines.push(`${v.length} nodes (n${v[0]}..n${v[v.length - 1]}): ${k}`);
        break;
      }
      default:
        throw new Error(`unknown command '${verb}'`);
    }
    return this.lines.join("\n");
  }

  private startNode(id: NodeId): void {
    const c = this.c();
    c.start(id);
    c.input(id, { type: "cpg_join", group: "g", pid: 1 });
  }

  private advance(run: () => void, quiet: boolean): void {
    this.quiet = quiet;
    try {
      run();
    } catch (e) {
      if (!(e instanceof ReachedSignal)) throw e;
    } finally {
      this.quiet = false;
    }
  }

  /** Runs until no configuration changed for 3 s (at most 60 s). */
  private stabilize(): void {
    const c = this.c();
    const limit = c.now + 60_000;
    let lastChange = c.now;
    const watch = (_n: NodeId, _i: number, e: Effect, now: number) => {
      if (e.type === "config_change") lastChange = now;
    };
    c.observers.push(watch);
    try {
      while (c.now < limit && c.now - lastChange < 3000) c.runUntil(c.now + 100);
    } finally {
      c.observers.splice(c.observers.indexOf(watch), 1);
    }
  }
}

class ReachedSignal extends Error {}
