// Dashboard sessions and CSRF tokens. A session is a random 256-bit id in an HttpOnly,
// Secure, SameSite=Strict cookie; pcsd keeps only its SHA-256 with the expiry (idle and
// absolute) and the session's CSRF token, which the dashboard page carries and every POST
// must send back. Before login, the login page's token is an HMAC of a random pre-login
// cookie, so a login form cannot be posted from another site either. Time is injected.

import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const SESSION_COOKIE = "tandem_session";
export const LOGIN_COOKIE = "tandem_login";
export const CSRF_HEADER = "x-csrf-token";

export interface SessionPolicy {
  /** A session unused for this long is over. */
  idleMs: number;
  /** A session is over this long after login, used or not. */
  absoluteMs: number;
  /** At most this many sessions; logging in past it ends the least recently used one. */
  maxSessions: number;
  /** The login page's token is valid this long. */
  loginTokenMs: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = {
  idleMs: 60 * 60 * 1000,
  absoluteMs: 8 * 60 * 60 * 1000,
  maxSessions: 64,
  loginTokenMs: 15 * 60 * 1000,
};

export interface Session {
  user: string;
  from: string;
  csrf: string;
  created: number;
  lastSeen: number;
}

const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

function hashId(id: string): string {
  return createHash("sha256").update(id).digest("hex");
}

/** Constant-time comparison of two strings (false when the lengths differ). */
export function sameSecret(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  /** Signs the pre-login cookie (a restart invalidates open login pages, like sessions). */
  private readonly loginKey = randomBytes(32);

  constructor(
    readonly policy: SessionPolicy = DEFAULT_SESSION_POLICY,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new session; returns the cookie value (shown once, stored only hashed). */
  create(user: string, from: string): { id: string; session: Session } {
    const t = this.now();
    this.expire(t);
    while (this.sessions.size >= this.policy.maxSessions) {
      let oldest: string | undefined;
      let seen = Number.POSITIVE_INFINITY;
      for (const [k, s] of this.sessions)
        if (s.lastSeen < seen) {
          seen = s.lastSeen;
          oldest = k;
        }
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    const id = randomBytes(32).toString("base64url");
    const session: Session = {
      user,
      from,
      csrf: randomBytes(32).toString("base64url"),
      created: t,
      lastSeen: t,
    };
    this.sessions.set(hashId(id), session);
    return { id, session };
  }

  /** The live session for a cookie value (touching it, unless `touch` is false), or undefined. */
  get(id: string | undefined, touch = true): Session | undefined {
    if (id === undefined || !ID_PATTERN.test(id)) return undefined;
    const t = this.now();
    const key = hashId(id);
    const s = this.sessions.get(key);
    if (!s) return undefined;
    if (this.isOver(s, t)) {
      this.sessions.delete(key);
      return undefined;
    }
    if (touch) s.lastSeen = t;
    return s;
  }

  destroy(id: string | undefined): boolean {
    if (id === undefined || !ID_PATTERN.test(id)) return false;
    return this.sessions.delete(hashId(id));
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Seconds until a fresh session's absolute end (the cookie's Max-Age). */
  get maxAgeSeconds(): number {
    return Math.floor(this.policy.absoluteMs / 1000);
  }

  /** A new pre-login cookie value: random nonce and issue time. */
  newLoginNonce(): string {
    return `${randomBytes(24).toString("base64url")}.${this.now().toString(36)}`;
  }

  /** The token the login page carries for this pre-login cookie. */
  loginToken(nonce: string): string {
    return createHmac("sha256", this.loginKey).update(nonce).digest("base64url");
  }

  /** True when `token` belongs to the pre-login cookie `nonce` and the page is recent enough. */
  checkLoginToken(nonce: string | undefined, token: string | undefined): boolean {
    if (nonce === undefined || !/^[A-Za-z0-9_-]{32}\.[0-9a-z]{1,12}$/.test(nonce)) return false;
    const issued = Number.parseInt(nonce.split(".")[1], 36);
    const age = this.now() - issued;
    if (!(age >= 0 && age <= this.policy.loginTokenMs)) return false;
    return sameSecret(token, this.loginToken(nonce));
  }

  private isOver(s: Session, t: number): boolean {
    return t - s.lastSeen > this.policy.idleMs || t - s.created > this.policy.absoluteMs;
  }

  private expire(t: number): void {
    for (const [k, s] of this.sessions) if (this.isOver(s, t)) this.sessions.delete(k);
  }
}

/** Cookie name -> value from a Cookie header (first occurrence wins; at most 32 cookies read). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(";").slice(0, 32)) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}

/** A Set-Cookie value with the flags every dashboard cookie has. */
export function cookie(name: string, value: string, maxAgeSeconds: number): string {
  return `${name}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; Secure; SameSite=Strict`;
}
