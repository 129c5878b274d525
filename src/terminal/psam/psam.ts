/**
 * A simulated PSAM (terminal-side secure access module) for the SSSE application, DOMAIN.md §1.4. It holds
 * the issuer's master keys (a profile's TEST keys) and computes, for one card at a time:
 *
 * - the card's keys, diversified province → city → card from the ATR historical bytes T6–TD;
 * - the check of the card's INTERNAL AUTHENTICATE answer (card check flow, LD/T 32.7 §5.4);
 * - the cryptogram of EXTERNAL AUTHENTICATE for the card's challenge (third-generation sequence: card
 *   `0084000008` → R; PSAM computes E_DK(R ‖ 00×8) folded to 8 bytes; card `0082 00 ref 11 ‖ fold ‖ R ‖ kv`);
 * - the MAC of an UPDATE RECORD/BINARY with secure messaging (`04 DC …`, session key from the card's
 *   challenge) and the medical-debit MAC1 / TAC / MAC2.
 *
 * The typed API is the main interface; `transmit` offers the same through PSAM-style APDUs (psam-apdu.ts).
 */
import { concat, constantTimeEqual, fromHex, uintBE } from '../../apdu/bytes.js';
import { ssseAuthData, ssseCardKey, ssseSessionKey } from '../../crypto/kdf.js';
import { ssseMac } from '../../crypto/mac.js';
import type { RandomSource } from '../../env.js';
import type { KeyAlgorithm } from '../../card/runtime/types.js';
import type { KeyKind, KeyedDf, Profile } from '../../card/personalize/profile.js';
import { KEY_SPECS } from '../../card/apps/ssse/keys.js';
import { diversificationBytes } from '../../spec/ssse/atr-historical.js';
import { debitMac, debitSessionKey, debitTac } from '../../card/apps/ssse/medical-debit-crypto.js';
import {
  mac1Input,
  mac2Input,
  tacInput,
  type DebitAmounts,
  type InitResponse,
} from '../../spec/ssse/medical-debit.js';

/** What a PSAM is loaded with. */
export interface PsamConfig {
  algorithm: KeyAlgorithm;
  /** Issuer region code (province and city levels of the diversification). */
  regionCode: string;
  keyVersion: number;
  masterKeys: Profile['masterKeys'];
}

/** The card the PSAM works for: its ATR historical bytes (or just T6–TD). */
export interface CardDiversification {
  /** T6–TD (8 bytes), or the whole historical bytes (the last 8 are taken). */
  historical: Uint8Array;
}

export class Psam {
  readonly #config: PsamConfig;

  constructor(
    config: PsamConfig,
    private readonly random: RandomSource,
  ) {
    if (!/^\d{6}$/.test(config.regionCode)) throw new RangeError(`Psam: regionCode must be 6 digits, got ${JSON.stringify(config.regionCode)}`);
    this.#config = { ...config };
  }

  /** A PSAM loaded with a profile's master keys. */
  static fromProfile(profile: Profile, random: RandomSource): Psam {
    return new Psam(
      { algorithm: profile.algorithm, regionCode: profile.issuer.regionCode, keyVersion: profile.keyVersion, masterKeys: profile.masterKeys },
      random,
    );
  }

  get algorithm(): KeyAlgorithm {
    return this.#config.algorithm;
  }

  get keyVersion(): number {
    return this.#config.keyVersion;
  }

