// Prompts for user names and passwords: on the terminal when the command runs
// interactively (a secret answer is not echoed), otherwise one line per answer from
// standard input, so scripts and tests can pipe them in.

import { createInterface } from "node:readline";
import type { CommandIO } from "../cli/io.js";
import { ErrorCodes, TandemError } from "../core/errors.js";

/**
 * Reads the answers to the prompts: from the terminal when pcs runs interactively (the
 * password is not echoed), otherwise one line each from standard input.
 */
export async function promptAnswers(
  io: CommandIO,
  questions: { text: string; secret: boolean }[],
): Promise<string[]> {
  if (questions.length === 0) return [];
  const interactive = io.env === process.env && process.stdin.isTTY === true;
  if (!interactive) {
    const lines = (await io.readStdin()).split(/\r?\n/);
    return questions.map((q, i) => {
      const v = lines[i];
      if (v === undefined || v === "")
        throw new TandemError(
          ErrorCodes.USAGE,
          `${q.text.replace(/: $/, "")} is missing (not on standard input)`,
        );
      return v;
    });
  }
  const answers: string[] = [];
  for (const q of questions) {
    const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
    let muted = false;
    const out = rl as unknown as { _writeToOutput?: (s: string) => void; output: NodeJS.WritableStream };
    out._writeToOutput = (s: string) => {
      if (!muted || s.includes("\n")) process.stdout.write(muted ? "\n" : s);
    };
    const answer = await new Promise<string>((resolve) => {
      rl.question(q.text, resolve);
      muted = q.secret;
    });
    rl.close();
    answers.push(answer);
  }
  return answers;
}
