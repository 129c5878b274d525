import { describe, expect, it } from 'vitest';
import { KNOWN_STATUS_WORDS, describeSw, isKnownSw, lookupSw } from '../../src/apdu/status-word-table.js';
import { SW, bytesAvailable, triesLeft, wrongLe } from '../../src/apdu/status-words.js';

// Every status word DOMAIN.md §1.3 lists.
const DOMAIN_SWS = [0x9000, 0x6581, 0x6700, 0x6901, 0x6981, 0x6982, 0x6983, 0x6984, 0x6985, 0x6986, 0x6988, 0x6a80, 0x6a81, 0x6a82, 0x6a83, 0x6a86, 0x6a88, 0x6b00, 0x6d00, 0x6e00, 0x6f00, 0x9302, 0x9303, 0x9401, 0x9402, 0x9403, 0x9406];

describe('status words', () => {
  it('knows every status word of DOMAIN.md §1.3, in English and Chinese', () => {
    for (const sw of DOMAIN_SWS) {
      const m = lookupSw(sw);
      expect(m, sw.toString(16)).toBeDefined();
      expect(m!.en.length).toBeGreaterThan(3);
      expect(m!.zh).toMatch(/[\u4e00-\u9fff]/);
    }
    expect(KNOWN_STATUS_WORDS.length).toBeGreaterThanOrEqual(DOMAIN_SWS.length);
  });
  it('describes families 61xx, 63Cx, 6Cxx with their number', () => {
    expect(describeSw(0x6982)).toBe('6982 security status not satisfied (安全状态不满足)');
    expect(describeSw(0x63c2)).toBe('63C2 verification failed, 2 tries left (校验失败，还剩2次)');
    expect(describeSw(0x6110)).toMatch(/^6110 16 response bytes available/);
    expect(describeSw(0x6c00)).toMatch(/exact length is 256/);
    expect(isKnownSw(0x6234)).toBe(false);
    expect(describeSw(0x1234)).toBe('1234 unknown status word (未知状态字)');
  });
  it('covers the ISO/IEC 7816-4 §5.1.3 status words and every named SW', () => {
    // ISO 7816-4 table 6 (a selection written from the standard, not from the table under test)
    const iso = [0x6200, 0x6281, 0x6282, 0x6283, 0x6284, 0x6285, 0x6286, 0x6300, 0x6381, 0x6400, 0x6401, 0x6500, 0x6581,
      0x6700, 0x6800, 0x6881, 0x6882, 0x6883, 0x6884, 0x6900, 0x6981, 0x6982, 0x6983, 0x6984, 0x6985, 0x6986, 0x6987,
      0x6988, 0x6a80, 0x6a81, 0x6a82, 0x6a83, 0x6a84, 0x6a85, 0x6a86, 0x6a87, 0x6a88, 0x6a89, 0x6a8a, 0x6b00, 0x6d00,
      0x6e00, 0x6f00];
    for (const sw of iso) expect(isKnownSw(sw), sw.toString(16)).toBe(true);
    for (const [name, sw] of Object.entries(SW)) expect(isKnownSw(sw), name).toBe(true);
    for (const m of KNOWN_STATUS_WORDS) expect(m.zh, m.sw.toString(16)).toMatch(/[\u4e00-\u9fff]/);
    expect(new Set(KNOWN_STATUS_WORDS.map((m) => m.sw)).size).toBe(KNOWN_STATUS_WORDS.length);
    expect(lookupSw(bytesAvailable(0x10))).toMatchObject({ sw: 0x6110, family: '61xx' });
    expect(lookupSw(triesLeft(0))).toMatchObject({ sw: 0x63c0, family: '63Cx', en: 'verification failed, 0 tries left' });
    expect(lookupSw(wrongLe(0x12))).toMatchObject({ sw: 0x6c12, family: '6Cxx', en: 'wrong Le: exact length is 18' });
    expect(lookupSw(0x6110)!.family).toBe('61xx');
    expect(lookupSw(0x9000)!.family).toBeUndefined();
  });
});
