// The short version of the card runtime's robustness run (fuzz/card-runtime.ts; `npm run fuzz` runs
// 1,000,000 APDUs): 20,000 random and mutated APDUs over every fixture profile, both interfaces, with
// resets and power cuts. Any exception, any 6F00, any broken invariant fails the test.
// Regression of issue 8 item 8: the gen2-3des card answered 6F00 to secure messaging after a 16-byte
// challenge (RangeError in the SSSE session key); a failure of this file before the fix.
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../src/apdu/bytes.js';
import { seededRandom } from '../../../src/env.js';
import { silentLogger } from '../../../src/log.js';
import { createCard } from '../../../src/card/index.js';
import { runCardFuzz } from '../../../fuzz/card-runtime.js';
import { clock, personalised } from './personalised.js';

describe('card runtime robustness', () => {
  it('gen2-3des: GET CHALLENGE of 16 bytes, then an SM UPDATE RECORD with a wrong MAC answers 6988 (not 6F00)', () => {
    const card = createCard(personalised('gen2-3des'), { random: seededRandom(1), clock, log: silentLogger() });
    card.powerOn('contact');
    expect(toHex(card.transmit(fromHex('0084000010'))).slice(-4)).toBe('9000');
    expect(toHex(card.transmit(fromHex('04DC012C0811223344AABBCCDD')))).toBe('6988');
  });

  it('20,000 random and mutated APDUs: no exception, no 6F00, invariants hold', () => {
    const summary = runCardFuzz({ apdus: 20_000, seed: 20261201, maxFailures: 5 });
    const report = summary.failures.map((f) => `${f.problem}\n  ${f.profile} ${f.iface} episode ${f.episode}: ${f.apdu} → ${f.response ?? '-'}\n  ${f.history.slice(-12).join('\n  ')}`);
    expect(report).toEqual([]);
    expect(summary.apdus).toBe(20_000);
    expect(summary.stateChanges).toBeGreaterThan(0);
    expect(summary.powerCutsInside).toBeGreaterThan(0);
    expect(summary.powerCutsBetween).toBeGreaterThan(0);
  }, 120_000);
});
