/**
 * SM2 against independent implementations, both directions: the `sm-crypto` package (signatures with
 * Z_A and SM3, C1C3C2 encryption) and the OpenSSL 3.0 CLI (signatures with distid, DER SM2Cipher
 * encryption, PKCS#8 / SEC1 / SubjectPublicKeyInfo keys). Few CLI calls: each costs ~10 ms or more.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../src/apdu/bytes.js';
import { seededRandom } from '../../src/env.js';
import {
  sm2CiphertextFromDer,
  sm2CiphertextToDer,
  sm2Decrypt,
  sm2Encrypt,
  sm2GenerateKeyPair,
  sm2PrivateKeyFromPem,
  sm2PrivateKeyToPem,
  sm2PublicKeyFromPrivate,
  sm2PublicKeyFromSpki,
  sm2PublicKeyToPem,
  sm2Sign,
  sm2SignatureFromDer,
  sm2SignatureToDer,
  sm2Verify,
} from '../../src/crypto/sm2/index.js';
import { DISTID, OpensslDir, smCrypto } from './sm2-oracles.js';

const random = seededRandom(0x5312);
const ascii = (s: string) => new TextEncoder().encode(s);

describe('sm-crypto as an oracle', () => {
  const keys = Array.from({ length: 4 }, () => sm2GenerateKeyPair(random));
  const messages = [new Uint8Array(0), ascii('message digest'), random(1), random(200)];

  it('derives the same public keys', () => {
    for (const k of keys) expect(toHex(smCrypto.publicKey(k.privateKey))).toBe(toHex(k.publicKey));
  });

  it('verifies our signatures, and we verify its signatures (default ID)', () => {
    keys.forEach((k, i) => {
      const m = messages[i]!;
      const ours = sm2Sign(k.privateKey, m, { random });
      expect(smCrypto.verify(k.publicKey, m, ours)).toBe(true);
      const theirs = smCrypto.sign(k.privateKey, m);
      expect(sm2Verify(k.publicKey, m, theirs)).toBe(true);
      expect(sm2Verify(k.publicKey, concatByte(m), theirs)).toBe(false);
    });
  });

  it('agrees on a non-default user ID', () => {
    const k = keys[0]!;
    const m = ascii('PKI_SignData');
    const id = 'ALICE123@YAHOO.COM';
    const ours = sm2Sign(k.privateKey, m, { id: ascii(id), random });
    expect(smCrypto.verify(k.publicKey, m, ours, id)).toBe(true);
    expect(smCrypto.verify(k.publicKey, m, ours)).toBe(false);
    expect(sm2Verify(k.publicKey, m, smCrypto.sign(k.privateKey, m, id), { id: ascii(id) })).toBe(true);
  });

  it('decrypts our C1C3C2 ciphertexts, and we decrypt its ciphertexts', () => {
    keys.forEach((k, i) => {
      const m = messages[i]!.length ? messages[i]! : ascii('x');
      expect(toHex(smCrypto.decrypt(k.privateKey, sm2Encrypt(k.publicKey, m, random)))).toBe(toHex(m));
      const theirs = smCrypto.encrypt(k.publicKey, m);
      if (toHex(theirs.subarray(97)) === toHex(m)) {
        // C2 = M means t = KDF(x2 ‖ y2) was all zero: sm-crypto does not retry (GM/T 0003.4 §6.1 A5 says
        // the encryptor must), and the decryptor must refuse it (§7.1 B4). Chance 2^-8 for 1-byte messages.
        expect(() => sm2Decrypt(k.privateKey, theirs)).toThrow(/KDF output is all zero/);
      } else {
        expect(toHex(sm2Decrypt(k.privateKey, theirs))).toBe(toHex(m));
      }
    });
  });
});

function concatByte(m: Uint8Array): Uint8Array {
  const out = new Uint8Array(m.length + 1);
  out.set(m);
  out[m.length] = 0x01;
  return out;
}

describe('OpenSSL CLI as an oracle', () => {
  let o: OpensslDir;
  let opensslPrivate: Uint8Array;
  let opensslPublic: Uint8Array;
  const message = ascii('third-generation social security card');

  beforeAll(() => {
    o = new OpensslDir();
    o.run('genpkey', '-algorithm', 'SM2', '-out', 'ossl-key.pem');
    o.run('pkey', '-in', 'ossl-key.pem', '-pubout', '-out', 'ossl-pub.pem');
    opensslPrivate = sm2PrivateKeyFromPem(o.readText('ossl-key.pem'));
    opensslPublic = sm2PublicKeyFromSpki(o.readText('ossl-pub.pem'));
    o.write('msg.bin', message);
  });
  afterAll(() => o.dispose());

  it('imports an OpenSSL PKCS#8 private key and SubjectPublicKeyInfo consistently', () => {
    expect(toHex(sm2PublicKeyFromPrivate(opensslPrivate))).toBe(toHex(opensslPublic));
  });

  it('verifies an OpenSSL signature made with distid, and rejects it under another ID', () => {
    o.run('dgst', '-sm3', '-sign', 'ossl-key.pem', '-sigopt', DISTID, '-out', 'ossl.sig', 'msg.bin');
    const sig = sm2SignatureFromDer(o.read('ossl.sig'));
    expect(sm2Verify(opensslPublic, message, sig)).toBe(true);
    expect(sm2Verify(opensslPublic, message, sig, { id: new Uint8Array(0) })).toBe(false);
    expect(toHex(sm2SignatureToDer(sig))).toBe(toHex(o.read('ossl.sig')));
  });

  it('OpenSSL verifies our signature with our exported keys (PKCS#8 and SPKI PEM)', () => {
    const k = sm2GenerateKeyPair(random);
    o.write('our-pub.pem', sm2PublicKeyToPem(k.publicKey));
    o.write('our.sig', sm2SignatureToDer(sm2Sign(k.privateKey, message, { random })));
    expect(o.run('dgst', '-sm3', '-verify', 'our-pub.pem', '-sigopt', DISTID, '-signature', 'our.sig', 'msg.bin')).toContain('Verified OK');
    // the same signature under OpenSSL's default (empty) ID must fail: the ID really is in Z_A
    expect(o.tryRun('dgst', '-sm3', '-verify', 'our-pub.pem', '-signature', 'our.sig', 'msg.bin').ok).toBe(false);
  });

  it('OpenSSL reads our SEC1 and PKCS#8 private keys and derives the same public key', () => {
    const k = sm2GenerateKeyPair(random);
    o.write('our-sec1.pem', sm2PrivateKeyToPem(k.privateKey, 'sec1'));
    o.write('our-p8.pem', sm2PrivateKeyToPem(k.privateKey));
    o.run('pkey', '-in', 'our-sec1.pem', '-pubout', '-out', 'from-sec1.pem');
    o.run('pkey', '-in', 'our-p8.pem', '-pubout', '-out', 'from-p8.pem');
    expect(toHex(sm2PublicKeyFromSpki(o.readText('from-sec1.pem')))).toBe(toHex(k.publicKey));
    expect(toHex(sm2PublicKeyFromSpki(o.readText('from-p8.pem')))).toBe(toHex(k.publicKey));
  });

  it('decrypts an OpenSSL SM2Cipher, and OpenSSL decrypts ours', () => {
    o.run('pkeyutl', '-encrypt', '-pubin', '-inkey', 'ossl-pub.pem', '-in', 'msg.bin', '-out', 'ossl.ct');
    const ct = sm2CiphertextFromDer(o.read('ossl.ct'));
    expect(toHex(sm2Decrypt(opensslPrivate, ct))).toBe(toHex(message));
    expect(toHex(sm2CiphertextToDer(ct))).toBe(toHex(o.read('ossl.ct')));

    o.write('our.ct', sm2CiphertextToDer(sm2Encrypt(opensslPublic, message, random)));
    o.run('pkeyutl', '-decrypt', '-inkey', 'ossl-key.pem', '-in', 'our.ct', '-out', 'our.pt');
    expect(toHex(o.read('our.pt'))).toBe(toHex(message));
  });
});
