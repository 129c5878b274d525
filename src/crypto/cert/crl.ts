/**
 * X.509 certificate revocation lists signed with SM2/SM3 (RFC 5280 §5; GM/T 0015): parse a CRL (DER or
 * PEM "X509 CRL"), keeping the raw TBSCertList bytes, and check its signature with the issuer's key.
 *
 * ```
 * CertificateList ::= SEQUENCE { tbsCertList TBSCertList, signatureAlgorithm AlgorithmIdentifier, signatureValue BIT STRING }
 * TBSCertList ::= SEQUENCE {
 *   version Version OPTIONAL, -- v2
 *   signature AlgorithmIdentifier, issuer Name, thisUpdate Time, nextUpdate Time OPTIONAL,
 *   revokedCertificates SEQUENCE OF SEQUENCE { userCertificate CertificateSerialNumber, revocationDate Time,
 *                                              crlEntryExtensions Extensions OPTIONAL } OPTIONAL,
 *   crlExtensions [0] EXPLICIT Extensions OPTIONAL }
 * ```
 */
import { DER_TAG, derChildren, derReadOne } from '../sm2/der.js';
import { SM2_DEFAULT_ID } from '../sm2/keys.js';
import { derOrPem } from '../sm2/pem.js';
import { sm2SignatureFromDer, sm2Verify } from '../sm2/sign.js';
import { Type, asn1, children, fromDer, primitive, readBits, readIntegerBytes, readOid, toDer, type Asn1 } from './asn1.js';
import { nameToString } from './name.js';
import { SM2_WITH_SM3_OID } from './x509.js';

export interface RevokedEntry {
  /** Serial number, upper-case hex as `ParsedCertificate.serialHex`. */
  serialHex: string;
  revocationDate: Date;
}

export interface ParsedCrl {
  der: Uint8Array;
  /** The TBSCertList bytes exactly as they appear in `der` (what the signature covers). */
  tbs: Uint8Array;
  issuer: string;
  issuerDer: Uint8Array;
  thisUpdate: Date;
  nextUpdate?: Date;
  revoked: RevokedEntry[];
  /** 64 bytes r ‖ s. */
  signature: Uint8Array;
}

function readTime(node: Asn1 | undefined, what: string): Date {
  if (node && node.type === Type.UTCTIME) return asn1.utcTimeToDate(primitive(node, Type.UTCTIME, what));
  if (node && node.type === Type.GENERALIZEDTIME) return asn1.generalizedTimeToDate(primitive(node, Type.GENERALIZEDTIME, what));
  throw new RangeError(`${what}: expected UTCTime or GeneralizedTime`);
}

const isTime = (n: Asn1 | undefined) => n !== undefined && n.tagClass === asn1.Class.UNIVERSAL && (n.type === Type.UTCTIME || n.type === Type.GENERALIZEDTIME);

function readAlgorithm(node: Asn1 | undefined, what: string): string {
  const parts = children(node, what);
  const alg = readOid(parts[0], what);
  if (parts.length > 2 || (parts.length === 2 && parts[1]!.type !== Type.NULL)) throw new RangeError(`${what}: unexpected algorithm parameters`);
  return alg;
}

/**
 * Parses an SM2-signed CRL from DER bytes or PEM text.
 * @throws RangeError for malformed DER or a signature algorithm other than SM2-with-SM3
 */
export function parseCrl(input: Uint8Array | string): ParsedCrl {
  const { der } = derOrPem(input, ['X509 CRL'], 'CRL');
  const outer = derChildren(derReadOne(der, DER_TAG.SEQUENCE, 'CRL'), 'CRL');
  if (outer.length !== 3 || outer[0]!.tag !== DER_TAG.SEQUENCE) throw new RangeError('CRL: expected SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue }');
  const tbs = der.subarray(outer[0]!.offset, outer[1]!.offset);

  const [tbsAsn, sigAlgAsn, sigAsn] = children(fromDer(der, 'CRL'), 'CRL');
  const fields = children(tbsAsn, 'tbsCertList');
  let i = 0;
  if (fields[0]?.tagClass === asn1.Class.UNIVERSAL && fields[0].type === Type.INTEGER) {
    const v = readIntegerBytes(fields[i++], 'CRL version');
    if (v.length !== 1 || v[0] !== 1) throw new RangeError('CRL: unsupported version (only v2)');
  }
  const innerAlg = readAlgorithm(fields[i++], 'tbsCertList signature');
  const issuerAsn = fields[i++];
  if (!issuerAsn) throw new RangeError('CRL: issuer missing');
  const thisUpdate = readTime(fields[i++], 'thisUpdate');
  let nextUpdate: Date | undefined;
  if (isTime(fields[i])) nextUpdate = readTime(fields[i++], 'nextUpdate');
  const revoked: RevokedEntry[] = [];
  const maybeList = fields[i];
  if (maybeList && maybeList.tagClass === asn1.Class.UNIVERSAL && maybeList.type === Type.SEQUENCE) {
    for (const entry of children(maybeList, 'revokedCertificates')) {
      const parts = children(entry, 'revokedCertificate');
      if (parts.length < 2 || parts.length > 3) throw new RangeError('CRL: a revoked entry must be { serial, date [, extensions] }');
      const serial = readIntegerBytes(parts[0], 'revoked serial');
      revoked.push({ serialHex: Buffer.from(serial).toString('hex').toUpperCase(), revocationDate: readTime(parts[1], 'revocationDate') });
    }
    i++;
  }
  if (fields[i] && !(fields[i]!.tagClass === asn1.Class.CONTEXT_SPECIFIC && fields[i]!.type === 0)) throw new RangeError('tbsCertList: unexpected field');
  if (fields.length > i + 1) throw new RangeError('tbsCertList: unexpected trailing fields');
  const outerAlg = readAlgorithm(sigAlgAsn, 'signatureAlgorithm');
  if (outerAlg !== innerAlg) throw new RangeError(`CRL: signatureAlgorithm ${outerAlg} differs from the TBS signature ${innerAlg}`);
  if (outerAlg !== SM2_WITH_SM3_OID) throw new RangeError(`CRL: signature algorithm ${outerAlg} is not SM2-with-SM3 (${SM2_WITH_SM3_OID})`);
  return {
    der,
    tbs,
    issuer: nameToString(issuerAsn, 'CRL issuer'),
    issuerDer: toDer(issuerAsn),
    thisUpdate,
    ...(nextUpdate ? { nextUpdate } : {}),
    revoked,
    signature: sm2SignatureFromDer(readBits(sigAsn, 'CRL signature')),
  };
}

/** Checks the CRL's SM2 signature over its raw TBS bytes with the issuer's public key. */
export function verifyCrlSignature(crl: ParsedCrl, issuerPublicKey: Uint8Array, id: Uint8Array = SM2_DEFAULT_ID): boolean {
  return sm2Verify(issuerPublicKey, crl.tbs, crl.signature, { id });
}


