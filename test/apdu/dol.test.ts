// DOL parsing and data building (EMV Book 3 §5.4) on the SM-capable PDOL of DOMAIN.md §2.
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/apdu/bytes.js';
import { buildDolData, dolLength, parseDol, parseDolData } from '../../src/apdu/tlv/dol.js';

const PDOL = '9F6604 9F0206 9F0306 9F1A02 9505 5F2A02 9A03 9C01 9F3704 DF6001 DF6901';

describe('DOL', () => {
  it('parses the PBOC SM PDOL: 11 entries, 35 bytes', () => {
    const dol = parseDol(PDOL.replace(/ /g, ''));
    expect(dol.map((e) => `${e.tag}:${e.length}`)).toEqual(['9F66:4', '9F02:6', '9F03:6', '9F1A:2', '95:5', '5F2A:2', '9A:3', '9C:1', '9F37:4', 'DF60:1', 'DF69:1']);
    expect(dolLength(dol)).toBe(35);
  });
  it('builds data: n right-aligned with 00, cn padded with FF, b/an left-aligned, absent tags zero', () => {
    const dol = parseDol('9F0206 5A08 9F3704 9F4E05 8A02');
    const data = buildDolData(dol, {
      '9F02': fromHex('012345'), // n6 → 000000012345
      '5A': fromHex('6228480012'), // cn8 → 6228480012FFFFFF
      '9F4E': fromHex('414243'), // ans → 4142430000
    });
    expect(toHex(data)).toBe('000000012345' + '6228480012FFFFFF' + '00000000' + '4142430000' + '0000');
    // longer values: n keeps the rightmost bytes, others the leftmost
    expect(toHex(buildDolData(parseDol('9F0202 9F3702'), { '9F02': fromHex('123456'), '9F37': fromHex('AABBCC') }))).toBe('3456AABB');
  });
  it('splits DOL data back by tag and rejects a length mismatch', () => {
    const dol = parseDol('9F0206 9F3704');
    expect(parseDolData(dol, fromHex('00000000010011223344'))).toEqual({ '9F02': '000000000100', '9F37': '11223344' });
    expect(() => parseDolData(dol, fromHex('00'))).toThrow(/1 bytes, the DOL asks for 10/);
    expect(() => parseDol('9F02')).toThrow(/length of 9F02 missing/);
  });
});
