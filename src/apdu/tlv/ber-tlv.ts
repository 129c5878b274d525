/**
 * Strict BER-TLV (ISO/IEC 8825-1 §8.1 as profiled by EMV Book 3 Annex B): multi-byte tags, definite
 * lengths in minimal form only. Decoding rejects, with the byte offset, a truncated tag, length or value,
 * a non-minimal or indefinite length, and trailing bytes. Tags are upper-case hex strings ("9F36").
 * EMV allows 00 (and FF) padding between objects in records: `{ padding: true }` accepts it.
 */
import { concat, fromHex, toHex } from '../bytes.js';

/** A decoding error at a byte offset. */
export class TlvError extends Error {
  override name = 'TlvError';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at offset ${offset}`);
  }
}

/** A decoded TLV: tag (hex), value, and the children of a constructed object. */
export interface Tlv {
  tag: string;
  value: Uint8Array;
  children?: Tlv[];
}

/** Whether a tag (first byte b6) is constructed. */
export function isConstructed(tag: string): boolean {
  return (fromHex(tag, 'tag')[0]! & 0x20) !== 0;
}

/** Minimal definite length octets. */
export function encodeLength(length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0) throw new RangeError(`encodeLength: ${length} is not a length`);
  if (length < 0x80) return Uint8Array.of(length);
  if (length < 0x100) return Uint8Array.of(0x81, length);
  if (length < 0x10000) return Uint8Array.of(0x82, length >> 8, length & 0xff);
  if (length < 0x1000000) return Uint8Array.of(0x83, length >> 16, (length >> 8) & 0xff, length & 0xff);
  throw new RangeError(`encodeLength: ${length} is too long`);
}

function checkTag(tag: Uint8Array): void {
  if (tag.length === 0) throw new RangeError('tag: empty');
  const multi = (tag[0]! & 0x1f) === 0x1f;
  if (!multi && tag.length !== 1) throw new RangeError(`tag ${toHex(tag)}: first byte does not announce more bytes`);
  if (multi && tag[1] === 0x80) throw new RangeError(`tag ${toHex(tag)}: first subsequent octet 80 is not minimal`);
  for (let i = 1; i < tag.length; i++) {
    const last = i === tag.length - 1;
    if (((tag[i]! & 0x80) !== 0) === last) throw new RangeError(`tag ${toHex(tag)}: malformed subsequent bytes`);
  }
}

/** Encodes one TLV. */
export function tlv(tag: string, value: Uint8Array): Uint8Array {
  const tagBytes = fromHex(tag, 'tag');
  checkTag(tagBytes);
  return concat(tagBytes, encodeLength(value.length), value);
}

/** Encodes a constructed TLV whose value is its children's encodings. */
export function constructed(tag: string, ...children: Uint8Array[]): Uint8Array {
  return tlv(tag, concat(...children));
}

/** Encodes a decoded tree back (children re-encoded when present). */
export function encodeTlv(nodes: Tlv | Tlv[]): Uint8Array {
  const list = Array.isArray(nodes) ? nodes : [nodes];
  return concat(...list.map((n) => (n.children ? constructed(n.tag, encodeTlv(n.children)) : tlv(n.tag, n.value))));
}

/** Reads a tag starting at `offset`; returns it and the next offset. */
export function readTag(bytes: Uint8Array, offset: number): { tag: string; next: number } {
  let i = offset;
  if (i >= bytes.length) throw new TlvError('tag missing', i);
  const first = bytes[i++]!;
  if ((first & 0x1f) === 0x1f) {
    // ISO/IEC 8825-1 §8.1.2.4.2 c: bits 7-1 of the first subsequent octet are not all zero (no 1F 80 ..)
    if (i < bytes.length && bytes[i] === 0x80) throw new TlvError('non-minimal tag (first subsequent octet 80)', offset);
    let more = true;
    while (more) {
      if (i >= bytes.length) throw new TlvError('tag truncated', offset);
      more = (bytes[i++]! & 0x80) !== 0;
    }
  }
  return { tag: toHex(bytes.subarray(offset, i)), next: i };
}

/** Reads a strict definite length; returns it and the next offset. */
export function readLength(bytes: Uint8Array, offset: number): { length: number; next: number } {
  if (offset >= bytes.length) throw new TlvError('length missing', offset);
  const first = bytes[offset]!;
  if (first < 0x80) return { length: first, next: offset + 1 };
  const n = first & 0x7f;
  if (n === 0) throw new TlvError('indefinite length', offset);
  if (n > 3) throw new TlvError(`length of ${n} octets`, offset);
  if (offset + 1 + n > bytes.length) throw new TlvError('length truncated', offset);
  let length = 0;
  for (let k = 0; k < n; k++) length = length * 256 + bytes[offset + 1 + k]!;
  const minimal = n === 1 ? length >= 0x80 : length >= 256 ** (n - 1);
  if (!minimal) throw new TlvError('non-minimal length', offset);
  return { length, next: offset + 1 + n };
}

export interface DecodeOptions {
  /** Skip 00/FF bytes between objects (EMV records). */
  padding?: boolean;
}

/** Decodes a sequence of TLV objects (constructed ones recursively). */
export function decodeTlv(bytes: Uint8Array, options: DecodeOptions = {}, base = 0): Tlv[] {
  const out: Tlv[] = [];
  let i = 0;
  while (i < bytes.length) {
    if (options.padding && (bytes[i] === 0x00 || bytes[i] === 0xff)) {
      i++;
      continue;
    }
    const { tag, next } = wrap(() => readTag(bytes, i), base);
    const { length, next: valueStart } = wrap(() => readLength(bytes, next), base);
    if (valueStart + length > bytes.length) throw new TlvError(`value of ${tag} truncated (${length} bytes announced, ${bytes.length - valueStart} present)`, base + valueStart);
    const value = bytes.slice(valueStart, valueStart + length);
    const node: Tlv = { tag, value };
    if (isConstructed(tag)) node.children = decodeTlv(value, options, base + valueStart);
    out.push(node);
    i = valueStart + length;
  }
  return out;
}

function wrap<T>(f: () => T, base: number): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof TlvError && base !== 0) throw new TlvError(err.message.replace(/ at offset \d+$/, ''), err.offset + base);
    throw err;
  }
}

/** Decodes exactly one TLV object (trailing bytes are an error). */
export function decodeOne(bytes: Uint8Array, options: DecodeOptions = {}): Tlv {
  const nodes = decodeTlv(bytes, options);
  if (nodes.length !== 1) throw new TlvError(`expected one TLV object, found ${nodes.length}`, 0);
  return nodes[0]!;
}

/** Depth-first search for the first object with `tag`. */
export function findTag(nodes: readonly Tlv[], tag: string): Tlv | undefined {
  const wanted = tag.toUpperCase();
  for (const n of nodes) {
    if (n.tag === wanted) return n;
    if (n.children) {
      const hit = findTag(n.children, wanted);
      if (hit) return hit;
    }
  }
  return undefined;
}

/** Follows a path of tags from the top level ("6F", "A5", "88"). */
export function findPath(nodes: readonly Tlv[], ...path: string[]): Tlv | undefined {
  let level: readonly Tlv[] = nodes;
  let found: Tlv | undefined;
  for (const tag of path) {
    found = level.find((n) => n.tag === tag.toUpperCase());
    if (!found) return undefined;
    level = found.children ?? [];
  }
  return found;
}
