/**
 * Hospital settlement (就医结算; DOMAIN.md §4, §4.1, §5): one visit settled against the card's two
 * independent accounts, at a hospital window with one card.
 *
 * 1. The card, by the social-security kernel: card check (through the PSAM when there is one), basic
 *    information, the PIN (contact; LD/T 32.7 §5.4, LD/T 33 iReadCardBas / iVerifyPIN).
 * 2. The card's life: the social-security area must be usable (CardStatusPort).
 * 3. The centre: 1101 (certificate type 03 with card_sn) → 2201 → 2204 → 2206 (shown) → 2207 — the
 *    pooled fund and the personal account are charged at the centre (inpatient: 2401 → 2301 → 2303 →
 *    2304).
 * 4. The bank: the cash part (psn_cash_pay) by a PBOC transaction on the same card — the contact kernel
 *    with an online ARQC, or qPBOC online when the terminal is contactless and the amount allows —
 *    through the issuer host. A cash part of 0 is no bank transaction.
 * 5. One receipt with both parts.
 *
 * The two accounts stay independent: the bank is asked for psn_cash_pay only, never for what the
 * medical side pays, never instead of it. If the bank part fails the medical part is reversed (2208 /
 * 2305 when the settlement is known, 2601 when its answer was lost); a repeated bill charges nothing
 * and gives the first receipt; `cancel` reverses both parts; `recover` (run first by every `settle` and
 * `cancel`) completes or reverses every visit a crash interrupted, from the write-ahead journal
 * (settlement/journal.ts). Offline (`offline: true`): the card's own medical debit (B0 28 / B0 2C through
 * the PSAM) with the split the terminal computes from the same policy and catalogue (settlement/offline-split.ts).
 *
 * The flow composes kernels and hosts; it sends no APDU of its own.
 */
import { toHex } from '../../apdu/bytes.js';
import { TransportError } from '../../apdu/transport.js';
import type { Clock, RandomSource } from '../../env.js';
import type { Logger } from '../../log.js';
import { silentLogger } from '../../log.js';
import type { TerminalConfig } from '../config/terminal-config.js';
import {
  admissionOfBill,
  billContext,
  inpatientFeesOfBill,
  inpatientSettlementOfBill,
  outpatientFeesOfBill,
  outpatientSettlementOfBill,
  registrationOfBill,
  type Bill,
  type BillPatient,
} from '../hosts/medical-insurance/bill.js';
import type { CatalogueSet } from '../hosts/medical-insurance/catalogue.js';
import type { MedicalInsuranceCentre, MessageContext } from '../hosts/medical-insurance/centre.js';
import { chinaTime } from '../hosts/medical-insurance/china-time.js';
import type { Insutype } from '../hosts/medical-insurance/codes.js';
import { loadCatalogues, loadPolicies } from '../hosts/medical-insurance/data-files.js';
import { CentreError } from '../hosts/medical-insurance/errors.js';
import type { SettlementOutput } from '../hosts/medical-insurance/outputs.js';
import type { PolicySet } from '../hosts/medical-insurance/policy.js';
import { CardAccountError, readCardAccountData } from '../hosts/issuer/card-account.js';
import { IssuerRequestError } from '../hosts/issuer/issuer-host.js';
import type { IssuerPort } from '../hosts/issuer/issuer-port.js';
import { scriptedPinPad, type PinPad } from '../kernels/context.js';
import { maskPan } from '../kernels/emv-values.js';
import type { Blacklist } from '../kernels/ssse-reader/blacklist.js';
import { describeOutcome } from '../kernels/ssse-reader/describe.js';
import { SsseReader } from '../kernels/ssse-reader/kernel.js';
import type { PsamPort } from '../psam/psam-port.js';
import type { CardReader } from '../reader.js';
import { CARD_AREA_WORDS, CARD_UNUSABLE_WORDS, noCardStatusChecks, type CardArea, type CardRef, type CardStatusPort } from './card-status.js';
import { chargeBank } from './settlement/bank-part.js';
import { billKeyOf, JournalConflictError, type JournalPoint, type JournalVisit, type SettlementJournal, type StepName, type StepPhase, type VisitData, type VisitState } from './settlement/journal.js';
import { OFFLINE_YEAR_RULE, offlineSplit, OfflineSplitError } from './settlement/offline-split.js';
import { noBankPart, receiptOf, splitOf } from './settlement/receipt.js';
import type {
  BankPart,
  CancelResult,
  CardHolder,
  RecoveryReport,
  SettlementReason,
  SettlementReasonCode,
  SettlementReceipt,
  SettlementResult,
  SettlementSplit,
  SettlementStage,
} from './settlement/types.js';

export type * from './settlement/types.js';
export type { JournalPoint, SettlementJournal, JournalVisit, VisitState } from './settlement/journal.js';
export type { CardStatusPort, CardArea, CardRef, CardUsability } from './card-status.js';
export { noCardStatusChecks } from './card-status.js';

type Awaitable<T> = T | Promise<T>;
type Method<K extends keyof MedicalInsuranceCentre> = MedicalInsuranceCentre[K] extends (...a: infer A) => infer R ? (...a: A) => Awaitable<R> : never;

/**
 * The centre as the flow calls it: the in-process `MedicalInsuranceCentre` is one (its methods are
 * synchronous); an adapter over the HTTP face could be another. Refusals are `CentreError`s.
 */
export interface CentrePort {
  personInfo: Method<'personInfo'>;
  registerOutpatient: Method<'registerOutpatient'>;
  uploadOutpatientFees: Method<'uploadOutpatientFees'>;
  preSettleOutpatient: Method<'preSettleOutpatient'>;
  settleOutpatient: Method<'settleOutpatient'>;
  cancelOutpatient: Method<'cancelOutpatient'>;
  admit: Method<'admit'>;
  uploadInpatientFees: Method<'uploadInpatientFees'>;
  preSettleInpatient: Method<'preSettleInpatient'>;
  settleInpatient: Method<'settleInpatient'>;
  cancelInpatient: Method<'cancelInpatient'>;
  reverse: Method<'reverse'>;
}

