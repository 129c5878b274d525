/**
 * The medical-insurance centre: a simulated national medical-insurance platform (国家医疗保障信息平台, its
 * interface to designated institutions 《医疗保障信息平台定点医药机构接口规范》 as public HIS code uses it;
 * DOMAIN.md §4, §4.1). This class is its in-process face — a typed API for sscard's own flows, one
 * method per transaction (infno) plus the administration of insured persons. `wire.ts` and
 * `http-server.ts` put the same methods behind the platform's JSON envelope over HTTP, so that both
 * faces share every rule.
 *
 * Every change of money runs inside one storage transaction: the personal account, the year's
 * deductible and fund figures, the settlement record, the fee details' state, the clearing ledger and
 * the message log move together or not at all. Transactions that change state are idempotent by msgid
 * (the same message answered twice gives the first answer and changes nothing), a settlement also by
 * (mdtrt_id, chrg_bchno) for outpatient batches and by visit for inpatient ones.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../../env.js';
import type { Logger } from '../../../log.js';
import type { CatalogueSet } from './catalogue.js';
import { birthDateOfCertno, isValidCertno, sexOfCertno } from './certno.js';
import { chinaTime, type ChinaTime } from './china-time.js';
import {
  CLR_TYPE,
  CLR_WAY,
  DEFAULT_PSN_TYPE,
  INSU_STAS,
  INSUTYPES,
  MED_TYPES,
  POOL_FUND,
  PSN_CERT_TYPE_ID_CARD,
  PSN_TYPES,
  STMT_RSLT,
  type Insutype,
  type PersonKind,
} from './codes.js';
import { lineAmount, yuan } from './decimal.js';
import { CentreError } from './errors.js';
import type {
  AdmissionInput,
  CancellationInput,
  InpatientFeeInput,
  InpatientSettlementInput,
  OutpatientFeeInput,
  OutpatientSettlementInput,
  PersonInfoInput,
  RegistrationInput,
  ReconciliationInput,
  ReversalInput,
} from './messages.js';
import type { AnnualRecord, CardRecord, FeeDetailRecord, PersonRecord, SettlementRecord, VisitKind, VisitRecord } from './model.js';
import {
  feeResult,
  personInfoOutput,
  settlementOutput,
  type FeeResult,
  type PersonInfoOutput,
  type ReconciliationOutput,
  type RegistrationOutput,
  type SettlementFigures,
  type SettlementOutput,
} from './outputs.js';
import type { AppliedPolicy, PolicySet } from './policy.js';
import { billTotals, classifyLine, computeSplit, type BillTotals } from './split.js';
import type { CentreStore } from './store.js';

/** What every platform message carries besides its input (the envelope's fields; DOMAIN.md §4.1). */
export interface MessageContext {
  /** 发送方报文ID: the idempotency key of the message. */
  msgid: string;
  /** 定点医药机构编号 of the hospital or pharmacy. */
  fixmedins_code: string;
  fixmedins_name?: string;
  /** 就医地医保区划: where the person is treated (chooses the catalogue). */
  mdtrtarea_admvs: string;
  /** 参保地医保区划 as the HIS states it; when given it must be the person's insured region. */
  insuplc_admdvs?: string;
  opter?: string;
}

export interface CentreOptions {
  store: CentreStore;
  policies: PolicySet;
  catalogues: CatalogueSet;
  clock: Clock;
  log?: Logger;
}

/** A person to enrol (amounts in fen). */
export interface Enrolment {
  /** 社会保障号码 (18-character citizen ID number with a valid check character). */
  certno: string;
  psn_name: string;
  /** Default: the insured region's 6 digits are required. */
  insuplc_admdvs: string;
  /** Default 310. */
  insutype?: Insutype;
  /** A psn_type code, or a kind (its default code). Default: employed for 310, resident for 390. */
  psn_type?: string;
  kind?: PersonKind;
  /** Personal-account balance, fen (default 0). */
  balance?: number;
  /** Default: from the ID number. */
  gend?: string;
  brdy?: string;
  /** Default 01 (汉族). */
  naty?: string;
  emp_name?: string;
  cvlserv_flag?: string;
  /** yyyy-MM-dd; default: today. */
  psn_insu_date?: string;
  /** This year's deductible and pooled fund already used (fen), e.g. for a person enrolled mid-year. */
  dedc_paid?: number;
  fund_paid?: number;
  cards?: { card_sn: string; card_no?: string }[];
}

/** What a terminal reads from a social security card (the SSSE kernel's basic information). */
export interface CardEnrolment {
  certno: string;
  psn_name: string;
  /** 卡识别码 (32 hex digits). */
  card_sn: string;
  /** 社会保障卡卡号. */
  card_no?: string;
  /** Insured region; default: the card identifier's city code (its first 6 digits). */
  insuplc_admdvs?: string;
  insutype?: Insutype;
  psn_type?: string;
  kind?: PersonKind;
  balance?: number;
}

/** A person as `sscard centre show` presents them. */
export interface PersonView {
  person: PersonRecord;
  kind: PersonKind;
  cards: CardRecord[];
  /** This year's figures. */
  annual: AnnualRecord;
  /** The most recent settlements, newest first. */
  settlements: SettlementRecord[];
  /** The policy that applies to the person (or why none does). */
  policy: AppliedPolicy | { missing: string };
}

interface Once<T> {
  output: T;
  psn_no: string;
  subject: string;
}

/** The settlement fields a HIS sends at 2206/2207/2303/2304. */
interface SettlementRequest {
  psn_no: string;
  mdtrt_id: string;
  medfee_sumamt: number;
  acct_used_flag: string;
  insutype: Insutype;
  psn_setlway: string;
  invono: string;
  mid_setl_flag: string;
  chrg_bchno: string;
  declared: Partial<Pick<BillTotals, 'fulamt_ownpay_amt' | 'overlmt_selfpay' | 'preselfpay_amt' | 'inscp_scp_amt'>>;
}

/** The simulated platform. */
export class MedicalInsuranceCentre {
  readonly #store: CentreStore;
  readonly #policies: PolicySet;
  readonly #catalogues: CatalogueSet;
  readonly #clock: Clock;
  readonly #log: Logger | undefined;

  constructor(options: CentreOptions) {
    this.#store = options.store;
    this.#policies = options.policies;
    this.#catalogues = options.catalogues;
    this.#clock = options.clock;
    this.#log = options.log;
  }

  /** The storage port (for tools that inspect it). */
  get store(): CentreStore {
    return this.#store;
  }

  // ---------------------------------------------------------------- administration

