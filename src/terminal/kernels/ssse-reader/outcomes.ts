/**
 * What the social-security reader kernel reports. A card's answer — right, wrong or absurd — is always
 * an outcome (data); only a failure to reach the card or the PSAM (a `TransportError`) is thrown.
 *
 * Every outcome has an `outcome` field naming it. Two outcomes can end any step:
 * - {@link CardFault} (`card-error`): the card answered something the protocol does not allow at this
 *   step (an unexpected status word, a record of the wrong length, a response without a status word);
 * - {@link PsamRefusal} (`psam-error`): the PSAM refused a computation (its status word) or answered
 *   bytes of the wrong length.
 */
import { toHex } from '../../../apdu/bytes.js';
import { swHex } from '../../../apdu/status-word-table.js';

/** The card answered what the protocol does not allow at this step. */
export interface CardFault {
  outcome: 'card-error';
  /** The kernel step, e.g. "READ RECORD EF05 tag 01". */
  step: string;
  /** The command sent (hex), when there was one. */
  command?: string;
  /** The card's status word, when there was one. */
  sw?: number;
  /** What was wrong, in words. */
  detail: string;
}

/** The PSAM refused, or answered something unusable. */
export interface PsamRefusal {
  outcome: 'psam-error';
  operation: string;
  /** The PSAM's status word, when it gave one. */
  sw?: number;
  detail: string;
}

/** No PSAM was given, but the operation needs one. */
export interface PsamRequired {
  outcome: 'psam-required';
  detail: string;
}

/** An outcome that ends a flow early whatever the flow is. */
export type Interruption = CardFault | PsamRefusal | PsamRequired;

/** Whether a step result is an outcome that ends the flow (a fault, a PSAM refusal, a missing PSAM). */
export function isInterruption(x: unknown): x is Interruption {
  if (typeof x !== 'object' || x === null) return false;
  const o = (x as { outcome?: unknown }).outcome;
  return o === 'card-error' || o === 'psam-error' || o === 'psam-required';
}

/** A card fault for an unexpected status word. */
export function unexpectedSw(step: string, command: Uint8Array | string, sw: number, expected = 'success'): CardFault {
  return { outcome: 'card-error', step, command: typeof command === 'string' ? command : toHex(command), sw, detail: `the card answered ${swHex(sw)}, expected ${expected}` };
}

/** A card fault for a response with the wrong content. */
export function badResponse(step: string, command: Uint8Array | string, detail: string, sw?: number): CardFault {
  return { outcome: 'card-error', step, command: typeof command === 'string' ? command : toHex(command), ...(sw === undefined ? {} : { sw }), detail };
}

/** One line describing an interruption, for messages. */
export function describeInterruption(x: Interruption): string {
  switch (x.outcome) {
    case 'card-error':
      return `card error at ${x.step}: ${x.detail}${x.command ? ` (command ${x.command})` : ''}`;
    case 'psam-error':
      return `PSAM refused ${x.operation}: ${x.detail}`;
    case 'psam-required':
      return x.detail;
  }
}
