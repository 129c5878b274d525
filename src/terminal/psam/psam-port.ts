/**
 * What the terminal's kernels ask of a PSAM (the terminal-side secure access module of LD/T 32.7 /
 * LD/T 32.9; DOMAIN.md §1.4): the contract between the social-security kernel and the PSAM client.
 *
 * The implementation (`psam-client.ts`) speaks APDUs to a PSAM in a reader — the simulated PSAM
 * application (`sscard psam new`, served in-process or through vpcd) or a real PSAM in a SAM slot —
 * so the kernel never sees a key: every card key stays inside the PSAM, which derives it from its
 * issuer master keys (province → city → card) for the one card it works for.
 */
import type { KeyAlgorithm } from '../../spec/card-interface.js';
import type { KeyedDf } from '../../spec/ssse/identifiers.js';
import type { KeyKind } from '../../spec/ssse/keys.js';
import type { DebitAmounts, InitResponse } from '../../spec/ssse/medical-debit.js';

/** The card a PSAM computation is for: the data of the card-level and city-level diversification. */
export interface CardDiversification {
  /** ATR historical bytes T6–TD (8 bytes) — the card level (DOMAIN.md §1.4). */
  cardData: Uint8Array;
  /** The card's issuing region, 6 digits (区划, the first 6 digits of the card identifier) — the city level. */
  region: string;
}

/** A key of the card, by DF and kind (src/spec/ssse/keys.ts). */
export interface CardKeyRef {
  df: KeyedDf;
  kind: KeyKind;
}

/** What the PSAM says about itself once its application is selected. */
export interface PsamInfo {
  algorithm: KeyAlgorithm;
  /** Key version of the master keys it holds (the 17th byte of the SM4 EXTERNAL AUTHENTICATE). */
  keyVersion: number;
  /** 终端机编号: the PSAM's terminal number (6 bytes), used in the medical debit and in iReadCardBas. */
  terminalId: Uint8Array;
  /** The PSAM's serial number (10 bytes, its EF15), when it has one. */
  serial?: Uint8Array;
}

/** MAC1 of a medical DEBIT, with the terminal transaction sequence number the PSAM assigned to it. */
export interface DebitMac1 {
  mac1: Uint8Array;
  /** 终端交易序号 (4 bytes), sent in the DEBIT command. */
  terminalSequence: Uint8Array;
}

/**
 * The PSAM operations the social-security kernel uses. Each rejects with a `PsamError` carrying the
 * PSAM's status word when the PSAM refuses (for example 6A82 no such key, 6985 conditions not
 * satisfied), and with a `TransportError` when the PSAM cannot be reached.
 */
export interface PsamPort {
  /** Selects the PSAM application (third generation: `sx3…`, then DF01) and reads its identity. */
  open(): Promise<PsamInfo>;
  /**
   * Card check (LD/T 32.7 §5.4): whether the card's INTERNAL AUTHENTICATE answer to `challenge`
   * (factor(8) ‖ original data(8)) is right for the card's IRK.
   */
  verifyInternalAuthentication(card: CardDiversification, key: CardKeyRef, challenge: Uint8Array, answer: Uint8Array): Promise<boolean>;
  /** The 8-byte EXTERNAL AUTHENTICATE cryptogram of the card's challenge `random` under the card key. */
  externalAuthenticationCryptogram(card: CardDiversification, key: CardKeyRef, random: Uint8Array): Promise<Uint8Array>;
  /**
   * The 4-byte secure-messaging MAC (DOMAIN.md §1.4) of `macInput` (CLA‖INS‖P1‖P2‖Lc‖data, Lc counting
   * the MAC) under the session key of the card key and the card's challenge `random`.
   */
  secureMessagingMac(card: CardDiversification, key: CardKeyRef, random: Uint8Array, macInput: Uint8Array): Promise<Uint8Array>;
  /** Enciphers `LD ‖ data ‖ 80 00…` (DOMAIN.md §1.4 "Encryption") under the session key of the card key and `random`. */
  encipher(card: CardDiversification, key: CardKeyRef, random: Uint8Array, data: Uint8Array): Promise<Uint8Array>;
  /**
   * The 4-byte key-management MAC (DOMAIN.md §1.4: the static card key, IV = the card's `challenge` cut or
   * padded with 00 to the cipher block) of `macInput` (CLA‖INS‖P1‖P2‖Lc‖data, Lc counting the MAC): PIN
   * reload (80 5E 00 00, RPK), PIN change/unblock (84 24, PUK), application block/unblock (UK).
   */
  keyManagementMac(card: CardDiversification, key: CardKeyRef, challenge: Uint8Array, macInput: Uint8Array): Promise<Uint8Array>;
  /**
   * Enciphers `LD ‖ data ‖ 80 00…` under the static card key (no session key): the new PIN of PIN
   * CHANGE/UNBLOCK with P2 = 01 (84 24 00 01), under the PUK.
   */
  keyManagementEncipher(card: CardDiversification, key: CardKeyRef, data: Uint8Array): Promise<Uint8Array>;
  /** MAC1 of an offline medical debit from the card's INIT answer (LD/T 32.9; layouts in src/spec/ssse/medical-debit.ts). */
  medicalDebitMac1(card: CardDiversification, init: InitResponse, amounts: DebitAmounts, time: Uint8Array): Promise<DebitMac1>;
  /** Checks MAC2 and the TAC of the DEBIT answer. */
  verifyMedicalDebit(card: CardDiversification, amounts: DebitAmounts, mac1: DebitMac1, time: Uint8Array, answer: { tac: Uint8Array; mac2: Uint8Array }): Promise<{ mac2: boolean; tac: boolean }>;
}

/** A PSAM that answered a status word other than success. */
export class PsamError extends Error {
  override name = 'PsamError';
  constructor(
    readonly operation: string,
    readonly sw: number,
    message: string,
  ) {
    super(message);
  }
}