  /**
   * Enrols an insured person, with their cards and this year's figures so far.
   * @throws CentreError input (bad data) or state (the certno or a card is already enrolled)
   */
  enrol(e: Enrolment): PersonRecord {
    const now = this.#now();
    if (!isValidCertno(e.certno)) throw new CentreError('input', `certno ${JSON.stringify(e.certno)} is not an 18-character ID number with a valid check character`);
    if (!e.psn_name.trim()) throw new CentreError('input', 'psn_name must not be empty');
    if (!/^\d{6}$/.test(e.insuplc_admdvs)) throw new CentreError('input', `insuplc_admdvs must be a 6-digit region code, got ${JSON.stringify(e.insuplc_admdvs)}`);
    const insutype = e.insutype ?? '310';
    if (!(insutype in INSUTYPES)) throw new CentreError('input', `insutype must be one of ${Object.keys(INSUTYPES).join(', ')}, got ${JSON.stringify(insutype)}`);
    const psn_type = e.psn_type ?? DEFAULT_PSN_TYPE[e.kind ?? (insutype === '390' ? 'resident' : 'employed')];
    const type = PSN_TYPES[psn_type];
    if (!type) throw new CentreError('input', `psn_type ${JSON.stringify(psn_type)} is not one the centre knows (${Object.keys(PSN_TYPES).join(', ')})`);
    if (type.insutype !== insutype) throw new CentreError('input', `psn_type ${psn_type} (${type.zh}) belongs to insurance type ${type.insutype}, not ${insutype}`);
    if (e.kind && type.kind !== e.kind) throw new CentreError('input', `psn_type ${psn_type} is for ${type.kind} persons, not ${e.kind}`);
    for (const [name, v] of [['balance', e.balance], ['dedc_paid', e.dedc_paid], ['fund_paid', e.fund_paid]] as const) {
      if (v !== undefined && (!Number.isSafeInteger(v) || v < 0)) throw new CentreError('input', `${name} must be a non-negative number of fen, got ${v}`);
    }
    const brdy = e.brdy ?? birthDateOfCertno(e.certno);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(brdy)) throw new CentreError('input', `brdy must be yyyy-MM-dd, got ${JSON.stringify(brdy)}`);
    const cards = e.cards ?? [];
    for (const c of cards) checkCard(c);
    return this.#store.transaction(() => {
      const existing = this.#store.findPersonByCertno(e.certno);
      if (existing) throw new CentreError('state', `certno ${e.certno} is already enrolled as psn_no ${existing.psn_no}`);
      for (const c of cards) {
        const bound = this.#store.getCard(c.card_sn.toUpperCase());
        if (bound) throw new CentreError('state', `card_sn ${c.card_sn} is already bound to psn_no ${bound.psn_no}`);
      }
      const person: PersonRecord = {
        psn_no: `${e.insuplc_admdvs}${String(this.#store.nextSequence('psn_no')).padStart(14, '0')}`,
        psn_cert_type: PSN_CERT_TYPE_ID_CARD,
        certno: e.certno,
        psn_name: e.psn_name.trim(),
        gend: e.gend ?? sexOfCertno(e.certno),
        naty: e.naty ?? '01',
        brdy,
        insutype,
        psn_type,
        psn_insu_stas: INSU_STAS.active,
        psn_insu_date: e.psn_insu_date ?? now.date,
        cvlserv_flag: e.cvlserv_flag ?? '0',
        insuplc_admdvs: e.insuplc_admdvs,
        emp_name: e.emp_name ?? '',
        balance: e.balance ?? 0,
        enrolled_at: now.time,
      };
      this.#store.insertPerson(person);
      for (const c of cards) this.#store.insertCard(cardRecord(c, person.psn_no, now.time));
      if (e.dedc_paid || e.fund_paid) {
        this.#store.putAnnual({ psn_no: person.psn_no, year: now.year, dedc_paid: e.dedc_paid ?? 0, fund_paid: e.fund_paid ?? 0 });
      }
      this.#log?.info({ psn_no: person.psn_no, certno: person.certno }, 'person enrolled');
      return person;
    });
  }

  /**
   * Enrols the holder of a card from what the terminal read on it, or finds them: the same certno and
   * name give the enrolled person, and a card not yet bound to them is bound (a new card works beside
   * the old one until the card's life deregisters the old one).
   * @throws CentreError mismatch when the certno is enrolled under another name, state when the card is bound to someone else
   */
  enrolFromCard(c: CardEnrolment): { person: PersonRecord; created: boolean; cardBound: boolean } {
    checkCard(c);
    return this.#store.transaction(() => {
      const card = this.#store.getCard(c.card_sn.toUpperCase());
      const existing = this.#store.findPersonByCertno(c.certno);
      if (card && card.psn_no !== existing?.psn_no) throw new CentreError('state', `card_sn ${c.card_sn} is bound to psn_no ${card.psn_no}, not to certno ${c.certno}`);
      if (existing) {
        if (existing.psn_name !== c.psn_name.trim()) {
          throw new CentreError('mismatch', `certno ${c.certno} is enrolled as ${existing.psn_name}, the card says ${c.psn_name}`);
        }
        if (card) return { person: existing, created: false, cardBound: false };
        this.bindCard(existing.psn_no, c);
        return { person: existing, created: false, cardBound: true };
      }
      const person = this.enrol({
        certno: c.certno,
        psn_name: c.psn_name,
        insuplc_admdvs: c.insuplc_admdvs ?? c.card_sn.slice(0, 6),
        ...(c.insutype ? { insutype: c.insutype } : {}),
        ...(c.psn_type ? { psn_type: c.psn_type } : {}),
        ...(c.kind ? { kind: c.kind } : {}),
        ...(c.balance !== undefined ? { balance: c.balance } : {}),
        cards: [{ card_sn: c.card_sn, ...(c.card_no ? { card_no: c.card_no } : {}) }],
      });
      return { person, created: true, cardBound: true };
    });
  }

  /** Binds another card to a person (a replacement card). */
  bindCard(psn_no: string, c: { card_sn: string; card_no?: string }): CardRecord {
    checkCard(c);
    return this.#store.transaction(() => {
      this.#person(psn_no);
      const bound = this.#store.getCard(c.card_sn.toUpperCase());
      if (bound) throw new CentreError('state', `card_sn ${c.card_sn} is already bound to psn_no ${bound.psn_no}`);
      const record = cardRecord(c, psn_no, this.#now().time);
      this.#store.insertCard(record);
      return record;
    });
  }

  /** Deregisters a card: the platform no longer finds the person by it (the account stays the person's). */
  deregisterCard(card_sn: string): CardRecord {
    return this.#store.transaction(() => {
      const card = this.#store.getCard(card_sn.toUpperCase());
      if (!card) throw new CentreError('person', `no card has card_sn ${card_sn}`);
      if (card.status !== 'deregistered') this.#store.setCardStatus(card.card_sn, 'deregistered');
      return { ...card, status: 'deregistered' };
    });
  }

  /** Suspends (暂停参保) or restores a person's insurance: a suspended person cannot register or settle. */
  setInsuranceStatus(psn_no: string, status: keyof typeof INSU_STAS): PersonRecord {
    return this.#store.transaction(() => {
      this.#person(psn_no);
      this.#store.setInsuranceStatus(psn_no, INSU_STAS[status]);
      return this.#store.getPerson(psn_no)!;
    });
  }

  /** Finds a person by psn_no, certno or card_sn. */
  findPerson(key: string): PersonRecord | undefined {
    const card = /^[0-9A-Fa-f]{32}$/.test(key) ? this.#store.getCard(key.toUpperCase()) : undefined;
    return this.#store.getPerson(key) ?? this.#store.findPersonByCertno(key.toUpperCase()) ?? (card ? this.#store.getPerson(card.psn_no) : undefined);
  }

  /** A person with cards, this year's figures and recent settlements. */
  personView(psn_no: string, settlements = 10): PersonView {
    const person = this.#person(psn_no);
    return {
      person,
      kind: PSN_TYPES[person.psn_type]?.kind ?? 'employed',
      cards: this.#store.cardsOf(psn_no),
      annual: this.#store.getAnnual(psn_no, this.#now().year),
      settlements: this.#store.settlementsOfPerson(psn_no, settlements),
      policy: this.#policies.apply(person.insuplc_admdvs, person.insutype, PSN_TYPES[person.psn_type]?.kind ?? 'employed'),
    };
  }

  /** Every enrolled person with this year's figures. */
  listPersons(): { person: PersonRecord; kind: PersonKind; annual: AnnualRecord; cards: CardRecord[] }[] {
    const year = this.#now().year;
    return this.#store.listPersons().map((person) => ({
      person,
      kind: PSN_TYPES[person.psn_type]?.kind ?? 'employed',
      annual: this.#store.getAnnual(person.psn_no, year),
      cards: this.#store.cardsOf(person.psn_no),
    }));
  }

  /** A settlement record. */
  settlement(setl_id: string): SettlementRecord | undefined {
    return this.#store.getSettlement(setl_id);
  }

  // ---------------------------------------------------------------- 1101

  /**
   * 1101 人员信息获取: the insured person of a certificate. Type 03 (social security card) needs the card
   * identifier (card_sn) of an active card; mdtrt_cert_no is the card number and must be that card's
   * when the centre knows it. Type 02: mdtrt_cert_no is the ID number.
   */
  personInfo(ctx: MessageContext, input: PersonInfoInput): PersonInfoOutput {
    const person = this.#personOfCertificate(input);
    if (input.certno && input.certno.toUpperCase() !== person.certno) {
      throw new CentreError('mismatch', `certno ${input.certno} is not the certno of the person the certificate names (${person.psn_no})`);
    }
    if (input.psn_name && input.psn_name !== person.psn_name) throw new CentreError('mismatch', `psn_name ${input.psn_name} is not the enrolled name of ${person.psn_no}`);
    return personInfoOutput(person, this.#now().date);
  }

  // ---------------------------------------------------------------- visits

  /** 2201 门诊挂号: opens an outpatient visit. A repeat of the same ipt_otp_no gives the open visit. */
  registerOutpatient(ctx: MessageContext, input: RegistrationInput): RegistrationOutput {
    return this.#once(ctx, '2201', input, () => {
      const visit = this.#openVisit(ctx, 'outpatient', {
        psn_no: input.psn_no,
        insutype: input.insutype,
        begntime: input.begntime,
        mdtrt_cert_type: input.mdtrt_cert_type,
        mdtrt_cert_no: input.mdtrt_cert_no,
        ipt_otp_no: input.ipt_otp_no,
        med_type: '11',
        dept_code: input.dept_code,
        dept_name: input.dept_name,
        atddr_no: input.atddr_no,
        dr_name: input.dr_name,
      });
      return { output: { mdtrt_id: visit.mdtrt_id, psn_no: visit.psn_no, ipt_otp_no: visit.ipt_otp_no }, psn_no: visit.psn_no, subject: visit.mdtrt_id };
    });
  }

  /** 2401 入院办理: opens an inpatient visit (the mdtrt_id of 2301–2305). */
  admit(ctx: MessageContext, input: AdmissionInput): RegistrationOutput {
    return this.#once(ctx, '2401', input, () => {
      if (MED_TYPES[input.med_type]?.kind !== 'inpatient') throw new CentreError('input', `med_type ${input.med_type} is not an inpatient medical type`);
      const visit = this.#openVisit(ctx, 'inpatient', {
        psn_no: input.psn_no,
        insutype: input.insutype,
        begntime: input.begntime,
        mdtrt_cert_type: input.mdtrt_cert_type,
        mdtrt_cert_no: input.mdtrt_cert_no,
        ipt_otp_no: input.ipt_no,
        med_type: input.med_type,
        dept_code: input.adm_dept_codg,
        dept_name: input.adm_dept_name,
        atddr_no: input.atddr_no,
        dr_name: input.chfpdr_name,
      });
      return { output: { mdtrt_id: visit.mdtrt_id, psn_no: visit.psn_no, ipt_otp_no: visit.ipt_otp_no }, psn_no: visit.psn_no, subject: visit.mdtrt_id };
    });
  }

  // ---------------------------------------------------------------- fee details

  /** 2204 门诊费用明细信息上传: classifies fee details by the treatment place's catalogue and keeps them. */
  uploadOutpatientFees(ctx: MessageContext, lines: readonly OutpatientFeeInput[]): FeeResult[] {
    return this.#once(ctx, '2204', lines, () => this.#upload(ctx, 'outpatient', lines));
  }

  /** 2301 住院费用明细上传. */
  uploadInpatientFees(ctx: MessageContext, lines: readonly InpatientFeeInput[]): FeeResult[] {
    return this.#once(ctx, '2301', lines, () => this.#upload(ctx, 'inpatient', lines.map((l) => ({ ...l, chrg_bchno: '' }))));
  }

  // ---------------------------------------------------------------- settlement

  /** 2206 门诊预结算: the split of a charge batch as 2207 would make it now; charges nothing. */
  preSettleOutpatient(ctx: MessageContext, input: OutpatientSettlementInput): SettlementOutput {
    return this.#store.transaction(() => {
      const { person, visit } = this.#settlementParties(ctx, input, 'outpatient');
      const valid = this.#validSettlementOfBatch(visit.mdtrt_id, input.chrg_bchno);
      if (valid) throw new CentreError('state', `chrg_bchno ${input.chrg_bchno} of visit ${visit.mdtrt_id} is already settled (setl_id ${valid.setl_id})`);
      const rows = this.#batchRows(visit, input.chrg_bchno);
      return settlementOutput(this.#figures(ctx, person, visit, rows, outpatientRequest(input)), person, visit);
    });
  }

  /**
   * 2207 门诊结算: charges the pooled fund and the personal account for a charge batch. A batch already
   * settled (a retry with a new msgid) answers its settlement again and charges nothing.
   */
  settleOutpatient(ctx: MessageContext, input: OutpatientSettlementInput): SettlementOutput {
    return this.#once(ctx, '2207', input, () => {
      const { person, visit } = this.#settlementParties(ctx, input, 'outpatient');
      const valid = this.#validSettlementOfBatch(visit.mdtrt_id, input.chrg_bchno);
      const s = valid ? this.#sameSettlement(valid, input.medfee_sumamt) : this.#commit(ctx, person, visit, this.#batchRows(visit, input.chrg_bchno), outpatientRequest(input));
      return { output: settlementOutput(s, this.#person(s.psn_no), visit), psn_no: s.psn_no, subject: s.setl_id };
    });
  }

  /** 2303 住院预结算: the split of the visit's unsettled fee details; charges nothing. */
  preSettleInpatient(ctx: MessageContext, input: InpatientSettlementInput): SettlementOutput {
    return this.#store.transaction(() => {
      const { person, visit } = this.#settlementParties(ctx, input, 'inpatient');
      const rows = this.#store.feeDetailsOf(visit.mdtrt_id, { setl_id: null });
      if (rows.length === 0) throw new CentreError('state', `visit ${visit.mdtrt_id} has no unsettled fee details`);
      return settlementOutput(this.#figures(ctx, person, visit, rows, inpatientRequest(input)), person, visit);
    });
  }

  /**
   * 2304 住院结算: settles the visit's unsettled fee details; mid_setl_flag 0 (final) discharges the
   * visit. Asked again when nothing is left to settle, it answers the last settlement if the total is its.
   */
  settleInpatient(ctx: MessageContext, input: InpatientSettlementInput): SettlementOutput {
    return this.#once(ctx, '2304', input, () => {
      const { person, visit } = this.#settlementParties(ctx, input, 'inpatient', { allowDischarged: true });
      const rows = this.#store.feeDetailsOf(visit.mdtrt_id, { setl_id: null });
      let s: SettlementRecord;
      if (rows.length === 0) {
        const last = this.#store.settlementsOf(visit.mdtrt_id).filter((x) => x.status === 'settled').at(-1);
        if (!last) throw new CentreError('state', `visit ${visit.mdtrt_id} has no unsettled fee details`);
        s = this.#sameSettlement(last, input.medfee_sumamt);
      } else {
        if (visit.status !== 'open') throw new CentreError('state', `visit ${visit.mdtrt_id} is ${visit.status}`);
        s = this.#commit(ctx, person, visit, rows, inpatientRequest(input));
      }
      return { output: settlementOutput(s, this.#person(s.psn_no), visit), psn_no: s.psn_no, subject: s.setl_id };
    });
  }

  /** 2208 门诊结算撤销: reverses a settlement — fund, account, year's figures and ledger. */
  cancelOutpatient(ctx: MessageContext, input: CancellationInput): SettlementOutput {
    return this.#once(ctx, '2208', input, () => this.#cancel(ctx, input, 'outpatient'));
  }

  /** 2305 住院结算撤销. */
  cancelInpatient(ctx: MessageContext, input: CancellationInput): SettlementOutput {
    return this.#once(ctx, '2305', input, () => this.#cancel(ctx, input, 'inpatient'));
  }

  /**
   * 2601 冲正交易: reverses a message by its msgid — a settlement (2207, 2304) is cancelled, a
   * registration (2201, 2401) withdrawn, an upload (2204, 2301) removed. Reversing a reversed message
   * again changes nothing.
   */
  reverse(ctx: MessageContext, input: ReversalInput): Record<string, never> {
    return this.#once(ctx, '2601', input, () => {
      const m = this.#store.getMessage(input.omsgid);
      if (!m) throw new CentreError('message', `no message has msgid ${input.omsgid}`);
      if (m.infno !== input.oinfno) throw new CentreError('mismatch', `message ${input.omsgid} was a ${m.infno}, not a ${input.oinfno}`);
      if (m.psn_no !== input.psn_no) throw new CentreError('mismatch', `message ${input.omsgid} was for psn_no ${m.psn_no}, not ${input.psn_no}`);
      if (m.reversed_by === null) {
        this.#undoMessage(ctx, m);
        this.#store.markReversed(m.msgid, ctx.msgid);
      }
      return { output: {}, psn_no: m.psn_no, subject: m.msgid };
    });
  }

  // ---------------------------------------------------------------- 3201

  /**
   * 3201 医药机构费用结算对总账: compares the HIS's totals of a period with the centre's clearing ledger
   * for this institution, agency (setl_optins = clr_optins), scheme and clearing type. Cancellations
   * count against their settlements: the count is settlements minus cancellations.
   */
  reconcile(ctx: MessageContext, input: ReconciliationInput): ReconciliationOutput {
    const entries = this.#store.ledger({
      fixmedins_code: ctx.fixmedins_code,
      clr_optins: input.setl_optins,
      insutype: input.insutype,
      clr_type: input.clr_type,
      from: input.stmt_begndate,
      to: input.stmt_enddate,
    });
    const centre = { medfee_sumamt: 0, fund_pay_sumamt: 0, acct_pay: 0, fixmedins_setl_cnt: 0 };
    for (const e of entries) {
      centre.medfee_sumamt += e.medfee_sumamt;
      centre.fund_pay_sumamt += e.fund_pay_sumamt;
      centre.acct_pay += e.acct_pay;
      centre.fixmedins_setl_cnt += e.kind === 'settle' ? 1 : -1;
    }
    const diffs: string[] = [];
    for (const key of ['medfee_sumamt', 'fund_pay_sumamt', 'acct_pay'] as const) {
      if (centre[key] !== input[key]) diffs.push(`${key}: HIS ${yuan(input[key])}, centre ${yuan(centre[key])}`);
    }
    if (centre.fixmedins_setl_cnt !== input.fixmedins_setl_cnt) diffs.push(`fixmedins_setl_cnt: HIS ${input.fixmedins_setl_cnt}, centre ${centre.fixmedins_setl_cnt}`);
    const period = `${input.stmt_begndate}..${input.stmt_enddate}`;
    return {
      stmtinfo: {
        setl_optins: input.setl_optins,
        stmt_rslt: diffs.length === 0 ? STMT_RSLT.balanced : STMT_RSLT.unbalanced,
        stmt_rslt_dscr:
          diffs.length === 0
            ? `平 (balanced): ${centre.fixmedins_setl_cnt} settlements ${period}, medfee_sumamt ${yuan(centre.medfee_sumamt)}, fund_pay_sumamt ${yuan(centre.fund_pay_sumamt)}, acct_pay ${yuan(centre.acct_pay)}`
            : `不平 (not balanced) ${period}: ${diffs.join('; ')}`,
      },
    };
  }

  // ---------------------------------------------------------------- internals

  #now(): ChinaTime {
    return chinaTime(this.#clock.now());
  }

  /** Runs a state-changing message once: a repeat of its msgid answers the first output. */
  #once<T>(ctx: MessageContext, infno: string, input: unknown, fn: () => Once<T>): T {
    return this.#store.transaction(() => {
      const digest = createHash('sha256').update(canonicalJson({ infno, input })).digest('hex');
      const prior = this.#store.getMessage(ctx.msgid);
      if (prior) {
        if (prior.infno !== infno || prior.digest !== digest) {
          throw new CentreError('msgid', `msgid ${ctx.msgid} was already used for another message (a ${prior.infno} at ${prior.created_at})`);
        }
        if (prior.reversed_by !== null) throw new CentreError('state', `message ${ctx.msgid} was reversed by 2601 message ${prior.reversed_by}`);
        this.#log?.info({ msgid: ctx.msgid, infno }, 'repeated message answered from the log');
        return JSON.parse(prior.output) as T;
      }
      const r = fn();
      this.#store.putMessage({
        msgid: ctx.msgid,
        infno,
        digest,
        output: JSON.stringify(r.output),
        psn_no: r.psn_no,
        subject: r.subject,
        created_at: this.#now().time,
        reversed_by: null,
      });
      return r.output;
    });
  }

  #person(psn_no: string): PersonRecord {
    const p = this.#store.getPerson(psn_no);
    if (!p) throw new CentreError('person', `no insured person has psn_no ${psn_no}`);
    return p;
  }

  /** The person of a message, checked against the envelope's insured region. */
  #personOfMessage(ctx: MessageContext, psn_no: string): PersonRecord {
    const p = this.#person(psn_no);
    if (ctx.insuplc_admdvs && ctx.insuplc_admdvs !== p.insuplc_admdvs) {
      throw new CentreError('mismatch', `insuplc_admdvs ${ctx.insuplc_admdvs} of the envelope is not the insured region of ${psn_no} (${p.insuplc_admdvs})`);
    }
    return p;
  }

  #personOfCertificate(input: { mdtrt_cert_type: string; mdtrt_cert_no: string; card_sn?: string | undefined }): PersonRecord {
    switch (input.mdtrt_cert_type) {
      case '02': {
        const p = this.#store.findPersonByCertno(input.mdtrt_cert_no.toUpperCase());
        if (!p) throw new CentreError('person', `no insured person has certno ${input.mdtrt_cert_no}`);
        return p;
      }
      case '03': {
        if (!input.card_sn) throw new CentreError('input', 'card_sn (卡识别码) is required when mdtrt_cert_type is 03 (social security card)');
        const card = this.#store.getCard(input.card_sn.toUpperCase());
        if (!card) throw new CentreError('person', `no insured person holds a card with card_sn ${input.card_sn}`);
        if (card.status !== 'active') throw new CentreError('state', `the card with card_sn ${input.card_sn} is ${card.status}`);
        if (card.card_no && card.card_no !== input.mdtrt_cert_no) {
          throw new CentreError('mismatch', `mdtrt_cert_no ${input.mdtrt_cert_no} is not the number of the card with card_sn ${input.card_sn} (${card.card_no})`);
        }
        return this.#person(card.psn_no);
      }
      default:
        throw new CentreError('input', `mdtrt_cert_type ${input.mdtrt_cert_type} (e-certificate) is not simulated: use 02 (ID number) or 03 (social security card)`);
    }
  }

  /** Checks the certificate a registration names against the person. */
  #checkCertificate(person: PersonRecord, type: string, no: string): void {
    if (type === '02') {
      if (no.toUpperCase() !== person.certno) throw new CentreError('mismatch', `mdtrt_cert_no ${no} is not the certno of ${person.psn_no}`);
      return;
    }
    if (type === '03') {
      const cards = this.#store.cardsOf(person.psn_no).filter((c) => c.status === 'active');
      if (cards.length === 0) throw new CentreError('state', `${person.psn_no} holds no active social security card`);
      if (cards.some((c) => c.card_no === no) || cards.every((c) => c.card_no === null)) return;
      throw new CentreError('mismatch', `mdtrt_cert_no ${no} is not the number of an active card of ${person.psn_no}`);
    }
    throw new CentreError('input', `mdtrt_cert_type ${type} (e-certificate) is not simulated: use 02 (ID number) or 03 (social security card)`);
  }

  #checkActive(person: PersonRecord): void {
    if (person.psn_insu_stas !== INSU_STAS.active) throw new CentreError('state', `the insurance of ${person.psn_no} is suspended (psn_insu_stas ${person.psn_insu_stas})`);
  }

  #checkInsutype(person: PersonRecord, insutype: string): void {
    if (insutype !== person.insutype) throw new CentreError('mismatch', `insutype ${insutype} is not the insurance of ${person.psn_no} (${person.insutype})`);
  }

  #openVisit(
    ctx: MessageContext,
    kind: VisitKind,
    v: Pick<VisitRecord, 'psn_no' | 'insutype' | 'begntime' | 'mdtrt_cert_type' | 'mdtrt_cert_no' | 'ipt_otp_no' | 'med_type' | 'dept_code' | 'dept_name' | 'atddr_no' | 'dr_name'>,
  ): VisitRecord {
    const person = this.#personOfMessage(ctx, v.psn_no);
    this.#checkActive(person);
    this.#checkInsutype(person, v.insutype);
    this.#checkCertificate(person, v.mdtrt_cert_type, v.mdtrt_cert_no);
    const same = this.#store.findVisitByHospitalNo(ctx.fixmedins_code, v.ipt_otp_no, v.psn_no);
    if (same) {
      if (same.kind !== kind) throw new CentreError('state', `ipt_otp_no ${v.ipt_otp_no} is an ${same.kind} visit (${same.mdtrt_id})`);
      return same;
    }
    const now = this.#now();
    const visit: VisitRecord = {
      ...v,
      mdtrt_id: this.#id(ctx.mdtrtarea_admvs, now, '1', 'mdtrt_id'),
      kind,
      fixmedins_code: ctx.fixmedins_code,
      fixmedins_name: ctx.fixmedins_name ?? '',
      mdtrtarea_admvs: ctx.mdtrtarea_admvs,
      status: 'open',
      msgid: ctx.msgid,
      created_at: now.time,
    };
    this.#store.insertVisit(visit);
    return visit;
  }

  /** A visit named by a message: it must be this person's, this kind, at this institution and place. */
  #visit(ctx: MessageContext, mdtrt_id: string, psn_no: string, kind: VisitKind): VisitRecord {
    const visit = this.#store.getVisit(mdtrt_id);
    if (!visit) throw new CentreError('visit', `no visit has mdtrt_id ${mdtrt_id}`);
    if (visit.psn_no !== psn_no) throw new CentreError('mismatch', `visit ${mdtrt_id} is of psn_no ${visit.psn_no}, not ${psn_no}`);
    if (visit.kind !== kind) throw new CentreError('state', `visit ${mdtrt_id} is an ${visit.kind} visit`);
    if (visit.fixmedins_code !== ctx.fixmedins_code) throw new CentreError('mismatch', `visit ${mdtrt_id} belongs to institution ${visit.fixmedins_code}, not ${ctx.fixmedins_code}`);
    if (visit.mdtrtarea_admvs !== ctx.mdtrtarea_admvs) {
      throw new CentreError('mismatch', `visit ${mdtrt_id} was registered in ${visit.mdtrtarea_admvs}, the envelope says mdtrtarea_admvs ${ctx.mdtrtarea_admvs}`);
    }
    if (visit.status === 'cancelled') throw new CentreError('state', `visit ${mdtrt_id} was withdrawn`);
    return visit;
  }

  #upload(ctx: MessageContext, kind: VisitKind, lines: readonly (OutpatientFeeInput | (InpatientFeeInput & { chrg_bchno: string }))[]): Once<FeeResult[]> {
    if (lines.length === 0) throw new CentreError('input', 'feedetail must list at least one fee detail');
    const { mdtrt_id, psn_no } = lines[0]!;
    for (const [i, l] of lines.entries()) {
      if (l.mdtrt_id !== mdtrt_id || l.psn_no !== psn_no) throw new CentreError('input', `feedetail[${i}]: every fee detail of one message must be of the same mdtrt_id and psn_no`);
    }
    const person = this.#personOfMessage(ctx, psn_no);
    const visit = this.#visit(ctx, mdtrt_id, psn_no, kind);
    if (visit.status !== 'open') throw new CentreError('state', `visit ${mdtrt_id} is ${visit.status}: it takes no more fee details`);
    const results: FeeResult[] = [];
    const settledBatches = new Set(this.#store.feeDetailsOf(mdtrt_id).filter((f) => f.setl_id !== null).map((f) => f.chrg_bchno));
    for (const [i, line] of lines.entries()) {
      const at = `feedetail[${i}] (feedetl_sn ${line.feedetl_sn})`;
      const existing = this.#store.getFeeDetail(mdtrt_id, line.feedetl_sn);
      if (existing) {
        const same =
          existing.chrg_bchno === line.chrg_bchno &&
          existing.med_list_codg === line.med_list_codg &&
          existing.cnt === line.cnt &&
          existing.pric === line.pric &&
          existing.det_item_fee_sumamt === line.det_item_fee_sumamt;
        if (!same) throw new CentreError('mismatch', `${at}: this feedetl_sn was already uploaded with other content`);
        results.push(feeResult(existing));
        continue;
      }
      if (kind === 'outpatient' && settledBatches.has(line.chrg_bchno)) {
        throw new CentreError('state', `${at}: chrg_bchno ${line.chrg_bchno} is already settled; cancel it (2208) or use a new batch`);
      }
      const entry = this.#catalogues.lookup(visit.mdtrtarea_admvs, line.med_list_codg);
      if (!entry) throw new CentreError('catalogue', `${at}: med_list_codg ${line.med_list_codg} is not in the catalogue of treatment region ${visit.mdtrtarea_admvs}`);
      const expected = lineAmount(line.cnt, line.pric);
      if (expected !== line.det_item_fee_sumamt) {
        throw new CentreError('mismatch', `${at}: det_item_fee_sumamt ${yuan(line.det_item_fee_sumamt)} is not cnt × pric (${yuan(expected)})`);
      }
      const split = classifyLine(line, entry);
      const record: FeeDetailRecord = {
        mdtrt_id,
        feedetl_sn: line.feedetl_sn,
        chrg_bchno: line.chrg_bchno,
        psn_no: person.psn_no,
        med_list_codg: line.med_list_codg,
        medins_list_codg: line.medins_list_codg,
        medins_list_name: line.medins_list_name || entry.name,
        fee_ocur_time: line.fee_ocur_time,
        cnt: line.cnt,
        pric: line.pric,
        det_item_fee_sumamt: line.det_item_fee_sumamt,
        chrgitm_lv: entry.chrgitm_lv,
        med_chrgitm_type: entry.med_chrgitm_type,
        selfpay_prop: entry.selfpay_prop,
        pric_uplmt_amt: entry.pric_uplmt_amt ?? null,
        ...split,
        bilg_dept_codg: line.bilg_dept_codg,
        bilg_dr_codg: line.bilg_dr_codg,
        msgid: ctx.msgid,
        setl_id: null,
      };
      this.#store.insertFeeDetail(record);
      results.push(feeResult(record));
    }
    return { output: results, psn_no, subject: mdtrt_id };
  }

  #settlementParties(
    ctx: MessageContext,
    input: { psn_no: string; mdtrt_id: string; insutype: string },
    kind: VisitKind,
    options: { allowDischarged?: boolean } = {},
  ): { person: PersonRecord; visit: VisitRecord } {
    const person = this.#personOfMessage(ctx, input.psn_no);
    this.#checkInsutype(person, input.insutype);
    const visit = this.#visit(ctx, input.mdtrt_id, input.psn_no, kind);
    if (visit.status !== 'open' && !options.allowDischarged) throw new CentreError('state', `visit ${visit.mdtrt_id} is ${visit.status}`);
    return { person, visit };
  }

  #validSettlementOfBatch(mdtrt_id: string, chrg_bchno: string): SettlementRecord | undefined {
    return this.#store.settlementsOf(mdtrt_id).find((s) => s.status === 'settled' && s.chrg_bchno === chrg_bchno);
  }

  #batchRows(visit: VisitRecord, chrg_bchno: string): FeeDetailRecord[] {
    const rows = this.#store.feeDetailsOf(visit.mdtrt_id, { chrg_bchno, setl_id: null });
    if (rows.length === 0) throw new CentreError('state', `visit ${visit.mdtrt_id} has no uploaded fee details in chrg_bchno ${chrg_bchno}`);
    return rows;
  }

  /** A settlement asked for again: the same total gives it back; another total is an error. */
  #sameSettlement(s: SettlementRecord, medfee_sumamt: number): SettlementRecord {
    if (s.medfee_sumamt !== medfee_sumamt) {
      throw new CentreError('mismatch', `already settled as ${s.setl_id} for medfee_sumamt ${yuan(s.medfee_sumamt)}, not ${yuan(medfee_sumamt)}`);
    }
    this.#log?.info({ setl_id: s.setl_id }, 'settlement asked for again: answered, nothing charged');
    return s;
  }

  /** The figures of a settlement of these rows, now (nothing written). */
  #figures(ctx: MessageContext, person: PersonRecord, visit: VisitRecord, rows: readonly FeeDetailRecord[], req: SettlementRequest): SettlementFigures {
    this.#checkActive(person);
    const totals = billTotals(rows);
    if (totals.medfee_sumamt !== req.medfee_sumamt) {
      throw new CentreError('mismatch', `medfee_sumamt ${yuan(req.medfee_sumamt)} is not the total of the fee details to settle (${yuan(totals.medfee_sumamt)}, ${rows.length} details)`);
    }
    for (const [key, value] of Object.entries(req.declared) as [keyof SettlementRequest['declared'], number | undefined][]) {
      if (value !== undefined && value !== totals[key]) throw new CentreError('mismatch', `${key} ${yuan(value)} is not the centre's ${yuan(totals[key])}`);
    }
    const kind = PSN_TYPES[person.psn_type]?.kind;
    if (!kind) throw new CentreError('policy', `psn_type ${person.psn_type} of ${person.psn_no} is not one the centre knows`);
    const applied = this.#policies.apply(person.insuplc_admdvs, person.insutype, kind);
    if ('missing' in applied) throw new CentreError('policy', applied.missing);
    const now = this.#now();
    const annual = this.#store.getAnnual(person.psn_no, now.year);
    const split = computeSplit(totals, { dedcPaid: annual.dedc_paid, fundPaid: annual.fund_paid, balance: person.balance }, applied, req.acct_used_flag === '1');
    return {
      ...split,
      mdtrt_id: visit.mdtrt_id,
      psn_no: person.psn_no,
      kind: visit.kind,
      chrg_bchno: req.chrg_bchno,
      med_type: visit.med_type,
      insutype: person.insutype,
      psn_type: person.psn_type,
      setl_time: now.time,
      year: now.year,
      acct_used_flag: req.acct_used_flag,
      psn_setlway: req.psn_setlway,
      mid_setl_flag: req.mid_setl_flag,
      invono: req.invono,
      policy: applied.policy,
      fixmedins_code: visit.fixmedins_code,
      mdtrtarea_admvs: visit.mdtrtarea_admvs,
      insuplc_admdvs: person.insuplc_admdvs,
      clr_optins: visit.mdtrtarea_admvs,
      clr_type: CLR_TYPE[visit.kind],
      clr_way: CLR_WAY,
      msgid: ctx.msgid,
    };
  }

  /** Settles: account, year's figures, settlement, fee details and ledger, in the caller's transaction. */
  #commit(ctx: MessageContext, person: PersonRecord, visit: VisitRecord, rows: readonly FeeDetailRecord[], req: SettlementRequest): SettlementRecord {
    const f = this.#figures(ctx, person, visit, rows, req);
    const now = this.#now();
    const record: SettlementRecord = {
      ...f,
      setl_id: this.#id(visit.mdtrtarea_admvs, now, '2', 'setl_id'),
      status: 'settled',
      cancel_id: null,
      cancel_time: null,
      cancel_msgid: null,
      cancel_balc: null,
    };
    this.#store.insertSettlement(record);
    this.#store.setBalance(person.psn_no, record.balc);
    const annual = this.#store.getAnnual(person.psn_no, record.year);
    this.#store.putAnnual({ ...annual, dedc_paid: annual.dedc_paid + record.act_pay_dedc, fund_paid: annual.fund_paid + record.hifp_pay });
    this.#store.setFeeDetailSettlement(visit.mdtrt_id, rows.map((r) => r.feedetl_sn), record.setl_id);
    this.#store.appendLedger({
      setl_id: record.setl_id,
      kind: 'settle',
      time: record.setl_time,
      fixmedins_code: record.fixmedins_code,
      clr_optins: record.clr_optins,
      clr_type: record.clr_type,
      insutype: record.insutype,
      fund_pay_type: POOL_FUND[record.insutype].fund_pay_type,
      medfee_sumamt: record.medfee_sumamt,
      fund_pay_sumamt: record.fund_pay_sumamt,
      acct_pay: record.acct_pay,
      psn_cash_pay: record.psn_cash_pay,
    });
    if (visit.kind === 'inpatient' && req.mid_setl_flag === '0') this.#store.setVisitStatus(visit.mdtrt_id, 'discharged');
    this.#log?.info({ setl_id: record.setl_id, mdtrt_id: visit.mdtrt_id, hifp_pay: record.hifp_pay, acct_pay: record.acct_pay, cash: record.psn_cash_pay }, 'settled');
    return record;
  }

  #cancel(ctx: MessageContext, input: CancellationInput, kind: VisitKind): Once<SettlementOutput> {
    const s = this.#store.getSettlement(input.setl_id);
    if (!s) throw new CentreError('settlement', `no settlement has setl_id ${input.setl_id}`);
    if (s.mdtrt_id !== input.mdtrt_id) throw new CentreError('mismatch', `settlement ${s.setl_id} is of visit ${s.mdtrt_id}, not ${input.mdtrt_id}`);
    if (s.psn_no !== input.psn_no) throw new CentreError('mismatch', `settlement ${s.setl_id} is of psn_no ${s.psn_no}, not ${input.psn_no}`);
    if (s.kind !== kind) throw new CentreError('state', `settlement ${s.setl_id} is an ${s.kind} settlement`);
    this.#personOfMessage(ctx, s.psn_no);
    const visit = this.#visit(ctx, s.mdtrt_id, s.psn_no, kind);
    const done = s.status === 'cancelled' ? s : this.#reverseSettlement(ctx, s);
    return { output: cancellationOutput(done, this.#person(s.psn_no), visit), psn_no: s.psn_no, subject: s.setl_id };
  }

  /** Undoes a valid settlement in the caller's transaction; returns the cancelled record. */
  #reverseSettlement(ctx: MessageContext, s: SettlementRecord): SettlementRecord {
    const now = this.#now();
    const person = this.#person(s.psn_no);
    const balance = person.balance + s.acct_pay;
    const annual = this.#store.getAnnual(s.psn_no, s.year);
    const dedc_paid = annual.dedc_paid - s.act_pay_dedc;
    const fund_paid = annual.fund_paid - s.hifp_pay;
    if (dedc_paid < 0 || fund_paid < 0) throw new Error(`centre: the ${s.year} figures of ${s.psn_no} are below what settlement ${s.setl_id} added`);
    this.#store.setBalance(s.psn_no, balance);
    this.#store.putAnnual({ ...annual, dedc_paid, fund_paid });
    const cancel_id = this.#id(s.mdtrtarea_admvs, now, '3', 'setl_id');
    this.#store.markCancelled(s.setl_id, { cancel_id, cancel_time: now.time, cancel_msgid: ctx.msgid, cancel_balc: balance });
    const rows = this.#store.feeDetailsOf(s.mdtrt_id, { setl_id: s.setl_id });
    this.#store.setFeeDetailSettlement(s.mdtrt_id, rows.map((r) => r.feedetl_sn), null);
    this.#store.appendLedger({
      setl_id: s.setl_id,
      kind: 'cancel',
      time: now.time,
      fixmedins_code: s.fixmedins_code,
      clr_optins: s.clr_optins,
      clr_type: s.clr_type,
      insutype: s.insutype,
      fund_pay_type: POOL_FUND[s.insutype].fund_pay_type,
      medfee_sumamt: -s.medfee_sumamt,
      fund_pay_sumamt: -s.fund_pay_sumamt,
      acct_pay: -s.acct_pay,
      psn_cash_pay: -s.psn_cash_pay,
    });
    const visit = this.#store.getVisit(s.mdtrt_id);
    if (visit?.status === 'discharged') this.#store.setVisitStatus(s.mdtrt_id, 'open');
    this.#log?.info({ setl_id: s.setl_id, cancel_id }, 'settlement cancelled');
    return this.#store.getSettlement(s.setl_id)!;
  }

  /** A new ID: region (6) ‖ day (8) ‖ kind digit ‖ sequence (7): 22 characters. */
  #id(region: string, now: ChinaTime, kindDigit: string, counter: string): string {
    return `${region}${now.day}${kindDigit}${String(this.#store.nextSequence(counter)).padStart(7, '0')}`;
  }

  /** 2601: undoes what a message did, in the caller's transaction. */
  #undoMessage(ctx: MessageContext, m: { infno: string; subject: string; msgid: string }): void {
    const what = REVERSIBLE[m.infno];
    if (!what) throw new CentreError('state', `2601 reverses ${Object.keys(REVERSIBLE).join(', ')} messages, not ${m.infno}`);
    switch (what) {
      case 'settlement': {
        const s = this.#store.getSettlement(m.subject);
        if (!s) throw new Error(`centre: message ${m.msgid} names settlement ${m.subject}, which is not stored`);
        if (s.status === 'settled') this.#reverseSettlement(ctx, s);
        return;
      }
      case 'visit': {
        const live = this.#store.settlementsOf(m.subject).filter((s) => s.status === 'settled');
        if (live.length > 0) throw new CentreError('state', `visit ${m.subject} has a valid settlement (${live[0]!.setl_id}); cancel it first`);
        this.#store.setVisitStatus(m.subject, 'cancelled');
        return;
      }
      case 'upload': {
        const rows = this.#store.feeDetailsOf(m.subject, { msgid: m.msgid });
        const settled = rows.find((r) => r.setl_id !== null);
        if (settled) throw new CentreError('state', `fee detail ${settled.feedetl_sn} of that upload is settled (${settled.setl_id}); cancel the settlement first`);
        this.#store.deleteFeeDetails(m.subject, rows.map((r) => r.feedetl_sn));
        return;
      }
    }
  }
}

