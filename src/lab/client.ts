// The client side of a lab: where requests to the virtual IP come from. Loopback: this
// process. netns: the client namespace (a poller process run with `ip netns exec`).

import { spawn } from "node:child_process";
import { join } from "node:path";
import { type LabConfig, repoRoot, vipUrl } from "./config.js";
import { type Answer, httpGet } from "./http.js";
import { Poller, type Sample, type VipClient } from "./poller.js";

const pollerMain = join(repoRoot, "dist/lab/poller-main.js");

class NetnsPoller implements VipClient {
  readonly samples: Sample[] = [];
  private child?: ReturnType<typeof spawn>;
  private closed?: Promise<void>;
  constructor(
    readonly ns: string,
    readonly url: string,
  ) {}
  start(): void {
    const c = spawn("ip", ["netns", "exec", this.ns, process.execPath, pollerMain, this.url], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    this.child = c;
    let buf = "";
    c.stdout?.on("data", (d: Buffer) => {
      buf += d.toString("utf8");
      let i = buf.indexOf("\n");
      while (i >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          this.samples.push(JSON.parse(line) as Sample);
        } catch {}
        i = buf.indexOf("\n");
      }
    });
    this.closed = new Promise((resolve) => c.on("close", () => resolve()));
  }
  async stop(): Promise<Sample[]> {
    this.child?.stdin?.end();
    await this.closed;
    this.samples.sort((a, b) => a.t0 - b.t0);
    return this.samples;
  }
}

export function vipClient(lab: LabConfig): VipClient {
  if (lab.mode === "netns" && lab.clientNetns) return new NetnsPoller(lab.clientNetns, vipUrl(lab));
  return new Poller(vipUrl(lab));
}

/** One request to the virtual IP from the lab's client. */
export function probeVip(lab: LabConfig, timeoutMs = 300): Promise<Answer> {
  if (!(lab.mode === "netns" && lab.clientNetns)) return httpGet(vipUrl(lab), timeoutMs);
  const ns = lab.clientNetns;
  return new Promise((resolve) => {
    const c = spawn("ip", ["netns", "exec", ns, process.execPath, pollerMain, vipUrl(lab), "--once"], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    let out = "";
    c.stdout.on("data", (d: Buffer) => {
      out += d.toString("utf8");
    });
    c.on("close", () => {
      try {
        resolve(JSON.parse(out) as Answer);
      } catch {
        resolve({ ok: false, error: "client namespace: no answer" });
      }
    });
  });
}
