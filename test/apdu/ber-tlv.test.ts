// Strict BER-TLV: known encodings (the real SSSE FCI of DOMAIN.md §1.1), round trips, rejections with offsets.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/apdu/bytes.js';
import { TlvError, constructed, decodeOne, decodeTlv, encodeTlv, findPath, findTag, tlv } from '../../src/apdu/tlv/ber-tlv.js';

describe('BER-TLV', () => {
  it('decodes the real third-generation SSSE FCI', () => {
    const fci = fromHex('6F1C840F7378312E73682EC9E7BBE1B1A3D5CFA50988011E9F0C03860103');
    const [top] = decodeTlv(fci);
    expect(top!.tag).toBe('6F');
    expect(toHex(findTag([top!], '84')!.value)).toBe('7378312E73682EC9E7BBE1B1A3D5CF');
    expect(toHex(findPath([top!], '6F', 'A5', '88')!.value)).toBe('1E');
    // 9F0C is primitive (b6 of 9F is 0): its value holds 86 01 03 as bytes
    expect(toHex(findPath([top!], '6F', 'A5', '9F0C')!.value)).toBe('860103');
    expect(toHex(encodeTlv(top!))).toBe(toHex(fci));
  });

  it('encodes lengths minimally (81 for 128..255, 82 above)', () => {
    expect(toHex(tlv('9F36', fromHex('0001')))).toBe('9F36020001');
    expect(toHex(tlv('90', new Uint8Array(128))).slice(0, 6)).toBe('908180');
    expect(toHex(tlv('90', new Uint8Array(256))).slice(0, 8)).toBe('90820100');
    expect(toHex(constructed('70', tlv('5A', fromHex('6228480000000001')), tlv('5F34', fromHex('01'))))).toBe('700E5A0862284800000000015F340101');
  });

  it('rejects, naming the offset: non-minimal and indefinite lengths, truncation, bad tags', () => {
    const bad: Array<[string, RegExp]> = [
      ['5A 81 05 0102030405', /non-minimal length at offset 1/],
      ['5A 82 0005 0102030405', /non-minimal length at offset 1/],
      ['70 80 5A0100 0000', /indefinite length at offset 1/],
      ['5A 05 010203', /value of 5A truncated .* at offset 2/],
      ['9F', /tag truncated at offset 0/],
      ['9F36', /length missing at offset 2/],
      ['70 04 5A 05 0102', /value of 5A truncated .* at offset 4/],
    ];
    for (const [hex, message] of bad) {
      expect(() => decodeTlv(fromHex(hex)), hex).toThrow(TlvError);
      expect(() => decodeTlv(fromHex(hex)), hex).toThrow(message);
    }
    expect(() => decodeOne(fromHex('5A0101 5A0102'))).toThrow(/expected one TLV object, found 2/);
    // the offset is a property of the error too (absolute, also inside nested constructed objects)
    const offsets: Array<[string, number, RegExp]> = [
      ['5A 83 000080', 1, /non-minimal length/], // 3 length octets for 128
      ['5A 84 00000001 00', 1, /length of 4 octets/],
      ['5A 82 01', 1, /length truncated/],
      ['5A0101 9F', 3, /tag truncated/], // trailing byte after a complete object
      ['1F80 01 00', 0, /non-minimal tag/], // ISO 8825-1 §8.1.2.4.2 c
      ['6F 07 A5 05 88 01 1E 9F 8C', 7, /tag truncated/],
      ['6F 08 A5 06 88 01 1E 9F 0C 81', 9, /length truncated/],
      ['6F 07 A5 05 88 81 01 1E 00', 5, /non-minimal length/],
    ];
    for (const [hex, offset, message] of offsets) {
      let caught: unknown;
      try {
        decodeTlv(fromHex(hex));
      } catch (err) {
        caught = err;
      }
      expect(caught, hex).toBeInstanceOf(TlvError);
      expect((caught as TlvError).offset, hex).toBe(offset);
      expect((caught as TlvError).message, hex).toMatch(message);
    }
    expect(() => tlv('1F80', new Uint8Array(0))).toThrow(RangeError);
    expect(() => decodeTlv(fromHex('00 5A0101'))).toThrow(TlvError);
    expect(decodeTlv(fromHex('00 5A0101 FF'), { padding: true })).toHaveLength(1);
  });

  const primitive = fc.record({
    tag: fc.constantFrom('5A', '57', '9F36', '9F4B', '5F34', '8C', 'DF69', '9F7F'),
    value: fc.uint8Array({ maxLength: 300 }),
  });

  it('decode(encode(x)) == x and encode(decode(bytes)) == bytes for canonical inputs (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(primitive, { maxLength: 5 }), fc.constantFrom('70', '77', 'A5', 'BF0C'), (items, outer) => {
        const inner = items.map((i) => tlv(i.tag, i.value));
        const bytes = constructed(outer, ...inner);
        const [node] = decodeTlv(bytes);
        expect(node!.tag).toBe(outer);
        expect(node!.children!.map((c) => [c.tag, toHex(c.value)])).toEqual(items.map((i) => [i.tag, toHex(i.value)]));
        expect(toHex(encodeTlv(node!))).toBe(toHex(bytes));
      }),
    );
  });

  it('every strict prefix of a canonical encoding is rejected as truncated (fast-check)', () => {
    fc.assert(
      fc.property(primitive, fc.constantFrom('70', 'A5'), fc.nat(), (item, outer, cut) => {
        const bytes = constructed(outer, tlv(item.tag, item.value));
        const prefix = bytes.subarray(0, cut % bytes.length);
        if (prefix.length === 0) return;
        expect(() => decodeTlv(prefix)).toThrow(TlvError);
      }),
      { numRuns: 200 },
    );
  });

  it('random bytes either decode and re-encode identically or throw TlvError (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        let nodes;
        try {
          nodes = decodeTlv(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(TlvError);
          return;
        }
        expect(toHex(encodeTlv(nodes))).toBe(toHex(bytes));
      }),
      { numRuns: 500 },
    );
  });
});
