// The daemon's process group over the real membership runtime (Totem over UDP
// with the cluster key): one CPG group "tandem" that carries both the CIB
// replica's and the controllers' messages, so they share one total order.

import type { Logger } from "../core/log.js";
import { MembershipEngine } from "../membership/engine.js";
import type { ClusterConfig } from "../transport/cluster-config.js";
import type { IpcHandler } from "../transport/ipc.js";
import { MembershipRuntime } from "../transport/runtime.js";
import type { ClusterGroup, DeliveryGuarantee } from "./group.js";
import { GroupRounds, type GroupStep } from "./group-rounds.js";

export const GROUP_NAME = "tandem";

export class RuntimeGroup implements ClusterGroup {
  private deliver: ((sender: number, data: Buffer) => void) | undefined;
  private conf: ((members: number[], ring: string) => void) | undefined;
  private quorum: ((q: boolean) => void) | undefined;
  private readonly rounds: GroupRounds;

  constructor(
    readonly runtime: MembershipRuntime,
    nodeId: number,
  ) {
    this.rounds = new GroupRounds(nodeId);
  }

  /**
   * Callbacks run in order, after the engine's whole batch of effects: a configuration change
   * and the quorum change it causes arrive in one batch, and whoever handles the configuration
   * change must see the new quorum (a partition that lost quorum must not act as if it had it).
   */
  private pending: Array<() => void> = [];
  private draining = false;
  private defer(fn: () => void): void {
    this.pending.push(fn);
    if (this.draining) return;
    this.draining = true;
    queueMicrotask(() => {
      this.draining = false;
      const run = this.pending;
      this.pending = [];
      for (const f of run) f();
    });
  }

  /** Carries out what the configuration logic (group-rounds.ts) decided, in order. */
  private apply(steps: GroupStep[]): void {
    for (const st of steps) {
      if (st.type === "send") this.runtime.cpgSend(GROUP_NAME, st.data, "agreed");
      else if (st.type === "conf") this.conf?.(st.members, st.ring);
      else this.deliver?.(st.from, st.data);
    }
  }

  async start(): Promise<void> {
    // Every new ring is a new configuration, which begins at the same point of the total order
    // at every member (group-rounds.ts).
    this.runtime.onConfigChange((c) => {
      if (c.kind === "regular")
        this.defer(() => this.apply(this.rounds.totem(`${c.ringId.rep}.${c.ringId.seq}`, c.members, c.left)));
    });
    this.runtime.onCpgConfChange((e) => {
      if (e.group !== GROUP_NAME) return;
      const members = e.members.map((m) => m.nodeId);
      this.defer(() => this.apply(this.rounds.cpg(members)));
    });
    this.runtime.onCpgDeliver((e) => {
      if (e.group === GROUP_NAME) this.defer(() => this.apply(this.rounds.deliver(e.sender.nodeId, e.data)));
    });
    this.runtime.onQuorumChange((q) => this.defer(() => this.quorum?.(q.quorate)));
    await this.runtime.start();
    this.runtime.cpgJoin(GROUP_NAME);
  }
  send(data: Buffer, guarantee: DeliveryGuarantee): void {
    this.runtime.cpgSend(GROUP_NAME, data, guarantee);
  }
  onDeliver(fn: (sender: number, data: Buffer) => void): void {
    this.deliver = fn;
  }
  onConfChange(fn: (members: number[], ring: string) => void): void {
    this.conf = fn;
  }
  onQuorum(fn: (q: boolean) => void): void {
    this.quorum = fn;
  }
  quorate(): boolean {
    return this.runtime.quorum()?.quorate ?? false;
  }
  async stop(): Promise<void> {
    this.runtime.cpgLeave(GROUP_NAME);
    // Give the leave a moment to go round the ring, so the others see a clean leave.
    await new Promise((r) => setTimeout(r, 100));
    this.runtime.stop();
  }
}

/** The group factory tandemd uses for every cluster of more than one node. */
export async function membershipGroupFactory(args: {
  cluster: ClusterConfig;
  nodeId: number;
  authkey: Buffer;
  log: Logger;
}): Promise<{ group: ClusterGroup; ipcHandlers: Record<string, IpcHandler> }> {
  const runtime = new MembershipRuntime({
    cluster: args.cluster,
    nodeid: args.nodeId,
    authkey: args.authkey,
    engine: (config) => new MembershipEngine(config),
    logger: args.log,
  });
  return { group: new RuntimeGroup(runtime, args.nodeId), ipcHandlers: runtime.ipcHandlers() };
}
