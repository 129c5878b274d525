/**
 * The financial application's state. `PbocState` persists in `CardImage.apps.pboc` (one state for both
 * interfaces: one ATC, one EC balance — issue 4); `PbocSession` lives in the card OS's session and is
 * cleared by every reset. Amounts are integers in fen (分).
 */
import type { Hex } from '../../runtime/types.js';
import type { CardInterface } from '../../runtime/types.js';
import type { CryptogramType } from './choices.js';

/** Symmetric algorithm of the application keys (DOMAIN.md §2). */
export type PbocAlgorithm = 'SM4' | '3DES';

export interface PbocState {
  format: 'sscard-pboc-state';
  version: 1;
  algorithm: PbocAlgorithm;
  /** PAN digits and PSN (2 digits), also in the records; kept here for key derivation checks. */
  pan: string;
  psn: string;
  /** Application transaction counter 9F36; incremented by every GPO, never decreases. */
  atc: number;
  /** Last online ATC register 9F13 (ATC of the last transaction authorised online with issuer authentication). */
  lastOnlineAtc: number;
  /** True from an ARQC until the issuer has been authenticated in GENERATE AC 2 (CVR "last online not completed"). */
  onlineInProgress: boolean;
  /** Issuer authentication failed in the last online transaction. */
  lastIssuerAuthFailed: boolean;
  /** Offline PIN (digits) and try counter 9F17. */
  pin: { value: string; triesLeft: number; maxTries: number };
  /** APPLICATION BLOCK (84 1E) sets it; APPLICATION UNBLOCK (84 18) clears it. */
  blocked: boolean;
  /** CARD BLOCK (84 16): every payment application and directory refuses selection. */
  cardBlocked: boolean;
  /** Electronic cash (EC) inside the debit application. */
  ec: {
    /** 9F79 balance, fen. Always within [0, balanceLimit]. */
    balance: number;
    /** 9F77 balance limit. */
    balanceLimit: number;
    /** 9F78 single-transaction limit. */
    singleLimit: number;
    /** 9F6D reset threshold. */
    resetThreshold: number;
    /** 9F51 application currency code (n3 as 4 hex digits, "0156" CNY). */
    currency: Hex;
    /** 9F74 issuer authorisation code (ASCII, "ECC001"). */
    issuerAuthCode: string;
  };
  /** Card risk parameters (choices.ts DEFAULT_RISK). */
  risk: { consecutiveOfflineLimit: number; offlineAmountLimit: number };
  /**
   * Card keys. Symmetric: the application UDKs for AC, script MAC and encipherment (diversified from the
   * issuer master keys at personalisation). ICC SM2 private key for DDA/fDDA. No command reads them.
   */
  keys: { ac: Hex; mac: Hex; enc: Hex; iccPrivate: Hex };
  /** Number of issuer script commands processed since the last GPO (CVR byte 4). */
  scriptCommands: number;
  scriptFailed: boolean;
}

/** What the card remembers within one transaction (cleared on reset). */
export interface PbocSession {
  /** Set by GPO. */
  gpo?: {
    iface: CardInterface;
    path: 'contact' | 'qpboc';
    atc: number;
    /** Transaction data from the PDOL (hex, by tag). */
    pdol: Record<string, Hex>;
  };
  pinVerified?: boolean;
  pinFailed?: boolean;
  /** First GENERATE AC (or the qPBOC cryptogram) of this transaction. */
  gac1?: { type: CryptogramType; ac: Hex; atc: number; cdol1: Record<string, Hex> };
  gac2?: { type: CryptogramType };
  /** EXTERNAL AUTHENTICATE / tag 91 result. */
  issuerAuth?: 'ok' | 'failed';
  arc?: Hex;
}

/** Highest ATC (2 bytes). At the limit GPO answers 6985 (the card is at end of life). */
export const ATC_MAX = 0xffff;
