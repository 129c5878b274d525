// SSSE one-byte tag / one-byte length records and field codecs (DOMAIN.md §1.2): vectors written from the
// spec text (an padded right with 00, cn padded right with F, GBK names), strict rejections, round trips.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/apdu/bytes.js';
import { TlvError } from '../../src/apdu/tlv/ber-tlv.js';
import {
  decodeSsseField,
  encodeSsseField,
  encodeSsseRecord,
  encodeSsseRecords,
  parseSsseRecord,
  parseSsseRecords,
} from '../../src/apdu/tlv/ssse-record.js';

describe('SSSE records', () => {
  it('encodes tag(1) len(1) value, with lengths >= 0x80 as a single byte (not BER 81 xx)', () => {
    // 01 card identifier cn16 (real value of DOMAIN.md §1.2)
    const id = fromHex('519900D15600000510000B26FFFFFFFF');
    expect(toHex(encodeSsseRecord({ tag: 0x01, value: id }))).toBe('0110519900D15600000510000B26FFFFFFFF');
    expect(toHex(encodeSsseRecord({ tag: 0x4e, value: new Uint8Array(0x90) })).slice(0, 4)).toBe('4E90');
    expect(() => encodeSsseRecord({ tag: 0x100, value: new Uint8Array(1) })).toThrow(/tag must be a byte/);
    expect(() => encodeSsseRecord({ tag: 1, value: new Uint8Array(256) })).toThrow(/at most 255/);
  });

  it('parses EF05-style records and the 初始化机构编号 vector', () => {
    const bytes = fromHex('0301' + '33' + '040C' + '915600000211000011010002');
    const records = parseSsseRecords(bytes);
    expect(records.map((r) => [r.tag, toHex(r.value)])).toEqual([
      [0x03, '33'],
      [0x04, '915600000211000011010002'],
    ]);
    expect(toHex(encodeSsseRecords(records))).toBe(toHex(bytes));
  });

  it('rejects truncation and trailing bytes with the offset', () => {
    const cases: Array<[string, RegExp, number]> = [
      ['01', /length missing at offset 1/, 1],
      ['0104 0102', /value truncated .* at offset 2/, 2],
      ['0101 AA 02', /length missing at offset 4/, 4],
    ];
    for (const [hex, message, offset] of cases) {
      const err = (() => {
        try {
          parseSsseRecords(fromHex(hex));
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err, hex).toBeInstanceOf(TlvError);
      expect((err as TlvError).message).toMatch(message);
      expect((err as TlvError).offset).toBe(offset);
    }
    expect(() => parseSsseRecord(fromHex('0101AA0201BB'))).toThrow(/expected one SSSE record, found 2/);
  });

  it('round-trips arbitrary record sequences', () => {
    const record = fc.record({ tag: fc.integer({ min: 0, max: 255 }), value: fc.uint8Array({ maxLength: 255 }) });
    fc.assert(
      fc.property(fc.array(record, { maxLength: 5 }), (records) => {
        const parsed = parseSsseRecords(encodeSsseRecords(records));
        expect(parsed.map((r) => [r.tag, toHex(r.value)])).toEqual(records.map((r) => [r.tag, toHex(r.value)]));
      }),
      { numRuns: 100 },
    );
  });
});

describe('SSSE field codecs', () => {
  it('an: left-justified, padded right with 00; the name is GBK', () => {
    expect(toHex(encodeSsseField('an', '3.00', 4))).toBe('332E3030');
    expect(toHex(encodeSsseField('an', '1', 1))).toBe('31');
    // 杭小平 in GBK is BABC D0A1 C6BD (GB 2312 code points), then 00 padding to 30 bytes
    const name = encodeSsseField('an', '杭小平', 30);
    expect(toHex(name)).toBe('BABCD0A1C6BD' + '00'.repeat(24));
    expect(decodeSsseField('an', name)).toBe('杭小平');
    expect(() => encodeSsseField('an', 'X00000019X', 9, '卡号')).toThrow(/卡号: .* 10 bytes, at most 9/);
  });

  it('cn: BCD padded right with F', () => {
    expect(toHex(encodeSsseField('cn', '20261122', 4))).toBe('20261122');
    expect(toHex(encodeSsseField('cn', '01', 1))).toBe('01');
    expect(toHex(encodeSsseField('cn', '330100', 4))).toBe('330100FF');
    expect(decodeSsseField('cn', fromHex('330100FF'))).toBe('330100');
    expect(() => encodeSsseField('cn', '12F', 2)).toThrow(/not cn digits/);
    expect(() => encodeSsseField('cn', '123', 1)).toThrow(/3 digits, at most 2/);
  });

  it('b: exact length, hex', () => {
    expect(toHex(encodeSsseField('b', '0001', 2))).toBe('0001');
    expect(decodeSsseField('b', fromHex('00FF'))).toBe('00FF');
    expect(() => encodeSsseField('b', '01', 2)).toThrow(/1 bytes, expected 2/);
  });

  it('round-trips an and cn values', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9A-Za-z .]{0,20}$/), (text) => {
        expect(decodeSsseField('an', encodeSsseField('an', text, 20))).toBe(text);
      }),
      { numRuns: 100 },
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{0,24}$/), (digits) => {
        expect(decodeSsseField('cn', encodeSsseField('cn', digits, 12))).toBe(digits);
      }),
      { numRuns: 100 },
    );
  });
});
