/**
 * Offline data authentication with SM2 (EMV 4.3 Book 3 §10.3; Book 2 §5 SDA, §6 DDA, in the SM2 form of
 * PBOC 3.0 — JR/T 0025.17 — with the layouts of src/crypto/cert/pboc-cert.ts [R]; fDDA: JR/T 0025.12
 * Annex B):
 *
 * - choice (§10.3): DDA when the card (AIP byte 1 b6) and the terminal (9F33 byte 3 b7) support it, else
 *   SDA when both do (AIP b7, 9F33 b8); CDA is not supported; otherwise TVR "ODA not performed";
 * - issuer public key (Book 2 §5.3): the CA key of the terminal configuration by RID and index 8F (and not
 *   expired), the issuer certificate 90 verified with it, its issuer identifier equal to the leading PAN
 *   digits, not expired, not on the revocation list;
 * - SDA: the SSAD 93 verified over the static data to authenticate;
 * - DDA (Book 2 §6): the ICC certificate 9F46 verified with the issuer key over its fields ‖ the static
 *   data, its PAN equal to 5A, not expired; INTERNAL AUTHENTICATE with the DDOL data (the card's 9F49, or
 *   the terminal's default DDOL), the SDAD verified with the ICC key;
 * - fDDA: the same chain, then the SDAD 9F4B of the GPO answer verified over 9F37 ‖ 9F02 ‖ 5F2A ‖ 9F69.
 *
 * Failures set TVR byte 1: SDA failed / DDA failed, and ICC data missing when an object is absent; the
 * TSI "ODA performed" bit is set whenever a method was tried.
 */
import { concat, fromHex, toHex } from '../../../apdu/bytes.js';
import { CommandApdu } from '../../../apdu/command-apdu.js';
import { buildDolData } from '../../../apdu/tlv/dol.js';
import {
  pbocCertificateExpired,
  verifyIccCertificate,
  verifyIssuerCertificate,
  verifySdad,
  verifySsad,
  type PbocCertificate,
} from '../../../crypto/cert/pboc-cert.js';
import { parseCardTlv } from '../card-channel.js';
import type { KernelContext } from '../context.js';
import { compareDates, compressedDigits, dateOf } from '../emv-values.js';
import { cardDol } from './initiate-application-processing.js';

export type OdaMethod = 'SDA' | 'DDA';

/** AIP byte 1 and terminal capabilities byte 3 bits for ODA (Book 3 Annex C1, Book 4 Annex A2). */
const ODA_SUPPORT: ReadonlyArray<{ method: OdaMethod; aip: number; terminal: number }> = [
  { method: 'DDA', aip: 0x20, terminal: 0x40 },
  { method: 'SDA', aip: 0x40, terminal: 0x80 },
];

/** A reason ODA failed (kept in the kernel notes). */
export class OdaFailure extends Error {
  override name = 'OdaFailure';
  constructor(
    message: string,
    readonly missingData = false,
  ) {
    super(message);
  }
}

/** The method both the card and the terminal support, in the order of §10.3 (CDA is not supported). */
export function chooseOdaMethod(aip: Uint8Array, capabilities: Uint8Array): OdaMethod | undefined {
  return ODA_SUPPORT.find((s) => (aip[0]! & s.aip) !== 0 && (capabilities[2]! & s.terminal) !== 0)?.method;
}

function required(ctx: KernelContext, tag: string, what: string): Uint8Array {
  const v = ctx.data.card(tag);
  if (!v) throw new OdaFailure(`${what} (${tag}) missing`, true);
  return v;
}

/** Runs a verification of src/crypto; its RangeError (bad signature, bad layout) is an ODA failure. */
function verified<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof RangeError || err instanceof TypeError) throw new OdaFailure(`${what}: ${err.message}`);
    throw err;
  }
}

function panOf(ctx: KernelContext): string {
  const pan = ctx.data.card('5A');
  const digits = pan && compressedDigits(pan);
  if (!digits) throw new OdaFailure('application PAN (5A) missing or not valid', true);
  return digits;
}

function notExpired(cert: PbocCertificate, ctx: KernelContext, what: string): void {
  if (pbocCertificateExpired(cert, ctx.now)) throw new OdaFailure(`${what} expired (${cert.expiry.slice(0, 2)}/${cert.expiry.slice(2)})`);
}

