// DOL parsing and data building (EMV Book 3 §5.4) on the SM-capable PDOL of DOMAIN.md §2.
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/apdu/bytes.js';
import { buildDolData, dolLength, parseDol, parseDolData } from '../../src/apdu/tlv/dol.js';
import { tagInfo, tagName } from '../../src/apdu/tlv/tags.js';

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
  it('builds the GPO data of the SM PDOL from terminal values and the card splits it back', () => {
    const dol = parseDol(PDOL.replace(/ /g, ''));
    const values = {
      '9F66': fromHex('36000080'), // TTQ
      '9F02': fromHex('000000000100'), // 1.00 CNY, n12
      '9F03': fromHex('000000000000'),
      '9F1A': fromHex('0156'), // China, ISO 3166 numeric 156
      '95': fromHex('0000000000'),
      '5F2A': fromHex('0156'), // CNY, ISO 4217 numeric 156
      '9A': fromHex('261122'), // YYMMDD
      '9C': fromHex('00'), // goods and services
      '9F37': fromHex('11223344'),
      DF69: fromHex('01'), // SM algorithms (DOMAIN.md §2)
    }; // DF60 absent: zeros
    const data = buildDolData(dol, values);
    expect(data.length).toBe(35);
    expect(toHex(data)).toBe('36000080' + '000000000100' + '000000000000' + '0156' + '0000000000' + '0156' + '261122' + '00' + '11223344' + '00' + '01');
    const back = parseDolData(dol, data);
    expect(back.DF69).toBe('01');
    expect(back['9F02']).toBe('000000000100');
    expect(back.DF60).toBe('00');
  });
  it('the tag dictionary agrees with the PDOL: every entry is terminal-sourced with that exact length', () => {
    for (const { tag, length } of parseDol(PDOL.replace(/ /g, ''))) {
      const info = tagInfo(tag);
      expect(info, tag).toBeDefined();
      expect(info!.source, tag).toBe('terminal');
      expect(info!.length, tag).toEqual({ min: length, max: length });
    }
    expect(tagInfo('9f02')).toMatchObject({ name: 'Amount, Authorised', format: 'n' });
    expect(tagName('9F36')).toBe('Application Transaction Counter');
    expect(tagName('DFFF')).toBe('DFFF');
  });
});
