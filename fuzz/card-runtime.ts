/**
 * Robustness run of the card runtime (issue 8, docs/robustness.md "Card runtime"): random and mutated
 * APDUs over every fixture profile, both interfaces, with warm resets, power cuts between commands
 * (the card is reopened from its store) and power cuts inside state-changing commands (the runtime's
 * fault hook, faults.ts). After every APDU:
 * - the card threw nothing (except `CardPowerLostError` at an injected cut) and did not answer 6F00;
 * - the status word is one of the table; a response has at least the two status bytes;
 * - no key (SSSE keys, PBOC UDKs and ICC private key, PKI private key) appears in a response;
 * - the durable image changed only with a committing status word (9000, 61xx, 62xx, 63xx, 6983);
 * - the durable ATC never goes down, and every successful GPO raised it above the last one
 *   (across power cuts too); a cryptogram never carries an ATC that is not saved;
 * - the EC balance is within [0, limit];
 * - with saves made to fail now and then (2 % of saves): a command answered 6581 left the durable image
 *   as it was, but for a try charged before its comparison; and while saves fail (a save failed and
 *   none succeeded since, even across power cuts), no PIN command with data (INS 20, 24, 5E) gives an outcome
 *   (9000 or 63Cx) without a save that succeeded during it: a PIN try is never free;
 * - no PIN or key try counter rises without a command that answered 9000.
 *
 * `runCardFuzz` is used by `fuzz/card-runtime.fuzz.ts` (`npm run fuzz`, 1,000,000 APDUs) and by the
 * short version in `npm test` (test/card/runtime/robustness.test.ts).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { concat, fromHex, toHex } from '../src/apdu/bytes.js';
import { isKnownSw } from '../src/apdu/status-word-table.js';
import { ssseMac } from '../src/crypto/mac.js';
import { fixedClock, seededRandom } from '../src/env.js';
import { pino } from 'pino';
import { createCard, type Card, type CardStore } from '../src/card/index.js';
import { CardPowerLostError } from '../src/card/runtime/faults.js';
import { sameTree } from '../src/card/runtime/transaction.js';
import type { CardImage, CardInterface, DfImage, EfImage, KeyImage } from '../src/card/runtime/types.js';
import { parseProfile } from '../src/card/personalize/profile.js';
import { sampleHolder } from '../src/card/personalize/sample-holder.js';
import { personalize } from '../src/card/personalize/personalize.js';

/** Every profile of fixtures/profiles (each personalised for an invented holder, `sampleHolder`). */
export function fuzzProfiles(): string[] {
  return readdirSync(fileURLToPath(new URL('fixtures/profiles/', root)))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}
type ProfileName = string;

const root = new URL('../', import.meta.url);

const loadJson = (p: string) => JSON.parse(readFileSync(fileURLToPath(new URL(p, root)), 'utf8'));
const clock = fixedClock(new Date('2026-11-22T10:00:00Z'));

/** A small deterministic PRNG (xorshift32) for the generator (the card gets its own seeded source). */
class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.#s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#s = x >>> 0;
    return this.#s;
  }
  int(n: number): number {
    return this.next() % n;
  }
  chance(p: number): boolean {
    return this.next() / 0x1_0000_0000 < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff;
    return out;
  }
}

/**
 * An in-memory store keeping the committed (frozen, never changed) image by reference; `fails()` decides
 * whether a save throws (a full or read-only disk).
 */
class FuzzStore implements CardStore {
  readonly description = 'fuzz store';
  saves = 0;
  failed = 0;
  constructor(
    public image: CardImage,
    private readonly fails: () => boolean,
  ) {}
  load(): CardImage {
    return structuredClone(this.image);
  }
  save(image: CardImage): void {
    if (this.fails()) {
      this.failed++;
      throw new Error('ENOSPC: no space left on device (injected)');
    }
    this.image = image;
    this.saves++;
  }
}

/** The image with every try counter blanked (what may differ after a 6581: a try charged before it). */
const withoutCounters = (image: CardImage) => JSON.stringify(image, (key, value) => (key === 'triesLeft' ? 0 : value));

const hex = (s: string) => fromHex(s);
const h2 = (n: number) => n.toString(16).padStart(2, '0').toUpperCase();
const apdu = (header: string, data: Uint8Array | string = '', le?: number) => {
  const body = typeof data === 'string' ? hex(data) : data;
  const parts = [hex(header)];
  if (body.length) parts.push(Uint8Array.of(body.length), body);
  if (le !== undefined) parts.push(Uint8Array.of(le));
  return concat(...parts);
};

