/**
 * The centre's storage port: everything the domain logic asks of its state, and nothing about how it
 * is kept. `sqlite-store.ts` implements it on a SQLite database (docs/architecture.md "Host state").
 * Every method is synchronous; `transaction` makes a group of calls atomic (all or nothing), which is
 * how a settlement keeps fund, account and ledger consistent.
 */
import type { AnnualRecord, CardRecord, FeeDetailRecord, LedgerEntry, MessageRecord, PersonRecord, SettlementRecord, VisitRecord } from './model.js';

export interface LedgerQuery {
  fixmedins_code: string;
  clr_optins: string;
  insutype: string;
  clr_type: string;
  /** yyyy-MM-dd, inclusive. */
  from: string;
  to: string;
}

export interface CentreStore {
  /** Runs `fn` atomically; if it throws, none of its writes stay. Nested calls join the outer one. */
  transaction<T>(fn: () => T): T;
  /** The next value (1, 2, …) of a named counter. */
  nextSequence(name: string): number;

  insertPerson(p: PersonRecord): void;
  getPerson(psn_no: string): PersonRecord | undefined;
  findPersonByCertno(certno: string): PersonRecord | undefined;
  listPersons(): PersonRecord[];
  setBalance(psn_no: string, balance: number): void;
  setInsuranceStatus(psn_no: string, psn_insu_stas: string): void;

  insertCard(c: CardRecord): void;
  getCard(card_sn: string): CardRecord | undefined;
  cardsOf(psn_no: string): CardRecord[];
  setCardStatus(card_sn: string, status: CardRecord['status']): void;

  /** The year's figures (zeros when nothing was recorded). */
  getAnnual(psn_no: string, year: number): AnnualRecord;
  putAnnual(a: AnnualRecord): void;

  insertVisit(v: VisitRecord): void;
  getVisit(mdtrt_id: string): VisitRecord | undefined;
  /** The open or discharged visit of a hospital's own visit number (ipt_otp_no), if any. */
  findVisitByHospitalNo(fixmedins_code: string, ipt_otp_no: string, psn_no: string): VisitRecord | undefined;
  setVisitStatus(mdtrt_id: string, status: VisitRecord['status']): void;

  insertFeeDetail(f: FeeDetailRecord): void;
  getFeeDetail(mdtrt_id: string, feedetl_sn: string): FeeDetailRecord | undefined;
  /** Fee details of a visit in upload order; filtered by batch and/or settlement. */
  feeDetailsOf(mdtrt_id: string, filter?: { chrg_bchno?: string; setl_id?: string | null; msgid?: string }): FeeDetailRecord[];
  setFeeDetailSettlement(mdtrt_id: string, feedetl_sns: readonly string[], setl_id: string | null): void;
  deleteFeeDetails(mdtrt_id: string, feedetl_sns: readonly string[]): void;

  insertSettlement(s: SettlementRecord): void;
  getSettlement(setl_id: string): SettlementRecord | undefined;
  /** Settlements of a visit, oldest first. */
  settlementsOf(mdtrt_id: string): SettlementRecord[];
  /** A person's settlements, newest first. */
  settlementsOfPerson(psn_no: string, limit: number): SettlementRecord[];
  markCancelled(setl_id: string, c: { cancel_id: string; cancel_time: string; cancel_msgid: string; cancel_balc: number }): void;

  appendLedger(e: LedgerEntry): void;
  /** Ledger entries of one institution, agency, scheme and clearing type between two dates. */
  ledger(q: LedgerQuery): LedgerEntry[];
  /** The fund's running totals over the whole ledger. */
  ledgerTotals(): { entries: number; medfee_sumamt: number; fund_pay_sumamt: number; acct_pay: number; psn_cash_pay: number };

  getMessage(msgid: string): MessageRecord | undefined;
  putMessage(m: MessageRecord): void;
  markReversed(msgid: string, by: string): void;

  close(): void;
}
