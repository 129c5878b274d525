/**
 * The terminal's half of the PBOC steps the `pboc` and `qpboc` cases need, written from EMV 4.3 Book 3
 * (§10 functions) and JR/T 0025 as DOMAIN.md §2 digests them: terminal data for the DOLs, GET PROCESSING
 * OPTIONS and its two answer formats, reading the AFL, the static data to authenticate, the SM2 ODA chain
 * (CA → issuer certificate 90 → ICC certificate 9F46; SSAD 93; SDAD 9F4B) with src/crypto's PBOC
 * certificate codec, GENERATE AC and its answer, and the test issuer's cryptogram checks (the issuer
 * host's code over the TEST master keys of the bundled profiles).
 */
import { concat, fromHex, readUintBE, toHex } from '../../apdu/bytes.js';
import { decodeTlv, findTag, type Tlv } from '../../apdu/tlv/ber-tlv.js';
import { buildDolData, parseDol, type DolEntry } from '../../apdu/tlv/dol.js';
import { sm3 } from '../../crypto/sm3.js';
import { sm2PublicKeyFromPrivate } from '../../crypto/sm2/index.js';
import { SM2_CURVE_PARAMS } from '../../crypto/sm2/curve.js';
import { verifyIccCertificate, verifyIssuerCertificate, verifySdad, verifySsad, type PbocCertificate } from '../../crypto/cert/pboc-cert.js';
import { AC_TERMINAL_DATA_TAGS, CID, PBOC_AIDS } from '../../spec/pboc.js';
import { decodeIad, type IssuerApplicationData } from '../../terminal/hosts/issuer/field55.js';
import { cryptogramValid, type CryptogramInput } from '../../terminal/hosts/issuer/cryptograms.js';
import type { CardKeys } from '../../terminal/hosts/issuer/keys.js';
import type { CaseContext } from './context.js';
import { apdu, hexOf, tlvOf } from './apdus.js';

/** SELECT of the PBOC debit application (DOMAIN.md §2 [C]). */
export const SELECT_DEBIT = `00A4040008${PBOC_AIDS.debit}00`;

/**
 * The TEST certification authority of sscard's profiles: RID A000000333, index F1, private key
 * d = SM3(seed) mod (n − 1) + 1 of the profile's `oda.caSeed` (docs/pboc.md "Test CA and issuer keys";
 * TEST ONLY — a terminal of a real scheme has the scheme's CA public keys instead).
 */
export const TEST_CAPKS: ReadonlyArray<{ rid: string; index: number; seed: string }> = [{ rid: 'A000000333', index: 0xf1, seed: 'sscard TEST PBOC CA' }];

/** The public key (04 ‖ X ‖ Y) of a TEST CA from its seed. */
export function testCaPublicKey(seed: string): Uint8Array {
  const n = SM2_CURVE_PARAMS.n;
  const h = BigInt(`0x${toHex(sm3(new TextEncoder().encode(seed)))}`);
  const d = (h % (n - 1n)) + 1n;
  return sm2PublicKeyFromPrivate(fromHex(d.toString(16).padStart(64, '0')));
}

/** n12 BCD of an amount in fen (EMV amount format n 12). */
export function amountN12(fen: number): Uint8Array {
  if (!Number.isSafeInteger(fen) || fen < 0 || fen > 999_999_999_999) throw new RangeError(`amount: 0 … 999999999999 fen, got ${fen}`);
  return fromHex(String(fen).padStart(12, '0'));
}

/** YYMMDD and hhmmss in China time (UTC+8) as BCD (9A, 9F21). */
export function chinaDateTime(d: Date): { date: Uint8Array; time: Uint8Array } {
  const c = new Date(d.getTime() + 8 * 3600_000);
  const p = (x: number) => String(x).padStart(2, '0');
  return {
    date: fromHex(`${p(c.getUTCFullYear() % 100)}${p(c.getUTCMonth() + 1)}${p(c.getUTCDate())}`),
    time: fromHex(`${p(c.getUTCHours())}${p(c.getUTCMinutes())}${p(c.getUTCSeconds())}`),
  };
}

