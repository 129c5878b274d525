/**
 * Transaction log (9F4D → SFI, format 9F4F) and EC load log (DF4D, DF4F) records: cyclic files, record 1
 * the most recent (ISO 7816-4 §7.3.4; choices.ts for the formats [R]).
 */
import { concat, fromHex, toHex } from '../../../apdu/bytes.js';
import { LOAD_LOG_FORMAT, LOG_RECORDS, SFI, TRANSACTION_LOG_FORMAT } from './choices.js';
import type { PbocPort } from './port.js';
import { buildDolData, parseDol } from './tlv.js';
import { atcBytes } from './cryptogram.js';
import { toN12 } from './amounts.js';

function append(port: PbocPort, sfi: number, record: Uint8Array, max: number): void {
  port.setRecords(sfi, [toHex(record), ...port.records(sfi)].slice(0, max));
}

/** Values by tag from the transaction's terminal data, plus the card's ATC. */
function values(terminal: Record<string, string>, atc: number): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const [tag, hex] of Object.entries(terminal)) out[tag] = fromHex(hex);
  out['9F36'] = atcBytes(atc);
  return out;
}

/** Appends a transaction log record (approved transactions: TC). */
export function logTransaction(port: PbocPort, terminal: Record<string, string>, atc: number): void {
  append(port, SFI.transactionLog, buildDolData(parseDol(TRANSACTION_LOG_FORMAT), values(terminal, atc)), LOG_RECORDS.transaction);
}

/** Appends an EC load log record: `P1 P2 ‖ before(6) ‖ after(6) ‖ DF4F items`. */
export function logLoad(port: PbocPort, p1p2: Uint8Array, before: number, after: number, terminal: Record<string, string>, atc: number): void {
  const rec = concat(p1p2, toN12(before), toN12(after), buildDolData(parseDol(LOAD_LOG_FORMAT), values(terminal, atc)));
  append(port, SFI.loadLog, rec, LOG_RECORDS.load);
}
