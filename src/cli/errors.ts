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
