/**
 * The financial application's protocol facts that the card, the terminal's kernels and the issuer host
 * share (PBOC 3.0, JR/T 0025.5/.7/.12; EMV 4.3 Book 3; DOMAIN.md §2): application identifiers, the IAD
 * and CVR layouts, cryptogram types, TTQ bits, the script-MAC and EC-balance MAC layouts. [R] marks a
 * reconstruction (docs/pboc.md lists each); change a choice here, and both sides follow.
 */

/** Application identifiers (DOMAIN.md §2 [C]). */
export const PBOC_AIDS = {
  debit: 'A000000333010101',
  credit: 'A000000333010102',
  quasiCredit: 'A000000333010103',
  electronicCash: 'A000000333010106',
} as const;

/** PSE (contact) and PPSE (contactless) DF names (DOMAIN.md §2 [C]). */
export const PSE_NAME = '315041592E5359532E4444463031';
export const PPSE_NAME = '325041592E5359532E4444463031';

/**
 * Number of bytes of CDOL1 data that enter the application cryptogram [R]: the standard EMV set
 * 9F02 ‖ 9F03 ‖ 9F1A ‖ 95 ‖ 5F2A ‖ 9A ‖ 9C ‖ 9F37 (29 bytes). Time and merchant name are not MACed.
 */
export const AC_TERMINAL_DATA_TAGS = ['9F02', '9F03', '9F1A', '95', '5F2A', '9A', '9C', '9F37'] as const;

/**
 * IAD 9F10 [P/C with R details]: `07 | DKI | CVN | CVR(4) | algorithm ID` then, when the EC balance
 * took part, `0A | 01 ‖ EC balance(5) ‖ MAC(4)`.
 */
export const IAD = {
  fixedLength: 0x07,
  dki: 0x01,
  cvn: { contact: 0x01, qpboc: 0x17 },
  algorithmId: { SM4: 0x04, '3DES': 0x01 },
  eccIddId: 0x01,
} as const;

/** CID 9F27 values (EMV Book 3 §6.5.5.4). */
export const CID = { AAC: 0x00, TC: 0x40, ARQC: 0x80 } as const;
export type CryptogramType = keyof typeof CID;

/**
 * CVR bits [R], laid out like the VIS card verification results carried in the PBOC IAD (byte 0 is the
 * length 03).
 */
export const CVR = {
  length: 0x03,
  // byte 1: b8-7 GAC2 type (00 AAC, 01 TC, 10 not requested), b6-5 GAC1 type (00 AAC, 01 TC, 10 ARQC)
  gac2: { AAC: 0x00, TC: 0x40, NONE: 0x80 },
  gac1: { AAC: 0x00, TC: 0x10, ARQC: 0x20 },
  issuerAuthFailed: [1, 0x08],
  offlinePinPerformed: [1, 0x04],
  offlinePinFailed: [1, 0x02],
  // byte 2
  lastOnlineNotCompleted: [2, 0x80],
  pinTryLimitExceeded: [2, 0x40],
  offlineLimitExceeded: [2, 0x20],
  // byte 3: b8-5 number of issuer script commands, b4 script failed
  scriptFailed: [3, 0x08],
} as const;

/** Authorisation response codes treated as approval in GENERATE AC 2 (ASCII "00"). [R: "00" only] */
export const APPROVED_ARCS = ['3030'] as const;

/**
 * TTQ 9F66 bits read by the card (DOMAIN.md §2 [C]): byte 1 b7 full PBOC, b6 qPBOC, b4 offline-only
 * reader; byte 2 b8 online cryptogram required.
 */
export const TTQ = {
  fullPboc: [0, 0x40],
  qpboc: [0, 0x20],
  offlineOnly: [0, 0x08],
  onlineCryptogramRequired: [1, 0x80],
  fddaSupported: [3, 0x80],
} as const;

/**
 * ICC dynamic data [R] for DDA and fDDA: `length ‖ ICC dynamic number`, the number being 4 fresh random
 * bytes — for fDDA the same bytes are the card unpredictable number of 9F69.
 */
