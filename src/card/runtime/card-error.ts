/**
 * The one way a card handler fails: throw `CardError(sw)`. The runtime turns it into a response with
 * that status word. Anything else thrown out of a handler becomes 6F00 and its state changes are discarded.
 */
export class CardError extends Error {
  override name = 'CardError';
  /**
   * @param sw the status word to answer
   * @param options.keepChanges commit the state changes made before the failure (PIN try counters,
   *   blocking): a failed VERIFY must persist its decremented counter.
   */
  constructor(
    readonly sw: number,
    readonly options: { keepChanges?: boolean; data?: Uint8Array } = {},
  ) {
    super(`card status ${sw.toString(16).toUpperCase().padStart(4, '0')}`);
  }
}
