import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import type { ClusterConfig } from "./cluster-config.js";
import { PacketCodec } from "./crypto.js";
import { FaultInjector, LinkMonitor } from "./links.js";
import { UdpTransport } from "./udp.js";

function cluster(n: number, links: number[]): ClusterConfig {
  const a = 2 + Math.floor(Math.random() * 250);
  const b = Math.floor(Math.random() * 250);
  const port = 20000 + Math.floor(Math.random() * 20000);
  return {
    clusterName: "t",
    transport: "knet",
    nodes: Array.from({ length: n }, (_, i) => ({
      nodeid: i + 1,
      name: `n${i + 1}`,
      addrs: Object.fromEntries(links.map((l) => [l, `127.${a}.${b + l}.${i + 1}`])),
      votes: 1,
    })),
    links,
    ports: Object.fromEntries(links.map((l) => [l, port + l])),
    totem: { token: 400 },
    linkPing: {},
    crypto: { cipher: "aes256", hash: "sha256" },
    quorum: {
      provider: "corosync_votequorum",
      twoNode: false,
      waitForAll: false,
      lastManStanding: false,
      lastManStandingWindow: 10000,
      autoTieBreaker: false,
      autoTieBreakerNode: "lowest",
    },
    configVersion: 0,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms: number, what: string) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

function start(c: ClusterConfig, key: Buffer) {
  return c.nodes.map((n) => {
    const inbox: Array<{ from: number; text: string; link: number }> = [];
    const codec = new PacketCodec({
      authkey: key,
      clusterName: c.clusterName,
      nodeid: n.nodeid,
      isKnownNode: (id) => c.nodes.some((x) => x.nodeid === id),
    });
    const t = new UdpTransport({
      cluster: c,
      nodeid: n.nodeid,
      codec,
      onMessage: (from, payload, link) => inbox.push({ from, text: payload.toString(), link }),
      pingIntervalMs: 20,
      pingTimeoutMs: 80,
    });
    return { t, inbox, codec };
  });
}

test("UDP on loopback: links come up, messages flow, failover to link 1 when link 0 is cut", async () => {
  const c = cluster(3, [0, 1]);
  const key = randomBytes(256);
  const nodes = start(c, key);
  try {
    await Promise.all(nodes.map((n) => n.t.start()));
    await until(
      () => nodes.every((n) => n.t.linkStatus().every((l) => l.peers.every((p) => p.up))),
      3000,
      "links up",
    );
    nodes[0].t.send("all", Buffer.from("hello"));
    await until(() => nodes[1].inbox.length > 0 && nodes[2].inbox.length > 0, 2000, "delivery");
    assert.deepEqual(nodes[1].inbox[0], { from: 1, text: "hello", link: 0 });
    // cut link 0 between nodes 1 and 2 (both directions, on node 1)
    nodes[0].t.faults.set([{ peer: 2, link: 0, direction: "both", drop: 1, delayMs: 0 }]);
    await until(() => nodes[0].t.monitor.routes(2)[0] === 1, 3000, "failover to link 1");
    nodes[0].t.send(2, Buffer.from("via link 1"));
    await until(() => nodes[1].inbox.some((m) => m.text === "via link 1"), 2000, "delivery on link 1");
    assert.equal(nodes[1].inbox.find((m) => m.text === "via link 1")?.link, 1);
    assert.equal(nodes[0].t.monitor.routes(3)[0], 0, "other peers keep link 0");
    // heal: link 0 comes back after the hysteresis
    nodes[0].t.faults.set([]);
    await until(() => nodes[0].t.monitor.routes(2)[0] === 0, 3000, "link 0 back");
  } finally {
    for (const n of nodes) n.t.stop();
  }
});

test("a node with another key is never heard", async () => {
  const c = cluster(2, [0]);
  const [a] = start(c, randomBytes(256));
  const [, b] = start(c, randomBytes(256));
  try {
    await a.t.start();
    await b.t.start();
    a.t.send("all", Buffer.from("x"));
    await sleep(150);
    assert.equal(b.inbox.length, 0);
    assert.ok(b.codec.dropCounts().auth_failed > 0);
    assert.equal(b.t.monitor.isConnected(1), false);
  } finally {
    a.t.stop();
    b.t.stop();
  }
});

test("link monitor hysteresis and fault decisions", () => {
  const m = new LinkMonitor({ links: [0, 1], peers: [2], pingIntervalMs: 10, timeoutMs: 50, upAfter: 2 }, 0);
  assert.deepEqual(m.routes(2), [0, 1]);
  assert.equal(m.pong(2, 1, 5, 1), null);
  assert.deepEqual(m.pong(2, 1, 6, 1), { peer: 2, link: 1, up: true });
  assert.deepEqual(m.routes(2), [1]);
  assert.deepEqual(m.pong(2, 0, 7, 1), null);
  assert.deepEqual(m.pong(2, 0, 8, 1), { peer: 2, link: 0, up: true });
  assert.deepEqual(m.routes(2, 20), [0], "best live link");
  assert.deepEqual(m.routes(2, 40), [0, 1], "best link silent for > 1.5 ping intervals: every live link");
  assert.deepEqual(m.check(100), [
    { peer: 2, link: 0, up: false },
    { peer: 2, link: 1, up: false },
  ]);
  assert.equal(m.get(2, 1)?.downCount, 1);
  // ping skipped on a live link with fresh traffic and a recent pong, due otherwise
  const m2 = new LinkMonitor({ links: [0], peers: [2], pingIntervalMs: 10, timeoutMs: 50, upAfter: 1 }, 0);
  assert.equal(m2.pingDue(2, 0, 0), true, "down link: always");
  m2.pong(2, 0, 1, 1);
  m2.heard(2, 0, 5);
  assert.equal(m2.pingDue(2, 0, 8), false);
  assert.equal(m2.pingDue(2, 0, 16), true, "nothing heard for an interval");
  m2.heard(2, 0, 22);
  assert.equal(m2.pingDue(2, 0, 25), true, "no pong for two intervals");
  const f = new FaultInjector();
  f.set([{ peer: 2, link: "*", direction: "out", drop: 0, delayMs: 30 }]);
  assert.deepEqual(f.decide(2, 1, "out"), { drop: false, delayMs: 30 });
  assert.deepEqual(f.decide(2, 1, "in"), { drop: false, delayMs: 0 });
  assert.throws(() => f.set([{ peer: 2, link: 0, direction: "in", drop: 2, delayMs: 0 }]), /0..1/);
});
