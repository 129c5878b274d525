/**
 * SM2 sign/verify speed (ops/s) of sscard's SM2 (src/crypto/sm2, on @noble/curves), and for information
 * sm-crypto-v2 and sm-crypto, each as a ratio to `openssl speed -seconds 2 sm2` measured in the same run
 * (issue 2 target: ≥ 0.8 of OpenSSL for sign and verify); the reference is the mean of two openssl runs,
 * one just before and one just after sscard's measurement. All sign with Z_A (ID 1234567812345678) and SM3,
 * one fixed key, as `openssl speed` does; verification uses one public key (per-key table cached).
 *
 *   npx tsx bench/sm2.bench.ts            (SM2_BENCH_SECONDS=2 by default)
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { systemRandom } from '../src/env.js';
import { toHex } from '../src/apdu/bytes.js';
import { sm2GenerateKeyPair, sm2Sign, sm2Verify } from '../src/crypto/sm2/index.js';

const require = createRequire(import.meta.url);
const seconds = Number(process.env.SM2_BENCH_SECONDS ?? 2);

interface Rate {
  sign: number;
  verify: number;
}

function opsPerSecond(fn: () => void, budgetSeconds: number): number {
  for (let i = 0; i < 20; i++) fn(); // warm-up: JIT, tables
  const end = performance.now() + budgetSeconds * 1000;
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now < end) {
    for (let i = 0; i < 10; i++) fn();
    n += 10;
    now = performance.now();
  }
  return n / ((now - start) / 1000);
}

function openssl(): Rate | undefined {
  const out = spawnSync('openssl', ['speed', '-seconds', String(seconds), 'sm2'], { encoding: 'utf8' });
  if (out.status !== 0) return undefined;
  // e.g. " 256 bits SM2 (CurveSM2)   0.0005s   0.0005s   1946.1   1936.1"
  const m = /SM2 \(CurveSM2\)\s+[\d.]+s\s+[\d.]+s\s+([\d.]+)\s+([\d.]+)/.exec(out.stdout);
  return m ? { sign: Number(m[1]), verify: Number(m[2]) } : undefined;
}

const keys = sm2GenerateKeyPair(systemRandom);
const message = systemRandom(32);
const privHex = toHex(keys.privateKey).toLowerCase();
const pubHex = toHex(keys.publicKey).toLowerCase();
const userId = '1234567812345678';

function ours(): Rate {
  const sig = sm2Sign(keys.privateKey, message, { random: systemRandom });
  if (!sm2Verify(keys.publicKey, message, sig)) throw new Error('sscard SM2 self-check failed');
  return {
    sign: opsPerSecond(() => sm2Sign(keys.privateKey, message, { random: systemRandom }), seconds),
    verify: opsPerSecond(() => sm2Verify(keys.publicKey, message, sig), seconds),
  };
}

/** Verification with a key seen for the first time (no per-key table): sign/s column is not measured. */
function oursColdVerify(): number {
  const items = Array.from({ length: 150 }, () => {
    const k = sm2GenerateKeyPair(systemRandom);
    return { pub: k.publicKey, sig: sm2Sign(k.privateKey, message, { random: systemRandom }) };
  });
  const start = performance.now();
  for (const it of items) if (!sm2Verify(it.pub, message, it.sig)) throw new Error('cold verify failed');
  return items.length / ((performance.now() - start) / 1000);
}

function smCryptoV2(): Rate {
  const { sm2 } = require('sm-crypto-v2') as typeof import('sm-crypto-v2');
  const point = sm2.precomputePublicKey(pubHex);
  const sig = sm2.doSignature(message, privHex, { hash: true, publicKey: pubHex, userId });
  if (!sm2.doVerifySignature(message, sig, point, { hash: true, userId })) throw new Error('sm-crypto-v2 self-check failed');
  return {
    sign: opsPerSecond(() => sm2.doSignature(message, privHex, { hash: true, publicKey: pubHex, userId }), seconds),
    verify: opsPerSecond(() => sm2.doVerifySignature(message, sig, point, { hash: true, userId }), seconds),
  };
}

function smCrypto(): Rate {
  const { sm2 } = require('sm-crypto') as {
    sm2: {
      doSignature(m: number[], k: string, o: object): string;
      doVerifySignature(m: number[], s: string, k: string, o: object): boolean;
    };
  };
  const msg = Array.from(message);
  const sig = sm2.doSignature(msg, privHex, { hash: true, publicKey: pubHex, userId });
  if (!sm2.doVerifySignature(msg, sig, pubHex, { hash: true, userId })) throw new Error('sm-crypto self-check failed');
  const budget = Math.min(seconds, 1);
  return {
    sign: opsPerSecond(() => sm2.doSignature(msg, privHex, { hash: true, publicKey: pubHex, userId }), budget),
    verify: opsPerSecond(() => sm2.doVerifySignature(msg, sig, pubHex, { hash: true, userId }), budget),
  };
}

// The machine is shared: run openssl right before and right after sscard's SM2 and take the mean as the
// reference, so that both see the same load.
const before = openssl();
const oursRate = ours();
const after = openssl();
const reference = before && after ? { sign: (before.sign + after.sign) / 2, verify: (before.verify + after.verify) / 2 } : (before ?? after);
const rows: Array<[string, Rate]> = [];
if (before) rows.push(['openssl speed sm2 (before)', before]);
if (after) rows.push(['openssl speed sm2 (after)', after]);
if (reference) rows.push(['openssl reference (mean)', reference]);
rows.push(['sscard (src/crypto/sm2, @noble/curves)', oursRate]);
rows.push(['sscard verify, a new key each time', { sign: NaN, verify: oursColdVerify() }]);
rows.push(['sm-crypto-v2 (hash: true)', smCryptoV2()]);
rows.push(['sm-crypto (hash: true)', smCrypto()]);

const fmt = (n: number) => (Number.isNaN(n) ? '-' : n.toFixed(0)).padStart(8);
const ratio = (n: number, ref?: number) => (ref && !Number.isNaN(n) ? (n / ref).toFixed(2).padStart(6) : '     -');
console.log(`SM2 sign/verify, ops/s (${seconds} s each; ratio = / mean of openssl speed run just before and after sscard)`);
console.log(`${'implementation'.padEnd(42)} ${'sign/s'.padStart(8)} ${'verify/s'.padStart(8)}  ${'sign×'.padStart(6)} ${'verify×'.padStart(7)}`);
for (const [name, r] of rows) {
  console.log(`${name.padEnd(42)} ${fmt(r.sign)} ${fmt(r.verify)}  ${ratio(r.sign, reference?.sign)} ${ratio(r.verify, reference?.verify).padStart(7)}`);
}
if (!reference) console.log('(openssl speed sm2 unavailable: no ratios)');
