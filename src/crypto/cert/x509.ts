/**
 * X.509 v3 certificates with SM2/SM3 (RFC 5280; GM/T 0015): parse (node-forge ASN.1), check the SM2
 * signature over the raw TBSCertificate bytes as given, verify a chain (DOMAIN.md §1.5; issue 2).
 *
 * Signature algorithm: SM2-with-SM3, OID 1.2.156.10197.1.501; public keys: id-ecPublicKey with the SM2
 * curve OID 1.2.156.10197.1.301. The signer's Z_A uses ID `1234567812345678` unless told otherwise
 * (GM/T 0009 default; OpenSSL needs `-vfyopt distid:1234567812345678` to agree).
 */
import { bytesEqual } from '../../apdu/bytes.js';
import { DER_TAG, derChildren, derReadOne } from '../sm2/der.js';
import { SM2_CURVE_OID } from '../sm2/curve.js';
import { SM2_DEFAULT_ID } from '../sm2/keys.js';
import { pemDecode, pemEncode, EC_PUBLIC_KEY_OID } from '../sm2/pem.js';
import { sm2SignatureFromDer, sm2Verify } from '../sm2/sign.js';
import { sm2AssertPublicKey } from '../sm2/keys.js';
import { Type, asn1, children, fromBinary, fromDer, primitive, readBits, readIntegerBytes, readOid, toDer, type Asn1 } from './asn1.js';
import { nameToString } from './name.js';

/** SM2-with-SM3 signature algorithm (GM/T 0006). */
export const SM2_WITH_SM3_OID = '1.2.156.10197.1.501';

/** OIDs of the extensions sscard reads and writes (RFC 5280 §4.2.1). */
export const EXTENSION_OIDS = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
} as const;

/** Key-usage bits in RFC 5280 order (bit 0 first). */
export const KEY_USAGES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;
export type KeyUsage = (typeof KEY_USAGES)[number];

/** A parsed SM2 certificate. */
export interface ParsedCertificate {
  der: Uint8Array;
  /** The TBSCertificate bytes exactly as they appear in `der` (what the signature covers). */
  tbs: Uint8Array;
  serialHex: string;
  /** RFC 4514-style text, most specific RDN first, e.g. `CN=Root, O=Test, C=CN`. */
  subject: string;
  issuer: string;
  /** DER of the subject and issuer Names (for exact name chaining). */
  subjectDer: Uint8Array;
  issuerDer: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  /** 65 bytes 04 ‖ x ‖ y. */
  publicKey: Uint8Array;
  /** basicConstraints cA. */
  isCa: boolean;
  /** basicConstraints pathLenConstraint, if present. */
  pathLength?: number;
  /** keyUsage, if the extension is present. */
  keyUsage?: KeyUsage[];
  subjectKeyId?: Uint8Array;
  authorityKeyId?: Uint8Array;
  /** Signature algorithm OID (always {@link SM2_WITH_SM3_OID} for a parsed certificate). */
  signatureAlgorithm: string;
  /** 64 bytes r ‖ s. */
  signature: Uint8Array;
}

/** A certificate-chain or certificate-content problem. */
export class CertificateError extends Error {
  override name = 'CertificateError';
}

/** PEM text of DER bytes (default label CERTIFICATE). */
export function toPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  return pemEncode(der, label);
}

function readTime(node: Asn1 | undefined, what: string): Date {
  if (node && node.type === Type.UTCTIME) return asn1.utcTimeToDate(primitive(node, Type.UTCTIME, what));
  if (node && node.type === Type.GENERALIZEDTIME) return asn1.generalizedTimeToDate(primitive(node, Type.GENERALIZEDTIME, what));
  throw new RangeError(`${what}: expected UTCTime or GeneralizedTime`);
}

function readAlgorithm(node: Asn1 | undefined, what: string): string {
  const parts = children(node, what);
  const alg = readOid(parts[0], what);
  if (parts.length > 2 || (parts.length === 2 && parts[1]!.type !== Type.NULL)) throw new RangeError(`${what}: unexpected algorithm parameters`);
  return alg;
}

