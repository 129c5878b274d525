/**
 * Read application data (EMV 4.3 Book 3 §10.2): READ RECORD `00 B2 rr (SFI<<3 | 4) 00` for every record
 * the AFL names; each record must be a 70 template; its primitive data objects join the transaction
 * data (a duplicate is a wrong answer). The records the AFL marks for offline data authentication are
 * collected as the static data to authenticate (Book 3 §10.3): for SFI 1-10 the value of the 70
 * template, for SFI 11-30 the whole record; then the values of the tags of the SDA tag list 9F4A (only
 * the AIP 82 may be listed).
 */
import { concat } from '../../../apdu/bytes.js';
import { CommandApdu } from '../../../apdu/command-apdu.js';
import { readLength } from '../../../apdu/tlv/ber-tlv.js';
import { CardAnswerError, parseCardTlv } from '../card-channel.js';
import type { KernelContext } from '../context.js';
import type { AflEntry } from './initiate-application-processing.js';

/** What reading the records gave for ODA. */
export interface ApplicationData {
  /** Static data to be authenticated (records marked for ODA ‖ 9F4A values); undefined when a marked record was not a valid 70 template for ODA. */
  staticData: Uint8Array | undefined;
  /** Why the static data could not be built (SDA/DDA then fail, §10.3). */
  staticDataProblem?: string;
}

/** READ RECORD command. */
export function readRecordCommand(sfi: number, record: number): CommandApdu {
  return CommandApdu.of({ cla: 0x00, ins: 0xb2, p1: record, p2: (sfi << 3) | 0x04, ne: 256 });
}

/** Data objects the contact kernel needs from the records (Book 3 §10.2). */
export const CONTACT_MANDATORY_DATA = ['5F24', '5A', '8C', '8D'] as const;

/**
 * Reads every record of the AFL.
 * @param mandatory data objects that must be present afterwards (else the transaction ends)
 */
export async function readApplicationData(
  ctx: KernelContext,
  afl: readonly AflEntry[],
  aip: Uint8Array,
  mandatory: readonly string[] = CONTACT_MANDATORY_DATA,
): Promise<ApplicationData> {
  const step = 'read application data';
  const odaParts: Uint8Array[] = [];
  for (const entry of afl) {
    for (let record = entry.first; record <= entry.last; record++) {
      const data = await ctx.channel.expectOk(step, readRecordCommand(entry.sfi, record));
      const where = `record ${record} of SFI ${entry.sfi}`;
      const nodes = parseCardTlv(data, where, { expect: '70' });
      ctx.data.addCardNodes(nodes[0]!.children ?? [], where, 'record');
      if (record - entry.first < entry.odaCount) {
        // SFI 1-10: the value of the 70 template only; SFI 11-30: the whole record (tag, length, value)
        const { next } = readLength(data, 1);
        odaParts.push(entry.sfi <= 10 ? data.subarray(next) : data);
      }
    }
  }
  for (const tag of mandatory) {
    if (!ctx.data.hasCard(tag)) throw new CardAnswerError('CARD_DATA_MISSING', `mandatory data object ${tag} not given by the card (Book 3 §10.2)`);
  }
  const tagList = ctx.data.card('9F4A');
  if (tagList && !(tagList.length === 1 && tagList[0] === 0x82)) {
    return { staticData: undefined, staticDataProblem: 'the SDA tag list 9F4A names something else than the AIP (82)' };
  }
  return { staticData: concat(...odaParts, tagList ? aip : new Uint8Array(0)) };
}