export const ICC_DYNAMIC_NUMBER_LENGTH = 4;

/** Card authentication related data 9F69 [R]: `01 (version) ‖ card unpredictable number(4) ‖ CTQ(2)`. */
export const CARD_AUTH_DATA_VERSION = 0x01;

/**
 * Issuer script secure messaging [R]: the MAC is `pbocMac(alg, SK_MAC, …)` (4 leftmost bytes) over
 * `CLA INS P1 P2 Lc ‖ ATC ‖ ARQC(the AC of GENERATE AC 1 of this session) ‖ data without the MAC`, with
 * Lc counting the MAC (DOMAIN.md §2 for EC load [C]; generalised to every script command). SK_MAC is the
 * session key of the MAC UDK at the current ATC. A wrong MAC answers 6988 (SM data wrong).
 */
export const SCRIPT_MAC_LENGTH = 4;

export const SCRIPT_MAC_WRONG_SW = 0x6988;

/**
 * The EC balance MAC inside the IAD [R]: `pbocMac(alg, SK_MAC, 01 ‖ balance(5) ‖ ATC(2))`, 4 bytes.
 */
export const EC_IDD_MAC_LENGTH = 4;

/**
 * SM2 ODA layouts (certificates 90/9F46, SSAD 93, SDAD 9F4B) and the signer ID 1234567812345678 [R]
 * are the crypto layer's single choice: src/crypto/cert/pboc-cert.ts PBOC_SM2_LAYOUT.
 */

/**
 * qPBOC decision at GPO [R], in order:
 * 1. application blocked → decline (AAC);
 * 2. TTQ "online cryptogram required", or the transaction currency is not the EC currency → online
 *    (ARQC) unless the reader is offline-only, then decline;
 * 3. amount ≤ EC balance, amount ≤ 9F78 single-transaction limit and the reader supports fDDA → offline
 *    approval (TC, EC debited, 9F4B);
 * 4. otherwise online (ARQC) — or decline (AAC) when the reader is offline-only.
 * Implemented by `qpbocDecision` in gpo.ts, which reads only the constants of this file.
 */

/** Status word of SELECT on a blocked application (EMV: 6283 selected file invalidated, FCI returned). */
export const BLOCKED_SELECT_SW = 0x6283;

/**
 * CARD BLOCK (84 16) through the financial application blocks the payment applications (PSE, PPSE and
 * the ADF: `PbocState.cardBlocked`), not the social-security applications — the two accounts are
 * independent (issue 4) [R]. SELECT of any of them then answers this status word (EMV: 6A81).
 */
export const CARD_BLOCKED_SW = 0x6a81;

/**
 * Issuer script commands the card accepts (EMV 4.3 Book 3 §10.10 and the PBOC application's own
 * commands, JR/T 0025.5; DOMAIN.md §2 [C]), as `[CLA, INS, P1, P2]` (P1P2 of PUT DATA is the tag,
 * of UPDATE RECORD the record and SFI, of PIN CHANGE/UNBLOCK 0000 unblock / 0002 change). Every one
 * ends with the script MAC (`SCRIPT_MAC_LENGTH`).
 */
export const SCRIPT_COMMANDS = {
  putData: [0x04, 0xda],
  updateRecord: [0x04, 0xdc],
  applicationBlock: [0x84, 0x1e, 0x00, 0x00],
  applicationUnblock: [0x84, 0x18, 0x00, 0x00],
  cardBlock: [0x84, 0x16, 0x00, 0x00],
  pinUnblock: [0x84, 0x24, 0x00, 0x00],
  pinChange: [0x84, 0x24, 0x00, 0x02],
} as const;

/**
 * PIN CHANGE (84 24 00 02) data [R]: the new PIN as an ISO 9564-1 format 2 PIN block (8 bytes:
 * `2L PPPP…FF`), followed by `80 00…` only when it does not fill the cipher's block (SM4: 16 bytes;
 * 3DES: the 8-byte block is enciphered as it is), enciphered in ECB under the session key of the ENC
 * UDK at the transaction's ATC.
 */
export const PIN_CHANGE_BLOCK_FORMAT = 0x2;
