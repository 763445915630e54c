// The lab's client as a process, for netns mode where the client lives in its own
// network namespace: `node dist/lab/poller-main.js URL [--once]` polls URL every 20 ms and
// writes one JSON line per request ({t0,t1,ok,node,error}) until stdin closes; with
// --once it makes one request (250 ms timeout) and prints its answer.

import { httpGet } from "./http.js";
import { nowMs, Poller } from "./poller.js";

const [url, flag] = process.argv.slice(2);
if (!url) {
  process.stderr.write("usage: poller-main URL [--once]\n");
  process.exit(2);
}
if (flag === "--once") {
  const t0 = nowMs();
  const a = await httpGet(url, 500);
  process.stdout.write(
    `${JSON.stringify({ t0, t1: nowMs(), ok: a.ok, node: a.node, error: a.error, status: a.status })}\n`,
  );
} else {
  const p = new Poller(url, 20, 250, (s) => process.stdout.write(`${JSON.stringify(s)}\n`));
  p.start();
  process.stdin.resume();
  process.stdin.on("end", async () => {
    await p.stop();
    process.exit(0);
  });
}
