/**
 * The long tearing run of issue 8: a power cut at every write point of every save of the session that
 * runs every state-changing command (test/card/image/tearing-harness.ts), in this process and in
 * SIGKILLed child processes: 32 saves × 6 write points × 2. Prints the tally and the failures, exits 1
 * if there is any.
 *
 *   npx tsx fuzz/tearing.fuzz.ts [--no-children]
 */
import { WRITE_POINTS } from '../src/card/index.js';
import { personalised } from '../test/card/image/mutation-harness.js';
import { cutInChild, cutInProcess, uncutStates } from '../test/card/image/tearing-harness.js';

const children = !process.argv.includes('--no-children');
const { image, profile } = personalised('shanghai');
const { states, sws } = uncutStates(image, profile);
const saves = states.length - 1;
const failures: string[] = [];
if (sws.includes('6F00') || sws.includes('6581')) failures.push(`the uncut session answered ${sws.join(' ')}`);
const started = Date.now();
let runs = 0;
for (let k = 1; k <= saves; k++) {
  for (const point of WRITE_POINTS) {
    for (const cut of children ? [cutInProcess, cutInChild] : [cutInProcess]) {
      const failure = cut === cutInProcess ? await cutInProcess(image, profile, states, k, point) : await cutInChild(image, states, k, point);
      runs++;
      if (failure) failures.push(failure);
    }
  }
  process.stderr.write(`tearing: save ${k}/${saves}\n`);
}
process.stdout.write(
  `tearing: ${runs} power cuts (${saves} saves × ${WRITE_POINTS.length} write points${children ? ' × in-process and SIGKILLed child' : ', in-process'}) in ${((Date.now() - started) / 1000).toFixed(1)} s: ${failures.length} failures\n`,
);
for (const f of failures) process.stdout.write(`  ${f}\n`);
process.exitCode = failures.length > 0 ? 1 : 0;
