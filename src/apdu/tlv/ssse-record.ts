/**
 * SSSE records (DOMAIN.md §1.2): every record of an SSSE linear file is `tag(1) len(1) value`, a
 * one-byte tag and a one-byte length (0..255), NOT BER-TLV (tags such as 01 or 4E are used as plain
 * numbers, lengths ≥ 0x80 are not prefixed with 81). Parsing is strict: a truncated length or value and
 * trailing bytes are `TlvError`s with the byte offset. Field codecs: `an` (left-justified, padded right
 * with 00; non-ASCII text in GBK), `cn` (BCD digits padded right with F), `b` (binary).
 */
import { concat, fromHex, toHex } from '../bytes.js';
import { decodeGbk, encodeGbk } from '../text/gbk.js';
import { TlvError } from './ber-tlv.js';

/** One SSSE record: a one-byte tag and its value (at most 255 bytes). */
export interface SsseRecord {
  tag: number;
  value: Uint8Array;
}

/** Field formats of SSSE data items (DOMAIN.md §1.2). */
export type SsseFieldFormat = 'an' | 'cn' | 'b';

/** Encodes one record `tag len value`. RangeError when the tag is not a byte or the value exceeds 255 bytes. */
export function encodeSsseRecord(record: SsseRecord): Uint8Array {
  const { tag, value } = record;
  if (!Number.isInteger(tag) || tag < 0 || tag > 0xff) throw new RangeError(`encodeSsseRecord: tag must be a byte, got ${tag}`);
  if (value.length > 0xff) throw new RangeError(`encodeSsseRecord: value of tag ${toHex(Uint8Array.of(tag))} is ${value.length} bytes, at most 255`);
  return concat(Uint8Array.of(tag, value.length), value);
}

/** Encodes several records back to back. */
export function encodeSsseRecords(records: readonly SsseRecord[]): Uint8Array {
  return concat(...records.map(encodeSsseRecord));
}

/**
 * Parses one record occupying exactly `bytes`.
 * @throws TlvError (with offset) on truncation or trailing bytes
 */
export function parseSsseRecord(bytes: Uint8Array): SsseRecord {
  const records = parseSsseRecords(bytes);
  if (records.length !== 1) throw new TlvError(`expected one SSSE record, found ${records.length}`, 0);
  return records[0]!;
}

/**
 * Parses a sequence of records filling `bytes` exactly.
 * @throws TlvError (with offset) when a length byte or a value is truncated
 */
export function parseSsseRecords(bytes: Uint8Array): SsseRecord[] {
  const out: SsseRecord[] = [];
  let i = 0;
  while (i < bytes.length) {
    if (i + 1 >= bytes.length) throw new TlvError(`SSSE record ${toHex(bytes.subarray(i, i + 1))}: length missing`, i + 1);
    const tag = bytes[i]!;
    const length = bytes[i + 1]!;
    const start = i + 2;
    if (start + length > bytes.length) {
      throw new TlvError(`SSSE record ${toHex(Uint8Array.of(tag))}: value truncated (${length} bytes announced, ${bytes.length - start} present)`, start);
    }
    out.push({ tag, value: bytes.slice(start, start + length) });
    i = start + length;
  }
  return out;
}

/**
 * Encodes a field value to exactly `length` bytes.
 * - `an`: text (GBK for non-ASCII), left-justified, padded right with 00;
 * - `cn`: decimal digits (hex letters accepted for the card identifier), padded right with F;
 * - `b`: hex, exactly `length` bytes.
 * @throws RangeError naming `what` when the value does not fit or has characters the format forbids
 */
export function encodeSsseField(format: SsseFieldFormat, value: string, length: number, what = 'value'): Uint8Array {
  return FIELD_CODECS[format].encode(value, length, what);
}

/** Decodes a field value, stripping its padding (`an`: trailing 00; `cn`: trailing F; `b`: hex). */
export function decodeSsseField(format: SsseFieldFormat, raw: Uint8Array): string {
  return FIELD_CODECS[format].decode(raw);
}

interface FieldCodec {
  encode(value: string, length: number, what: string): Uint8Array;
  decode(raw: Uint8Array): string;
}

const FIELD_CODECS: Readonly<Record<SsseFieldFormat, FieldCodec>> = {
  an: {
    encode(value, length, what) {
      const bytes = encodeGbk(value);
      if (bytes.includes(0)) throw new RangeError(`${what}: text contains NUL, which is the padding byte`);
      if (bytes.length > length) throw new RangeError(`${what}: ${JSON.stringify(value)} is ${bytes.length} bytes, at most ${length}`);
      const out = new Uint8Array(length);
      out.set(bytes);
      return out;
    },
    decode(raw) {
      let end = raw.length;
      while (end > 0 && raw[end - 1] === 0x00) end--;
      return decodeGbk(raw.subarray(0, end));
    },
  },
  cn: {
    encode(value, length, what) {
      if (!/^[0-9A-Ea-e]*$/.test(value)) throw new RangeError(`${what}: ${JSON.stringify(value)} is not cn digits`);
      if (value.length > 2 * length) throw new RangeError(`${what}: ${value.length} digits, at most ${2 * length}`);
      return fromHex(value.padEnd(2 * length, 'F'), what);
    },
    decode(raw) {
      return toHex(raw).replace(/F+$/, '');
    },
  },
  b: {
    encode(value, length, what) {
      const bytes = fromHex(value, what);
      if (bytes.length !== length) throw new RangeError(`${what}: ${bytes.length} bytes, expected ${length}`);
      return bytes;
    },
    decode(raw) {
      return toHex(raw);
    },
  },
};
