// The PSAM's shared layouts (src/spec/ssse/psam.ts): the codecs round-trip and reject what is not theirs;
// the key selector covers every key kind and DF once; the encipherment input is LD ‖ data ‖ 80 00… to the
// block (DOMAIN.md §1.4 "Encryption").
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { toHex } from '../../src/apdu/bytes.js';
import { KEYED_DFS } from '../../src/spec/ssse/identifiers.js';
import { KEY_KINDS } from '../../src/spec/ssse/keys.js';
import {
  challengeIv,
  cityDiversificationData,
  decodeKeyInfo,
  decodeMac1Data,
  decodeMac1Response,
  decodePsamKeySelector,
  deliverKeyCommand,
  encipherInput,
  encodeKeyInfo,
  encodeMac1Data,
  foldAuthenticationData,
  isCityDiversificationData,
  provinceDiversificationData,
  psamKeySelector,
  zeroPadBlock,
} from '../../src/spec/ssse/psam.js';

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

describe('PSAM layouts', () => {
  it('MAC1 data: encode ∘ decode is the identity on 44 bytes, and other lengths are refused', () => {
    fc.assert(
      fc.property(bytes(44), (data) => {
        expect(toHex(encodeMac1Data(decodeMac1Data(data)))).toBe(toHex(data));
      }),
    );
    fc.assert(fc.property(fc.uint8Array({ maxLength: 60 }).filter((d) => d.length !== 44), (d) => {
      expect(() => decodeMac1Data(d)).toThrow(RangeError);
    }));
    expect(() => decodeMac1Response(new Uint8Array(7))).toThrow(RangeError);
  });

  it('the key selector names each (DF, kind) with one byte, and the trace byte 12 is UK of DF02', () => {
    const all = KEYED_DFS.flatMap((df) => KEY_KINDS.map((kind) => ({ df, kind })));
    const selectors = all.map(psamKeySelector);
    expect(new Set(selectors).size).toBe(all.length);
    for (const [i, s] of selectors.entries()) expect(decodePsamKeySelector(s)).toEqual(all[i]);
    expect(decodePsamKeySelector(0x12)).toEqual({ df: 'DF02', kind: 'UK' });
    fc.assert(fc.property(fc.integer({ min: 0, max: 255 }).filter((b) => !selectors.includes(b)), (b) => {
      expect(decodePsamKeySelector(b)).toBeUndefined();
    }));
  });

  it('diversification data: city "310000sx", province "310000sh"; DELIVER KEY is BF DE 48 sel 20 card ‖ city ‖ block', () => {
    const city = cityDiversificationData('310000');
    expect(toHex(city)).toBe('3331303030307378');
    expect(isCityDiversificationData(city)).toBe(true);
    expect(toHex(provinceDiversificationData(city))).toBe('3331303030307368');
    expect(toHex(provinceDiversificationData(cityDiversificationData('650100')))).toBe('3635303030307368'); // DOMAIN.md §1.4 [V]
    expect(() => cityDiversificationData('31000')).toThrow(RangeError);
    expect(() => provinceDiversificationData(Uint8Array.of(0x33, 0x31, 0x30, 0x30, 0x30, 0x30, 0x73, 0x68))).toThrow(RangeError);
    const cmd = deliverKeyCommand({ mode: 'card-key', key: { df: 'DF02', kind: 'UK' }, cardData: Uint8Array.from([0x86, 0x60, 0x51, 0x99, 0, 0, 1, 0xac]), cityData: cityDiversificationData('519900'), block: zeroPadBlock(Uint8Array.of(0xe6, 0x03), 16) });
    expect(cmd.toHex()).toBe('BFDE48122086605199000001AC3531393930307378E6030000000000000000000000000000');
  });

  it('encipherment input: LD ‖ data ‖ 80 00… to the block; no pad block when LD ‖ data fills it', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.constantFrom(8, 16), (data, bs) => {
        const out = encipherInput(data, bs);
        expect(out.length % bs).toBe(0);
        expect(out[0]).toBe(data.length);
        expect(toHex(out.subarray(1, 1 + data.length))).toBe(toHex(data));
        const rest = out.subarray(1 + data.length);
        if ((data.length + 1) % bs === 0) expect(rest.length).toBe(0);
        else expect([rest[0], ...rest.subarray(1)]).toEqual([0x80, ...new Array(rest.length - 1).fill(0)]);
      }),
    );
  });

  it('blocks: zero padding, the challenge IV cut or padded, the fold of 16 bytes', () => {
    expect(toHex(zeroPadBlock(Uint8Array.of(1, 2), 8))).toBe('0102000000000000');
    expect(() => zeroPadBlock(new Uint8Array(9), 8)).toThrow(RangeError);
    expect(toHex(challengeIv(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9), 8))).toBe('0102030405060708');
    expect(toHex(foldAuthenticationData(Uint8Array.from([...new Array(8).fill(0xf0), ...new Array(8).fill(0x0f)])))).toBe('FFFFFFFFFFFFFFFF');
    expect(() => foldAuthenticationData(new Uint8Array(12))).toThrow(RangeError);
    expect(decodeKeyInfo(encodeKeyInfo({ keyVersion: 7, algorithm: 'SM4' }))).toEqual({ keyVersion: 7, algorithm: 'SM4' });
    expect(() => decodeKeyInfo(Uint8Array.of(1, 2))).toThrow(/unknown algorithm indicator 02/);
  });
});
