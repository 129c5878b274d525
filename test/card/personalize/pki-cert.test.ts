// The PKI personalisation: the profile's deterministic TEST CA chain and the card certificate, accepted by
// `openssl verify -vfyopt distid:1234567812345678` (OpenSSL 3.0 syntax), and the card's SM2 key matching it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../src/apdu/bytes.js';
import { seededRandom } from '../../../src/env.js';
import { parseCertificate, toPem, verifyChain } from '../../../src/crypto/cert/x509.js';
import { sm2PublicKeyFromPrivate } from '../../../src/crypto/sm2/index.js';
import { parseProfile } from '../../../src/card/personalize/profile.js';
import { buildPkiApplication, testCaChain } from '../../../src/card/personalize/pki.js';
import type { Holder } from '../../../src/card/personalize/holder.js';
import type { EfImage, DfImage } from '../../../src/card/runtime/types.js';

const load = (p: string) => JSON.parse(readFileSync(new URL(`../../../${p}`, import.meta.url), 'utf8'));
const profile = parseProfile(load('fixtures/profiles/shanghai.json'));
const holder = load('fixtures/holders/shanghai-li.json') as Holder;

describe('PKI personalisation', () => {
  const { df, state } = buildPkiApplication(profile, holder, { random: seededRandom(3), issueDate: '20260105', interfaces: ['contact', 'contactless'] });
  const adf = df.children[0] as DfImage;
  const ef = adf.children[0] as EfImage;

  it('puts the DF "PKI.社会保障" → ADF "SS.CERT.ADF1" → EF 0018 (read free, never updated) on the card', () => {
    expect(df.aid).toBe('504B492EC9E7BBE1B1A3D5CF');
    expect(adf.aid).toBe('53532E434552542E41444631');
    expect(ef.fid).toBe(0x0018);
    expect([ef.read, ef.update]).toEqual(['free', 'never']);
    expect(df.pins?.[0]).toMatchObject({ id: 'PIN_PKI', reference: 0x81, value: '123456' });
    expect(df.interfaces).toEqual(['contact']); // profile: contactless.pki = false
  });

  it('the card certificate holds the public key of the private key in the state, and names the holder', () => {
    const cert = parseCertificate(fromHex(ef.data!));
    expect(toHex(cert.publicKey)).toBe(state.publicKey);
    expect(toHex(sm2PublicKeyFromPrivate(fromHex(state.privateKey)))).toBe(state.publicKey);
    expect(cert.subject).toContain('李文静');
    expect(cert.subject).toContain('310104199203154427');
    expect(cert.isCa).toBe(false);
  });

  it('the test CA chain is deterministic for a profile', () => {
    expect(testCaChain(profile).root.pem).toBe(testCaChain(profile).root.pem);
    expect(state.caChain[1]).toBe(testCaChain(profile).root.pem);
  });

  // OpenSSL 3.0 applies `-vfyopt distid:…` only to the certificate being verified: an intermediate taken
  // from -CAfile/-untrusted is checked with the empty ID and fails (error 7 at depth 1) whatever signs it
  // with the standard ID. So each link is verified as the target: issuing CA against the root, then the card
  // against the issuing CA as a partial chain. The whole chain is also checked by the crypto layer.
  it('openssl verify -vfyopt distid:1234567812345678 accepts each link: root → issuing CA, issuing CA → card', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sscard-cert-'));
    writeFileSync(join(dir, 'card.pem'), toPem(fromHex(ef.data!)));
    writeFileSync(join(dir, 'issuing.pem'), state.caChain[0]!);
    writeFileSync(join(dir, 'root.pem'), state.caChain[1]!);
    const v = (...args: string[]) => execFileSync('openssl', ['verify', '-vfyopt', 'distid:1234567812345678', ...args], { cwd: dir, stdio: 'pipe' }).toString().trim();
    expect(v('-CAfile', 'root.pem', 'root.pem')).toBe('root.pem: OK');
    expect(v('-CAfile', 'root.pem', 'issuing.pem')).toBe('issuing.pem: OK');
    expect(v('-partial_chain', '-CAfile', 'issuing.pem', 'card.pem')).toBe('card.pem: OK');
    // a certificate checked against the wrong CA is refused
    expect(() => v('-partial_chain', '-CAfile', 'root.pem', 'card.pem')).toThrow();
    // and without the distid (empty ID) the SM2 signature does not verify
    expect(() => execFileSync('openssl', ['verify', '-CAfile', 'root.pem', 'issuing.pem'], { cwd: dir, stdio: 'pipe' })).toThrow();
  });

  it('the crypto layer verifies the whole chain card → issuing CA → root', () => {
    const chain = [parseCertificate(fromHex(ef.data!)), parseCertificate(state.caChain[0]!)];
    expect(() => verifyChain(chain, parseCertificate(state.caChain[1]!), new Date(Date.UTC(2027, 0, 1)))).not.toThrow();
  });
});
