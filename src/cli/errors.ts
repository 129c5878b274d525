/**
 * Errors whose message is meant for the user as it is, and the exit codes of every command:
 * 0 success, 1 a failure (a file that cannot be read or written, a card image refused, a reader that
 * does not answer, a card in use), 2 a usage error (the command line itself is wrong).
 * `main` prints them as one line on stderr (output.ts `errorLine`), never with a stack trace.
 */

export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2 } as const;

/** An error whose message is meant for the user as it is (bad input, missing file, no reader). */
export class UserError extends Error {
  override name = 'UserError';
  constructor(
    message: string,
    /** Exit code: 2 (usage, the default) or 1 (failure). */
    readonly exitCode: number = EXIT.USAGE,
  ) {
    super(message);
  }
}

/** The command line is wrong (exit 2). */
export class UsageError extends UserError {
  override name = 'UsageError';
  constructor(message: string) {
    super(message, EXIT.USAGE);
  }
}

/** The command could not do its work (exit 1). */
export class FailureError extends UserError {
  override name = 'FailureError';
  constructor(message: string) {
    super(message, EXIT.FAILURE);
  }
}

/**
 * Ends the command with an exit code and no message of its own: what went wrong was already printed
 * (`sscard record` passes on the exit code of the command it recorded; `sscard pay` exits 3 when the
 * transaction was not approved).
 */
export class ExitCode extends Error {
  override name = 'ExitCode';
  constructor(readonly exitCode: number) {
    super(`exit code ${exitCode}`);
  }
}