/**
 * Retrieves the issuer public key (Book 2 §5.3, SM2: no recovery, the certificate is verified with the
 * CA key). @throws OdaFailure
 */
export function retrieveIssuerPublicKey(ctx: KernelContext, rid: string, pan: string): Uint8Array {
  const index = required(ctx, '8F', 'CA public key index');
  if (index.length !== 1) throw new OdaFailure(`CA public key index of ${index.length} bytes`);
  const indexHex = toHex(index);
  const ca = ctx.config.caPublicKeys.find((k) => k.rid === rid && k.index === indexHex);
  if (!ca) throw new OdaFailure(`no CA public key ${rid}/${indexHex} in the terminal configuration`);
  const caExpiry = { year: Number(ca.expiry.slice(0, 4)), month: Number(ca.expiry.slice(4, 6)), day: Number(ca.expiry.slice(6, 8)) };
  if (compareDates(caExpiry, dateOf(ctx.now)) < 0) throw new OdaFailure(`CA public key ${rid}/${indexHex} expired on ${ca.expiry}`);
  const certificate = required(ctx, '90', 'issuer public key certificate');
  const cert = verified('issuer certificate', () => verifyIssuerCertificate(certificate, fromHex(ca.publicKey)));
  if (cert.idDigits.length < 3 || !pan.startsWith(cert.idDigits)) {
    throw new OdaFailure(`issuer certificate: issuer identifier ${cert.idDigits} does not match the PAN`);
  }
  notExpired(cert, ctx, 'issuer certificate');
  const serial = toHex(cert.serial);
  if (ctx.config.revocationList.some((r) => r.rid === rid && r.caIndex === indexHex && r.serial === serial)) {
    throw new OdaFailure(`issuer certificate ${rid}/${indexHex}/${serial} is on the revocation list`);
  }
  return cert.publicKey;
}

/** Retrieves the ICC public key (Book 2 §6.4, SM2). @throws OdaFailure */
export function retrieveIccPublicKey(ctx: KernelContext, issuerKey: Uint8Array, staticData: Uint8Array, pan: string): Uint8Array {
  const certificate = required(ctx, '9F46', 'ICC public key certificate');
  const cert = verified('ICC certificate', () => verifyIccCertificate(certificate, issuerKey, staticData));
  if (cert.idDigits !== pan) throw new OdaFailure(`ICC certificate: PAN ${cert.idDigits} is not the application PAN`);
  notExpired(cert, ctx, 'ICC certificate');
  return cert.publicKey;
}

/** The RID of the selected application (first 5 bytes of its AID). */
function ridOf(aid: Uint8Array): string {
  return toHex(aid.subarray(0, 5));
}

/** Static data authentication (Book 2 §5). @throws OdaFailure */
function sda(ctx: KernelContext, aid: Uint8Array, staticData: Uint8Array): void {
  const pan = panOf(ctx);
  const issuerKey = retrieveIssuerPublicKey(ctx, ridOf(aid), pan);
  const ssad = required(ctx, '93', 'signed static application data');
  const { dac } = verified('SSAD', () => verifySsad(ssad, issuerKey, staticData));
  ctx.data.setCard('9F45', dac);
}

