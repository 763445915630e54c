// UDP unicast transport between the nodes of the nodelist (knet-like): one socket per link,
// bound to this node's own ringN_addr; every packet sealed with the cluster key; link
// monitoring by ping/pong on every (peer, link) and failover to the best live link; a
// fault-injection hook (drop / delay per peer per link) for tests and the lab.

import { createSocket, type Socket } from "node:dgram";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { type Logger, nullLogger } from "../core/log.js";
import type { ClusterConfig } from "./cluster-config.js";
import { HEADER_LEN, MAX_PACKET, type PacketCodec, PacketKind, TAG_LEN } from "./crypto.js";
import { FaultInjector, type LinkChange, LinkMonitor } from "./links.js";

export const MAX_PAYLOAD = MAX_PACKET - HEADER_LEN - TAG_LEN;

export interface UdpTransportOptions {
  cluster: ClusterConfig;
  nodeid: number;
  codec: PacketCodec;
  logger?: Logger;
  /** A Totem payload arrived (authenticated, decrypted). */
  onMessage: (sender: number, payload: Buffer, link: number) => void;
  onLinkChange?: (change: LinkChange) => void;
  pingIntervalMs?: number;
  pingTimeoutMs?: number;
  /** Consecutive pongs to bring a link up (default 2). */
  pongCount?: number;
}

export interface TransportStats {
  sent: number;
  received: number;
  faultDropped: number;
  sendErrors: number;
}

export class UdpTransport {
  readonly faults = new FaultInjector();
  readonly monitor: LinkMonitor;
  readonly stats: TransportStats = { sent: 0, received: 0, faultDropped: 0, sendErrors: 0 };
  private readonly sockets = new Map<number, Socket>();
  private readonly peers: number[];
  private readonly addrOf: Map<number, Record<number, string>>;
  private pingTimer: NodeJS.Timeout | undefined;
  private readonly pending = new Set<NodeJS.Timeout>();
  private readonly log: Logger;
  private stopped = false;

  constructor(private readonly opts: UdpTransportOptions) {
    this.log = opts.logger ?? nullLogger;
    const me = opts.cluster.nodes.find((n) => n.nodeid === opts.nodeid);
    if (!me) throw new TandemError(ErrorCodes.TRANSPORT, `node id ${opts.nodeid} is not in the nodelist`);
    this.peers = opts.cluster.nodes.filter((n) => n.nodeid !== opts.nodeid).map((n) => n.nodeid);
    this.addrOf = new Map(opts.cluster.nodes.map((n) => [n.nodeid, n.addrs]));
    const token = opts.cluster.totem.token ?? 1000;
    this.monitor = new LinkMonitor(
      {
        links: opts.cluster.links,
        peers: this.peers,
        pingIntervalMs: opts.pingIntervalMs ?? Math.max(20, Math.floor(token / 4)),
        timeoutMs: opts.pingTimeoutMs ?? Math.max(60, Math.floor(token / 2)),
        upAfter: opts.pongCount ?? 2,
      },
      performance.now(),
    );
  }

  /** Binds one socket per link to this node's own address on that link. */
  async start(): Promise<void> {
    const me = this.addrOf.get(this.opts.nodeid)!;
    for (const link of this.opts.cluster.links) {
      const addr = me[link];
      const port = this.opts.cluster.ports[link];
      // Big buffers, as knet uses: bursts (joins from every node at once) must not overflow the
      // default 208 KiB receive buffer while the event loop is busy. Capped by net.core.rmem_max.
      const sock = createSocket({
        type: addr.includes(":") ? "udp6" : "udp4",
        recvBufferSize: 8 * 1024 * 1024,
        sendBufferSize: 2 * 1024 * 1024,
      });
      await new Promise<void>((resolve, reject) => {
        sock.once("error", (e: NodeJS.ErrnoException) =>
          reject(
            new TandemError(
              ErrorCodes.TRANSPORT,
              `cannot bind link ${link} to ${addr}:${port}: ${e.code ?? e.message}`,
            ),
          ),
        );
        sock.bind(port, addr, () => resolve());
      });
      sock.on("error", (e) => this.log.log("warning", `link ${link} socket error: ${e.message}`));
      sock.on("message", (buf, rinfo) => this.receive(link, buf, rinfo.address));
      this.sockets.set(link, sock);
    }
    const interval = this.monitor.opts.pingIntervalMs;
    this.pingTimer = setInterval(() => this.pingRound(), interval);
    this.pingRound();
  }

