/**
 * The SQLite adapter of the issuer storage port (storage.ts): one file `issuer.sqlite` in the state
 * directory (default `./.sscard/`), opened by src/terminal/hosts/storage/sqlite.ts (better-sqlite3, WAL,
 * synchronous=FULL, foreign keys), every unit of work one `BEGIN IMMEDIATE … COMMIT` transaction
 * (storage/transactions.ts), so that two processes on the same file (`sscard issuer load` while
 * `sscard pay` runs) take turns and a failure rolls back everything.
 *
 * Tables: `account` (by PAN), `txn` (every request by transaction ID, with its first answer), `ledger`
 * (append-only: triggers refuse UPDATE and DELETE), `script` (queued issuer scripts; the ID is 9F18).
 */
import { assignments, namedParameters, type SqliteDatabase, type StateLocation } from '../storage/sqlite.js';
import { SqliteHostStorage } from '../storage/transactions.js';
import type {
  AccountRecord,
  IssuerStorage,
  IssuerStore,
  LedgerEntry,
  NewLedgerEntry,
  NewScript,
  ScriptRecord,
  ScriptStatus,
  TransactionRecord,
  TransactionStatus,
} from './storage.js';

/** Name of the database (file `issuer.sqlite`; schema name in `schema_version`). */
export const ISSUER_DATABASE = 'issuer';

