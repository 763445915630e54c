import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { TandemError } from "../core/errors.js";
import { loadClusterConfig } from "./cluster-config.js";
import { type CorosyncConf, newClusterConf, parseCorosyncConf, writeCorosyncConf } from "./corosync-conf.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const ref = path.resolve(repoRoot, "../shared/reference/pacemaker-2.1.5/corosync.conf.generated-by-pcs");

test("parses the pcs-generated corosync.conf and writes it back byte for byte", () => {
  const text = readFileSync(ref, "utf8");
  const conf = parseCorosyncConf(text);
  assert.equal(conf.totem.cluster_name, "cluster_web");
  assert.equal(conf.nodes.length, 2);
  assert.deepEqual(conf.nodes[1], { nodeid: 2, name: "node2", rings: { 0: "198.18.0.12" }, extra: {} });
  assert.equal(conf.quorum.two_node, "1");
  assert.equal(writeCorosyncConf(conf), text);
});

test("newClusterConf + writer gives pcs's layout for a 2-node setup", () => {
  const text = readFileSync(ref, "utf8");
  const conf = newClusterConf({
    clusterName: "cluster_web",
    clusterUuid: "d68ca0f2b9f349408165d08c404e9dd5",
    nodes: [
      { name: "node1", addrs: ["198.18.0.11"] },
      { name: "node2", addrs: ["198.18.0.12"] },
    ],
    logfile: "/var/log/corosync/corosync.log",
  });
  assert.equal(writeCorosyncConf(conf), text);
});

test("maps options to cluster settings: timeouts, links, ports, quorum", () => {
  const c = loadClusterConfig(`
# a comment
totem {
  version: 2
  cluster_name: "my cluster"
  token: 800
  consensus: 960
  interface {
    linknumber: 1
    mcastport: 6000
    knet_ping_interval: 100
  }
}
nodelist {
  node {
    ring0_addr: 127.1.0.1
    ring1_addr: 127.2.0.1
    nodeid: 1
  }
  node {
    ring0_addr: 127.1.0.2
    ring1_addr: 127.2.0.2
    name: b
    nodeid: 7
    quorum_votes: 2
  }
}
quorum {
  provider: corosync_votequorum
  two_node: 1
  last_man_standing: 1
}
`);
  assert.equal(c.clusterName, "my cluster");
  assert.deepEqual(c.totem, { token: 800, consensus: 960 });
  assert.deepEqual(c.links, [0, 1]);
  assert.deepEqual(c.ports, { 0: 5405, 1: 6000 });
  assert.deepEqual(c.linkPing[1], { interval: 100 });
  assert.equal(c.nodes[0].name, "127.1.0.1");
  assert.equal(c.nodes[1].votes, 2);
  assert.equal(c.quorum.twoNode, true);
  assert.equal(c.quorum.waitForAll, true);
  assert.equal(c.quorum.lastManStanding, true);
  assert.equal(c.quorum.autoTieBreaker, false);
});

function syntaxErr(text: string): string {
  try {
    parseCorosyncConf(text);
  } catch (e) {
    assert.ok(e instanceof TandemError, String(e));
    return e.message;
  }
  assert.fail("expected an error");
}

