// The pcsd HTTP API: one schema module shared by the server (pcsd) and the client (pcs).
// Every endpoint has a method, a path under /api/v1, whether it needs a token, and
// runtime-checked request and response shapes. Errors are JSON { error: { code, message } }
// with a stable TANDEM_E_... code (src/core/errors.ts).

import { ErrorCodes, TandemError } from "../core/errors.js";

export const API_VERSION = 1;
export const API_PREFIX = `/api/v${API_VERSION}`;
export const PCSD_VERSION = "0.1.0";
export const DEFAULT_PCSD_PORT = 2224;
/** Largest request body pcsd accepts (corosync.conf and authkey are a few KiB). */
export const MAX_BODY_BYTES = 256 * 1024;
/** Header carrying the token. */
export const TOKEN_HEADER = "x-tandem-token";

// ---- runtime-checked shapes -------------------------------------------------------------

export interface Schema<T> {
  /** Returns the value typed, or throws a message naming the path and the rule. */
  check(v: unknown, path: string): T;
}
export type Infer<S> = S extends Schema<infer T> ? T : never;

function fail(path: string, rule: string, v: unknown): never {
  const got = v === undefined ? "nothing" : JSON.stringify(v)?.slice(0, 40);
  throw new TandemError(ErrorCodes.PCSD_BAD_REQUEST, `'${path}' must be ${rule}: got ${got}`);
}

export const str = (opts: { max?: number; pattern?: RegExp } = {}): Schema<string> => ({
  check(v, path) {
    if (typeof v !== "string") fail(path, "a string", v);
    const max = opts.max ?? 64 * 1024;
    if (v.length > max) fail(path, `a string of at most ${max} characters`, `${v.length} characters`);
    if (opts.pattern && !opts.pattern.test(v)) fail(path, `a string matching ${opts.pattern}`, v);
    return v;
  },
});
export const bool: Schema<boolean> = {
  check(v, path) {
    if (typeof v !== "boolean") fail(path, "true or false", v);
    return v;
  },
};
export const int: Schema<number> = {
  check(v, path) {
    if (typeof v !== "number" || !Number.isSafeInteger(v)) fail(path, "an integer", v);
    return v;
  },
};
export function nullable<T>(s: Schema<T>): Schema<T | null> {
  return { check: (v, path) => (v === null ? null : s.check(v, path)) };
}
export function literal<const L extends string>(...values: L[]): Schema<L> {
  return {
    check(v, path) {
      if (typeof v !== "string" || !(values as string[]).includes(v))
        fail(path, `one of ${values.join(", ")}`, v);
      return v as L;
    },
  };
}
export function arr<T>(s: Schema<T>, max = 256): Schema<T[]> {
  return {
    check(v, path) {
      if (!Array.isArray(v)) fail(path, "a list", v);
      if (v.length > max) fail(path, `a list of at most ${max} items`, `${v.length} items`);
      return v.map((x, i) => s.check(x, `${path}[${i}]`));
    },
  };
}
/** An object with exactly these fields (unknown fields are refused: typos are bugs). */
export function obj<F extends Record<string, Schema<unknown>>>(
  fields: F,
): Schema<{ [K in keyof F]: Infer<F[K]> }> {
  return {
    check(v, path) {
      if (typeof v !== "object" || v === null || Array.isArray(v)) fail(path, "an object", v);
      const rec = v as Record<string, unknown>;
      for (const k of Object.keys(rec))
        if (!Object.hasOwn(fields, k)) fail(`${path}.${k}`, "absent (unknown field)", rec[k]);
      const out: Record<string, unknown> = {};
      for (const [k, s] of Object.entries(fields)) out[k] = s.check(rec[k], path === "" ? k : `${path}.${k}`);
      return out as { [K in keyof F]: Infer<F[K]> };
    },
  };
}

// ---- endpoints ---------------------------------------------------------------------------

const empty = obj({});
const base64 = str({ max: 128 * 1024, pattern: /^[A-Za-z0-9+/]*={0,2}$/ });
/** Files pcsd accepts for distribution (nothing else can be written through the API). */
export const DISTRIBUTABLE_FILES = ["corosync.conf", "authkey"] as const;
export type DistributableFile = (typeof DISTRIBUTABLE_FILES)[number];
const fileName = literal(...DISTRIBUTABLE_FILES);

export const daemonStatus = obj({
  running: bool,
  pid: nullable(int),
  /** How pcsd runs the cluster daemon: through systemd or as its own child process. */
  mode: literal("systemd", "child"),
});