interface Corpus {
  profile: ProfileName;
  image: CardImage;
  /** Commands built from the image: selections, reads, PINs, application commands. */
  commands: Uint8Array[];
  /** Keys (hex) that must never appear in a response. */
  secrets: string[];
  /** External-authentication/maintenance keys, for MACed block commands. */
  macKeys: KeyImage[];
  /** Short valid sequences (select, PIN, transaction), so that deep states are reached often. */
  flows: Uint8Array[][];
}

function walk(df: DfImage, visit: (node: DfImage | EfImage, parent: DfImage | undefined) => void, parent?: DfImage): void {
  visit(df, parent);
  for (const c of df.children) {
    if (c.kind === 'df') walk(c, visit, df);
    else visit(c, df);
  }
}

const PDOL = (ttq: string, amount: number, currency = '0156') =>
  `${ttq}${String(amount).padStart(12, '0')}${'0'.repeat(12)}0156${'00'.repeat(5)}${currency}2611220011223344` + '0001';
const CDOL1 = (amount: number) => `${String(amount).padStart(12, '0')}${'0'.repeat(12)}0156${'00'.repeat(5)}015626112200A1B2C3D4103000${'20'.repeat(20)}`;

function buildCorpus(profile: ProfileName): Corpus {
  const parsed = parseProfile(loadJson(`fixtures/profiles/${profile}.json`));
  const image = personalize(parsed, sampleHolder(parsed, seededRandom(17)), { random: seededRandom(17), clock });
  const commands: Uint8Array[] = [];
  const secrets = new Set<string>();
  const macKeys: KeyImage[] = [];
  walk(image.mf, (node) => {
    if (node.kind === 'df') {
      if (node.aid) commands.push(apdu('00A40400', node.aid, 0), apdu('00A4040C', node.aid));
      if (node.fid !== undefined) commands.push(apdu('00A40000', h2(node.fid >> 8) + h2(node.fid & 0xff)));
      for (const pin of node.pins ?? []) {
        const bcd = pin.value.length % 2 ? `${pin.value}F` : pin.value;
        commands.push(apdu(`002000${h2(pin.reference)}`, bcd), apdu(`002000${h2(pin.reference)}`, '999999'), apdu(`002000${h2(pin.reference)}`));
        commands.push(apdu('805E0100', `${bcd}FF${bcd}`), apdu('805E0100', `999999FF${bcd}`));
      }
      for (const key of node.keys ?? []) {
        secrets.add(key.value.toUpperCase());
        if (key.usage === 'external-auth' || key.usage === 'maintenance') macKeys.push(key);
        if (key.usage === 'external-auth') commands.push(apdu(`008200${h2(key.reference)}`, '00'.repeat(16)));
        if (key.usage === 'internal-auth') commands.push(apdu(`008800${h2(key.reference)}`, '1122334455667788AABBCCDDEEFF0011', 0));
      }
    } else {
      commands.push(apdu('00A40200', h2(node.fid >> 8) + h2(node.fid & 0xff)));
      if (node.sfi !== undefined) {
        if (node.structure === 'transparent') commands.push(apdu(`00B0${h2(0x80 | node.sfi)}00`, '', 0));
        else {
          commands.push(apdu(`00B201${h2((node.sfi << 3) | 4)}`, '', 0), apdu(`00B200${h2(node.sfi << 3)}`, '', 0));
          const rec = node.records?.[0];
          if (rec) commands.push(apdu(`00DC01${h2((node.sfi << 3) | 4)}`, rec), apdu(`04DC01${h2((node.sfi << 3) | 4)}`, rec + '11223344'));
        }
      }
    }
  });
  const pboc = image.apps.pboc as { keys: Record<string, string>; pin: { value: string } } | undefined;
  if (pboc) for (const v of Object.values(pboc.keys)) secrets.add(v.toUpperCase());
  const pki = image.apps.pki as { privateKey: string } | undefined;
  if (pki) secrets.add(pki.privateKey.toUpperCase());
  commands.push(
    apdu('00840000', '', 4),
    apdu('00840000', '', 8),
    apdu('00840000', '', 16),
    // PBOC
    apdu('80A80000', `8323${PDOL('00000000', 100)}`, 0),
    apdu('80A80000', `8323${PDOL('26000080', 100)}`, 0),
    apdu('80A80000', `8323${PDOL('26000080', 10_000_000)}`, 0),
    apdu('80A80000', `8323${PDOL('2E000000', 100, '0840')}`, 0),
    apdu('80AE0000', CDOL1(100), 0),
    apdu('80AE4000', CDOL1(100), 0),
    apdu('80AE8000', CDOL1(100), 0),
    apdu('80AE4000', `3030${'00'.repeat(5)}A1B2C3D4${'00'.repeat(10)}`, 0),
    apdu('0082000000'.slice(0, 8), '00'.repeat(10)),
    apdu('00880000', 'A1B2C3D4', 0),
    apdu('00200080', '26123456FFFFFFFF'),
    apdu('00200080', '26999999FFFFFFFF'),
    ...['9F36', '9F13', '9F17', '9F79', '9F77', '9F78', '9F6D', '9F51', '9F4F', 'DF4F'].map((t) => apdu(`80CA${t}`, '', 0)),
    apdu('04DA9F79', `000000001000${'00'.repeat(4)}`),
    apdu('04DC0114', `7003570100${'00'.repeat(4)}`),
    apdu('841E0000', '00'.repeat(4)),
    apdu('84240000', '00'.repeat(4)),
    apdu('84240002', '00'.repeat(20)),
    // medical debit (DF04)
    apdu('B0280101', `01${'00000064'}${'00000000'}${'00000000'}310000000001`, 0x16),
    apdu('B02C0100', `00000001${'20261122120000'}${'00'.repeat(4)}`, 0x08),
    apdu('B0260000', '', 4),
    apdu('B02E0000', '0001', 8),
    // PKI
    apdu('002A9E9A', '1122334455', 0),
    apdu('80C98280', '', 0),
    apdu('00200181', '00'.repeat(16)),
    // T=0
    apdu('00C00000', '', 0),
  );
  const ssse = image.mf.aid ?? '';
  const bcd = (value: string | undefined) => (value === undefined ? '123456' : value.length % 2 ? `${value}F` : value);
  let pkiPin: string | undefined;
  walk(image.mf, (node) => {
    if (node.kind === 'df' && node.aid === '504B492EC9E7BBE1B1A3D5CF') pkiPin = node.pins?.[0]?.value;
  });
  const ssseFlow = [apdu('00A40400', ssse, 0), apdu('00A40400', 'D15600000503', 0), apdu('00200000', bcd(image.mf.pins?.[0]?.value)), apdu('00B2012C', '', 0), apdu('B0260000', '', 4)];
  const debit = 'A000000333010101';
  const pbocPin = (image.apps.pboc as { pin?: { value: string } } | undefined)?.pin?.value ?? '123456';
  const pbocPinBlock = `2${pbocPin.length.toString(16).toUpperCase()}${pbocPin}`.padEnd(16, 'F');
  const flows: Uint8Array[][] = [
    ssseFlow,
    [...ssseFlow, apdu('B0280101', `01${'00000064'}${'00000000'}${'00000000'}310000000001`, 0x16), apdu('B02C0100', `00000001${'20261122120000'}${'00'.repeat(4)}`, 0x08)],
    [apdu('00A40400', '504B492EC9E7BBE1B1A3D5CF', 0), apdu('00200081', bcd(pkiPin)), apdu('002A9E9A', '1122334455', 0), apdu('80C98280', '', 0)],
    [apdu('00A40400', debit, 0), apdu('80A80000', `8323${PDOL('00000000', 100)}`, 0), apdu('80AE8000', CDOL1(100), 0), apdu('80AE4000', `3030${'00'.repeat(5)}A1B2C3D4${'00'.repeat(10)}`, 0)],
    [apdu('00A40400', debit, 0), apdu('80A80000', `8323${PDOL('00000000', 100)}`, 0), apdu('00200080', pbocPinBlock), apdu('80AE4000', CDOL1(100), 0)],
    [apdu('00A40400', debit, 0), apdu('80A80000', `8323${PDOL('00000000', 100)}`, 0), apdu('80AE8000', CDOL1(100), 0), apdu('04DA9F79', `000000001000${'00'.repeat(4)}`), apdu('841E0000', '00'.repeat(4))],
    [apdu('00A40400', '325041592E5359532E4444463031', 0), apdu('00A40400', debit, 0), apdu('80A80000', `8323${PDOL('26000080', 100)}`, 0), apdu('80CA9F79', '', 0)],
    [apdu('00A40400', debit, 0), apdu('80A80000', `8323${PDOL('26000080', 30_000)}`, 0), apdu('00880000', 'A1B2C3D4', 0)],
    [apdu('00A40400', debit, 0), apdu('00880000', 'A1B2C3D4', 0), apdu('00B2011400', '', 0), apdu('80CA9F1700', '', 0)],
  ];
  return { profile, image, commands, secrets: [...secrets].filter((s) => s.length >= 16), macKeys, flows };
}