/** TTQ 9F66 bytes (DOMAIN.md §2 / §2.1 [C]). */
export interface TtqOptions {
  qpboc?: boolean;
  fullPboc?: boolean;
  offlineOnly?: boolean;
  onlineRequired?: boolean;
  fdda?: boolean;
}

export function ttq(o: TtqOptions): Uint8Array {
  const b = new Uint8Array(4);
  if (o.fullPboc) b[0]! |= 0x40;
  if (o.qpboc) b[0]! |= 0x20;
  if (o.offlineOnly) b[0]! |= 0x08;
  if (o.onlineRequired) b[1]! |= 0x80;
  if (o.fdda) b[3]! |= 0x80;
  return b;
}

/** The terminal data of one transaction (the values the DOLs ask for). */
export function terminalData(t: CaseContext, o: { amount: number; currency?: string; ttq?: Uint8Array; un?: Uint8Array; type?: number }): Record<string, Uint8Array> {
  const { date, time } = chinaDateTime(t.clock.now());
  return {
    '9F66': o.ttq ?? new Uint8Array(4),
    '9F02': amountN12(o.amount),
    '9F03': amountN12(0),
    '9F1A': fromHex('0156'),
    '95': new Uint8Array(5),
    '5F2A': fromHex(o.currency ?? '0156'),
    '9A': date,
    '9F21': time,
    '9C': Uint8Array.of(o.type ?? 0x00),
    '9F37': o.un ?? t.random(4),
    DF60: Uint8Array.of(0x00),
    DF69: Uint8Array.of(0x01),
    '9F4E': new TextEncoder().encode('sscard conformance'),
    '9F35': Uint8Array.of(0x22),
  };
}

/** The FCI of the selected application and its PDOL. */
export interface SelectedApp {
  fci: Tlv[];
  pdol: DolEntry[];
}

/** SELECT of the debit application; `sw` 6283 for a blocked one (EMV Book 1 §12.4). */
export async function selectDebit(t: CaseContext, sw = '9000'): Promise<SelectedApp> {
  const r = await t.send(SELECT_DEBIT, { sw }, 'SELECT A000000333010101');
  const fci = tlvOf(r.data);
  if (typeof fci === 'string') return t.fail(`the application's FCI is ${fci}`);
  const pdol = findTag(fci, '9F38');
  return { fci, pdol: pdol ? parseDol(pdol.value) : [] };
}

/** What GET PROCESSING OPTIONS answered (EMV Book 3 §6.5.8.4: format 1 `80` or format 2 `77`). */
export interface GpoAnswer {
  format: 1 | 2;
  aip: Uint8Array;
  afl: Uint8Array;
  /** Format 2: every object of the template. */
  tags: Map<string, Uint8Array>;
}

export function decodeGpo(t: CaseContext, data: Uint8Array): GpoAnswer {
  const nodes = tlvOf(data);
  if (typeof nodes === 'string' || nodes.length !== 1) return t.fail(`the GPO answer ${toHex(data).slice(0, 40)} is not one 80 or 77 template`);
  const top = nodes[0]!;
  if (top.tag === '80') {
    const v = top.value;
    if (v.length < 2 || (v.length - 2) % 4 !== 0) t.fail(`GPO format 1: ${v.length} bytes, not AIP(2) ‖ AFL(4n)`);
    return { format: 1, aip: v.slice(0, 2), afl: v.slice(2), tags: new Map() };
  }
  if (top.tag === '77') {
    const tags = new Map((top.children ?? []).map((c) => [c.tag, c.value] as const));
    const aip = tags.get('82');
    if (!aip || aip.length !== 2) t.fail('GPO format 2 without AIP 82 (2 bytes)');
    return { format: 2, aip, afl: tags.get('94') ?? new Uint8Array(0), tags };
  }
  return t.fail(`the GPO answer's template is ${top.tag}, neither 80 nor 77`);
}