export const endpoints = {
  version: {
    method: "GET",
    path: "/version",
    auth: false,
    request: empty,
    response: obj({ api: int, pcsdVersion: str(), node: str() }),
  },
  auth: {
    method: "POST",
    path: "/auth",
    auth: false,
    request: obj({ username: str({ max: 64 }), password: str({ max: 1024 }) }),
    response: obj({ token: str({ pattern: /^[0-9a-f]{64}$/ }), node: str() }),
  },
  status: {
    method: "GET",
    path: "/status",
    auth: true,
    request: empty,
    response: obj({
      node: str(),
      pcsdVersion: str(),
      clusterName: nullable(str()),
      /** corosync.conf or authkey present: the node is (or was) in a cluster. */
      configured: bool,
      enabled: bool,
      daemon: daemonStatus,
      /** The daemon answers on its IPC socket and is in a cluster membership (pcs --wait). */
      member: bool,
    }),
  },
  clusterSetup: {
    method: "POST",
    path: "/cluster/setup",
    auth: true,
    request: obj({ corosyncConf: str({ max: 128 * 1024 }), authkey: base64, force: bool }),
    response: obj({ written: arr(str()) }),
  },
  clusterStart: {
    method: "POST",
    path: "/cluster/start",
    auth: true,
    request: empty,
    response: obj({ alreadyRunning: bool, daemon: daemonStatus }),
  },
  clusterStop: {
    method: "POST",
    path: "/cluster/stop",
    auth: true,
    request: empty,
    response: obj({ wasRunning: bool }),
  },
  clusterKill: {
    method: "POST",
    path: "/cluster/kill",
    auth: true,
    request: empty,
    response: obj({ wasRunning: bool }),
  },
  clusterEnable: { method: "POST", path: "/cluster/enable", auth: true, request: empty, response: empty },
  clusterDisable: { method: "POST", path: "/cluster/disable", auth: true, request: empty, response: empty },
  clusterDestroy: {
    method: "POST",
    path: "/cluster/destroy",
    auth: true,
    request: empty,
    response: obj({ removed: arr(str()) }),
  },
  filePut: {
    method: "POST",
    path: "/files/put",
    auth: true,
    request: obj({ files: arr(obj({ name: fileName, data: base64 }), 8) }),
    response: obj({ written: arr(str()) }),
  },
  knownHostsPut: {
    method: "POST",
    path: "/known-hosts/put",
    auth: true,
    request: obj({
      hosts: arr(
        obj({
          name: str({ max: 255, pattern: /^[^\s/]+$/ }),
          addrs: arr(str({ max: 255 }), 8),
          port: int,
          token: str({ pattern: /^[0-9a-f]{64}$/ }),
          fingerprint256: str({ pattern: /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/ }),
        }),
      ),
    }),
    response: obj({ saved: int }),
  },
  fileGet: {
    method: "POST",
    path: "/files/get",
    auth: true,
    request: obj({ name: literal("corosync.conf") }),
    response: obj({ data: nullable(str({ max: 1024 * 1024 })) }),
  },
} as const satisfies Record<
  string,
  { method: "GET" | "POST"; path: string; auth: boolean; request: Schema<unknown>; response: Schema<unknown> }
>;

export type Endpoints = typeof endpoints;
export type EndpointName = keyof Endpoints;
export type RequestOf<E extends EndpointName> = Infer<Endpoints[E]["request"]>;
export type ResponseOf<E extends EndpointName> = Infer<Endpoints[E]["response"]>;

export const errorBody = obj({
  error: obj({ code: str({ pattern: /^TANDEM_E_[A-Z_]+$/ }), message: str() }),
});
export type ErrorBody = Infer<typeof errorBody>;

/** HTTP status for each error code pcsd sends. */
export function httpStatusFor(code: string): number {
  switch (code) {
    case ErrorCodes.PCSD_AUTH_FAILED:
    case ErrorCodes.PCSD_TOKEN:
    case ErrorCodes.PCSD_SESSION:
      return 401;
    case ErrorCodes.PCSD_CSRF:
      return 403;
    case ErrorCodes.PCSD_ACTION_FAILED:
      return 409;
    case ErrorCodes.PCSD_RATE_LIMITED:
      return 429;
    case ErrorCodes.PCSD_TOO_LARGE:
      return 413;
    case ErrorCodes.PCSD_BAD_REQUEST:
      return 400;
    case ErrorCodes.PCSD_IN_CLUSTER:
      return 409;
    default:
      return 500;
  }
}
