/**
 * A small certificate authority for SM2/SM3 X.509 v3 certificates (RFC 5280; issue 2): root CA →
 * issuing CA → end entity. What it writes is accepted by `openssl verify -vfyopt
 * distid:1234567812345678` (test/crypto/cert.openssl.test.ts).
 *
 * Each certificate: version 3, positive serial, SM2-with-SM3 (no parameters), UTCTime up to 2049 and
 * GeneralizedTime from 2050 (RFC 5280 §4.1.2.5), extensions basicConstraints (critical), keyUsage
 * (critical), subjectKeyIdentifier (SHA-1 of the public key bits, RFC 5280 §4.2.1.2 method 1),
 * authorityKeyIdentifier (except on the root). Signed with ID `1234567812345678`.
 */
import { createHash } from 'node:crypto';
import type { RandomSource } from '../../env.js';
import { bytesEqual } from '../../apdu/bytes.js';
import { sm3 } from '../sm3.js';
import { sm2GenerateKeyPair, sm2PublicKeyFromPrivate, SM2_DEFAULT_ID, type Sm2KeyPair } from '../sm2/keys.js';
import { sm2PublicKeyToSpki } from '../sm2/pem.js';
import { sm2Sign, sm2SignatureToDer } from '../sm2/sign.js';
import { derivedRandom } from '../sm2/nonce.js';
import { asn1, bits, bool, explicit, fromDer, integer, octets, oid, seq, toDer, type Asn1 } from './asn1.js';
import { encodeName, type NameInput } from './name.js';
import { EXTENSION_OIDS, KEY_USAGES, SM2_WITH_SM3_OID, parseCertificate, toPem, type KeyUsage } from './x509.js';

/** A certificate made by the CA helper. */
export interface IssuedCertificate {
  der: Uint8Array;
  pem: string;
  /** The key pair of the certificate's subject, when the helper knows it (root CA; generated keys). */
  keyPair?: Sm2KeyPair;
}

/** Serial number: bytes (big-endian) or a bigint; must be positive, at most 20 bytes (RFC 5280 §4.1.2.2). */
export type SerialInput = Uint8Array | bigint;

/** Options of {@link createRootCa}. */
export interface RootCaOptions {
  subject: NameInput;
  /** The root's key pair; generated from `random` when absent. */
  keyPair?: Sm2KeyPair;
  notBefore: Date;
  notAfter: Date;
  /** Default: 16 random bytes from `random`, or derived from the certificate content when no `random`. */
  serial?: SerialInput;
  /** Randomness for the key pair, serial and signature nonce; without it the nonce is derived by HMAC-SM3 (src/crypto/sm2/nonce.ts). */
  random?: RandomSource;
  /** basicConstraints pathLenConstraint (default: none). */
  pathLength?: number;
  /** Default: keyCertSign, cRLSign. */
  keyUsage?: KeyUsage[];
}

/** The issuer of a certificate: its certificate (DER or PEM) and its key. */
export interface IssuerInput {
  der: Uint8Array;
  keyPair?: Sm2KeyPair;
  privateKey?: Uint8Array;
  /** Ignored (accepted for convenience): the issuer's name is always taken from `der`. */
  subject?: NameInput;
}

/** Options of {@link issueCertificate}. */
export interface IssueOptions {
  /** The issuer's certificate (DER or PEM). Alternative: `issuer`. */
  issuerCert?: Uint8Array | string;
  /** The issuer's key pair (or private key). Alternative: `issuer`. */
  issuerKey?: Sm2KeyPair | Uint8Array;
  /** The issuer as one object `{ der, keyPair }` or `{ der, privateKey }` (e.g. an {@link IssuedCertificate}). */
  issuer?: IssuerInput;
  subject: NameInput;
  /** 04 ‖ x ‖ y. Alias: `publicKey`. When both are absent a key pair is generated and returned. */
  subjectPublicKey?: Uint8Array;
  publicKey?: Uint8Array;
  isCa: boolean;
  notBefore: Date;
  notAfter: Date;
  serial?: SerialInput;
  /** Default: CA → keyCertSign, cRLSign; end entity → digitalSignature, nonRepudiation. */
  keyUsage?: KeyUsage[];
  /** basicConstraints pathLenConstraint of a CA certificate. */
  pathLength?: number;
  random?: RandomSource;
}

const DEFAULT_CA_USAGE: KeyUsage[] = ['keyCertSign', 'cRLSign'];
const DEFAULT_EE_USAGE: KeyUsage[] = ['digitalSignature', 'nonRepudiation'];

