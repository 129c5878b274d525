/**
 * The long run of issue 8, item 9: 3,000 single-field mutations (1,000 per bundled profile, or
 * `--count N` each) of personalised card images; each must be refused at load with the path of the
 * field, or load and then pass `card show`, a standard session of every application over both
 * interfaces and a reload (test/card/image/mutation-harness.ts). Prints the tally, the failures, and
 * exits 1 if there is any.
 *
 *   npx tsx fuzz/image-mutations.fuzz.ts [--count 1000] [--seed 1]
 */
import { MUTATION_PROFILES, describeMutation, mutate, personalised, tryMutated } from '../test/card/image/mutation-harness.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name}: expected a non-negative integer`);
  return v;
}

const count = option('count', 1000);
const seed = option('seed', 1);
const tally = { refused: 0, works: 0, failure: 0 };
const failures: string[] = [];
const started = Date.now();
for (const name of MUTATION_PROFILES) {
  const { image, profile } = personalised(name, seed);
  for (let i = 0; i < count; i++) {
    const { mutated, mutation } = mutate(image, seed * 7_919 + i * 104_729 + name.length);
    const outcome = tryMutated(mutated, profile);
    tally[outcome.kind]++;
    if (outcome.kind === 'failure') failures.push(`${name} #${i} ${describeMutation(mutation)}: ${outcome.reason}`);
    if ((i + 1) % 250 === 0) process.stderr.write(`image-mutations: ${name} ${i + 1}/${count}\n`);
  }
}
const seconds = ((Date.now() - started) / 1000).toFixed(1);
process.stdout.write(
  `image-mutations: ${count * MUTATION_PROFILES.length} mutations (${MUTATION_PROFILES.join(', ')}; seed ${seed}) in ${seconds} s: ` +
    `${tally.refused} refused with a path, ${tally.works} loaded and worked, ${tally.failure} failures\n`,
);
for (const f of failures) process.stdout.write(`  ${f}\n`);
process.exitCode = failures.length > 0 ? 1 : 0;
