/**
 * The shape of a conformance case. Cases are data (the tables in `cases/`): an id, the suite, the
 * specification sections it checks, what it needs, how risky it is for a real card, and its steps —
 * APDUs with the status words and values the standards (or DOMAIN.md) expect, never values taken from
 * the card's code. docs/qa-conformance.md lists every case.
 */
import type { CardInterface } from '../../spec/card-interface.js';
import type { CaseContext } from './context.js';

/** The suites, in the order `--suite all` runs them. */
export const SUITES = ['ssse', 'psam', 'pki', 'pboc', 'qpboc'] as const;
export type SuiteName = (typeof SUITES)[number];

/** One line per suite for help texts and reports. */
export const SUITE_TITLES: Readonly<Record<SuiteName, string>> = {
  ssse: 'social-security application (SSSE): files, data items, access rules, PIN, commands, status words, medical debit',
  psam: 'with the PSAM: card check, external authentication, secure messaging, PIN reload/unblock, offline medical debit, life cycle',
  pki: 'PKI application: certificate, PIN (plain and enciphered), PSO COMPUTE DIGITAL SIGNATURE verified against the certificate',
  pboc: 'PBOC 3.0 contact: selection, GPO, records, SM2 offline data authentication, CVM, GENERATE AC, online, issuer scripts, EC',
  qpboc: 'qPBOC (contactless): PPSE, GPO decisions, fDDA, electronic cash and its limits',
};

/**
 * What a case does to the card:
 * - `none`: reads only;
 * - `restores`: changes state and puts it back (a wrong PIN then the right one, a record rewritten with its value);
 * - `spends`: leaves a lasting but harmless trace (ATC, a medical debit of 1 fen, a transaction log);
 * - `blocks`: could leave the card blocked (PIN exhaustion, application or card block): on a real card
 *   only with `--destructive`; in-process on a fresh copy of the image.
 */
export type Risk = 'none' | 'restores' | 'spends' | 'blocks';

/** What a case needs; without it the case is skipped with the reason. */
export interface Needs {
  /** A PSAM (`--psam` / `--psam-reader`). */
  psam?: boolean;
  /** The interface it runs on (default: the run's). */
  interface?: CardInterface;
  /** Only for a contact protocol (T=0 behaviour). */
  protocol?: 'T=0';
}

/** A conformance case. */
export interface ConformanceCase {
  /** Dotted id, unique: `ssse.select.by-name`. */
  readonly id: string;
  readonly suite: SuiteName;
  /** What it checks, one line. */
  readonly title: string;
  /** Specification sections it checks: `LD/T 32.5-2015 §7.5`, `ISO/IEC 7816-4:2005 §7.3.3`, `DOMAIN.md §1.2`. */
  readonly refs: readonly string[];
  readonly risk: Risk;
  /** Why it is risky (shown when it is skipped or run on a copy). */
  readonly riskNote?: string;
  readonly needs?: Needs;
  /** It leaves the card unusable (CARD BLOCK): on a real card it runs after every other case. */
  readonly final?: boolean;
  run(t: CaseContext): Promise<void>;
}

/** How a case ended. `error`: it could not reach its check (the reader or the card failed). */
export type Outcome = 'passed' | 'failed' | 'error' | 'skipped';

/** One exchange as a case saw it (after GET RESPONSE handling), for reports. */
export interface LoggedExchange {
  label?: string;
  command: string;
  /** Response hex, or undefined when the exchange failed. */
  response?: string;
  error?: string;
  ms: number;
}

/** The result of one case. */
export interface CaseResult {
  id: string;
  suite: SuiteName;
  title: string;
  refs: readonly string[];
  risk: Risk;
  outcome: Outcome;
  /** Failure / error / skip reason, one line. */
  message?: string;
  /** Where it ran: `shared` card, or a fresh `copy` of the image. */
  ranOn?: 'shared' | 'copy';
  ms: number;
  exchanges: LoggedExchange[];
  notes: string[];
}

/** A whole run. */
export interface RunReport {
  startedAt: Date;
  /** What was tested: `card.json (contact)` or `reader "…"`. */
  target: string;
  atr: string;
  suites: SuiteName[];
  faults: string[];
  results: CaseResult[];
  ms: number;
}

/** Counts of a run or a suite. */
export interface Counts {
  total: number;
  passed: number;
  failed: number;
  error: number;
  skipped: number;
}

export function countResults(results: readonly CaseResult[]): Counts {
  const c: Counts = { total: results.length, passed: 0, failed: 0, error: 0, skipped: 0 };
  for (const r of results) c[r.outcome === 'passed' ? 'passed' : r.outcome === 'failed' ? 'failed' : r.outcome === 'error' ? 'error' : 'skipped']++;
  return c;
}
