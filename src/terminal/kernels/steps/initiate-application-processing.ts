/**
 * Initiate application processing (EMV 4.3 Book 3 §10.1; §6.5.8 GET PROCESSING OPTIONS; JR/T 0025.5 for
 * PBOC, JR/T 0025.12 §7.2 for qPBOC): the PDOL data built from the terminal's data (DF69 = 01 when the
 * terminal supports the SM algorithms), GPO `80 A8 00 00 Lc 83 L data 00`, and the answer in format 1
 * (`80 | AIP | AFL`) or format 2 (`77 { 82, 94, … }`). 6985 means "not this application" (the caller
 * goes back to final selection); any other refusal or a malformed answer ends the transaction.
 */
import { concat } from '../../../apdu/bytes.js';
import { CommandApdu } from '../../../apdu/command-apdu.js';
import { encodeLength, TlvError, type Tlv } from '../../../apdu/tlv/ber-tlv.js';
import { buildDolData, parseDol, type DolEntry } from '../../../apdu/tlv/dol.js';
import { CardAnswerError, parseCardTlv, swHex } from '../card-channel.js';
import type { KernelContext } from '../context.js';

/** One AFL entry (Book 3 §10.2): SFI, first and last record, how many of them (from the first) are signed for ODA. */
export interface AflEntry {
  sfi: number;
  first: number;
  last: number;
  odaCount: number;
}

export interface ProcessingOptions {
  format: 1 | 2;
  aip: Uint8Array;
  afl: AflEntry[];
  /** Format 2: the objects of the 77 template (qPBOC puts its cryptogram here). */
  template: Tlv[];
}

const SW_CONDITIONS_NOT_SATISFIED = 0x6985;

/** Parses a DOL of the card; a malformed one is a wrong card answer. */
export function cardDol(dol: Uint8Array, what: string): DolEntry[] {
  try {
    return parseDol(dol);
  } catch (err) {
    if (err instanceof TlvError) throw new CardAnswerError('CARD_DATA_INVALID', `${what}: ${err.message}`);
    throw err;
  }
}

/** Decodes an AFL strictly (Book 3 §10.2: SFI 1-30, 1 ≤ first ≤ last, ODA count ≤ records). */
export function parseAfl(bytes: Uint8Array): AflEntry[] {
  if (bytes.length === 0 || bytes.length % 4 !== 0) throw new CardAnswerError('CARD_DATA_INVALID', `AFL of ${bytes.length} bytes (a multiple of 4 is needed)`);
  const out: AflEntry[] = [];
  for (let i = 0; i < bytes.length; i += 4) {
    const [b0, first, last, odaCount] = [bytes[i]!, bytes[i + 1]!, bytes[i + 2]!, bytes[i + 3]!];
    const sfi = b0 >> 3;
    if ((b0 & 0x07) !== 0 || sfi < 1 || sfi > 30 || first < 1 || last < first || odaCount > last - first + 1) {
      throw new CardAnswerError('CARD_DATA_INVALID', `AFL entry ${i / 4 + 1} (${[b0, first, last, odaCount].map((b) => b.toString(16).padStart(2, '0')).join('')}) is not valid`);
    }
    out.push({ sfi, first, last, odaCount });
  }
  return out;
}

/** The PDOL-related data, wrapped in the command template 83. */
export function pdolCommandData(ctx: KernelContext, pdol: Uint8Array): Uint8Array {
  ctx.syncTvr();
  const data = pdol.length === 0 ? new Uint8Array(0) : buildDolData(cardDol(pdol, 'PDOL'), ctx.data.dolValues());
  return concat(Uint8Array.of(0x83), encodeLength(data.length), data);
}

/**
 * Sends GET PROCESSING OPTIONS. Returns `undefined` when the card answers 6985 (Book 3 §10.1: select
 * another application).
 * @param options.aflRequired format 2 must carry an AFL (contact); qPBOC online answers have none
 */
export async function initiateApplicationProcessing(
  ctx: KernelContext,
  pdol: Uint8Array,
  options: { aflRequired: boolean },
): Promise<ProcessingOptions | undefined> {
  const step = 'initiate application processing';
  const data = pdolCommandData(ctx, pdol);
  if (data.length > 255) throw new CardAnswerError('CARD_DATA_INVALID', `PDOL asks for ${data.length - 2} bytes`);
  const r = await ctx.channel.exchange(step, CommandApdu.of({ cla: 0x80, ins: 0xa8, p1: 0x00, p2: 0x00, data, ne: 256 }));
  // a qPBOC cryptogram covers the PDOL data (the contact kernel's GENERATE AC 1 freezes again, for CDOL1)
  if (pdol.length > 0) ctx.freezeCovered(cardDol(pdol, 'PDOL').map((e) => e.tag));
  if (r.sw === SW_CONDITIONS_NOT_SATISFIED) return undefined;
  if (!r.ok) throw new CardAnswerError('CARD_ERROR', `GET PROCESSING OPTIONS answered ${swHex(r.sw)}`);
  const nodes = parseCardTlv(r.data, 'GPO answer');
  const answer = nodes[0];
  if (!answer || nodes.length !== 1) throw new CardAnswerError('CARD_DATA_INVALID', 'GPO answer: one template 80 or 77 expected');
  if (answer.tag === '80') {
    const v = answer.value;
    if (v.length < 2 + 4) throw new CardAnswerError('CARD_DATA_INVALID', `GPO format 1 of ${v.length} bytes`);
    const aip = v.slice(0, 2);
    const afl = parseAfl(v.subarray(2));
    ctx.data.setCard('82', aip);
    ctx.data.setCard('94', v.slice(2));
    return { format: 1, aip, afl, template: [] };
  }
  if (answer.tag === '77') {
    const template = answer.children ?? [];
    ctx.data.addCardNodes(template, 'GPO answer', 'answer');
    const aip = template.find((n) => n.tag === '82')?.value;
    if (!aip || aip.length !== 2) throw new CardAnswerError('CARD_DATA_MISSING', 'GPO format 2 without an AIP (82) of 2 bytes');
    const aflBytes = template.find((n) => n.tag === '94')?.value;
    if (!aflBytes && options.aflRequired) throw new CardAnswerError('CARD_DATA_MISSING', 'GPO format 2 without an AFL (94)');
    return { format: 2, aip, afl: aflBytes ? parseAfl(aflBytes) : [], template };
  }
  throw new CardAnswerError('CARD_DATA_INVALID', `GPO answer template ${answer.tag} (80 or 77 expected)`);
}
