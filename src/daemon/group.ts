// The process group the daemon's CIB replica and controller talk through: one
// closed group ("tandem") with total-order delivery and configuration-change
// callbacks, as CPG gives Pacemaker. Both use the same group so CIB operations
// and controller messages share one total order.
// Implementations: the membership runtime over UDP (runtimeGroup, multi-node)
// and SoloGroup (a one-node cluster with no network, for a single machine and
// for tests of everything above the group).

export type DeliveryGuarantee = "agreed" | "safe";

export interface ClusterGroup {
  /** Start and join the group; configuration changes and deliveries follow through the callbacks. */
  start(): Promise<void>;
  send(data: Buffer, guarantee: DeliveryGuarantee): void;
  onDeliver(fn: (sender: number, data: Buffer) => void): void;
  /**
   * A new configuration of the group: the node ids of its members and the ring it belongs to
   * (every member of one configuration is given the same ring; a new ring is a new
   * configuration even with the same members: src/daemon/group-rounds.ts).
   */
  onConfChange(fn: (members: number[], ring: string) => void): void;
  onQuorum(fn: (quorate: boolean) => void): void;
  quorate(): boolean;
  /** Leave the group and stop (graceful shutdown). */
  stop(): Promise<void>;
}

/** A cluster of one node: every message is delivered to itself, in order, asynchronously. */
export class SoloGroup implements ClusterGroup {
  private deliver: ((sender: number, data: Buffer) => void) | undefined;
  private conf: ((members: number[], ring: string) => void) | undefined;
  private running = false;
  private queue: Buffer[] = [];
  private scheduled = false;

  constructor(private readonly nodeId: number) {}

  async start(): Promise<void> {
    this.running = true;
    setImmediate(() => this.conf?.([this.nodeId], `${this.nodeId}.1`));
  }
  send(data: Buffer): void {
    if (!this.running) return;
    this.queue.push(data);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const q = this.queue;
      this.queue = [];
      for (const d of q) if (this.running) this.deliver?.(this.nodeId, d);
    });
  }
  onDeliver(fn: (sender: number, data: Buffer) => void): void {
    this.deliver = fn;
  }
  onConfChange(fn: (members: number[], ring: string) => void): void {
    this.conf = fn;
  }
  onQuorum(): void {}
  quorate(): boolean {
    return true;
  }
  async stop(): Promise<void> {
    this.running = false;
  }
}
