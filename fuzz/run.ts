/**
 * `npm run fuzz`: runs every `fuzz/*.fuzz.ts` (each a standalone script, `npx tsx`), or those whose name
 * contains one of the arguments (`npm run fuzz -- pboc-kernels`); one summary line per file; exits
 * non-zero when any failed. (Minimal runner of the pboc-kernels branch; another branch brings the
 * project's — same contract.)
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const files = readdirSync(here)
  .filter((f) => f.endsWith('.fuzz.ts') && (filters.length === 0 || filters.some((x) => f.includes(x))))
  .sort();
if (files.length === 0) {
  console.error(`no fuzz/*.fuzz.ts${filters.length ? ` matching ${filters.join(', ')}` : ''}`);
  process.exit(2);
}
const results = files.map((file) => {
  console.log(`\n=== ${file} ===`);
  const started = performance.now();
  const r = spawnSync('npx', ['tsx', join(here, file)], { stdio: 'inherit' });
  return { file, ok: r.status === 0, seconds: (performance.now() - started) / 1000 };
});
console.log('\nsummary:');
for (const r of results) console.log(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.file} (${r.seconds.toFixed(1)} s)`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
