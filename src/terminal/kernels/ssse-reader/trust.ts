/**
 * What the terminal trusts for the online identity authentication (DOMAIN.md §1.5): the root
 * certificates it is configured with — never a root the card presents —, the CA certificates it may use
 * to build a path from the card's certificate to one of them, and what it knows to be revoked.
 *
 * Revocation comes from X.509 CRLs (RFC 5280 §5, SM2-signed: `openssl ca -gencrl`), each checked with
 * the key of the CA that issued it, or from a plain revocation-list file (sscard's format,
 * docs/ssse-reader.md "Trusted roots and revocation"):
 *
 * ```
 * # one certificate serial number per line, hex as `openssl x509 -noout -serial` prints it;
 * # what follows it on the line, after white space, is the reason shown.
 * 0A1B23C4   key compromise
 * ```
 */
import { bytesEqual } from '../../../apdu/bytes.js';
import { parseCrl, type ParsedCrl } from '../../../crypto/cert/crl.js';
import { parseCertificate, type ParsedCertificate } from '../../../crypto/cert/x509.js';

/** A trust configuration that cannot be used. */
export class TrustConfigError extends Error {
  override name = 'TrustConfigError';
}

export interface TrustStore {
  /** The trust anchors. */
  roots: ParsedCertificate[];
  /** CA certificates (not trusted by themselves) to build the path from the card to a root. */
  intermediates: ParsedCertificate[];
  /** CRLs; each is used only for certificates its (verified) issuer issued. */
  crls: ParsedCrl[];
  /** Serial numbers (upper-case hex, no leading zero bytes) of a revocation-list file, with the reason. */
  revokedSerials: Map<string, string>;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** The PEM blocks of a text, with their labels. */
function pemBlocks(text: string): Array<{ label: string; pem: string }> {
  return [...text.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1]!, pem: m[0] }));
}

/** Certificates of a PEM bundle (one or more CERTIFICATE blocks). */
export function parseCertificateBundle(text: string, source: string): ParsedCertificate[] {
  const blocks = pemBlocks(text).filter((b) => b.label === 'CERTIFICATE');
  if (blocks.length === 0) throw new TrustConfigError(`${source}: no PEM CERTIFICATE block`);
  return blocks.map((b, i) => {
    try {
      return parseCertificate(b.pem);
    } catch (err) {
      throw new TrustConfigError(`${source}: certificate ${i + 1}: ${(err as Error).message}`);
    }
  });
}

/** Normalises a serial as `ParsedCertificate.serialHex` (upper case, no leading zero bytes). */
export function normaliseSerial(hex: string): string {
  let h = hex.toUpperCase();
  if (h.length % 2) h = `0${h}`;
  while (h.length > 2 && h.startsWith('00')) h = h.slice(2);
  return h;
}

/**
 * Parses a revocation file: a CRL (PEM "X509 CRL" blocks, or DER) or a revocation list (text).
 * @throws TrustConfigError naming the file and the problem
 */
export function parseRevocationFile(bytes: Uint8Array, source: string): { crls: ParsedCrl[]; serials: Map<string, string> } {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  const crlBlocks = pemBlocks(text).filter((b) => b.label === 'X509 CRL');
  const wrap = <T>(f: () => T, what: string): T => {
    try {
      return f();
    } catch (err) {
      throw new TrustConfigError(`${source}: ${what}: ${(err as Error).message}`);
    }
  };
  if (crlBlocks.length > 0) return { crls: crlBlocks.map((b, i) => wrap(() => parseCrl(b.pem), `CRL ${i + 1}`)), serials: new Map() };
  if (bytes[0] === 0x30) return { crls: [wrap(() => parseCrl(bytes), 'CRL')], serials: new Map() };
  const serials = new Map<string, string>();
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^(?:serial=)?([0-9A-Fa-f]{1,40})(?:\s+(.*))?$/.exec(line);
    if (!m) problems.push(`line ${i + 1}: ${JSON.stringify(line.slice(0, 40))} is not a serial number (hex)`);
    else serials.set(normaliseSerial(m[1]!), m[2]?.trim() ?? '');
  });
  if (problems.length > 0) throw new TrustConfigError(`${source}: ${problems.slice(0, 3).join('; ')}`);
  return { crls: [], serials };
}

/** Builds a trust store from file contents (PEM texts; the revocation file as bytes). */
export function buildTrustStore(input: {
  roots: { text: string; source: string };
  intermediates?: { text: string; source: string };
  revocation?: { bytes: Uint8Array; source: string }[];
}): TrustStore {
  const roots = parseCertificateBundle(input.roots.text, input.roots.source);
  for (const r of roots) {
    if (!bytesEqual(r.subjectDer, r.issuerDer)) throw new TrustConfigError(`${input.roots.source}: "${r.subject}" is not a root (not self-issued)`);
  }
  const intermediates = input.intermediates ? parseCertificateBundle(input.intermediates.text, input.intermediates.source) : [];
  const crls: ParsedCrl[] = [];
  const revokedSerials = new Map<string, string>();
  for (const file of input.revocation ?? []) {
    const parsed = parseRevocationFile(file.bytes, file.source);
    crls.push(...parsed.crls);
    for (const [k, v] of parsed.serials) revokedSerials.set(k, v);
  }
  return { roots, intermediates, crls, revokedSerials };
}

