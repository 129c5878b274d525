/**
 * Every reconstructed ([R]) choice of the financial application as the card is personalised with it
 * (DOMAIN.md §2; docs/pboc.md lists each with its mark): DOLs, AIP, AFL, record layout, logs, card risk
 * rules. The facts the terminal and the issuer host share with the card (AIDs, IAD/CVR layouts, CID, TTQ,
 * script MACs) are in src/spec/pboc.ts and re-exported here. Change a choice in its one place.
 */

export {
  PBOC_AIDS,
  PSE_NAME,
  PPSE_NAME,
  AC_TERMINAL_DATA_TAGS,
  IAD,
  CID,
  CVR,
  APPROVED_ARCS,
  TTQ,
  ICC_DYNAMIC_NUMBER_LENGTH,
  CARD_AUTH_DATA_VERSION,
  SCRIPT_MAC_LENGTH,
  SCRIPT_MAC_WRONG_SW,
  EC_IDD_MAC_LENGTH,
  BLOCKED_SELECT_SW,
  CARD_BLOCKED_SW,
  type CryptogramType,
} from '../../../spec/pboc.js';

/** `Application.id` values registered with the card OS. */
export const PBOC_APP_ID = 'pboc';

export const DIRECTORY_APP_ID = 'pboc-directory';

/**
 * PDOL of an SM-capable card (DOMAIN.md §2 [P]): TTQ, amount, other amount, country, TVR, currency, date,
 * type, unpredictable number, CAPP indicator DF60, SM indicator DF69.
 */
export const PDOL = '9F66049F02069F03069F1A0295055F2A029A039C019F3704DF6001DF6901';

/** CDOL1 (DOMAIN.md §2 example [P]): the 29 standard bytes, then time 9F21 and merchant name 9F4E. */
export const CDOL1 = '9F02069F03069F1A0295055F2A029A039C019F37049F21039F4E14';

/**
 * CDOL2 [R]: authorisation response code, TVR, unpredictable number, and issuer authentication data 91
 * (ARPC ‖ ARC), so that a terminal can authenticate the issuer inside GENERATE AC 2 instead of by
 * EXTERNAL AUTHENTICATE (all zeros in 91 = not supplied).
 */
export const CDOL2 = '8A0295059F3704910A';

/** DDOL [R]: the terminal's unpredictable number only (EMV default DDOL). */
export const DDOL = '9F3704';

/** SDA tag list 9F4A: the AIP is signed with the static data (EMV Book 2 §5.4). */
export const SDA_TAG_LIST = '82';

/**
 * AIP 82 [R]: SDA, DDA, cardholder verification, terminal risk management, issuer authentication (7C 00),
 * the same on both paths: the AIP is part of the signed static data (9F4A = 82), so one value keeps one
 * ICC certificate valid for contact and qPBOC.
 */
export const AIP = '7C00';

/**
 * AFL [R], the same on both paths: SFI 1 record 1 (Track 2), SFI 2 record 1 (static data, signed: the
 * one ODA record), SFI 3 records 1-3 (certificates, SSAD).
 */
export const AFL = '080101001001010118010300';

/**
 * GPO answer format [R]: contact answers format 1 (`80 AIP AFL`), qPBOC format 2 (`77 {…}`, required
 * for the extra data). GENERATE AC answers format 2 (`77 {9F27 9F36 9F26 9F10}`) [R].
 */
export const GPO_FORMAT = { contact: 1, qpboc: 2 } as const;

/**
 * Record layout [R] (SFI → records). SFI 1 Track 2 and name; SFI 2 the static data signed for SDA (PAN,
 * dates, CDOLs, CVM list, IACs …); SFI 3 the certificates and SSAD; SFI 11 transaction log (cyclic),
 * SFI 12 EC load log (cyclic).
 */
export const SFI = { track: 1, static: 2, oda: 3, transactionLog: 11, loadLog: 12 } as const;

/** Log sizes (records) [R]. */
export const LOG_RECORDS = { transaction: 10, load: 10 } as const;

/**
 * Transaction log format 9F4F [R] (a common PBOC layout): date, time, amount, other amount, country,
 * currency, merchant name, type, ATC.
 */
export const TRANSACTION_LOG_FORMAT = '9A039F21039F02069F03069F1A025F2A029F4E149C019F3602';

/**
 * Load log format DF4F [R]: the record is `P1 P2 of the PUT DATA (2) ‖ balance before (6) ‖ balance
 * after (6)` followed by the items of this format (PBOC 3.0 EC load log shape).
 */
export const LOAD_LOG_FORMAT = '9A039F21039F1A029F4E149F3602';

/**
 * Card risk rules at GENERATE AC 1 (contact) [R]. The terminal's request is an upper bound
 * (AAC < TC < ARQC). A TC is downgraded to an ARQC when any of these holds: the offline PIN try limit is
 * exceeded, the last online transaction was not completed, the number of transactions since the last
 * online one reaches `consecutiveOfflineLimit`, or the amount is above `offlineAmountLimit` (fen).
 * A blocked application always answers AAC.
 */
export const DEFAULT_RISK = { consecutiveOfflineLimit: 5, offlineAmountLimit: 0 } as const;

/**
 * CTQ 9F6C the card returns [R]: byte 1 b8 online PIN required above the CVM limit (no), b6 go online
 * if ODA fails (yes), b5 decline if ODA fails and the terminal cannot go online (yes) → 30 00.
 */
export const CTQ = '3000';
