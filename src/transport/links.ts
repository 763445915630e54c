// Link monitoring and link choice (knet-like): every node pings every peer on every link;
// a (peer, link) pair goes down when nothing was heard on it for `timeoutMs`, and comes back
// up only after `upAfter` consecutive pongs (hysteresis, so a flapping link does not bounce
// traffic). Traffic to a peer uses its best live link (lowest link number = highest priority,
// as knet's passive mode with default priorities); with no live link known, every link.
// Pure bookkeeping: the caller passes `now` and does the sending.

/**
 * Default ping interval and link timeout (knet_ping_interval / knet_ping_timeout when
 * corosync.conf leaves them out). With several links they are knet's: token/4 and token/2,
 * so a dead link is avoided before the token is lost. With a single link the monitor has no
 * route to choose (traffic goes over that link whatever its state) and only feeds
 * `corosync-cfgtool -s` and the stats keys, so the interval grows with the node count
 * (25 ms per peer): every node pings every peer, and at token/4 a 32-node ring spent most of
 * a core of a 2-core machine on pings alone (~13,000 packets per second).
 */
export function defaultPingTiming(
  token: number,
  nodeCount: number,
  linkCount: number,
): { intervalMs: number; timeoutMs: number } {
  const knet = Math.max(20, Math.floor(token / 4));
  const intervalMs = linkCount > 1 ? knet : Math.max(knet, 25 * (nodeCount - 1));
  return { intervalMs, timeoutMs: Math.max(60, 2 * intervalMs) };
}

export interface LinkMonitorOptions {
  links: number[];
  peers: number[];
  /** Interval between pings on each (peer, link) (ms). */
  pingIntervalMs: number;
  /** Nothing heard for this long: the link is down (ms). */
  timeoutMs: number;
  /** Consecutive pongs needed to bring a down link up. */
  upAfter: number;
}

export interface LinkState {
  up: boolean;
  lastHeard: number;
  /** Last pong (round trip proven). */
  lastPong: number;
  /** Consecutive pongs received while down. */
  pongStreak: number;
  /** Smoothed round-trip time (ms), -1 before the first pong. */
  rttMs: number;
  /** Times the link went down. */
  downCount: number;
}

export type LinkChange = { peer: number; link: number; up: boolean };

export class LinkMonitor {
  private readonly state = new Map<string, LinkState>();

  constructor(
    readonly opts: LinkMonitorOptions,
    now: number,
  ) {
    for (const p of opts.peers)
      for (const l of opts.links)
        this.state.set(key(p, l), {
          up: false,
          lastHeard: now - opts.timeoutMs,
          lastPong: now - opts.timeoutMs,
          pongStreak: 0,
          rttMs: -1,
          downCount: 0,
        });
  }

  get(peer: number, link: number): LinkState | undefined {
    return this.state.get(key(peer, link));
  }

  /** Any authenticated packet from the peer on that link proves the path works. */
  heard(peer: number, link: number, now: number): LinkChange | null {
    const s = this.state.get(key(peer, link));
    if (!s) return null;
    s.lastHeard = now;
    return null;
  }

  /** A pong came back: counts towards bringing the link up. */
  pong(peer: number, link: number, now: number, rttMs: number): LinkChange | null {
    const s = this.state.get(key(peer, link));
    if (!s) return null;
    s.lastHeard = now;
    s.lastPong = now;
    s.rttMs = s.rttMs < 0 ? rttMs : s.rttMs * 0.8 + rttMs * 0.2;
    if (s.up) return null;
    s.pongStreak++;
    if (s.pongStreak >= this.opts.upAfter) {
      s.up = true;
      s.pongStreak = 0;
      return { peer, link, up: true };
    }
    return null;
  }

  /** Called every ping interval: marks silent links down; returns the changes. */
  check(now: number): LinkChange[] {
    const changes: LinkChange[] = [];
    for (const [k, s] of this.state) {
      if (now - s.lastHeard > this.opts.timeoutMs) {
        s.pongStreak = 0;
        if (s.up) {
          s.up = false;
          s.downCount++;
          const [peer, link] = k.split(":").map(Number);
          changes.push({ peer, link, up: false });
        }
      }
    }
    return changes;
  }

  /**
   * Whether a ping is due on (peer, link): always while the link is down; on a live link
   * traffic from the peer already proves the path, so the ping is skipped while something was
   * heard within the last interval and a pong came back within the last two (this cuts the
   * ping traffic of busy clusters, where joins or messages from every peer keep arriving).
   */
  pingDue(peer: number, link: number, now: number): boolean {
    const s = this.state.get(key(peer, link));
    if (!s?.up) return true;
    const i = this.opts.pingIntervalMs;
    return !(now - s.lastHeard < i && now - s.lastPong < 2 * i);
  }

  /**
   * The links to send to a peer on: its best live link; while that link is suspect (silent
   * for more than 1.5 ping intervals, not yet declared down) every live link as well, so a
   * link that just died costs no token; all links when none is known up.
   */
  routes(peer: number, now?: number): number[] {
    const live = this.opts.links.filter((l) => this.state.get(key(peer, l))?.up);
    if (live.length === 0) return this.opts.links;
    const best = this.state.get(key(peer, live[0]))!;
    if (now === undefined || live.length === 1 || now - best.lastHeard <= 1.5 * this.opts.pingIntervalMs)
      return [live[0]];
    return live;
  }

  isConnected(peer: number): boolean {
    return this.opts.links.some((l) => this.state.get(key(peer, l))?.up);
  }
}

function key(peer: number, link: number): string {
  return `${peer}:${link}`;
}

/** A fault rule for tests and the lab: drop (probability) and/or delay packets to/from a peer. */
export interface FaultRule {
  peer: number;
  /** A link number or "*" for every link. */
  link: number | "*";
  direction: "in" | "out" | "both";
  /** Probability of dropping a packet, 0..1 (1 = cut). */
  drop: number;
  delayMs: number;
}

/** The current fault rules of a node's transport. */
export class FaultInjector {
  private rules: FaultRule[] = [];

  set(rules: FaultRule[]): void {
    for (const r of rules) {
      if (!(r.drop >= 0 && r.drop <= 1)) throw new RangeError(`fault drop must be 0..1: got ${r.drop}`);
      if (!(r.delayMs >= 0)) throw new RangeError(`fault delayMs must be >= 0: got ${r.delayMs}`);
    }
    this.rules = rules.map((r) => ({ ...r }));
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /** What to do with one packet: drop it, or deliver it after `delayMs` (0 = now). */
  decide(
    peer: number,
    link: number,
    dir: "in" | "out",
    rand: () => number = Math.random,
  ): { drop: boolean; delayMs: number } {
    let delayMs = 0;
    for (const r of this.rules) {
      if (
        r.peer !== peer ||
        (r.link !== "*" && r.link !== link) ||
        (r.direction !== "both" && r.direction !== dir)
      )
        continue;
      if (r.drop > 0 && rand() < r.drop) return { drop: true, delayMs: 0 };
      delayMs = Math.max(delayMs, r.delayMs);
    }
    return { drop: false, delayMs };
  }
}
