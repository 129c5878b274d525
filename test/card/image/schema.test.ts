// The card image schema (issue 8, item 9): impossible state is refused at load with the path of the first
// bad field; every image sscard personalises, and the hand-built test images, load.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encodeGbk } from '../../../src/apdu/text/gbk.js';
import { CardImageError } from '../../../src/card/index.js';
import { validateImage } from '../../../src/card/image/validate.js';
import type { CardImage } from '../../../src/card/runtime/types.js';
import { parseHolder } from '../../../src/card/personalize/holder.js';
import { parseProfile } from '../../../src/card/personalize/profile.js';
import { personalize } from '../../../src/card/personalize/personalize.js';
import { sampleHolder } from '../../../src/card/personalize/sample-holder.js';
import { fixedClock, seededRandom } from '../../../src/env.js';
import { testImage } from '../runtime/fixture.js';
import { personalised } from './mutation-harness.js';

const fixtures = new URL('../../../fixtures/', import.meta.url);
const clock = fixedClock(new Date('2026-11-22T10:00:00Z'));

/** The message validateImage refuses `image` with after `change`. */
function refusal(change: (image: CardImage & Record<string, unknown>) => void, base = personalised('shanghai').image): string {
  const image = structuredClone(base) as CardImage & Record<string, unknown>;
  change(image);
  try {
    validateImage(image, 'card.json');
  } catch (err) {
    expect(err).toBeInstanceOf(CardImageError);
    return (err as Error).message;
  }
  throw new Error('the image was accepted');
}

const pboc = (i: CardImage) => i.apps.pboc!;
/** DF04 of a personalised SSSE tree. */
const df04 = (i: CardImage) => i.mf.children.find((c) => c.kind === 'df' && c.fid === 0xdf04) as Extract<CardImage['mf']['children'][number], { kind: 'df' }>;