  stop(): void {
    this.stopped = true;
    if (this.pingTimer) clearInterval(this.pingTimer);
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
  }

  /** Sends a Totem payload to one peer (its best live link) or to every peer. */
  send(to: number | "all", payload: Buffer): void {
    if (payload.length > MAX_PAYLOAD)
      throw new TandemError(
        ErrorCodes.INVARIANT,
        `Totem payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD}`,
      );
    const targets = to === "all" ? this.peers : [to];
    const now = performance.now();
    for (const peer of targets) {
      if (peer === this.opts.nodeid) continue;
      for (const link of this.monitor.routes(peer, now)) this.sendOn(peer, link, PacketKind.Totem, payload);
    }
  }

  private sendOn(peer: number, link: number, kind: PacketKind, payload: Buffer): void {
    if (this.stopped) return;
    const f = this.faults.decide(peer, link, "out");
    if (f.drop) {
      this.stats.faultDropped++;
      return;
    }
    const addr = this.addrOf.get(peer)?.[link];
    const sock = this.sockets.get(link);
    if (addr === undefined || !sock) return;
    const pkt = this.opts.codec.seal(kind, link, peer, payload);
    const go = () => {
      if (this.stopped) return;
      this.stats.sent++;
      sock.send(pkt, this.opts.cluster.ports[link], addr, (err) => {
        if (err) this.stats.sendErrors++;
      });
    };
    this.later(f.delayMs, go);
  }

  private later(delayMs: number, fn: () => void): void {
    if (delayMs <= 0) {
      fn();
      return;
    }
    const t = setTimeout(() => {
      this.pending.delete(t);
      fn();
    }, delayMs);
    this.pending.add(t);
  }

  private receive(link: number, buf: Buffer, from: string): void {
    if (this.stopped) return;
    // block_unlisted_ips: the claimed sender must use its own address on this link.
    if (buf.length >= 12) {
      const claimed = buf.readUInt32BE(8);
      const addrs = this.addrOf.get(claimed);
      if (addrs && addrs[link] !== from) {
        this.opts.codec.drop("unlisted_address", claimed);
        return;
      }
    }
    const p = this.opts.codec.open(buf);
    if (!p) return;
    const f = this.faults.decide(p.sender, link, "in");
    if (f.drop) {
      this.stats.faultDropped++;
      return;
    }
    this.later(f.delayMs, () => {
      if (this.stopped) return;
      const now = performance.now();
      this.stats.received++;
      if (p.kind === PacketKind.Ping) {
        this.monitor.heard(p.sender, link, now);
        this.sendOn(p.sender, link, PacketKind.Pong, p.payload);
      } else if (p.kind === PacketKind.Pong) {
        if (p.payload.length !== 8) return;
        const rtt = now - p.payload.readDoubleBE(0);
        this.emit(this.monitor.pong(p.sender, link, now, rtt));
      } else {
        this.monitor.heard(p.sender, link, now);
        this.opts.onMessage(p.sender, p.payload, link);
      }
    });
  }

  private pingRound(): void {
    const now = performance.now();
    for (const c of this.monitor.check(now)) this.emit(c);
    const stamp = Buffer.alloc(8);
    stamp.writeDoubleBE(now, 0);
    for (const peer of this.peers)
      for (const link of this.opts.cluster.links)
        if (this.monitor.pingDue(peer, link, now)) this.sendOn(peer, link, PacketKind.Ping, stamp);
  }

  private emit(c: LinkChange | null): void {
    if (!c) return;
    this.log.log(c.up ? "info" : "warning", `link ${c.link} to node ${c.peer} is ${c.up ? "up" : "down"}`);
    this.opts.onLinkChange?.(c);
  }

  /** Link status per link, for corosync-cfgtool -s. */
  linkStatus(): Array<{ link: number; addr: string; peers: Array<{ nodeid: number; up: boolean }> }> {
    const me = this.addrOf.get(this.opts.nodeid)!;
    return this.opts.cluster.links.map((link) => ({
      link,
      addr: me[link],
      peers: this.peers.map((p) => ({ nodeid: p, up: this.monitor.get(p, link)?.up ?? false })),
    }));
  }
}
