/**
 * Personalisation of the PKI application (DOMAIN.md §1.5; docs/pki.md): the profile's TEST certificate
 * chain (root CA → issuing CA, key pairs derived deterministically from `profile.pki.caSeed` so that the
 * same profile always yields the same CA certificates), an SM2 key pair generated for the card, and the
 * cardholder certificate (X.509, SM2 with SM3) in EF 0018.
 */
import { toHex } from '../../apdu/bytes.js';
import { seededRandom, type RandomSource } from '../../env.js';
import { sm3 } from '../../crypto/sm3.js';
import { sm2GenerateKeyPair } from '../../crypto/sm2/index.js';
import { createRootCa, issueCertificate, type IssuedCertificate } from '../../crypto/cert/ca.js';
import type { Sm2KeyPair } from '../../crypto/sm2/index.js';
import type { CardInterface, DfImage } from '../runtime/types.js';
import { PKI_ADF_AID, PKI_AID, PKI_APP_ID, PKI_PIN_ID, PKI_PIN_REFERENCE, SIGN_CERT_FID, type PkiState } from '../apps/pki/pki-app.js';
import type { Profile } from './profile.js';
import type { Holder } from './holder.js';

/** FIDs of the PKI DF and its ADF. [R] (not public; new DFs start at DF0A per DOMAIN.md §1.1) */
export const PKI_DF_FID = 0xdf0a;
export const PKI_ADF_FID = 0xdf0b;

/** Fixed validity of the test CAs (deterministic certificates). */
const CA_NOT_BEFORE = new Date(Date.UTC(2020, 0, 1));
const CA_NOT_AFTER = new Date(Date.UTC(2049, 11, 31, 23, 59, 59));

/** A deterministic random source from a text seed (TEST CAs only: not secret). */
export function seedRandom(seed: string): RandomSource {
  const h = sm3(new TextEncoder().encode(seed));
  return seededRandom(((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0);
}

export interface TestCaChain {
  root: IssuedCertificate & { keyPair: Sm2KeyPair };
  issuing: IssuedCertificate & { keyPair: Sm2KeyPair };
}

function ymdToDate(ymd: string): Date {
  return new Date(Date.UTC(Number(ymd.slice(0, 4)), Number(ymd.slice(4, 6)) - 1, Number(ymd.slice(6, 8))));
}

/** The profile's test CA chain: root (self-signed) and issuing CA, both from `caSeed`. */
export function testCaChain(profile: Profile): TestCaChain {
  if (!profile.pki) throw new RangeError(`testCaChain: profile ${profile.name} has no pki section`);
  const random = seedRandom(profile.pki.caSeed);
  const rootKeyPair = sm2GenerateKeyPair(random);
  const root = { ...createRootCa({ subject: profile.pki.rootSubject, keyPair: rootKeyPair, random, notBefore: CA_NOT_BEFORE, notAfter: CA_NOT_AFTER }), keyPair: rootKeyPair };
  const keyPair = sm2GenerateKeyPair(random);
  const issuing = issueCertificate({
    issuer: root,
    subject: profile.pki.issuingSubject,
    publicKey: keyPair.publicKey,
    isCa: true,
    random,
    notBefore: CA_NOT_BEFORE,
    notAfter: CA_NOT_AFTER,
  });
  return { root, issuing: { ...issuing, keyPair } };
}

/** Builds the PKI DF (with its ADF, EF 0018 and PIN_PKI) and the application's persistent state. */
export function buildPkiApplication(
  profile: Profile,
  holder: Holder,
  opts: { random: RandomSource; issueDate: string; interfaces: CardInterface[] },
): { df: DfImage; state: PkiState } {
  const pki = profile.pki!;
  const chain = testCaChain(profile);
  const cardKey = sm2GenerateKeyPair(opts.random);
  const notBefore = ymdToDate(opts.issueDate);
  const notAfter = ymdToDate(`${Number(opts.issueDate.slice(0, 4)) + pki.certValidityYears}${opts.issueDate.slice(4)}`);
  const cert = issueCertificate({
    issuer: { der: chain.issuing.der, keyPair: chain.issuing.keyPair },
    subject: `CN=${holder.name}, serialNumber=${holder.idNumber}, O=${profile.issuer.name}, C=CN`,
    publicKey: cardKey.publicKey,
    isCa: false,
    random: opts.random,
    notBefore,
    notAfter,
  });
  const rf = opts.interfaces.includes('contactless') && !profile.contactless.pki ? { interfaces: ['contact'] as CardInterface[] } : {};
  const adf: DfImage = {
    kind: 'df',
    fid: PKI_ADF_FID,
    aid: PKI_ADF_AID,
    label: 'ADF SS.CERT.ADF1',
    lifeCycle: 'active',
    children: [
      {
        kind: 'ef',
        fid: SIGN_CERT_FID,
        label: 'EF0018 签名证书',
        structure: 'transparent',
        size: cert.der.length,
        data: toHex(cert.der),
        read: 'free',
        update: 'never',
      },
    ],
  };
  const df: DfImage = {
    kind: 'df',
    fid: PKI_DF_FID,
    aid: PKI_AID,
    label: 'PKI.社会保障',
    application: PKI_APP_ID,
    lifeCycle: 'active',
    pins: [{ id: PKI_PIN_ID, reference: PKI_PIN_REFERENCE, value: profile.defaultPin, triesLeft: profile.pinMaxTries, maxTries: profile.pinMaxTries }],
    children: [adf],
    ...rf,
  };
  const state: PkiState = {
    privateKey: toHex(cardKey.privateKey),
    publicKey: toHex(cardKey.publicKey),
    caChain: [chain.issuing.pem, chain.root.pem],
    signatures: 0,
  };
  return { df, state };
}