/** A step the cashier may be shown (progress on a terminal). */
export interface SettlementProgress {
  step: 'recover' | 'card' | 'person' | 'register' | 'fees' | 'presettle' | 'settle' | 'bank' | 'card-debit' | 'reversal' | 'cancel' | 'done';
  en: string;
  zh: string;
}

/** Hooks: progress for a terminal, journal points for tests (a test may pause the process there and kill it). */
export interface SettlementHooks {
  /** After every journal write: an `intent` is written before its external step, `done`/`failed` after. */
  journalWritten?(point: JournalPoint): void | Promise<void>;
  progress?(step: SettlementProgress): void;
}

export interface HospitalSettlementDeps {
  centre: CentrePort;
  issuer: IssuerPort;
  journal: SettlementJournal;
  /** The terminal's PBOC/qPBOC configuration (docs/terminal-config.md): merchant, limits, CA keys. */
  terminal: TerminalConfig;
  clock: Clock;
  random: RandomSource;
  log?: Logger;
  /** The card's life (default: `noCardStatusChecks`). */
  cardStatus?: CardStatusPort;
  /** The terminal's blacklist of card identifiers (the social-security kernel's card check). */
  blacklist?: Blacklist;
  /** Offline mode: the policy and catalogue the terminal computes the split with (default: the bundled ones). */
  offlinePolicy?: { policies: PolicySet; catalogues: CatalogueSet };
  /** Whether the social-security PIN is required on the contact interface (default true). */
  requirePin?: boolean;
  hooks?: SettlementHooks;
}

/** The card presented at the window, and what the cardholder enters. */
export interface PresentedCard {
  /** The reader with the cardholder's card (connected or not: the flow connects the interface it needs). */
  reader: CardReader;
  /** The terminal's PSAM (card check, DF04 EF06, the offline debit). */
  psam?: PsamPort;
  /** The social-security PIN (VERIFY on the SSSE application; DF04 offline). */
  pin?: string;
  /** The PIN pad of the bank part (PBOC offline / online PIN); default: `pin` once. */
  bankPinPad?: PinPad;
}

export interface SettlementRequest extends PresentedCard {
  bill: Bill;
  /** Read the card and pay the cash part contactless (qPBOC; contact when the amount is above the contactless limit). */
  contactless?: boolean;
  /** Offline: the card's own medical debit, the split computed at the terminal. */
  offline?: boolean;
}

/** Options of `recover`. */
export interface RecoverOptions {
  /** The card now presented (an offline visit whose card debit is unknown needs its card to decide). */
  card?: PresentedCard;
}

/**
 * The settlement flow of one terminal. Build it once with its hosts and journal; every call runs
 * `recover` first.
 */
export interface HospitalSettlementFlow {
  /** Settles one bill with the presented card. Never throws for a refusal: see `SettlementResult`. */
  settle(request: SettlementRequest): Promise<SettlementResult>;
  /** Cancels a completed online settlement (2208 / 2305 and the bank's reversal), by setl_id or visit ID. */
  cancel(id: string): Promise<CancelResult>;
  /** Completes or reverses every visit an interruption left unfinished (idempotent). */
  recover(options?: RecoverOptions): Promise<RecoveryReport[]>;
  /** The receipt of a completed visit (by visit ID or setl_id). */
  receipt(id: string): SettlementReceipt | undefined;
}

// ------------------------------------------------------------------------------------------------
// Implementation

/** The reason words of each code (receipts, messages, the CLI's one-line errors). */
const REASON_WORDS: Readonly<Record<SettlementReasonCode, readonly [en: string, zh: string]>> = {
  'card-refused': ['The card was refused', '卡片校验未通过'],
  'card-unreachable': ['The card could not be reached', '无法读卡'],
  'card-status': ['The card cannot be used now', '卡片当前不可用'],
  'pin-required': ['The social-security PIN is required', '请输入社保卡密码'],
  'wrong-pin': ['Wrong PIN', '密码错误'],
  'pin-blocked': ['The PIN is blocked', '密码已锁定'],
  'psam-required': ['This needs the terminal\'s PSAM', '需要PSAM卡'],
  'centre-refused': ['Refused by the medical-insurance centre', '医保中心拒绝'],
  'bill-settled-for-another-card': ['The bill was settled with another card', '该费用已用其他卡结算'],
  'bill-in-progress': ['The bill is being settled and could not be finished yet', '该费用正在结算中'],
  'financial-area': ['The cash part cannot be paid by this card\'s bank account', '金融账户不可用，无法支付现金部分'],
  'offline-not-allowed': ['The card does not allow offline settlement', '卡片不允许脱网结算'],
  'offline-split': ['The terminal cannot split this bill offline', '终端无法脱网计算该费用'],
  'bank-declined': ['The bank declined the cash part', '银行拒绝现金部分'],
  'bank-failed': ['The cash part could not be paid by the card', '现金部分支付失败'],
  'card-debit-failed': ['The card\'s own medical debit failed', '卡内医保扣款失败'],
  'not-found': ['No such settlement in this terminal\'s journal', '本终端无此结算记录'],
  'not-cancellable': ['This settlement cannot be cancelled here', '该结算不能在本终端撤销'],
};

/** Builds a reason. */
export function settlementReason(code: SettlementReasonCode, detail?: string): SettlementReason {
  const [en, zh] = REASON_WORDS[code];
  return { code, en, zh, ...(detail !== undefined ? { detail } : {}) };
}

/** One line for a reason: "zh en: detail". */
export function describeReason(r: SettlementReason): string {
  return `${r.zh} ${r.en}${r.detail ? `: ${r.detail}` : ''}`;
}

/** Codes of the msgids a visit uses at the centre (msgid = visit ID ‖ code; at most 30 characters, as 2601's omsgid). */
const MSG = { person: 'P', register: 'R', fees: 'F', presettle: 'Q', settle: 'S', reversal: 'X', cancel: 'C' } as const;

/** A settlement result before the recovery reports are added. */
type FlowOutcome = SettlementResult extends infer R ? (R extends unknown ? Omit<R, 'recovered'> : never) : never;

/** A refusal inside the flow: carried to the top as a result, never past it. */
class Refusal {
  constructor(
    readonly stage: SettlementStage,
    readonly reason: SettlementReason,
    readonly shown?: SettlementSplit,
  ) {}
}

