/**
 * The issuer host's storage port: what the bank's domain logic (issuer-host.ts) asks of a database.
 * No SQL here — adapters implement it: sqlite-storage.ts (better-sqlite3, WAL; the state directory's
 * `issuer.sqlite`) and memory-storage.ts (a second, dependency-free database, for tests and to keep the
 * port honest). Another database is another adapter; the host's logic does not change.
 *
 * Every read and write happens inside `transaction(work)`: the adapter runs `work` atomically and in
 * isolation (all its writes or none; calls are serialised), so a failure half-way posts nothing.
 * Amounts are integer fen; times ISO 8601 strings from the host's clock.
 */
import type { ScriptCommandKind } from './choices.js';
import type { ResponseCode } from './issuer-port.js';

/** Account status (a closed account is never reopened). */
export type AccountStatus = 'active' | 'blocked' | 'closed';

/** One account, by PAN. */
export interface AccountRecord {
  pan: string;
  /** Card holder's name, for display. */
  holder: string;
  /** Account currency (ISO 4217 numeric, 4 digits: "0156"). */
  currency: string;
  /** Posted balance, fen (may go below zero only by the clearing of an offline debit). */
  balance: number;
  status: AccountStatus;
  /** The card is blocked at the host (lost, stolen): authorisations answer 62. */
  cardBlocked: boolean;
  /** Online PIN: scrypt hash and salt (hex), or null when the account has none. */
  pinHash: string | null;
  pinSalt: string | null;
  pinTriesLeft: number;
  pinMaxTries: number;
  /** Electronic-cash ledger: what the bank knows of the card's EC balance (loads − cleared spending), fen. */
  ecBalance: number;
  /** The card's EC balance limit 9F77, fen. */
  ecBalanceLimit: number;
  /** Highest ATC of a verified online cryptogram, or null before the first. */
  lastOnlineAtc: number | null;
  openedAt: string;
  updatedAt: string;
}

/** What a transaction record is. */
export type TransactionKind = 'authorisation' | 'offline' | 'reversal-only';

/**
 * Where a transaction stands:
 * - `declined`: answered with a refusal (nothing held);
 * - `authorised`: approved online, the amount held (not yet posted);
 * - `posted`: completed with the card's TC (online) — the balance moved;
 * - `released`: the card declined in GENERATE AC 2 (or the EC load it carried failed): hold released;
 * - `rejected`: a completion or clearing whose cryptogram did not verify: nothing posted;
 * - `reversed`: reversed by the terminal (a `reversal-only` record is a reversal that came first);
 * - `cleared`: an offline approval accepted for clearing.
 */
export type TransactionStatus = 'declined' | 'authorised' | 'posted' | 'released' | 'rejected' | 'reversed' | 'cleared';

