// The hacluster password: an scrypt hash with a random salt, one line per user in
// var/lib/tandem/pcsd/passwd (0600), set by `tandem passwd hacluster`. PAM is not used
// (Node has no PAM binding without a native module): see docs/pcsd.md.

import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { readFileIfExists, writeFileAtomic } from "./fsutil.js";

/** The only user pcsd authenticates, as with pcs. */
export const PCSD_USER = "hacluster";

// N=2^15, r=8, p=1: ~32 MiB and ~50-100 ms per check; the cost is stored with each hash.
const DEFAULT_COST = { N: 1 << 15, r: 8, p: 1 };
const KEY_LEN = 32;

function scryptAsync(pw: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((res, rej) =>
    scrypt(pw, salt, KEY_LEN, { N, r, p, maxmem: 128 * N * r * 2 + 1024 * 1024 }, (e, k) =>
      e ? rej(e) : res(k),
    ),
  );
}

/** Returns "scrypt$N$r$p$salt$hash" (base64 salt and hash). */
export async function hashPassword(pw: string, cost = DEFAULT_COST): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(pw, salt, cost.N, cost.r, cost.p);
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

export async function verifyPassword(pw: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  if (![N, r, p].every((x) => Number.isSafeInteger(x) && x > 0) || N > 1 << 20) return false;
  const salt = Buffer.from(parts[4], "base64");
  const want = Buffer.from(parts[5], "base64");
  if (want.length !== KEY_LEN) return false;
  const got = await scryptAsync(pw, salt, N, r, p);
  return timingSafeEqual(got, want);
}

/** Reads user -> hash from the passwd file (empty when the file does not exist). */
export function readPasswdFile(file: string): Map<string, string> {
  const out = new Map<string, string>();
  const text = readFileIfExists(file);
  if (text === undefined) return out;
  for (const line of text.split("\n")) {
    const i = line.indexOf(":");
    if (i > 0) out.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return out;
}

/** Sets the password of `user` (only hacluster), keeping other lines; the file is 0600. */
export async function setPassword(
  file: string,
  user: string,
  pw: string,
  cost = DEFAULT_COST,
): Promise<void> {
  if (user !== PCSD_USER)
    throw new TandemError(ErrorCodes.USAGE, `only the user '${PCSD_USER}' is used by pcsd: got '${user}'`);
  if (pw.length === 0) throw new TandemError(ErrorCodes.USAGE, "the password must not be empty");
  if (pw.length > 1024)
    throw new TandemError(ErrorCodes.USAGE, "the password must be at most 1024 characters");
  const users = readPasswdFile(file);
  users.set(user, await hashPassword(pw, cost));
  writeFileAtomic(file, [...users].map(([u, h]) => `${u}:${h}\n`).join(""), 0o600);
}

/** Checks a login; an unknown user or an unset password is simply a failed login. */
export async function checkLogin(file: string, user: string, pw: string): Promise<boolean> {
  const stored = user === PCSD_USER ? readPasswdFile(file).get(user) : undefined;
  if (stored === undefined) {
    // Spend comparable time so the answer does not reveal whether the user/password exists.
    await hashPassword(pw).catch(() => "");
    return false;
  }
  return verifyPassword(pw, stored);
}
