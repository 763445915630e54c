// Polling until a condition holds: for tests and tools that wait on real processes (a daemon's
// socket answering, a resource started). Each try may throw; the last error is named when the
// wait times out, so a failure says what was being waited for and what went wrong last.

/** A probe: a value (done), or undefined/false (not yet); may be async and may throw (not yet). */
export type Probe<T> = () => T | undefined | false | Promise<T | undefined | false>;

export async function waitFor<T>(what: string, probe: Probe<T>, ms = 20_000, stepMs = 100): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
}
