// Personalisation: profile + holder → CardImage. The keys are checked against an independent
// recomputation (raw SM4/3DES-ECB of DOMAIN.md §1.4's diversification data), the file tree against the
// access rules of DOMAIN.md §1.2, the ATR against the real layout of DOMAIN.md §1.4.
import { readFileSync } from 'node:fs';
import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../src/apdu/bytes.js';
import { fixedClock, seededRandom } from '../../../src/env.js';
import { historicalBytes } from '../../../src/apdu/atr.js';
import type { DfImage, EfImage, CardImage } from '../../../src/card/runtime/types.js';
import { parseProfile } from '../../../src/card/personalize/profile.js';
import { personalize, splitName } from '../../../src/card/personalize/personalize.js';
import { findNode, inspectCard } from '../../../src/card/personalize/inspect.js';
import { sampleHolder } from '../../../src/card/personalize/sample-holder.js';
import { parseHolder, type Holder } from '../../../src/card/personalize/holder.js';
import { personalizeFinancial } from '../../../src/card/apps/pboc/personalize.js';
import { encodeGbk } from '../../../src/apdu/text/gbk.js';

const load = (p: string) => JSON.parse(readFileSync(new URL(`../../../${p}`, import.meta.url), 'utf8'));
const clock = fixedClock(new Date(Date.UTC(2026, 10, 22)));
const shanghai = parseProfile(load('fixtures/profiles/shanghai.json'));
const gen2 = parseProfile(load('fixtures/profiles/gen2-3des.json'));
const li = load('fixtures/holders/shanghai-li.json') as Holder;

const ef = (image: CardImage, path: string) => findNode(image, path) as EfImage;
const df = (image: CardImage, path: string) => findNode(image, path) as DfImage;

/** Independent SM4 / 3DES ECB with node:crypto. */
function ecb(alg: 'SM4' | '3DES', key: Uint8Array, data: Uint8Array): Uint8Array {
  const c = createCipheriv(alg === 'SM4' ? 'sm4-ecb' : 'des-ede-ecb', key, null);
  c.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}
function divLevel(alg: 'SM4' | '3DES', key: Uint8Array, d: Uint8Array): Uint8Array {
  const not = d.map((b) => b ^ 0xff);
  return alg === 'SM4' ? ecb('SM4', key, Uint8Array.from([...d, ...not])) : Uint8Array.from([...ecb('3DES', key, d), ...ecb('3DES', key, not)]);
}

