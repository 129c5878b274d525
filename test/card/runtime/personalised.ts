/**
 * Personalised cards of the fixture profiles for the runtime tests (gates, failed saves, fuzz), and the
 * key-management MAC computed with OpenSSL's ciphers (node:crypto), not with sscard's crypto.
 */
import { createCipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fixedClock, seededRandom } from '../../../src/env.js';
import { parseProfile } from '../../../src/card/personalize/profile.js';
import type { Holder } from '../../../src/card/personalize/holder.js';
import { personalize } from '../../../src/card/personalize/personalize.js';
import type { CardImage, DfImage, KeyImage } from '../../../src/card/runtime/types.js';

const load = (p: string) => JSON.parse(readFileSync(new URL(`../../../${p}`, import.meta.url), 'utf8'));

export const PROFILES = { shanghai: 'shanghai-li', sichuan: 'sichuan-chen', 'gen2-3des': 'gen2-liu' } as const;
export type ProfileName = keyof typeof PROFILES;
export const clock = fixedClock(new Date('2026-11-22T10:00:00Z'));

const cache = new Map<ProfileName, string>();

/** A personalised image of a fixture profile (a fresh mutable copy each call). */
export function personalised(name: ProfileName): CardImage {
  let json = cache.get(name);
  if (!json) {
    const image = personalize(parseProfile(load(`fixtures/profiles/${name}.json`)), load(`fixtures/holders/${PROFILES[name]}.json`) as Holder, { random: seededRandom(3), clock });
    json = JSON.stringify(image);
    cache.set(name, json);
  }
  return JSON.parse(json) as CardImage;
}

/** The DF with this AID (hex) anywhere in the image. */
export function dfByAid(image: CardImage, aid: string): DfImage {
  const walk = (df: DfImage): DfImage | undefined =>
    df.aid?.toUpperCase() === aid.toUpperCase() ? df : df.children.map((c) => (c.kind === 'df' ? walk(c) : undefined)).find(Boolean);
  const found = walk(image.mf);
  if (!found) throw new Error(`no DF ${aid}`);
  return found;
}

export function keyOf(df: DfImage, id: string): KeyImage {
  const key = df.keys?.find((k) => k.id === id);
  if (!key) throw new Error(`no key ${id}`);
  return key;
}

/**
 * Key-management MAC (DOMAIN.md §1.4, docs/card-os.md [R]): CBC under the static key with IV = the
 * challenge padded with 00, ISO 9797-1 method 2 padding; SM4 folds the last block to 4 bytes (XOR of
 * its four words), 3DES/DES keep its leftmost 4 bytes.
 */
export function kmMac(key: KeyImage, challengeHex: string, inputHex: string): string {
  const sm4 = key.algorithm === 'SM4';
  const bs = sm4 ? 16 : 8;
  const iv = Buffer.from(challengeHex.slice(0, bs * 2).padEnd(bs * 2, '0'), 'hex');
  let padded = inputHex + '80';
  while ((padded.length / 2) % bs !== 0) padded += '00';
  const k = Buffer.from(key.value, 'hex');
  const cipher = sm4 ? 'sm4-cbc' : k.length === 8 ? 'des-cbc' : k.length === 16 ? 'des-ede-cbc' : 'des-ede3-cbc';
  const c = createCipheriv(cipher, k, iv).setAutoPadding(false);
  const out = Buffer.concat([c.update(Buffer.from(padded, 'hex')), c.final()]);
  const last = out.subarray(out.length - bs);
  if (!sm4) return last.subarray(0, 4).toString('hex').toUpperCase();
  const mac = Buffer.alloc(4);
  for (let i = 0; i < 4; i++) mac[i] = last[i]! ^ last[i + 4]! ^ last[i + 8]! ^ last[i + 12]!;
  return mac.toString('hex').toUpperCase();
}

/** CDOL1 data (docs/pboc.md): amount, other, country, TVR, currency, date, type, UN, time, merchant name. */
export const cdol1Data = (amountFen: number, un: string) =>
  `${String(amountFen).padStart(12, '0')}${'0'.repeat(12)}0156${'00'.repeat(5)}0156261122` + `00${un}103000${'20'.repeat(20)}`;
