// One HTTP GET with a hard timeout, as the lab's client does it: a fresh connection per
// request (no keep-alive, so every request reaches whoever holds the address now), the
// answering node taken from the X-Tandem-Node header, else from the page ("nodeN").

import http from "node:http";

export interface Answer {
  ok: boolean;
  /** Node that answered (header or page), when ok. */
  node?: string;
  status?: number;
  error?: string;
  body?: string;
}

export function httpGet(url: string, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (a: Answer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(a);
    };
    const req = http.get(url, { agent: false, headers: { connection: "close" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => {
        if (chunks.length < 64) chunks.push(c);
      });
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const header = res.headers["x-tandem-node"];
        const fromBody = /\b(node\d+)\b/.exec(body)?.[1];
        const node = typeof header === "string" && header !== "" ? header : fromBody;
        finish({ ok: res.statusCode === 200 && node !== undefined, node, status: res.statusCode, body });
      });
      res.on("error", (e) => finish({ ok: false, error: e.message }));
    });
    req.on("error", (e: NodeJS.ErrnoException) => finish({ ok: false, error: e.code ?? e.message }));
    const timer = setTimeout(() => {
      req.destroy();
      finish({ ok: false, error: "timeout" });
    }, timeoutMs);
  });
}
