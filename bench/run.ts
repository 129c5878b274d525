/**
 * Runs every `bench/*.bench.ts` in turn (each a standalone script run with `npx tsx`) and passes their
 * output through. `npm run bench`; `npm run bench -- sym` runs only the files whose name contains "sym".
 * Exits non-zero when a benchmark fails.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

if (files.length === 0) {
  console.error(`no bench/*.bench.ts${filters.length ? ` matching ${filters.join(', ')}` : ''}`);
  process.exit(1);
}

console.log(`sscard benchmarks — ${new Date().toISOString()} — Node ${process.version}, ${process.platform}/${process.arch}`);
let failed = 0;
for (const file of files) {
  console.log(`\n=== ${file} ===`);
  const started = performance.now();
  const result = spawnSync('npx', ['tsx', join(here, file)], { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    failed++;
    console.log(`!!! ${file} failed (exit ${result.status ?? result.signal}) after ${seconds} s`);
  } else {
    console.log(`(${file}: ${seconds} s)`);
  }
}
process.exit(failed ? 1 : 0);
