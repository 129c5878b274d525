/**
 * The short run of fuzz/pboc-kernels.fuzz.ts in `npm test`: 1,000 mutated card responses; every run ends
 * with an outcome or a transport error (the long run: `npm run fuzz -- pboc-kernels`, 100,000).
 */
import { describe, expect, it } from 'vitest';
import { fuzzPbocKernels, MUTATIONS } from '../../../fuzz/pboc-kernels.fuzz.js';

describe('PBOC kernels under 1,000 mutated card responses', () => {
  it('every run ends with an outcome or a transport error; never a crash, a hang or a 6F00 from the card', async () => {
    const report = await fuzzPbocKernels({ runs: 1000, seed: 2026 });
    expect(report.failures).toEqual([]);
    expect(report.mutatedResponses).toBeGreaterThanOrEqual(1000);
    // the runs reach several outcomes, and every mutation was tried
    expect(Object.keys(report.outcomes).length).toBeGreaterThanOrEqual(3);
    expect(Object.keys(report.mutations).sort()).toEqual(Object.keys(MUTATIONS).sort());
    expect(report.transportErrors).toBeGreaterThan(0);
  }, 600_000);
});
