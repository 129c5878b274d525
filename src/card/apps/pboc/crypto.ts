/**
 * The cryptography the financial application uses, behind one adapter (DOMAIN.md §2 [C/R]):
 * UDK and session-key derivation, application cryptogram, ARPC, MAC, ECB encipherment, SM2 signatures.
 *
 * INTERIM: written while the shared crypto modules (src/crypto/kdf.ts, mac.ts, sm2/) were not yet in the
 * tree; every function follows DOMAIN.md §2 so the switch is a change of this file only.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { concat, toHex, xor } from '../../../apdu/bytes.js';
import { sm2 } from 'sm-crypto-v2';
import { SM2_ODA_USER_ID } from './choices.js';
import type { PbocAlgorithm } from './state.js';

function cipher(name: string, key: Uint8Array, data: Uint8Array, decrypt: boolean): Uint8Array {
  const c = decrypt ? createDecipheriv(name, key, null) : createCipheriv(name, key, null);
  c.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

function ecb(alg: PbocAlgorithm, key: Uint8Array, data: Uint8Array, decrypt = false): Uint8Array {
  return cipher(alg === 'SM4' ? 'sm4-ecb' : 'des-ede-ecb', key, data, decrypt);
}

const not = (b: Uint8Array) => b.map((x) => x ^ 0xff);

/** D = rightmost 16 digits of PAN ‖ PSN as BCD (8 bytes), left-padded with zeros. */
function diversifier(pan: string, psn: string): Uint8Array {
  const digits = (pan + psn).padStart(16, '0').slice(-16);
  return Uint8Array.from(digits.match(/../g)!.map((h) => parseInt(h, 16)));
}

function pad80(data: Uint8Array, block: number): Uint8Array {
  return concat(data, Uint8Array.of(0x80), new Uint8Array((block - ((data.length + 1) % block)) % block));
}

/** ISO 9797-1 MAC: alg. 3 (retail) for 3DES, CBC-MAC for SM4; 80-padding; 8 bytes. */
function mac8(alg: PbocAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
  if (alg === 'SM4') {
    const padded = pad80(data, 16);
    let h: Uint8Array = new Uint8Array(16);
    for (let i = 0; i < padded.length; i += 16) h = ecb('SM4', key, xor(h, padded.subarray(i, i + 16)));
    return h.subarray(0, 8);
  }
  const padded = pad80(data, 8);
  // single DES as 2-key 3DES with K1 = K2 (OpenSSL 3 keeps des-ecb in the legacy provider)
  const des = (k: Uint8Array) => concat(k, k);
  const k1 = des(key.subarray(0, 8));
  const k2 = des(key.subarray(8, 16));
  let h: Uint8Array = new Uint8Array(8);
  for (let i = 0; i < padded.length; i += 8) h = cipher('des-ede-ecb', k1, xor(h, padded.subarray(i, i + 8)), false);
  return cipher('des-ede-ecb', k1, cipher('des-ede-ecb', k2, h, true), false);
}

export const pbocCrypto = {
  udk(alg: PbocAlgorithm, imk: Uint8Array, pan: string, psn: string): Uint8Array {
    const d = diversifier(pan, psn);
    if (alg === 'SM4') return ecb('SM4', imk, concat(d, not(d)));
    return concat(ecb('3DES', imk, d), ecb('3DES', imk, not(d)));
  },
  sessionKey(alg: PbocAlgorithm, udk: Uint8Array, atc: number): Uint8Array {
    const a = Uint8Array.of(0, 0, 0, 0, 0, 0, atc >> 8, atc & 0xff);
    const b = Uint8Array.of(0, 0, 0, 0, 0, 0, (atc >> 8) ^ 0xff, (atc & 0xff) ^ 0xff);
    if (alg === 'SM4') return ecb('SM4', udk, concat(a, b));
    return concat(ecb('3DES', udk, a), ecb('3DES', udk, b));
  },
  applicationCryptogram(alg: PbocAlgorithm, sk: Uint8Array, data: Uint8Array): Uint8Array {
    return mac8(alg, sk, data);
  },
  arpc(alg: PbocAlgorithm, sk: Uint8Array, arqc: Uint8Array, arc: Uint8Array): Uint8Array {
    const x = xor(arqc, concat(arc, new Uint8Array(6)));
    if (alg === 'SM4') return ecb('SM4', sk, concat(x, new Uint8Array(8))).subarray(0, 8);
    return ecb('3DES', sk, x);
  },
  mac(alg: PbocAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
    return mac8(alg, key, data);
  },
  encrypt(alg: PbocAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
    return ecb(alg, key, data);
  },
  decrypt(alg: PbocAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
    return ecb(alg, key, data, true);
  },
  /** SM2 public key 04 ‖ X ‖ Y of a private key. */
  sm2PublicKey(privateKey: Uint8Array): Uint8Array {
    return fromHexLocal(sm2.getPublicKeyFromPrivateKey(toHex(privateKey).toLowerCase()));
  },
  /** SM2 signature r ‖ s over SM3(Z_A ‖ message), ID 1234567812345678. */
  sm2Sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array {
    const sig = sm2.doSignature(message, toHex(privateKey).toLowerCase(), { hash: true, der: false, userId: SM2_ODA_USER_ID });
    return fromHexLocal(sig);
  },
  sm2Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    return sm2.doVerifySignature(message, toHex(signature).toLowerCase(), toHex(publicKey).toLowerCase(), { hash: true, der: false, userId: SM2_ODA_USER_ID });
  },
};

function fromHexLocal(h: string): Uint8Array {
  return Uint8Array.from(h.match(/../g)!.map((x) => parseInt(x, 16)));
}