function serialBytes(serial: SerialInput | undefined, random: RandomSource | undefined, seed: Uint8Array): Uint8Array {
  let b: Uint8Array;
  if (serial === undefined) {
    b = Uint8Array.from(random ? random(16) : sm3(seed).subarray(0, 16));
    b[0] = (b[0]! & 0x7f) | 0x40; // positive, 16 significant bytes
  } else if (typeof serial === 'bigint') {
    if (serial <= 0n) throw new RangeError('serial: must be positive');
    let hex = serial.toString(16);
    if (hex.length % 2) hex = '0' + hex;
    b = new Uint8Array(Buffer.from(hex, 'hex'));
  } else if (serial instanceof Uint8Array) {
    b = serial;
    if (b.every((x) => x === 0)) throw new RangeError('serial: must be positive');
  } else throw new TypeError('serial: must be a Uint8Array or a bigint');
  const significant = b.length - (b.findIndex((x) => x !== 0) === -1 ? b.length : b.findIndex((x) => x !== 0));
  if (significant > 20) throw new RangeError(`serial: at most 20 bytes (RFC 5280 §4.1.2.2), got ${significant}`);
  return b;
}

function time(d: Date, what: string): Asn1 {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new TypeError(`${what}: must be a valid Date`);
  const whole = new Date(Math.floor(d.getTime() / 1000) * 1000);
  const y = whole.getUTCFullYear();
  if (y >= 1950 && y <= 2049) return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTCTIME, false, asn1.dateToUtcTime(whole));
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(whole));
}

function extension(id: string, critical: boolean, value: Asn1): Asn1 {
  return seq(oid(id), ...(critical ? [bool(true)] : []), octets(toDer(value)));
}

function keyUsageBits(usages: KeyUsage[]): Asn1 {
  let last = -1;
  const bytes = new Uint8Array(2);
  for (const u of usages) {
    const i = KEY_USAGES.indexOf(u);
    if (i < 0) throw new RangeError(`keyUsage: unknown usage '${u}' (known: ${KEY_USAGES.join(', ')})`);
    bytes[i >> 3]! |= 0x80 >> (i & 7);
    last = Math.max(last, i);
  }
  if (last < 0) throw new RangeError('keyUsage: at least one usage');
  const length = (last >> 3) + 1;
  const used = bytes.subarray(0, length);
  // DER: unused trailing zero bits of the last byte are counted (X.690 §11.2.2).
  const lastByte = used[length - 1]!;
  let unused = 0;
  while (unused < 7 && !(lastByte & (1 << unused))) unused++;
  return bits(used, unused);
}

/** SHA-1 of the subjectPublicKey BIT STRING contents (RFC 5280 §4.2.1.2 method 1). */
function keyId(publicKey: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha1').update(publicKey).digest());
}

interface BuildInput {
  issuerName: Asn1;
  issuerKeyId?: Uint8Array;
  signerPrivate: Uint8Array;
  subject: NameInput;
  subjectPublicKey: Uint8Array;
  isCa: boolean;
  notBefore: Date;
  notAfter: Date;
  serial?: SerialInput;
  keyUsage?: KeyUsage[];
  pathLength?: number;
  random?: RandomSource;
}

function build(input: BuildInput): Uint8Array {
  if (input.notAfter < input.notBefore) throw new RangeError('notAfter: must not be before notBefore');
  if (input.pathLength !== undefined && (!input.isCa || !Number.isInteger(input.pathLength) || input.pathLength < 0)) {
    throw new RangeError('pathLength: a non-negative integer, for CA certificates only');
  }
  const subjectName = encodeName(input.subject, 'subject');
  const spki = fromDer(sm2PublicKeyToSpki(input.subjectPublicKey), 'subjectPublicKeyInfo');
  const ski = keyId(input.subjectPublicKey);
  const basic = seq(...(input.isCa ? [bool(true)] : []), ...(input.pathLength !== undefined ? [integer(BigInt(input.pathLength))] : []));
  const extensions = [
    extension(EXTENSION_OIDS.basicConstraints, true, basic),
    extension(EXTENSION_OIDS.keyUsage, true, keyUsageBits(input.keyUsage ?? (input.isCa ? DEFAULT_CA_USAGE : DEFAULT_EE_USAGE))),
    extension(EXTENSION_OIDS.subjectKeyIdentifier, false, octets(ski)),
  ];
  if (input.issuerKeyId) {
    extensions.push(
      extension(EXTENSION_OIDS.authorityKeyIdentifier, false, seq(asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, false, Buffer.from(input.issuerKeyId).toString('binary')))),
    );
  }
  const algorithm = () => seq(oid(SM2_WITH_SM3_OID));
  const seed = toDer(seq(subjectName, octets(input.subjectPublicKey), time(input.notBefore, 'notBefore')));
  const tbsAsn = seq(
    explicit(0, integer(2n)),
    integer(serialBytes(input.serial, input.random, seed)),
    algorithm(),
    input.issuerName,
    seq(time(input.notBefore, 'notBefore'), time(input.notAfter, 'notAfter')),
    subjectName,
    spki,
    explicit(3, seq(...extensions)),
  );
  const tbs = toDer(tbsAsn);
  const random = input.random ?? derivedRandom(input.signerPrivate, tbs);
  const signature = sm2SignatureToDer(sm2Sign(input.signerPrivate, tbs, { id: SM2_DEFAULT_ID, random }));
  return toDer(seq(tbsAsn, algorithm(), bits(signature)));
}