/** Dynamic data authentication (Book 2 §6). @throws OdaFailure */
async function dda(ctx: KernelContext, aid: Uint8Array, staticData: Uint8Array): Promise<void> {
  const pan = panOf(ctx);
  const issuerKey = retrieveIssuerPublicKey(ctx, ridOf(aid), pan);
  const iccKey = retrieveIccPublicKey(ctx, issuerKey, staticData, pan);
  const ddol = cardDol(ctx.data.card('9F49') ?? fromHex(ctx.config.defaultDdol), 'DDOL');
  if (!ddol.some((e) => e.tag === '9F37')) throw new OdaFailure('the DDOL does not ask for the unpredictable number 9F37');
  const ddolData = buildDolData(ddol, ctx.data.dolValues());
  const r = await ctx.channel.exchange(
    'offline data authentication (DDA)',
    CommandApdu.of({ cla: 0x00, ins: 0x88, p1: 0x00, p2: 0x00, data: ddolData, ne: 256 }),
  );
  if (!r.ok) throw new OdaFailure(`INTERNAL AUTHENTICATE answered ${r.sw.toString(16).toUpperCase()}`);
  const [answer] = parseCardTlv(r.data, 'INTERNAL AUTHENTICATE answer');
  const sdad = answer?.tag === '80' ? answer.value : answer?.tag === '77' ? answer.children?.find((c) => c.tag === '9F4B')?.value : undefined;
  if (!sdad) throw new OdaFailure('INTERNAL AUTHENTICATE answer without SDAD (80 or 77 { 9F4B })', true);
  const { iccDynamicNumber } = verified('SDAD', () => verifySdad(sdad, iccKey, ddolData));
  ctx.data.setCard('9F4C', iccDynamicNumber);
}

/** Book 3 §10.3 for the contact kernel; sets TVR and TSI. */
export async function offlineDataAuthentication(
  ctx: KernelContext,
  app: { aid: Uint8Array; aip: Uint8Array; staticData: Uint8Array | undefined; staticDataProblem?: string },
): Promise<OdaMethod | undefined> {
  const method = chooseOdaMethod(app.aip, fromHex(ctx.config.capabilities));
  if (!method) {
    ctx.tvr.set('odaNotPerformed');
    ctx.note('offline data authentication not performed (no method both the card and the terminal support)');
    return undefined;
  }
  ctx.tsi.set('odaPerformed');
  if (method === 'SDA') ctx.tvr.set('sdaSelected');
  try {
    if (!app.staticData) throw new OdaFailure(app.staticDataProblem ?? 'static data to authenticate not available');
    if (method === 'SDA') sda(ctx, app.aid, app.staticData);
    else await dda(ctx, app.aid, app.staticData);
    ctx.note(`${method} succeeded`);
  } catch (err) {
    if (!(err instanceof OdaFailure)) throw err;
    ctx.tvr.set(method === 'SDA' ? 'sdaFailed' : 'ddaFailed');
    if (err.missingData) ctx.tvr.set('iccDataMissing');
    ctx.note(`${method} failed: ${err.message}`);
  }
  return method;
}

/**
 * fDDA (JR/T 0025.12 Annex B, SM2 [R]): the chain CA → issuer → ICC, then the SDAD 9F4B of the GPO answer
 * over 9F37 ‖ 9F02 ‖ 5F2A ‖ 9F69. Returns the failure, or undefined when it verified. Sets TSI "ODA
 * performed" and, on failure, TVR "DDA failed" (and "ICC data missing").
 */
export function fastDynamicDataAuthentication(ctx: KernelContext, aid: Uint8Array, staticData: Uint8Array | undefined): string | undefined {
  ctx.tsi.set('odaPerformed');
  try {
    if (!staticData) throw new OdaFailure('static data to authenticate not available');
    const pan = panOf(ctx);
    const issuerKey = retrieveIssuerPublicKey(ctx, ridOf(aid), pan);
    const iccKey = retrieveIccPublicKey(ctx, issuerKey, staticData, pan);
    const sdad = required(ctx, '9F4B', 'signed dynamic application data');
    const cardAuthData = required(ctx, '9F69', 'card authentication related data');
    if (cardAuthData[0] !== 0x01) throw new OdaFailure(`9F69 names fDDA version ${cardAuthData[0]?.toString(16) ?? '?'} (01 supported)`);
    const terminalData = concat(ctx.data.terminal('9F37')!, ctx.data.terminal('9F02')!, ctx.data.terminal('5F2A')!, cardAuthData);
    const { iccDynamicNumber } = verified('fDDA SDAD', () => verifySdad(sdad, iccKey, terminalData));
    ctx.data.setCard('9F4C', iccDynamicNumber);
    ctx.note('fDDA succeeded');
    return undefined;
  } catch (err) {
    if (!(err instanceof OdaFailure)) throw err;
    ctx.tvr.set('ddaFailed');
    if (err.missingData) ctx.tvr.set('iccDataMissing');
    ctx.note(`fDDA failed: ${err.message}`);
    return err.message;
  }
}
