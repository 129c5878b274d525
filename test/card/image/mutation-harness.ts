/**
 * Single-field mutations of personalised card images (issue 8, item 9), shared by the short run in
 * `npm test` (mutations.test.ts) and the long one in `npm run fuzz` (fuzz/image-mutations.fuzz.ts).
 *
 * A mutation changes one field of a valid image: removes it, gives it another type, a number out of
 * range or not an integer, a hex string of another length or with a non-hex digit, a control character,
 * an empty or duplicated list, a flipped flag, a sibling's value. Each mutated image must either be
 * refused at load with one line naming the field (`card.json: <path>…: <problem>`), or load — and then
 * `card show` (the summary, text and JSON), a standard session of every application over both
 * interfaces, and a reload of the image the session saved all work: no exception, no 6F00.
 */
import { readFileSync } from 'node:fs';
import { concat, fromHex, toHex } from '../../../src/apdu/bytes.js';
import { fixedClock, seededRandom, type RandomSource } from '../../../src/env.js';
import { silentLogger } from '../../../src/log.js';
import { CardImageError, MemoryCardStore, createMemoryCard } from '../../../src/card/index.js';
import { validateImage } from '../../../src/card/image/validate.js';
import type { CardImage, SimulatedCard } from '../../../src/card/runtime/types.js';
import { historicalBytes } from '../../../src/apdu/atr.js';
import { parseProfile, type Profile } from '../../../src/card/personalize/profile.js';
import { personalize } from '../../../src/card/personalize/personalize.js';
import { sampleHolder } from '../../../src/card/personalize/sample-holder.js';
import { inspectCard } from '../../../src/card/personalize/inspect.js';
import { decodeInitResponse, encodeDebit, encodeInit } from '../../../src/spec/ssse/medical-debit.js';
import { formatSummary } from '../../../src/cli/commands/card.js';
import { jsonText } from '../../../src/cli/output.js';
import { TestPsam } from '../ssse/psam-oracle.js';

const clock = fixedClock(new Date('2026-11-22T10:00:00Z'));