describe('personalise a Shanghai third-generation card', () => {
  const image = personalize(shanghai, li, { random: seededRandom(1), clock });

  it('ATR: historical bytes 00 81 53 53 43 86 30 3100 <serial 00A1B2C3>, T=1; RF pseudo-ATR with the same', () => {
    const hist = historicalBytes(fromHex(image.atr.contact));
    expect(toHex(hist)).toBe('00815353438630310000A1B2C3');
    expect(image.atr.contact.startsWith('3BED000001')).toBe(true);
    expect(image.atr.contactless).toMatch(/^3B8D8001/);
  });

  it('every key is its master key diversified province → city → card (recomputed with node:crypto SM4)', () => {
    const hist8 = historicalBytes(fromHex(image.atr.contact)).slice(-8);
    const expected = (master: string) => {
      let k = fromHex(master);
      for (const d of [fromHex('3331303030307368'), fromHex('3331303030307378'), hist8]) k = divLevel('SM4', k, d);
      return toHex(k);
    };
    const mf = image.mf;
    expect(mf.keys!.find((k) => k.id === 'UK_SSSE')!.value).toBe(expected(shanghai.masterKeys.SSSE.UK!));
    const df04 = df(image, 'DF04');
    expect(df04.keys!.find((k) => k.id === 'DPK_DF04')!.value).toBe(expected(shanghai.masterKeys.DF04.DPK!));
    expect(df04.keys!.find((k) => k.id === 'RK_DF04')).toMatchObject({ usage: 'external-auth', reference: 0x0a, algorithm: 'SM4', version: 1 });
    // no key equals its master key, and no two DFs share a key value
    const all = [...(mf.keys ?? []), ...['DF01', 'DF02', 'DF03', 'DF04', 'DF07'].flatMap((d) => df(image, d).keys ?? [])];
    expect(new Set(all.map((k) => k.value)).size).toBe(all.length);
  });

  it('access rules of DOMAIN.md §1.2', () => {
    expect([ef(image, 'EF05').read, ef(image, 'EF05').update]).toEqual(['free', { key: 'UK_SSSE' }]);
    expect(ef(image, 'EF06').read).toBe('free');
    expect(ef(image, 'EF07').read).toEqual({ key: 'RK_SSSE' });
    expect(ef(image, 'DF04/EF05').read).toEqual({ anyOf: [{ pin: 'PIN_SSSE' }, { key: 'RK_DF04' }] });
    expect(ef(image, 'DF04/EF06').read).toEqual({ allOf: [{ pin: 'PIN_SSSE' }, { key: 'RK_DF04' }] });
    expect([ef(image, 'DF04/EF08').read, ef(image, 'DF04/EF08').update]).toEqual([{ pin: 'PIN_SSSE' }, 'never']);
    expect(ef(image, 'DF04/EF08')).toMatchObject({ structure: 'cyclic', recordSize: 0x1c, maxRecords: 30, sfi: 8 });
    expect(ef(image, 'DF04/EF15')).toMatchObject({ structure: 'cyclic', maxRecords: 8 });
    expect(image.mf.pins).toEqual([{ id: 'PIN_SSSE', reference: 0, value: '123456', triesLeft: 3, maxTries: 3 }]);
  });

  it('contactless reaches only the profile\'s files (EF05, EF06, EF0D, EF1E); DFs and EF07/EF08 are contact-only', () => {
    for (const p of ['EF05', 'EF06', 'EF0D', 'EF1E']) expect(ef(image, p).interfaces).toBeUndefined();
    for (const p of ['EF07', 'EF08']) expect(ef(image, p).interfaces).toEqual(['contact']);
    for (const p of ['DF01', 'DF04', 'DF0A']) expect(df(image, p).interfaces).toEqual(['contact']);
  });

  it('the decoded data equal the holder and profile data', () => {
    const items = Object.fromEntries(inspectCard(image).items.map((i) => [`${i.file}:${i.key}`, i.value]));
    expect(items['EF05:cardIdentifier']).toMatch(/^310000D15600000500A1B2C3[0-9A-F]{8}$/);
    expect(items['EF05:cardNumber']).toBe('SH0012349');
    expect(items['EF05:specVersion']).toBe('3.00');
    expect(items['EF05:expiryDate']).toBe('20360105');
    expect(items['EF06:name']).toBe('李文静');
    expect(items['EF06:idNumber']).toBe('310104199203154427');
    expect(items['EF0D:personId']).toBe('310000000001');
    expect(items['DF04/EF05:insuranceType']).toBe('310');
  });

  it('is reproducible: same inputs and seed → same image; another seed → another PKI key', () => {
    expect(personalize(shanghai, li, { random: seededRandom(1), clock })).toEqual(image);
    const other = personalize(shanghai, li, { random: seededRandom(2), clock });
    expect((other.apps.pki as { publicKey: string }).publicKey).not.toBe((image.apps.pki as { publicKey: string }).publicKey);
  });

  it('the financial section goes to the PBOC personaliser (by default, or the one given)', () => {
    expect(image.apps.pboc).toBeDefined();
    expect(inspectCard(image).applications.some((a) => a.aid === 'A000000333010101')).toBe(true);
    let called = 0;
    const other = personalize(shanghai, li, { random: seededRandom(1), clock, financial: (args) => { called++; personalizeFinancial(args); } });
    expect(called).toBe(1);
    expect(other.apps.pboc).toBeDefined();
  });
});

describe('second generation (3DES) and other holders', () => {
  it('gen2: no EF0D, no PKI, 3DES keys (recomputed), FCI algorithm 01, T=0 ATR 3B6D0000…', () => {
    const h = load('fixtures/holders/gen2-liu.json') as Holder;
    const image = personalize(gen2, h, { random: seededRandom(1), clock });
    expect(findNode(image, 'EF0D')).toBeUndefined();
    expect(findNode(image, 'DF0A')).toBeUndefined();
    expect(image.apps.pki).toBeUndefined();
    expect(image.mf.fciProprietary).toBe('88011E9F0C03860101');
    expect(image.atr.contact).toBe('3B6D00000081535343862037012A48BDC3');
    const hist8 = fromHex('862037012A48BDC3');
    let k = fromHex(gen2.masterKeys.SSSE.UK!);
    for (const d of [fromHex('3337303030307368'), fromHex('3337303130307378'), hist8]) k = divLevel('3DES', k, d);
    expect(image.mf.keys!.find((x) => x.id === 'UK_SSSE')).toMatchObject({ algorithm: '3DES', value: toHex(k) });
  });

  it('a name longer than 30 GBK bytes continues in 姓名扩展 (tag 4E)', () => {
    const long = '阿卜杜热合曼·买买提艾力·阿不都热西提·库尔班江';
    const [head, tail] = splitName(long);
    expect(head + tail).toBe(long);
    expect(encodeGbk(head).length).toBeLessThanOrEqual(30);
    expect(encodeGbk(head + tail[0]).length).toBeGreaterThan(30);
  });

  it('invented holders are valid for every profile', () => {
    for (const p of [shanghai, gen2]) {
      for (let seed = 0; seed < 20; seed++) {
        const h = sampleHolder(p, seededRandom(seed));
        expect(() => parseHolder(h, encodeGbk)).not.toThrow();
      }
    }
  });
});
