/**
 * The social-security reader kernel: what a hospital terminal does with a 社会保障卡 (LD/T 32.7
 * application flows; LD/T 33 terminal interface: iReadCardBas, iReadCard, iVerifyPIN, iChangePIN,
 * iReloadPIN, iUnblockPIN, iDoDebit, PKI_SignData/PKI_VerifySign), over a connected `CardReader` and,
 * where the flow needs one, a PSAM behind a `PsamPort`.
 *
 * Every operation first runs the card check of LD/T 32.7 §5.4 once per connection (steps/card-check.ts):
 * a card that is counterfeit, blacklisted, blocked or not a social-security card stops there, and that
 * outcome is what every operation returns. The steps are one function per specification section in
 * `steps/`; outcomes are data (outcomes.ts); only an unreachable card or PSAM throws (`TransportError`).
 */
import type { CardReader } from '../../reader.js';
import type { DebitAmounts } from '../../../spec/ssse/medical-debit.js';
import type { ItemFile } from '../../../spec/ssse/data-items.js';
import { toHex } from '../../../apdu/bytes.js';
import { TransportError } from '../../../apdu/transport.js';
import { basicInformationOf, type BasicInformation } from './basic-information.js';
import { Blacklist } from './blacklist.js';
import { createContext, type KernelContext, type KernelOptions } from './context.js';
import { iReadCardBasLine, type TerminalIdentity } from './ireadcardbas.js';
import { medicalInformationOf, offlineSettlementOf, type MedicalInformation, type OfflineSettlement } from './medical-information.js';
import { badResponse, isInterruption, type Interruption } from './outcomes.js';
import { checkCard, type CardCheckOutcome } from './steps/card-check.js';
import { externalAuthenticate } from './steps/external-auth.js';
import { authenticateIdentity, type IdentityOutcome } from './steps/identity.js';
import { medicalDebit, readMedicalBalance, type DebitOutcome, type MedicalBalanceOutcome } from './steps/medical-debit.js';
import { changePin, pinStatus, reloadPin, unblockPin, verifyPin, type PinOutcome, type PinStatusOutcome } from './steps/pin.js';
import { readItemFile, type FileReadOutcome } from './steps/records.js';
import { reselectSsse, selectDf04 } from './steps/select.js';
import { keyedDfOf, updateItem, type WriteOutcome } from './steps/update-record.js';
import type { TrustStore } from './trust.js';

/** A card check that lets the flow go on. */
export type CardAccepted = Extract<CardCheckOutcome, { outcome: 'authentic' | 'unchecked' }>;
/** A card check that stops every flow (counterfeit, blacklisted, blocked, not SSSE, a fault…). */
export type CardRefused = Exclude<CardCheckOutcome, CardAccepted>;

export interface SsseReaderOptions extends KernelOptions {
  /** The terminal's blacklist (default: empty). */
  blacklist?: Blacklist;
  /** 终端设备号 of the iReadCardBas line (default: empty). [R] docs/ssse-reader.md. */
  deviceNumber?: string;
}

export type BasicReadOutcome =
  | { outcome: 'read'; check: CardAccepted['outcome']; basic: BasicInformation; terminal: TerminalIdentity; iReadCardBas: string }
  | CardRefused
  | Interruption;

export type MedicalReadOutcome =
  | {
      outcome: 'read';
      medical: MedicalInformation;
      /** DF04 EF06; undefined when it could not be read (it needs RK_DF04, i.e. a PSAM), with the reason. */
      offline?: OfflineSettlement;
      offlineUnavailable?: string;
    }
  | { outcome: 'unavailable'; detail: string }
  | { outcome: 'blocked'; sw: number }
  | Exclude<PinOutcome, { outcome: 'verified' | 'changed' | 'reloaded' | 'unblocked' }>
  | CardRefused
  | Interruption;

/**
 * Back to the SSSE DDF1 after a flow in another DF. Cleanup only: the flow's own outcome stands; a card
 * that cannot be reached any more is left for the flow's caller to find on its next exchange.
 */
async function restoreSsse(ctx: KernelContext): Promise<void> {
  try {
    await reselectSsse(ctx);
  } catch (err) {
    if (!(err instanceof TransportError)) throw err;
  }
}

export class SsseReader {
  readonly #ctx: KernelContext;
  readonly #blacklist: Blacklist;
  readonly #deviceNumber: string | undefined;
  #check: CardCheckOutcome | undefined;

