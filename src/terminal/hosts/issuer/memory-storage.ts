/**
 * A second adapter of the issuer storage port (storage.ts), with no database at all: the data lives in
 * maps; a unit of work runs on a deep copy that replaces the data only when the work succeeds (so a
 * failure half-way leaves nothing), one unit at a time. It keeps the port honest — the host's tests run
 * over both adapters — and serves programs that want a throw-away bank. Same constraints as the SQLite
 * schema: unique PAN, transaction ID and cleared (PAN, ATC); an append-only ledger.
 */
import { SerialQueue } from '../storage/transactions.js';
import type {
  AccountRecord,
  IssuerStorage,
  IssuerStore,
  LedgerEntry,
  ScriptRecord,
  TransactionRecord,
} from './storage.js';

interface Data {
  accounts: Map<string, AccountRecord>;
  transactions: Map<string, TransactionRecord & { order: number }>;
  ledger: LedgerEntry[];
  scripts: Map<number, ScriptRecord>;
  nextScriptId: number;
  nextOrder: number;
}

const copy = <T>(v: T): T => structuredClone(v);

export class MemoryIssuerStorage implements IssuerStorage {
  readonly description = 'memory';
  #data: Data = { accounts: new Map(), transactions: new Map(), ledger: [], scripts: new Map(), nextScriptId: 1, nextOrder: 1 };
  readonly #queue = new SerialQueue();

  transaction<T>(work: (store: IssuerStore) => Promise<T>): Promise<T> {
    return this.#queue.run(async () => {
      const draft = copy(this.#data);
      const result = await work(storeOver(draft));
      this.#data = draft;
      return result;
    });
  }

  async close(): Promise<void> {
    await this.#queue.run(async () => undefined);
  }
}

function storeOver(d: Data): IssuerStore {
  const strip = (t: TransactionRecord & { order: number }): TransactionRecord => {
    const { order: _order, ...rest } = t;
    return copy(rest);
  };
  const byPan = (pan: string) => [...d.transactions.values()].filter((t) => t.pan === pan);
  return {
    account: async (pan) => (d.accounts.has(pan) ? copy(d.accounts.get(pan)!) : undefined),
    accounts: async () => [...d.accounts.values()].sort((a, b) => a.pan.localeCompare(b.pan)).map(copy),
    insertAccount: async (a) => {
      if (d.accounts.has(a.pan)) throw new Error(`account ${a.pan} exists`);
      d.accounts.set(a.pan, copy(a));
    },
    updateAccount: async (a) => {
      if (!d.accounts.has(a.pan)) throw new Error(`account ${a.pan}: no such record`);
      d.accounts.set(a.pan, copy(a));
    },
    transaction: async (id) => (d.transactions.has(id) ? strip(d.transactions.get(id)!) : undefined),
    offlineByAtc: async (pan, atc) => {
      const t = byPan(pan).find((x) => x.kind === 'offline' && x.status === 'cleared' && x.atc === atc);
      return t ? strip(t) : undefined;
    },
    transactions: async (pan, limit) =>
      byPan(pan)
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.order - a.order)
        .slice(0, limit)
        .map(strip),
    transactionsInStatus: async (pan, status) =>
      byPan(pan)
        .filter((t) => t.status === status)
        .sort((a, b) => a.order - b.order)
        .map(strip),
    insertTransaction: async (t) => {
      if (d.transactions.has(t.id)) throw new Error(`transaction ${t.id} exists`);
      if (t.pan !== null) needAccount(d, t.pan);
      checkClearedAtc(d, t);
      d.transactions.set(t.id, { ...copy(t), order: d.nextOrder++ });
    },
    updateTransaction: async (t) => {
      const old = d.transactions.get(t.id);
      if (!old) throw new Error(`transaction ${t.id}: no such record`);
      checkClearedAtc(d, t);
      d.transactions.set(t.id, { ...copy(t), order: old.order });
    },
    appendLedger: async (e) => {
      needAccount(d, e.pan);
      const entry = { ...copy(e), seq: d.ledger.length + 1 };
      d.ledger.push(entry);
      return copy(entry);
    },
    ledger: async (pan, limit) =>
      d.ledger
        .filter((e) => e.pan === pan)
        .reverse()
        .slice(0, limit)
        .map(copy),
    insertScript: async (s) => {
      needAccount(d, s.pan);
      const record = { ...copy(s), id: d.nextScriptId++ };
      d.scripts.set(record.id, record);
      return copy(record);
    },
    updateScript: async (s) => {
      if (!d.scripts.has(s.id)) throw new Error(`script ${s.id}: no such record`);
      d.scripts.set(s.id, copy(s));
    },
    script: async (id) => (d.scripts.has(id) ? copy(d.scripts.get(id)!) : undefined),
    scripts: async (pan, statuses) =>
      [...d.scripts.values()]
        .filter((s) => s.pan === pan && (!statuses || statuses.includes(s.status)))
        .sort((a, b) => a.id - b.id)
        .map(copy),
    scriptsOfTransaction: async (id) =>
      [...d.scripts.values()]
        .filter((s) => s.transactionId === id)
        .sort((a, b) => a.id - b.id)
        .map(copy),
  };
}

/** The foreign key of the SQLite schema. */
function needAccount(d: Data, pan: string): void {
  if (!d.accounts.has(pan)) throw new Error(`no account ${pan} (foreign key)`);
}

function checkClearedAtc(d: Data, t: TransactionRecord): void {
  if (t.kind !== 'offline' || t.status !== 'cleared') return;
  for (const other of d.transactions.values()) {
    if (other.id !== t.id && other.kind === 'offline' && other.status === 'cleared' && other.pan === t.pan && other.atc === t.atc) {
      throw new Error(`offline transaction of ${t.pan} at ATC ${t.atc} is already cleared`);
    }
  }
}
