// Small file helpers for pcsd: atomic writes with an explicit mode (temp file in the same
// directory, fsync, rename), so a secret is never readable by others even for an instant and
// a reader never sees half a file.

import { randomBytes } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { ErrorCodes, TandemError } from "../core/errors.js";

/**
 * Writes `data` to `file` atomically with permission bits `mode` (e.g. 0o600). Missing
 * directories are created 0700 for a private file, 0755 otherwise.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, mode: number): void {
  const dir = dirname(file);
  try {
    mkdirSync(dir, { recursive: true, mode: (mode & 0o077) === 0 ? 0o700 : 0o755 });
    const tmp = join(dir, `.${basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
    const fd = openSync(tmp, "wx", mode);
    try {
      const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      renameSync(tmp, file);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
  } catch (e) {
    if (e instanceof TandemError) throw e;
    throw new TandemError(ErrorCodes.IO, `cannot write ${file}: ${(e as Error).message}`, { cause: e });
  }
}

/** Reads a file, or returns undefined when it does not exist. Other errors are reported. */
export function readFileIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new TandemError(ErrorCodes.IO, `cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
}

/** Reads a JSON file written by tandem; a corrupt file is an error naming the file. */
export function readJsonIfExists(file: string): unknown {
  const text = readFileIfExists(file);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new TandemError(ErrorCodes.IO, `${file} is not valid JSON`);
  }
}