  constructor(reader: CardReader, options: SsseReaderOptions) {
    if (!reader.connected) throw new TypeError('SsseReader: the reader has no card connected (connect first)');
    this.#ctx = createContext(reader, options);
    this.#blacklist = options.blacklist ?? Blacklist.empty();
    this.#deviceNumber = options.deviceNumber;
  }

  /** The card check (LD/T 32.7 §5.4), run once per connection. */
  async checkCard(): Promise<CardCheckOutcome> {
    this.#check ??= await checkCard(this.#ctx, this.#blacklist);
    return this.#check;
  }

  /** The card check if it let the flow go on, else the outcome to return. */
  async #accepted(): Promise<CardAccepted | CardRefused> {
    return this.checkCard();
  }

  /** 终端机编号 and 终端设备号 of this terminal. */
  terminalIdentity(): TerminalIdentity {
    return {
      ...(this.#ctx.psamInfo ? { terminalNumber: toHex(this.#ctx.psamInfo.terminalId) } : {}),
      ...(this.#deviceNumber ? { deviceNumber: this.#deviceNumber } : {}),
    };
  }

  /** Basic information (EF05, EF06, EF0D) and the iReadCardBas line (LD/T 33 iReadCardBas). */
  async readBasicInformation(): Promise<BasicReadOutcome> {
    const check = await this.#accepted();
    if (check.outcome !== 'authentic' && check.outcome !== 'unchecked') return check;
    const back = await reselectSsse(this.#ctx);
    if (isInterruption(back)) return back;
    const missing: ItemFile[] = [];
    const read = async (file: ItemFile): Promise<FileReadOutcome> => {
      const r = await readItemFile(this.#ctx, file);
      if (r.outcome === 'absent' || r.outcome === 'denied') missing.push(file);
      return r;
    };
    const ef06 = await read('EF06');
    if (isInterruption(ef06)) return ef06;
    const ef0d = await read('EF0D');
    if (isInterruption(ef0d)) return ef0d;
    const items = (r: FileReadOutcome) => (r.outcome === 'read' ? r.items : {});
    const basic = basicInformationOf({ EF05: check.ef05, EF06: items(ef06), EF0D: items(ef0d) }, this.#ctx.card, missing);
    if (typeof basic === 'string') return badResponse('decode basic information', '', basic);
    const terminal = this.terminalIdentity();
    return { outcome: 'read', check: check.outcome, basic, terminal, iReadCardBas: iReadCardBasLine(basic, terminal) };
  }

  /**
   * The medical-insurance files of DF04 (DOMAIN.md §1.2): EF05 behind the PIN; EF06 behind the PIN and
   * RK_DF04 (external authentication through the PSAM; without a PSAM EF06 is reported unavailable).
   */
  async readMedical(pin: string): Promise<MedicalReadOutcome> {
    const check = await this.#accepted();
    if (check.outcome !== 'authentic' && check.outcome !== 'unchecked') return check;
    const ctx = this.#ctx;
    const df = await selectDf04(ctx);
    if (df.outcome === 'unavailable') return { outcome: 'unavailable', detail: `DF04 (医疗保险) is not reachable${ctx.card.interface === 'contactless' ? ' over the contactless interface' : ' on this card'}` };
    if (df.outcome !== 'selected') return df;
    try {
      const v = await verifyPin(ctx, pin);
      if (v.outcome !== 'verified') return v as Exclude<PinOutcome, { outcome: 'verified' | 'changed' | 'reloaded' | 'unblocked' }>;
      const ef05 = await readItemFile(ctx, 'DF04/EF05');
      if (isInterruption(ef05)) return ef05;
      if (ef05.outcome !== 'read') return badResponse('READ RECORD DF04/EF05', '', `the file is ${ef05.outcome} (${ef05.sw.toString(16).toUpperCase()}) after the PIN`, ef05.sw);
      const medical = medicalInformationOf(ef05.items);
      if (typeof medical === 'string') return badResponse('decode DF04/EF05', '', medical);
      if (check.outcome !== 'authentic') return { outcome: 'read', medical, offlineUnavailable: 'DF04 EF06 needs RK_DF04: give a PSAM' };
      const auth = await externalAuthenticate(ctx, 'DF04', 'RK');
      if (isInterruption(auth)) return auth;
      if (auth.outcome !== 'authenticated') return { outcome: 'read', medical, offlineUnavailable: `external authentication with RK_DF04 failed (${auth.outcome})` };
      const ef06 = await readItemFile(ctx, 'DF04/EF06');
      if (isInterruption(ef06)) return ef06;
      if (ef06.outcome !== 'read') return { outcome: 'read', medical, offlineUnavailable: `DF04 EF06 is ${ef06.outcome}` };
      return { outcome: 'read', medical, offline: offlineSettlementOf(ef06.items) };
    } finally {
      // back to the SSSE DDF1 whatever happened (an I/O error propagates from here too)
      await restoreSsse(ctx);
    }
  }

  /** VERIFY the SSSE PIN. */
  async verifyPin(pin: string): Promise<PinOutcome | CardRefused> {
    const check = await this.#accepted();
    if (check.outcome !== 'authentic' && check.outcome !== 'unchecked') return check;
    return verifyPin(this.#ctx, pin);
  }

  /** The PIN's state (verified in this session, tries left, blocked) without presenting it. */
  async pinStatus(): Promise<PinStatusOutcome | CardRefused> {
    const check = await this.#accepted();
    if (check.outcome !== 'authentic' && check.outcome !== 'unchecked') return check;
    return pinStatus(this.#ctx);
  }

  /** CHANGE PIN (the cardholder's: the old PIN and the new). */
  async changePin(oldPin: string, newPin: string): Promise<PinOutcome | CardRefused> {
    const check = await this.#accepted();
    if (check.outcome !== 'authentic' && check.outcome !== 'unchecked') return check;
    return changePin(this.#ctx, oldPin, newPin);
  }

  /** RELOAD PIN (the issuer's, through the PSAM: a new PIN, the counter reset). */
  async reloadPin(newPin: string): Promise<PinOutcome | CardRefused> {
    const check = await this.#accepted();
    if (check.outcome !== 'authentic' && check.outcome !== 'unchecked') return check;
    return reloadPin(this.#ctx, newPin);
  }

  /** PIN UNBLOCK (the issuer's, through the PSAM: the counter reset, optionally a new PIN). */
  async unblockPin(newPin?: string): Promise<PinOutcome | CardRefused> {
    const check = await this.#accepted();
    if (check.outcome !== 'authentic' && check.outcome !== 'unchecked') return check;
    return unblockPin(this.#ctx, newPin);
  }

  /** Writes one data item after external authentication with the file's UK (steps/update-record.ts). */
  async updateItem(file: ItemFile, key: string, value: string): Promise<WriteOutcome | CardRefused | { outcome: 'unavailable'; detail: string } | { outcome: 'blocked'; sw: number }> {
    const check = await this.#accepted();
    if (check.outcome !== 'authentic' && check.outcome !== 'unchecked') return check;
    const ctx = this.#ctx;
    if (keyedDfOf(file) === 'DF04') {
      const df = await selectDf04(ctx);
      if (df.outcome === 'unavailable') return { outcome: 'unavailable', detail: 'DF04 (医疗保险) is not reachable' };
      if (df.outcome !== 'selected') return df;
    } else {
      const back = await reselectSsse(ctx);
      if (isInterruption(back)) return back;
    }
    try {
      return await updateItem(ctx, file, key, value);
    } finally {
      await restoreSsse(ctx);
    }
  }

  /** The offline medical debit (steps/medical-debit.ts). */
  async medicalDebit(amounts: DebitAmounts, pin: string): Promise<DebitOutcome | CardRefused> {
    const check = await this.#accepted();
    if (check.outcome !== 'authentic' && check.outcome !== 'unchecked') return check;
    return medicalDebit(this.#ctx, amounts, pin);
  }

  /** The card's personal-account balance (DF04 GET BALANCE after the PIN; steps/medical-debit.ts). */
  async medicalBalance(pin: string): Promise<MedicalBalanceOutcome | CardRefused> {
    const check = await this.#accepted();
    if (check.outcome !== 'authentic' && check.outcome !== 'unchecked') return check;
    return readMedicalBalance(this.#ctx, pin);
  }

  /**
   * Online identity authentication with the PKI application (steps/identity.ts); the certificate must
   * name the 社会保障号码 of EF06.
   */
  async authenticateIdentity(trust: TrustStore, pin: string): Promise<IdentityOutcome | CardRefused> {
    const check = await this.#accepted();
    if (check.outcome !== 'authentic' && check.outcome !== 'unchecked') return check;
    const back = await reselectSsse(this.#ctx);
    if (isInterruption(back)) return back;
    const ef06 = await readItemFile(this.#ctx, 'EF06', ['idNumber']);
    if (isInterruption(ef06)) return ef06;
    const idNumber = ef06.outcome === 'read' ? ef06.items.idNumber?.value : undefined;
    try {
      return await authenticateIdentity(this.#ctx, trust, pin, idNumber || undefined);
    } finally {
      await restoreSsse(this.#ctx);
    }
  }
}
