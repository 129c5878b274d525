/**
 * Issuer script results, as the terminal reports them to the issuer after script processing (EMV 4.3
 * Book 4 Annex A5 "Issuer Script Results"; EMV Book 3 §10.10): 5 bytes per script template received —
 *
 * | byte | bits | meaning |
 * |---|---|---|
 * | 1 | 8-5 | result: 0 script not performed, 1 script processing failed, 2 script processing successful |
 * | 1 | 4-1 | sequence number of the failing command: 0 not specified, 1-14, F = 15 or above |
 * | 2-5 | | the script identifier (9F18) received, zeros when the template had none |
 *
 * They travel in field 55 under tag DF31 (the tag UnionPay terminals use for 发卡行脚本结果 [P]), one
 * DF31 whose value is the concatenation of the 5-byte entries. The kernels encode them with
 * `encodeScriptResults`; the issuer host decodes them with `decodeScriptResults`.
 */
import { concat, fromHex, toHex } from '../../../apdu/bytes.js';

/** Tag of the issuer script results in field 55 [P]. */
export const SCRIPT_RESULTS_TAG = 'DF31';

/** The three results of EMV Book 4 Annex A5. */
export type ScriptResultKind = 'not-performed' | 'failed' | 'successful';

const RESULT_NIBBLE: Record<ScriptResultKind, number> = { 'not-performed': 0x0, failed: 0x1, successful: 0x2 };
const RESULT_OF_NIBBLE: Record<number, ScriptResultKind> = { 0x0: 'not-performed', 0x1: 'failed', 0x2: 'successful' };

/** One script's result. */
export interface ScriptResult {
  /** Script identifier 9F18 (4 bytes) as 8 hex digits; "00000000" when the template had none. */
  scriptId: string;
  result: ScriptResultKind;
  /** Sequence number (1-based) of the command that failed; 0 = not specified; 15 = 15 or above. */
  sequence: number;
}

/** A DF31 value that does not follow Book 4 Annex A5. */
export class ScriptResultsError extends RangeError {
  override name = 'ScriptResultsError';
}

/** Encodes the DF31 value (5 bytes per script). */
export function encodeScriptResults(results: readonly ScriptResult[]): Uint8Array {
  return concat(
    ...results.map((r, i) => {
      if (!/^[0-9A-Fa-f]{8}$/.test(r.scriptId)) throw new ScriptResultsError(`results[${i}].scriptId: must be 8 hex digits, got ${JSON.stringify(r.scriptId)}`);
      if (!(r.result in RESULT_NIBBLE)) throw new ScriptResultsError(`results[${i}].result: unknown ${JSON.stringify(r.result)}`);
      if (!Number.isInteger(r.sequence) || r.sequence < 0 || r.sequence > 15) throw new ScriptResultsError(`results[${i}].sequence: must be 0..15, got ${r.sequence}`);
      return concat(Uint8Array.of((RESULT_NIBBLE[r.result] << 4) | r.sequence), fromHex(r.scriptId));
    }),
  );
}

/** Decodes a DF31 value strictly: a multiple of 5 bytes, known result nibbles only. */
export function decodeScriptResults(value: Uint8Array): ScriptResult[] {
  if (value.length % 5 !== 0) throw new ScriptResultsError(`DF31: length ${value.length} is not a multiple of 5`);
  const out: ScriptResult[] = [];
  for (let i = 0; i < value.length; i += 5) {
    const result = RESULT_OF_NIBBLE[value[i]! >> 4];
    if (result === undefined) throw new ScriptResultsError(`DF31: entry ${i / 5 + 1} has result nibble ${(value[i]! >> 4).toString(16).toUpperCase()} (0, 1 or 2 expected)`);
    out.push({ scriptId: toHex(value.subarray(i + 1, i + 5)), result, sequence: value[i]! & 0x0f });
  }
  return out;
}