export interface TransactionRecord {
  id: string;
  kind: TransactionKind;
  /** Null for a reversal of an unknown transaction. */
  pan: string | null;
  /** PAN sequence number 5F34 (2 digits), null when unknown. */
  panSequence: string | null;
  channel: 'contact' | 'contactless' | null;
  /** Transaction type 9C (0x00 purchase, 0x60 EC load). */
  type: number;
  amount: number;
  currency: string;
  atc: number | null;
  status: TransactionStatus;
  responseCode: ResponseCode | null;
  reason: string;
  /** SHA-256 (hex) of the request: a repeated ID with other data is not the same request. */
  fingerprint: string;
  /** The first answer as JSON (replayed to a repeated request). */
  response: string | null;
  /** Field 55 of the request (hex), kept to verify the card's second cryptogram. */
  iccData: string;
  /** The ARC the host answered (hex), for the TC check. */
  arc: string | null;
  /** When the completion (or the reversal) was processed; null before. */
  completedAt: string | null;
  reversedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Kinds of balance movement. */
export type LedgerKind = 'opening' | 'deposit' | 'purchase' | 'reversal' | 'ec-load' | 'ec-spend' | 'offline-debit';

/** One movement of the balance or the EC ledger (append-only). */
export interface LedgerEntry {
  /** Assigned by the storage, increasing. */
  seq: number;
  pan: string;
  at: string;
  kind: LedgerKind;
  transactionId: string | null;
  scriptId: number | null;
  /** Change of the account balance and of the EC ledger, fen. */
  accountDelta: number;
  ecDelta: number;
  balanceAfter: number;
  ecBalanceAfter: number;
  note: string;
}

/** A script command and its parameters. */
export type ScriptCommand =
  | { kind: 'ec-load'; amount: number }
  | { kind: 'put-data'; tag: '9F77' | '9F78' | '9F6D'; value: number }
  | { kind: 'update-record'; sfi: number; record: number; data: string }
  | { kind: 'application-block' }
  | { kind: 'application-unblock' }
  | { kind: 'card-block' }
  | { kind: 'pin-unblock' }
  /** `newPin` is erased (null) once the card has answered. */
  | { kind: 'pin-change'; newPin: string | null };

/** Where a queued script stands: queued → sent → done | failed (or queued again when not performed). */
export type ScriptStatus = 'queued' | 'sent' | 'done' | 'failed' | 'cancelled';

export interface ScriptRecord {
  /** Script identifier 9F18 (1 to 2^32−1), assigned by the storage. */
  id: number;
  pan: string;
  command: ScriptCommand;
  status: ScriptStatus;
  /** The authorisation that carried it last (or that it belongs to: an EC load transaction 0x60). */
  transactionId: string | null;
  /** Set for the EC load of a 0x60 transaction: delivered only with that transaction. */
  ownTransaction: boolean;
  attempts: number;
  /** The last command sent (hex) and what became of it, for display. */
  lastApdu: string | null;
  note: string;
  createdAt: string;
  updatedAt: string;
}

/** A script to create (the storage assigns the ID). */
export type NewScript = Omit<ScriptRecord, 'id'>;
/** A ledger entry to append (the storage assigns the sequence number). */
export type NewLedgerEntry = Omit<LedgerEntry, 'seq'>;

/** The operations of one transaction. */
export interface IssuerStore {
  account(pan: string): Promise<AccountRecord | undefined>;
  accounts(): Promise<AccountRecord[]>;
  /** @throws when the PAN exists */
  insertAccount(account: AccountRecord): Promise<void>;
  updateAccount(account: AccountRecord): Promise<void>;

  transaction(id: string): Promise<TransactionRecord | undefined>;
  /** An offline clearing of this card and ATC, if one was accepted or rejected before. */
  offlineByAtc(pan: string, atc: number): Promise<TransactionRecord | undefined>;
  /** The latest transactions of a PAN, newest first. */
  transactions(pan: string, limit: number): Promise<TransactionRecord[]>;
  /** Transactions of a PAN in a status (e.g. the `authorised` ones that hold funds). */
  transactionsInStatus(pan: string, status: TransactionStatus): Promise<TransactionRecord[]>;
  /** @throws when the ID exists */
  insertTransaction(record: TransactionRecord): Promise<void>;
  updateTransaction(record: TransactionRecord): Promise<void>;

  appendLedger(entry: NewLedgerEntry): Promise<LedgerEntry>;
  /** The latest ledger entries of a PAN, newest first. */
  ledger(pan: string, limit: number): Promise<LedgerEntry[]>;

  insertScript(script: NewScript): Promise<ScriptRecord>;
  updateScript(script: ScriptRecord): Promise<void>;
  script(id: number): Promise<ScriptRecord | undefined>;
  /** Scripts of a PAN, oldest first, optionally only in some statuses. */
  scripts(pan: string, statuses?: readonly ScriptStatus[]): Promise<ScriptRecord[]>;
  /** Scripts last sent with (or belonging to) a transaction. */
  scriptsOfTransaction(transactionId: string): Promise<ScriptRecord[]>;
}

/** A database behind the port. */
export interface IssuerStorage {
  /**
   * Runs `work` atomically: every write it made, or none if it throws (the error is re-thrown).
   * Transactions do not nest.
   */
  transaction<T>(work: (store: IssuerStore) => Promise<T>): Promise<T>;
  /** Where the data lives, for messages ("./.sscard/issuer.sqlite", "memory"). */
  readonly description: string;
  close(): Promise<void>;
}

/** Every kind a script command can be (for validation at the edges). */
export const SCRIPT_COMMAND_KINDS: readonly ScriptCommandKind[] = [
  'ec-load',
  'put-data',
  'update-record',
  'application-block',
  'application-unblock',
  'card-block',
  'pin-unblock',
  'pin-change',
];