const CLASSES = [0x00, 0x04, 0x80, 0x84, 0xb0, 0x0c, 0x8c, 0xff, 0x01];
const INS = [0xa4, 0xb0, 0xd6, 0xb2, 0xdc, 0xe2, 0x84, 0x20, 0x5e, 0x24, 0x88, 0x82, 0x1e, 0x18, 0x16, 0xc0, 0xa8, 0xae, 0xca, 0xda, 0x2a, 0xc9, 0x28, 0x2c, 0x26, 0x2e, 0x00];

/** One APDU from the generator: a corpus command, a mutation of one, a random header, or random bytes. */
function nextApdu(rng: Rng, corpus: Corpus, lastChallenge: Uint8Array | undefined): Uint8Array {
  const roll = rng.int(100);
  if (roll < 35) return rng.pick(corpus.commands);
  if (roll < 40 && lastChallenge && corpus.macKeys.length) {
    // a correctly MACed life-cycle command (block, unblock) under one of the card's keys
    const key = rng.pick(corpus.macKeys);
    const header = rng.pick(['841E0000', '841E0001', '84180000', '84240000']);
    const bs = key.algorithm === 'SM4' ? 16 : 8;
    const iv = new Uint8Array(bs);
    iv.set(lastChallenge.subarray(0, bs));
    const mac = ssseMac(key.algorithm, fromHex(key.value), concat(hex(header), Uint8Array.of(4)), iv);
    return concat(hex(header), Uint8Array.of(4), mac);
  }
  if (roll < 75) {
    const base = Uint8Array.from(rng.pick(corpus.commands));
    const kind = rng.int(6);
    if (kind === 0 && base.length) base[rng.int(base.length)] ^= 1 << rng.int(8);
    if (kind === 1) return base.subarray(0, rng.int(base.length + 1));
    if (kind === 2) return concat(base, rng.bytes(1 + rng.int(8)));
    if (kind === 3 && base.length > 4) base[4] = rng.int(256);
    if (kind === 4 && base.length >= 4) {
      base[2] = rng.int(256);
      base[3] = rng.int(256);
    }
    if (kind === 5 && base.length > 5) base.set(rng.bytes(base.length - 5), 5);
    return base;
  }
  if (roll < 95) {
    const data = rng.bytes(rng.chance(0.5) ? rng.int(24) : rng.int(260));
    const header = Uint8Array.of(rng.pick(CLASSES), rng.pick(INS), rng.int(256), rng.int(256));
    if (data.length === 0) return rng.chance(0.5) ? header : concat(header, Uint8Array.of(rng.int(256)));
    if (data.length > 255) return concat(header, Uint8Array.of(0, data.length >> 8, data.length & 0xff), data);
    return concat(header, Uint8Array.of(data.length), data, rng.chance(0.5) ? Uint8Array.of(rng.int(256)) : new Uint8Array(0));
  }
  return rng.bytes(rng.int(12));
}

