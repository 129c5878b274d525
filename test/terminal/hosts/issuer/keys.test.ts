/**
 * The issuer keys as data: the financial section of the bundled profiles read with the host's own
 * schema, issuer key files, the longest BIN first, and every problem named with its file and path.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../../src/apdu/bytes.js';
import { bundledKeyring } from '../../../../src/terminal/hosts/issuer/index.js';
import { IssuerKeyError, IssuerKeyring, keySetsFromFile, keySetsFromJson } from '../../../../src/terminal/hosts/issuer/keys.js';
import { PROFILES } from './helpers/card.js';

const KEYS = { AC: '0123456789ABCDEFFEDCBA9876543210', MAC: '11223344556677888877665544332211', ENC: 'A1A2A3A4A5A6A7A8B1B2B3B4B5B6B7B8' };

describe('issuer keys', () => {
  it('the bundled profiles: Shanghai 621234 and Sichuan 621235 (SM4, TEST keys); the second-generation profile has none', () => {
    const ring = bundledKeyring();
    expect(ring.bins).toEqual([
      { bin: '621234', algorithm: 'SM4', source: 'profile shanghai' },
      { bin: '621235', algorithm: 'SM4', source: 'profile sichuan' },
    ]);
    const shanghai = ring.forPan('6212341234567890123')!;
    expect(toHex(shanghai.masterKeys.AC)).toBe('219F764CE9C0E382E36FAA960E142226'); // fixtures/profiles/shanghai.json
    expect(ring.forPan('6222001234567890')).toBeUndefined();
    expect(() => keySetsFromFile(join(PROFILES, 'gen2-3des.json'))).toThrow(/gen2-3des\.json: no usable issuer keys .*financial: /);
    expect(keySetsFromFile(join(PROFILES, 'gen2-3des.json'), { optional: true })).toEqual([]);
  });

  it('a key file; the longest BIN serves a PAN; one BIN with two key sets is refused', () => {
    const ring = new IssuerKeyring(
      keySetsFromJson(
        { issuerKeys: [ { bin: '621234', algorithm: 'SM4', masterKeys: KEYS }, { bin: '62123499', algorithm: '3DES', masterKeys: KEYS, label: 'test range' } ] },
        'bank.json',
      ),
    );
    expect(ring.forPan('6212349912345678')!.algorithm).toBe('3DES');
    expect(ring.forPan('6212349912345678')!.source).toBe('bank.json (test range)');
    expect(ring.forPan('6212341112345678')!.algorithm).toBe('SM4');
    expect(ring.cardKeys('6212341112345678', '01')!.ac).toHaveLength(16);
    expect(() => new IssuerKeyring([...keySetsFromJson({ issuerKeys: [{ bin: '621234', algorithm: 'SM4', masterKeys: KEYS }] }, 'a.json'), ...keySetsFromJson({ issuerKeys: [{ bin: '621234', algorithm: '3DES', masterKeys: KEYS }] }, 'b.json')])).toThrow(
      'BIN 621234 has two different key sets (a.json and b.json)',
    );
    // the same keys twice (a profile and a key file saying the same) are one key set
    expect(new IssuerKeyring([...keySetsFromJson({ issuerKeys: [{ bin: '621234', algorithm: 'SM4', masterKeys: KEYS }] }, 'a.json'), ...keySetsFromJson({ name: 'x', financial: { panPrefix: '621234', masterKeys: KEYS } }, 'x.json')]).bins).toHaveLength(1);
  });

  it('every problem is named with its path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sscard-keys-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ issuerKeys: [{ bin: '62', algorithm: 'AES', masterKeys: { AC: 'xyz', MAC: KEYS.MAC } }] }));
    expect(() => keySetsFromFile(bad)).toThrow(IssuerKeyError);
    const message = (() => {
      try {
        keySetsFromFile(bad);
      } catch (err) {
        return (err as Error).message;
      }
      return '';
    })();
    expect(message).toMatch(/^bad\.json: not a valid issuer key file: /);
    expect(message).toMatch(/issuerKeys\.0\.bin: must be 6 to 15 digits/);
    expect(message).toMatch(/issuerKeys\.0\.algorithm: /);
    expect(message).toMatch(/issuerKeys\.0\.masterKeys\.AC: must be 16 bytes as 32 hex digits/);
    expect(message).toMatch(/issuerKeys\.0\.masterKeys\.ENC: /);
    writeFileSync(bad, '{"issuerKeys": [');
    expect(() => keySetsFromFile(bad)).toThrow(/^issuer keys .*bad\.json: not valid JSON/);
    expect(() => keySetsFromFile(join(dir, 'none.json'))).toThrow(/none\.json: no such file$/);
  });
});
