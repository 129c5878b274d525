/**
 * The pino root logger. Modules never create their own root: they take a `Logger` (usually a child)
 * from whoever built them.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export interface LogOptions {
  /** Minimum level: trace, debug, info, warn, error, fatal, silent. */
  level?: string;
  /**
   * Write JSON lines to this file instead of stderr. No directory is created (Node 20's recursive mkdir
   * spins forever on a path such as /proc/x/y); prefer `fd`: the CLI opens and checks files itself.
   */
  file?: string;
  /** Write JSON lines to this open file descriptor instead of stderr. */
  fd?: number;
  /** Human-readable output (default: when stderr is a terminal and no file is given). */
  pretty?: boolean;
  /** Include stack traces of logged errors (default true; the CLI keeps them for debug and trace). */
  stacks?: boolean;
}

/** An `err` serializer without the stack: type, message, code and the cause's message. */
function errWithoutStack(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const e = err as NodeJS.ErrnoException;
  return { type: e.name, message: e.message, ...(e.code ? { code: e.code } : {}), ...(e.cause instanceof Error ? { cause: e.cause.message } : {}) };
}

/** Creates the root logger for a process. */
export function createLogger(options: LogOptions = {}): Logger {
  const level = options.level ?? 'info';
  const base = { level, ...(options.stacks === false ? { serializers: { err: errWithoutStack } } : {}) };
  if (options.fd !== undefined) return pino(base, pino.destination({ fd: options.fd, sync: true }));
  if (options.file) {
    return pino(base, pino.destination({ dest: options.file, sync: true }));
  }
  const pretty = options.pretty ?? Boolean(process.stderr.isTTY);
  if (pretty) {
    return pino({
      ...base,
      transport: { target: 'pino-pretty', options: { destination: 2, colorize: Boolean(process.stderr.isTTY) } },
    });
  }
  return pino(base, pino.destination({ dest: 2, sync: true }));
}

/** A logger that discards everything (tests, library defaults). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
