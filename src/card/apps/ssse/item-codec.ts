/**
 * Value codecs of the SSSE data items (DOMAIN.md §1.2): `an` (text, left-justified, padded right with 00;
 * Chinese text in GBK), `cn` (BCD digits padded right with F; the card identifier also holds hex letters),
 * `b` (binary, hex in JSON).
 */
import { fromHex, toHex } from '../../../apdu/bytes.js';
import { decodeGbk, encodeGbk } from '../../../apdu/text/gbk.js';

export type ItemType = 'an' | 'cn' | 'b';

/**
 * Encodes a text value to exactly `length` bytes.
 * @throws RangeError naming `what` when the value does not fit or has characters the type does not allow
 */
export function encodeItemValue(type: ItemType, value: string, length: number, what = 'value'): Uint8Array {
  const out = new Uint8Array(length);
  switch (type) {
    case 'an': {
      const bytes = encodeGbk(value);
      if (bytes.length > length) throw new RangeError(`${what}: ${JSON.stringify(value)} is ${bytes.length} bytes, at most ${length}`);
      out.set(bytes);
      return out;
    }
    case 'cn': {
      if (!/^[0-9A-Fa-f]*$/.test(value)) throw new RangeError(`${what}: ${JSON.stringify(value)} is not digits`);
      if (value.length > 2 * length) throw new RangeError(`${what}: ${JSON.stringify(value)} has ${value.length} digits, at most ${2 * length}`);
      return fromHex(value.padEnd(2 * length, 'F'), what);
    }
    case 'b': {
      const bytes = fromHex(value, what);
      if (bytes.length > length) throw new RangeError(`${what}: ${bytes.length} bytes, at most ${length}`);
      out.set(bytes);
      return out;
    }
  }
}

/**
 * Decodes a value to text: `an` without its 00 padding (GBK), `cn` without its F padding (unless `keepPad`),
 * `b` as hex.
 */
export function decodeItemValue(type: ItemType, raw: Uint8Array, keepPad = false): string {
  switch (type) {
    case 'an': {
      let end = raw.length;
      while (end > 0 && (raw[end - 1] === 0x00 || raw[end - 1] === 0x20)) end--;
      return decodeGbk(raw.subarray(0, end));
    }
    case 'cn': {
      const hex = toHex(raw);
      return keepPad ? hex : hex.replace(/F+$/, '');
    }
    case 'b':
      return toHex(raw);
  }
}
