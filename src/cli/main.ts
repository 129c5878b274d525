/**
 * The `sscard` command line. Each sub-command lives in its own module under src/cli/commands/ and
 * registers itself on the program; this file assembles them and turns every error into one line on
 * stderr with the exit code of errors.ts: 0 success, 1 failure, 2 usage (commander's own parse errors
 * included: they are printed by us, not by commander, so that they too are one escaped line).
 */
import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.js';
import { EXIT, ExitCode, UserError } from './errors.js';
import { addLoggingOptions } from './logging.js';
import { errorLine } from './output.js';
import { exitWhenDone } from './transport-options.js';

const EXIT_HELP = `
Exit codes: 0 success; 1 failure (a card file missing, refused, or in use by another process, a change
that could not be saved, a reader that does not answer); 2 usage (the command line is wrong);
3 (sscard pay) the transaction was not approved.
Errors are one line on stderr.`;

/** The command line of the command being run, for messages (`sscard card new`). */
function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Builds the program (exported for tests). `onCommand` learns which command is being parsed. */
export function buildProgram(onCommand: (cmd: Command) => void = () => {}): Command {
  const program = new Command('sscard')
    .description(
      "Simulator of China's third-generation social security card (第三代社会保障卡) and the terminal that drives it.",
    )
    .version('0.1.0')
    .configureHelp({ sortSubcommands: false })
    // Before the sub-commands are added, so that they inherit them: no process.exit() from inside, and
    // commander prints nothing on stderr (main prints every error as one line).
    .configureOutput({ writeErr: () => {}, outputError: () => {} })
    .exitOverride();
  addLoggingOptions(program);
  for (const register of commands) register(program);
  program.addHelpText('after', EXIT_HELP);
  const track = (cmd: Command) => {
    if (cmd.commands.length === 0) return;
    cmd.hook('preSubcommand', (_parent, sub) => onCommand(sub));
    cmd.commands.forEach(track);
  };
  track(program);
  return program;
}

/**
 * Makes a write past the file-size limit (`ulimit -f`) fail with EFBIG instead of killing the process
 * with SIGXFSZ: the save that hit the limit then fails cleanly and the card file keeps its old state.
 */
export function ignoreFileSizeSignal(): void {
  if (process.platform !== 'win32' && process.listenerCount('SIGXFSZ') === 0) process.on('SIGXFSZ', () => {});
}

/** The message of a commander parse error, as one of ours. */
function usageMessage(err: CommanderError, cmd: Command): string {
  const path = commandPath(cmd);
  if (err.code === 'commander.help') {
    const names = cmd.commands.map((c) => c.name()).filter((n) => n !== 'help');
    return `missing command after "${path}": ${names.join(', ')} (see ${path} --help)`;
  }
  return `${err.message.replace(/^error: /, '')} (see ${path} --help)`;
}

/**
 * A reader of our output that goes away (`sscard --help | head`, `sscard trace t.jsonl | less` quit early)
 * is not an error of ours: stop quietly, as a filter does, instead of dying with an EPIPE stack trace.
 */
function endQuietlyOnClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    // once per stream, however often `main` runs in one process (the CLI tests run it in-process)
    if (!stream.listeners('error').includes(exitOnClosedPipe)) stream.on('error', exitOnClosedPipe);
  }
}

function exitOnClosedPipe(err: NodeJS.ErrnoException): void {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
}

/** Runs the CLI; returns the process exit code. Never lets a stack trace reach the user. */
export async function main(argv: string[]): Promise<number> {
  ignoreFileSizeSignal();
  endQuietlyOnClosedOutput();
  let current: Command | undefined;
  const program = buildProgram((cmd) => {
    current = cmd;
  });
  const fail = (message: string, code: number) => {
    process.stderr.write(`sscard: ${errorLine(message)}\n`);
    return code;
  };
  try {
    await program.parseAsync(argv);
    return EXIT.OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.OK;
      return fail(usageMessage(err, current ?? program), EXIT.USAGE);
    }
    if (err instanceof ExitCode) return err.exitCode;
    if (err instanceof UserError) return fail(err.message, err.exitCode);
    if (process.env.SSCARD_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
    return fail(err instanceof Error ? err.message : String(err), EXIT.FAILURE);
  }
}

/**
 * The `sscard` command (bin/sscard.js): runs {@link main}, sets the exit code, and ends a process that a
 * native PC/SC call would keep alive once the command is done ({@link exitWhenDone}). Tests call `main`
 * in-process instead: nothing here may end their process.
 */
export async function runCommand(argv: string[]): Promise<void> {
  process.exitCode = await main(argv);
  exitWhenDone();
}

