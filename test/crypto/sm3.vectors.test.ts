import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sm3, sm3Parts } from '../../src/crypto/sm3.js';
import { hex, opensslSm3, smCrypto } from './sym-oracles.js';

const text = (s: string) => new TextEncoder().encode(s);

describe('SM3 (GM/T 0004, DOMAIN.md §6)', () => {
  it('hashes "abc" to the standard value', () => {
    expect(hex(sm3(text('abc')))).toBe('66C7F0F462EEEDD9D1F2D46BDC10E4E24167C4875CF2F7A2297DA02B8F4BA8E0');
  });

  it('hashes "abcd"×16 to the standard value', () => {
    expect(hex(sm3(text('abcd'.repeat(16))))).toBe('DEBE9FF92275B8A138604889C18E5A4D6FDB70E5387E5765293DCBA39C0C5732');
  });

  it('agrees with `openssl dgst -sm3` on empty, one-block-boundary and multi-block messages', () => {
    for (const n of [0, 55, 56, 63, 64, 65, 1000]) {
      const m = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
      expect(hex(sm3(m)), `length ${n}`).toBe(opensslSm3(m).toUpperCase());
    }
  });

  it('agrees with sm-crypto (pure JS) on random messages, and sm3Parts equals sm3 of the concatenation', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(300), (m, cut) => {
        const d = sm3(m);
        expect(hex(d)).toBe(smCrypto.sm3(m).toUpperCase());
        const k = Math.min(cut, m.length);
        expect(hex(sm3Parts(m.subarray(0, k), m.subarray(k)))).toBe(hex(d));
      }),
      { numRuns: 100 },
    );
  });

  it('rejects a non-byte argument with a TypeError naming it', () => {
    expect(() => sm3('abc' as unknown as Uint8Array)).toThrow(/data/);
  });
});
