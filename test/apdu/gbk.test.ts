// GBK vectors: the SSSE and PKI AIDs of DOMAIN.md §1.1/§1.5.
import { describe, expect, it } from 'vitest';
import { toHex, fromHex } from '../../src/apdu/bytes.js';
import { decodeGbk, encodeGbk } from '../../src/apdu/text/gbk.js';

describe('GBK', () => {
  it('encodes "sx1.sh.社会保障" and "PKI.社会保障" as the AIDs', () => {
    expect(toHex(encodeGbk('sx1.sh.社会保障'))).toBe('7378312E73682EC9E7BBE1B1A3D5CF');
    expect(toHex(encodeGbk('PKI.社会保障'))).toBe('504B492EC9E7BBE1B1A3D5CF');
  });
  it('round-trips a name and rejects what GBK cannot hold', () => {
    expect(decodeGbk(encodeGbk('杭小平'))).toBe('杭小平');
    expect(decodeGbk(fromHex('C9E7BBE1B1A3D5CF'))).toBe('社会保障');
    expect(() => encodeGbk('😀')).toThrow(/has no GBK code/);
    expect(() => decodeGbk(fromHex('81'))).toThrow(/not valid GBK/);
  });
});