/** GET PROCESSING OPTIONS with the PDOL filled from `values`. */
export async function gpo(t: CaseContext, app: SelectedApp, values: Record<string, Uint8Array>): Promise<GpoAnswer> {
  const data = buildDolData(app.pdol, values);
  const r = await t.send(apdu('80A80000', concat(Uint8Array.of(0x83, data.length), data), 256), { sw: '9000' }, 'GET PROCESSING OPTIONS');
  return decodeGpo(t, r.data);
}

/** One AFL entry (EMV Book 3 §10.2). */
export interface AflEntry {
  sfi: number;
  first: number;
  last: number;
  oda: number;
}

/** Decodes an AFL, or fails naming the first wrong entry. */
export function decodeAfl(t: CaseContext, afl: Uint8Array): AflEntry[] {
  if (afl.length === 0 || afl.length % 4 !== 0) t.fail(`AFL of ${afl.length} bytes is not a non-empty multiple of 4`);
  const out: AflEntry[] = [];
  for (let i = 0; i < afl.length; i += 4) {
    const e = { sfi: afl[i]! >> 3, first: afl[i + 1]!, last: afl[i + 2]!, oda: afl[i + 3]! };
    const ok = (afl[i]! & 0x07) === 0 && e.sfi >= 1 && e.sfi <= 30 && e.first >= 1 && e.last >= e.first && e.oda <= e.last - e.first + 1;
    t.check(ok, `AFL entry ${toHex(afl.subarray(i, i + 4))} is not SFI(1-30)<<3 ‖ first ≥ 1 ‖ last ≥ first ‖ ODA records ≤ their count`);
    out.push(e);
  }
  return out;
}

/** The records the AFL names, and the data objects in them. */
export interface ApplicationData {
  afl: AflEntry[];
  /** Values of every primitive object of the records, by tag. */
  tags: Map<string, Uint8Array>;
  /** The records' contents for offline data authentication, in AFL order (EMV Book 3 §10.3). */
  staticData: Uint8Array;
}

/** READ RECORD of every record of the AFL (EMV Book 3 §10.2); the first object must be a 70 template. */
export async function readApplicationData(t: CaseContext, afl: Uint8Array): Promise<ApplicationData> {
  const entries = decodeAfl(t, afl);
  const tags = new Map<string, Uint8Array>();
  const forOda: Uint8Array[] = [];
  for (const e of entries) {
    for (let rec = e.first; rec <= e.last; rec++) {
      const data = (await t.send(`00B2${hexOf(rec, 1)}${hexOf((e.sfi << 3) | 4, 1)}00`, { sw: '9000' }, `READ RECORD SFI ${e.sfi} record ${rec}`)).data;
      const nodes = tlvOf(data);
      if (typeof nodes === 'string' || nodes.length !== 1 || nodes[0]!.tag !== '70') t.fail(`SFI ${e.sfi} record ${rec} is not one 70 template`);
      const walk = (ns: readonly Tlv[]) => ns.forEach((n) => (n.children ? walk(n.children) : tags.set(n.tag, n.value)));
      walk(nodes[0]!.children ?? []);
      // SFI 1-10: the value of the 70 template; SFI 11-30: the whole record (EMV Book 3 §10.3)
      if (rec < e.first + e.oda) forOda.push(e.sfi <= 10 ? nodes[0]!.value : data);
    }
  }
  return { afl: entries, tags, staticData: concat(...forOda) };
}

/** The static data to authenticate: the ODA records ‖ the values of the 9F4A tag list (only AIP allowed). */
export function staticDataToAuthenticate(t: CaseContext, data: ApplicationData, aip: Uint8Array): Uint8Array {
  const list = data.tags.get('9F4A');
  if (!list || list.length === 0) return data.staticData;
  t.check(toHex(list) === '82', `9F4A (SDA tag list) is ${toHex(list)}; EMV Book 3 §10.3 allows only the AIP (82)`);
  return concat(data.staticData, aip);
}

/** The ODA chain: CA public key → issuer certificate → (ICC certificate). */
export interface OdaKeys {
  issuer: PbocCertificate;
  icc?: PbocCertificate;
}

