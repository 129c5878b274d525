/**
 * DF31 issuer script results (EMV 4.3 Book 4 Annex A5), bytes written out by hand: byte 1 = result
 * nibble (0 not performed, 1 failed, 2 successful) ‖ sequence nibble, bytes 2-5 = script ID 9F18.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../../src/apdu/bytes.js';
import { decodeScriptResults, encodeScriptResults, ScriptResultsError, type ScriptResult } from '../../../../src/terminal/hosts/issuer/script-results.js';

describe('issuer script results (DF31)', () => {
  it('decodes and encodes the Annex A5 layout', () => {
    const bytes = fromHex('20 00000001 13 0000002A 00 00000000'.replace(/ /g, ''));
    const results: ScriptResult[] = [
      { scriptId: '00000001', result: 'successful', sequence: 0 },
      { scriptId: '0000002A', result: 'failed', sequence: 3 },
      { scriptId: '00000000', result: 'not-performed', sequence: 0 },
    ];
    expect(decodeScriptResults(bytes)).toEqual(results);
    expect(toHex(encodeScriptResults(results))).toBe(toHex(bytes));
  });

  it('refuses a length that is not a multiple of 5, an unknown result, a bad entry', () => {
    expect(() => decodeScriptResults(fromHex('20000000'))).toThrow(new ScriptResultsError('DF31: length 4 is not a multiple of 5'));
    expect(() => decodeScriptResults(fromHex('3000000001'))).toThrow('DF31: entry 1 has result nibble 3 (0, 1 or 2 expected)');
    expect(() => encodeScriptResults([{ scriptId: '1', result: 'failed', sequence: 0 }])).toThrow(/scriptId: must be 8 hex digits/);
    expect(() => encodeScriptResults([{ scriptId: '00000001', result: 'failed', sequence: 16 }])).toThrow(/sequence: must be 0..15/);
  });

  it('round trip', () => {
    const entry = fc.record({
      scriptId: fc.uint8Array({ minLength: 4, maxLength: 4 }).map(toHex),
      result: fc.constantFrom('not-performed' as const, 'failed' as const, 'successful' as const),
      sequence: fc.integer({ min: 0, max: 15 }),
    });
    fc.assert(fc.property(fc.array(entry, { maxLength: 10 }), (rs) => {
      expect(decodeScriptResults(encodeScriptResults(rs))).toEqual(rs);
    }));
  });
});
