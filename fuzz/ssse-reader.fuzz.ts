/**
 * The long run of the SSSE reader kernel's mutated-response property (`npm run fuzz -- ssse`):
 * test/terminal/kernels/ssse-reader/mutated-card.property.test.ts with SSCARD_FUZZ_RUNS runs per flow
 * (default here 1000; 60 in npm test). Every flow must end in an outcome or a TransportError, the
 * unmutated card must never answer 6F00, and an approved debit must be one the card made.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';

const runs = process.env.SSCARD_FUZZ_RUNS ?? '1000';
console.log(`load average: ${loadavg().map((x) => x.toFixed(2)).join(' ')}; ${runs} runs per flow`);
const r = spawnSync('npx', ['vitest', 'run', 'test/terminal/kernels/ssse-reader/mutated-card.property.test.ts'], {
  stdio: 'inherit',
  env: { ...process.env, SSCARD_FUZZ_RUNS: runs },
});
process.exit(r.status ?? 1);
