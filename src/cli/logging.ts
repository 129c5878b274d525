/**
 * Logging options shared by every command: `--log-level`, `--log-file` (JSON lines) and `--pretty`
 * (human-readable; the default when stderr is a terminal). Logs go to stderr or the file, never stdout.
 * The log file is opened when the command starts (output-files.ts): an unusable path fails at once,
 * and a card file of the command is refused.
 */
import { Option, type Command } from 'commander';
import { createLogger, type Logger } from '../log.js';
import { openOutputFile } from './output-files.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** Adds the global logging options to the program. */
export function addLoggingOptions(program: Command): Command {
  return program
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('warn'))
    .option('--log-file <file>', 'write logs as JSON lines to this file instead of stderr')
    .option('--pretty', 'human-readable logs (default when stderr is a terminal)');
}

/** The card image files a command's options name (`--card`, repeated or not, and `--out`). */
export function cardFilesOf(options: { card?: string | string[]; out?: string }): string[] {
  const cards = options.card === undefined ? [] : Array.isArray(options.card) ? options.card : [options.card];
  return [...cards, ...(options.out ? [options.out] : [])];
}

/** The root logger of a command, from its own and the global options. */
export function loggerFor(cmd: Command): Logger {
  const o = cmd.optsWithGlobals() as { logLevel?: string; logFile?: string; pretty?: boolean; card?: string | string[]; out?: string };
  const level = o.logLevel ?? 'warn';
  // Stack traces only when asked for (debug, trace): an error is otherwise one JSON line.
  const stacks = level === 'debug' || level === 'trace';
  if (o.logFile) return createLogger({ level, stacks, fd: openOutputFile(o.logFile, '--log-file', cardFilesOf(o)) });
  return createLogger({ level, stacks, ...(o.pretty ? { pretty: true } : {}) });
}