/** What 2601 undoes for each kind of message it reverses. */
const REVERSIBLE: Readonly<Record<string, 'settlement' | 'visit' | 'upload'>> = {
  '2201': 'visit',
  '2401': 'visit',
  '2204': 'upload',
  '2301': 'upload',
  '2207': 'settlement',
  '2304': 'settlement',
};

function cancellationOutput(s: SettlementRecord, person: PersonRecord, visit: VisitRecord): SettlementOutput {
  return settlementOutput(s, person, visit, { id: s.cancel_id!, time: s.cancel_time!, msgid: s.cancel_msgid!, balc: s.cancel_balc! });
}

function outpatientRequest(input: OutpatientSettlementInput): SettlementRequest {
  return {
    psn_no: input.psn_no,
    mdtrt_id: input.mdtrt_id,
    medfee_sumamt: input.medfee_sumamt,
    acct_used_flag: input.acct_used_flag,
    insutype: input.insutype,
    psn_setlway: input.psn_setlway,
    invono: input.invono,
    mid_setl_flag: '0',
    chrg_bchno: input.chrg_bchno,
    declared: declaredOf(input),
  };
}

function inpatientRequest(input: InpatientSettlementInput): SettlementRequest {
  return {
    psn_no: input.psn_no,
    mdtrt_id: input.mdtrt_id,
    medfee_sumamt: input.medfee_sumamt,
    acct_used_flag: input.acct_used_flag,
    insutype: input.insutype,
    psn_setlway: input.psn_setlway,
    invono: input.invono,
    mid_setl_flag: input.mid_setl_flag,
    chrg_bchno: '',
    declared: declaredOf(input),
  };
}

