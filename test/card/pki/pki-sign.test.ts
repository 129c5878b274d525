// The PKI application's sign command (PSO COMPUTE DIGITAL SIGNATURE, docs/pki.md) through its port with the
// real SM2 code; the r ‖ s answer is verified by OpenSSL 3 (independent implementation) with the default ID.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../src/apdu/bytes.js';
import { CommandApdu } from '../../../src/apdu/command-apdu.js';
import { seededRandom } from '../../../src/env.js';
import { CardError } from '../../../src/card/runtime/card-error.js';
import { sm2GenerateKeyPair, sm2PublicKeyToPem, sm2Sign, sm2SignatureToDer } from '../../../src/crypto/sm2/index.js';
import { processPki, type PkiPort, type PkiState } from '../../../src/card/apps/pki/pki-app.js';

function makePort(pin: boolean) {
  const kp = sm2GenerateKeyPair(seededRandom(5));
  let state: PkiState = { privateKey: toHex(kp.privateKey), publicKey: toHex(kp.publicKey), caChain: [], signatures: 0 };
  const random = seededRandom(6);
  const port: PkiPort = {
    pinVerified: () => pin,
    loadState: () => state,
    saveState: (s) => (state = s),
    sign: (d, m) => sm2Sign(fromHex(d), m, { random }),
  };
  return { port, kp, state: () => state };
}

const run = (port: PkiPort, hex: string) => {
  try {
    return processPki(CommandApdu.parse(fromHex(hex)), port)?.toHex();
  } catch (err) {
    if (err instanceof CardError) return err.sw.toString(16).toUpperCase().padStart(4, '0');
    throw err;
  }
};

describe('PKI sign (PSO CDS 00 2A 9E 9A)', () => {
  it('signs SM3(Z_A ‖ data) with the default ID; OpenSSL verifies the DER form with distid 1234567812345678', () => {
    const { port, kp, state } = makePort(true);
    const message = new TextEncoder().encode('challenge 2026-11-22 terminal 310000000123');
    const out = run(port, `002A9E9A${message.length.toString(16).padStart(2, '0')}${toHex(message)}00`)!;
    expect(out.slice(-4)).toBe('9000');
    const sig = fromHex(out.slice(0, -4));
    expect(sig.length).toBe(64);
    expect(state().signatures).toBe(1);
    const dir = mkdtempSync(join(tmpdir(), 'sscard-pki-'));
    writeFileSync(join(dir, 'pub.pem'), sm2PublicKeyToPem(kp.publicKey));
    writeFileSync(join(dir, 'msg'), message);
    writeFileSync(join(dir, 'sig.der'), sm2SignatureToDer(sig));
    const ok = execFileSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', 'pub.pem', '-rawin', '-in', 'msg', '-sigfile', 'sig.der', '-pkeyopt', 'distid:1234567812345678'], { cwd: dir }).toString();
    expect(ok).toMatch(/Signature Verified Successfully/);
    // and the same with a different message fails
    writeFileSync(join(dir, 'msg2'), new TextEncoder().encode('another message'));
    expect(() => execFileSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', 'pub.pem', '-rawin', '-in', 'msg2', '-sigfile', 'sig.der', '-pkeyopt', 'distid:1234567812345678'], { cwd: dir, stdio: 'pipe' })).toThrow();
  });

  it('without PIN_PKI verified: 6982 and no signature counted', () => {
    const { port, state } = makePort(false);
    expect(run(port, '002A9E9A03414243')).toBe('6982');
    expect(state().signatures).toBe(0);
  });

  it('wrong P1P2 → 6A86, no data → 6700; the public key read returns 04 ‖ X ‖ Y; other commands fall through', () => {
    const { port, kp } = makePort(true);
    expect(run(port, '002A9E9C03414243')).toBe('6A86');
    expect(run(port, '002A9E9A00')).toBe('6700');
    expect(run(port, '80C9828000')).toBe(`${toHex(kp.publicKey)}9000`);
    expect(run(port, '00B0000000')).toBeUndefined();
  });
});

describe('enciphered user-PIN key (DOMAIN.md §1.5)', () => {
  it('PIN 123456 → K = 3DE741F445DD357BEA4E6C3FE6437036 (DOMAIN.md [V])', async () => {
    const { pkiPinKey } = await import('../../../src/card/apps/pki/pki-app.js');
    expect(toHex(pkiPinKey('123456'))).toBe('3DE741F445DD357BEA4E6C3FE6437036');
    expect(() => pkiPinKey('12345')).toThrow(/pin/);
  });
});
