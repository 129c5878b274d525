/**
 * Field 55 (ICC system related data, ISO 8583; EMV 4.3 Book 4 §6.5 / JR/T 0025.7) as the host reads it:
 * a flat list of primitive BER-TLV data elements, decoded strictly (src/apdu/tlv/ber-tlv.ts), each tag
 * at most once, each value of the length EMV Book 3 Annex A gives it (src/apdu/tlv/tags.ts), and the IAD
 * (9F10) decoded by the layout of src/spec/pboc.ts.
 */
import { readUintBE, toHex } from '../../../apdu/bytes.js';
import { decodeTlv, TlvError } from '../../../apdu/tlv/ber-tlv.js';
import { tagInfo } from '../../../apdu/tlv/tags.js';
import { AC_TERMINAL_DATA_TAGS, IAD } from '../../../spec/pboc.js';
import type { PbocAlgorithm } from '../../../crypto/block-cipher.js';
import { SCRIPT_RESULTS_TAG } from './script-results.js';

/** Field 55 that the host cannot read: a format error (response code 30). */
export class Field55Error extends Error {
  override name = 'Field55Error';
}

/** Decoded field 55: values by tag (upper-case hex). */
export class Field55 {
  private constructor(private readonly values: ReadonlyMap<string, Uint8Array>) {}

  /**
   * Decodes field 55.
   * @throws Field55Error on invalid BER-TLV, a repeated tag, a constructed object or a wrong length
   */
  static decode(bytes: Uint8Array): Field55 {
    if (!(bytes instanceof Uint8Array)) throw new Field55Error('field 55 must be bytes');
    let nodes;
    try {
      nodes = decodeTlv(bytes);
    } catch (err) {
      if (err instanceof TlvError) throw new Field55Error(`field 55 is not valid BER-TLV: ${err.message}`);
      throw err;
    }
    const values = new Map<string, Uint8Array>();
    for (const n of nodes) {
      if (n.children) throw new Field55Error(`field 55: ${n.tag} is constructed (only primitive data elements are sent)`);
      if (values.has(n.tag)) throw new Field55Error(`field 55: ${n.tag} appears twice`);
      const limits = tagInfo(n.tag)?.length;
      if (limits && (n.value.length < limits.min || n.value.length > limits.max)) {
        const want = limits.min === limits.max ? `${limits.min}` : `${limits.min} to ${limits.max}`;
        throw new Field55Error(`field 55: ${n.tag} is ${n.value.length} bytes, ${want} expected`);
      }
      values.set(n.tag, n.value);
    }
    return new Field55(values);
  }

  /** The value of a tag, if present. */
  get(tag: string): Uint8Array | undefined {
    return this.values.get(tag.toUpperCase());
  }

  /** The value of a tag; a Field55Error names it when absent. */
  require(tag: string, why: string): Uint8Array {
    const v = this.get(tag);
    if (!v) throw new Field55Error(`field 55 lacks ${tag} (${why})`);
    return v;
  }

  has(tag: string): boolean {
    return this.values.has(tag.toUpperCase());
  }

  /** The tags present, in order of appearance. */
  get tags(): string[] {
    return [...this.values.keys()];
  }
}

/** The IAD 9F10 of a PBOC card (src/spec/pboc.ts IAD): fixed part and the optional EC IDD. */
export interface IssuerApplicationData {
  dki: number;
  cvn: number;
  /** Card verification results `03 ‖ b1 b2 b3`. */
  cvr: Uint8Array;
  algorithm: PbocAlgorithm;
  /** EC issuer discretionary data `01 ‖ balance(5) ‖ MAC(4)`, when the card sent it. */
  ec?: { balance: number; balance5: Uint8Array; mac: Uint8Array };
}

const ALGORITHM_OF_ID = new Map<number, PbocAlgorithm>(Object.entries(IAD.algorithmId).map(([alg, id]) => [id, alg as PbocAlgorithm]));

/** Decodes the IAD strictly (src/spec/pboc.ts IAD [P/C/R]). */
export function decodeIad(iad: Uint8Array): IssuerApplicationData {
  if (iad.length < 8 || iad[0] !== IAD.fixedLength) throw new Field55Error(`9F10 ${toHex(iad)}: not a PBOC IAD (07 | DKI | CVN | CVR(4) | algorithm …)`);
  const algorithm = ALGORITHM_OF_ID.get(iad[7]!);
  if (!algorithm) throw new Field55Error(`9F10: algorithm ID ${toHex(iad.subarray(7, 8))} is neither SM4 (04) nor 3DES (01)`);
  const out: IssuerApplicationData = { dki: iad[1]!, cvn: iad[2]!, cvr: iad.slice(3, 7), algorithm };
  if (iad.length === 8) return out;
  const iddLength = iad[8]!;
  if (iad.length !== 9 + iddLength) throw new Field55Error(`9F10: IDD length ${iddLength} does not match the ${iad.length - 9} bytes after it`);
  if (iddLength === 10 && iad[9] === IAD.eccIddId) {
    const balance5 = iad.slice(10, 15);
    out.ec = { balance: bcdValue(balance5, '9F10 EC balance'), balance5, mac: iad.slice(15, 19) };
  }
  return out;
}

/** An n-format (BCD) value as a number. */
export function bcdValue(bytes: Uint8Array, what: string): number {
  const digits = toHex(bytes);
  if (!/^[0-9]+$/.test(digits)) throw new Field55Error(`${what}: ${digits} is not BCD`);
  return Number(digits);
}

/** The 29 bytes of terminal data the cryptogram covers (src/spec/pboc.ts AC_TERMINAL_DATA_TAGS). */
export function terminalData(icc: Field55, overrides: Partial<Record<string, Uint8Array>> = {}): Uint8Array[] {
  return AC_TERMINAL_DATA_TAGS.map((t) => overrides[t] ?? icc.require(t, 'covered by the cryptogram'));
}

/** The ATC 9F36 as a number. */
export function atcOf(icc: Field55): number {
  return readUintBE(icc.require('9F36', 'ATC'));
}

/** Whether field 55 carries issuer script results. */
export function scriptResultsOf(icc: Field55): Uint8Array | undefined {
  return icc.get(SCRIPT_RESULTS_TAG);
}
