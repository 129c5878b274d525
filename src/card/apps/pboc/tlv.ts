/**
 * The few BER-TLV and DOL operations the financial application needs (EMV Book 3 Annex B, §5.4), in one
 * adapter so that the application does not depend on the shape of the shared TLV module.
 */
import { concat, fromHex, toHex } from '../../../apdu/bytes.js';

/** Encodes a length (definite form, minimal). */
function encodeLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  if (n < 0x100) return Uint8Array.of(0x81, n);
  if (n < 0x10000) return Uint8Array.of(0x82, n >> 8, n & 0xff);
  throw new RangeError(`tlv: value of ${n} bytes is too long`);
}

/** One TLV: tag as hex ("9F36"), value bytes. */
export function tlv(tag: string, value: Uint8Array): Uint8Array {
  return concat(fromHex(tag, 'tag'), encodeLength(value.length), value);
}

/** A constructed TLV whose value is the concatenation of `children`. */
export function constructed(tag: string, ...children: Uint8Array[]): Uint8Array {
  return tlv(tag, concat(...children));
}

/** A decoded TLV node: tag hex, raw value, children when constructed. */
export interface TlvNode {
  tag: string;
  value: Uint8Array;
  children?: TlvNode[];
}

/**
 * Decodes a sequence of BER-TLV objects strictly (no trailing bytes, no truncation, minimal lengths).
 * Padding bytes 00 between objects are skipped (EMV Book 3 Annex B).
 * @throws RangeError naming the offset of the problem
 */
export function decodeTlv(bytes: Uint8Array): TlvNode[] {
  const out: TlvNode[] = [];
  let i = 0;
  while (i < bytes.length) {
    if (bytes[i] === 0x00 || bytes[i] === 0xff) {
      i++;
      continue;
    }
    const start = i;
    const first = bytes[i++]!;
    if ((first & 0x1f) === 0x1f) {
      do {
        if (i >= bytes.length) throw new RangeError(`tlv: tag truncated at offset ${start}`);
      } while (bytes[i++]! & 0x80);
    }
    const tagBytes = bytes.subarray(start, i);
    if (i >= bytes.length) throw new RangeError(`tlv: length missing at offset ${i}`);
    let len = bytes[i++]!;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 2 || i + n > bytes.length) throw new RangeError(`tlv: bad length at offset ${i - 1}`);
      len = 0;
      for (let k = 0; k < n; k++) len = len * 256 + bytes[i++]!;
      if (len < (n === 1 ? 0x80 : 0x100)) throw new RangeError(`tlv: non-minimal length at offset ${start}`);
    }
    if (i + len > bytes.length) throw new RangeError(`tlv: value of ${toHex(tagBytes)} truncated at offset ${i}`);
    const value = bytes.slice(i, i + len);
    i += len;
    const node: TlvNode = { tag: toHex(tagBytes), value };
    if (first & 0x20) node.children = decodeTlv(value);
    out.push(node);
  }
  return out;
}

/** Depth-first search for the first node with `tag`. */
export function findTag(nodes: TlvNode[], tag: string): TlvNode | undefined {
  for (const n of nodes) {
    if (n.tag === tag) return n;
    if (n.children) {
      const hit = findTag(n.children, tag);
      if (hit) return hit;
    }
  }
  return undefined;
}

/** A DOL entry: tag and length. */
export interface DolEntry {
  tag: string;
  length: number;
}

/** Parses a DOL (tag ‖ length pairs, EMV Book 3 §5.4). */
export function parseDol(dol: Uint8Array | string): DolEntry[] {
  const bytes = typeof dol === 'string' ? fromHex(dol, 'dol') : dol;
  const out: DolEntry[] = [];
  let i = 0;
  while (i < bytes.length) {
    const start = i;
    const first = bytes[i++]!;
    if ((first & 0x1f) === 0x1f) {
      do {
        if (i >= bytes.length) throw new RangeError(`dol: tag truncated at offset ${start}`);
      } while (bytes[i++]! & 0x80);
    }
    if (i >= bytes.length) throw new RangeError(`dol: length missing at offset ${i}`);
    out.push({ tag: toHex(bytes.subarray(start, i)), length: bytes[i++]! });
  }
  return out;
}

/** Total data length of a DOL. */
export function dolLength(dol: DolEntry[]): number {
  return dol.reduce((n, e) => n + e.length, 0);
}

/**
 * Splits DOL-related data into its items (hex by tag).
 * @throws RangeError when the data length does not match the DOL
 */
export function splitDolData(dol: DolEntry[], data: Uint8Array): Record<string, string> {
  if (data.length !== dolLength(dol)) throw new RangeError(`dol data: ${data.length} bytes, the DOL asks for ${dolLength(dol)}`);
  const out: Record<string, string> = {};
  let i = 0;
  for (const e of dol) {
    out[e.tag] = toHex(data.subarray(i, i + e.length));
    i += e.length;
  }
  return out;
}

/** Builds DOL-related data from values by tag (missing → zeros; longer values truncated, shorter left-padded with zeros). */
export function buildDolData(dol: DolEntry[], values: Record<string, Uint8Array>): Uint8Array {
  const parts = dol.map((e) => {
    const v = values[e.tag];
    const out = new Uint8Array(e.length);
    if (v) out.set(v.length >= e.length ? v.subarray(0, e.length) : v, v.length >= e.length ? 0 : e.length - v.length);
    return out;
  });
  return concat(...parts);
}