export type PathProblem =
  | 'untrusted'
  | 'expired'
  | 'not-yet-valid'
  | 'revoked'
  | 'revocation-unknown'
  | 'bad-chain';

/** A path from a certificate to a trusted root, or why there is none. */
export type PathResult =
  | { ok: true; path: ParsedCertificate[]; root: ParsedCertificate }
  | { ok: false; reason: PathProblem; detail: string };

const MAX_PATH = 8;

const describe = (c: ParsedCertificate) => `"${c.subject}" (serial ${c.serialHex})`;

/**
 * Builds the path leaf → … → a trusted root by names (RFC 5280 §6.1 as far as sscard needs it): the
 * issuer of each certificate is looked up among the configured roots first, then the intermediates.
 * Only a configured root ends a path; a self-signed certificate that is not one is `untrusted`.
 */
export function buildPath(leaf: ParsedCertificate, store: TrustStore): PathResult {
  const path: ParsedCertificate[] = [leaf];
  for (;;) {
    const last = path[path.length - 1]!;
    const root = store.roots.find((r) => bytesEqual(r.subjectDer, last.issuerDer) && (path.length > 1 || !bytesEqual(r.der, leaf.der)));
    if (root) return { ok: true, path, root };
    if (bytesEqual(last.subjectDer, last.issuerDer)) {
      return { ok: false, reason: 'untrusted', detail: `the chain ends in ${describe(last)}, which is not a root this terminal trusts` };
    }
    const next = store.intermediates.find((c) => bytesEqual(c.subjectDer, last.issuerDer) && !path.some((p) => bytesEqual(p.der, c.der)));
    if (!next) return { ok: false, reason: 'untrusted', detail: `no trusted root or configured CA issued ${describe(last)} (issuer "${last.issuer}")` };
    if (path.length >= MAX_PATH) return { ok: false, reason: 'bad-chain', detail: `the chain is longer than ${MAX_PATH} certificates` };
    path.push(next);
  }
}

/** Validity of every certificate of the path and of the root at `at` (RFC 5280 §6.1.3 a.2). */
export function checkValidity(path: ParsedCertificate[], root: ParsedCertificate, at: Date): PathResult | undefined {
  for (const c of [...path, root]) {
    if (at < c.notBefore) return { ok: false, reason: 'not-yet-valid', detail: `certificate ${describe(c)} is not valid before ${c.notBefore.toISOString()}` };
    if (at > c.notAfter) return { ok: false, reason: 'expired', detail: `certificate ${describe(c)} expired on ${c.notAfter.toISOString()}` };
  }
  return undefined;
}

/**
 * Revocation of every certificate of the path (not the root): listed in a revocation-list file, or in a
 * CRL of its issuer whose signature verifies with the issuer's key and which is current at `at`. A CRL of
 * the issuer that does not verify or is past its nextUpdate makes the status `revocation-unknown`.
 */
export function checkRevocation(
  path: ParsedCertificate[],
  root: ParsedCertificate,
  store: TrustStore,
  at: Date,
  verifyCrl: (crl: ParsedCrl, issuerKey: Uint8Array) => boolean,
): PathResult | undefined {
  for (let k = 0; k < path.length; k++) {
    const cert = path[k]!;
    const issuer = path[k + 1] ?? root;
    const listed = store.revokedSerials.get(cert.serialHex);
    if (listed !== undefined) {
      return { ok: false, reason: 'revoked', detail: `certificate ${describe(cert)} is on the revocation list${listed ? ` (${listed})` : ''}` };
    }
    for (const crl of store.crls.filter((c) => bytesEqual(c.issuerDer, cert.issuerDer))) {
      if (!verifyCrl(crl, issuer.publicKey)) {
        return { ok: false, reason: 'revocation-unknown', detail: `the CRL of "${crl.issuer}" does not verify with the key of ${describe(issuer)}` };
      }
      if (crl.nextUpdate && at > crl.nextUpdate) {
        return { ok: false, reason: 'revocation-unknown', detail: `the CRL of "${crl.issuer}" is out of date (nextUpdate ${crl.nextUpdate.toISOString()})` };
      }
      const entry = crl.revoked.find((r) => r.serialHex === cert.serialHex);
      if (entry && entry.revocationDate <= at) {
        return { ok: false, reason: 'revoked', detail: `certificate ${describe(cert)} was revoked on ${entry.revocationDate.toISOString()} (CRL of "${crl.issuer}")` };
      }
    }
  }
  return undefined;
}
