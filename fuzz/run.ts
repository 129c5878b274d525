/**
 * `npm run fuzz`: the long robustness runs. Runs every `fuzz/*.fuzz.ts` (each a standalone script,
 * `npx tsx`), or those whose name contains an argument (`npm run fuzz -- pcscd`); exits non-zero when
 * one fails. (Minimal runner; the card-runtime work brings the full one with the same interface.)
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.fuzz.ts') && (filters.length === 0 || filters.some((x) => f.includes(x))))
  .sort();
if (files.length === 0) {
  console.error(`no fuzz/*.fuzz.ts${filters.length ? ` matching ${filters.join(', ')}` : ''}`);
  process.exit(2);
}
let failed = 0;
for (const file of files) {
  console.log(`\n=== ${file} ===`);
  const started = performance.now();
  const r = spawnSync('npx', ['tsx', join(here, file)], { stdio: 'inherit' });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) failed++;
  console.log(`${r.status === 0 ? 'ok' : 'FAIL'} ${file} (${seconds} s)`);
}
process.exit(failed ? 1 : 0);
