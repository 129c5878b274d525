/**
 * `npm run fuzz` (or `npm run fuzz -- card-runtime`): the card runtime's robustness run
 * (fuzz/card-runtime.ts). FUZZ_APDUS sets the number of APDUs (default 1,000,000), FUZZ_SEED the seed.
 * Progress on stderr; a summary on stdout; exit 1 when an invariant broke (each failure printed with
 * the APDUs of its episode, to replay).
 */
import { swHex } from '../src/apdu/status-word-table.js';
import { fuzzProfiles, runCardFuzz } from './card-runtime.js';

const apdus = Number(process.env.FUZZ_APDUS ?? 1_000_000);
const seed = Number(process.env.FUZZ_SEED ?? 1);
if (!Number.isSafeInteger(apdus) || apdus < 1) {
  console.error(`FUZZ_APDUS must be a positive integer, got ${process.env.FUZZ_APDUS}`);
  process.exit(2);
}

const started = performance.now();
const summary = runCardFuzz({
  apdus,
  seed,
  progressEvery: 50_000,
  onProgress(done, s) {
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write(`card-runtime: ${done.toLocaleString('en-US')} / ${apdus.toLocaleString('en-US')} APDUs, ${s.failures.length} failures, ${Math.round(done / seconds).toLocaleString('en-US')} APDUs/s\n`);
  },
});

const top = [...summary.statusWords.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12);
console.log(`card runtime fuzz — seed ${seed}`);
console.log(`  APDUs ${summary.apdus.toLocaleString('en-US')} in ${summary.episodes.toLocaleString('en-US')} episodes (profiles ${fuzzProfiles().join(', ')}; contact and contactless), ${summary.seconds.toFixed(1)} s (${Math.round(summary.apdus / summary.seconds).toLocaleString('en-US')} APDUs/s)`);
console.log(`  state-changing commands saved ${summary.stateChanges.toLocaleString('en-US')}, answered 6581 after an injected save failure ${summary.failedSaves.toLocaleString('en-US')}; warm resets ${summary.warmResets}; power cuts between commands ${summary.powerCutsBetween}, inside commands ${summary.powerCutsInside}`);
console.log(`  status words: ${top.map(([sw, n]) => `${swHex(sw)} ${n}`).join(', ')}`);
console.log(`  failures: ${summary.failures.length}`);
for (const f of summary.failures) {
  console.log(`\n  ✗ ${f.problem}\n    profile ${f.profile}, ${f.iface}, episode ${f.episode}\n    APDU ${f.apdu}${f.response ? ` → ${f.response}` : ''}\n    episode so far:\n      ${f.history.slice(-30).join('\n      ')}`);
}
process.exit(summary.failures.length ? 1 : 0);
