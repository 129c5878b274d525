/**
 * GENERATE AC (EMV 4.3 Book 3 §6.5.5): `80 AE P1 00 Lc CDOL-data 00` with P1 = the cryptogram asked for
 * (00 AAC, 40 TC, 80 ARQC; CDA is not asked for), and its answer in format 1 (`80 | CID | ATC | AC |
 * IAD`) or format 2 (`77 { 9F27, 9F36, 9F26, [9F10] }`). The card may answer the cryptogram asked for or
 * a more cautious one (§6.5.5.4: a TC request may give TC, ARQC or AAC; an ARQC request ARQC or AAC; an
 * AAC request only AAC); anything else, or an RFU type, is a wrong answer.
 */
import { readUintBE, toHex } from '../../../apdu/bytes.js';
import { CommandApdu } from '../../../apdu/command-apdu.js';
import { buildDolData } from '../../../apdu/tlv/dol.js';
import { CID, type CryptogramType } from '../../../spec/pboc.js';
import { CardAnswerError, parseCardTlv, swHex } from '../card-channel.js';
import type { KernelContext } from '../context.js';
import type { CryptogramRecord } from '../outcome.js';
import { cardDol } from './initiate-application-processing.js';

/** Caution order of §6.5.5.4: the card may answer the type asked for or one with a lower rank. */
const RANK: Record<CryptogramType, number> = { AAC: 0, ARQC: 1, TC: 2 };

/** The cryptogram type of a CID (b8-b7); undefined for the RFU value 11. */
export function cryptogramTypeOf(cid: number): CryptogramType | undefined {
  return (Object.keys(CID) as CryptogramType[]).find((t) => CID[t] === (cid & 0xc0));
}

/** Sends GENERATE AC with the data of `dolTag` (8C or 8D) and decodes the answer. */
export async function generateAc(ctx: KernelContext, which: 1 | 2, requested: CryptogramType): Promise<CryptogramRecord> {
  const step = which === 1 ? 'first GENERATE AC' : 'second GENERATE AC';
  ctx.syncTvr();
  const dol = cardDol(ctx.data.card(which === 1 ? '8C' : '8D') ?? new Uint8Array(0), which === 1 ? 'CDOL1' : 'CDOL2');
  const data = buildDolData(dol, ctx.data.dolValues());
  if (data.length === 0 || data.length > 255) throw new CardAnswerError('CARD_DATA_INVALID', `${step}: the CDOL asks for ${data.length} bytes`);
  const r = await ctx.channel.exchange(step, CommandApdu.of({ cla: 0x80, ins: 0xae, p1: CID[requested], p2: 0x00, data, ne: 256 }));
  if (which === 1) ctx.freezeCovered(dol.map((e) => e.tag));
  if (!r.ok) throw new CardAnswerError('CARD_ERROR', `${step} answered ${swHex(r.sw)}`);
  const nodes = parseCardTlv(r.data, `${step} answer`);
  const answer = nodes[0];
  if (!answer || nodes.length !== 1) throw new CardAnswerError('CARD_DATA_INVALID', `${step} answer: one template 80 or 77 expected`);
  let cid: Uint8Array | undefined;
  let atc: Uint8Array | undefined;
  let ac: Uint8Array | undefined;
  let iad: Uint8Array | undefined;
  if (answer.tag === '80') {
    const v = answer.value;
    if (v.length < 11 || v.length > 11 + 32) throw new CardAnswerError('CARD_DATA_INVALID', `${step} format 1 of ${v.length} bytes`);
    [cid, atc, ac] = [v.slice(0, 1), v.slice(1, 3), v.slice(3, 11)];
    iad = v.length > 11 ? v.slice(11) : undefined;
  } else if (answer.tag === '77') {
    const t = answer.children ?? [];
    ctx.data.addCardNodes(t, `${step} answer`, 'answer');
    cid = t.find((n) => n.tag === '9F27')?.value;
    atc = t.find((n) => n.tag === '9F36')?.value;
    ac = t.find((n) => n.tag === '9F26')?.value;
    iad = t.find((n) => n.tag === '9F10')?.value;
  } else throw new CardAnswerError('CARD_DATA_INVALID', `${step} answer template ${answer.tag} (80 or 77 expected)`);
  if (!cid || cid.length !== 1 || !atc || atc.length !== 2 || !ac || ac.length !== 8) {
    throw new CardAnswerError('CARD_DATA_MISSING', `${step} answer without a valid CID, ATC and cryptogram`);
  }
  const type = cryptogramTypeOf(cid[0]!);
  if (!type) throw new CardAnswerError('CARD_DATA_INVALID', `${step}: CID ${toHex(cid)} is an RFU cryptogram type`);
  if (RANK[type] > RANK[requested]) throw new CardAnswerError('CARD_DATA_INVALID', `${step}: the card answered ${type} where ${requested} was asked for`);
  if (iad && iad.length > 32) throw new CardAnswerError('CARD_DATA_INVALID', `${step}: IAD of ${iad.length} bytes`);
  ctx.data.setCard('9F27', cid);
  ctx.data.setCard('9F36', atc);
  ctx.data.setCard('9F26', ac);
  if (iad) ctx.data.setCard('9F10', iad);
  const record: CryptogramRecord = {
    source: which === 1 ? 'GENERATE AC 1' : 'GENERATE AC 2',
    requested,
    type,
    cid: toHex(cid),
    cryptogram: toHex(ac),
    ...(iad ? { iad: toHex(iad) } : {}),
    atc: readUintBE(atc, 0, 2),
  };
  ctx.cryptograms.push(record);
  return record;
}
