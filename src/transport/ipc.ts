// Local IPC between CLIs and a node daemon over a unix socket: length-prefixed JSON frames
// carrying a versioned request/response protocol, plus server-pushed events for subscriptions.
// Generic: a server is a table of method handlers; the method set and its types live in a
// schema shared by both sides (see ipc-schema.ts for the membership methods).
//
// Frame: 4-byte big-endian length, then that many bytes of UTF-8 JSON.
//   request  {v, id, method, params}
//   response {v, id, ok: true, result} | {v, id, ok: false, error: {code, message}}
//   event    {v, event, data}            (server -> client, after a subscribe-style call)
// Access: the socket is mode 0660, owned root:haclient when that group exists; the kernel
// refuses everyone else at connect(). Node cannot read SO_PEERCRED, so no further check is done.

import { chmodSync, chownSync, existsSync, readFileSync, unlinkSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { type Logger, nullLogger } from "../core/log.js";

export const IPC_VERSION = 1;
export const DEFAULT_MAX_FRAME = 32 * 1024 * 1024;

export interface IpcRequest {
  v: number;
  id: number;
  method: string;
  params?: unknown;
}
export type IpcResponse =
  | { v: number; id: number; ok: true; result: unknown }
  | { v: number; id: number; ok: false; error: { code: string; message: string } };
export interface IpcEvent {
  v: number;
  event: string;
  data: unknown;
}

/** What a handler sees of its connection. */
export interface IpcContext {
  /** Pushes an event to this client (subscriptions). Ignored once the client is gone. */
  push(event: string, data: unknown): void;
  /** Registers a cleanup to run when the client disconnects. */
  onClose(fn: () => void): void;
}

export type IpcHandler = (params: unknown, ctx: IpcContext) => unknown | Promise<unknown>;

/** Encodes one frame. */
export function encodeFrame(msg: unknown, maxFrame = DEFAULT_MAX_FRAME): Buffer {
  const body = Buffer.from(JSON.stringify(msg), "utf8");
  if (body.length > maxFrame)
    throw new TandemError(
      ErrorCodes.IPC_PROTOCOL,
      `IPC message of ${body.length} bytes exceeds the ${maxFrame}-byte limit`,
    );
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length, 0);
  return Buffer.concat([head, body]);
}

/** Incremental frame decoder: feed chunks, get whole JSON messages; throws on a bad frame. */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly maxFrame = DEFAULT_MAX_FRAME) {}

  push(chunk: Buffer): unknown[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: unknown[] = [];
    while (this.buf.length >= 4) {
      const len = this.buf.readUInt32BE(0);
      if (len > this.maxFrame)
        throw new TandemError(
          ErrorCodes.IPC_PROTOCOL,
          `IPC frame of ${len} bytes exceeds the ${this.maxFrame}-byte limit`,
        );
      if (this.buf.length < 4 + len) break;
      const body = this.buf.subarray(4, 4 + len).toString("utf8");
      this.buf = this.buf.subarray(4 + len);
      try {
        out.push(JSON.parse(body));
      } catch {
        throw new TandemError(ErrorCodes.IPC_PROTOCOL, "IPC frame is not valid JSON");
      }
    }
    return out;
  }
}

export interface ServeOptions {
  logger?: Logger;
  maxFrame?: number;
  maxConnections?: number;
  /** Group that may connect (default "haclient" when it exists). */
  group?: string;
  /** Socket file mode (default 0660). */
  mode?: number;
}

export interface IpcServer {
  readonly path: string;
  close(): Promise<void>;
}

function groupId(name: string): number | undefined {
  try {
    for (const line of readFileSync("/etc/group", "utf8").split("\n")) {
      const f = line.split(":");
      if (f[0] === name && f[2] !== undefined) return Number(f[2]);
    }
  } catch {
    // no /etc/group: nothing to chown to
  }
  return undefined;
}

