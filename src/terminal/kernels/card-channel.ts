/**
 * The kernels' side of the card conversation: `CommandApdu` in, `ResponseApdu` out, every exchange
 * recorded with the step that sent it (the transaction's trace). A transport failure propagates as the
 * `TransportError` it is; a response without a status word is a wrong card answer
 * ({@link CardAnswerError}).
 */
import { toHex } from '../../apdu/bytes.js';
import type { CommandApdu } from '../../apdu/command-apdu.js';
import { ApduFormatError } from '../../apdu/command-apdu.js';
import { ResponseApdu } from '../../apdu/response-apdu.js';
import type { Transport } from '../../apdu/transport.js';
import { decodeTlv, TlvError, type Tlv } from '../../apdu/tlv/ber-tlv.js';
import type { Logger } from '../../log.js';
import { reason, type Outcome, type OutcomeReason, type ReasonCode, type TraceEntry } from './outcome.js';

/**
 * A step that ends the transaction with an outcome (a decline, "try another interface", a termination)
 * throws this; the kernel returns the outcome at its boundary. Nothing else is caught there.
 */
export class KernelStop extends Error {
  override name = 'KernelStop';
  constructor(
    readonly outcome: Exclude<Outcome, 'APPROVED'>,
    readonly reason: OutcomeReason,
  ) {
    super(`${outcome}: ${reason.code}${reason.detail ? ` (${reason.detail})` : ''}`);
  }
}

/**
 * A wrong answer of the card (a status word where none is allowed, malformed data, missing mandatory
 * data): the transaction is `TERMINATED` with the reason.
 */
export class CardAnswerError extends KernelStop {
  override name = 'CardAnswerError';
  constructor(code: ReasonCode, detail: string) {
    super('TERMINATED', reason(code, detail));
  }
}

/** Status word as 4 hex digits. */
export function swHex(sw: number): string {
  return sw.toString(16).toUpperCase().padStart(4, '0');
}

export class CardChannel {
  readonly trace: TraceEntry[] = [];

  constructor(
    readonly transport: Transport,
    readonly log?: Logger,
  ) {}

  /** Sends one command for `step`; returns the card's response (any status word). */
  async exchange(step: string, command: CommandApdu): Promise<ResponseApdu> {
    const bytes = command.encode();
    const raw = await this.transport.transmit(bytes);
    let response: ResponseApdu;
    try {
      response = ResponseApdu.parse(raw);
    } catch (err) {
      this.trace.push({ step, command: toHex(bytes), response: toHex(raw), sw: '' });
      if (err instanceof ApduFormatError) throw new CardAnswerError('CARD_DATA_INVALID', `${step}: ${err.message}`);
      throw err;
    }
    const entry = { step, command: toHex(bytes), response: toHex(raw), sw: swHex(response.sw) };
    this.trace.push(entry);
    this.log?.debug(entry, 'apdu');
    return response;
  }

  /** Like `exchange`, but a status word other than 9000 is a wrong card answer (`code`). */
  async expectOk(step: string, command: CommandApdu, code: ReasonCode = 'CARD_ERROR'): Promise<Uint8Array> {
    const response = await this.exchange(step, command);
    if (!response.ok) throw new CardAnswerError(code, `${step}: status word ${swHex(response.sw)}`);
    return response.data;
  }
}

/**
 * Decodes card TLV strictly (src/apdu/tlv/ber-tlv.ts); a decoding error is a wrong card answer.
 * @param expect when given, the answer must be exactly one object with this tag
 */
export function parseCardTlv(bytes: Uint8Array, where: string, options: { expect?: string; padding?: boolean } = {}): Tlv[] {
  let nodes: Tlv[];
  try {
    nodes = decodeTlv(bytes, { padding: options.padding ?? false });
  } catch (err) {
    if (err instanceof TlvError) throw new CardAnswerError('CARD_DATA_INVALID', `${where}: ${err.message}`);
    throw err;
  }
  if (options.expect !== undefined && (nodes.length !== 1 || nodes[0]!.tag !== options.expect)) {
    throw new CardAnswerError('CARD_DATA_INVALID', `${where}: expected one ${options.expect} template, got ${nodes.map((n) => n.tag).join(' ') || 'nothing'}`);
  }
  return nodes;
}