  /**
   * The card's key of a DF and kind, derived in three levels (DOMAIN.md §1.4).
   * @throws RangeError when the PSAM has no master key for it
   */
  cardKey(df: KeyedDf, kind: KeyKind, card: CardDiversification): Uint8Array {
    const master = this.#config.masterKeys[df]?.[kind];
    if (!master) throw new RangeError(`Psam.cardKey: no master key ${kind} for ${df}`);
    return ssseCardKey(this.#config.algorithm, fromHex(master), this.#config.regionCode, diversificationBytes(card.historical));
  }

  /** Random factor ‖ original data (8 + 8 bytes) for INTERNAL AUTHENTICATE (card check). */
  internalAuthChallenge(): Uint8Array {
    return this.random(16);
  }

  /**
   * Checks the card's INTERNAL AUTHENTICATE answer: SK = E_IRK(factor), expected = E_SK(original).
   * @param challenge factor(8) ‖ original(8) as sent
   * @param answer the card's 8 bytes
   */
  verifyInternalAuth(df: KeyedDf, card: CardDiversification, challenge: Uint8Array, answer: Uint8Array): boolean {
    if (challenge.length !== 16) throw new RangeError(`verifyInternalAuth: challenge must be 16 bytes, got ${challenge.length}`);
    const irk = this.cardKey(df, 'IRK', card);
    const sk = ssseSessionKey(this.#config.algorithm, irk, challenge.subarray(0, 8));
    const expected = ssseAuthData(this.#config.algorithm, sk, challenge.subarray(8, 16));
    return constantTimeEqual(expected, answer);
  }

  /**
   * EXTERNAL AUTHENTICATE data for the card's challenge R: fold(E_K(R ‖ 00×8)) ‖ R ‖ key version (17 bytes),
   * to send as `00 82 00 <ref> 11 …` (DOMAIN.md §1.4, third-generation sequence).
   */
  externalAuthenticate(df: KeyedDf, kind: 'UK' | 'RK', card: CardDiversification, challenge: Uint8Array): Uint8Array {
    if (challenge.length !== 8) throw new RangeError(`externalAuthenticate: challenge must be 8 bytes, got ${challenge.length}`);
    const key = this.cardKey(df, kind, card);
    return concat(ssseAuthData(this.#config.algorithm, key, challenge), challenge, Uint8Array.of(this.#config.keyVersion));
  }

  /** The complete EXTERNAL AUTHENTICATE command APDU. */
  externalAuthenticateApdu(df: KeyedDf, kind: 'UK' | 'RK', card: CardDiversification, challenge: Uint8Array): Uint8Array {
    const data = this.externalAuthenticate(df, kind, card, challenge);
    return concat(Uint8Array.of(0x00, 0x82, 0x00, KEY_SPECS[kind].reference, data.length), data);
  }

  /**
   * Secure-messaging MAC of a command (DOMAIN.md §1.4): session key SK = E_K(challenge), MAC over
   * CLA ‖ INS ‖ P1 ‖ P2 ‖ Lc(+4) ‖ data. Returns the complete command with the MAC appended.
   * @param command the plain command (CLA with the SM bit, e.g. `04 DC 01 2C 0B …`), case 3
   */
  secureMessaging(df: KeyedDf, kind: KeyKind, card: CardDiversification, challenge: Uint8Array, command: Uint8Array): Uint8Array {
    if (command.length < 5 || command[4] !== command.length - 5) {
      throw new RangeError('secureMessaging: command must be a case-3 short APDU (header ‖ Lc ‖ data)');
    }
    const key = this.cardKey(df, kind, card);
    const sk = ssseSessionKey(this.#config.algorithm, key, challenge);
    const lc = command[4]! + 4;
    const macInput = concat(command.subarray(0, 4), Uint8Array.of(lc), command.subarray(5));
    const mac = ssseMac(this.#config.algorithm, sk, macInput);
    return concat(command.subarray(0, 4), Uint8Array.of(lc), command.subarray(5), mac);
  }

  /**
   * MAC1 of a medical DEBIT (DOMAIN.md §1.4; layout in src/spec/ssse/medical-debit.ts) from the card's INIT
   * response. Returns MAC1 and the session key (kept by the terminal to check MAC2).
   */
  debitMac1(card: CardDiversification, init: InitResponse, amounts: DebitAmounts, terminalId: Uint8Array, terminalSequence: Uint8Array, time: Uint8Array): { mac1: Uint8Array; sessionKey: Uint8Array } {
    const dpk = this.cardKey('DF04', 'DPK', card);
    const sessionKey = debitSessionKey(this.#config.algorithm, dpk, init.random, uintBE(init.sequence, 2), terminalSequence);
    return { mac1: debitMac(this.#config.algorithm, sessionKey, mac1Input(amounts, terminalId, time)), sessionKey };
  }

  /** Checks MAC2 of the DEBIT response. */
  verifyDebitMac2(sessionKey: Uint8Array, amounts: DebitAmounts, mac2: Uint8Array): boolean {
    return constantTimeEqual(debitMac(this.#config.algorithm, sessionKey, mac2Input(amounts)), mac2);
  }

  /** Checks the TAC of the DEBIT response. */
  verifyDebitTac(card: CardDiversification, amounts: DebitAmounts, terminalId: Uint8Array, terminalSequence: Uint8Array, time: Uint8Array, tac: Uint8Array): boolean {
    const dtk = this.cardKey('DF04', 'DTK', card);
    return constantTimeEqual(debitTac(this.#config.algorithm, dtk, tacInput(amounts, terminalId, terminalSequence, time)), tac);
  }
}
