// `tandem passwd hacluster [--root DIR]`: sets the password pcsd checks logins against
// (scrypt hash in var/lib/tandem/pcsd/passwd, 0600). Asks twice on a terminal; otherwise
// reads the password from the first line of standard input (a second line, if given, must
// match), so scripts can do `echo PW | tandem passwd hacluster`.

import { resolve } from "node:path";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { PCSD_USER, setPassword } from "../pcsd/password.js";
import { pcsdPaths, rootFrom } from "../pcsd/paths.js";
import { promptAnswers } from "../pcsd/prompt.js";
import type { Command } from "./io.js";

export const passwdCommand: Command = async (argv, io) => {
  let root = rootFrom(io.env);
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-h" || a === "--help") {
      io.stdout(
        "Usage: tandem passwd hacluster [--root DIR]\nSets the password of the pcsd user hacluster.\n",
      );
      return 0;
    }
    if (a === "--root" || a.startsWith("--root=")) {
      const v = a.includes("=") ? a.slice(7) : argv[++i];
      if (v === undefined)
        throw new TandemError(ErrorCodes.USAGE, "option --root needs a value", { exitCode: 2 });
      root = resolve(io.cwd, v);
    } else if (a.startsWith("-"))
      throw new TandemError(ErrorCodes.USAGE, `unknown option '${a}'`, { exitCode: 2 });
    else words.push(a);
  }
  if (words.length !== 1)
    throw new TandemError(ErrorCodes.USAGE, "usage: tandem passwd hacluster [--root DIR]", { exitCode: 2 });
  const user = words[0];
  if (user !== PCSD_USER)
    throw new TandemError(ErrorCodes.USAGE, `only the user '${PCSD_USER}' is used by pcsd: got '${user}'`);
  const interactive = io.env === process.env && process.stdin.isTTY === true;
  let pw: string;
  if (interactive) {
    const [a, b] = await promptAnswers(io, [
      { text: "New password: ", secret: true },
      { text: "Retype new password: ", secret: true },
    ]);
    if (a !== b) throw new TandemError(ErrorCodes.USAGE, "Sorry, passwords do not match.");
    pw = a;
  } else {
    const lines = (await io.readStdin()).split(/\r?\n/);
    pw = lines[0] ?? "";
    if (lines[1] !== undefined && lines[1] !== "" && lines[1] !== pw)
      throw new TandemError(ErrorCodes.USAGE, "Sorry, passwords do not match.");
  }
  await setPassword(pcsdPaths(root).passwd, user, pw);
  io.stdout("passwd: password updated successfully\n");
  return 0;
};
