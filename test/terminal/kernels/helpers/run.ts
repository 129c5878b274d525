/**
 * Runs the kernels against a test card in the in-process reader, as the tests use them; and reads values
 * back out of a result's APDU trace (commands and answers as the card saw them).
 */
import { fromHex, toHex } from '../../../../src/apdu/bytes.js';
import { decodeTlv, findTag } from '../../../../src/apdu/tlv/ber-tlv.js';
import type { Transport, TransportLayer } from '../../../../src/apdu/transport.js';
import type { TerminalConfig } from '../../../../src/terminal/config/terminal-config.js';
import type { IssuerPort } from '../../../../src/terminal/hosts/issuer/issuer-port.js';
import { scriptedPinPad, type PaymentRequest, type PinPad } from '../../../../src/terminal/kernels/context.js';
import type { KernelResult, TraceEntry } from '../../../../src/terminal/kernels/outcome.js';
import { runPbocContact } from '../../../../src/terminal/kernels/pboc-contact/kernel.js';
import { runQpboc } from '../../../../src/terminal/kernels/qpboc/kernel.js';
import type { TornTransactionStore } from '../../../../src/terminal/kernels/qpboc/torn-transaction.js';
import type { RandomSource } from '../../../../src/env.js';
import type { TestCard } from './cards.js';
import { clock, constantRandom, terminalConfig } from './setup.js';

let counter = 0;

export interface RunOptions {
  amount: number;
  config?: TerminalConfig;
  issuer?: IssuerPort;
  /** PINs the cardholder enters, in order (default: the right one once). */
  pins?: string[];
  pinPad?: PinPad;
  random?: RandomSource;
  request?: Partial<PaymentRequest>;
  /** Layers around the card's transport (faults, card removal). */
  layer?: TransportLayer;
  torn?: TornTransactionStore;
}

function transportOf(t: Transport, layer?: TransportLayer): Transport {
  return layer ? layer(t) : t;
}

/** A contact purchase on a freshly inserted card. */
export async function payContact(card: TestCard, o: RunOptions): Promise<KernelResult> {
  const reader = card.reader();
  await reader.connect('contact');
  try {
    return await runPbocContact(
      transportOf(reader.transport, o.layer),
      { amount: o.amount, transactionId: `CT${++counter}`, ...o.request },
      {
        config: o.config ?? terminalConfig(),
        ...(o.issuer ? { issuer: o.issuer } : {}),
        pinPad: o.pinPad ?? scriptedPinPad(o.pins ?? ['123456']),
        clock,
        random: o.random ?? constantRandom(),
      },
    );
  } finally {
    await reader.disconnect();
  }
}

/** A qPBOC purchase on a card freshly put in the field. */
export async function payContactless(card: TestCard, o: RunOptions): Promise<KernelResult> {
  const reader = card.reader();
  await reader.connect('contactless');
  try {
    return await runQpboc(
      transportOf(reader.transport, o.layer),
      { amount: o.amount, transactionId: `CL${++counter}`, ...o.request },
      {
        config: o.config ?? terminalConfig(),
        ...(o.issuer ? { issuer: o.issuer } : {}),
        pinPad: o.pinPad ?? scriptedPinPad(o.pins ?? ['123456']),
        clock,
        random: o.random ?? constantRandom(),
        ...(o.torn ? { torn: o.torn } : {}),
      },
    );
  } finally {
    await reader.disconnect();
  }
}

/** The trace entries whose command starts with `prefix` (hex). */
export function commands(result: KernelResult, prefix: string): TraceEntry[] {
  return result.trace.filter((t) => t.command.startsWith(prefix));
}

/** The data field of a traced command APDU (after CLA INS P1 P2 Lc; the trailing Le dropped when `le`). */
export function commandData(entry: TraceEntry, le = true): Uint8Array {
  const bytes = fromHex(entry.command);
  const lc = bytes[4]!;
  const data = bytes.subarray(5, 5 + lc);
  if (!le && bytes.length !== 5 + lc) throw new Error('unexpected Le');
  return data;
}

/** The response data of a traced exchange (SW dropped). */
export function responseData(entry: TraceEntry): Uint8Array {
  const bytes = fromHex(entry.response);
  return bytes.subarray(0, bytes.length - 2);
}

/** A tag's value in a traced response (TLV). */
export function responseTag(entry: TraceEntry, tag: string): string | undefined {
  const hit = findTag(decodeTlv(responseData(entry)), tag);
  return hit ? toHex(hit.value) : undefined;
}

/** A transport layer that throws a TransportError at the n-th command matching `match` (before or after the card saw it). */
export { cardLeavesField } from './faults.js';
