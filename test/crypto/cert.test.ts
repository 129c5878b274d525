/**
 * sscard's X.509 CA helper and chain verification (RFC 5280 §6, the parts sscard needs): fields as
 * given, clear errors for each broken link, tampering detected over the raw TBS bytes, sm-crypto as an
 * independent check of the certificate signatures.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/apdu/bytes.js';
import { seededRandom } from '../../src/env.js';
import { createRootCa, issueCertificate } from '../../src/crypto/cert/ca.js';
import { CertificateError, parseCertificate, toPem, verifyChain, type ParsedCertificate } from '../../src/crypto/cert/x509.js';
import { sm2GenerateKeyPair, sm2SignatureToDer } from '../../src/crypto/sm2/index.js';
import { smCrypto } from './sm2-oracles.js';

const NB = new Date(Date.UTC(2024, 0, 1));
const NA = new Date(Date.UTC(2034, 0, 1));
const AT = new Date(Date.UTC(2026, 5, 1));

function chain(seed = 1) {
  const random = seededRandom(seed);
  const rootKeys = sm2GenerateKeyPair(random);
  const root = createRootCa({ subject: { C: 'CN', O: 'Test', CN: 'Root' }, keyPair: rootKeys, notBefore: NB, notAfter: NA, serial: 1n });
  const ca = issueCertificate({ issuerCert: root.der, issuerKey: rootKeys, subject: '/C=CN/O=Test/CN=Issuing', isCa: true, notBefore: NB, notAfter: NA, serial: Uint8Array.of(2), random });
  const leafKeys = sm2GenerateKeyPair(random);
  const leaf = issueCertificate({ issuerCert: ca.der, issuerKey: ca.keyPair!, subject: 'CN=Leaf, C=CN', subjectPublicKey: leafKeys.publicKey, isCa: false, notBefore: NB, notAfter: NA, serial: 0x0a0b0cn, random });
  return { root, ca, leaf, rootKeys, leafKeys, p: { root: parseCertificate(root.pem), ca: parseCertificate(ca.der), leaf: parseCertificate(leaf.pem) } };
}

describe('CA helper output', () => {
  const c = chain();

  it('carries the fields as given', () => {
    expect(c.p.root.serialHex).toBe('01');
    expect(c.p.ca.serialHex).toBe('02');
    expect(c.p.leaf.serialHex).toBe('0A0B0C');
    expect(c.p.root.subject).toBe('CN=Root, O=Test, C=CN');
    expect(c.p.ca.subject).toBe('CN=Issuing, O=Test, C=CN');
    expect(c.p.ca.issuer).toBe('CN=Root, O=Test, C=CN');
    expect(c.p.leaf.subject).toBe('CN=Leaf, C=CN');
    expect(c.p.leaf.notBefore.toISOString()).toBe(NB.toISOString());
    expect(c.p.leaf.notAfter.toISOString()).toBe(NA.toISOString());
    expect(toHex(c.p.leaf.publicKey)).toBe(toHex(c.leafKeys.publicKey));
    expect(toHex(c.p.root.publicKey)).toBe(toHex(c.rootKeys.publicKey));
    expect([c.p.root.isCa, c.p.ca.isCa, c.p.leaf.isCa]).toEqual([true, true, false]);
    expect(c.p.leaf.keyUsage).toEqual(['digitalSignature', 'nonRepudiation']);
    expect(c.p.ca.keyUsage).toEqual(['keyCertSign', 'cRLSign']);
    expect(toHex(c.p.leaf.authorityKeyId!)).toBe(toHex(c.p.ca.subjectKeyId!));
    expect(c.leaf.pem).toBe(toPem(c.leaf.der));
  });

  it('signatures verify with sm-crypto over the TBS bytes (independent check)', () => {
    expect(smCrypto.verify(c.rootKeys.publicKey, c.p.ca.tbs, c.p.ca.signature)).toBe(true);
    expect(smCrypto.verify(c.p.ca.publicKey, c.p.leaf.tbs, c.p.leaf.signature)).toBe(true);
  });

  it('is deterministic without a RandomSource for the root (nonce derived by HMAC-SM3)', () => {
    const a = createRootCa({ subject: 'CN=R', keyPair: c.rootKeys, notBefore: NB, notAfter: NA, serial: 5n });
    const b = createRootCa({ subject: 'CN=R', keyPair: c.rootKeys, notBefore: NB, notAfter: NA, serial: 5n });
    expect(toHex(a.der)).toBe(toHex(b.der));
    expect(() => verifyChain([parseCertificate(a.der)], parseCertificate(a.der), AT)).not.toThrow();
  });

  it('uses GeneralizedTime from 2050 (RFC 5280 §4.1.2.5)', () => {
    const r = createRootCa({ subject: 'CN=Long', keyPair: c.rootKeys, notBefore: NB, notAfter: new Date(Date.UTC(2060, 0, 1)), serial: 9n });
    expect(toHex(r.der)).toContain(toHex(new TextEncoder().encode('20600101000000Z')));
    expect(parseCertificate(r.der).notAfter.toISOString()).toBe('2060-01-01T00:00:00.000Z');
  });

  it('rejects bad CA inputs', () => {
    expect(() => issueCertificate({ issuerCert: c.leaf.der, issuerKey: c.leafKeys, subject: 'CN=x', isCa: false, notBefore: NB, notAfter: NA, random: seededRandom(1) })).toThrow(/is not a CA certificate/);
    expect(() => issueCertificate({ issuerCert: c.ca.der, issuerKey: c.rootKeys, subject: 'CN=x', isCa: false, notBefore: NB, notAfter: NA, random: seededRandom(1) })).toThrow(/issuerKey: does not match/);
    expect(() => createRootCa({ subject: 'XX=y', keyPair: c.rootKeys, notBefore: NB, notAfter: NA })).toThrow(/unknown attribute type 'XX'/);
    expect(() => createRootCa({ subject: 'CN=y', keyPair: c.rootKeys, notBefore: NA, notAfter: NB })).toThrow(/notAfter/);
    expect(() => createRootCa({ subject: 'CN=y', notBefore: NB, notAfter: NA })).toThrow(/keyPair or random is required/);
  });
});

describe('verifyChain', () => {
  const c = chain(3);
  const other = chain(4);

  it('accepts a good chain, with or without the root at its end', () => {
    expect(() => verifyChain([c.p.leaf, c.p.ca], c.p.root, AT)).not.toThrow();
    expect(() => verifyChain([c.p.leaf, c.p.ca, c.p.root], c.p.root, AT)).not.toThrow();
  });

  const fails = (certs: ParsedCertificate[], root: ParsedCertificate, at: Date, message: RegExp) => {
    expect(() => verifyChain(certs, root, at)).toThrow(CertificateError);
    expect(() => verifyChain(certs, root, at)).toThrow(message);
  };

  it('rejects expiry and not-yet-valid', () => {
    fails([c.p.leaf, c.p.ca], c.p.root, new Date(Date.UTC(2035, 0, 1)), /has expired/);
    fails([c.p.leaf, c.p.ca], c.p.root, new Date(Date.UTC(2023, 0, 1)), /is not yet valid/);
  });

  it('rejects a missing intermediate, a foreign root, a non-CA issuer', () => {
    fails([c.p.leaf], c.p.root, AT, /issuer "CN=Issuing, O=Test, C=CN" does not match the next certificate's subject "CN=Root, O=Test, C=CN"/);
    // same names, different keys: the signature check catches it
    fails([c.p.leaf, c.p.ca], other.p.root, AT, /SM2 signature does not verify/);
    fails([c.p.leaf, other.p.leaf], other.p.root, AT, /does not match the next certificate's subject|is not a CA/);
  });

  it('rejects a certificate whose TBS bytes were altered', () => {
    const der = Uint8Array.from(c.p.leaf.der);
    const cn = toHex(der).indexOf(toHex(new TextEncoder().encode('Leaf'))) / 2;
    der[cn] = 'l'.charCodeAt(0);
    const tampered = parseCertificate(der);
    expect(tampered.subject).toBe('CN=leaf, C=CN');
    fails([tampered, c.p.ca], c.p.root, AT, /"CN=leaf, C=CN" .*SM2 signature does not verify/);
  });

  it('rejects a swapped signature', () => {
    const sigDer = sm2SignatureToDer(c.p.leaf.signature);
    const otherSig = sm2SignatureToDer(other.p.leaf.signature);
    const hex = toHex(c.p.leaf.der);
    if (sigDer.length === otherSig.length) {
      const swapped = parseCertificate(Uint8Array.from(Buffer.from(hex.replace(toHex(sigDer), toHex(otherSig)), 'hex')));
      fails([swapped, c.p.ca], c.p.root, AT, /SM2 signature does not verify/);
    }
  });
});

describe('parseCertificate rejects', () => {
  const c = chain(5);
  it('garbage, truncation and trailing bytes with clear errors', () => {
    expect(() => parseCertificate(Uint8Array.of(1, 2, 3))).toThrow(RangeError);
    expect(() => parseCertificate(c.leaf.der.subarray(0, c.leaf.der.length - 1))).toThrow(/needs \d+ bytes/);
    expect(() => parseCertificate(Uint8Array.from([...c.leaf.der, 0, 0]))).toThrow(/trailing bytes/);
    expect(() => parseCertificate('-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----\n')).toThrow(/no "CERTIFICATE" block/);
  });
});