/** A personalised image of a bundled profile and the profile (the PSAM of the session needs it). */
export function personalised(profileName: string, seed = 1): { image: CardImage; profile: Profile } {
  const profile = parseProfile(JSON.parse(readFileSync(new URL(`../../../fixtures/profiles/${profileName}.json`, import.meta.url), 'utf8')));
  const random = seededRandom(seed);
  const image = personalize(profile, sampleHolder(profile, random), { random, clock });
  return { image, profile };
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = Array<string | number>;

/** Every node of a JSON value with its path (the root excluded). */
function nodes(value: Json, path: Path = [], out: Array<{ path: Path; value: Json }> = []): Array<{ path: Path; value: Json }> {
  if (path.length > 0) out.push({ path, value });
  if (Array.isArray(value)) value.forEach((v, i) => nodes(v, [...path, i], out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) nodes(v, [...path, k], out);
  return out;
}

/** A seeded integer in [0, n). */
function pick(random: RandomSource, n: number): number {
  const b = random(4);
  return (((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0) % n;
}

type Mutator = (value: Json, random: RandomSource, siblings: Json[]) => Json | typeof REMOVE;
const REMOVE = Symbol('remove');

const ANY: Record<string, Mutator> = {
  remove: () => REMOVE,
  null: () => null,
  'a string': () => 'x',
  'a number': () => 7,
  'a boolean': () => true,
  'an empty list': () => [],
  'an empty object': () => ({}),
  "a sibling's value": (v, random, siblings) => {
    const other = siblings.filter((s) => JSON.stringify(s) !== JSON.stringify(v));
    return other.length ? structuredClone(other[pick(random, other.length)]!) : null;
  },
};
const NUMBER: Record<string, Mutator> = {
  '+1': (v) => (v as number) + 1,
  '-1': (v) => (v as number) - 1,
  negative: (v) => -(v as number) - 7,
  '+0.5': (v) => (v as number) + 0.5,
  '×1000': (v) => (v as number) * 1000 + 999,
  '2^32': () => 2 ** 32,
  '1e6': () => 1_000_000,
  huge: () => 1e300,
  zero: () => 0,
};
const STRING: Record<string, Mutator> = {
  empty: () => '',
  'one more digit': (v) => `${v as string}0`,
  'two digits fewer': (v) => (v as string).slice(0, -2),
  doubled: (v) => `${v as string}${v as string}`,
  'a non-hex digit': (v) => `G${(v as string).slice(1)}`,
  'lower case': (v) => (v as string).toLowerCase(),
  'an ESC sequence': (v) => `\u001b[2J${v as string}`,
  'a NUL': (v) => `${v as string}\u0000`,
  'very long': () => 'A'.repeat(20_000),
  'last digit changed': (v) => {
    const s = v as string;
    if (!s) return '0';
    const last = s[s.length - 1]!;
    return `${s.slice(0, -1)}${last === '0' ? '1' : /[0-9A-F]/.test(last) ? '0' : 'A'}`;
  },
};
const BOOLEAN: Record<string, Mutator> = { flipped: (v) => !v, 'the string "true"': () => 'true' };
const ARRAY: Record<string, Mutator> = {
  'first element duplicated': (v) => ((v as Json[]).length ? [...(v as Json[]), structuredClone((v as Json[])[0]!)] : [1]),
  reversed: (v) => [...(v as Json[])].reverse(),
  'last element dropped': (v) => (v as Json[]).slice(0, -1),
};

function mutatorsFor(value: Json): Record<string, Mutator> {
  if (typeof value === 'number') return { ...ANY, ...NUMBER };
  if (typeof value === 'string') return { ...ANY, ...STRING };
  if (typeof value === 'boolean') return { ...ANY, ...BOOLEAN };
  if (Array.isArray(value)) return { ...ANY, ...ARRAY };
  return ANY;
}

export interface Mutation {
  path: Path;
  kind: string;
}

/** One seeded single-field mutation of `image` (a copy). */
export function mutate(image: CardImage, seed: number): { mutated: Json; mutation: Mutation } {
  const random = seededRandom(seed);
  const root = structuredClone(image) as unknown as Json;
  const all = nodes(root);
  const { path, value } = all[pick(random, all.length)]!;
  const table = mutatorsFor(value);
  const kinds = Object.keys(table);
  const kind = kinds[pick(random, kinds.length)]!;
  let parent = root as Record<string | number, Json>;
  for (const p of path.slice(0, -1)) parent = parent[p] as Record<string | number, Json>;
  const last = path[path.length - 1]!;
  const siblings = Object.values(parent);
  const next = table[kind]!(value, random, siblings);
  if (next === REMOVE) {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else {
    parent[last] = next;
  }
  return { mutated: root, mutation: { path, kind } };
}

/** A short description of a mutation for failure messages. */
export function describeMutation(m: Mutation): string {
  return `${m.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').slice(1)} ← ${m.kind}`;
}

/** Sends an APDU the way a terminal does (T=0: GET RESPONSE after 61xx, repeat with Le after 6Cxx). */
function exchange(card: SimulatedCard, hex: string, sws: number[]): Uint8Array {
  const swOf = (r: Uint8Array) => (r[r.length - 2]! << 8) | r[r.length - 1]!;
  let r = card.transmit(fromHex(hex));
  sws.push(swOf(r));
  if (r[r.length - 2] === 0x6c && hex.length === 10) {
    r = card.transmit(fromHex(`${hex.slice(0, 8)}${toHex(r.subarray(-1))}`));
    sws.push(swOf(r));
  }
  const parts: Uint8Array[] = [r.subarray(0, -2)];
  for (let guard = 0; r[r.length - 2] === 0x61 && guard < 64; guard++) {
    r = card.transmit(Uint8Array.of(0x00, 0xc0, 0x00, 0x00, r[r.length - 1]!));
    sws.push(swOf(r));
    parts.push(r.subarray(0, -2));
  }
  return concat(...parts, r.subarray(-2));
}

const okSw = (r: Uint8Array) => r[r.length - 2] === 0x90 && r[r.length - 1] === 0x00;
const pinBlock = (pin: string) => `${pin}${'F'.repeat(16 - pin.length)}`;

/**
 * A standard session of every application (what terminals send): the SSSE reads, the PSAM card check,
 * DF04 behind the PIN with an offline debit, PKI certificate/PIN/signature, the payment directories, a
 * PBOC contact transaction to GENERATE AC, a key try; then qPBOC over the contactless interface.
 * @returns every status word the card answered
 */
export function standardSession(card: SimulatedCard & { interfaces?: string[] }, profile: Profile, image: CardImage): number[] {
  const sws: number[] = [];
  const send = (hex: string) => exchange(card, hex.replace(/ /g, ''), sws);
  const pinHex = profile.defaultPin.length % 2 ? `${profile.defaultPin}F` : profile.defaultPin;
  const lc = (hex: string) => (hex.length / 2).toString(16).padStart(2, '0').toUpperCase();

  card.powerOn('contact');
  send('00A404000F7378312E73682EC9E7BBE1B1A3D5CF00');
  for (let n = 1; n <= 7; n++) send(`00B2${n.toString(16).padStart(2, '0')}2C00`);
  for (const tag of ['08', '09', '0A', '0B', '0D', '4E']) send(`00B2${tag}3000`);
  send(`0088000010${'11'.repeat(8)}${'22'.repeat(8)}`);
  send('0084000008');
  send(`0082000A10${'00'.repeat(16)}`); // a wrong RK cryptogram: a counted key try
  send('00A4000002DF04');
  send(`00200000${lc(pinHex)}${pinHex}`);
  for (const sfi of [5, 6, 8]) send(`00B201${((sfi << 3) | 4).toString(16).padStart(2, '0')}00`);
  const amounts = { account: 100, selfPay: 20, fund: 30 };
  const terminalId = fromHex('310000000001');
  const init = send(`B028010113${toHex(encodeInit({ keyIndex: 1, ...amounts, terminalId }))}16`);
  if (okSw(init)) {
    const psam = TestPsam.fromProfile(profile, seededRandom(5));
    let historical: Uint8Array;
    try {
      historical = historicalBytes(fromHex(image.atr.contact)).slice(-8);
    } catch {
      historical = new Uint8Array(8);
    }
    const termSeq = fromHex('00000001');
    const time = fromHex('20261122100000');
    const { mac1 } = psam.debitMac1({ historical }, decodeInitResponse(init.subarray(0, -2)), amounts, terminalId, termSeq, time);
    send(`B02C01000F${toHex(encodeDebit({ terminalSequence: termSeq, time, mac1 }))}08`);
  }
  send('B026000004');
  send('B02E000002000108');
  // PKI
  send('00A404000C504B492EC9E7BBE1B1A3D5CF00');
  send('00A404000C53532E434552542E4144463100');
  send('00A40000020018');
  send('00B0000004');
  send('00B0000480');
  send(`00200081${lc(pinHex)}${pinHex}`);
  send(`002A9E9A10${'AB'.repeat(16)}00`);
  send('80C9828000');
  // PBOC over contacts
  send('00A404000E315041592E5359532E444446303100');
  send('00B2010C00');
  const fci = send('00A4040008A00000033301010100');
  const pdolData = `28000000${'000000012345'}${'000000000000'}0156${'00'.repeat(5)}01562611220011223344` + '0001';
  const gpo = send(`80A8000025 8323${pdolData} 00`);
  if (okSw(gpo) && gpo[0] === 0x80) {
    const afl = gpo.subarray(4, -2);
    for (let i = 0; i + 3 < afl.length; i += 4) {
      for (let rec = afl[i + 1]!; rec <= afl[i + 2]! && rec - afl[i + 1]! < 8; rec++) {
        send(`00B2${rec.toString(16).padStart(2, '0')}${((afl[i]! & 0xf8) | 4).toString(16).padStart(2, '0')}00`);
      }
    }
  }
  void fci;
  send(`0020008008${'2'}${profile.defaultPin.length.toString(16)}${pinBlock(profile.defaultPin).slice(0, 14)}`);
  for (const tag of ['9F79', '9F17', '9F36', '9F13', '9F77', '9F78', '9F6D', '9F51', '9F4F']) send(`80CA${tag}00`);
  const cdol1 = `${'000000012345'}${'000000000000'}0156${'00'.repeat(5)}0156261122` + `00AABBCCDD103000${'20'.repeat(20)}`;
  send(`80AE8000${lc(cdol1)}${cdol1}00`);
  // GENERATE AC 2 with CDOL2 8A 95 9F37 91 (an issuer authentication that does not verify: AAC)
  const cdol2 = `3030${'00'.repeat(5)}AABBCCDD${'00'.repeat(10)}`;
  send(`80AE0000${lc(cdol2)}${cdol2}00`);
  card.powerOff();

  if (image.atr.contactless) {
    card.powerOn('contactless');
    send('00A404000E325041592E5359532E444446303100');
    send('00A4040008A00000033301010100');
    const qpdol = `20000080${'000000000100'}${'000000000000'}0156${'00'.repeat(5)}01562611220001020304` + '0001';
    send(`80A8000025 8323${qpdol} 00`);
    send('00B2011400');
    send('80CA9F7900');
    send('00A404000F7378312E73682EC9E7BBE1B1A3D5CF00');
    send('00B2012C00');
    card.powerOff();
  }
  return sws;
}

export type Outcome = { kind: 'refused'; message: string } | { kind: 'works' } | { kind: 'failure'; reason: string };

/**
 * Runs one mutated image through load → card show → standard session → reload.
 * @returns refused (with the message), works, or a failure with its reason
 */
export function tryMutated(mutated: unknown, profile: Profile, where = 'card.json'): Outcome {
  let image: CardImage;
  try {
    image = validateImage(mutated, where);
  } catch (err) {
    if (!(err instanceof CardImageError)) return { kind: 'failure', reason: `load threw ${(err as Error).name}: ${(err as Error).message}` };
    const message = err.message;
    const named = new RegExp(`^${where}: (not a card image|card image version|[A-Za-z][\\w.\\[\\]-]*( \\([^)]*\\))?: )`).test(message);
    if (!named || message.includes('\n')) return { kind: 'failure', reason: `refused without naming a field: ${JSON.stringify(message)}` };
    return { kind: 'refused', message };
  }
  try {
    const summary = inspectCard(image);
    formatSummary(summary);
    jsonText(summary);
  } catch (err) {
    return { kind: 'failure', reason: `card show threw ${(err as Error).name}: ${(err as Error).message}` };
  }
  const store = new MemoryCardStore(image);
  const errors: string[] = [];
  const log = silentLogger();
  log.error = ((obj: { err?: Error }) => {
    errors.push(obj?.err ? `${obj.err.name}: ${obj.err.message}` : JSON.stringify(obj));
  }) as typeof log.error;
  let sws: number[];
  try {
    const card = createMemoryCard(store, { random: seededRandom(9), clock, log });
    sws = standardSession(card, profile, image);
  } catch (err) {
    return { kind: 'failure', reason: `the session threw ${(err as Error).name}: ${(err as Error).message}` };
  }
  if (sws.includes(0x6f00)) return { kind: 'failure', reason: `the card answered 6F00 (${errors[0] ?? 'no log'})` };
  try {
    store.load();
  } catch (err) {
    return { kind: 'failure', reason: `the image the session saved does not load: ${(err as Error).message}` };
  }
  return { kind: 'works' };
}

/** The images the mutation runs start from. */
export const MUTATION_PROFILES = ['shanghai', 'sichuan', 'gen2-3des'] as const;
