/**
 * Card runtime benchmark (issue 8): every figure beside its baseline, measured in the same run.
 * Standalone: `npx tsx bench/card-runtime.bench.ts` (or `npm run bench -- card-runtime`).
 * BENCH_SECONDS (default 2) sets the length of each rate measurement; BENCH_CARDS (default 1000) the
 * number of cards of the many-cards row.
 *
 * 1. SELECT / SELECT EF05 / READ RECORD in-process on the Shanghai card (T=1, contact), against
 *    vsmartcard's Python card OS (`Iso7816OS.execute`, Debian python3-virtualsmartcard) on the same
 *    APDUs and the same EF05 records, run as a Python subprocess now (bench/vsmartcard-card.py). Both
 *    select with P2=0C (vsmartcard 0.9 cannot encode an FCI under Python 3); sscard also with its FCI.
 *    For scale: the per-APDU work of the runtime before issue 8 (structuredClone of the image and
 *    JSON.stringify of the draft), measured on the same image.
 * 2. GPO + GENERATE AC (ARQC) on an in-memory card.
 * 3. GPO (each one increments the ATC, so each is saved) on a file-backed card, against the raw rate of
 *    this disk's durable write-and-rename (write a temp file of the same size, fsync, rename, fsync the
 *    directory) in the same directory.
 * 4. 1,000 cards in one process: time to personalise them, RSS before and after, and a SELECT on each.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, fsyncSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromHex, toHex } from '../src/apdu/bytes.js';
import { fixedClock, seededRandom } from '../src/env.js';
import { silentLogger } from '../src/log.js';
import { createCard, openCardFile, writeFileAtomic, type Card, type CardStore } from '../src/card/index.js';
import { serializeImage } from '../src/card/runtime/serialize.js';
import type { CardImage, EfImage } from '../src/card/runtime/types.js';
import { parseProfile } from '../src/card/personalize/profile.js';
import type { Holder } from '../src/card/personalize/holder.js';
import { personalize } from '../src/card/personalize/personalize.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const CARDS = Number(process.env.BENCH_CARDS ?? 1000);
const root = fileURLToPath(new URL('../', import.meta.url));
const load = (p: string) => JSON.parse(readFileSync(join(root, p), 'utf8'));
const clock = fixedClock(new Date('2026-11-22T10:00:00Z'));
const profile = parseProfile(load('fixtures/profiles/shanghai.json'));
const holder = load('fixtures/holders/shanghai-li.json') as Holder;
const deps = () => ({ random: seededRandom(1), clock, log: silentLogger() });
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

/** Operations per second of wall-clock time, and per second of this process's CPU time. */
interface Rate {
  wall: number;
  cpu: number;
}

/** Runs `fn` (one call = `per` operations) for about SECONDS after a warm-up. */
function rate(fn: () => void, per = 1): Rate {
  const warm = performance.now() + 300;
  while (performance.now() < warm) fn();
  let calls = 0;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  const end = start + SECONDS * 1000;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 50; i++) fn();
    calls += 50;
    now = performance.now();
  }
  const cpu = process.cpuUsage(cpu0);
  return { wall: (calls * per) / ((now - start) / 1000), cpu: (calls * per) / ((cpu.user + cpu.system) / 1e6) };
}
const both = (r: Rate) => `${fmt(r.wall).padStart(9)} /s wall, ${fmt(r.cpu).padStart(9)} per CPU-second`;

function loop(card: Card, hexes: string[]): () => void {
  const apdus = hexes.map((h) => fromHex(h));
  return () => {
    for (const a of apdus) card.transmit(a);
  };
}

const sw = (r: Uint8Array) => toHex(r.subarray(r.length - 2));