/** Try counters of an image (SSSE/PKI PINs, counted keys, the PBOC offline PIN), by name. */
function counters(image: CardImage): Map<string, number> {
  const out = new Map<string, number>();
  walk(image.mf, (node) => {
    if (node.kind !== 'df') return;
    for (const p of node.pins ?? []) out.set(`pin:${p.id}`, p.triesLeft);
    for (const k of node.keys ?? []) if (k.triesLeft !== undefined) out.set(`key:${k.id}`, k.triesLeft);
  });
  const pboc = image.apps.pboc as { pin: { triesLeft: number } } | undefined;
  if (pboc) out.set('pin:pboc', pboc.pin.triesLeft);
  return out;
}

/**
 * A wrong issuer-script MAC (6988) is counted on purpose: the CVR's script counter and "script failed"
 * bit persist for the next cryptogram (docs/pboc.md). The image may differ only there.
 */
const SCRIPT_MAC_WRONG = 0x6988;
function withScriptCounters(image: CardImage, from: CardImage): CardImage {
  const pboc = image.apps.pboc;
  const old = from.apps.pboc;
  if (!pboc || !old) return image;
  return { ...image, apps: { ...image.apps, pboc: { ...pboc, scriptCommands: old.scriptCommands, scriptFailed: old.scriptFailed } } };
}