function parseExtensions(node: Asn1, cert: Partial<ParsedCertificate>): void {
  const list = children(children(node, 'extensions', asn1.Class.CONTEXT_SPECIFIC, 3)[0], 'extensions');
  const seen = new Set<string>();
  for (const ext of list) {
    const parts = children(ext, 'extension');
    const id = readOid(parts[0], 'extension id');
    if (seen.has(id)) throw new RangeError(`certificate: extension ${id} appears twice`);
    seen.add(id);
    const critical = parts.length === 3 ? primitive(parts[1], Type.BOOLEAN, 'extension critical') === '\xff' : false;
    const value = fromBinary(primitive(parts[parts.length - 1], Type.OCTETSTRING, `extension ${id}`));
    switch (id) {
      case EXTENSION_OIDS.basicConstraints: {
        const bc = children(fromDer(value, 'basicConstraints'), 'basicConstraints');
        let i = 0;
        if (bc[i]?.type === Type.BOOLEAN) cert.isCa = primitive(bc[i++], Type.BOOLEAN, 'basicConstraints cA') !== '\x00';
        if (bc[i]) {
          const len = readIntegerBytes(bc[i], 'basicConstraints pathLen');
          cert.pathLength = Number(BigInt('0x' + Buffer.from(len).toString('hex')));
        }
        break;
      }
      case EXTENSION_OIDS.keyUsage: {
        const b = fromBinary(primitive(fromDer(value, 'keyUsage'), Type.BITSTRING, 'keyUsage'));
        const usages: KeyUsage[] = [];
        KEY_USAGES.forEach((u, i) => {
          const byte = b[1 + (i >> 3)];
          if (byte !== undefined && byte & (0x80 >> (i & 7))) usages.push(u);
        });
        cert.keyUsage = usages;
        break;
      }
      case EXTENSION_OIDS.subjectKeyIdentifier:
        cert.subjectKeyId = fromBinary(primitive(fromDer(value, 'subjectKeyIdentifier'), Type.OCTETSTRING, 'subjectKeyIdentifier'));
        break;
      case EXTENSION_OIDS.authorityKeyIdentifier: {
        const aki = children(fromDer(value, 'authorityKeyIdentifier'), 'authorityKeyIdentifier');
        const keyId = aki.find((n) => n.tagClass === asn1.Class.CONTEXT_SPECIFIC && n.type === 0 && !n.constructed);
        if (keyId) cert.authorityKeyId = fromBinary(keyId.value as string);
        break;
      }
      default:
        if (critical) throw new RangeError(`certificate: unsupported critical extension ${id}`);
    }
  }
}

/**
 * Parses an SM2 X.509 certificate from DER bytes or PEM text.
 * @throws RangeError for malformed DER, non-SM2 keys or signature algorithms, unsupported critical
 *   extensions
 */
export function parseCertificate(input: Uint8Array | string): ParsedCertificate {
  const der = typeof input === 'string' ? pemDecode(input, 'CERTIFICATE').der : input;
  if (!(der instanceof Uint8Array)) throw new TypeError('certificate: must be DER bytes or PEM text');
  // Raw TBS bytes: read the outer structure with the strict DER reader (forge does not keep offsets).
  const outer = derChildren(derReadOne(der, DER_TAG.SEQUENCE, 'certificate'), 'certificate');
  if (outer.length !== 3 || outer[0]!.tag !== DER_TAG.SEQUENCE) throw new RangeError('certificate: expected SEQUENCE { tbsCertificate, signatureAlgorithm, signature }');
  const tbsNode = outer[0]!;
  const tbsStart = tbsNode.offset;
  const tbsEnd = outer[1]!.offset;
  const tbs = der.subarray(tbsStart, tbsEnd);

  const root = fromDer(der, 'certificate');
  const [tbsAsn, sigAlgAsn, sigAsn] = children(root, 'certificate');
  const fields = children(tbsAsn, 'tbsCertificate');
  let i = 0;
  let version = 1;
  if (fields[0]?.tagClass === asn1.Class.CONTEXT_SPECIFIC && fields[0].type === 0) {
    const v = readIntegerBytes(children(fields[0], 'version', asn1.Class.CONTEXT_SPECIFIC, 0)[0], 'version');
    version = v[v.length - 1]! + 1;
    i++;
  }
  if (version !== 3 && version !== 1) throw new RangeError(`certificate: unsupported version ${version}`);
  const serial = readIntegerBytes(fields[i++], 'serialNumber');
  const innerAlg = readAlgorithm(fields[i++], 'tbsCertificate signature');
  const issuerAsn = fields[i++]!;
  const validity = children(fields[i++], 'validity');
  const subjectAsn = fields[i++]!;
  const spki = children(fields[i++], 'subjectPublicKeyInfo');
  const outerAlg = readAlgorithm(sigAlgAsn, 'signatureAlgorithm');
  if (outerAlg !== innerAlg) throw new RangeError(`certificate: signatureAlgorithm ${outerAlg} differs from the TBS signature ${innerAlg}`);
  if (outerAlg !== SM2_WITH_SM3_OID) throw new RangeError(`certificate: signature algorithm ${outerAlg} is not SM2-with-SM3 (${SM2_WITH_SM3_OID})`);

  const keyAlg = children(spki[0], 'subjectPublicKeyInfo algorithm');
  const keyAlgOid = readOid(keyAlg[0], 'public key algorithm');
  const curveOid = keyAlg[1] ? readOid(keyAlg[1], 'public key curve') : '';
  if (keyAlgOid !== EC_PUBLIC_KEY_OID || curveOid !== SM2_CURVE_OID) {
    throw new RangeError(`certificate: public key ${keyAlgOid}/${curveOid || '-'} is not SM2 (${EC_PUBLIC_KEY_OID}/${SM2_CURVE_OID})`);
  }
  const publicKey = sm2AssertPublicKey(Uint8Array.from(readBits(spki[1], 'subjectPublicKey')), 'certificate public key');

  const cert: ParsedCertificate = {
    der,
    tbs,
    serialHex: Buffer.from(serial).toString('hex').toUpperCase(),
    subject: nameToString(subjectAsn, 'subject'),
    issuer: nameToString(issuerAsn, 'issuer'),
    subjectDer: toDer(subjectAsn),
    issuerDer: toDer(issuerAsn),
    notBefore: readTime(validity[0], 'notBefore'),
    notAfter: readTime(validity[1], 'notAfter'),
    publicKey,
    isCa: false,
    signatureAlgorithm: outerAlg,
    signature: sm2SignatureFromDer(readBits(sigAsn, 'signature')),
  };
  for (; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.tagClass === asn1.Class.CONTEXT_SPECIFIC && f.type === 3) parseExtensions(f, cert);
    else if (!(f.tagClass === asn1.Class.CONTEXT_SPECIFIC && (f.type === 1 || f.type === 2))) throw new RangeError('tbsCertificate: unexpected field');
  }
  return cert;
}

