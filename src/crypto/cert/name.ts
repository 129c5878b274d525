/**
 * X.501 distinguished names for sscard certificates (RFC 5280 §4.1.2.4).
 *
 * Input forms: an object `{ C: 'CN', O: '…', CN: '…' }` (RDNs encoded in key order), an OpenSSL-style
 * string `/C=CN/O=…/CN=…` (encoded in that order), or an RFC 4514 string `CN=…, O=…, C=CN` (written
 * most-specific first, so encoded in reverse). Text output is RFC 4514 style (most specific first).
 */
import { Type, asn1, children, fromBinary, oid, primitive, readOid, seq, set, type Asn1 } from './asn1.js';
import forge from 'node-forge';

/** A name: attributes in encoding order, or text. */
export type NameInput = Record<string, string> | string;

/** Attribute types by short name: OID and ASN.1 string type. */
const ATTRIBUTES: Record<string, { oid: string; type: number }> = {
  C: { oid: '2.5.4.6', type: Type.PRINTABLESTRING },
  ST: { oid: '2.5.4.8', type: Type.UTF8 },
  L: { oid: '2.5.4.7', type: Type.UTF8 },
  O: { oid: '2.5.4.10', type: Type.UTF8 },
  OU: { oid: '2.5.4.11', type: Type.UTF8 },
  CN: { oid: '2.5.4.3', type: Type.UTF8 },
  serialNumber: { oid: '2.5.4.5', type: Type.PRINTABLESTRING },
  title: { oid: '2.5.4.12', type: Type.UTF8 },
  emailAddress: { oid: '1.2.840.113549.1.9.1', type: Type.IA5STRING },
};
const BY_OID = new Map(Object.entries(ATTRIBUTES).map(([name, a]) => [a.oid, name]));

const STRING_TYPES = new Set<number>([Type.UTF8, Type.PRINTABLESTRING, Type.IA5STRING, 20 /* T61 */, 30 /* BMP */, 28 /* Universal */, 26 /* Visible */]);

function splitUnescaped(text: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      cur += c + text[++i];
    } else if (c === sep) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

const unescape = (v: string) => v.replace(/\\(.)/g, '$1');

/** Attributes in encoding order. @throws RangeError for unknown attribute names or bad syntax */
export function nameAttributes(name: NameInput, what = 'subject'): Array<[string, string]> {
  let pairs: Array<[string, string]>;
  if (typeof name === 'string') {
    const text = name.trim();
    if (text === '') throw new RangeError(`${what}: empty name`);
    const slash = text.startsWith('/');
    const parts = slash ? splitUnescaped(text.slice(1), '/') : splitUnescaped(text, ',');
    pairs = parts.map((p) => {
      const eq = p.indexOf('=');
      if (eq <= 0) throw new RangeError(`${what}: '${p.trim()}' is not TYPE=value`);
      return [p.slice(0, eq).trim(), unescape(p.slice(eq + 1).trim())] as [string, string];
    });
    if (!slash) pairs.reverse();
  } else if (name && typeof name === 'object') {
    pairs = Object.entries(name);
  } else {
    throw new TypeError(`${what}: must be a string or an object of attributes`);
  }
  if (pairs.length === 0) throw new RangeError(`${what}: empty name`);
  for (const [type, value] of pairs) {
    if (!ATTRIBUTES[type]) throw new RangeError(`${what}: unknown attribute type '${type}' (known: ${Object.keys(ATTRIBUTES).join(', ')})`);
    if (typeof value !== 'string' || value === '') throw new RangeError(`${what}: ${type} must be a non-empty string`);
    if (type === 'C' && !/^[A-Z]{2}$/.test(value)) throw new RangeError(`${what}: C must be a two-letter country code, got '${value}'`);
  }
  return pairs;
}

/** The DER Name (SEQUENCE OF single-attribute RDNs). */
export function encodeName(name: NameInput, what = 'subject'): Asn1 {
  return seq(
    ...nameAttributes(name, what).map(([type, value]) => {
      const a = ATTRIBUTES[type]!;
      const content = a.type === Type.UTF8 ? forge.util.encodeUtf8(value) : value;
      if (a.type !== Type.UTF8 && !/^[\x20-\x7e]*$/.test(value)) throw new RangeError(`${what}: ${type} must be ASCII`);
      return set(seq(oid(a.oid), asn1.create(asn1.Class.UNIVERSAL, a.type, false, content)));
    }),
  );
}

const escapeValue = (v: string) => v.replace(/([,+"\\<>;=])/g, '\\$1');

/** Strict decoding of a UTF8String / BMPString value: malformed bytes are a RangeError (as all bad DER). */
function strictText(encoding: 'utf-8' | 'utf-16be', raw: string, what: string, typeOid: string): string {
  try {
    return new TextDecoder(encoding, { fatal: true }).decode(fromBinary(raw));
  } catch {
    throw new RangeError(`${what}: attribute ${typeOid} is not valid ${encoding === 'utf-8' ? 'UTF-8' : 'UTF-16'}`);
  }
}

/** RFC 4514-style text of a DER Name node (most specific first). */
export function nameToString(node: Asn1, what = 'name'): string {
  const rdns = children(node, what);
  const parts: string[] = [];
  for (const rdn of rdns) {
    const attrs = children(rdn, what, asn1.Class.UNIVERSAL, Type.SET).map((atv) => {
      const [t, v] = children(atv, what);
      const typeOid = readOid(t, what);
      if (!v || v.constructed || !STRING_TYPES.has(v.type as number)) throw new RangeError(`${what}: attribute ${typeOid} is not a string`);
      const raw = primitive(v, v.type as number, what);
      let value: string;
      if (v.type === Type.UTF8) value = strictText('utf-8', raw, what, typeOid);
      else if (v.type === 30) value = strictText('utf-16be', raw, what, typeOid);
      else value = raw;
      return `${BY_OID.get(typeOid) ?? typeOid}=${escapeValue(value)}`;
    });
    parts.push(attrs.join('+'));
  }
  return parts.reverse().join(', ');
}