/** INS of the PIN commands (dispatcher.ts PIN_COMMANDS). */
const PIN_INS = new Set([0x20, 0x24, 0x5e]);

const pbocOf = (image: CardImage) => image.apps.pboc as { atc: number; ec: { balance: number; balanceLimit: number } } | undefined;

const commitsSw = (sw: number) => {
  const sw1 = sw >> 8;
  return sw === 0x9000 || sw1 === 0x61 || sw1 === 0x62 || sw1 === 0x63 || sw === 0x6983;
};

export interface FuzzFailure {
  profile: string;
  iface: CardInterface;
  episode: number;
  apdu: string;
  response?: string;
  problem: string;
  /** The episode's APDUs up to the failing one (hex), to replay. */
  history: string[];
}

export interface FuzzSummary {
  apdus: number;
  episodes: number;
  warmResets: number;
  powerCutsBetween: number;
  powerCutsInside: number;
  stateChanges: number;
  /** Commands answered 6581 because a save was made to fail. */
  failedSaves: number;
  statusWords: Map<number, number>;
  failures: FuzzFailure[];
  seconds: number;
}

export interface FuzzOptions {
  apdus: number;
  seed?: number;
  /** Called about every `progressEvery` APDUs. */
  onProgress?(done: number, summary: FuzzSummary): void;
  progressEvery?: number;
  /** Stop after this many failures (default 20). */
  maxFailures?: number;
}

let corpora: Corpus[] | undefined;

/** The last error the card logged (the cause of a 6F00), captured from its logger. */
let lastLogged = '';
const capture = pino({ level: 'error' }, { write: (line: string) => void (lastLogged = line) });

function errorOf(line: string): string {
  try {
    const entry = JSON.parse(line) as { err?: { stack?: string; message?: string } };
    return (entry.err?.stack ?? entry.err?.message ?? line).split('\n').slice(0, 4).join(' | ');
  } catch {
    return line;
  }
}