interface ReadCard {
  kernel: SsseReader;
  holder: CardHolder;
}

/** Where a visit's medical part stands, from its journal. */
function stepsOf(flow: { journal: SettlementJournal }, visitId: string, step: StepName, phase?: StepPhase) {
  return flow.journal.steps(visitId).filter((s) => s.step === step && (phase === undefined || s.phase === phase));
}

/** The settlement flow (see the module comment). */
export class HospitalSettlement implements HospitalSettlementFlow {
  readonly journal: SettlementJournal;
  readonly #d: HospitalSettlementDeps;
  readonly #log: Logger;
  readonly #status: CardStatusPort;
  #offlineSources: { policies: PolicySet; catalogues: CatalogueSet } | undefined;

  constructor(deps: HospitalSettlementDeps) {
    this.#d = deps;
    this.journal = deps.journal;
    this.#log = (deps.log ?? silentLogger()).child({ flow: 'hospital-settlement' });
    this.#status = deps.cardStatus ?? noCardStatusChecks;
    this.#offlineSources = deps.offlinePolicy;
  }

  // ---------------------------------------------------------------------------------------- settle

  async settle(request: SettlementRequest): Promise<SettlementResult> {
    const recovered = await this.recover({ card: request });
    try {
      return { ...(await this.#settle(request)), recovered } as SettlementResult;
    } catch (err) {
      if (err instanceof Refusal) return { outcome: 'refused', stage: err.stage, reason: err.reason, ...(err.shown ? { shown: err.shown } : {}), recovered };
      throw err;
    }
  }

  async #settle(request: SettlementRequest): Promise<FlowOutcome> {
    const bill = request.bill;
    const iface = request.contactless ? 'contactless' : 'contact';
    if (request.offline && request.contactless) throw new Refusal('card', settlementReason('offline-not-allowed', 'the offline debit needs the contact interface (DF04 is not reachable contactless)'));
    this.#progress('card', 'reading the card', '读卡');
    const card = await this.#readCard(request, iface, request.offline === true);
    const billKey = billKeyOf(bill);
    const live = this.journal.liveVisitOfBill(billKey);
    if (live) {
      if (live.state === 'settled' && live.cardSn === card.holder.cardSn && live.receipt) {
        this.#log.info({ visitId: live.visitId }, 'repeated bill: the first receipt, nothing charged');
        return { outcome: 'settled', receipt: live.receipt, repeated: true };
      }
      if (live.state === 'settled') throw new Refusal('journal', settlementReason('bill-settled-for-another-card', `visit ${live.visitId} settled it with card ${live.cardSn}`));
      throw new Refusal('journal', settlementReason('bill-in-progress', `visit ${live.visitId} is ${live.state}${live.data.why ? ` (${live.data.why})` : ''}`));
    }
    await this.#checkArea({ cardSn: card.holder.cardSn }, 'social-security', 'card');
    return request.offline ? this.#settleOffline(request, card, billKey) : this.#settleOnline(request, card, billKey);
  }

  /** Card check, basic information, PIN (contact). */
  async #readCard(presented: PresentedCard, iface: 'contact' | 'contactless', needPin: boolean): Promise<ReadCard> {
    try {
      const reader = presented.reader;
      if (!reader.connected || reader.interface !== iface) await reader.connect(iface);
      const kernel = new SsseReader(reader, {
        random: this.#d.random,
        clock: this.#d.clock,
        log: this.#log,
        ...(presented.psam ? { psam: presented.psam } : {}),
        ...(this.#d.blacklist ? { blacklist: this.#d.blacklist } : {}),
      });
      const read = await kernel.readBasicInformation();
      if (read.outcome !== 'read') throw new Refusal('card', settlementReason('card-refused', describeOutcome(read)));
      const b = read.basic;
      if (!b.cardNumber || !b.idNumber || !b.name) {
        const missing = [!b.cardNumber && '卡号', !b.idNumber && '社会保障号码', !b.name && '姓名'].filter(Boolean).join(', ');
        throw new Refusal('card', settlementReason('card-refused', `the card gives no ${missing} on the ${iface} interface`));
      }
      const holder: CardHolder = {
        cardSn: b.cardIdentifier.toUpperCase(),
        cardNo: b.cardNumber,
        certno: b.idNumber,
        name: b.name,
        region: b.region,
        check: read.check,
        interface: iface,
        iReadCardBas: read.iReadCardBas,
      };
      const wantPin = iface === 'contact' && (needPin || this.#d.requirePin !== false || presented.pin !== undefined);
      if (wantPin) {
        if (presented.pin === undefined) throw new Refusal('card', settlementReason('pin-required', 'give the cardholder\'s social-security PIN'));
        const v = await kernel.verifyPin(presented.pin);
        if (v.outcome === 'wrong-pin') throw new Refusal('card', settlementReason('wrong-pin', describeOutcome(v)));
        if (v.outcome === 'pin-blocked') throw new Refusal('card', settlementReason('pin-blocked', describeOutcome(v)));
        if (v.outcome !== 'verified') throw new Refusal('card', settlementReason('card-refused', describeOutcome(v)));
      }
      return { kernel, holder };
    } catch (err) {
      if (err instanceof TransportError) throw new Refusal('card', settlementReason('card-unreachable', err.message));
      throw err;
    }
  }

  async #checkArea(card: CardRef, area: CardArea, stage: SettlementStage): Promise<void> {
    const u = await this.#status.checkUsable(card, area);
    if (u.usable) return;
    const [areaEn, areaZh] = CARD_AREA_WORDS[area];
    const [en, zh] = CARD_UNUSABLE_WORDS[u.reason];
    const code: SettlementReasonCode = area === 'financial' ? 'financial-area' : 'card-status';
    throw new Refusal(stage, settlementReason(code, `${areaZh}${zh} the card's ${areaEn} is ${en}: ${u.detail}`));
  }

  /** SV ‖ yyyyMMddHHmmss (China time) ‖ 6 hex digits: unique in the journal (22 characters). */
  #newVisitId(): string {
    for (;;) {
      const id = `SV${chinaTime(this.#d.clock.now()).compact}${toHex(this.#d.random(3))}`;
      if (!this.journal.visit(id)) return id;
    }
  }

