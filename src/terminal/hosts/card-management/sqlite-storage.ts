/**
 * The SQLite adapter of the card-management storage port (storage.ts): `card-management.sqlite` in
 * the state directory (src/terminal/hosts/storage/sqlite.ts: WAL, synchronous=FULL, foreign keys,
 * versioned schema), each unit of work one `BEGIN IMMEDIATE … COMMIT` (storage/transactions.ts), so
 * that two processes on one state directory take turns and a failure changes nothing.
 *
 * Tables: `card` (one row per card identifier; the card number and the PAN are unique too) and `event`
 * (append-only: triggers refuse UPDATE and DELETE).
 */
import { assignments, namedParameters, type SqliteDatabase, type StateLocation } from '../storage/sqlite.js';
import { SqliteHostStorage } from '../storage/transactions.js';
import type { CardEvent, CardRecord, HolderData } from './model.js';
import type { CardStorage, CardStore } from './storage.js';

/** Name of the database (file `card-management.sqlite`). */
export const CARD_MANAGEMENT_DATABASE = 'card-management';

/** Schema steps, oldest first. Never edit a released step: append one. */
export const CARD_MANAGEMENT_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE card (
    card_sn TEXT PRIMARY KEY CHECK (length(card_sn) = 32 AND card_sn NOT GLOB '*[^0-9A-F]*'),
    card_number TEXT NOT NULL UNIQUE CHECK (length(card_number) = 9),
    region TEXT NOT NULL CHECK (length(region) = 6),
    id_number TEXT NOT NULL,
    holder TEXT NOT NULL CHECK (json_valid(holder)),
    pan TEXT UNIQUE CHECK (pan IS NULL OR (length(pan) BETWEEN 12 AND 19 AND pan NOT GLOB '*[^0-9]*')),
    pan_sequence TEXT,
    issue_date TEXT,
    expiry_date TEXT,
    issued_at TEXT NOT NULL,
    ss_activated_at TEXT,
    ss_activated_place TEXT,
    fin_activated_at TEXT,
    fin_activated_place TEXT,
    lifecycle TEXT NOT NULL CHECK (lifecycle IN ('valid', 'lost', 'deregistered')),
    suspended_at TEXT,
    suspended_until TEXT,
    lost_at TEXT,
    deregistered_at TEXT,
    replaces TEXT REFERENCES card (card_sn),
    replaced_by TEXT REFERENCES card (card_sn),
    first_medical_at TEXT,
    push_pending INTEGER NOT NULL CHECK (push_pending IN (0, 1)),
    updated_at TEXT NOT NULL,
    CHECK ((suspended_at IS NULL) = (suspended_until IS NULL)),
    CHECK (lifecycle = 'valid' OR suspended_at IS NULL),
    CHECK (lifecycle <> 'lost' OR lost_at IS NOT NULL),
    CHECK (lifecycle <> 'deregistered' OR deregistered_at IS NOT NULL)
  ) STRICT;
  CREATE INDEX card_by_person ON card (id_number, issued_at);
  CREATE INDEX card_by_suspension ON card (suspended_until) WHERE suspended_until IS NOT NULL;
  CREATE TABLE event (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    card_sn TEXT NOT NULL REFERENCES card (card_sn),
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    area TEXT CHECK (area IS NULL OR area IN ('social-security', 'financial')),
    place TEXT,
    detail TEXT NOT NULL
  ) STRICT;
  CREATE INDEX event_by_card ON event (card_sn, seq);
  CREATE TRIGGER event_no_update BEFORE UPDATE ON event BEGIN SELECT RAISE(ABORT, 'the card history is append-only'); END;
  CREATE TRIGGER event_no_delete BEFORE DELETE ON event BEGIN SELECT RAISE(ABORT, 'the card history is append-only'); END;
  CREATE TABLE settlement_notice (
    settlement_id TEXT PRIMARY KEY,
    card_sn TEXT NOT NULL REFERENCES card (card_sn),
    at TEXT NOT NULL
  ) STRICT;
  `,
];

type Row = Record<string, unknown>;

const COLUMNS = `card_sn, card_number, region, id_number, holder, pan, pan_sequence, issue_date, expiry_date, issued_at,
  ss_activated_at, ss_activated_place, fin_activated_at, fin_activated_place, lifecycle, suspended_at, suspended_until,
  lost_at, deregistered_at, replaces, replaced_by, first_medical_at, push_pending, updated_at`;


function fromRow(r: Row): CardRecord {
  const optional = (v: unknown) => (v === null || v === undefined ? undefined : (v as string));
  const card: CardRecord = {
    cardSn: r.card_sn as string,
    cardNumber: r.card_number as string,
    region: r.region as string,
    holder: JSON.parse(r.holder as string) as HolderData,
    issuedAt: r.issued_at as string,
    socialSecurityActivatedAt: (r.ss_activated_at as string | null) ?? null,
    socialSecurityActivatedAtPlace: (r.ss_activated_place as string | null) ?? null,
    financialActivatedAt: (r.fin_activated_at as string | null) ?? null,
    financialActivatedAtPlace: (r.fin_activated_place as string | null) ?? null,
    lifecycle: r.lifecycle as CardRecord['lifecycle'],
    suspendedAt: (r.suspended_at as string | null) ?? null,
    suspendedUntil: (r.suspended_until as string | null) ?? null,
    lostAt: (r.lost_at as string | null) ?? null,
    deregisteredAt: (r.deregistered_at as string | null) ?? null,
    replaces: (r.replaces as string | null) ?? null,
    replacedBy: (r.replaced_by as string | null) ?? null,
    firstMedicalSettlementAt: (r.first_medical_at as string | null) ?? null,
    pushPending: r.push_pending === 1,
    updatedAt: r.updated_at as string,
  };
  const pan = optional(r.pan);
  if (pan) card.pan = pan;
  const seq = optional(r.pan_sequence);
  if (seq) card.panSequence = seq;
  const issue = optional(r.issue_date);
  if (issue) card.issueDate = issue;
  const expiry = optional(r.expiry_date);
  if (expiry) card.expiryDate = expiry;
  return card;
}

function toRow(c: CardRecord): Row {
  return {
    card_sn: c.cardSn,
    card_number: c.cardNumber,
    region: c.region,
    id_number: c.holder.idNumber,
    holder: JSON.stringify(c.holder),
    pan: c.pan ?? null,
    pan_sequence: c.panSequence ?? null,
    issue_date: c.issueDate ?? null,
    expiry_date: c.expiryDate ?? null,
    issued_at: c.issuedAt,
    ss_activated_at: c.socialSecurityActivatedAt,
    ss_activated_place: c.socialSecurityActivatedAtPlace,
    fin_activated_at: c.financialActivatedAt,
    fin_activated_place: c.financialActivatedAtPlace,
    lifecycle: c.lifecycle,
    suspended_at: c.suspendedAt,
    suspended_until: c.suspendedUntil,
    lost_at: c.lostAt,
    deregistered_at: c.deregisteredAt,
    replaces: c.replaces,
    replaced_by: c.replacedBy,
    first_medical_at: c.firstMedicalSettlementAt,
    push_pending: c.pushPending ? 1 : 0,
    updated_at: c.updatedAt,
  };
}

function eventFromRow(r: Row): CardEvent {
  return {
    seq: r.seq as number,
    cardSn: r.card_sn as string,
    at: r.at as string,
    kind: r.kind as CardEvent['kind'],
    area: (r.area as CardEvent['area']) ?? null,
    place: (r.place as string | null) ?? null,
    detail: r.detail as string,
  };
}

/** The SQLite adapter. */
export class SqliteCardStorage extends SqliteHostStorage<CardStore> implements CardStorage {
  /** Opens (creating and migrating) the database of a state directory, or an in-memory one. */
  constructor(location: StateLocation) {
    super(location, CARD_MANAGEMENT_DATABASE, CARD_MANAGEMENT_MIGRATIONS, buildStore);
  }
}

function buildStore(db: SqliteDatabase): CardStore {
  const q = {
    card: db.prepare(`SELECT ${COLUMNS} FROM card WHERE card_sn = ?`),
    byNumber: db.prepare(`SELECT ${COLUMNS} FROM card WHERE card_number = ?`),
    byPan: db.prepare(`SELECT ${COLUMNS} FROM card WHERE pan = ?`),
    ofPerson: db.prepare(`SELECT ${COLUMNS} FROM card WHERE id_number = ? ORDER BY issued_at, rowid`),
    all: db.prepare(`SELECT ${COLUMNS} FROM card ORDER BY issued_at, rowid`),
    ending: db.prepare(`SELECT ${COLUMNS} FROM card WHERE suspended_until IS NOT NULL AND suspended_until <= ? ORDER BY suspended_until`),
    pending: db.prepare(`SELECT ${COLUMNS} FROM card WHERE push_pending = 1 ORDER BY updated_at, rowid`),
    insert: db.prepare(`INSERT INTO card (${COLUMNS}) VALUES (${namedParameters(COLUMNS)})`),
    update: db.prepare(`UPDATE card SET ${assignments(COLUMNS, 'card_sn')} WHERE card_sn = @card_sn`),
    append: db.prepare('INSERT INTO event (card_sn, at, kind, area, place, detail) VALUES (@cardSn, @at, @kind, @area, @place, @detail)'),
    events: db.prepare('SELECT * FROM event WHERE card_sn = ? ORDER BY seq DESC LIMIT ?'),
    notice: db.prepare('SELECT card_sn FROM settlement_notice WHERE settlement_id = ?'),
    addNotice: db.prepare('INSERT INTO settlement_notice (settlement_id, card_sn, at) VALUES (?, ?, ?)'),
  };
  const one = (r: unknown) => (r ? fromRow(r as Row) : undefined);
  return {
    card: async (sn) => one(q.card.get(sn)),
    cardByNumber: async (no) => one(q.byNumber.get(no)),
    cardByPan: async (pan) => one(q.byPan.get(pan)),
    cardsOf: async (id) => (q.ofPerson.all(id) as Row[]).map(fromRow),
    cards: async () => (q.all.all() as Row[]).map(fromRow),
    suspensionsEndingBy: async (at) => (q.ending.all(at) as Row[]).map(fromRow),
    pendingPushes: async () => (q.pending.all() as Row[]).map(fromRow),
    insertCard: async (c) => {
      q.insert.run(toRow(c));
    },
    updateCard: async (c) => {
      if (q.update.run(toRow(c)).changes !== 1) throw new Error(`card ${c.cardSn}: no such record`);
    },
    appendEvent: async (e) => {
      const info = q.append.run(e);
      return { ...e, seq: Number(info.lastInsertRowid) };
    },
    events: async (sn, limit) => (q.events.all(sn, limit) as Row[]).map(eventFromRow),
    settlementNotice: async (id) => (q.notice.get(id) as { card_sn: string } | undefined)?.card_sn,
    recordSettlementNotice: async (id, sn, at) => {
      q.addNotice.run(id, sn, at);
    },
  };
}