/** Verifies the issuer certificate (90) with the TEST CA named by 8F; skips when the CA is unknown. */
export function verifyIssuer(t: CaseContext, data: ApplicationData, pan: string): PbocCertificate {
  const index = data.tags.get('8F');
  const cert90 = data.tags.get('90');
  if (!index || !cert90) return t.fail('the records carry no CA public key index 8F or issuer certificate 90 (ODA data missing)');
  const capk = TEST_CAPKS.find((c) => c.index === index[0]);
  if (!capk) return t.skip(`no CA public key for index ${toHex(index)} of RID A000000333 (sscard knows the TEST CA F1 only)`);
  let issuer: PbocCertificate;
  try {
    issuer = verifyIssuerCertificate(cert90, testCaPublicKey(capk.seed));
  } catch (err) {
    return t.fail(`issuer certificate 90: ${(err as Error).message}`);
  }
  t.check(pan.startsWith(issuer.idDigits), `the issuer certificate is for issuer ${issuer.idDigits}, not a prefix of the PAN ${pan}`);
  return issuer;
}

/** Verifies the ICC certificate (9F46) with the issuer key over the static data. */
export function verifyIcc(t: CaseContext, data: ApplicationData, issuer: PbocCertificate, aip: Uint8Array, pan: string): PbocCertificate {
  const cert = data.tags.get('9F46');
  if (!cert) return t.fail('the records carry no ICC certificate 9F46');
  let icc: PbocCertificate;
  try {
    icc = verifyIccCertificate(cert, issuer.publicKey, staticDataToAuthenticate(t, data, aip));
  } catch (err) {
    return t.fail(`ICC certificate 9F46: ${(err as Error).message}`);
  }
  t.check(icc.idDigits === pan, `the ICC certificate is for PAN ${icc.idDigits}, the card's is ${pan}`);
  return icc;
}

/** Verifies SSAD 93 (SDA). */
export function verifySda(t: CaseContext, data: ApplicationData, issuer: PbocCertificate, aip: Uint8Array): void {
  const ssad = data.tags.get('93');
  if (!ssad) t.fail('the records carry no signed static application data 93');
  try {
    verifySsad(ssad, issuer.publicKey, staticDataToAuthenticate(t, data, aip));
  } catch (err) {
    t.fail(`SSAD 93: ${(err as Error).message}`);
  }
}

/** Verifies an SDAD with the ICC key over the terminal's dynamic data. */
export function verifyDynamic(t: CaseContext, sdad: Uint8Array, icc: PbocCertificate, terminalDynamic: Uint8Array, what: string): Uint8Array {
  try {
    return verifySdad(sdad, icc.publicKey, terminalDynamic).iccDynamicNumber;
  } catch (err) {
    return t.fail(`${what}: ${(err as Error).message}`);
  }
}

/** The PAN (5A, F padding removed) and PSN (5F34, default 00) of the records. */
export function panOf(t: CaseContext, data: ApplicationData): { pan: string; psn: string } {
  const pan = data.tags.get('5A');
  if (!pan) return t.fail('the records carry no PAN 5A');
  return { pan: toHex(pan).replace(/F+$/, ''), psn: toHex(data.tags.get('5F34') ?? Uint8Array.of(0)) };
}

/** What GENERATE AC answered (EMV Book 3 §6.5.5.4). */
export interface GacAnswer {
  cid: number;
  atc: number;
  ac: Uint8Array;
  iad: Uint8Array;
  type: 'AAC' | 'TC' | 'ARQC' | 'RFU';
}

export function cidType(cid: number): GacAnswer['type'] {
  const t = cid & 0xc0;
  return t === CID.AAC ? 'AAC' : t === CID.TC ? 'TC' : t === CID.ARQC ? 'ARQC' : 'RFU';
}

