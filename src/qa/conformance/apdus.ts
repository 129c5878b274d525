/**
 * Small builders the case tables share: PIN blocks, TLV lookups of a response, the references of the
 * standards (one spelling everywhere), and hex helpers. Protocol facts come from src/spec.
 */
import { concat, fromHex, toHex } from '../../apdu/bytes.js';
import { CommandApdu } from '../../apdu/command-apdu.js';
import { decodeTlv, findPath, findTag, type Tlv } from '../../apdu/tlv/ber-tlv.js';

/** The standards, as the cases cite them. Clause numbers of LD/T 32.5-2015 from its table of contents. */
export const REF = {
  ld5: 'LD/T 32.5-2015',
  ld5Format: 'LD/T 32.5-2015 §6.1-§6.2',
  ld5Sw: 'LD/T 32.5-2015 §6.4',
  ld5AppBlock: 'LD/T 32.5-2015 §7.1',
  ld5CardBlock: 'LD/T 32.5-2015 §7.2',
  ld5ChangePin: 'LD/T 32.5-2015 §7.3',
  ld5ExtAuth: 'LD/T 32.5-2015 §7.4',
  ld5Challenge: 'LD/T 32.5-2015 §7.5',
  ld5GetResponse: 'LD/T 32.5-2015 §7.6',
  ld5IntAuth: 'LD/T 32.5-2015 §7.7',
  ld5Select: 'LD/T 32.5-2015 §7 SELECT',
  ld5ReadRecord: 'LD/T 32.5-2015 §7 READ RECORD',
  ld5UpdateRecord: 'LD/T 32.5-2015 §7 UPDATE RECORD',
  ld5ReadBinary: 'LD/T 32.5-2015 §7 READ BINARY',
  ld5Verify: 'LD/T 32.5-2015 §7 VERIFY',
  ld5ReloadPin: 'LD/T 32.5-2015 §7 RELOAD PIN',
  ld5PinUnblock: 'LD/T 32.5-2015 §7 PIN CHANGE/UNBLOCK',
  ld5Debit: 'LD/T 32.5-2015 offline medical debit (DOMAIN.md §1.3, §1.4)',
  ld3: 'LD/T 32.3-2015 (file system and application selection)',
  ld4: 'LD/T 32.4-2015 (security mechanisms)',
  ld6: 'LD/T 32.6-2015 (application data)',
  ld7CardCheck: 'LD/T 32.7-2015 §5.4 (card check flow)',
  t3Atr: 'LD/T 6001.3-2023 §6.2 (ATR)',
  t3ChangePin: 'LD/T 6001.3-2023 §6.1 (CHANGE PIN)',
  t3Record: 'LD/T 6001.3-2023 §7.1 (SSSE RECORD)',
  t3Df04Record: 'LD/T 6001.3-2023 §7.5 (DF04 RECORD)',
  t3Safety: 'LD/T 6001.3-2023 §8.1 (SSSE_SAFETY)',
  t3DfSafety: (n: string) => `LD/T 6001.3-2023 §8 (${n}_SAFETY)`,
  t3Acse: 'LD/T 6001.3-2023 §10 (asymmetric application)',
  t5Pki: 'LD/T 6001.5-2023 §7 (PKI_SignData, PKI_VerifySign)',
  t5Debit: 'LD/T 6001.5-2023 §5 (iDoDebit)',
  iso3Atr: 'ISO/IEC 7816-3:2006 §8.2',
  iso3T0: 'ISO/IEC 7816-3:2006 §10.3 (T=0 procedure bytes); ISO/IEC 7816-4:2005 §5.1.3',
  isoCla: 'ISO/IEC 7816-4:2005 §5.1.1',
  isoIns: 'ISO/IEC 7816-4:2005 §5.1.2',
  isoSw: 'ISO/IEC 7816-4:2005 §5.1.3',
  isoSelect: 'ISO/IEC 7816-4:2005 §7.1.1',
  isoReadBinary: 'ISO/IEC 7816-4:2005 §7.2.3',
  isoReadRecord: 'ISO/IEC 7816-4:2005 §7.3.3',
  isoUpdateRecord: 'ISO/IEC 7816-4:2005 §7.3.5',
  isoIntAuth: 'ISO/IEC 7816-4:2005 §7.5.2',
  isoChallenge: 'ISO/IEC 7816-4:2005 §7.5.3',
  isoExtAuth: 'ISO/IEC 7816-4:2005 §7.5.4',
  isoVerify: 'ISO/IEC 7816-4:2005 §7.5.6',
  isoSm: 'ISO/IEC 7816-4:2005 §6 (secure messaging)',
  isoDir: 'ISO/IEC 7816-4:2005 §8.2.1.1 (EF.DIR)',
  isoSecurityStatus: 'ISO/IEC 7816-4:2005 §5.4 (security status)',
  iso8Pso: 'ISO/IEC 7816-8:2004 §5.4 (PSO COMPUTE DIGITAL SIGNATURE)',
  gmSm2: 'GM/T 0003.2-2012 (SM2 signature)',
  emvB1Pse: 'EMV 4.3 Book 1 §12.2-§12.3 (PSE)',
  emvB3Cmd: (n: string) => `EMV 4.3 Book 3 §6.5.${n}`,
  emvB3: (n: string) => `EMV 4.3 Book 3 §${n}`,
  emvB2: (n: string) => `EMV 4.3 Book 2 §${n}`,
  jr5: 'JR/T 0025.5 (debit/credit application)',
  jr12: 'JR/T 0025.12 (contactless payment, qPBOC)',
  jr12Pre: 'JR/T 0025.12 §6.2 (pre-processing)',
  jr12Fdda: 'JR/T 0025.12 Annex B (fDDA)',
  dom: (s: string) => `DOMAIN.md §${s}`,
} as const;

