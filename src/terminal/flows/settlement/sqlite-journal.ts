/**
 * The settlement journal in SQLite: `<state-dir>/settlement.sqlite`, opened by the hosts' storage
 * helper (src/terminal/hosts/storage/sqlite.ts: WAL, synchronous=FULL, versioned schema). Every write
 * is one transaction, durable when the call returns — the write-ahead rule of the flow depends on it.
 *
 * Tables: `visit` (one row per attempt at a bill; a partial unique index allows one live visit per
 * bill) and `step` (append-only: triggers refuse UPDATE and DELETE).
 */
import { openStateDatabase, type Migration, type SqliteDatabase, type StateLocation } from '../../hosts/storage/sqlite.js';
import {
  JournalConflictError,
  LIVE_STATES,
  type JournalStep,
  type JournalVisit,
  type NewVisit,
  type SettlementJournal,
  type StepName,
  type StepPhase,
  type VisitData,
  type VisitState,
} from './journal.js';
import type { SettlementReceipt } from './types.js';

/** The database's name in the state directory (`settlement.sqlite`). */
export const SETTLEMENT_DATABASE = 'settlement';

const LIVE = LIVE_STATES.map((s) => `'${s}'`).join(', ');

export const SETTLEMENT_MIGRATIONS: readonly Migration[] = [
  `CREATE TABLE visit (
     visit_id   TEXT PRIMARY KEY,
     bill_key   TEXT NOT NULL,
     attempt    INTEGER NOT NULL CHECK (attempt >= 1),
     mode       TEXT NOT NULL CHECK (mode IN ('online', 'offline')),
     state      TEXT NOT NULL CHECK (state IN ('open', 'settled', 'reversed', 'refused', 'abandoned', 'cancelling', 'cancelled')),
     card_sn    TEXT NOT NULL,
     setl_id    TEXT,
     bill       TEXT NOT NULL,
     data       TEXT NOT NULL,
     receipt    TEXT,
     notified   INTEGER NOT NULL DEFAULT 0 CHECK (notified IN (0, 1)),
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     UNIQUE (bill_key, attempt)
   );
   CREATE UNIQUE INDEX visit_live_bill ON visit (bill_key) WHERE state IN (${LIVE});
   CREATE INDEX visit_setl ON visit (setl_id);
   CREATE TABLE step (
     visit_id TEXT NOT NULL REFERENCES visit (visit_id),
     seq      INTEGER NOT NULL,
     step     TEXT NOT NULL,
     phase    TEXT NOT NULL CHECK (phase IN ('intent', 'done', 'failed')),
     ref      TEXT,
     data     TEXT,
     at       TEXT NOT NULL,
     PRIMARY KEY (visit_id, seq)
   );
   CREATE TRIGGER step_no_update BEFORE UPDATE ON step BEGIN SELECT RAISE(ABORT, 'the settlement journal is append-only'); END;
   CREATE TRIGGER step_no_delete BEFORE DELETE ON step BEGIN SELECT RAISE(ABORT, 'the settlement journal is append-only'); END;`,
];

interface VisitRow {
  visit_id: string;
  bill_key: string;
  attempt: number;
  mode: 'online' | 'offline';
  state: VisitState;
  card_sn: string;
  setl_id: string | null;
  bill: string;
  data: string;
  receipt: string | null;
  notified: number;
  created_at: string;
  updated_at: string;
}

interface StepRow {
  visit_id: string;
  seq: number;
  step: StepName;
  phase: StepPhase;
  ref: string | null;
  data: string | null;
  at: string;
}

