/**
 * Data object lists (EMV Book 3 §5.4): PDOL, CDOL1/2, DDOL, TDOL are tag ‖ length pairs; the
 * DOL-related data is the concatenation of the values, each fitted to its length:
 * - absent (or constructed) tag: zeros;
 * - longer: numeric (n) keeps the rightmost bytes, every other format the leftmost;
 * - shorter: numeric is padded on the left with 00, compressed numeric (cn) on the right with FF,
 *   every other format on the right with 00.
 */
import { concat, fromHex, toHex } from '../bytes.js';
import { TlvError, isConstructed, readTag } from './ber-tlv.js';
import { tagInfo, type TagFormat } from './tags.js';

export interface DolEntry {
  tag: string;
  length: number;
}

/** Parses a DOL. */
export function parseDol(dol: Uint8Array | string): DolEntry[] {
  const bytes = typeof dol === 'string' ? fromHex(dol, 'dol') : dol;
  const out: DolEntry[] = [];
  let i = 0;
  while (i < bytes.length) {
    const { tag, next } = readTag(bytes, i);
    if (next >= bytes.length) throw new TlvError(`DOL: length of ${tag} missing`, next);
    out.push({ tag, length: bytes[next]! });
    i = next + 1;
  }
  return out;
}

/** Total length of the data a DOL asks for. */
export function dolLength(dol: readonly DolEntry[]): number {
  return dol.reduce((n, e) => n + e.length, 0);
}

/** Splits DOL-related data into hex values by tag (the card side of GPO / GENERATE AC). */
export function parseDolData(dol: readonly DolEntry[], data: Uint8Array): Record<string, string> {
  if (data.length !== dolLength(dol)) throw new RangeError(`DOL data: ${data.length} bytes, the DOL asks for ${dolLength(dol)}`);
  const out: Record<string, string> = {};
  let i = 0;
  for (const e of dol) {
    out[e.tag] = toHex(data.subarray(i, i + e.length));
    i += e.length;
  }
  return out;
}

/** Alias of `parseDolData`. */
export const splitDolData = parseDolData;

/** Fits a value to a DOL length by the EMV rules for its format. */
export function fitValue(value: Uint8Array, length: number, format: TagFormat): Uint8Array {
  if (value.length === length) return value.slice();
  if (value.length > length) return format === 'n' ? value.slice(value.length - length) : value.slice(0, length);
  const out = new Uint8Array(length);
  if (format === 'n') out.set(value, length - value.length);
  else {
    out.set(value);
    if (format === 'cn') out.fill(0xff, value.length);
  }
  return out;
}

/**
 * Builds DOL-related data (the terminal side).
 * @param formatOf format of a tag (default: the tag dictionary; unknown tags are binary)
 */
export function buildDolData(
  dol: readonly DolEntry[],
  values: Readonly<Record<string, Uint8Array>>,
  formatOf: (tag: string) => TagFormat = (tag) => tagInfo(tag)?.format ?? 'b',
): Uint8Array {
  return concat(
    ...dol.map((e) => {
      const v = values[e.tag];
      if (!v || isConstructed(e.tag)) return new Uint8Array(e.length);
      return fitValue(v, e.length, formatOf(e.tag));
    }),
  );
}
