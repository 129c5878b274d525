/**
 * A decoded part of an APDU's data: a field with its byte range, its name (English and Chinese) and its
 * value as text where the format says how to read it. Command data and response data decode into trees
 * of fields; the trace views print them and the trace diff masks the volatile ones by their `key`.
 */
import { toHex } from '../../apdu/bytes.js';
import { decodeTlv, readLength, readTag, TlvError } from '../../apdu/tlv/ber-tlv.js';
import { parseDol, type DolEntry } from '../../apdu/tlv/dol.js';
import { tagInfo } from '../../apdu/tlv/tags.js';
import { decodeGbk } from '../../apdu/text/gbk.js';
import { PBOC_AIDS, PPSE_NAME, PSE_NAME } from '../../spec/pboc.js';
import { PKI_ADF_AID, PKI_AID } from '../../spec/pki.js';
import { PSAM_DES_AID, PSAM_SX3_AID, SSSE_AID, SSSE_DFS } from '../../spec/ssse/identifiers.js';
import { tagLabel } from './tag-names.js';

export interface Field {
  /** Stable identifier: a TLV or DOL tag (`9F37`), an SSSE item key (`cardNumber`) or a part's name (`random`). */
  key: string;
  /** English name. */
  label: string;
  /** Chinese name, where the specification gives one. */
  zh?: string;
  /** Byte offset in the data it was decoded from (command data or response data). */
  offset: number;
  length: number;
  /** The bytes (the whole TLV object for a TLV field: value only in `value`). */
  hex: string;
  /** The value bytes, where they differ from `hex` (TLV: without tag and length). */
  value?: string;
  /** The value read as the format says: text, digits, an amount, a date, a known identifier. */
  text?: string;
  children?: Field[];
}

/** A named part at a fixed place: [key, label, zh, length, how to read it]. */
export type PartSpec = readonly [key: string, label: string, zh: string | undefined, length: number, read?: (b: Uint8Array) => string];

/** Splits data into fixed parts (the last may take the rest with length -1). Undefined when the length does not fit. */
export function fixedParts(data: Uint8Array, parts: readonly PartSpec[], base = 0): Field[] | undefined {
  const fixed = parts.reduce((n, p) => n + (p[3] < 0 ? 0 : p[3]), 0);
  const hasRest = parts.some((p) => p[3] < 0);
  if (hasRest ? data.length < fixed : data.length !== fixed) return undefined;
  const out: Field[] = [];
  let at = 0;
  for (const [key, label, zh, len, read] of parts) {
    const length = len < 0 ? data.length - fixed : len;
    if (len < 0 && length === 0) continue;
    const bytes = data.subarray(at, at + length);
    out.push({ key, label, ...(zh ? { zh } : {}), offset: base + at, length, hex: toHex(bytes), ...(read ? { text: read(bytes) } : {}) });
    at += length;
  }
  return out;
}

/**
 * Decodes BER-TLV (strictly: src/apdu/tlv/ber-tlv.ts) into fields with offsets, tag names and values
 * read by the tag's format. Throws `TlvError` when the bytes are not BER-TLV.
 */
export function tlvFields(data: Uint8Array, options: { padding?: boolean } = {}, base = 0): Field[] {
  decodeTlv(data, options); // validates the whole buffer first: errors carry the offset
  return walk(data, 0, data.length, base, options.padding ?? false);
}

function walk(data: Uint8Array, from: number, to: number, base: number, padding: boolean): Field[] {
  const out: Field[] = [];
  let i = from;
  while (i < to) {
    if (padding && (data[i] === 0x00 || data[i] === 0xff)) {
      i++;
      continue;
    }
    const { tag, next } = readTag(data, i);
    const { length, next: start } = readLength(data, next);
    const value = data.subarray(start, start + length);
    const { en, zh } = tagLabel(tag);
    const constructed = (data[i]! & 0x20) !== 0;
    const field: Field = {
      key: tag,
      label: en,
      ...(zh ? { zh } : {}),
      offset: base + i,
      length: start + length - i,
      hex: toHex(data.subarray(i, start + length)),
      value: toHex(value),
    };
    if (constructed) field.children = walk(data, start, start + length, base, padding);
    else {
      const text = tagValueText(tag, value);
      if (text !== undefined) field.text = text;
      const inner = innerTlv(tag, value, base + start);
      if (inner) field.children = inner;
    }
    out.push(field);
    i = start + length;
  }
  return out;
}

/** Algorithm indicator of the SSSE FCI (9F0C { 86 01 alg }, DOMAIN.md §1.1): 01 DES, 02 SSF33, 03 SM4. */
const SSSE_ALGORITHMS: Readonly<Record<number, string>> = { 0x01: 'DES/3DES', 0x02: 'SSF33', 0x03: 'SM4' };

/**
 * Primitive tags whose value is itself BER-TLV: the SSSE FCI's 9F0C holds `86 01 alg`, the algorithm
 * indicator (DOMAIN.md §1.1) — there 86 is not EMV's issuer script command.
 */