/** Schema steps, oldest first. Never edit a released step: append one. */
export const ISSUER_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE account (
    pan TEXT PRIMARY KEY CHECK (length(pan) BETWEEN 12 AND 19 AND pan NOT GLOB '*[^0-9]*'),
    holder TEXT NOT NULL,
    currency TEXT NOT NULL,
    balance INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'blocked', 'closed')),
    card_blocked INTEGER NOT NULL CHECK (card_blocked IN (0, 1)),
    pin_hash TEXT,
    pin_salt TEXT,
    pin_tries_left INTEGER NOT NULL CHECK (pin_tries_left >= 0),
    pin_max_tries INTEGER NOT NULL CHECK (pin_max_tries > 0),
    ec_balance INTEGER NOT NULL,
    ec_balance_limit INTEGER NOT NULL CHECK (ec_balance_limit >= 0),
    last_online_atc INTEGER CHECK (last_online_atc BETWEEN 0 AND 65535),
    opened_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  ) STRICT;
  CREATE TABLE txn (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('authorisation', 'offline', 'reversal-only')),
    pan TEXT REFERENCES account (pan),
    pan_sequence TEXT CHECK (pan_sequence GLOB '[0-9][0-9]'),
    channel TEXT CHECK (channel IN ('contact', 'contactless')),
    type INTEGER NOT NULL,
    amount INTEGER NOT NULL CHECK (amount >= 0),
    currency TEXT NOT NULL,
    atc INTEGER,
    status TEXT NOT NULL CHECK (status IN ('declined', 'authorised', 'posted', 'released', 'rejected', 'reversed', 'cleared')),
    response_code TEXT,
    reason TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    response TEXT,
    icc_data TEXT NOT NULL,
    arc TEXT,
    completed_at TEXT,
    reversed_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  ) STRICT;
  CREATE INDEX txn_by_pan ON txn (pan, created_at);
  CREATE INDEX txn_by_status ON txn (pan, status);
  CREATE UNIQUE INDEX txn_cleared_atc ON txn (pan, atc) WHERE kind = 'offline' AND status = 'cleared';
  CREATE TABLE ledger (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    pan TEXT NOT NULL REFERENCES account (pan),
    at TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('opening', 'deposit', 'purchase', 'reversal', 'ec-load', 'ec-spend', 'offline-debit')),
    transaction_id TEXT,
    script_id INTEGER,
    account_delta INTEGER NOT NULL,
    ec_delta INTEGER NOT NULL,
    balance_after INTEGER NOT NULL,
    ec_balance_after INTEGER NOT NULL,
    note TEXT NOT NULL
  ) STRICT;
  CREATE INDEX ledger_by_pan ON ledger (pan, seq);
  CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
  CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
  CREATE TABLE script (
    id INTEGER PRIMARY KEY AUTOINCREMENT CHECK (id BETWEEN 1 AND 4294967295),
    pan TEXT NOT NULL REFERENCES account (pan),
    command TEXT NOT NULL CHECK (json_valid(command)),
    status TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'done', 'failed', 'cancelled')),
    transaction_id TEXT,
    own_transaction INTEGER NOT NULL CHECK (own_transaction IN (0, 1)),
    attempts INTEGER NOT NULL CHECK (attempts >= 0),
    last_apdu TEXT,
    note TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  ) STRICT;
  CREATE INDEX script_by_pan ON script (pan, status, id);
  CREATE INDEX script_by_txn ON script (transaction_id);
  `,
];

type Row = Record<string, unknown>;

const accountColumns = `pan, holder, currency, balance, status, card_blocked, pin_hash, pin_salt, pin_tries_left, pin_max_tries,
  ec_balance, ec_balance_limit, last_online_atc, opened_at, updated_at`;

function accountFromRow(r: Row): AccountRecord {
  return {
    pan: r.pan as string,
    holder: r.holder as string,
    currency: r.currency as string,
    balance: r.balance as number,
    status: r.status as AccountRecord['status'],
    cardBlocked: r.card_blocked === 1,
    pinHash: r.pin_hash as string | null,
    pinSalt: r.pin_salt as string | null,
    pinTriesLeft: r.pin_tries_left as number,
    pinMaxTries: r.pin_max_tries as number,
    ecBalance: r.ec_balance as number,
    ecBalanceLimit: r.ec_balance_limit as number,
    lastOnlineAtc: r.last_online_atc as number | null,
    openedAt: r.opened_at as string,
    updatedAt: r.updated_at as string,
  };
}

function accountToRow(a: AccountRecord): Row {
  return {
    pan: a.pan,
    holder: a.holder,
    currency: a.currency,
    balance: a.balance,
    status: a.status,
    card_blocked: a.cardBlocked ? 1 : 0,
    pin_hash: a.pinHash,
    pin_salt: a.pinSalt,
    pin_tries_left: a.pinTriesLeft,
    pin_max_tries: a.pinMaxTries,
    ec_balance: a.ecBalance,
    ec_balance_limit: a.ecBalanceLimit,
    last_online_atc: a.lastOnlineAtc,
    opened_at: a.openedAt,
    updated_at: a.updatedAt,
  };
}

const txnColumns = `id, kind, pan, pan_sequence, channel, type, amount, currency, atc, status, response_code, reason, fingerprint, response,
  icc_data, arc, completed_at, reversed_at, created_at, updated_at`;

function txnFromRow(r: Row): TransactionRecord {
  return {
    id: r.id as string,
    kind: r.kind as TransactionRecord['kind'],
    pan: r.pan as string | null,
    panSequence: r.pan_sequence as string | null,
    channel: r.channel as TransactionRecord['channel'],
    type: r.type as number,
    amount: r.amount as number,
    currency: r.currency as string,
    atc: r.atc as number | null,
    status: r.status as TransactionStatus,
    responseCode: r.response_code as TransactionRecord['responseCode'],
    reason: r.reason as string,
    fingerprint: r.fingerprint as string,
    response: r.response as string | null,
    iccData: r.icc_data as string,
    arc: r.arc as string | null,
    completedAt: r.completed_at as string | null,
    reversedAt: r.reversed_at as string | null,
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
  };
}

function txnToRow(t: TransactionRecord): Row {
  return {
    id: t.id,
    kind: t.kind,
    pan: t.pan,
    pan_sequence: t.panSequence,
    channel: t.channel,
    type: t.type,
    amount: t.amount,
    currency: t.currency,
    atc: t.atc,
    status: t.status,
    response_code: t.responseCode,
    reason: t.reason,
    fingerprint: t.fingerprint,
    response: t.response,
    icc_data: t.iccData,
    arc: t.arc,
    completed_at: t.completedAt,
    reversed_at: t.reversedAt,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
  };
}

function ledgerFromRow(r: Row): LedgerEntry {
  return {
    seq: r.seq as number,
    pan: r.pan as string,
    at: r.at as string,
    kind: r.kind as LedgerEntry['kind'],
    transactionId: r.transaction_id as string | null,
    scriptId: r.script_id as number | null,
    accountDelta: r.account_delta as number,
    ecDelta: r.ec_delta as number,
    balanceAfter: r.balance_after as number,
    ecBalanceAfter: r.ec_balance_after as number,
    note: r.note as string,
  };
}

const scriptColumns = 'id, pan, command, status, transaction_id, own_transaction, attempts, last_apdu, note, created_at, updated_at';

function scriptFromRow(r: Row): ScriptRecord {
  return {
    id: r.id as number,
    pan: r.pan as string,
    command: JSON.parse(r.command as string) as ScriptRecord['command'],
    status: r.status as ScriptStatus,
    transactionId: r.transaction_id as string | null,
    ownTransaction: r.own_transaction === 1,
    attempts: r.attempts as number,
    lastApdu: r.last_apdu as string | null,
    note: r.note as string,
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
  };
}

function scriptToRow(s: NewScript): Row {
  return {
    pan: s.pan,
    command: JSON.stringify(s.command),
    status: s.status,
    transaction_id: s.transactionId,
    own_transaction: s.ownTransaction ? 1 : 0,
    attempts: s.attempts,
    last_apdu: s.lastApdu,
    note: s.note,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  };
}

/** The SQLite adapter. */
export class SqliteIssuerStorage extends SqliteHostStorage<IssuerStore> implements IssuerStorage {
  /** Opens (creating and migrating) the database of a state directory, or an in-memory one. */
  constructor(location: StateLocation) {
    super(location, ISSUER_DATABASE, ISSUER_MIGRATIONS, buildStore);
  }
}

function buildStore(db: SqliteDatabase): IssuerStore {
  const q = {
    account: db.prepare(`SELECT ${accountColumns} FROM account WHERE pan = ?`),
    accounts: db.prepare(`SELECT ${accountColumns} FROM account ORDER BY pan`),
    insertAccount: db.prepare(`INSERT INTO account (${accountColumns}) VALUES (${namedParameters(accountColumns)})`),
    updateAccount: db.prepare(`UPDATE account SET ${assignments(accountColumns, 'pan')} WHERE pan = @pan`),
    txn: db.prepare(`SELECT ${txnColumns} FROM txn WHERE id = ?`),
    offlineByAtc: db.prepare(`SELECT ${txnColumns} FROM txn WHERE pan = ? AND atc = ? AND kind = 'offline' AND status = 'cleared'`),
    txns: db.prepare(`SELECT ${txnColumns} FROM txn WHERE pan = ? ORDER BY created_at DESC, rowid DESC LIMIT ?`),
    txnsInStatus: db.prepare(`SELECT ${txnColumns} FROM txn WHERE pan = ? AND status = ? ORDER BY created_at, rowid`),
    insertTxn: db.prepare(`INSERT INTO txn (${txnColumns}) VALUES (${namedParameters(txnColumns)})`),
    updateTxn: db.prepare(`UPDATE txn SET ${assignments(txnColumns, 'id')} WHERE id = @id`),
    appendLedger: db.prepare(
      `INSERT INTO ledger (pan, at, kind, transaction_id, script_id, account_delta, ec_delta, balance_after, ec_balance_after, note)
       VALUES (@pan, @at, @kind, @transactionId, @scriptId, @accountDelta, @ecDelta, @balanceAfter, @ecBalanceAfter, @note)`,
    ),
    ledger: db.prepare('SELECT * FROM ledger WHERE pan = ? ORDER BY seq DESC LIMIT ?'),
    insertScript: db.prepare(
      `INSERT INTO script (pan, command, status, transaction_id, own_transaction, attempts, last_apdu, note, created_at, updated_at)
       VALUES (@pan, @command, @status, @transaction_id, @own_transaction, @attempts, @last_apdu, @note, @created_at, @updated_at)`,
    ),
    updateScript: db.prepare(
      `UPDATE script SET pan = @pan, command = @command, status = @status, transaction_id = @transaction_id,
       own_transaction = @own_transaction, attempts = @attempts, last_apdu = @last_apdu, note = @note,
       created_at = @created_at, updated_at = @updated_at WHERE id = @id`,
    ),
    script: db.prepare(`SELECT ${scriptColumns} FROM script WHERE id = ?`),
    scripts: db.prepare(`SELECT ${scriptColumns} FROM script WHERE pan = ? ORDER BY id`),
    scriptsIn: db.prepare(`SELECT ${scriptColumns} FROM script WHERE pan = ? AND status IN (SELECT value FROM json_each(?)) ORDER BY id`),
    scriptsOfTxn: db.prepare(`SELECT ${scriptColumns} FROM script WHERE transaction_id = ? ORDER BY id`),
  };
  const changedOne = (info: { changes: number }, what: string) => {
    if (info.changes !== 1) throw new Error(`${what}: no such record`);
  };
  return {
    account: async (pan) => {
      const r = q.account.get(pan) as Row | undefined;
      return r ? accountFromRow(r) : undefined;
    },
    accounts: async () => (q.accounts.all() as Row[]).map(accountFromRow),
    insertAccount: async (a) => {
      q.insertAccount.run(accountToRow(a));
    },
    updateAccount: async (a) => changedOne(q.updateAccount.run(accountToRow(a)), `account ${a.pan}`),
    transaction: async (id) => {
      const r = q.txn.get(id) as Row | undefined;
      return r ? txnFromRow(r) : undefined;
    },
    offlineByAtc: async (pan, atc) => {
      const r = q.offlineByAtc.get(pan, atc) as Row | undefined;
      return r ? txnFromRow(r) : undefined;
    },
    transactions: async (pan, limit) => (q.txns.all(pan, limit) as Row[]).map(txnFromRow),
    transactionsInStatus: async (pan, status) => (q.txnsInStatus.all(pan, status) as Row[]).map(txnFromRow),
    insertTransaction: async (t) => {
      q.insertTxn.run(txnToRow(t));
    },
    updateTransaction: async (t) => changedOne(q.updateTxn.run(txnToRow(t)), `transaction ${t.id}`),
    appendLedger: async (e: NewLedgerEntry) => {
      const info = q.appendLedger.run(e);
      return { ...e, seq: Number(info.lastInsertRowid) };
    },
    ledger: async (pan, limit) => (q.ledger.all(pan, limit) as Row[]).map(ledgerFromRow),
    insertScript: async (s) => {
      const info = q.insertScript.run(scriptToRow(s));
      return { ...s, id: Number(info.lastInsertRowid) };
    },
    updateScript: async (s) => changedOne(q.updateScript.run({ ...scriptToRow(s), id: s.id }), `script ${s.id}`),
    script: async (id) => {
      const r = q.script.get(id) as Row | undefined;
      return r ? scriptFromRow(r) : undefined;
    },
    scripts: async (pan, statuses) =>
      ((statuses ? q.scriptsIn.all(pan, JSON.stringify(statuses)) : q.scripts.all(pan)) as Row[]).map(scriptFromRow),
    scriptsOfTransaction: async (id) => (q.scriptsOfTxn.all(id) as Row[]).map(scriptFromRow),
  };
}