function visitOf(row: VisitRow): JournalVisit {
  return {
    visitId: row.visit_id,
    billKey: row.bill_key,
    attempt: row.attempt,
    mode: row.mode,
    state: row.state,
    cardSn: row.card_sn,
    ...(row.setl_id ? { setlId: row.setl_id } : {}),
    bill: JSON.parse(row.bill) as JournalVisit['bill'],
    data: JSON.parse(row.data) as VisitData,
    ...(row.receipt ? { receipt: JSON.parse(row.receipt) as SettlementReceipt } : {}),
    notified: row.notified === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The journal over its SQLite database. */
export class SqliteSettlementJournal implements SettlementJournal {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  /** Opens (creating) `<stateDir>/settlement.sqlite`, or an in-memory journal. */
  static open(location: StateLocation): SqliteSettlementJournal {
    return new SqliteSettlementJournal(openStateDatabase(location, SETTLEMENT_DATABASE, SETTLEMENT_MIGRATIONS));
  }

  open(visit: NewVisit, at: string): JournalVisit {
    const run = this.#db.transaction(() => {
      const live = this.liveVisitOfBill(visit.billKey);
      if (live) throw new JournalConflictError(`bill ${visit.billKey} already has a ${live.state} visit ${live.visitId}`);
      const last = this.#db.prepare('SELECT MAX(attempt) AS n FROM visit WHERE bill_key = ?').get(visit.billKey) as { n: number | null };
      this.#db
        .prepare(
          `INSERT INTO visit (visit_id, bill_key, attempt, mode, state, card_sn, bill, data, created_at, updated_at)
           VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, ?)`,
        )
        .run(visit.visitId, visit.billKey, (last.n ?? 0) + 1, visit.mode, visit.cardSn, JSON.stringify(visit.bill), JSON.stringify(visit.data), at, at);
    });
    try {
      run.immediate();
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new JournalConflictError(`bill ${visit.billKey} is being settled by another process`);
      throw err;
    }
    return this.visit(visit.visitId)!;
  }

  record(
    visitId: string,
    step: StepName,
    phase: StepPhase,
    at: string,
    options: { ref?: string; data?: unknown; patch?: Partial<VisitData>; setlId?: string } = {},
  ): JournalVisit {
    const run = this.#db.transaction(() => {
      const row = this.#row(visitId);
      const seq = (this.#db.prepare('SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM step WHERE visit_id = ?').get(visitId) as { n: number }).n;
      this.#db
        .prepare('INSERT INTO step (visit_id, seq, step, phase, ref, data, at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(visitId, seq, step, phase, options.ref ?? null, options.data === undefined ? null : JSON.stringify(options.data), at);
      const data = options.patch ? { ...(JSON.parse(row.data) as VisitData), ...options.patch } : undefined;
      this.#db
        .prepare('UPDATE visit SET data = COALESCE(?, data), setl_id = COALESCE(?, setl_id), updated_at = ? WHERE visit_id = ?')
        .run(data ? JSON.stringify(data) : null, options.setlId ?? null, at, visitId);
    });
    run.immediate();
    return this.visit(visitId)!;
  }

  finish(visitId: string, state: VisitState, at: string, options: { receipt?: SettlementReceipt; patch?: Partial<VisitData> } = {}): JournalVisit {
    const run = this.#db.transaction(() => {
      const row = this.#row(visitId);
      const data = options.patch ? { ...(JSON.parse(row.data) as VisitData), ...options.patch } : undefined;
      this.#db
        .prepare('UPDATE visit SET state = ?, data = COALESCE(?, data), receipt = COALESCE(?, receipt), updated_at = ? WHERE visit_id = ?')
        .run(state, data ? JSON.stringify(data) : null, options.receipt ? JSON.stringify(options.receipt) : null, at, visitId);
    });
    run.immediate();
    return this.visit(visitId)!;
  }

  markNotified(visitId: string, at: string): void {
    this.#db.prepare('UPDATE visit SET notified = 1, updated_at = ? WHERE visit_id = ?').run(at, visitId);
  }

  visit(visitId: string): JournalVisit | undefined {
    const row = this.#db.prepare('SELECT * FROM visit WHERE visit_id = ?').get(visitId) as VisitRow | undefined;
    return row ? visitOf(row) : undefined;
  }

  liveVisitOfBill(billKey: string): JournalVisit | undefined {
    const row = this.#db.prepare(`SELECT * FROM visit WHERE bill_key = ? AND state IN (${LIVE})`).get(billKey) as VisitRow | undefined;
    return row ? visitOf(row) : undefined;
  }

  visitOfSettlement(setlId: string): JournalVisit | undefined {
    const row = this.#db
      .prepare(`SELECT * FROM visit WHERE setl_id = ? AND state IN ('settled', 'cancelling', 'cancelled') ORDER BY created_at DESC LIMIT 1`)
      .get(setlId) as VisitRow | undefined;
    return row ? visitOf(row) : undefined;
  }

  unfinished(): JournalVisit[] {
    const rows = this.#db
      .prepare(`SELECT * FROM visit WHERE state IN ('open', 'cancelling') OR (state = 'settled' AND notified = 0) ORDER BY created_at, visit_id`)
      .all() as VisitRow[];
    return rows.map(visitOf);
  }

  steps(visitId: string): JournalStep[] {
    const rows = this.#db.prepare('SELECT * FROM step WHERE visit_id = ? ORDER BY seq').all(visitId) as StepRow[];
    return rows.map((r) => ({
      visitId: r.visit_id,
      seq: r.seq,
      step: r.step,
      phase: r.phase,
      ...(r.ref ? { ref: r.ref } : {}),
      ...(r.data !== null ? { data: JSON.parse(r.data) as unknown } : {}),
      at: r.at,
    }));
  }

  list(limit = 20): JournalVisit[] {
    const rows = this.#db.prepare('SELECT * FROM visit ORDER BY created_at DESC, visit_id DESC LIMIT ?').all(limit) as VisitRow[];
    return rows.map(visitOf);
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  #row(visitId: string): VisitRow {
    const row = this.#db.prepare('SELECT * FROM visit WHERE visit_id = ?').get(visitId) as VisitRow | undefined;
    if (!row) throw new RangeError(`settlement journal: no visit ${visitId}`);
    return row;
  }
}