/** A PIN as the VERIFY data field: BCD digits, padded with F to whole bytes (DOMAIN.md §1.3). */
export function pinBcd(pin: string): string {
  if (!/^\d{2,16}$/.test(pin)) throw new RangeError(`PIN: 2 to 16 digits, got ${pin.length} characters`);
  return pin.length % 2 ? `${pin}F` : pin;
}

/** `CLA INS P1 P2 Lc data [Le]` from hex parts (a short APDU). */
export function apdu(header: string, data: string | Uint8Array = '', le?: number): Uint8Array {
  const h = fromHex(header, 'header');
  if (h.length !== 4) throw new RangeError(`header: 4 bytes, got ${h.length}`);
  const body = typeof data === 'string' ? fromHex(data, 'data') : data;
  return CommandApdu.of({ cla: h[0]!, ins: h[1]!, p1: h[2]!, p2: h[3]!, data: body, ...(le !== undefined ? { ne: le } : {}) }).encode();
}

/** VERIFY of a PIN by reference (ISO/IEC 7816-4 §7.5.6). */
export function verifyPin(reference: number, pin: string): Uint8Array {
  return apdu(`002000${reference.toString(16).padStart(2, '0')}`, pinBcd(pin));
}

/** Decodes response data as BER-TLV, or returns the problem. */
export function tlvOf(data: Uint8Array): Tlv[] | string {
  try {
    return decodeTlv(data);
  } catch (err) {
    return `not BER-TLV: ${(err as Error).message}`;
  }
}

/** A check on the TLV tree of a response: returns the problem in words. */
export function tlvCheck(test: (nodes: Tlv[]) => string | undefined): (data: Uint8Array) => string | undefined {
  return (data) => {
    const nodes = tlvOf(data);
    return typeof nodes === 'string' ? nodes : test(nodes);
  };
}

/** The value of a tag path in TLV nodes as hex, or undefined. */
export function valueAt(nodes: readonly Tlv[], ...path: string[]): string | undefined {
  const n = path.length === 1 ? findTag(nodes, path[0]!) : findPath(nodes, ...path);
  return n ? toHex(n.value) : undefined;
}

/** ASCII of bytes (0x20–0x7E), else undefined. */
export function asciiOf(bytes: Uint8Array): string | undefined {
  return bytes.every((b) => b >= 0x20 && b < 0x7f) ? String.fromCharCode(...bytes) : undefined;
}

/** An SSSE record `tag len value` split, or a problem. */
export function ssseRecord(data: Uint8Array, tag: number): Uint8Array | string {
  if (data.length < 2) return `record of ${data.length} byte(s)`;
  if (data[0] !== tag) return `record tag ${data[0]!.toString(16).toUpperCase().padStart(2, '0')} where ${tag.toString(16).toUpperCase().padStart(2, '0')} was expected`;
  if (data[1]! + 2 !== data.length) return `record length byte ${data[1]} does not match its ${data.length - 2} value bytes`;
  return data.subarray(2);
}

/** Hex of a number on `bytes` bytes. */
export function hexOf(n: number, bytes: number): string {
  return n.toString(16).toUpperCase().padStart(bytes * 2, '0');
}

/** Concatenation of hex parts and bytes. */
export function join(...parts: Array<string | Uint8Array>): Uint8Array {
  return concat(...parts.map((p) => (typeof p === 'string' ? fromHex(p) : p)));
}
