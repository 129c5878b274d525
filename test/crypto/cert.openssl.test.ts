/**
 * X.509 SM2/SM3 certificates against the OpenSSL 3.0 CLI, both directions (issue 2 acceptance):
 * a chain issued by sscard passes `openssl verify -vfyopt distid:1234567812345678`, and a chain made with
 * `openssl req -x509 -sm3 -sigopt distid:…` / `openssl x509 -req -sm3 -sigopt … -vfyopt …` parses and
 * verifies in sscard.
 *
 * OpenSSL 3.0 applies `-vfyopt distid:` only to the certificate being verified, not to the intermediate
 * CAs of its chain (its own 3-level chains fail `-CAfile root -untrusted ca leaf` the same way): each link
 * is therefore checked as a target (docs/crypto-sm2.md). For the same reason OpenSSL cannot check the
 * root's self-signature with distid (`-check_ss_sig` uses the trust-store copy); sscard's verifyChain does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../src/apdu/bytes.js';
import { seededRandom } from '../../src/env.js';
import { createRootCa, issueCertificate, type IssuedCertificate } from '../../src/crypto/cert/ca.js';
import { parseCertificate, verifyCertificateSignature, verifyChain } from '../../src/crypto/cert/x509.js';
import { sm2GenerateKeyPair, sm2PrivateKeyToPem, sm2PublicKeyFromSpki } from '../../src/crypto/sm2/index.js';
import { DISTID, OpensslDir } from './sm2-oracles.js';

const NB = new Date(Date.UTC(2024, 0, 1));
const NA = new Date(Date.UTC(2034, 0, 1));

describe('sscard-issued chain, checked by OpenSSL', () => {
  let o: OpensslDir;
  let root: IssuedCertificate;
  let ca: IssuedCertificate;
  let leaf: IssuedCertificate;

  beforeAll(() => {
    o = new OpensslDir();
    const random = seededRandom(2024);
    root = createRootCa({ subject: 'CN=sscard Test Root CA, O=sscard, C=CN', random, notBefore: NB, notAfter: new Date(Date.UTC(2054, 0, 1)) });
    ca = issueCertificate({ issuer: root, subject: { C: 'CN', O: 'sscard', CN: 'sscard Issuing CA' }, isCa: true, pathLength: 0, random, notBefore: NB, notAfter: NA });
    leaf = issueCertificate({
      issuerCert: ca.pem,
      issuerKey: ca.keyPair!,
      subject: 'CN=张三, serialNumber=110101199003078888, O=sscard, C=CN',
      subjectPublicKey: sm2GenerateKeyPair(random).publicKey,
      isCa: false,
      random,
      notBefore: NB,
      notAfter: NA,
    });
    o.write('root.pem', root.pem);
    o.write('ca.pem', ca.pem);
    o.write('leaf.pem', leaf.pem);
  });
  afterAll(() => o.dispose());

  it('openssl verify accepts each link with distid (root → issuing CA, issuing CA → leaf)', () => {
    expect(o.run('verify', '-vfyopt', DISTID, '-CAfile', 'root.pem', 'root.pem')).toContain('root.pem: OK');
    expect(o.run('verify', '-vfyopt', DISTID, '-CAfile', 'root.pem', 'ca.pem')).toContain('ca.pem: OK');
    expect(o.run('verify', '-vfyopt', DISTID, '-partial_chain', '-CAfile', 'ca.pem', 'leaf.pem')).toContain('leaf.pem: OK');
  });

  it('openssl rejects the leaf without distid (the signature really uses ID 1234567812345678)', () => {
    expect(o.tryRun('verify', '-partial_chain', '-CAfile', 'ca.pem', 'leaf.pem').ok).toBe(false);
  });

  it('openssl x509 -text parses ours: algorithms, names, extensions', () => {
    const text = o.run('x509', '-in', 'ca.pem', '-noout', '-text');
    expect(text).toContain('Signature Algorithm: SM2-with-SM3');
    expect(text).toContain('ASN1 OID: SM2');
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(text).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(text).toContain('Issuer: C = CN, O = sscard, CN = sscard Test Root CA');
    expect(text).toContain('Subject: C = CN, O = sscard, CN = sscard Issuing CA');
    const leafText = o.run('x509', '-in', 'leaf.pem', '-noout', '-subject', '-nameopt', 'utf8,sep_comma_plus_space');
    expect(leafText.trim()).toBe('subject=C=CN, O=sscard, serialNumber=110101199003078888, CN=张三');
    // OpenSSL's view of the public key equals ours
    o.run('x509', '-in', 'leaf.pem', '-noout', '-pubkey', '-out', 'leaf-pub.pem');
    expect(toHex(sm2PublicKeyFromSpki(o.readText('leaf-pub.pem')))).toBe(toHex(parseCertificate(leaf.der).publicKey));
  });
});

describe('OpenSSL-issued chain, checked by sscard', () => {
  let o: OpensslDir;

  beforeAll(() => {
    o = new OpensslDir();
    const random = seededRandom(77);
    for (const name of ['root', 'ca', 'leaf']) o.write(`${name}-key.pem`, sm2PrivateKeyToPem(sm2GenerateKeyPair(random).privateKey));
    o.write('ca.ext', 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
    o.write('leaf.ext', 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n');
    o.run('req', '-x509', '-new', '-key', 'root-key.pem', '-sm3', '-sigopt', DISTID, '-subj', '/C=CN/O=OpenSSL Test/CN=OpenSSL Root', '-days', '3650', '-out', 'root.pem');
    o.run('req', '-new', '-key', 'ca-key.pem', '-sm3', '-sigopt', DISTID, '-subj', '/C=CN/O=OpenSSL Test/CN=OpenSSL CA', '-out', 'ca.csr');
    o.run('x509', '-req', '-in', 'ca.csr', '-CA', 'root.pem', '-CAkey', 'root-key.pem', '-sm3', '-sigopt', DISTID, '-vfyopt', DISTID, '-days', '3650', '-extfile', 'ca.ext', '-out', 'ca.pem');
    o.run('req', '-new', '-key', 'leaf-key.pem', '-sm3', '-sigopt', DISTID, '-subj', '/C=CN/CN=OpenSSL Leaf', '-out', 'leaf.csr');
    o.run('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-sm3', '-sigopt', DISTID, '-vfyopt', DISTID, '-days', '365', '-extfile', 'leaf.ext', '-out', 'leaf.pem');
  });
  afterAll(() => o.dispose());

  it('parses the certificates', () => {
    const root = parseCertificate(o.readText('root.pem'));
    const ca = parseCertificate(o.readText('ca.pem'));
    const leaf = parseCertificate(o.readText('leaf.pem'));
    expect(root.subject).toBe('CN=OpenSSL Root, O=OpenSSL Test, C=CN');
    expect(root.issuer).toBe(root.subject);
    expect(root.isCa).toBe(true); // openssl req -x509 default extensions
    expect(ca.isCa).toBe(true);
    expect(ca.keyUsage).toEqual(['keyCertSign', 'cRLSign']);
    expect(leaf.isCa).toBe(false);
    expect(leaf.keyUsage).toEqual(['digitalSignature']);
    expect(leaf.issuer).toBe('CN=OpenSSL CA, O=OpenSSL Test, C=CN');
    expect(toHex(ca.authorityKeyId!)).toBe(toHex(root.subjectKeyId!));
  });

  it('verifies the chain, and each signature over the raw TBS bytes', () => {
    const root = parseCertificate(o.readText('root.pem'));
    const ca = parseCertificate(o.readText('ca.pem'));
    const leaf = parseCertificate(o.readText('leaf.pem'));
    expect(verifyCertificateSignature(leaf, ca.publicKey)).toBe(true);
    expect(verifyCertificateSignature(ca, root.publicKey)).toBe(true);
    expect(verifyCertificateSignature(leaf, root.publicKey)).toBe(false);
    expect(verifyCertificateSignature(leaf, ca.publicKey, new Uint8Array(0))).toBe(false);
    expect(() => verifyChain([leaf, ca], root, new Date())).not.toThrow();
    expect(() => verifyChain([leaf, ca, root], root, new Date())).not.toThrow();
  });
});