/** Decodes the GENERATE AC answer: format 1 `80 CID ATC AC IAD` or format 2 `77 { 9F27 9F36 9F26 9F10 }`. */
export function decodeGac(t: CaseContext, data: Uint8Array): GacAnswer {
  const nodes = tlvOf(data);
  if (typeof nodes === 'string' || nodes.length !== 1) return t.fail(`the GENERATE AC answer ${toHex(data).slice(0, 40)} is not one 80 or 77 template`);
  const top = nodes[0]!;
  let cid: Uint8Array | undefined, atc: Uint8Array | undefined, ac: Uint8Array | undefined, iad: Uint8Array | undefined;
  if (top.tag === '80') {
    const v = top.value;
    if (v.length < 11) t.fail(`GENERATE AC format 1 of ${v.length} bytes (CID ‖ ATC ‖ AC need 11)`);
    [cid, atc, ac, iad] = [v.subarray(0, 1), v.subarray(1, 3), v.subarray(3, 11), v.subarray(11)];
  } else if (top.tag === '77') {
    const m = new Map((top.children ?? []).map((c) => [c.tag, c.value] as const));
    [cid, atc, ac, iad] = [m.get('9F27'), m.get('9F36'), m.get('9F26'), m.get('9F10')];
  } else return t.fail(`the GENERATE AC answer's template is ${top.tag}, neither 80 nor 77`);
  if (!cid || cid.length !== 1 || !atc || atc.length !== 2 || !ac || ac.length !== 8) return t.fail('GENERATE AC answer without CID 9F27 (1), ATC 9F36 (2) and AC 9F26 (8)');
  return { cid: cid[0]!, atc: readUintBE(atc), ac: Uint8Array.from(ac), iad: Uint8Array.from(iad ?? new Uint8Array(0)), type: cidType(cid[0]!) };
}

/** GENERATE AC (80 AE P1 00) with a CDOL filled from `values`. */
export async function generateAc(t: CaseContext, p1: number, cdol: Uint8Array, values: Record<string, Uint8Array>, label: string): Promise<GacAnswer> {
  const data = buildDolData(parseDol(cdol), values);
  const r = await t.send(apdu(`80AE${hexOf(p1, 1)}00`, data, 256), { sw: '9000' }, label);
  return decodeGac(t, r.data);
}

/** The IAD decoded by the issuer's own rules, or a failure. */
export function iadOf(t: CaseContext, iad: Uint8Array): IssuerApplicationData {
  try {
    return decodeIad(iad);
  } catch (err) {
    return t.fail((err as Error).message);
  }
}

/** The issuer's check of an application cryptogram over the terminal data it covers. */
export function issuerChecks(keys: CardKeys, values: Record<string, Uint8Array>, aip: Uint8Array, answer: GacAnswer, arc?: Uint8Array): boolean {
  const input: CryptogramInput = {
    terminal: AC_TERMINAL_DATA_TAGS.map((tag) => values[tag] ?? new Uint8Array(0)),
    ...(arc ? { arc } : {}),
    aip,
    atc: answer.atc,
    cvr: decodeIad(answer.iad).cvr,
  };
  return cryptogramValid(keys, input, answer.ac);
}

/** GET DATA of one PBOC data object (80 CA); returns its value. */
export async function getData(t: CaseContext, tag: string, expectSw = '9000'): Promise<Uint8Array> {
  const r = await t.send(`80CA${tag.padStart(4, '0')}00`, { sw: expectSw }, `GET DATA ${tag}`);
  if (expectSw !== '9000') return r.data;
  const nodes = tlvOf(r.data);
  if (typeof nodes === 'string' || nodes.length !== 1 || nodes[0]!.tag !== tag.toUpperCase()) return t.fail(`GET DATA ${tag} answered ${toHex(r.data)}, not one ${tag} object`);
  return nodes[0]!.value;
}

/** An n-format value as a number. */
export function bcdNumber(t: CaseContext, bytes: Uint8Array, what: string): number {
  const digits = toHex(bytes);
  if (!/^\d+$/.test(digits)) t.fail(`${what} ${digits} is not BCD (format n)`);
  return Number(digits);
}

/** The number of the ATC (9F36) as GET DATA answers it. */
export async function atcNow(t: CaseContext): Promise<number> {
  return readUintBE(await getData(t, '9F36'));
}


/** Decodes one TLV list strictly (response data). */
export function tlvList(t: CaseContext, data: Uint8Array, what: string): Tlv[] {
  try {
    return decodeTlv(data);
  } catch (err) {
    return t.fail(`${what}: ${(err as Error).message}`);
  }
}
