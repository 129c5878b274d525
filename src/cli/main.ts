/**
 * The `sscard` command line. Each sub-command lives in its own module under src/cli/commands/ and
 * registers itself on the program; this file only assembles them and turns errors into messages.
 */
import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.js';
import { ExitStatus, UserError } from './errors.js';
import { addLoggingOptions } from './logging.js';

/** Builds the program (exported for tests). */
export function buildProgram(): Command {
  const program = new Command('sscard')
    .description(
      "Simulator of China's third-generation social security card (第三代社会保障卡) and the terminal that drives it.",
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: false })
    // before the sub-commands are added, so that they inherit it: no process.exit() from inside
    .exitOverride();
  addLoggingOptions(program);
  for (const register of commands) register(program);
  return program;
}

/** Runs the CLI; returns the process exit code. Never lets a stack trace reach the user. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode;
    }
    if (err instanceof ExitStatus) return err.exitCode;
    if (err instanceof UserError) {
      process.stderr.write(`sscard: ${err.message}\n`);
      return err.exitCode;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`sscard: ${message}\n`);
    if (process.env.SSCARD_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
    return 1;
  }
}
