/**
 * Online processing (EMV 4.3 Book 3 §10.9; Book 4 §6.5 authorisation message, JR/T 0025.7): the ARQC
 * and its data go to the issuer as an authorisation request with the ICC data of field 55; the answer
 * (authorisation response code 8A, issuer authentication data 91, issuer scripts 71/72) comes back.
 * Issuer authentication (§10.9): when the AIP says the card supports it and the issuer sent 91, either in
 * tag 91 of the CDOL2 data (when the card's CDOL2 asks for 91 and the terminal is configured so) or by
 * EXTERNAL AUTHENTICATE `00 82 00 00 Lc ARPC ‖ ARC`; failure sets TVR byte 5 b7.
 */
import { ascii, concat, toHex } from '../../../apdu/bytes.js';
import { CommandApdu } from '../../../apdu/command-apdu.js';
import { tlv } from '../../../apdu/tlv/ber-tlv.js';
import { CVR } from '../../../spec/pboc.js';
import type { AuthorisationResponse } from '../../hosts/issuer/issuer-port.js';
import type { KernelContext } from '../context.js';
import { compressedDigits, numericDigits } from '../emv-values.js';
import { cardDol } from './initiate-application-processing.js';

/** The data objects sent in field 55 (Book 4 §6.5.5; JR/T 0025.7), in this order, when present. */
export const ICC_DATA_TAGS = [
  '9F26', '9F27', '9F10', '9F37', '9F36', '95', '9A', '9C', '9F02', '5F2A', '82', '9F1A', '9F03', '9F33', '9F34', '9F35', '9F1E', '84', '9F09', '9F41', '9F63', '9F66', '9F6C', '9F5D', '9F69', '9F79', 'DF31',
] as const;

/** Field 55 of the completion (after GENERATE AC 2): the second cryptogram, the CDOL2 values, the script results. */
export const COMPLETION_TAGS = ['9F26', '9F27', '9F36', '9F10', '8A', '95', '9F37', 'DF31'] as const;

/**
 * BER-TLV of the ICC data (field 55) from the transaction data.
 * @param covered take the values the first cryptogram covered (`ctx.covered`) where there are some
 *   (authorisation, clearing); the completion sends the current ones (CDOL2's)
 */
export function iccData(ctx: KernelContext, tags: readonly string[] = ICC_DATA_TAGS, covered = true): Uint8Array {
  ctx.syncTvr();
  return concat(...tags.flatMap((t) => {
    const v = (covered ? ctx.covered.get(t) : undefined) ?? ctx.data.get(t);
    return v ? [tlv(t, v)] : [];
  }));
}

/** The PAN (5A, else from Track 2 57) and PAN sequence number of the card. */
export function cardPan(ctx: KernelContext): { pan: string | undefined; panSequence: string } {
  const fromPan = ctx.data.card('5A');
  let pan = fromPan ? compressedDigits(fromPan) : undefined;
  if (!pan) {
    const track2 = ctx.data.card('57');
    const m = track2 ? /^([0-9]{12,19})D/.exec(toHex(track2)) : null;
    pan = m?.[1];
  }
  const psn = ctx.data.card('5F34');
  return { pan, panSequence: (psn && psn.length === 1 && numericDigits(psn)) || '00' };
}

export type OnlineResult = { kind: 'response'; response: AuthorisationResponse } | { kind: 'unable'; why: string };

/**
 * Programming errors (and a host refusing the request as malformed, a RangeError) are never "unable to
 * go online": they propagate.
 */
export function isBug(err: unknown): boolean {
  return err instanceof TypeError || err instanceof ReferenceError || err instanceof SyntaxError || err instanceof RangeError;
}

