// Regression for rings of 16 real node processes: started all at once they never formed one
// ring (joins every 50 ms to every peer, a broadcast per discovery, pings at token/4 and an
// idle token racing round: more packets than two cores could authenticate within a consensus
// period). Now they form one ring, and after a kill -9 the 15 others form a new one.
// (bench/membership measures the same at 32 nodes and the times.)
import { after, test } from "node:test";
import { LoopbackCluster } from "./harness.js";

const clusters: LoopbackCluster[] = [];
after(async () => {
  for (const c of clusters) await c.destroy();
});

test("16 nodes started at once form one ring; kill -9 of one: the 15 others form a new one", async () => {
  const c = new LoopbackCluster({ nodes: 16, logLevel: "notice" });
  clusters.push(c);
  await c.startAll();
  await c.waitForMembers(c.ids, c.ids, 60_000);
  await c.signal(16, "SIGKILL");
  const rest = c.ids.filter((id) => id !== 16);
  await c.waitForMembers(rest, rest, 30_000);
});
