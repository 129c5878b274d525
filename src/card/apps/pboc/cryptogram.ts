/**
 * Card-side cryptogram helpers: session keys from the ATC, the application cryptogram, the IAD with its
 * CVR, the EC balance MAC, the ARPC check and the issuer-script MAC (DOMAIN.md §2; choices.ts [R]).
 * Keys come from the persistent state and never leave this module in a response.
 */
import { concat, constantTimeEqual, fromHex } from '../../../apdu/bytes.js';
import { AC_TERMINAL_DATA_TAGS, CVR, EC_IDD_MAC_LENGTH, IAD, SCRIPT_MAC_LENGTH } from './choices.js';
import type { CryptogramType } from './choices.js';
import { pbocCrypto } from './crypto.js';
import { toN12 } from './amounts.js';
import type { PbocSession, PbocState } from './state.js';

/** The session key of one of the application UDKs at an ATC. */
export function sessionKey(state: PbocState, which: 'ac' | 'mac' | 'enc', atc: number): Uint8Array {
  return pbocCrypto.sessionKey(state.algorithm, fromHex(state.keys[which]), atc);
}

/** 2-byte ATC. */
export function atcBytes(atc: number): Uint8Array {
  return Uint8Array.of(atc >> 8, atc & 0xff);
}

/**
 * Card verification results (4 bytes, `03 ‖ b1 b2 b3`) for the current transaction [R].
 * @param gac1 type returned (or being returned) by the first cryptogram
 * @param gac2 type of the second, or undefined when not requested
 */
export function buildCvr(state: PbocState, session: PbocSession, gac1: CryptogramType, gac2?: CryptogramType): Uint8Array {
  const cvr = Uint8Array.of(CVR.length, 0, 0, 0);
  cvr[1] = (gac2 === undefined ? CVR.gac2.NONE : gac2 === 'TC' ? CVR.gac2.TC : CVR.gac2.AAC) | CVR.gac1[gac1];
  const set = ([i, bit]: readonly [number, number]) => {
    cvr[i] = cvr[i]! | bit;
  };
  if (session.issuerAuth === 'failed') set(CVR.issuerAuthFailed);
  if (session.pinVerified || session.pinFailed) set(CVR.offlinePinPerformed);
  if (session.pinFailed && !session.pinVerified) set(CVR.offlinePinFailed);
  if (state.onlineInProgress && session.gac1 === undefined) set(CVR.lastOnlineNotCompleted);
  if (state.pin.triesLeft === 0) set(CVR.pinTryLimitExceeded);
  if (state.scriptFailed) set(CVR.scriptFailed);
  cvr[3] = cvr[3]! | (Math.min(15, state.scriptCommands) << 4);
  return cvr;
}

/**
 * The application cryptogram over `terminal data (choices.AC_TERMINAL_DATA_TAGS) ‖ extra ‖ AIP ‖ ATC ‖ CVR`
 * under the AC session key of the ATC.
 */
export function applicationCryptogram(
  state: PbocState,
  atc: number,
  terminal: Record<string, string>,
  aip: Uint8Array,
  cvr: Uint8Array,
  extra: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const data = concat(...AC_TERMINAL_DATA_TAGS.map((t) => fromHex(terminal[t] ?? '', t)), extra, aip, atcBytes(atc), cvr);
  return pbocCrypto.applicationCryptogram(state.algorithm, sessionKey(state, 'ac', atc), data);
}

/**
 * IAD 9F10: `07 | DKI | CVN | CVR(4) | algorithm ID` [+ `0A | 01 ‖ EC balance(5) ‖ MAC(4)`].
 */
export function buildIad(state: PbocState, atc: number, cvn: number, cvr: Uint8Array, ecBalance?: number): Uint8Array {
  const fixed = concat(Uint8Array.of(IAD.fixedLength, IAD.dki, cvn), cvr, Uint8Array.of(IAD.algorithmId[state.algorithm]));
  if (ecBalance === undefined) return fixed;
  const balance5 = toN12(ecBalance).subarray(1);
  const mac = pbocCrypto
    .mac(state.algorithm, sessionKey(state, 'mac', atc), concat(Uint8Array.of(IAD.eccIddId), balance5, atcBytes(atc)))
    .subarray(0, EC_IDD_MAC_LENGTH);
  return concat(fixed, Uint8Array.of(1 + 5 + EC_IDD_MAC_LENGTH, IAD.eccIddId), balance5, mac);
}

/** Checks an ARPC (method 1) against the ARQC of this transaction. */
export function arpcValid(state: PbocState, atc: number, arqc: Uint8Array, arpc: Uint8Array, arc: Uint8Array): boolean {
  const expected = pbocCrypto.arpc(state.algorithm, sessionKey(state, 'ac', atc), arqc, arc);
  return constantTimeEqual(expected, arpc);
}

/**
 * Issuer-script MAC [R]: over `CLA INS P1 P2 Lc ‖ ATC ‖ AC of GENERATE AC 1 ‖ data without MAC`.
 */
export function scriptMac(state: PbocState, atc: number, header: Uint8Array, lc: number, ac: Uint8Array, body: Uint8Array): Uint8Array {
  const input = concat(header, Uint8Array.of(lc), atcBytes(atc), ac, body);
  return pbocCrypto.mac(state.algorithm, sessionKey(state, 'mac', atc), input).subarray(0, SCRIPT_MAC_LENGTH);
}
