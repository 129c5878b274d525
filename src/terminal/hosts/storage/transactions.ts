/**
 * Atomic units of work for the hosts' storage adapters, with asynchronous work inside:
 *
 * - `SerialQueue` runs one unit at a time (a promise chain), so two host calls never interleave inside
 *   one connection's transaction, and detects a nested call (AsyncLocalStorage) instead of deadlocking;
 * - `sqliteTransaction(db, queue, work)` wraps a unit in `BEGIN IMMEDIATE … COMMIT` on a better-sqlite3
 *   database (https://www.sqlite.org/lang_transaction.html): IMMEDIATE takes the write lock at once, so
 *   another process on the same file waits (busy_timeout, sqlite.ts) instead of failing half-way; any
 *   error rolls everything back and is re-thrown.
 *
 * Every host (issuer, medical-insurance centre, card management) builds its adapter on these.
 *
 * One queue per database file and process (`queueForDatabase`): better-sqlite3 waits for a lock
 * synchronously (busy_timeout), so two connections of one process to the same file, each inside an
 * asynchronous unit, would block the event loop the other needs; sharing the queue makes them take turns.
 * Other processes are kept apart by SQLite's own file locks.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { openStateDatabase, type Migration, type SqliteDatabase, type StateLocation } from './sqlite.js';

/** A unit of work started inside another one of the same queue. */
export class NestedTransactionError extends Error {
  override name = 'NestedTransactionError';
}

/** Runs asynchronous units of work one at a time, in call order. */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();
  readonly #inside = new AsyncLocalStorage<true>();

  /** Runs `work` after every earlier unit has finished; its result or error is passed on. */
  run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#inside.getStore()) {
      return Promise.reject(new NestedTransactionError('a storage transaction was started inside another one (they do not nest)'));
    }
    const result = this.#tail.then(() => this.#inside.run(true, work));
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

const FILE_QUEUES = new Map<string, SerialQueue>();

/**
 * The queue of a database: shared by every connection of this process to the same file; its own for an
 * in-memory database.
 */
export function queueForDatabase(db: SqliteDatabase): SerialQueue {
  if (db.memory) return new SerialQueue();
  let q = FILE_QUEUES.get(db.name);
  if (!q) {
    q = new SerialQueue();
    FILE_QUEUES.set(db.name, q);
  }
  return q;
}

/**
 * Runs `work` inside one SQLite transaction (BEGIN IMMEDIATE … COMMIT), serialised by `queue`.
 * @throws whatever `work` throws, after ROLLBACK
 */
export function sqliteTransaction<T>(db: SqliteDatabase, queue: SerialQueue, work: () => Promise<T>): Promise<T> {
  return queue.run(async () => {
    db.exec('BEGIN IMMEDIATE');
    try {
      const result = await work();
      db.exec('COMMIT');
      return result;
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw err;
    }
  });
}

/**
 * What every host's SQLite adapter shares: its database in a state directory (or in memory), opened and
 * migrated (`openStateDatabase`), the unit-of-work queue of that file, `transaction` and `close`. A
 * host's adapter extends it with its port's store, built once over the open database.
 */
export class SqliteHostStorage<Store> {
  readonly description: string;
  readonly #db: SqliteDatabase;
  readonly #name: string;
  readonly #queue: SerialQueue;
  readonly #store: Store;
  #closed = false;

  /**
   * @param name the host's database name (`issuer` → `<state-dir>/issuer.sqlite`)
   * @param buildStore prepares the host's statements and returns its store
   */
  constructor(location: StateLocation, name: string, migrations: readonly Migration[], buildStore: (db: SqliteDatabase) => Store) {
    this.#db = openStateDatabase(location, name, migrations);
    this.#name = name;
    this.#queue = queueForDatabase(this.#db);
    this.description = 'memory' in location ? 'memory (SQLite)' : this.#db.name;
    this.#store = buildStore(this.#db);
  }

  /** The underlying database (tests: journal mode, integrity checks). */
  get database(): SqliteDatabase {
    return this.#db;
  }

  /** Runs `work` as one unit: all of it or nothing. */
  transaction<T>(work: (store: Store) => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new Error(`${this.description}: the ${this.#name} database is closed`));
    return sqliteTransaction(this.#db, this.#queue, () => work(this.#store));
  }

  /** Waits for the units already queued, then closes the database (idempotent). */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#queue.run(async () => undefined);
    this.#closed = true;
    this.#db.close();
  }
}

