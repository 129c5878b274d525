/** An error whose message is meant for the user as it is (bad input, missing file, no reader). */
export class UserError extends Error {
  override name = 'UserError';
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

/**
 * Ends a command with an exit code and no message (the command printed its result already): e.g.
 * `sscard pay` exits 3 when the transaction was not approved.
 */
export class ExitStatus extends Error {
  override name = 'ExitStatus';
  constructor(readonly exitCode: number) {
    super(`exit status ${exitCode}`);
  }
}