function innerTlv(tag: string, value: Uint8Array, base: number): Field[] | undefined {
  if (tag !== '9F0C') return undefined;
  let fields: Field[];
  try {
    fields = tlvFields(value, {}, base);
  } catch (err) {
    if (err instanceof TlvError) return undefined;
    throw err;
  }
  for (const f of fields) {
    if (f.key === '86' && f.value?.length === 2) {
      f.label = 'algorithm indicator';
      f.zh = '算法标识';
      const alg = SSSE_ALGORITHMS[parseInt(f.value, 16)];
      if (alg) f.text = alg;
      else delete f.text;
    }
  }
  return fields.length > 0 ? fields : undefined;
}

/**
 * ISO/IEC 7816-4 file control parameters (§5.3.3, table 12) that share their tag numbers with EMV data
 * objects: in the answer to SELECT, inside 62/6F, these are what the tags mean.
 */
const FCP_NAMES: Readonly<Record<string, { label: string; zh: string }>> = {
  '80': { label: 'Number of data bytes in the file', zh: '文件数据字节数' },
  '81': { label: 'Number of data bytes including structural information', zh: '文件总字节数' },
  '82': { label: 'File descriptor', zh: '文件描述符' },
  '83': { label: 'File identifier', zh: '文件标识符' },
  '85': { label: 'Proprietary information', zh: '专有信息' },
  '8A': { label: 'Life cycle status', zh: '生命周期状态' },
};

/** Renames, in a SELECT answer, the children of 62/6F that are file control parameters. */
export function nameFcp(fields: Field[]): Field[] {
  for (const t of fields) {
    if ((t.key !== '6F' && t.key !== '62') || !t.children) continue;
    for (const c of t.children) {
      const fcp = FCP_NAMES[c.key];
      if (!fcp) continue;
      c.label = fcp.label;
      c.zh = fcp.zh;
      delete c.text;
    }
  }
  return fields;
}

const AMOUNT_TAGS = new Set(['9F02', '9F03', '9F5D', '9F6D', '9F77', '9F78', '9F79', '9F7B', 'DF19', 'DF20', 'DF21', 'DF62', 'DF63']);
const DATE_TAGS = new Set(['9A', '5F24', '5F25']);
const DOL_TAGS = new Set(['9F38', '8C', '8D', '9F49', '9F4F', 'DF4F']);
const COUNTER_TAGS = new Set(['9F36', '9F13', '9F17']);
const CID: Readonly<Record<number, string>> = { 0x00: 'AAC', 0x40: 'TC', 0x80: 'ARQC' };

/** The value of a primitive EMV/PBOC data object as text (EMV Book 3 Annex A formats), when it has a reading. */
export function tagValueText(tag: string, value: Uint8Array): string | undefined {
  const t = tag.toUpperCase();
  if (value.length === 0) return undefined;
  if (AMOUNT_TAGS.has(t)) return bcdDigits(value) === undefined ? undefined : yuan(bcdDigits(value)!);
  if (DATE_TAGS.has(t) && value.length === 3) {
    const d = bcdDigits(value);
    return d ? `20${d.slice(0, 2)}-${d.slice(2, 4)}-${d.slice(4, 6)}` : undefined;
  }
  if (t === '9F21' && value.length === 3) {
    const d = bcdDigits(value);
    return d ? `${d.slice(0, 2)}:${d.slice(2, 4)}:${d.slice(4, 6)}` : undefined;
  }
  if (DOL_TAGS.has(t)) {
    try {
      return parseDol(value)
        .map((e) => `${e.tag}(${e.length})`)
        .join(' ');
    } catch (err) {
      if (err instanceof TlvError) return undefined;
      throw err;
    }
  }
  if (COUNTER_TAGS.has(t)) return String(value.reduce((n, b) => n * 256 + b, 0));
  if (t === '9F27') return CID[value[0]! & 0xc0] ?? undefined;
  if (t === '84' || t === '4F') return aidInfo(toHex(value))?.label;
  if (t === '94') return aflText(value);
  if (t === '88' && value.length === 1) return `SFI ${hex2(value[0]!)}`;
  const format = tagInfo(t)?.format;
  if (format === 'cn') return cnDigits(value);
  if (format === 'n') return bcdDigits(value);
  if (format === 'an' || format === 'ans') return printable(value);
  return undefined;
}

/** AFL entries (EMV Book 3 §10.2): SFI, first and last record, records for offline data authentication. */
function aflText(value: Uint8Array): string | undefined {
  if (value.length % 4 !== 0) return undefined;
  const parts: string[] = [];
  for (let i = 0; i < value.length; i += 4) {
    parts.push(`SFI ${hex2(value[i]! >> 3)} records ${value[i + 1]}-${value[i + 2]}${value[i + 3] ? ` (${value[i + 3]} for ODA)` : ''}`);
  }
  return parts.join('; ');
}

