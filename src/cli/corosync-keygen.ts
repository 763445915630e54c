// corosync-keygen: writes a new random cluster key (authkey), mode 0400, like Corosync's tool:
// -k FILE (default $TANDEM_ROOT/etc/tandem/authkey), -s SIZE in bytes (128..4096, default 256),
// -r / -m / -l accepted for compatibility. An existing key is replaced, as the real tool does.

import { join, resolve } from "node:path";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { AUTHKEY_DEFAULT_SIZE, writeAuthkey } from "../transport/crypto.js";
import type { Command } from "./io.js";

const USAGE = `corosync-keygen [-k <keyfile>] [-s size] [-l] [-h]
     -k / --key-file=<filename> -  Write to the specified keyfile
            instead of the default $TANDEM_ROOT/etc/tandem/authkey.
     -r / --random-file -          Random number source file (ignored: the system CSPRNG is used).
     -s / --size -                 Length of key in bytes (128..4096, default 256).
     -l / --less-secure -          Not used, option is kept only
            for compatibility.
     -h / --help -                 Print basic usage.
`;

export const keygenCommand: Command = async (argv, io) => {
  const root = resolve(io.env.TANDEM_ROOT && io.env.TANDEM_ROOT !== "" ? io.env.TANDEM_ROOT : "/");
  let file = join(root, "etc/tandem/authkey");
  let size = AUTHKEY_DEFAULT_SIZE;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new TandemError(ErrorCodes.USAGE, `option ${a} needs a value`);
      return v;
    };
    if (a === "-h" || a === "--help") {
      io.stdout(USAGE);
      return 0;
    } else if (a === "-k" || a === "--key-file") file = resolve(io.cwd, value());
    else if (a.startsWith("--key-file=")) file = resolve(io.cwd, a.slice("--key-file=".length));
    else if (a === "-s" || a === "--size") {
      const v = value();
      if (!/^[0-9]+$/.test(v))
        throw new TandemError(ErrorCodes.USAGE, `key size must be a number of bytes: got '${v}'`);
      size = Number(v);
    } else if (a === "-r" || a === "-m" || a === "--random-file") value();
    else if (a === "-l" || a === "--less-secure") continue;
    else throw new TandemError(ErrorCodes.USAGE, `unknown option '${a}' (see corosync-keygen -h)`);
  }
  io.stdout("Corosync Cluster Engine Authentication key generator.\n");
  io.stdout(`Gathering ${size * 8} bits for key from /dev/urandom.\n`);
  writeAuthkey(file, size);
  io.stdout(`Writing corosync key to ${file}.\n`);
  return 0;
};
