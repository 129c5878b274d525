/**
 * The pino root logger. Modules never create their own root: they take a `Logger` (usually a child)
 * from whoever built them.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export interface LogOptions {
  /** Minimum level: trace, debug, info, warn, error, fatal, silent. */
  level?: string;
  /** Write JSON lines to this file instead of stderr. */
  file?: string;
  /** Human-readable output (default: when stderr is a terminal and no file is given). */
  pretty?: boolean;
}

/** Creates the root logger for a process. */
export function createLogger(options: LogOptions = {}): Logger {
  const level = options.level ?? 'info';
  if (options.file) {
    return pino({ level }, pino.destination({ dest: options.file, sync: true, mkdir: true }));
  }
  const pretty = options.pretty ?? Boolean(process.stderr.isTTY);
  if (pretty) {
    return pino({
      level,
      transport: { target: 'pino-pretty', options: { destination: 2, colorize: Boolean(process.stderr.isTTY) } },
    });
  }
  return pino({ level }, pino.destination({ dest: 2, sync: true }));
}

/** A logger that discards everything (tests, library defaults). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
