/**
 * A small strict DER reader and writer (ITU-T X.690) for the SM2 structures: signatures
 * (SEQUENCE { r INTEGER, s INTEGER }), SM2Cipher (GM/T 0009), and key containers (SubjectPublicKeyInfo,
 * PKCS#8, SEC1). Certificates use node-forge's ASN.1 instead (src/crypto/cert/).
 *
 * Strict: definite minimal lengths, no trailing bytes, minimal INTEGER encoding. Errors name the offset.
 */
import { concat } from '../../apdu/bytes.js';

/** ASN.1 universal tags used here. */
export const DER_TAG = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
} as const;

/** One decoded TLV (single-byte tags only, which is all these structures use). */
export interface DerNode {
  tag: number;
  /** Offset of the tag byte in the input. */
  offset: number;
  /** Offset of the first value byte in the input. */
  valueOffset: number;
  value: Uint8Array;
}

/** Encodes a DER length. */
function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let l = length; l > 0; l >>= 8) bytes.unshift(l & 0xff);
  return Uint8Array.from([0x80 | bytes.length, ...bytes]);
}

/** Encodes one TLV. */
export function derTlv(tag: number, value: Uint8Array): Uint8Array {
  return concat(Uint8Array.of(tag), encodeLength(value.length), value);
}

/** SEQUENCE of already encoded elements. */
export function derSequence(...elements: Uint8Array[]): Uint8Array {
  return derTlv(DER_TAG.SEQUENCE, concat(...elements));
}

/** A non-negative INTEGER in minimal two's-complement form. */
export function derInteger(value: bigint): Uint8Array {
  if (value < 0n) throw new RangeError('derInteger: negative values are not used here');
  let hex = value.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  let bytes: Uint8Array = Uint8Array.from(Buffer.from(hex, 'hex'));
  if (bytes[0]! & 0x80) bytes = concat(Uint8Array.of(0), bytes);
  return derTlv(DER_TAG.INTEGER, bytes);
}

/** OCTET STRING. */
export function derOctetString(value: Uint8Array): Uint8Array {
  return derTlv(DER_TAG.OCTET_STRING, value);
}

/** BIT STRING with no unused bits. */
export function derBitString(value: Uint8Array): Uint8Array {
  return derTlv(DER_TAG.BIT_STRING, concat(Uint8Array.of(0), value));
}

/** OBJECT IDENTIFIER from dotted text. */
export function derOid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((a) => BigInt(a));
  if (arcs.length < 2) throw new RangeError(`derOid: '${dotted}' has fewer than two arcs`);
  const body: number[] = [];
  const push = (v: bigint) => {
    const groups: number[] = [Number(v & 0x7fn)];
    for (let x = v >> 7n; x > 0n; x >>= 7n) groups.unshift(Number(x & 0x7fn) | 0x80);
    body.push(...groups);
  };
  push(arcs[0]! * 40n + arcs[1]!);
  for (const a of arcs.slice(2)) push(a);
  return derTlv(DER_TAG.OID, Uint8Array.from(body));
}

/** Context-specific constructed [n] EXPLICIT wrapper. */
export function derExplicit(n: number, inner: Uint8Array): Uint8Array {
  return derTlv(0xa0 | n, inner);
}

/**
 * Reads the TLVs of `bytes` (one level), all of it: trailing or truncated bytes are errors.
 * @param what the name used in error messages
 * @param base offset of `bytes` inside the outer input (for error messages)
 */
export function derReadAll(bytes: Uint8Array, what: string, base = 0): DerNode[] {
  const out: DerNode[] = [];
  for (let i = 0; i < bytes.length; ) {
    const node = readTlv(bytes, i, what, base);
    out.push(node);
    i = node.valueOffset - base + node.value.length;
  }
  return out;
}