test("errors name the line and column", () => {
  assert.match(syntaxErr("totem {\n  version: 2\n"), /line 3, column 1: section 'totem' opened on line 1/);
  assert.match(syntaxErr("totem {\n}\n  }\n"), /line 3, column 3: '}' without an open section/);
  assert.match(syntaxErr("totem {\n   what is this\n}\n"), /line 2, column 4: expected 'key: value'/);
  assert.match(syntaxErr("version: 2\n"), /line 1, column 1: option 'version' outside/);
  assert.match(syntaxErr("totem {\n bad name: 1\n}"), /line 2, column 2: invalid option name 'bad name'/);
  assert.match(
    syntaxErr("totem {\n}\nnodelist {\n node {\n  ring0_addr: 1.2.3.4\n }\n}\n"),
    /no nodeid \(line 4\)/,
  );
  assert.match(
    syntaxErr(
      "totem {\n}\nnodelist {\n node {\n  ring0_addr: a\n  nodeid: 1\n }\n node {\n ring0_addr: b\n nodeid: 1\n }\n}",
    ),
    /nodeid 1 is used by two nodes/,
  );
  assert.match(syntaxErr("nodelist {\n}\n"), /no totem section/);
  assert.throws(
    () =>
      loadClusterConfig("totem {\ntoken: 3s\n}\nnodelist {\nnode {\nring0_addr: 1.2.3.4\nnodeid: 1\n}\n}"),
    /totem.token must be an integer >= 0: got '3s'/,
  );
  assert.throws(
    () => loadClusterConfig("totem {\n}\nnodelist {\nnode {\nring0_addr: node1.example\nnodeid: 1\n}\n}"),
    /is not an IP address/,
  );
});

const key = fc
  .stringMatching(/^[a-z][a-z0-9_]{0,11}$/)
  .filter((k) => !/^ring[0-9]+_addr$/.test(k) && k !== "nodeid" && k !== "name");
const value = fc
  .string({ maxLength: 20 })
  .filter(
    (v) =>
      !v.includes("\n") &&
      !v.includes("\r") &&
      !(v.startsWith('"') && v.endsWith('"') && v.length >= 2 && v.slice(1, -1) !== v.slice(1, -1).trim()),
  );
const opts = fc.dictionary(key, value, { maxKeys: 5 }).map((d) => ({ ...d }));

const confArb: fc.Arbitrary<CorosyncConf> = fc
  .record({
    totem: opts,
    interfaces: fc.array(opts, { maxLength: 2 }),
    nodeCount: fc.integer({ min: 0, max: 5 }),
    links: fc.integer({ min: 1, max: 8 }),
    names: fc.boolean(),
    nodeExtra: opts,
    quorum: opts,
    logging: opts,
    loggerSubsys: fc.array(opts, { maxLength: 2 }),
  })
  .map((r) => ({
    totem: r.totem,
    interfaces: r.interfaces,
    nodes: Array.from({ length: r.nodeCount }, (_, i) => ({
      nodeid: i + 1,
      ...(r.names ? { name: `n${i + 1}` } : {}),
      rings: Object.fromEntries(Array.from({ length: r.links }, (_, l) => [l, `10.${l}.0.${i + 1}`])),
      extra: r.nodeExtra,
    })),
    quorum: r.quorum,
    logging: r.logging,
    loggerSubsys: r.loggerSubsys,
    other: [],
  }));

test("property: parse(write(model)) == model", () => {
  fc.assert(
    fc.property(confArb, (conf) => {
      const text = writeCorosyncConf(conf);
      const back = parseCorosyncConf(text);
      // Values that are blank-padded come back the same thanks to the writer's quoting.
      assert.deepEqual(back, conf);
      assert.equal(writeCorosyncConf(back), text);
    }),
    { numRuns: 300 },
  );
});

test("fuzz: any text either parses or fails with one TandemError", () => {
  const tokens = fc.constantFrom(
    "totem {",
    "}",
    "nodelist {",
    "node {",
    "nodeid: 1",
    "ring0_addr: 1.1.1.1",
    "a: b",
    "#x",
    "",
    "{",
    ":",
    "q {",
    "  x:y",
  );
  const textArb = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.array(tokens, { maxLength: 30 }).map((l) => l.join("\n")),
  );
  fc.assert(
    fc.property(textArb, (text) => {
      try {
        parseCorosyncConf(text);
      } catch (e) {
        assert.ok(e instanceof TandemError, `not a TandemError: ${String(e)}`);
        assert.ok(!e.message.includes("\n"));
      }
    }),
    { numRuns: 2000 },
  );
});
