import { describe, expect, it } from 'vitest';
import { KNOWN_STATUS_WORDS, describeSw, isKnownSw, lookupSw } from '../../src/apdu/status-word-table.js';

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
});
