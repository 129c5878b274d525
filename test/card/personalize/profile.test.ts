// Profile and holder validation: the bundled fixtures are valid; broken ones give errors naming the path.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseProfile, ProfileError } from '../../../src/card/personalize/profile.js';
import { parseHolder, HolderError } from '../../../src/card/personalize/holder.js';
import { isValidCardNumber, isValidIdNumber } from '../../../src/card/apps/ssse/check-digits.js';
import { encodeGbk } from '../../../src/apdu/text/gbk.js';

const load = (p: string) => JSON.parse(readFileSync(new URL(`../../../${p}`, import.meta.url), 'utf8'));

describe('bundled profiles', () => {
  it.each(['shanghai', 'sichuan', 'gen2-3des'])('%s is valid', (name) => {
    const p = parseProfile(load(`fixtures/profiles/${name}.json`), `${name}.json`);
    expect(p.name).toBe(name);
  });

  it('Shanghai and Sichuan are third generation SM4 with their region codes and PINs; gen2 is 3DES', () => {
    const sh = parseProfile(load('fixtures/profiles/shanghai.json'));
    const sc = parseProfile(load('fixtures/profiles/sichuan.json'));
    const g2 = parseProfile(load('fixtures/profiles/gen2-3des.json'));
    expect([sh.generation, sh.algorithm, sh.issuer.regionCode, sh.defaultPin]).toEqual([3, 'SM4', '310000', '123456']);
    expect([sc.generation, sc.algorithm, sc.issuer.regionCode, sc.defaultPin]).toEqual([3, 'SM4', '510100', '888888']);
    expect([g2.generation, g2.algorithm, g2.interfaces]).toEqual([2, '3DES', ['contact']]);
    expect(g2.pki).toBeUndefined();
  });

  it('marks its master keys as test keys', () => {
    for (const name of ['shanghai', 'sichuan', 'gen2-3des']) expect(load(`fixtures/profiles/${name}.json`).$comment).toMatch(/TEST KEYS/);
  });
});

describe('profile errors', () => {
  const good = () => load('fixtures/profiles/shanghai.json');

  it('lists every problem with its JSON path', () => {
    const p = good();
    p.issuer.regionCode = '3100';
    p.algorithm = '3DES';
    p.masterKeys.DF04.UK = 'ABCD';
    delete p.masterKeys.DF04.DPK;
    p.defaultPin = '12a456';
    try {
      parseProfile(p, 'broken.json');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ProfileError);
      const msg = (err as Error).message;
      expect(msg).toContain('invalid profile broken.json');
      expect(msg).toContain('profile.issuer.regionCode: "3100" is not a 6-digit region code');
      expect(msg).toContain('profile.algorithm: a third-generation card uses SM4');
      expect(msg).toContain('profile.masterKeys.DF04.UK: must be 16 bytes of hex');
      expect(msg).toContain('profile.masterKeys.DF04.DPK: missing');
      expect(msg).toContain('profile.defaultPin');
    }
  });

  it('rejects an unknown contactless path', () => {
    const p = good();
    p.contactless.files = ['EF05', 'EF99'];
    expect(() => parseProfile(p)).toThrow(/profile\.contactless\.files\.1: "EF99" is not a file path/);
  });

  it('rejects a non-object and unknown key kinds', () => {
    expect(() => parseProfile([], 'x')).toThrow(/must be a JSON object/);
    const p = good();
    p.masterKeys.SSSE.XYZ = '00'.repeat(16);
    expect(() => parseProfile(p)).toThrow(/profile\.masterKeys\.SSSE\.XYZ: unknown key kind/);
  });
});

describe('holders', () => {
  const files = readdirSync(new URL('../../../fixtures/holders/', import.meta.url)).filter((f) => f.endsWith('.json'));

  it.each(files)('%s is valid: ID check digit, card number check character, GBK name', (f) => {
    const h = parseHolder(load(`fixtures/holders/${f}`), encodeGbk, f);
    expect(isValidIdNumber(h.idNumber)).toBe(true);
    expect(isValidCardNumber(h.cardNumber)).toBe(true);
    expect(encodeGbk(h.name).length).toBeLessThanOrEqual(30);
  });

  it('reports a wrong ID check digit, a wrong card check character and a non-GBK name', () => {
    const h = load('fixtures/holders/shanghai-li.json');
    h.idNumber = '310104199203154428';
    h.cardNumber = 'SH0012340';
    h.name = '李文静😀';
    try {
      parseHolder(h, encodeGbk, 'bad.json');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(HolderError);
      const msg = (err as Error).message;
      expect(msg).toMatch(/holder\.idNumber: .* GB 11643 check digit/);
      expect(msg).toMatch(/holder\.cardNumber: .*check character/);
      expect(msg).toMatch(/holder\.name: .*GBK/);
    }
  });
});