console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; BENCH_SECONDS=${SECONDS}`);
const image = personalize(profile, holder, { random: seededRandom(3), clock });
const imageJson = JSON.stringify(image);
console.log(`image: ${imageJson.length.toLocaleString('en-US')} bytes of JSON (${JSON.stringify(image, null, 1).length.toLocaleString('en-US')} as saved)`);

// --- 1. SELECT + READ RECORD -------------------------------------------------------------------------
const SSSE = '7378312E73682EC9E7BBE1B1A3D5CF';
const NO_FCI = [`00A4040C0F${SSSE}`, '00A4020C02EF05', '00B2010400'];
const WITH_FCI = [`00A404000F${SSSE}`, '00A4020002EF05', '00B2010400'];
const ef05 = image.mf.children.find((c): c is EfImage => c.kind === 'ef' && c.fid === 0xef05)!;
const readCard = createCard(structuredClone(image), deps());
readCard.powerOn('contact');
const ours = NO_FCI.map((h) => sw(readCard.transmit(fromHex(h))));
const oursNoFci = rate(loop(readCard, NO_FCI), 3);
const oursFci = rate(loop(readCard, WITH_FCI), 3);
const py = JSON.parse(
  execFileSync('python3', [join(root, 'bench/vsmartcard-card.py'), String(SECONDS), ...NO_FCI, ...(ef05.records ?? [])], { encoding: 'utf8' }),
) as { apdus: number; seconds: number; cpu_seconds: number; answers: string[] };
const pyRate: Rate = { wall: py.apdus / py.seconds, cpu: py.apdus / py.cpu_seconds };
const oursAgain = rate(loop(readCard, NO_FCI), 3); // after the Python run too: the load changes
const oldWork = rate(() => {
  const draft = structuredClone(image);
  JSON.stringify(draft);
});
const mean = (a: Rate, b: Rate): Rate => ({ wall: (a.wall + b.wall) / 2, cpu: (a.cpu + b.cpu) / 2 });
const ourRead = mean(oursNoFci, oursAgain);
console.log('\nSELECT SSSE / SELECT EF05 / READ RECORD 1, in-process (APDUs)');
console.log(`  sscard, SELECT P2=0C (mean of before and after the Python run) ${both(ourRead)}   (answers ${ours.join(' ')})`);
console.log(`  sscard, SELECT with FCI                                        ${both(oursFci)}`);
console.log(`  vsmartcard Iso7816OS (Python), same APDUs and records          ${both(pyRate)}   (answers ${py.answers.map((a) => a.slice(-4)).join(' ')})`);
console.log(`  ratio sscard / vsmartcard: ${(ourRead.wall / pyRate.wall).toFixed(1)} × wall, ${(ourRead.cpu / pyRate.cpu).toFixed(1)} × CPU   (targets ≥ 15×, ≥ 200,000/s)`);
console.log(`  for scale: structuredClone + JSON.stringify of this image (the per-APDU work before issue 8): ${both(oldWork)}`);

// --- 2. GPO + GENERATE AC in memory --------------------------------------------------------------------
const PDOL_DATA = `00000000${'000000012345'}${'0'.repeat(12)}0156${'00'.repeat(5)}0156261122001122334400` + '01';
const GPO = `80A8000025${'8323'}${PDOL_DATA}00`;
const CDOL1 = `${'000000012345'}${'0'.repeat(12)}0156${'00'.repeat(5)}015626112200A1B2C3D4103000${'20'.repeat(20)}`;
const GAC = `80AE800034${CDOL1}00`;
const payCard = createCard(structuredClone(image), deps());
payCard.powerOn('contact');
const paySw = [sw(payCard.transmit(fromHex('00A4040008A000000333010101'))), sw(payCard.transmit(fromHex(GPO))), sw(payCard.transmit(fromHex(GAC)))];
const pay = rate(loop(payCard, [GPO, GAC]), 2);
console.log('\nGPO + GENERATE AC (ARQC), in-memory card');
console.log(`  APDUs ${both(pay)} (${fmt(pay.wall / 2)} transactions/s wall)   (answers ${paySw.join(' ')}; target ≥ 20,000 APDUs/s)`);

// --- 3. file-backed card vs the disk's durable write-and-rename ----------------------------------------
const dir = mkdtempSync(join(root, '.bench-card-'));
try {
  const file = join(dir, 'card.json');
  writeFileSync(file, `${JSON.stringify(image, null, 1)}\n`);
  const fileCard = openCardFile(file, deps());
  fileCard.powerOn('contact');
  fileCard.transmit(fromHex('00A4040008A000000333010101'));
  const gpoSw = sw(fileCard.transmit(fromHex(GPO)));
  const atcBefore = ((JSON.parse(readFileSync(file, 'utf8')) as CardImage).apps.pboc as { atc: number }).atc;
  const size = readFileSync(file).length;
  const payload = Buffer.alloc(size, 0x20);
  const raw = join(dir, 'raw.json');
  let n = 0;
  const rawWrite = () => {
    payload[n++ % 1024] = 0x30 + (n % 10); // a changed byte each time, as a card's state changes
    const temp = join(dir, '.raw.json.tmp');
    const fd = openSync(temp, 'w', 0o600);
    writeSync(fd, payload);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, raw);
    const dfd = openSync(dir, 'r');
    fsyncSync(dfd);
    closeSync(dfd);
  };
  const gpo = fromHex(GPO);
  const cardWrite = () => void fileCard.transmit(gpo);
  // the same atomic write (the store's writeFileAtomic) with the runtime's incremental serialiser
  const memoFile = join(dir, 'memo.json');
  writeFileSync(memoFile, readFileSync(file));
  const memoStore: CardStore = {
    description: memoFile,
    load: () => JSON.parse(readFileSync(memoFile, 'utf8')) as CardImage,
    save: (img) => writeFileAtomic(memoFile, serializeImage(img)),
  };
  const memoCard = createCard(memoStore.load(), deps(), { store: memoStore });
  memoCard.powerOn('contact');
  memoCard.transmit(fromHex('00A4040008A000000333010101'));
  const memoWrite = () => void memoCard.transmit(gpo);
  // The disk is shared and its latency wanders (2-10 ms per durable write here): alternate one raw
  // write and one card GPO, so that both see the same disk, and compare the mean and median times.
  for (let i = 0; i < 20; i++) {
    rawWrite();
    cardWrite();
    memoWrite();
  }
  const rawMs: number[] = [];
  const cardMs: number[] = [];
  const memoMs: number[] = [];
  const until = performance.now() + SECONDS * 3000;
  // Each write pays for the one before it (the file system's journal commit), so the order of the three
  // rotates every round: each kind follows each other kind equally often.
  const kinds: Array<[() => void, number[]]> = [
    [rawWrite, rawMs],
    [cardWrite, cardMs],
    [memoWrite, memoMs],
  ];
  for (let round = 0; performance.now() < until; round++) {
    for (let j = 0; j < kinds.length; j++) {
      const [write, times] = kinds[(round + j) % kinds.length]!;
      const t = performance.now();
      write();
      times.push(performance.now() - t);
    }
  }
  const avg = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
  const mid = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
  const fileRate = 1000 / avg(cardMs);
  const rawRate = 1000 / avg(rawMs);
  const atcAfter = ((JSON.parse(readFileSync(file, 'utf8')) as CardImage).apps.pboc as { atc: number }).atc;
  console.log(`\nstate-changing APDUs on a file-backed card (GPO: ATC ${atcBefore} → ${atcAfter}, each one saved), ${fmt(size)}-byte image, in ${dir.replace(root, '')}`);
  console.log(`  sscard GPO on the card file                ${fmt(fileRate).padStart(8)} APDUs/s   (answer ${gpoSw})`);
  console.log(`  raw durable write + fsync + rename + fsync ${fmt(rawRate).padStart(8)} writes/s (same size, one byte changed per write)`);
  console.log(`  sscard GPO, same atomic write, image text from serializeImage (memoised) ${fmt(1000 / avg(memoMs)).padStart(4)} APDUs/s`);
  console.log(`  ${rawMs.length} rounds, order rotating, raw / card / card+serializeImage; medians ${mid(rawMs).toFixed(2)} / ${mid(cardMs).toFixed(2)} / ${mid(memoMs).toFixed(2)} ms`);
  console.log(`  ratio to raw, card file (FileCardStore): ${(fileRate / rawRate).toFixed(2)} by the means, ${(mid(rawMs) / mid(cardMs)).toFixed(2)} by the medians   (target ≥ 0.8)`);
  console.log(`  ratio to raw, with serializeImage:       ${(1000 / avg(memoMs) / rawRate).toFixed(2)} by the means, ${(mid(rawMs) / mid(memoMs)).toFixed(2)} by the medians`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// --- 4. many cards in one process ----------------------------------------------------------------------
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (() => void) | undefined;
gc?.();
const rssBefore = process.memoryUsage().rss;
const started = performance.now();
const cards: Card[] = [];
for (let i = 0; i < CARDS; i++) {
  const img = personalize(profile, holder, { random: seededRandom(1000 + i), clock });
  cards.push(createCard(img, { random: seededRandom(i), clock, log: silentLogger() }));
}
const personaliseSeconds = (performance.now() - started) / 1000;
let ok = 0;
for (const card of cards) {
  card.powerOn('contact');
  if (sw(card.transmit(fromHex(WITH_FCI[0]!))) === '9000') ok++;
}
gc?.();
const rssAfter = process.memoryUsage().rss;
console.log(`\n${CARDS.toLocaleString('en-US')} cards in one process (personalised from the Shanghai profile, each its own SM2 key pair and certificate)`);
console.log(`  personalise + create: ${personaliseSeconds.toFixed(1)} s (${(personaliseSeconds * 1000 / CARDS).toFixed(1)} ms per card); SELECT answered 9000 on ${ok}`);
console.log(`  RSS ${(rssBefore / 2 ** 20).toFixed(0)} MiB before, ${(rssAfter / 2 ** 20).toFixed(0)} MiB after: ${((rssAfter - rssBefore) / CARDS / 1024).toFixed(0)} KiB per card${gc ? '' : ' (no --expose-gc: RSS without a collection)'}`);
console.log(`\nload average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
