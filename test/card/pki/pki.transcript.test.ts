// PKI application transcripts through the whole card: select, read the certificate with READ BINARY, PIN,
// PSO COMPUTE DIGITAL SIGNATURE; the signature is verified by OpenSSL against the certificate read from
// the card (online identity authentication: challenge → card signature → verify with the certificate).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { concat, fromHex, toHex } from '../../../src/apdu/bytes.js';
import { fixedClock, seededRandom } from '../../../src/env.js';
import { silentLogger } from '../../../src/log.js';
import { createCard } from '../../../src/card/index.js';
import type { SimulatedCard } from '../../../src/card/runtime/types.js';
import { parseProfile } from '../../../src/card/personalize/profile.js';
import type { Holder } from '../../../src/card/personalize/holder.js';
import { personalize } from '../../../src/card/personalize/personalize.js';
import { sm2SignatureToDer } from '../../../src/crypto/sm2/index.js';
import { toPem } from '../../../src/crypto/cert/x509.js';

const load = (p: string) => JSON.parse(readFileSync(new URL(`../../../${p}`, import.meta.url), 'utf8'));
const clock = fixedClock(new Date(Date.UTC(2026, 10, 22, 10, 0)));
const profile = parseProfile(load('fixtures/profiles/shanghai.json'));
const holder = load('fixtures/holders/shanghai-li.json') as Holder;

function newCard(): SimulatedCard {
  const image = personalize(profile, holder, { random: seededRandom(11), clock });
  const card = createCard(image, { random: seededRandom(12), clock, log: silentLogger() });
  card.powerOn('contact');
  return card;
}
const tx = (card: SimulatedCard, hex: string) => toHex(card.transmit(fromHex(hex)));

/** Reads a transparent EF in 0xE0-byte chunks until 6B00/6282 or a short answer. */
function readAll(card: SimulatedCard): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let offset = 0; offset < 0x8000; offset += 0xe0) {
    const r = card.transmit(Uint8Array.of(0x00, 0xb0, offset >> 8, offset & 0xff, 0xe0));
    const sw = (r[r.length - 2]! << 8) | r[r.length - 1]!;
    if (sw === 0x9000 || sw === 0x6282) parts.push(r.subarray(0, r.length - 2));
    if (sw !== 0x9000 || r.length - 2 < 0xe0) break;
  }
  return concat(...parts);
}

describe('PKI application', () => {
  it('select PKI.社会保障, then SS.CERT.ADF1, read EF 0018 (the DER certificate)', () => {
    const card = newCard();
    expect(tx(card, '00A404000C504B492EC9E7BBE1B1A3D5CF').slice(-4)).toBe('9000');
    expect(tx(card, '00A404000C53532E434552542E41444631').slice(-4)).toBe('9000');
    expect(tx(card, '00A40000020018').slice(-4)).toBe('9000');
    const der = readAll(card);
    expect(der[0]).toBe(0x30);
    const text = execFileSync('openssl', ['x509', '-inform', 'DER', '-noout', '-subject', '-nameopt', 'utf8'], { input: der }).toString();
    expect(text).toContain('李文静');
  });

  it('sign without PIN → 6982; wrong PIN → 63C2; PIN → PSO CDS r ‖ s verified by OpenSSL with the card certificate', () => {
    const card = newCard();
    tx(card, '00A404000C504B492EC9E7BBE1B1A3D5CF');
    tx(card, '00A404000C53532E434552542E41444631');
    tx(card, '00A40000020018');
    const der = readAll(card);
    const challenge = fromHex('6368616C6C656E67652D3230323631313232');
    expect(tx(card, `002A9E9A${challenge.length.toString(16).padStart(2, '0')}${toHex(challenge)}00`)).toBe('6982');
    expect(tx(card, '0020008103999999')).toBe('63C2');
    expect(tx(card, '0020008103123456')).toBe('9000');
    const out = tx(card, `002A9E9A${challenge.length.toString(16).padStart(2, '0')}${toHex(challenge)}00`);
    expect(out.slice(-4)).toBe('9000');
    const sig = fromHex(out.slice(0, -4));
    expect(sig.length).toBe(64);
    const dir = mkdtempSync(join(tmpdir(), 'sscard-pki-'));
    writeFileSync(join(dir, 'card.pem'), toPem(der));
    execFileSync('openssl', ['x509', '-in', 'card.pem', '-pubkey', '-noout', '-out', 'pub.pem'], { cwd: dir });
    writeFileSync(join(dir, 'msg'), challenge);
    writeFileSync(join(dir, 'sig.der'), sm2SignatureToDer(sig));
    const ok = execFileSync('openssl', ['dgst', '-sm3', '-verify', 'pub.pem', '-sigopt', 'distid:1234567812345678', '-signature', 'sig.der', 'msg'], { cwd: dir }).toString();
    expect(ok.trim()).toBe('Verified OK');
  });

  it('the private key is never answered: no command of the PKI DF returns it', () => {
    const card = newCard();
    tx(card, '00A404000C504B492EC9E7BBE1B1A3D5CF');
    const image = personalize(profile, holder, { random: seededRandom(11), clock });
    const d = (image.apps.pki as { privateKey: string }).privateKey;
    for (const hex of ['80C9828000', '00CA000000', '00B0000000', '00A40000020019', '80CA9F7F00']) {
      expect(tx(card, hex)).not.toContain(d);
    }
    // the public-key read gives 04 ‖ X ‖ Y of the certificate key
    expect(tx(card, '80C9828000')).toBe(`${(image.apps.pki as { publicKey: string }).publicKey}9000`);
  });
});

describe('enciphered user-PIN verification 00 20 01 81 10 (DOMAIN.md §1.5)', () => {
  it('GET CHALLENGE → SM4-ECB(K, R ‖ 00×8) with K = 3DE741F4… (PIN 123456) → 9000 and signing is allowed', async () => {
    const { createCipheriv } = await import('node:crypto');
    const card = newCard();
    tx(card, '00A404000C504B492EC9E7BBE1B1A3D5CF');
    const r = fromHex(tx(card, '0084000008').slice(0, 16));
    const c = createCipheriv('sm4-ecb', fromHex('3DE741F445DD357BEA4E6C3FE6437036'), null);
    c.setAutoPadding(false);
    const block = Buffer.concat([c.update(concat(r, new Uint8Array(8))), c.final()]);
    expect(tx(card, `0020018110${toHex(block)}`)).toBe('9000');
    expect(tx(card, '002A9E9A03414243').slice(-4)).toBe('9000');
  });

  it('a wrong block → 63C2 (the counter is shared with plain VERIFY); without a challenge → 6985', () => {
    const card = newCard();
    tx(card, '00A404000C504B492EC9E7BBE1B1A3D5CF');
    expect(tx(card, `0020018110${'00'.repeat(16)}`)).toBe('6985');
    tx(card, '0084000008');
    expect(tx(card, `0020018110${'00'.repeat(16)}`)).toBe('63C2');
    expect(tx(card, '0020008103999999')).toBe('63C1');
  });
});
