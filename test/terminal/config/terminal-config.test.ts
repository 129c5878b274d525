/**
 * The terminal configuration (src/terminal/config/terminal-config.ts): the shipped default file, its
 * documented defaults, every validation error with its path, and the TEST CA keys of the profiles —
 * derived again here with OpenSSL (SM3 of the seed) and sm-crypto (an SM2 implementation independent of
 * src/crypto), from the rule of docs/pboc.md: d = SM3(seed) mod (n − 1) + 1.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  defaultTerminalConfig,
  loadTerminalConfig,
  parseTerminalConfig,
  TerminalConfigError,
} from '../../../src/terminal/config/terminal-config.js';
import { deriveTestCaKeys } from '../../../fixtures/terminal/derive-test-ca-keys.js';

const require = createRequire(import.meta.url);
const smCrypto = require('sm-crypto') as { sm2: { getPublicKeyFromPrivateKey(d: string): string } };
const DEFAULT_FILE = new URL('../../../fixtures/terminal/default.json', import.meta.url).pathname;
/** SM2 curve order n (GM/T 0003.5). */
const N = BigInt('0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123');

describe('terminal configuration', () => {
  it('the shipped default file is valid and holds the documented defaults plus the TEST CA key', () => {
    const config = loadTerminalConfig(DEFAULT_FILE);
    const { caPublicKeys, ...rest } = config;
    const { caPublicKeys: none, ...defaults } = defaultTerminalConfig();
    expect(none).toEqual([]);
    expect({ ...rest, $comment: undefined }).toEqual({ ...defaults, $comment: undefined });
    expect(config).toMatchObject({
      countryCode: '0156',
      currencyCode: '0156',
      terminalType: '22',
      capabilities: 'E0E8C0',
      tac: { denial: '0050200000', online: 'D84084F800', default: 'D84080A800' },
      floorLimit: 50_000,
      contactless: { ttq: '26000080', transactionLimit: 100_000, cvmLimit: 30_000, floorLimit: 50_000 },
      randomSelection: { thresholdAmount: 10_000, targetPercent: 20, maxTargetPercent: 50 },
    });
    expect(caPublicKeys.map((k) => `${k.rid}/${k.index}`)).toEqual(['A000000333/F1']);
    expect(caPublicKeys).toEqual(deriveTestCaKeys().map((k) => ({ ...k })));
  });

  it('the CA key of every profile seed, derived independently (openssl dgst -sm3, sm-crypto)', () => {
    for (const key of deriveTestCaKeys()) {
      const seed = /seed "([^"]+)"/.exec(key.$comment)![1]!;
      const digest = spawnSync('openssl', ['dgst', '-sm3', '-hex'], { input: seed }).stdout.toString().trim().split(/\s+/).pop()!;
      const d = (BigInt(`0x${digest}`) % (N - 1n)) + 1n;
      const pub = smCrypto.sm2.getPublicKeyFromPrivateKey(d.toString(16).padStart(64, '0')).toUpperCase();
      expect(key.publicKey).toBe(pub);
    }
  });

  it('every problem is named with its path', () => {
    try {
      parseTerminalConfig({ tac: { denial: 'XYZ' }, floorLimit: -1, extra: true, contactless: { ttq: '1234' } }, 'mine.json');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(TerminalConfigError);
      const message = (err as Error).message;
      expect(message).toMatch(/^mine\.json: invalid terminal configuration/);
      expect(message).toMatch(/tac\.denial: tac\.denial: 5 byte\(s\) of hex/);
      expect(message).toMatch(/floorLimit/);
      expect(message).toMatch(/extra/);
      expect(message).toMatch(/contactless\.ttq/);
    }
  });

  it('random selection: the threshold must not exceed the floor limit', () => {
    expect(() => parseTerminalConfig({ floorLimit: 100, randomSelection: { thresholdAmount: 200 } })).toThrow(/thresholdAmount/);
    expect(() => parseTerminalConfig({ randomSelection: { targetPercent: 60, maxTargetPercent: 50 } })).toThrow(/maxTargetPercent/);
  });

  it('a CA key must be an uncompressed SM2 point', () => {
    expect(() => parseTerminalConfig({ caPublicKeys: [{ rid: 'A000000333', index: 'F1', publicKey: `02${'00'.repeat(64)}` }] })).toThrow(/uncompressed/);
  });

  it('files: missing, not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sscard-term-'));
    expect(() => loadTerminalConfig(join(dir, 'nope.json'))).toThrow(/nope\.json: .*ENOENT/);
    writeFileSync(join(dir, 'bad.json'), '{');
    expect(() => loadTerminalConfig(join(dir, 'bad.json'))).toThrow(/bad\.json: .*not JSON/);
  });
});
