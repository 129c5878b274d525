/**
 * The settlement journal: the terminal's write-ahead log of every visit it settles, so that a visit
 * interrupted anywhere (a crash, a kill, a power cut) is completed or reversed at the next start, never
 * left half-settled (docs/settlement.md "Idempotency and recovery").
 *
 * The flow writes a step's `intent` — with the deterministic ID the step will use at the centre (msgid)
 * or the issuer (transaction ID) — BEFORE it calls the centre or the issuer, and its `done` / `failed`
 * with the answer after. Because the centre is idempotent by msgid and the issuer by transaction ID,
 * recovery can repeat or reverse any step whose answer was lost.
 *
 * This module is the port (the flow sees only it); `sqlite-journal.ts` keeps it in
 * `<state-dir>/settlement.sqlite`.
 */
import type { Bill } from '../../hosts/medical-insurance/bill.js';
import type { Insutype } from '../../hosts/medical-insurance/codes.js';
import type { SettlementOutput } from '../../hosts/medical-insurance/outputs.js';
import type { AppliedPolicy } from '../../hosts/medical-insurance/policy.js';
import type { BankPart, CardDebitPart, CardHolder, SettlementReceipt, SettlementSplit } from './types.js';

/** A visit's state. Live states (one per bill at most): open, settled, cancelling. */
export type VisitState =
  /** Being settled (or interrupted: recovery decides). */
  | 'open'
  /** Both parts done; the receipt is kept. */
  | 'settled'
  /** Something was charged and has been reversed. */
  | 'reversed'
  /** Refused before anything was charged. */
  | 'refused'
  /** Interrupted before anything was charged; recovery closed it. */
  | 'abandoned'
  /** A cancel (2208 + the bank's reversal) is under way. */
  | 'cancelling'
  /** Cancelled: both parts reversed. */
  | 'cancelled';

export const LIVE_STATES: readonly VisitState[] = ['open', 'settled', 'cancelling'];

/** The steps the journal records. */
export type StepName =
  | 'person' // 1101
  | 'register' // 2201 / 2401
  | 'fees' // 2204 / 2301
  | 'presettle' // 2206 / 2303
  | 'financial-check'
  | 'settle' // 2207 / 2304
  | 'bank' // the PBOC transaction (one intent per attempt: qPBOC, then contact)
  | 'card-debit' // offline: B0 28 / B0 2C through the PSAM
  | 'bank-reversal'
  | 'medical-reversal' // 2208 / 2305 (setl_id known) or 2601 (the answer to 2207 / 2304 was lost)
  | 'cancel' // 2208 / 2305 asked by the operator
  | 'cancel-bank'
  | 'notify'; // the card-management port told

export type StepPhase = 'intent' | 'done' | 'failed';

/** One journal point (hooks and tests): a step's phase written. */
export interface JournalPoint {
  visitId: string;
  step: StepName | 'open' | 'finish';
  phase: StepPhase;
  /** The msgid or transaction ID the step uses. */
  ref?: string;
}

/** What the flow keeps about a visit as it goes (JSON in the journal). */
export interface VisitData {
  holder: CardHolder;
  /** Online: the insured person as 1101 answered. */
  psn_no?: string;
  insutype?: Insutype;
  insuplc_admdvs?: string;
  mdtrt_id?: string;
  /** 2206 / 2303: the split shown before anything is charged. */
  shown?: SettlementSplit;
  /** 2207 / 2304: the settlement the centre made. */
  settlement?: SettlementOutput;
  /** Offline: the split computed by the terminal, its policy, and what the card said before the debit. */
  offline?: { split: SettlementSplit; policy: AppliedPolicy; countBefore: number; balanceBefore: number; note: string };
  debit?: CardDebitPart;
  /** Every bank transaction ID tried, in order (all are reversed when the visit is undone). */
  bankRefs: string[];
  bank?: BankPart;
  /** 2208 / 2305 of a cancel or reversal, as the centre answered. */
  cancellation?: SettlementOutput;
  /** Why the visit was refused, reversed or is pending. */
  why?: string;
  interface: 'contact' | 'contactless';
  notes: string[];
}

/** A visit as the journal keeps it. */
export interface JournalVisit {
  visitId: string;
  /** fixmedins_code | kind | ipt_otp_no | chrg_bchno: the bill's identity. */
  billKey: string;
  /** 1 for the first visit of a bill, 2 after the first was reversed or cancelled… */
  attempt: number;
  mode: 'online' | 'offline';
  state: VisitState;
  cardSn: string;
  setlId?: string;
  bill: Bill;
  data: VisitData;
  receipt?: SettlementReceipt;
  /** The card-management port has been told of this settlement. */
  notified: boolean;
  createdAt: string;
  updatedAt: string;
}

/** One step as written. */
export interface JournalStep {
  visitId: string;
  seq: number;
  step: StepName;
  phase: StepPhase;
  ref?: string;
  data?: unknown;
  at: string;
}

/** A visit about to be opened. */
export interface NewVisit {
  visitId: string;
  billKey: string;
  mode: 'online' | 'offline';
  cardSn: string;
  bill: Bill;
  data: VisitData;
}

/** Two live visits for one bill (another process is settling it). */
export class JournalConflictError extends Error {
  override name = 'JournalConflictError';
}

/**
 * The journal's storage port. Every method is synchronous and durable when it returns (the SQLite
 * adapter commits with synchronous=FULL).
 */
export interface SettlementJournal {
  /** Opens a visit (state open), its attempt number the next for the bill. @throws JournalConflictError */
  open(visit: NewVisit, at: string): JournalVisit;
  /** Appends a step and merges `patch` into the visit's data, in one transaction. */
  record(visitId: string, step: StepName, phase: StepPhase, at: string, options?: { ref?: string; data?: unknown; patch?: Partial<VisitData>; setlId?: string }): JournalVisit;
  /** Changes the visit's state (and its receipt), with a last patch of its data. */
  finish(visitId: string, state: VisitState, at: string, options?: { receipt?: SettlementReceipt; patch?: Partial<VisitData> }): JournalVisit;
  /** Marks the card-management port told. */
  markNotified(visitId: string, at: string): void;
  visit(visitId: string): JournalVisit | undefined;
  /** The live visit (open, settled or cancelling) of a bill, if any. */
  liveVisitOfBill(billKey: string): JournalVisit | undefined;
  /** The settled (or cancelling / cancelled) visit with this setl_id, if any. */
  visitOfSettlement(setlId: string): JournalVisit | undefined;
  /** Visits recovery must look at: open, cancelling, or settled and not yet notified. Oldest first. */
  unfinished(): JournalVisit[];
  steps(visitId: string): JournalStep[];
  /** Recent visits, newest first. */
  list(limit?: number): JournalVisit[];
  /** Closes the database. */
  close(): void;
}

/** The identity of a bill in the journal. */
export function billKeyOf(bill: Bill): string {
  return [bill.fixmedins_code, bill.kind, bill.ipt_otp_no, bill.chrg_bchno ?? ''].join('|');
}
