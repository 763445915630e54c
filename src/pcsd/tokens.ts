// Server side of pcsd tokens: random 256-bit values handed to a client after a successful
// login. Only their SHA-256 is stored (var/lib/tandem/pcsd/tokens, 0600): a stolen file does
// not give a usable token. A token is valid on the node that issued it only.

import { createHash, randomBytes } from "node:crypto";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { readJsonIfExists, writeFileAtomic } from "./fsutil.js";

interface TokenRecord {
  sha256: string;
  user: string;
  created: string;
  from: string;
}

export function newToken(): string {
  return randomBytes(32).toString("hex");
}

function digest(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export class TokenStore {
  private records: TokenRecord[] = [];
  private readonly known = new Set<string>();
  /** Tokens valid only while this process runs (the local token), not written to disk. */
  private readonly ephemeral = new Set<string>();

  constructor(private readonly file: string) {
    const data = readJsonIfExists(file) as { tokens?: TokenRecord[] } | undefined;
    if (data !== undefined) {
      if (!Array.isArray(data.tokens)) throw new TandemError(ErrorCodes.IO, `${file}: no token list`);
      this.records = data.tokens.filter((r) => typeof r?.sha256 === "string");
      for (const r of this.records) this.known.add(r.sha256);
    }
  }

  /** Issues and stores a new token; returns it (the only time it exists in clear). */
  issue(user: string, from: string, now = new Date()): string {
    const token = newToken();
    const rec = { sha256: digest(token), user, created: now.toISOString(), from };
    this.records.push(rec);
    // Keep the file bounded: the oldest tokens go first (a re-auth renews them).
    if (this.records.length > 1000) this.records = this.records.slice(-1000);
    this.known.clear();
    for (const r of this.records) this.known.add(r.sha256);
    writeFileAtomic(this.file, `${JSON.stringify({ format: 1, tokens: this.records }, null, 1)}\n`, 0o600);
    return token;
  }

  addEphemeral(token: string): void {
    this.ephemeral.add(digest(token));
  }

  isValid(token: string | undefined): boolean {
    if (token === undefined || !/^[0-9a-f]{64}$/.test(token)) return false;
    const d = digest(token);
    return this.known.has(d) || this.ephemeral.has(d);
  }
}
