/**
 * Fault points of the card runtime, for QA (docs/card-os.md "Fault points"). A card built with
 * `CardOptions.faults` asks `powerCut` at every write point of a state-changing command; when it answers
 * true the card loses power right there: what the runtime had not yet saved is lost (the command's
 * changes roll back exactly as after a real power cut), the session is gone, and `transmit` throws
 * `CardPowerLostError` instead of answering — the transport sees the card disappear.
 */

/** Where in a state-changing command the card is. */
export type WriteStage =
  /** a PIN or key try is about to be charged (saved) before the comparison */
  | 'try-counter'
  /** the command's changes are about to be saved (power lost here: the old state survives) */
  | 'commit'
  /** the changes are saved, the response not yet sent (power lost here: the new state, no answer) */
  | 'answer';

export interface FaultPoint {
  /** Ordinal (1-based) of the state-changing command on this card object: commands that reached a write point. */
  command: number;
  stage: WriteStage;
  /** The command APDU. */
  apdu: Uint8Array;
}

export interface FaultHooks {
  /** Asked at every write point; true cuts the power there. */
  powerCut?(point: FaultPoint): boolean;
}

/** The card lost power in the middle of a command (a fault point): it answers nothing. */
export class CardPowerLostError extends Error {
  override name = 'CardPowerLostError';
  constructor(readonly point: FaultPoint) {
    super(`card lost power at the ${point.stage} point of state-changing command ${point.command}`);
  }
}

/**
 * A hook that cuts the power once, in the `n`th state-changing command (1-based), at `stage`
 * (default `commit`: the command's changes are lost).
 */
export function powerCutAt(n: number, stage: WriteStage = 'commit'): FaultHooks {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`powerCutAt: n must be a positive integer, got ${n}`);
  let done = false;
  return {
    powerCut(point) {
      if (done || point.command !== n || point.stage !== stage) return false;
      done = true;
      return true;
    },
  };
}
