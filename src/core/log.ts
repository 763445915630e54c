// Minimal structured logger: one line per event, level filter, injectable sink.
// Daemons log to a file under var/log/tandem/; tests capture lines in memory.

export type LogLevel = "trace" | "debug" | "info" | "notice" | "warning" | "error" | "crit";
const ORDER: Record<LogLevel, number> = {
  trace: 0,
  debug: 1,
  info: 2,
  notice: 3,
  warning: 4,
  error: 5,
  crit: 6,
};

export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
  child(subsystem: string): Logger;
}

export type LogSink = (line: string) => void;

export function createLogger(opts: {
  sink?: LogSink;
  level?: LogLevel;
  subsystem?: string;
  now?: () => Date;
}): Logger {
  const sink = opts.sink ?? ((l: string) => process.stderr.write(`${l}\n`));
  const min = ORDER[opts.level ?? "info"];
  const now = opts.now ?? (() => new Date());
  const make = (subsystem: string): Logger => ({
    log(level, msg, fields) {
      if (ORDER[level] < min) return;
      let line = `${now().toISOString()} ${subsystem} ${level}: ${msg}`;
      if (fields && Object.keys(fields).length > 0) line += ` ${JSON.stringify(fields)}`;
      sink(line);
    },
    child(sub) {
      return make(subsystem ? `${subsystem}/${sub}` : sub);
    },
  });
  return make(opts.subsystem ?? "tandem");
}

/** A logger that drops everything (for pure tests). */
export const nullLogger: Logger = { log() {}, child: () => nullLogger };
