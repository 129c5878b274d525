/**
 * Logging options shared by every command: `--log-level`, `--log-file` (JSON lines) and `--pretty`
 * (human-readable; the default when stderr is a terminal). Logs go to stderr or the file, never stdout.
 */
import { Option, type Command } from 'commander';
import { createLogger, type Logger } from '../log.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** Adds the global logging options to the program. */
export function addLoggingOptions(program: Command): Command {
  return program
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('warn'))
    .option('--log-file <file>', 'write logs as JSON lines to this file instead of stderr')
    .option('--pretty', 'human-readable logs (default when stderr is a terminal)');
}

/** The root logger of a command, from its own and the global options. */
export function loggerFor(cmd: Command): Logger {
  const o = cmd.optsWithGlobals() as { logLevel?: string; logFile?: string; pretty?: boolean };
  return createLogger({ level: o.logLevel ?? 'warn', ...(o.logFile ? { file: o.logFile } : {}), ...(o.pretty ? { pretty: true } : {}) });
}
