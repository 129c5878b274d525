/**
 * Thin helpers over node-forge's ASN.1 (binary strings inside forge, Uint8Array outside).
 */
import forge from 'node-forge';

export const asn1 = forge.asn1;
export type Asn1 = forge.asn1.Asn1;
export const { Class, Type } = forge.asn1;

/** forge binary string → bytes. */
export function fromBinary(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'binary'));
}

/** bytes → forge binary string. */
export function toBinary(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('binary');
}

/** DER bytes of a forge node. */
export function toDer(node: Asn1): Uint8Array {
  return fromBinary(asn1.toDer(node).getBytes());
}

/** Strict DER parse (all bytes, no bit-string guessing). */
export function fromDer(der: Uint8Array, what: string): Asn1 {
  try {
    const options = { strict: true, parseAllBytes: true, decodeBitStrings: false };
    return (asn1.fromDer as unknown as (b: forge.util.ByteStringBuffer, o: typeof options) => Asn1)(forge.util.createBuffer(toBinary(der)), options);
  } catch (e) {
    throw new RangeError(`${what}: invalid DER (${(e as Error).message})`);
  }
}

export const seq = (...value: Asn1[]): Asn1 => asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, value);
export const set = (...value: Asn1[]): Asn1 => asn1.create(Class.UNIVERSAL, Type.SET, true, value);
export const oid = (dotted: string): Asn1 => asn1.create(Class.UNIVERSAL, Type.OID, false, asn1.oidToDer(dotted).getBytes());
export const bool = (v: boolean): Asn1 => asn1.create(Class.UNIVERSAL, Type.BOOLEAN, false, v ? '\xff' : '\x00');
export const octets = (b: Uint8Array): Asn1 => asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, toBinary(b));
export const bits = (b: Uint8Array, unused = 0): Asn1 =>
  asn1.create(Class.UNIVERSAL, Type.BITSTRING, false, String.fromCharCode(unused) + toBinary(b));
export const explicit = (n: number, inner: Asn1): Asn1 => asn1.create(Class.CONTEXT_SPECIFIC, n, true, [inner]);

/** Non-negative INTEGER, minimal encoding. */
export function integer(value: bigint | Uint8Array): Asn1 {
  let bytes: Uint8Array;
  if (typeof value === 'bigint') {
    if (value < 0n) throw new RangeError('integer: negative');
    let hex = value.toString(16);
    if (hex.length % 2) hex = '0' + hex;
    bytes = new Uint8Array(Buffer.from(hex, 'hex'));
  } else {
    let i = 0;
    while (i < value.length - 1 && value[i] === 0) i++;
    bytes = value.subarray(i);
    if (bytes.length === 0) bytes = Uint8Array.of(0);
  }
  if (bytes[0]! & 0x80) bytes = Uint8Array.from([0, ...bytes]);
  return asn1.create(Class.UNIVERSAL, Type.INTEGER, false, toBinary(bytes));
}

/** Children of a constructed node, checked. */
export function children(node: Asn1 | undefined, what: string, tagClass: forge.asn1.Class = Class.UNIVERSAL, type: number = Type.SEQUENCE): Asn1[] {
  if (!node || node.tagClass !== tagClass || node.type !== type || !node.constructed || !Array.isArray(node.value)) {
    throw new RangeError(`${what}: expected ${type === Type.SEQUENCE ? 'a SEQUENCE' : `constructed tag ${type}`}`);
  }
  return node.value as Asn1[];
}

/** Primitive content of a node with the given universal type. */
export function primitive(node: Asn1 | undefined, type: number, what: string): string {
  if (!node || node.tagClass !== Class.UNIVERSAL || node.type !== type || node.constructed || typeof node.value !== 'string') {
    throw new RangeError(`${what}: expected universal type ${type}`);
  }
  return node.value;
}

/** Dotted OID of a node. */
export function readOid(node: Asn1 | undefined, what: string): string {
  return asn1.derToOid(primitive(node, Type.OID, what));
}

/** Non-negative INTEGER as bytes (leading zero byte removed). */
export function readIntegerBytes(node: Asn1 | undefined, what: string): Uint8Array {
  const b = fromBinary(primitive(node, Type.INTEGER, what));
  if (b.length === 0) throw new RangeError(`${what}: empty INTEGER`);
  if (b[0]! & 0x80) throw new RangeError(`${what}: negative INTEGER`);
  return b[0] === 0 && b.length > 1 ? b.subarray(1) : b;
}

/** BIT STRING content (unused bits must be 0 unless allowed). */
export function readBits(node: Asn1 | undefined, what: string, allowUnused = false): Uint8Array {
  const b = fromBinary(primitive(node, Type.BITSTRING, what));
  if (b.length === 0) throw new RangeError(`${what}: empty BIT STRING`);
  if (b[0] !== 0 && !allowUnused) throw new RangeError(`${what}: BIT STRING has unused bits`);
  return b.subarray(1);
}
