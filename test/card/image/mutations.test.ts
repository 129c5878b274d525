// Issue 8, item 9: single-field mutations of personalised images (the short run; `npm run fuzz` runs
// 3,000). Each one is refused at load with the path of the field, or loads and then `card show`, a
// standard session of every application over both interfaces and a reload of the saved image all work:
// no exception, no 6F00. See mutation-harness.ts.
import { describe, expect, it } from 'vitest';
import { MUTATION_PROFILES, describeMutation, mutate, personalised, tryMutated } from './mutation-harness.js';

const PER_PROFILE = 100;

describe('single-field mutations of a card image', () => {
  for (const name of MUTATION_PROFILES) {
    it(`${name}: ${PER_PROFILE} mutations, each refused with its path or working end to end`, () => {
      const { image, profile } = personalised(name);
      const failures: string[] = [];
      const seen = { refused: 0, works: 0 };
      for (let i = 0; i < PER_PROFILE; i++) {
        const { mutated, mutation } = mutate(image, 1_000_003 * (i + 1) + name.length);
        const outcome = tryMutated(mutated, profile);
        if (outcome.kind === 'failure') failures.push(`#${i} ${describeMutation(mutation)}: ${outcome.reason}`);
        else seen[outcome.kind]++;
      }
      expect(failures).toEqual([]);
      // Both outcomes occur: the run tests the schema's refusals and the runtime on what it accepts.
      expect(seen.refused).toBeGreaterThan(0);
      expect(seen.works).toBeGreaterThan(0);
    });
  }

  it('the unmutated images work end to end', () => {
    for (const name of MUTATION_PROFILES) {
      const { image, profile } = personalised(name);
      expect(tryMutated(structuredClone(image), profile)).toEqual({ kind: 'works' });
    }
  });
});
