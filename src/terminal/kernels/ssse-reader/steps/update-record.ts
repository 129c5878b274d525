/**
 * Writing a data item (LD/T 32.5 UPDATE RECORD with secure messaging; LD/T 32.7 §5.4: external
 * authentication before protected writes; DOMAIN.md §1.3 observed writes, §1.4 secure-messaging MAC):
 *
 * 1. EXTERNAL AUTHENTICATE with the write key UK of the file's DF (external-auth.ts);
 * 2. GET CHALLENGE → R (8 bytes);
 * 3. `04 DC <tag> <SFI‖000> Lc record ‖ MAC`, the record `tag len value` as the observed writes
 *    (`00DC0528060504<YYYYMMDD>`), MAC over `04 DC P1 P2 Lc ‖ record` under the session key E_UK(R),
 *    computed by the PSAM;
 * 4. the record read back and compared (a protected file after EXTERNAL AUTHENTICATE with its RK).
 *
 * The caller selects the DF that holds the file.
 */
import { bytesEqual, concat } from '../../../../apdu/bytes.js';
import { CommandApdu } from '../../../../apdu/command-apdu.js';
import { SW } from '../../../../apdu/status-words.js';
import { describeSw } from '../../../../apdu/status-word-table.js';
import { encodeItemRecord, itemByKey, type ItemFile } from '../../../../spec/ssse/data-items.js';
import { ITEM_FILE_LOCATIONS, READ_RECORD_MODE, recordP2 } from '../../../../spec/ssse/files.js';
import type { KeyedDf } from '../../../../spec/ssse/identifiers.js';
import { diversificationOf, openPsam, psamBytes, psamCall, send, type KernelContext } from '../context.js';
import { badResponse, isInterruption, unexpectedSw, type Interruption } from '../outcomes.js';
import { externalAuthenticate, getChallenge, type ExternalAuthOutcome } from './external-auth.js';
import { readItemFile } from './records.js';

export type WriteOutcome =
  | { outcome: 'written'; file: ItemFile; key: string; value: string }
  | Exclude<ExternalAuthOutcome, { outcome: 'authenticated' }>
  /** The card refused the write (6988 MAC wrong, 6982 not authenticated, 6A83 no such record…). */
  | { outcome: 'refused'; sw: number; detail: string }
  | Interruption;

/** The DF whose keys protect a data-item file. */
export function keyedDfOf(file: ItemFile): KeyedDf {
  return ITEM_FILE_LOCATIONS[file].df ?? 'SSSE';
}

const SM_CLA = 0x04;
const MAC_LENGTH = 4;

/**
 * Writes one data item (by its key in the data-item table) in the current DF.
 * @throws RangeError when `value` does not fit the item (the caller's input, not the card's answer)
 */
export async function updateItem(ctx: KernelContext, file: ItemFile, key: string, value: string): Promise<WriteOutcome> {
  const item = itemByKey(key);
  if (item.file !== file) throw new RangeError(`updateItem: ${key} is not an item of ${file}`);
  const record = encodeItemRecord(item, value);
  const df = keyedDfOf(file);
  const psam = await openPsam(ctx);
  if (isInterruption(psam)) return psam;

  const auth = await externalAuthenticate(ctx, df, 'UK');
  if (auth.outcome !== 'authenticated') return auth;

  const card = diversificationOf(ctx);
  if (!card) return { outcome: 'psam-required', detail: 'writing needs the card check first (EF05 and the ATR historical bytes)' };
  const random = await getChallenge(ctx);
  if (isInterruption(random)) return random;
  const p1 = item.tag;
  const p2 = recordP2(ITEM_FILE_LOCATIONS[file].sfi, READ_RECORD_MODE.firstWithIdentifier);
  const macInput = concat(Uint8Array.of(SM_CLA, 0xdc, p1, p2, record.length + MAC_LENGTH), record);
  const mac = await psamCall(ctx, 'UPDATE RECORD MAC', () => psam.port.secureMessagingMac(card, { df, kind: 'UK' }, random, macInput));
  if (isInterruption(mac)) return mac;
  const checked = psamBytes('UPDATE RECORD MAC', mac, MAC_LENGTH);
  if (isInterruption(checked)) return checked;

  const step = `UPDATE RECORD ${file} ${key}`;
  const cmd = CommandApdu.of({ cla: SM_CLA, ins: 0xdc, p1, p2, data: concat(record, checked) });
  const r = await send(ctx, step, cmd);
  if (isInterruption(r)) return r;
  if (r.sw === SW.SM_DATA_WRONG || r.sw === SW.SECURITY_STATUS_NOT_SATISFIED || r.sw === SW.RECORD_NOT_FOUND || r.sw === SW.WRONG_LENGTH) {
    return { outcome: 'refused', sw: r.sw, detail: describeSw(r.sw) };
  }
  if (r.sw !== SW.OK) return unexpectedSw(step, cmd.encode(), r.sw);

  let back = await readItemFile(ctx, file, [key]);
  if (isInterruption(back)) return back;
  if (back.outcome === 'denied') {
    // a protected file (DF04: PIN or RK): read it back under the read key
    const rk = await externalAuthenticate(ctx, df, 'RK');
    if (rk.outcome !== 'authenticated') return rk;
    back = await readItemFile(ctx, file, [key]);
    if (isInterruption(back)) return back;
  }
  const read = back.outcome === 'read' ? back.items[key] : undefined;
  if (!read || !bytesEqual(concat(Uint8Array.of(item.tag, read.raw.length), read.raw), record)) {
    return badResponse(`READ RECORD ${file} ${key} (after the write)`, '', 'the record read back differs from the record written');
  }
  return { outcome: 'written', file, key, value: read.value };
}
