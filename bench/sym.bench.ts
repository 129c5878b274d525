/**
 * Symmetric crypto benchmark: sscard's SM3 and SM4 against `openssl speed` run in the same process run.
 * Standalone: `npx tsx bench/sym.bench.ts` (or `npm run bench`).
 *
 * Rows: SM3 on 64-byte and 8 KiB messages; SM4 on one 16-byte block (ECB, the reused context of a
 * `BlockCipher`); SM4-CBC over 1 MiB. Each rate is compared with OpenSSL's rate for the same algorithm and
 * the nearest message size (`openssl speed -seconds 1 -mr -evp <alg>`, columns 64/8192 for SM3, 16 for
 * SM4-ECB, 16384 for SM4-CBC bulk). Extra rows (no OpenSSL counterpart) show the MACs the card computes
 * per command, including key setup.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createBlockCipher } from '../src/crypto/block-cipher.js';
import { pbocMac, ssseMac } from '../src/crypto/mac.js';
import { sm3 } from '../src/crypto/sm3.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);

/** Calls `fn` in batches for about `SECONDS` (after a short warm-up); returns calls per second. */
function rate(fn: () => unknown, batch = 1000): number {
  const warmEnd = performance.now() + 100;
  while (performance.now() < warmEnd) for (let i = 0; i < batch; i++) fn();
  let calls = 0;
  const start = performance.now();
  const end = start + SECONDS * 1000;
  let now = start;
  while (now < end) {
    for (let i = 0; i < batch; i++) fn();
    calls += batch;
    now = performance.now();
  }
  return calls / ((now - start) / 1000);
}

/** Bytes per second for each message size, from `openssl speed -mr` (+H sizes, +F bytes/s). */
function opensslSpeed(evp: string): Map<number, number> {
  const out = execFileSync('openssl', ['speed', '-seconds', String(SECONDS), '-mr', '-evp', evp], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const sizes = /^\+H:(.*)$/m.exec(out)?.[1]?.split(':').map(Number);
  const rates = /^\+F:\d+:[^:]+:(.*)$/m.exec(out)?.[1]?.split(':').map(Number);
  if (!sizes || !rates || sizes.length !== rates.length) throw new Error(`cannot parse openssl speed output:\n${out}`);
  return new Map(sizes.map((s, i) => [s, rates[i]!]));
}

interface Row {
  what: string;
  unit: 'ops/s' | 'MB/s';
  ours: number;
  openssl?: number;
  opensslWhat?: string;
}

const fmt = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));

function printTable(rows: Row[]): void {
  const lines = [['benchmark', 'sscard', 'openssl', 'ratio', 'openssl measurement']];
  for (const r of rows) {
    lines.push([
      r.what,
      `${fmt(r.ours)} ${r.unit}`,
      r.openssl === undefined ? '-' : `${fmt(r.openssl)} ${r.unit}`,
      r.openssl === undefined ? '-' : (r.ours / r.openssl).toFixed(2),
      r.opensslWhat ?? '',
    ]);
  }
  const widths = lines[0]!.map((_, c) => Math.max(...lines.map((l) => l[c]!.length)));
  for (const [i, l] of lines.entries()) {
    console.log(l.map((cell, c) => (c === 0 || c === 4 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

const MB = 1e6;
const rows: Row[] = [];

// --- sscard ---
const msg64 = randomBytes(64);
const msg8k = randomBytes(8192);
const sm3_64 = rate(() => sm3(msg64));
const sm3_8k = rate(() => sm3(msg8k), 20) * 8192;

const key = randomBytes(16);
const sm4 = createBlockCipher('SM4', key);
let block: Uint8Array = randomBytes(16);
const sm4Block = rate(() => {
  block = sm4.encrypt(block);
});
const mib = randomBytes(1 << 20);
const iv = randomBytes(16);
const sm4Cbc = rate(() => sm4.encryptCbc(mib, iv), 1) * mib.length;
const sm4CbcDec = rate(() => sm4.decryptCbc(mib, iv), 1) * mib.length;

const apdu = randomBytes(21);
const ssseMacRate = rate(() => ssseMac('SM4', key, apdu));
const cdol = randomBytes(43);
const pbocSm4Rate = rate(() => pbocMac('SM4', key, cdol));
const pboc3desRate = rate(() => pbocMac('3DES', key, cdol));

// --- openssl, same run ---
const osSm3 = opensslSpeed('sm3');
const osEcb = opensslSpeed('sm4-ecb');
const osCbc = opensslSpeed('sm4-cbc');

rows.push(
  { what: 'SM3, 64-byte message', unit: 'ops/s', ours: sm3_64, openssl: osSm3.get(64)! / 64, opensslWhat: '-evp sm3, 64 B' },
  { what: 'SM3, 8 KiB message', unit: 'MB/s', ours: sm3_8k / MB, openssl: osSm3.get(8192)! / MB, opensslWhat: '-evp sm3, 8192 B' },
  { what: 'SM4-ECB, one 16-byte block', unit: 'ops/s', ours: sm4Block, openssl: osEcb.get(16)! / 16, opensslWhat: '-evp sm4-ecb, 16 B' },
  { what: 'SM4-CBC encrypt, 1 MiB', unit: 'MB/s', ours: sm4Cbc / MB, openssl: osCbc.get(16384)! / MB, opensslWhat: '-evp sm4-cbc, 16384 B' },
  { what: 'SM4-CBC decrypt, 1 MiB', unit: 'MB/s', ours: sm4CbcDec / MB, openssl: osEcb.get(16384)! / MB, opensslWhat: '-evp sm4-ecb, 16384 B (decrypt is parallel)' },
  { what: 'ssseMac SM4, 21 B + key setup', unit: 'ops/s', ours: ssseMacRate },
  { what: 'pbocMac SM4, 43 B + key setup', unit: 'ops/s', ours: pbocSm4Rate },
  { what: 'pbocMac 3DES, 43 B + key setup', unit: 'ops/s', ours: pboc3desRate },
);

console.log(`symmetric crypto (${SECONDS} s per row; openssl speed -seconds ${SECONDS} -mr -evp sm3 | sm4-ecb | sm4-cbc)`);
printTable(rows);