async function socketAlive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/** Serves `handlers` on a unix socket at `path`. Refuses to start if another server answers there. */
export async function serveIpc(
  path: string,
  handlers: Record<string, IpcHandler>,
  opts: ServeOptions = {},
): Promise<IpcServer> {
  const log = opts.logger ?? nullLogger;
  const maxFrame = opts.maxFrame ?? DEFAULT_MAX_FRAME;
  if (existsSync(path)) {
    if (await socketAlive(path))
      throw new TandemError(ErrorCodes.IPC_PROTOCOL, `another process already serves ${path}`);
    unlinkSync(path);
  }
  const sockets = new Set<Socket>();
  const server: Server = createServer((sock) => {
    if (sockets.size >= (opts.maxConnections ?? 128)) {
      log.log("warning", "IPC connection refused: too many clients");
      sock.destroy();
      return;
    }
    sockets.add(sock);
    const cleanups: Array<() => void> = [];
    let open = true;
    const send = (m: unknown) => {
      if (!open) return;
      try {
        sock.write(encodeFrame(m, maxFrame));
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        if ("id" in (m as object))
          sock.write(
            encodeFrame({
              v: IPC_VERSION,
              id: (m as { id: number }).id,
              ok: false,
              error: { code: ErrorCodes.IPC_PROTOCOL, message: msg },
            }),
          );
      }
    };
    const ctx: IpcContext = {
      push: (event, data) => send({ v: IPC_VERSION, event, data } satisfies IpcEvent),
      onClose: (fn) => cleanups.push(fn),
    };
    const dec = new FrameDecoder(maxFrame);
    sock.on("data", (chunk: Buffer) => {
      let msgs: unknown[];
      try {
        msgs = dec.push(chunk);
      } catch (e) {
        log.log("warning", `IPC client dropped: ${(e as Error).message}`);
        sock.destroy();
        return;
      }
      for (const m of msgs) void handle(m);
    });
    const handle = async (m: unknown) => {
      const req = m as Partial<IpcRequest>;
      const id = typeof req?.id === "number" ? req.id : -1;
      const fail = (code: string, message: string) =>
        send({ v: IPC_VERSION, id, ok: false, error: { code, message } });
      if (typeof req !== "object" || req === null || typeof req.method !== "string" || id < 0)
        return fail(ErrorCodes.IPC_PROTOCOL, "malformed request");
      if (req.v !== IPC_VERSION)
        return fail(
          ErrorCodes.IPC_PROTOCOL,
          `unsupported protocol version ${String(req.v)} (server speaks ${IPC_VERSION})`,
        );
      const h = Object.hasOwn(handlers, req.method) ? handlers[req.method] : undefined;
      if (!h) return fail(ErrorCodes.IPC_PROTOCOL, `unknown method '${req.method}'`);
      try {
        const result = await h(req.params, ctx);
        send({ v: IPC_VERSION, id, ok: true, result: result ?? null });
      } catch (e) {
        if (e instanceof TandemError) return fail(e.code, e.message);
        log.log("error", `IPC handler ${req.method} failed: ${(e as Error)?.message ?? e}`);
        fail(ErrorCodes.INVARIANT, `internal error in ${req.method}`);
      }
    };
    const closed = () => {
      if (!open) return;
      open = false;
      sockets.delete(sock);
      for (const fn of cleanups) fn();
    };
    sock.on("close", closed);
    sock.on("error", closed);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(new TandemError(ErrorCodes.IO, `cannot listen on ${path}: ${e.code ?? e.message}`)),
    );
    server.listen(path, () => resolve());
  });
  chmodSync(path, opts.mode ?? 0o660);
  const gid = groupId(opts.group ?? "haclient");
  if (gid !== undefined) {
    try {
      chownSync(path, process.getuid?.() === 0 ? 0 : -1, gid);
    } catch (e) {
      log.log(
        "notice",
        `cannot give ${path} to group ${opts.group ?? "haclient"}: ${(e as NodeJS.ErrnoException).code}`,
      );
    }
  }
  return {
    path,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          try {
            unlinkSync(path);
          } catch {
            // already gone
          }
          resolve();
        });
      }),
  };
}

/** A client connection that may carry many requests and receive events. */
export class IpcClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Set<(e: IpcEvent) => void>();
  private closedError: Error | undefined;

  private constructor(
    private readonly sock: Socket,
    private readonly maxFrame: number,
  ) {
    const dec = new FrameDecoder(maxFrame);
    sock.on("data", (chunk: Buffer) => {
      let msgs: unknown[];
      try {
        msgs = dec.push(chunk);
      } catch (e) {
        this.fail(e as Error);
        sock.destroy();
        return;
      }
      for (const m of msgs) this.dispatch(m);
    });
    sock.on("close", () =>
      this.fail(new TandemError(ErrorCodes.IPC_UNAVAILABLE, "the daemon closed the connection")),
    );
    sock.on("error", (e) => this.fail(e));
  }

  static connect(path: string, opts: { maxFrame?: number; timeoutMs?: number } = {}): Promise<IpcClient> {
    return new Promise((resolve, reject) => {
      const sock = connect(path);
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new TandemError(ErrorCodes.IPC_UNAVAILABLE, `no answer from ${path}`));
      }, opts.timeoutMs ?? 5000);
      sock.once("connect", () => {
        clearTimeout(timer);
        resolve(new IpcClient(sock, opts.maxFrame ?? DEFAULT_MAX_FRAME));
      });
      sock.once("error", (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(
          new TandemError(ErrorCodes.IPC_UNAVAILABLE, `cannot connect to ${path}: ${e.code ?? e.message}`),
        );
      });
    });
  }

  private dispatch(m: unknown): void {
    const msg = m as Partial<IpcResponse & IpcEvent>;
    if (typeof msg?.event === "string") {
      for (const l of this.listeners) l(msg as IpcEvent);
      return;
    }
    const p = typeof msg?.id === "number" ? this.pending.get(msg.id) : undefined;
    if (!p) return;
    this.pending.delete(msg.id as number);
    if (msg.ok === true) p.resolve(msg.result);
    else {
      const err = (msg as { error?: { code?: string; message?: string } }).error;
      const code = Object.values(ErrorCodes).find((c) => c === err?.code) ?? ErrorCodes.IPC_PROTOCOL;
      p.reject(new TandemError(code, err?.message ?? "request failed"));
    }
  }

  private fail(e: Error): void {
    this.closedError ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  request(method: string, params?: unknown): Promise<unknown> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        this.sock.write(
          encodeFrame({ v: IPC_VERSION, id, method, params } satisfies IpcRequest, this.maxFrame),
        );
      } catch (e) {
        this.pending.delete(id);
        reject(e);
      }
    });
  }

  onEvent(fn: (e: IpcEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  close(): void {
    this.sock.destroy();
  }
}

/** One request on a fresh connection (what most CLIs need). */
export async function ipcRequest(
  path: string,
  method: string,
  params?: unknown,
  opts: { timeoutMs?: number } = {},
): Promise<unknown> {
  const c = await IpcClient.connect(path, opts);
  try {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new TandemError(ErrorCodes.IPC_UNAVAILABLE, `no answer to '${method}' within ${timeoutMs} ms`),
          ),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([c.request(method, params), timeout]);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    c.close();
  }
}