function issued(der: Uint8Array, keyPair?: Sm2KeyPair): IssuedCertificate {
  return keyPair ? { der, pem: toPem(der), keyPair } : { der, pem: toPem(der) };
}

/**
 * A self-signed root CA certificate (basicConstraints cA critical; keyCertSign, cRLSign).
 * @throws TypeError when neither `keyPair` nor `random` is given
 */
export function createRootCa(opts: RootCaOptions): IssuedCertificate {
  if (!opts.keyPair && typeof opts.random !== 'function') throw new TypeError('createRootCa: keyPair or random is required');
  const keyPair = opts.keyPair ?? sm2GenerateKeyPair(opts.random!);
  if (!bytesEqual(sm2PublicKeyFromPrivate(keyPair.privateKey), keyPair.publicKey)) throw new RangeError('keyPair: public key does not match the private key');
  const der = build({
    issuerName: encodeName(opts.subject, 'subject'),
    signerPrivate: keyPair.privateKey,
    subject: opts.subject,
    subjectPublicKey: keyPair.publicKey,
    isCa: true,
    notBefore: opts.notBefore,
    notAfter: opts.notAfter,
    serial: opts.serial,
    keyUsage: opts.keyUsage,
    pathLength: opts.pathLength,
    random: opts.random,
  });
  return issued(der, keyPair);
}

/**
 * A certificate signed by an issuing CA. The issuer's name and key identifier come from its certificate;
 * its key must match that certificate.
 * @throws TypeError/RangeError for a missing issuer or key, a key that does not match the issuer's
 *   certificate, an issuer that is not a CA
 */
export function issueCertificate(opts: IssueOptions): IssuedCertificate {
  const issuerCertInput = opts.issuerCert ?? opts.issuer?.der;
  if (issuerCertInput === undefined) throw new TypeError('issueCertificate: issuerCert (or issuer.der) is required');
  const keyInput = opts.issuerKey ?? opts.issuer?.keyPair ?? opts.issuer?.privateKey;
  if (keyInput === undefined) throw new TypeError('issueCertificate: issuerKey (or issuer.keyPair / issuer.privateKey) is required');
  const issuerPrivate = keyInput instanceof Uint8Array ? keyInput : keyInput.privateKey;
  const issuerCert = parseCertificate(issuerCertInput);
  if (!issuerCert.isCa) throw new RangeError(`issuerCert: "${issuerCert.subject}" is not a CA certificate`);
  if (!bytesEqual(sm2PublicKeyFromPrivate(issuerPrivate), issuerCert.publicKey)) throw new RangeError('issuerKey: does not match the issuer certificate');
  let subjectPublicKey = opts.subjectPublicKey ?? opts.publicKey;
  let keyPair: Sm2KeyPair | undefined;
  if (!subjectPublicKey) {
    if (typeof opts.random !== 'function') throw new TypeError('issueCertificate: subjectPublicKey or random (to generate a key pair) is required');
    keyPair = sm2GenerateKeyPair(opts.random);
    subjectPublicKey = keyPair.publicKey;
  }
  const der = build({
    issuerName: fromDer(issuerCert.subjectDer, 'issuer name'),
    issuerKeyId: issuerCert.subjectKeyId ?? keyId(issuerCert.publicKey),
    signerPrivate: issuerPrivate,
    subject: opts.subject,
    subjectPublicKey,
    isCa: opts.isCa,
    notBefore: opts.notBefore,
    notAfter: opts.notAfter,
    serial: opts.serial,
    keyUsage: opts.keyUsage,
    pathLength: opts.pathLength,
    random: opts.random,
  });
  return issued(der, keyPair);
}