const hex2 = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');

/** BCD digits, or undefined when a nibble is not a decimal digit. */
export function bcdDigits(value: Uint8Array): string | undefined {
  const s = toHex(value);
  return /^\d*$/.test(s) ? s : undefined;
}

/** Compressed numeric: digits padded on the right with F. */
export function cnDigits(value: Uint8Array): string | undefined {
  const s = toHex(value).replace(/F+$/, '');
  return /^\d*$/.test(s) ? s : undefined;
}

/** An amount in fen (digits) as yuan: "000000012345" → "123.45". */
export function yuan(fenDigits: string): string {
  const n = BigInt(fenDigits || '0');
  return `${n / 100n}.${String(n % 100n).padStart(2, '0')}`;
}

/** Fen (a number) as yuan. */
export function fenText(fen: number): string {
  return yuan(String(fen));
}

/** Printable text (GBK, so Chinese reads), trailing 00 padding removed; undefined for binary. */
export function printable(value: Uint8Array): string | undefined {
  let end = value.length;
  while (end > 0 && value[end - 1] === 0) end--;
  const bytes = value.subarray(0, end);
  if (bytes.some((b) => b < 0x20 || b === 0x7f)) return undefined;
  try {
    return JSON.stringify(decodeGbk(bytes));
  } catch (err) {
    // not GBK: binary data, no text reading (the hex is shown)
    if (err instanceof RangeError) return undefined;
    throw err;
  }
}

/** YYYYMMDDhhmmss BCD (7 bytes) as "2026-12-01 08:30:05". */
export function bcdDateTime(b: Uint8Array): string {
  const d = bcdDigits(b);
  if (!d || d.length !== 14) return toHex(b);
  return `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)} ${d.slice(8, 10)}:${d.slice(10, 12)}:${d.slice(12, 14)}`;
}

/** A 4-byte big-endian amount in fen, as yuan. */
export function amount4(b: Uint8Array): string {
  return fenText(b.reduce((n, x) => n * 256 + x, 0));
}

/** An unsigned big-endian number. */
export function uint(b: Uint8Array): string {
  return String(b.reduce((n, x) => n * 256 + x, 0));
}

/** Splits DOL-related data (EMV Book 3 §5.4) into one field per DOL entry, named by tag. */
export function dolFields(dol: readonly DolEntry[], data: Uint8Array, base = 0): Field[] | undefined {
  const total = dol.reduce((n, e) => n + e.length, 0);
  if (total !== data.length) return undefined;
  const out: Field[] = [];
  let at = 0;
  for (const e of dol) {
    const bytes = data.subarray(at, at + e.length);
    const { en, zh } = tagLabel(e.tag);
    const text = tagValueText(e.tag, bytes);
    out.push({ key: e.tag, label: en, ...(zh ? { zh } : {}), offset: base + at, length: e.length, hex: toHex(bytes), ...(text !== undefined ? { text } : {}) });
    at += e.length;
  }
  return out;
}

/** Which application an AID (DF name) selects, with a label for people. */
export interface AidInfo {
  label: string;
  app: 'ssse' | 'pboc' | 'directory' | 'pki' | 'psam';
  /** The SSSE DF it selects (SSSE itself or a sub-application). */
  df?: string;
}

const AIDS: ReadonlyMap<string, AidInfo> = new Map<string, AidInfo>([
  [SSSE_AID, { label: 'sx1.sh.社会保障 (social security application)', app: 'ssse', df: 'SSSE' }],
  ...SSSE_DFS.map((d) => [d.aid, { label: d.label, app: 'ssse' as const, df: d.df }] as const),
  [PSE_NAME, { label: '1PAY.SYS.DDF01 (PSE)', app: 'directory' }],
  [PPSE_NAME, { label: '2PAY.SYS.DDF01 (PPSE)', app: 'directory' }],
  [PBOC_AIDS.debit, { label: 'PBOC debit (借记)', app: 'pboc' }],
  [PBOC_AIDS.credit, { label: 'PBOC credit (贷记)', app: 'pboc' }],
  [PBOC_AIDS.quasiCredit, { label: 'PBOC quasi-credit (准贷记)', app: 'pboc' }],
  [PBOC_AIDS.electronicCash, { label: 'PBOC electronic cash (电子现金)', app: 'pboc' }],
  [PKI_AID, { label: 'PKI.社会保障 (PKI application)', app: 'pki' }],
  [PKI_ADF_AID, { label: 'SS.CERT.ADF1 (PKI ADF)', app: 'pki' }],
  [PSAM_SX3_AID, { label: 'sx3.sh.社会保障 (PSAM, SM4)', app: 'psam' }],
  [PSAM_DES_AID, { label: 'PSAM DF01 (DES generation)', app: 'psam' }],
]);

/** What a DF name selects, when sscard knows it. */
export function aidInfo(aidHex: string): AidInfo | undefined {
  return AIDS.get(aidHex.toUpperCase());
}