/** Reads the TLV starting at `i`. */
function readTlv(bytes: Uint8Array, start: number, what: string, base: number): DerNode {
  let i = start;
  const tag = bytes[i++]!;
  if ((tag & 0x1f) === 0x1f) throw new RangeError(`${what}: multi-byte tag at offset ${base + start} is not expected`);
  if (i >= bytes.length) throw new RangeError(`${what}: truncated length at offset ${base + i}`);
  let length = bytes[i++]!;
  if (length === 0x80) throw new RangeError(`${what}: indefinite length at offset ${base + i - 1} is not DER`);
  if (length > 0x80) {
    const n = length & 0x7f;
    if (n > 3) throw new RangeError(`${what}: length of ${n} bytes at offset ${base + i - 1} is too large`);
    if (i + n > bytes.length) throw new RangeError(`${what}: truncated length at offset ${base + i}`);
    length = 0;
    for (let k = 0; k < n; k++) length = length * 256 + bytes[i++]!;
    if (length < 0x80 || bytes[i - n] === 0) throw new RangeError(`${what}: non-minimal length at offset ${base + start + 1}`);
  }
  if (i + length > bytes.length) {
    throw new RangeError(`${what}: value at offset ${base + start} needs ${length} bytes, only ${bytes.length - i} left`);
  }
  return { tag, offset: base + start, valueOffset: base + i, value: bytes.subarray(i, i + length) };
}

/** Reads exactly one TLV with the expected tag and returns it. */
export function derReadOne(bytes: Uint8Array, tag: number, what: string): DerNode {
  if (bytes.length === 0) throw new RangeError(`${what}: empty input`);
  const node = readTlv(bytes, 0, what, 0);
  const end = node.valueOffset + node.value.length;
  if (end !== bytes.length) throw new RangeError(`${what}: ${bytes.length - end} trailing bytes after offset ${end}`);
  return expectTag(node, tag, what);
}

/** Checks a node's tag. */
export function expectTag(node: DerNode, tag: number, what: string): DerNode {
  if (node.tag !== tag) {
    throw new RangeError(`${what}: expected tag ${tag.toString(16).padStart(2, '0')} at offset ${node.offset}, found ${node.tag.toString(16).padStart(2, '0')}`);
  }
  return node;
}

/** Children of a constructed node. */
export function derChildren(node: DerNode, what: string): DerNode[] {
  return derReadAll(node.value, what, node.valueOffset);
}

/** Decodes a non-negative minimal INTEGER. */
export function derReadInteger(node: DerNode, what: string): bigint {
  expectTag(node, DER_TAG.INTEGER, what);
  const v = node.value;
  if (v.length === 0) throw new RangeError(`${what}: empty INTEGER at offset ${node.offset}`);
  if (v[0]! & 0x80) throw new RangeError(`${what}: negative INTEGER at offset ${node.offset}`);
  if (v.length > 1 && v[0] === 0 && !(v[1]! & 0x80)) throw new RangeError(`${what}: non-minimal INTEGER at offset ${node.offset}`);
  return BigInt('0x' + Buffer.from(v.buffer, v.byteOffset, v.length).toString('hex'));
}

/** Decodes an OBJECT IDENTIFIER to dotted text. */
export function derReadOid(node: DerNode, what: string): string {
  expectTag(node, DER_TAG.OID, what);
  const arcs: bigint[] = [];
  let v = 0n;
  for (const b of node.value) {
    v = (v << 7n) | BigInt(b & 0x7f);
    if (!(b & 0x80)) {
      arcs.push(v);
      v = 0n;
    }
  }
  if (arcs.length === 0) throw new RangeError(`${what}: empty OID at offset ${node.offset}`);
  const first = arcs[0]!;
  const head = first < 80n ? [first / 40n, first % 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join('.');
}

/** BIT STRING content without the unused-bits byte (which must be 0). */
export function derReadBitString(node: DerNode, what: string): Uint8Array {
  expectTag(node, DER_TAG.BIT_STRING, what);
  if (node.value.length === 0 || node.value[0] !== 0) throw new RangeError(`${what}: BIT STRING at offset ${node.offset} has unused bits`);
  return node.value.subarray(1);
}