/** Sends the authorisation request (§10.9). A host that cannot be reached is "unable to go online". */
export async function onlineAuthorisation(ctx: KernelContext, channel: 'contact' | 'contactless'): Promise<OnlineResult> {
  const issuer = ctx.deps.issuer;
  if (!issuer || !ctx.config.onlineCapable) return { kind: 'unable', why: 'no issuer host connected' };
  const { pan, panSequence } = cardPan(ctx);
  if (!pan) return { kind: 'unable', why: 'no PAN to route the authorisation' };
  let response: AuthorisationResponse;
  try {
    response = await issuer.authorise({
      transactionId: ctx.transactionId,
      pan,
      panSequence,
      amount: ctx.amount,
      otherAmount: ctx.otherAmount,
      currency: ctx.config.currencyCode,
      transactionType: ctx.transactionType,
      channel,
      iccData: iccData(ctx),
      ...(ctx.onlinePin !== undefined ? { onlinePin: ctx.onlinePin } : {}),
    });
  } catch (err) {
    if (isBug(err)) throw err;
    return { kind: 'unable', why: `issuer host: ${(err as Error).message}` };
  }
  const arc = response.authorisationResponseCode;
  ctx.data.setTerminal('8A', arc.length === 2 ? arc : ascii(response.responseCode));
  ctx.issuer = {
    approved: response.approved,
    responseCode: response.responseCode,
    reason: response.reason,
    ...(response.balance !== undefined ? { balance: response.balance } : {}),
  };
  return { kind: 'response', response };
}

/** The issuer authentication data (91) of a response: the host's 91, else ARPC ‖ ARC. */
function issuerAuthenticationData(response: AuthorisationResponse): Uint8Array | undefined {
  if (response.issuerAuthenticationData && response.issuerAuthenticationData.length >= 8) return response.issuerAuthenticationData;
  if (response.arpc) return concat(response.arpc, response.authorisationResponseCode);
  return undefined;
}

/** How issuer authentication is done in this transaction. */
export type IssuerAuthenticationMode = 'none' | 'cdol2' | 'external-authenticate';

/**
 * Issuer authentication before the second GENERATE AC (§10.9). With `cdol2` the data goes in tag 91 of
 * CDOL2 and the result is read from the card's CVR after GENERATE AC 2 ({@link issuerAuthenticationResult}).
 */
export async function issuerAuthentication(ctx: KernelContext, aip: Uint8Array, response: AuthorisationResponse): Promise<IssuerAuthenticationMode> {
  const data = issuerAuthenticationData(response);
  if ((aip[0]! & 0x04) === 0 || !data) {
    if (data) ctx.note('issuer authentication data received, but the card does not support issuer authentication (AIP)');
    return 'none';
  }
  ctx.tsi.set('issuerAuthenticationPerformed');
  const cdol2 = cardDol(ctx.data.card('8D') ?? new Uint8Array(0), 'CDOL2');
  if (ctx.config.issuerAuthentication === 'cdol2' && cdol2.some((e) => e.tag === '91')) {
    ctx.data.setTerminal('91', data);
    return 'cdol2';
  }
  const r = await ctx.channel.exchange('issuer authentication', CommandApdu.of({ cla: 0x00, ins: 0x82, p1: 0x00, p2: 0x00, data }));
  if (!r.ok) {
    ctx.tvr.set('issuerAuthenticationFailed');
    ctx.note(`issuer authentication failed: EXTERNAL AUTHENTICATE answered ${r.sw.toString(16).toUpperCase()}`);
    if (ctx.issuer) ctx.issuer.authenticated = false;
  } else if (ctx.issuer) ctx.issuer.authenticated = true;
  return 'external-authenticate';
}

/**
 * After GENERATE AC 2 with 91 in CDOL2: the card's verdict is in its CVR (IAD bytes 4-7, PBOC layout of
 * src/spec/pboc.ts, "issuer authentication failed" bit) [R: the terminal reads the PBOC IAD].
 */
export function issuerAuthenticationResult(ctx: KernelContext): void {
  const iad = ctx.data.card('9F10');
  if (!iad || iad.length < 7 || iad[3] !== CVR.length) {
    ctx.note('issuer authentication in GENERATE AC 2: the IAD does not carry a PBOC CVR; result unknown');
    return;
  }
  const [byte, mask] = CVR.issuerAuthFailed;
  const failed = (iad[3 + byte]! & mask) !== 0;
  if (failed) {
    ctx.tvr.set('issuerAuthenticationFailed');
    ctx.note('issuer authentication failed (card verification results)');
  }
  if (ctx.issuer) ctx.issuer.authenticated = !failed;
}
