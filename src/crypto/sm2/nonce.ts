/**
 * A RandomSource derived from a key and data by HMAC-SM3 in counter mode. Used for SM2 signature nonces
 * when a caller gives no RandomSource (certificate and PBOC-certificate builders): deterministic in the
 * spirit of RFC 6979, a distinct k for each key and message, and no Math.random.
 */
import { createHmac } from 'node:crypto';
import type { RandomSource } from '../../env.js';

/** HMAC-SM3(key, data ‖ counter₃₂), counter = 0, 1, …, concatenated and cut to the requested length. */
export function derivedRandom(key: Uint8Array, data: Uint8Array): RandomSource {
  let counter = 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 32) {
      const c = counter++;
      const block = createHmac('sm3', key).update(data).update(Uint8Array.of(c >>> 24, (c >>> 16) & 0xff, (c >>> 8) & 0xff, c & 0xff)).digest();
      out.set(block.subarray(0, Math.min(32, n - i)), i);
    }
    return out;
  };
}
