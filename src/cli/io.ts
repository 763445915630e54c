// What a command sees of the outside world, injected so every command can run
// in-process in tests (clipanion style): output streams, environment, cwd, stdin.

export interface CommandIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Reads all of standard input (for -p/--xml-pipe and similar). */
  readStdin: () => Promise<string>;
}

/** A command: takes its arguments (without the program name), returns the exit status. */
export type Command = (argv: string[], io: CommandIO) => Promise<number>;

export function processIO(): CommandIO {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
  };
}

/** An IO that captures output, for tests. */
export function captureIO(
  opts: { env?: Record<string, string | undefined>; cwd?: string; stdin?: string } = {},
) {
  let out = "";
  let err = "";
  const io: CommandIO = {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
    env: opts.env ?? {},
    cwd: opts.cwd ?? process.cwd(),
    readStdin: async () => opts.stdin ?? "",
  };
  return {
    io,
    get stdout() {
      return out;
    },
    get stderr() {
      return err;
    },
  };
}
