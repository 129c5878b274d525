/**
 * `npm run fuzz`: runs every `fuzz/*.fuzz.ts` in turn (each a standalone script run with `npx tsx`), or
 * only those whose name contains one of the arguments (`npm run fuzz -- card-runtime`). Each prints its
 * progress on stderr and its own summary; this runner ends with one line per file and exits non-zero
 * when any failed.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.fuzz.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

if (files.length === 0) {
  console.error(`no fuzz/*.fuzz.ts${filters.length ? ` matching ${filters.join(', ')}` : ''}`);
  process.exit(2);
}

console.log(`sscard robustness runs — ${new Date().toISOString()} — Node ${process.version}`);
const results: Array<{ file: string; ok: boolean; seconds: number; status: string }> = [];
for (const [i, file] of files.entries()) {
  process.stderr.write(`[${i + 1}/${files.length}] ${file}\n`);
  console.log(`\n=== ${file} ===`);
  const started = performance.now();
  const result = spawnSync('npx', ['tsx', join(here, file)], { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
  const seconds = (performance.now() - started) / 1000;
  results.push({ file, ok: result.status === 0, seconds, status: String(result.status ?? result.signal) });
}
console.log('\nsummary:');
for (const r of results) console.log(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.file} (${r.seconds.toFixed(1)} s${r.ok ? '' : `, exit ${r.status}`})`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