  #ctx(v: { bill: Bill; data: { insuplc_admdvs?: string } }, visitId: string, code: string): MessageContext {
    return billContext(v.bill, `${visitId}${code}`, v.data.insuplc_admdvs);
  }

  #now(): string {
    return this.#d.clock.now().toISOString();
  }

  async #point(point: JournalPoint): Promise<void> {
    await this.#d.hooks?.journalWritten?.(point);
  }

  /** Writes a step (write-ahead for `intent`) and fires the hook. */
  async #write(visitId: string, step: StepName, phase: StepPhase, options: Parameters<SettlementJournal['record']>[4] = {}): Promise<JournalVisit> {
    const v = this.journal.record(visitId, step, phase, this.#now(), options);
    await this.#point({ visitId, step, phase, ...(options.ref ? { ref: options.ref } : {}) });
    return v;
  }

  async #finish(visitId: string, state: VisitState, options: Parameters<SettlementJournal['finish']>[3] = {}): Promise<JournalVisit> {
    const v = this.journal.finish(visitId, state, this.#now(), options);
    await this.#point({ visitId, step: 'finish', phase: 'done' });
    return v;
  }

  #progress(step: SettlementProgress['step'], en: string, zh: string): void {
    this.#d.hooks?.progress?.({ step, en, zh });
  }

  /**
   * One message to the centre, journaled: intent (with its msgid) before, done (with its answer) or
   * failed (a refusal: nothing changed at the centre) after. Other errors leave the intent for recovery.
   */
  async #centre<T>(visitId: string, step: StepName, msgid: string, call: () => T | Promise<T>, patch: (out: T) => { patch?: Partial<VisitData>; setlId?: string } = () => ({})): Promise<T | CentreError> {
    await this.#write(visitId, step, 'intent', { ref: msgid });
    let out: T;
    try {
      out = await call();
    } catch (err) {
      if (!(err instanceof CentreError)) throw err;
      await this.#write(visitId, step, 'failed', { ref: msgid, data: { kind: err.kind, message: err.message } });
      return err;
    }
    await this.#write(visitId, step, 'done', { ref: msgid, ...patch(out) });
    return out;
  }

  // ------------------------------------------------------------------------------- online settlement

  async #settleOnline(request: SettlementRequest, card: ReadCard, billKey: string): Promise<FlowOutcome> {
    const { bill } = request;
    const { holder } = card;
    const centre = this.#d.centre;
    const visitId = this.#newVisitId();
    this.#progress('person', '1101 person information', '1101 人员信息获取');
    let info;
    try {
      info = await centre.personInfo(billContext(bill, `${visitId}${MSG.person}`), {
        mdtrt_cert_type: '03',
        mdtrt_cert_no: holder.cardNo,
        card_sn: holder.cardSn,
        certno: holder.certno,
        psn_name: holder.name,
      });
    } catch (err) {
      if (err instanceof CentreError) throw new Refusal('person', settlementReason('centre-refused', `1101: ${err.message}`));
      throw err;
    }
    const insu = info.insuinfo[0];
    if (!insu) throw new Refusal('person', settlementReason('centre-refused', '1101 answered no insurance (insuinfo is empty)'));
    const patient: BillPatient = { psn_no: info.baseinfo.psn_no, insutype: insu.insutype as Insutype, mdtrt_cert_type: '03', mdtrt_cert_no: holder.cardNo };
    const data: VisitData = {
      holder,
      psn_no: patient.psn_no,
      insutype: patient.insutype,
      insuplc_admdvs: insu.insuplc_admdvs,
      bankRefs: [],
      interface: holder.interface,
      notes: [],
    };
    let v = this.#open({ visitId, billKey, mode: 'online', cardSn: holder.cardSn, bill, data });
    await this.#point({ visitId, step: 'open', phase: 'done' });
    const refuse = async (stage: SettlementStage, reason: SettlementReason, shown?: SettlementSplit): Promise<never> => {
      await this.#finish(visitId, 'refused', { patch: { why: describeReason(reason) } });
      throw new Refusal(stage, reason, shown);
    };
    const outpatient = bill.kind === 'outpatient';

    // 2201 / 2401
    this.#progress('register', outpatient ? '2201 outpatient registration' : '2401 admission', outpatient ? '2201 门诊挂号' : '2401 入院办理');
    const ctx = (code: string) => this.#ctx(v, visitId, code);
    const reg = await this.#centre(
      visitId,
      'register',
      `${visitId}${MSG.register}`,
      () => (outpatient ? centre.registerOutpatient(ctx(MSG.register), { ...registrationOfBill(bill, patient), hcard_basinfo: holder.iReadCardBas }) : centre.admit(ctx(MSG.register), admissionOfBill(bill, patient))),
      (out) => ({ patch: { mdtrt_id: out.mdtrt_id } }),
    );
    if (reg instanceof CentreError) return refuse('register', settlementReason('centre-refused', `${outpatient ? '2201' : '2401'}: ${reg.message}`));
    const mdtrt_id = reg.mdtrt_id;

    // 2204 / 2301
    this.#progress('fees', outpatient ? '2204 fee details' : '2301 fee details', outpatient ? '2204 费用明细上传' : '2301 费用明细上传');
    const fees = await this.#centre(visitId, 'fees', `${visitId}${MSG.fees}`, () =>
      outpatient ? centre.uploadOutpatientFees(ctx(MSG.fees), outpatientFeesOfBill(bill, mdtrt_id, patient.psn_no)) : centre.uploadInpatientFees(ctx(MSG.fees), inpatientFeesOfBill(bill, mdtrt_id, patient.psn_no)),
    );
    if (fees instanceof CentreError) return refuse('fees', settlementReason('centre-refused', `${outpatient ? '2204' : '2301'}: ${fees.message}`));

    // 2206 / 2303: the split shown, nothing charged
    this.#progress('presettle', outpatient ? '2206 pre-settlement' : '2303 pre-settlement', outpatient ? '2206 预结算' : '2303 预结算');
    const outInput = outpatient ? outpatientSettlementOfBill(bill, patient, mdtrt_id) : undefined;
    const inInput = outpatient ? undefined : inpatientSettlementOfBill(bill, patient, mdtrt_id);
    let pre: SettlementOutput;
    try {
      pre = await (outInput ? centre.preSettleOutpatient(ctx(MSG.presettle), outInput) : centre.preSettleInpatient(ctx(MSG.presettle), inInput!));
    } catch (err) {
      if (err instanceof CentreError) return refuse('presettle', settlementReason('centre-refused', `${outpatient ? '2206' : '2303'}: ${err.message}`));
      throw err;
    }
    const shown = splitOf(pre.setlinfo);
    v = await this.#write(visitId, 'presettle', 'done', { ref: `${visitId}${MSG.presettle}`, patch: { shown } });

    // the financial area, before anything is charged, when there is a cash part
    if (shown.psn_cash_pay > 0) {
      try {
        await this.#checkFinancial(request, holder, 'financial-check');
      } catch (err) {
        if (err instanceof Refusal) return refuse(err.stage, err.reason, shown);
        throw err;
      }
      v = await this.#write(visitId, 'financial-check', 'done');
    }

    // 2207 / 2304: the fund and the personal account charged
    this.#progress('settle', outpatient ? '2207 settlement' : '2304 settlement', outpatient ? '2207 结算' : '2304 结算');
    const settled = await this.#centre(
      visitId,
      'settle',
      `${visitId}${MSG.settle}`,
      () => (outInput ? centre.settleOutpatient(ctx(MSG.settle), outInput) : centre.settleInpatient(ctx(MSG.settle), inInput!)),
      (out) => ({ patch: { settlement: out }, ...(out.setlinfo.setl_id ? { setlId: out.setlinfo.setl_id } : {}) }),
    );
    if (settled instanceof CentreError) return refuse('settle', settlementReason('centre-refused', `${outpatient ? '2207' : '2304'}: ${settled.message}`), shown);
    const cash = settled.setlinfo.psn_cash_pay;

    // the cash part at the bank
    if (cash > 0) {
      const bank = await this.#bank(request, visitId, cash);
      if (bank.status !== 'approved') {
        const reason = settlementReason(bank.status === 'declined' ? 'bank-declined' : 'bank-failed', bankDetail(bank));
        await this.#undo(visitId, describeReason(reason));
        return { outcome: 'reversed', stage: 'bank', reason, visitId, split: splitOf(settled.setlinfo), bank: { ...bank, notes: [...bank.notes] } };
      }
    }
    return this.#complete(visitId);
  }

  /** Reads the PAN (no transaction) and asks the card-management port for the financial area. */
  async #checkFinancial(request: PresentedCard, holder: CardHolder, stage: SettlementStage): Promise<void> {
    let pan: string;
    try {
      pan = (await readCardAccountData(request.reader)).pan;
    } catch (err) {
      if (err instanceof TransportError) throw new Refusal(stage, settlementReason('card-unreachable', err.message));
      if (err instanceof CardAccountError) throw new Refusal(stage, settlementReason('financial-area', err.message));
      throw err;
    }
    await this.#checkArea({ cardSn: holder.cardSn, pan }, 'financial', stage);
    this.#log.debug({ pan: maskPan(pan) }, 'financial area usable');
  }

  #open(visit: Parameters<SettlementJournal['open']>[0]): JournalVisit {
    try {
      return this.journal.open(visit, this.#now());
    } catch (err) {
      if (err instanceof JournalConflictError) throw new Refusal('journal', settlementReason('bill-in-progress', err.message));
      throw err;
    }
  }

  /**
   * The bank part, journaled: one `bank` intent per kernel run (its transaction ID) before it runs, then
   * done (approved) or failed. An exception (the card went away, the PIN pad gave up) reverses the visit
   * before it is passed on — a `TransportError` becomes a failed bank part.
   */
  async #bank(request: PresentedCard & { contactless?: boolean }, visitId: string, amount: number): Promise<BankPart> {
    this.#progress('bank', 'the cash part at the bank (PBOC)', '银行卡支付现金部分');
    let part: BankPart;
    try {
      const r = await chargeBank({
        reader: request.reader,
        amount,
        contactless: request.contactless === true,
        transactionId: (n) => `${visitId}-B${n}`,
        beforeAttempt: async (id) => {
          const refs = this.journal.visit(visitId)!.data.bankRefs;
          await this.#write(visitId, 'bank', 'intent', { ref: id, patch: { bankRefs: [...refs, id] } });
        },
        deps: { config: this.#d.terminal, issuer: this.#d.issuer, clock: this.#d.clock, random: this.#d.random, log: this.#log, pinPad: this.#pinPad(request) },
      });
      part = r.part;
    } catch (err) {
      const detail = (err as Error).message;
      await this.#write(visitId, 'bank', 'failed', { data: { error: detail } });
      if (!(err instanceof TransportError)) {
        await this.#undo(visitId, `the bank part failed: ${detail}`);
        throw err;
      }
      part = { status: 'failed', amount, reason: { code: 'CARD_IO', en: 'The card could not be reached during the bank part', zh: '银行交易中无法读卡', detail }, notes: [] };
    }
    await this.#write(visitId, 'bank', part.status === 'approved' ? 'done' : 'failed', { ...(part.transactionId ? { ref: part.transactionId } : {}), patch: { bank: part } });
    return part;
  }

  #pinPad(request: PresentedCard): PinPad {
    return request.bankPinPad ?? scriptedPinPad(request.pin !== undefined ? [request.pin] : []);
  }

  /** Both parts done: the receipt, the visit settled, the card-management port told. */
  async #complete(visitId: string, extraNotes: string[] = []): Promise<Extract<FlowOutcome, { outcome: 'settled' }>> {
    this.#progress('done', 'printing the receipt', '打印结算单');
    const v = this.journal.visit(visitId)!;
    const receipt = receiptOf(v, this.#d.clock.now(), extraNotes);
    await this.#finish(visitId, 'settled', { receipt });
    await this.#notify(this.journal.visit(visitId)!);
    return { outcome: 'settled', receipt, repeated: false };
  }

  async #notify(v: JournalVisit): Promise<boolean> {
    try {
      await this.#write(v.visitId, 'notify', 'intent');
      await this.#status.onMedicalSettlement(v.cardSn, {
        settlementId: v.setlId ?? v.visitId,
        ...(v.data.psn_no ? { psnNo: v.data.psn_no } : {}),
        at: new Date(v.receipt?.settledAt ?? this.#now()),
        mode: v.mode,
      });
      this.journal.markNotified(v.visitId, this.#now());
      await this.#write(v.visitId, 'notify', 'done');
      return true;
    } catch (err) {
      this.#log.warn({ visitId: v.visitId, err: (err as Error).message }, 'the card-management host could not be told; recovery tells it again');
      return false;
    }
  }

  /**
   * Undoes what a visit charged: every bank transaction ID it tried is reversed at the issuer
   * (idempotent; one never authorised is recorded as reversed ahead), then the medical part — 2208 /
   * 2305 when the settlement is known, 2601 of the 2207 / 2304 msgid when its answer was lost (the centre
   * answers 原报文不存在 when it never saw it). Then the visit is `reversed`. A failure leaves it open.
   */
  async #undo(visitId: string, why: string): Promise<void> {
    this.#progress('reversal', 'reversing what was charged', '冲正');
    let v = this.journal.visit(visitId)!;
    for (const ref of v.data.bankRefs) {
      await this.#write(visitId, 'bank-reversal', 'intent', { ref });
      try {
        await this.#d.issuer.reverse(ref, why);
      } catch (err) {
        if (!(err instanceof IssuerRequestError)) throw err;
        v = await this.#write(visitId, 'bank-reversal', 'failed', { ref, data: { error: err.message }, patch: { notes: [...v.data.notes, `bank transaction ${ref} cannot be reversed: ${err.message}`] } });
        continue;
      }
      await this.#write(visitId, 'bank-reversal', 'done', { ref });
    }
    v = this.journal.visit(visitId)!;
    if (v.mode === 'online') await this.#reverseMedical(v, why);
    const bank = v.data.bank && v.data.bank.status === 'approved' ? { ...v.data.bank, status: 'reversed' as const } : v.data.bank;
    await this.#finish(visitId, 'reversed', { patch: { why, ...(bank ? { bank } : {}) } });
  }

  async #reverseMedical(v: JournalVisit, why: string): Promise<void> {
    const outpatient = v.bill.kind === 'outpatient';
    const msgid = `${v.visitId}${MSG.reversal}`;
    const ctx = this.#ctx(v, v.visitId, MSG.reversal);
    const setl_id = v.data.settlement?.setlinfo.setl_id;
    const psn_no = v.data.psn_no!;
    if (setl_id) {
      const input = { setl_id, mdtrt_id: v.data.mdtrt_id!, psn_no };
      const out = await this.#centre(v.visitId, 'medical-reversal', msgid, () => (outpatient ? this.#d.centre.cancelOutpatient(ctx, input) : this.#d.centre.cancelInpatient(ctx, input)), (o) => ({ patch: { cancellation: o } }));
      if (out instanceof CentreError) throw new Error(`${outpatient ? '2208' : '2305'} of ${setl_id} refused while reversing (${why}): ${out.message}`);
      return;
    }
    const intent = stepsOf(this, v.visitId, 'settle', 'intent')[0];
    if (!intent?.ref) return; // 2207 / 2304 never sent: nothing to reverse
    const out = await this.#centre(v.visitId, 'medical-reversal', msgid, () => this.#d.centre.reverse(ctx, { psn_no, omsgid: intent.ref!, oinfno: outpatient ? '2207' : '2304' }));
    if (out instanceof CentreError && out.kind !== 'message') throw new Error(`2601 of ${intent.ref} refused while reversing (${why}): ${out.message}`);
  }

  // ------------------------------------------------------------------------------ offline settlement

  async #settleOffline(request: SettlementRequest, card: ReadCard, billKey: string): Promise<FlowOutcome> {
    const { bill } = request;
    const { holder, kernel } = card;
    if (!request.psam) throw new Refusal('card', settlementReason('psam-required', 'the offline debit is authenticated by the PSAM (MAC1, MAC2, TAC)'));
    const pin = request.pin!;
    const medical = await this.#cardCall(() => kernel.readMedical(pin));
    if (medical.outcome !== 'read') throw new Refusal('card', settlementReason(medical.outcome === 'pin-blocked' ? 'pin-blocked' : medical.outcome === 'wrong-pin' ? 'wrong-pin' : 'card-refused', describeOutcome(medical)));
    if (!medical.offline) throw new Refusal('card', settlementReason('offline-not-allowed', medical.offlineUnavailable ?? 'DF04 EF06 (脱网结算信息) could not be read'));
    if (!medical.offline.allowed) throw new Refusal('card', settlementReason('offline-not-allowed', 'DF04 EF06 准许脱网标识 is not set'));
    const balance = await this.#cardCall(() => kernel.medicalBalance(pin));
    if (balance.outcome !== 'balance') throw new Refusal('card', settlementReason('card-refused', describeOutcome(balance)));
    let split;
    try {
      split = offlineSplit(bill, medical.medical, holder.region, balance.balance, this.#offline());
    } catch (err) {
      if (err instanceof OfflineSplitError) throw new Refusal('presettle', settlementReason('offline-split', err.message));
      throw err;
    }
    const cash = split.split.psn_cash_pay;
    if (cash > 0) await this.#checkFinancial(request, holder, 'financial-check');
    const visitId = this.#newVisitId();
    const data: VisitData = {
      holder,
      insutype: split.insutype,
      insuplc_admdvs: split.insuplc_admdvs,
      offline: { split: split.split, policy: split.policy, countBefore: medical.offline.count ?? 0, balanceBefore: balance.balance, note: OFFLINE_YEAR_RULE },
      bankRefs: [],
      interface: 'contact',
      notes: [OFFLINE_YEAR_RULE],
    };
    this.#open({ visitId, billKey, mode: 'offline', cardSn: holder.cardSn, bill, data });
    await this.#point({ visitId, step: 'open', phase: 'done' });

    // the bank first: it can be reversed; the card's own debit cannot
    if (cash > 0) {
      const bank = await this.#bank(request, visitId, cash);
      if (bank.status !== 'approved') {
        const reason = settlementReason(bank.status === 'declined' ? 'bank-declined' : 'bank-failed', bankDetail(bank));
        await this.#undo(visitId, describeReason(reason));
        return { outcome: 'reversed', stage: 'bank', reason, visitId, split: split.split, bank };
      }
    }

    // the card's debit: account drawn, self-pay and fund recorded (B0 28 / B0 2C through the PSAM)
    this.#progress('card-debit', 'the card\'s medical debit (offline)', '卡内医保扣款（脱网）');
    const amounts = { account: split.split.acct_pay, selfPay: cash, fund: split.split.hifp_pay };
    await this.#write(visitId, 'card-debit', 'intent', { data: amounts });
    let debit;
    try {
      debit = await kernel.medicalDebit(amounts, pin);
    } catch (err) {
      if (!(err instanceof TransportError)) throw err;
      const reason = settlementReason('card-debit-failed', `the card went away during its debit (${err.message}): present it again to finish`);
      await this.#write(visitId, 'card-debit', 'failed', { data: { error: err.message, unknown: true }, patch: { why: describeReason(reason) } });
      return { outcome: 'pending', stage: 'card-debit', reason, visitId };
    }
    if (debit.outcome !== 'approved') {
      const reason = settlementReason('card-debit-failed', describeOutcome(debit));
      const unknown = debit.outcome === 'card-error' || debit.outcome === 'psam-error' || (debit.outcome === 'mac-wrong' && debit.debited);
      await this.#write(visitId, 'card-debit', 'failed', { data: { outcome: debit.outcome, unknown }, patch: { why: describeReason(reason) } });
      // the card may have debited: as an unknown answer — recovery with the card decides
      if (unknown) return { outcome: 'pending', stage: 'card-debit', reason, visitId };
      await this.#undo(visitId, describeReason(reason));
      return { outcome: 'reversed', stage: 'card-debit', reason, visitId, split: split.split, ...(this.journal.visit(visitId)!.data.bank ? { bank: this.journal.visit(visitId)!.data.bank! } : {}) };
    }
    const part = {
      account: amounts.account,
      selfPay: amounts.selfPay,
      fund: amounts.fund,
      balanceBefore: debit.balanceBefore,
      balanceAfter: debit.balanceAfter,
      sequence: debit.sequence,
      terminalId: debit.terminalId,
      terminalSequence: debit.terminalSequence,
      tac: debit.tac,
      time: debit.time.toISOString(),
    };
    await this.#write(visitId, 'card-debit', 'done', { patch: { debit: part } });
    return this.#complete(visitId);
  }

  #offline(): { policies: PolicySet; catalogues: CatalogueSet } {
    this.#offlineSources ??= { policies: loadPolicies(), catalogues: loadCatalogues() };
    return this.#offlineSources;
  }

  async #cardCall<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof TransportError) throw new Refusal('card', settlementReason('card-unreachable', err.message));
      throw err;
    }
  }

  // ------------------------------------------------------------------------------------------ cancel

  async cancel(id: string): Promise<CancelResult> {
    await this.recover();
    const v = this.journal.visitOfSettlement(id) ?? this.journal.visit(id);
    if (!v) return { outcome: 'refused', reason: settlementReason('not-found', `no settlement ${id}`) };
    if (v.state === 'cancelled') return this.#cancelled(v, true);
    if (v.state !== 'settled') return { outcome: 'refused', reason: settlementReason('not-cancellable', `visit ${v.visitId} is ${v.state}`) };
    if (v.mode === 'offline') return { outcome: 'refused', reason: settlementReason('not-cancellable', 'an offline settlement is the card\'s own debit, which the terminal cannot undo') };
    if (v.data.bank?.status === 'approved' && v.data.bank.approvedBy === 'offline') {
      return { outcome: 'refused', reason: settlementReason('not-cancellable', 'the bank part was approved offline and cleared; the issuer cannot reverse it') };
    }
    this.#progress('cancel', 'cancelling the settlement', '撤销结算');
    await this.#finish(v.visitId, 'cancelling');
    return this.#cancelSteps(this.journal.visit(v.visitId)!);
  }

  /** 2208 / 2305 (msgid ‖ C), then the bank's reversal; each idempotent, so recovery can repeat them. */
  async #cancelSteps(v: JournalVisit): Promise<CancelResult> {
    const outpatient = v.bill.kind === 'outpatient';
    const setl_id = v.setlId ?? v.data.settlement!.setlinfo.setl_id!;
    const msgid = `${v.visitId}${MSG.cancel}`;
    const ctx = this.#ctx(v, v.visitId, MSG.cancel);
    const input = { setl_id, mdtrt_id: v.data.mdtrt_id!, psn_no: v.data.psn_no! };
    const out = await this.#centre(v.visitId, 'cancel', msgid, () => (outpatient ? this.#d.centre.cancelOutpatient(ctx, input) : this.#d.centre.cancelInpatient(ctx, input)), (o) => ({ patch: { cancellation: o } }));
    if (out instanceof CentreError) return { outcome: 'pending', visitId: v.visitId, reason: settlementReason('centre-refused', `${outpatient ? '2208' : '2305'}: ${out.message}`) };
    const bank = v.data.bank;
    if (bank?.status === 'approved' && bank.transactionId) {
      await this.#write(v.visitId, 'cancel-bank', 'intent', { ref: bank.transactionId });
      await this.#d.issuer.reverse(bank.transactionId, `settlement ${setl_id} cancelled`);
      await this.#write(v.visitId, 'cancel-bank', 'done', { ref: bank.transactionId });
    }
    const reversedBank: BankPart | undefined = bank && bank.status === 'approved' ? { ...bank, status: 'reversed', notes: [...bank.notes, `reversed: settlement ${setl_id} cancelled`] } : bank;
    const receipt = v.receipt ? { ...v.receipt, bank: reversedBank ?? v.receipt.bank } : undefined;
    const done = await this.#finish(v.visitId, 'cancelled', { patch: { ...(reversedBank ? { bank: reversedBank } : {}) }, ...(receipt ? { receipt } : {}) });
    return this.#cancelled(done, false);
  }

  #cancelled(v: JournalVisit, repeated: boolean): CancelResult {
    return {
      outcome: 'cancelled',
      visitId: v.visitId,
      setl_id: v.setlId ?? '',
      ...(v.data.cancellation ? { cancellation: v.data.cancellation.setlinfo } : {}),
      bank: v.data.bank ?? noBankPart(),
      receipt: v.receipt!,
      repeated,
    };
  }

  // ---------------------------------------------------------------------------------------- recover

  async recover(options: RecoverOptions = {}): Promise<RecoveryReport[]> {
    const reports: RecoveryReport[] = [];
    const todo = this.journal.unfinished();
    if (todo.length) this.#progress('recover', `recovering ${todo.length} unfinished visit(s)`, `恢复 ${todo.length} 笔未完成的结算`);
    for (const v of todo) {
      let report: RecoveryReport;
      try {
        report = await this.#recoverVisit(v, options);
      } catch (err) {
        this.#log.error({ visitId: v.visitId, err: (err as Error).message }, 'recovery could not finish a visit');
        report = { visitId: v.visitId, bill: v.billKey, action: 'pending', detail: `recovery could not finish it: ${(err as Error).message}` };
      }
      this.#log.info(report, 'recovery');
      reports.push(report);
    }
    return reports;
  }

  async #recoverVisit(v: JournalVisit, options: RecoverOptions): Promise<RecoveryReport> {
    const report = (action: RecoveryReport['action'], detail: string): RecoveryReport => ({ visitId: v.visitId, bill: v.billKey, action, detail });
    if (v.state === 'settled') {
      return (await this.#notify(v)) ? report('notified', 'the card-management host was told of the settlement') : report('pending', 'the card-management host could not be told');
    }
    if (v.state === 'cancelling') {
      const r = await this.#cancelSteps(v);
      return r.outcome === 'cancelled' ? report('cancelled', `the cancel of ${r.setl_id} was finished`) : report('pending', r.outcome === 'pending' ? describeReason(r.reason) : 'cancel refused');
    }
    const why = 'recovery: the visit was interrupted';
    if (v.mode === 'online') {
      const settled = v.data.settlement;
      const bankIntents = v.data.bankRefs.length;
      if (settled && (v.data.bank?.status === 'approved' || (settled.setlinfo.psn_cash_pay === 0 && bankIntents === 0))) {
        await this.#complete(v.visitId, ['恢复后完成 completed by recovery']);
        return report('completed', `both parts were done (setl_id ${settled.setlinfo.setl_id}); the receipt was made`);
      }
      if (stepsOf(this, v.visitId, 'settle', 'intent').length > 0) {
        await this.#undo(v.visitId, why);
        return report('reversed', `the medical part${bankIntents ? ' and the bank part were' : ' was'} reversed`);
      }
      await this.#finish(v.visitId, 'abandoned', { patch: { why } });
      return report('abandoned', 'interrupted before anything was charged');
    }
    // offline
    if (v.data.debit) {
      await this.#complete(v.visitId, ['恢复后完成 completed by recovery']);
      return report('completed', 'the card had debited and the bank part was done; the receipt was made');
    }
    if (stepsOf(this, v.visitId, 'card-debit', 'intent').length > 0) {
      const debited = await this.#cardDebited(v, options.card);
      if (debited === undefined) return report('pending', `the card's own debit is unknown: present card ${v.cardSn} with its PIN and the PSAM to finish (sscard settle --recover)`);
      if (debited) {
        const d = v.data.offline!;
        const part = { account: d.split.acct_pay, selfPay: d.split.psn_cash_pay, fund: d.split.hifp_pay, balanceBefore: d.balanceBefore, balanceAfter: debited.balance, sequence: 0, terminalId: '', terminalSequence: '', tac: '', time: this.#now() };
        await this.#write(v.visitId, 'card-debit', 'done', { data: { recovered: true }, patch: { debit: part } });
        await this.#complete(v.visitId, ['恢复后完成：卡内脱网次数显示已扣款 completed by recovery: the card\'s offline count shows the debit (its TAC was not received)']);
        return report('completed', 'the card shows the debit; the receipt was made');
      }
      await this.#undo(v.visitId, why);
      return report('reversed', 'the card did not debit; the bank part was reversed');
    }
    if (v.data.bankRefs.length > 0) {
      await this.#undo(v.visitId, why);
      return report('reversed', 'the bank part was reversed (the card had not debited)');
    }
    await this.#finish(v.visitId, 'abandoned', { patch: { why } });
    return report('abandoned', 'interrupted before anything was charged');
  }

  /**
   * Whether the card made an offline debit the journal has no answer for: its offline count (DF04 EF06
   * 脱网累计次数) against the count before. Undefined without the same card, its PIN and a PSAM.
   */
  async #cardDebited(v: JournalVisit, card: PresentedCard | undefined): Promise<{ balance: number } | false | undefined> {
    if (!card?.pin || !card.psam) return undefined;
    let read: ReadCard;
    try {
      read = await this.#readCard(card, 'contact', true);
    } catch (err) {
      if (err instanceof Refusal) return undefined;
      throw err;
    }
    if (read.holder.cardSn !== v.cardSn) return undefined;
    const medical = await read.kernel.readMedical(card.pin);
    if (medical.outcome !== 'read' || !medical.offline) return undefined;
    if ((medical.offline.count ?? 0) <= v.data.offline!.countBefore) return false;
    const balance = await read.kernel.medicalBalance(card.pin);
    return balance.outcome === 'balance' ? { balance: balance.balance } : undefined;
  }

  // ---------------------------------------------------------------------------------------- receipt

  receipt(id: string): SettlementReceipt | undefined {
    return (this.journal.visitOfSettlement(id) ?? this.journal.visit(id))?.receipt;
  }
}

function bankDetail(bank: BankPart): string {
  const r = bank.reason;
  return [r ? `${r.zh} ${r.en}` : bank.outcome, r?.detail, bank.responseCode ? `response code ${bank.responseCode}` : undefined].filter(Boolean).join('; ');
}