function declaredOf(input: { fulamt_ownpay_amt?: number | undefined; overlmt_selfpay?: number | undefined; preselfpay_amt?: number | undefined; inscp_scp_amt?: number | undefined }): SettlementRequest['declared'] {
  const d: SettlementRequest['declared'] = {};
  if (input.fulamt_ownpay_amt !== undefined) d.fulamt_ownpay_amt = input.fulamt_ownpay_amt;
  if (input.overlmt_selfpay !== undefined) d.overlmt_selfpay = input.overlmt_selfpay;
  if (input.preselfpay_amt !== undefined) d.preselfpay_amt = input.preselfpay_amt;
  if (input.inscp_scp_amt !== undefined) d.inscp_scp_amt = input.inscp_scp_amt;
  return d;
}

function checkCard(c: { card_sn: string; card_no?: string | undefined }): void {
  if (!/^[0-9A-Fa-f]{32}$/.test(c.card_sn)) throw new CentreError('input', `card_sn must be the 32-hex-digit card identifier (卡识别码), got ${JSON.stringify(c.card_sn)}`);
  if (c.card_no !== undefined && !/^[0-9A-Z]{9}$/.test(c.card_no)) throw new CentreError('input', `card_no must be the 9-character card number, got ${JSON.stringify(c.card_no)}`);
}

function cardRecord(c: { card_sn: string; card_no?: string | undefined }, psn_no: string, time: string): CardRecord {
  return { card_sn: c.card_sn.toUpperCase(), card_no: c.card_no ?? null, psn_no, status: 'active', bound_at: time };
}

/** JSON with object keys sorted (the digest of a message's input). */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
