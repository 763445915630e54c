// Tells the dashboard's feed at once when the CIB changes: a cib.subscribe connection to the
// local tandemd (as `crm_mon` live mode keeps one), whose "cib.changed" events wake the
// feed up instead of waiting for its next poll. The connection is renewed every `renewMs`
// (and after a failure), so a restarted tandemd is picked up; the poll covers the gaps.

import { existsSync } from "node:fs";
import { IpcClient } from "../../transport/ipc.js";

export class CibWatch {
  private client: IpcClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;

  constructor(
    private readonly socket: string,
    private readonly onChange: () => void,
    private readonly renewMs = 30_000,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.renew();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.client?.close();
    this.client = undefined;
  }

  private renew(): void {
    this.client?.close();
    this.client = undefined;
    this.connect()
      .catch(() => undefined)
      .finally(() => {
        if (this.stopped) {
          this.client?.close();
          this.client = undefined;
          return;
        }
        this.timer = setTimeout(
          () => this.renew(),
          this.client ? this.renewMs : Math.min(this.renewMs, 5000),
        );
      });
  }

  private async connect(): Promise<void> {
    if (!existsSync(this.socket)) return;
    const c = await IpcClient.connect(this.socket, { timeoutMs: 2000 });
    c.onEvent((e) => {
      if (e.event === "cib.changed") this.onChange();
    });
    try {
      await c.request("cib.subscribe", {});
    } catch (e) {
      c.close();
      throw e;
    }
    this.client = c;
  }
}
