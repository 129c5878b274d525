/**
 * The pcscd load runs, short (a few seconds; the 60 s runs are fuzz/pcscd-load.fuzz.ts): 8 served cards
 * × 8 concurrent PC/SC clients (pyscard) on a private pcscd with its own reader.conf — zero errors, no
 * state lost — and the same with pcscd restarted under the load. test/e2e/pcscd-load.ts says what is
 * checked. Skipped, with a note, where
 * no private pcscd can run or pyscard is missing.
 */
import { describe, expect, it } from 'vitest';
import { probePcscd } from './private-pcscd.js';
import { pyscardAvailable, runPcscdLoad } from './pcscd-load.js';

const probe = probePcscd({ slots: 8, mode: 'private' });
const reason = !probe.ok ? probe.reason : !pyscardAvailable() ? 'pyscard is not installed (apt-get install python3-pyscard)' : undefined;
if (reason) console.warn(`[e2e] skipping the pcscd load test: ${reason}`);

describe.skipIf(reason !== undefined)('pcscd under load', () => {
  it('8 cards × 8 clients: every answer right, every ATC once, every GPO in the image files', async () => {
    const report = await runPcscdLoad({ cards: 8, clients: 8, seconds: 4 });
    console.log(`[e2e] pcscd load: ${report.sequences} sequences in ${report.seconds.toFixed(1)} s, ATC per card ${report.cards.map((c) => c.atcAfter).join(' ')}`);
    expect(report.problems).toEqual([]);
    expect(report.sequences).toBeGreaterThan(0);
    for (const card of report.cards) expect(card.atcAfter - card.atcBefore).toBe(card.gpoOk);
    // Every card was actually used by the clients.
    expect(report.cards.every((c) => c.gpoOk > 0)).toBe(true);
  });

  it('pcscd restarted under load: sscard serve reconnects, no wrong answer, no ATC lost or repeated', async () => {
    const report = await runPcscdLoad({ cards: 4, clients: 4, seconds: 10, restartEveryMs: 3000 });
    console.log(`[e2e] pcscd restarts under load: ${report.restarts} restarts, ${report.interruptions} client interruptions, ${report.sequences} sequences`);
    expect(report.problems).toEqual([]);
    expect(report.restarts).toBeGreaterThanOrEqual(2);
    expect(report.errors).toEqual([]);
    for (const card of report.cards) {
      expect(card.duplicates).toBe(0);
      expect(card.atcAfter - card.atcBefore).toBeGreaterThanOrEqual(card.gpoOk);
      expect(card.atcAfter - card.atcBefore).toBeLessThanOrEqual(card.gpoSent);
    }
  });
});