describe('card image schema: what issue 8 found loading', () => {
  it('an EC balance over its limit', () => {
    expect(refusal((i) => void (pboc(i).ec.balance = 250_000))).toBe('card.json: apps.pboc.ec.balance: 250000 exceeds the balance limit 100000');
  });

  it('an ATC of -7 or 1.5, above FFFF, or a last online ATC after it', () => {
    expect(refusal((i) => void (pboc(i).atc = -7))).toBe('card.json: apps.pboc.atc: below 0');
    expect(refusal((i) => void (pboc(i).atc = 1.5))).toBe('card.json: apps.pboc.atc: expected an integer');
    expect(refusal((i) => void (pboc(i).atc = 0x10000))).toBe('card.json: apps.pboc.atc: above 65535');
    expect(refusal((i) => void (pboc(i).lastOnlineAtc = 3))).toBe('card.json: apps.pboc.lastOnlineAtc: 3 is after the ATC 0');
  });

  it('apps.pboc missing while a DF runs the financial application', () => {
    expect(refusal((i) => void delete i.apps.pboc)).toMatch(/^card\.json: apps\.pboc: missing: mf\.children\[\d+\] \(PBOC debit PBOC DEBIT\) runs application "pboc", which keeps its state here$/);
  });

  it('a PIN with 1,000,000 tries left, or more tries than its limit', () => {
    expect(refusal((i) => void (i.mf.pins![0]!.triesLeft = 1_000_000))).toBe('card.json: mf.pins[0].triesLeft: above 15');
    expect(refusal((i) => void (i.mf.pins![0]!.maxTries = 2))).toBe('card.json: mf.pins[0].triesLeft: 3 tries left, more than maxTries 2');
    expect(refusal((i) => void (pboc(i).pin.triesLeft = 4))).toBe('card.json: apps.pboc.pin.triesLeft: 4 tries left, more than maxTries 3');
  });

  it('mf.keys = 0, a key of the wrong length for its algorithm, a key counter without its limit', () => {
    expect(refusal((i) => void ((i.mf as unknown as Record<string, unknown>).keys = 0))).toBe('card.json: mf.keys: Invalid input: expected array, received number');
    expect(refusal((i) => void (i.mf.keys![0]!.value = '00112233445566778899AABBCCDDEE'))).toBe('card.json: mf.keys[0].value: 15 bytes, a SM4 key has 16');
    expect(refusal((i) => void delete i.mf.keys![1]!.maxTries)).toBe('card.json: mf.keys[1].maxTries: triesLeft and maxTries go together');
  });

  it('a malformed SM2 private key, or a public key that is not the private key\'s', () => {
    expect(refusal((i) => void (i.apps.pki!.privateKey = '00'.repeat(32)))).toMatch(/^card\.json: apps\.pki\.privateKey: not a valid SM2 private key \(privateKey: must be in \[1, n−2\]\)$/);
    expect(refusal((i) => void (i.apps.pki!.privateKey = 'FF'.repeat(32)))).toMatch(/^card\.json: apps\.pki\.privateKey: not a valid SM2 private key/);
    expect(refusal((i) => void (pboc(i).keys.iccPrivate = 'XY'.repeat(32)))).toBe('card.json: apps.pboc.keys.iccPrivate: not hex (pairs of 0-9 A-F)');
    expect(refusal((i) => void (i.apps.pki!.publicKey = `04${'11'.repeat(64)}`))).toBe('card.json: apps.pki.publicKey: not the public key of privateKey');
  });

  it('the file tree: record lengths, record counts, duplicate FIDs, rules naming unknown PINs or keys, a second 3F00', () => {
    const ef05 = (i: CardImage) => i.mf.children.find((c) => c.kind === 'ef' && c.fid === 0xef05) as Extract<CardImage['mf']['children'][number], { kind: 'ef' }>;
    expect(refusal((i) => void ef05(i).records!.push('00'.repeat(19)))).toMatch(/^card\.json: mf\.children\[\d+\] \(MF\/EF05\): 8 records in an EF of 7$|^card\.json: mf\.children\[\d+\]\.records(\[7\])? \(MF\/EF05\): /);
    expect(refusal((i) => void (ef05(i).records![0] = '00'.repeat(19)))).toMatch(/^card\.json: mf\.children\[\d+\]\.records\[0\] \(MF\/EF05\): 19 bytes, the record length is at most 18$/);
    expect(refusal((i) => void (ef05(i).read = { pin: 'PIN_NOWHERE' }))).toMatch(/\.read \(MF\/EF05\): names pin PIN_NOWHERE, which is not in the EF's DF or above it$/);
    expect(refusal((i) => void (df04(i).fid = 0xdf01))).toMatch(/^card\.json: mf\.children\[\d+\]\.fid \(MF\/DF01\): FID DF01 is already used by children\[\d+\]$/);
    expect(refusal((i) => void (df04(i).fid = 0x3f00))).toMatch(/^card\.json: mf\.children\[\d+\]\.fid \(MF\/3F00\): 3F00 is the MF$/);
  });

  it('a medical account past 4 bytes, a sequence past 2, control characters in a label', () => {
    expect(refusal((i) => void (i.apps['ssse-medical']!.balance = 2 ** 32))).toBe("card.json: apps.ssse-medical.balance: above 4294967295");
    expect(refusal((i) => void (i.apps['ssse-medical']!.sequence = 0x10001))).toBe('card.json: apps.ssse-medical.sequence: above 65536');
    expect(refusal((i) => void (df04(i).label = 'DF04 \u001b[2J'))).toMatch(/^card\.json: mf\.children\[\d+\]\.label \(MF\/DF04\): contains control characters$/);
  });

  it('an unknown field is refused (a typo does not hide a missing one); a foreign application keeps any state', () => {
    expect(refusal((i) => void ((i.mf.pins![0] as unknown as Record<string, unknown>).triesleft = 3))).toMatch(/^card\.json: mf\.pins\[0\]: Unrecognized key: "triesleft"$/);
    const image = structuredClone(personalised('shanghai').image);
    image.apps.other = { anything: [1, 'two'] };
    expect(() => validateImage(image, 'card.json')).not.toThrow();
  });

  it('an image of another version is refused as such, never "repaired"', () => {
    expect(refusal((i) => void (i.version = 2 as 1))).toBe('card.json: card image version 2 is not supported (this sscard reads version 1); the file was left untouched');
  });
});

describe('card image schema: what must load', () => {
  it('every bundled profile with every holder fixture, and the hand-built test images', () => {
    const profiles = readdirSync(new URL('profiles/', fixtures)).filter((f) => f.endsWith('.json'));
    const holders = readdirSync(new URL('holders/', fixtures)).filter((f) => f.endsWith('.json'));
    expect(profiles.length).toBeGreaterThanOrEqual(3);
    for (const p of profiles) {
      const profile = parseProfile(JSON.parse(readFileSync(new URL(`profiles/${p}`, fixtures), 'utf8')));
      for (const h of [undefined, ...holders]) {
        const random = seededRandom(h?.length ?? 1);
        const holder = h ? parseHolder(JSON.parse(readFileSync(new URL(`holders/${h}`, fixtures), 'utf8')), encodeGbk) : sampleHolder(profile, random);
        const image = personalize(profile, holder, { random, clock });
        expect(() => validateImage(image, `${p} + ${h ?? 'sample holder'}`)).not.toThrow();
      }
    }
    expect(() => validateImage(testImage('T=0'), 'fixture')).not.toThrow();
    expect(() => validateImage(testImage('T=1'), 'fixture')).not.toThrow();
  });

  it('returns the image as given (no field dropped or reordered)', () => {
    const image = personalised('sichuan').image;
    expect(JSON.stringify(validateImage(structuredClone(image), 'x'))).toBe(JSON.stringify(image));
  });
});
