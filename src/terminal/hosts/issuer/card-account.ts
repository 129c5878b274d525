/**
 * What the bank needs from a card to open its account, read through any `CardReader` (the simulated
 * card or a card in a PC/SC reader), without starting a transaction (no GET PROCESSING OPTIONS, so the
 * ATC does not move):
 * 1. SELECT the debit application `A000000333010101` (EMV 4.3 Book 1 §11.3; src/spec/pboc.ts PBOC_AIDS);
 * 2. READ RECORD (Book 3 §6.5.11) of SFIs 1 to 10, records 1 up to the first error, until the PAN 5A is
 *    found — with its sequence number 5F34 and the cardholder name 5F20 when the card has them;
 * 3. GET DATA (JR/T 0025.5) 9F79 EC balance and 9F77 EC balance limit, when the card answers them.
 */
import { fromHex, toHex } from '../../../apdu/bytes.js';
import { CommandApdu } from '../../../apdu/command-apdu.js';
import { ResponseApdu } from '../../../apdu/response-apdu.js';
import { decodeTlv, findTag, TlvError, type Tlv } from '../../../apdu/tlv/ber-tlv.js';
import { PBOC_AIDS } from '../../../spec/pboc.js';
import type { CardReader } from '../../reader.js';
import { bcdValue, Field55Error } from './field55.js';

/** What the card told. */
export interface CardAccountData {
  pan: string;
  panSequence: string;
  holder?: string;
  ecBalance?: number;
  ecBalanceLimit?: number;
}

/** A card that does not give what the bank needs (no debit application, no PAN …). */
export class CardAccountError extends Error {
  override name = 'CardAccountError';
}

async function exchange(reader: CardReader, command: CommandApdu): Promise<ResponseApdu> {
  return ResponseApdu.parse(await reader.transport.transmit(command.encode()));
}

function tlvOrUndefined(data: Uint8Array): Tlv[] | undefined {
  try {
    return decodeTlv(data, { padding: true });
  } catch (err) {
    if (err instanceof TlvError) return undefined;
    throw err;
  }
}

/** Reads PAN, PSN, holder name and EC figures from a connected card. */
export async function readCardAccountData(reader: CardReader): Promise<CardAccountData> {
  const aid = fromHex(PBOC_AIDS.debit);
  const select = await exchange(reader, CommandApdu.of({ cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: aid, ne: 256 }));
  if (select.sw !== 0x9000 && select.sw !== 0x6283) {
    throw new CardAccountError(`the card has no debit application ${PBOC_AIDS.debit} (SELECT answered ${select.sw.toString(16).toUpperCase()})`);
  }
  const found: Record<string, Uint8Array> = {};
  for (let sfi = 1; sfi <= 10 && !found['5A']; sfi++) {
    for (let record = 1; record <= 16; record++) {
      const r = await exchange(reader, CommandApdu.of({ cla: 0x00, ins: 0xb2, p1: record, p2: (sfi << 3) | 4, ne: 256 }));
      if (r.sw !== 0x9000) break;
      const nodes = tlvOrUndefined(r.data);
      if (!nodes) continue;
      for (const tag of ['5A', '5F34', '5F20']) {
        const n = findTag(nodes, tag);
        if (n && !found[tag]) found[tag] = n.value;
      }
    }
  }
  if (!found['5A']) throw new CardAccountError('the card shows no PAN (5A) in the records of SFIs 1 to 10');
  const pan = toHex(found['5A']).replace(/F+$/, '');
  if (!/^[0-9]{12,19}$/.test(pan)) throw new CardAccountError(`the card's PAN ${toHex(found['5A'])} is not 12 to 19 digits`);
  const out: CardAccountData = { pan, panSequence: found['5F34'] ? toHex(found['5F34']).padStart(2, '0') : '00' };
  if (found['5F20']) out.holder = new TextDecoder('latin1').decode(found['5F20']).trim();
  for (const [tag, key] of [['9F79', 'ecBalance'], ['9F77', 'ecBalanceLimit']] as const) {
    const t = fromHex(tag);
    const r = await exchange(reader, CommandApdu.of({ cla: 0x80, ins: 0xca, p1: t[0]!, p2: t[1]!, ne: 256 }));
    if (r.sw !== 0x9000) continue;
    const v = findTag(tlvOrUndefined(r.data) ?? [], tag)?.value;
    if (!v || v.length !== 6) continue;
    try {
      out[key] = bcdValue(v, tag);
    } catch (err) {
      if (err instanceof Field55Error) throw new CardAccountError(`the card's ${tag} is not an amount: ${err.message}`);
      throw err;
    }
  }
  return out;
}
