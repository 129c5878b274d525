// ISO/IEC 7816-3 §12.1 cases, one contract test each (hex from the case table), round trips and rejections.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/apdu/bytes.js';
import { ApduFormatError, CommandApdu } from '../../src/apdu/command-apdu.js';
import { ResponseApdu } from '../../src/apdu/response-apdu.js';

const cases: Array<[string, string, { nc: number; ne: number }]> = [
  ['1', '00A40000', { nc: 0, ne: 0 }],
  ['2S', '0084000008', { nc: 0, ne: 8 }],
  ['2S', '00B2010000', { nc: 0, ne: 256 }],
  ['3S', '00A40400 0E 325041592E5359532E4444463031', { nc: 14, ne: 0 }],
  ['4S', '00A40400 07 A0000003330101 00', { nc: 7, ne: 256 }],
  ['2E', '00B00000 00 0100', { nc: 0, ne: 256 }],
  ['2E', '00B00000 00 0000', { nc: 0, ne: 65536 }],
  ['3E', `00D60000 00 0101 ${'AB'.repeat(257)}`, { nc: 257, ne: 0 }],
  ['4E', `00D60000 00 0003 010203 0400`, { nc: 3, ne: 1024 }],
];

describe('CommandApdu', () => {
  for (const [kase, hex, { nc, ne }] of cases) {
    it(`case ${kase}: ${hex.slice(0, 40)}`, () => {
      const apdu = CommandApdu.parse(fromHex(hex));
      expect(apdu.case).toBe(kase);
      expect(apdu.nc).toBe(nc);
      expect(apdu.ne).toBe(ne);
      expect(apdu.toHex()).toBe(toHex(fromHex(hex)));
    });
  }

  it('rejects malformed bytes with a message naming the problem', () => {
    expect(() => CommandApdu.parse(fromHex('00A4'))).toThrow(/2 byte\(s\), a header needs 4/);
    expect(() => CommandApdu.parse(fromHex('00A40400 05 A000'))).toThrow(/Lc=5 .* 2 byte\(s\); expected 5 or 6/);
    expect(() => CommandApdu.parse(fromHex('00A40400 00 00'))).toThrow(ApduFormatError);
    expect(() => CommandApdu.parse(fromHex('00A40400 00 0003 0102'))).toThrow(/extended Lc=3/);
    expect(() => CommandApdu.of({ cla: 256, ins: 0, p1: 0, p2: 0 })).toThrow(/cla must be a byte/);
    expect(() => CommandApdu.of({ cla: 0, ins: 0, p1: 0, p2: 0, ne: 70000 })).toThrow(/ne must be/);
  });

  it('is immutable: data is copied in and out', () => {
    const data = Uint8Array.of(1, 2, 3);
    const apdu = CommandApdu.of({ cla: 0, ins: 0xd6, p1: 0, p2: 0, data });
    data[0] = 9;
    apdu.data[1] = 9;
    expect(apdu.toHex()).toBe('00D6000003010203');
    expect(Object.isFrozen(apdu)).toBe(true);
  });

  it('parse(encode(x)) == x for every case (fast-check)', () => {
    const arb = fc.record({
      cla: fc.integer({ min: 0, max: 255 }),
      ins: fc.integer({ min: 0, max: 255 }),
      p1: fc.integer({ min: 0, max: 255 }),
      p2: fc.integer({ min: 0, max: 255 }),
      data: fc.uint8Array({ maxLength: 300 }),
      ne: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 256 }), fc.integer({ min: 257, max: 65536 })),
      extended: fc.boolean(),
    });
    fc.assert(
      fc.property(arb, (f) => {
        const apdu = CommandApdu.of(f);
        const again = CommandApdu.parse(apdu.encode());
        expect(again.toHex()).toBe(apdu.toHex());
        expect(toHex(again.data)).toBe(toHex(f.data));
        expect(again.ne).toBe(f.ne);
        expect(again.case).toBe(apdu.case);
        expect(again.extended).toBe(apdu.extended);
        expect([again.cla, again.ins, again.p1, again.p2]).toEqual([f.cla, f.ins, f.p1, f.p2]);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws anything but ApduFormatError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 270 }), (bytes) => {
        try {
          CommandApdu.parse(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(ApduFormatError);
        }
      }),
    );
  });
});

describe('ResponseApdu', () => {
  it('splits data and status word; a status word is data, not an error', () => {
    const r = ResponseApdu.parse(fromHex('0110519900D15600000510000B26FFFFFFFF9000'));
    expect(toHex(r.data)).toBe('0110519900D15600000510000B26FFFFFFFF');
    expect(r.sw).toBe(0x9000);
    expect(r.ok).toBe(true);
    expect(ResponseApdu.parse(fromHex('6A82')).ok).toBe(false);
    expect(() => ResponseApdu.parse(fromHex('90'))).toThrow(/a status word needs 2/);
  });
  it('round-trips (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 0xffff }), (data, sw) => {
        const r = ResponseApdu.parse(ResponseApdu.of(data, sw).encode());
        expect(toHex(r.data)).toBe(toHex(data));
        expect(r.sw).toBe(sw);
      }),
    );
  });
});