/** Runs the robustness run; returns what was tried and every invariant that broke. */
export function runCardFuzz(options: FuzzOptions): FuzzSummary {
  corpora ??= fuzzProfiles().map(buildCorpus);
  const rng = new Rng(options.seed ?? 1);
  const started = performance.now();
  const summary: FuzzSummary = {
    apdus: 0,
    episodes: 0,
    warmResets: 0,
    powerCutsBetween: 0,
    powerCutsInside: 0,
    stateChanges: 0,
    failedSaves: 0,
    statusWords: new Map(),
    failures: [],
    seconds: 0,
  };
  const maxFailures = options.maxFailures ?? 20;
  const progressEvery = options.progressEvery ?? 10_000;

  while (summary.apdus < options.apdus && summary.failures.length < maxFailures) {
    const corpus = corpora[summary.episodes % corpora.length]!;
    const episode = summary.episodes++;
    const store = new FuzzStore(structuredClone(corpus.image), () => rng.chance(0.02));
    const interfaces: CardInterface[] = corpus.image.atr.contactless ? ['contact', 'contactless'] : ['contact'];
    let iface = rng.pick(interfaces);
    const cutProbability = 0.1;
    const open = (): Card => {
      const card = createCard(store.load(), { random: seededRandom(rng.next()), clock, log: capture }, {
        store,
        faults: { powerCut: () => rng.chance(cutProbability) },
      });
      card.powerOn(iface);
      return card;
    };
    let card = open();
    const history: string[] = [];
    let lastChallenge: Uint8Array | undefined;
    let queue: Uint8Array[] = [];
    /** `store.failed` at the last successful save (more failures since: the store is failing). */
    let failedAtLastSave = 0;
    let lastGpoAtc = pbocOf(store.image)?.atc ?? 0;
    const length = 20 + rng.int(200);
    const fail = (command: Uint8Array, problem: string, response?: Uint8Array) => {
      summary.failures.push({ profile: corpus.profile, iface, episode, apdu: toHex(command), ...(response ? { response: toHex(response) } : {}), problem, history: [...history] });
    };
    for (let i = 0; i < length && summary.apdus < options.apdus && summary.failures.length < maxFailures; i++) {
      if (rng.chance(0.01)) {
        card.warmReset();
        summary.warmResets++;
        lastChallenge = undefined;
      }
      if (rng.chance(0.01)) {
        iface = rng.pick(interfaces);
        card = open();
        summary.powerCutsBetween++;
        lastChallenge = undefined;
        history.push(`-- power cut, reopened on ${iface}`);
      }
      if (queue.length === 0 && rng.chance(0.08)) queue = [...rng.pick(corpus.flows)];
      const command = queue.shift() ?? nextApdu(rng, corpus, lastChallenge);
      history.push(toHex(command));
      const before = store.image;
      const savesBefore = store.saves;
      const failingBefore = store.failed > failedAtLastSave;
      let response: Uint8Array;
      summary.apdus++;
      lastLogged = '';
      try {
        response = card.transmit(command);
      } catch (err) {
        if (err instanceof CardPowerLostError) {
          summary.powerCutsInside++;
          history.push(`-- power lost at ${err.point.stage}`);
          card = open();
          lastChallenge = undefined;
          continue;
        }
        fail(command, `threw ${(err as Error).stack ?? String(err)}`);
        card = open();
        continue;
      } finally {
        if (summary.apdus % progressEvery === 0) options.onProgress?.(summary.apdus, summary);
      }
      if (response.length < 2) {
        fail(command, 'response shorter than a status word', response);
        continue;
      }
      const sw = (response[response.length - 2]! << 8) | response[response.length - 1]!;
      summary.statusWords.set(sw, (summary.statusWords.get(sw) ?? 0) + 1);
      if (sw === 0x6f00) fail(command, `6F00 (an exception inside the card): ${errorOf(lastLogged)}`, response);
      else if (!isKnownSw(sw)) fail(command, `status word ${sw.toString(16)} not in the table`, response);
      if (command[1] === 0x84 && sw === 0x9000) lastChallenge = response.subarray(0, response.length - 2);
      if (response.length > 2) {
        const text = toHex(response.subarray(0, response.length - 2));
        for (const secret of corpus.secrets) {
          const at = text.indexOf(secret);
          if (at >= 0 && at % 2 === 0) fail(command, `a key appears in the response (${secret.slice(0, 8)}…)`, response);
        }
      }
      const after = store.image;
      const saved = store.saves !== savesBefore;
      if (saved) failedAtLastSave = store.failed;
      if (failingBefore && !saved && PIN_INS.has(command[1] ?? -1) && command.length > 5 && (sw === 0x9000 || (sw & 0xfff0) === 0x63c0)) {
        fail(command, `PIN command answered ${sw.toString(16)} while saves fail, without a successful save (a free try)`, response);
      }
      if (saved) summary.stateChanges++;
      if (sw === 0x6581) {
        summary.failedSaves++;
        // a failed save keeps nothing of the command, except a try charged (and saved) before it
        if (saved && withoutCounters(before) !== withoutCounters(after)) fail(command, 'image changed by a command whose save failed', response);
      } else if (saved && !commitsSw(sw) && !sameTree(before, sw === SCRIPT_MAC_WRONG ? withScriptCounters(after, before) : after)) {
        fail(command, `image changed after ${sw.toString(16)}`, response);
      }
      const pb = pbocOf(after);
      const pa = pbocOf(before);
      if (pb && pa) {
        if (pb.atc < pa.atc) fail(command, `ATC went down ${pa.atc} → ${pb.atc}`, response);
        if (command[1] === 0xa8 && (sw === 0x9000 || sw >> 8 === 0x61)) {
          if (pb.atc <= lastGpoAtc) fail(command, `GPO answered without raising the durable ATC (${lastGpoAtc} → ${pb.atc})`, response);
          lastGpoAtc = pb.atc;
        }
        if (pb.ec.balance < 0 || pb.ec.balance > pb.ec.balanceLimit) fail(command, `EC balance ${pb.ec.balance} outside [0, ${pb.ec.balanceLimit}]`, response);
        const text = toHex(response);
        const at = text.indexOf('9F3602');
        if (command[1] === 0xae && sw === 0x9000 && at >= 0 && parseInt(text.slice(at + 6, at + 10), 16) > pb.atc) fail(command, 'cryptogram with an ATC that is not saved', response);
      }
      if (saved && sw !== 0x9000) {
        const was = counters(before);
        for (const [name, value] of counters(after)) {
          const old = was.get(name);
          if (old !== undefined && value > old) fail(command, `${name} rose ${old} → ${value} after ${sw.toString(16)}`, response);
        }
      }
    }
  }
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}