/**
 * Checks the certificate's SM2 signature over its raw TBS bytes with the issuer's public key.
 * @param id signer ID for Z_A (default `1234567812345678`)
 */
export function verifyCertificateSignature(cert: ParsedCertificate, issuerPublicKey: Uint8Array, id: Uint8Array = SM2_DEFAULT_ID): boolean {
  return sm2Verify(issuerPublicKey, cert.tbs, cert.signature, { id });
}

function describe(cert: ParsedCertificate): string {
  return `"${cert.subject}" (serial ${cert.serialHex})`;
}

function checkValidity(cert: ParsedCertificate, at: Date): void {
  if (at < cert.notBefore) throw new CertificateError(`certificate ${describe(cert)} is not yet valid (notBefore ${cert.notBefore.toISOString()})`);
  if (at > cert.notAfter) throw new CertificateError(`certificate ${describe(cert)} has expired (notAfter ${cert.notAfter.toISOString()})`);
}

/**
 * Verifies a chain up to a trusted root at time `at` (RFC 5280 §6, the parts sscard needs): names chain,
 * each signature verifies with the next certificate's key (ID `1234567812345678`), every certificate is
 * within its validity, every issuer is a CA (basicConstraints cA, keyCertSign when keyUsage is present,
 * pathLenConstraint respected), and the root is self-signed.
 * @param chain leaf first; may end with the root itself
 * @throws CertificateError naming the certificate and the problem
 */
export function verifyChain(chain: ParsedCertificate[], trustedRoot: ParsedCertificate, at: Date, id: Uint8Array = SM2_DEFAULT_ID): void {
  if (!Array.isArray(chain) || chain.length === 0) throw new TypeError('verifyChain: chain must be a non-empty array (leaf first)');
  const certs = [...chain];
  if (certs.length > 1 && bytesEqual(certs[certs.length - 1]!.der, trustedRoot.der)) certs.pop();
  if (!bytesEqual(trustedRoot.subjectDer, trustedRoot.issuerDer) || !verifyCertificateSignature(trustedRoot, trustedRoot.publicKey, id)) {
    throw new CertificateError(`trusted root ${describe(trustedRoot)} is not a valid self-signed certificate`);
  }
  if (!trustedRoot.isCa) throw new CertificateError(`trusted root ${describe(trustedRoot)} is not a CA (basicConstraints cA)`);
  checkValidity(trustedRoot, at);
  for (let k = 0; k < certs.length; k++) {
    const cert = certs[k]!;
    const issuer = certs[k + 1] ?? trustedRoot;
    checkValidity(cert, at);
    if (!bytesEqual(cert.issuerDer, issuer.subjectDer)) {
      throw new CertificateError(`certificate ${describe(cert)}: issuer "${cert.issuer}" does not match the next certificate's subject "${issuer.subject}"`);
    }
    if (!issuer.isCa) throw new CertificateError(`certificate ${describe(issuer)} issued ${describe(cert)} but is not a CA (basicConstraints cA)`);
    if (issuer.keyUsage && !issuer.keyUsage.includes('keyCertSign')) throw new CertificateError(`certificate ${describe(issuer)} lacks keyUsage keyCertSign`);
    const intermediatesBelow = k; // CA certificates between the issuer and the leaf
    if (issuer.pathLength !== undefined && intermediatesBelow > issuer.pathLength) {
      throw new CertificateError(`certificate ${describe(issuer)}: path length ${intermediatesBelow} exceeds its pathLenConstraint ${issuer.pathLength}`);
    }
    if (!verifyCertificateSignature(cert, issuer.publicKey, id)) {
      throw new CertificateError(`certificate ${describe(cert)}: SM2 signature does not verify with the key of ${describe(issuer)}`);
    }
  }
}
