/**
 * The SQLite side of the hosts' storage ports (issuer host, medical-insurance centre, card management,
 * the terminal's settlement journal): one database file per host in the state directory (default
 * `./.sscard/`), opened with better-sqlite3 in WAL mode with foreign keys on, and versioned schemas.
 *
 * A host's domain logic never sees SQL: it talks to its own storage port (an interface in the host's
 * module), and that port's SQLite adapter is built on the database this module opens. Tests open
 * `':memory:'` databases; another database can be added by writing another adapter of the same port.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;

/** Default state directory of the hosts (relative to the working directory). */
export const DEFAULT_STATE_DIR = '.sscard';

/** Where a host keeps its database: a state directory (the file is `<dir>/<name>.sqlite`) or memory. */
export type StateLocation = { stateDir: string } | { memory: true };

/** A schema step: SQL run once, in order, inside one transaction with the version bump. */
export type Migration = string;

/** A database that cannot be opened or migrated: the message names the file and the reason. */
export class StateDatabaseError extends Error {
  override name = 'StateDatabaseError';
}

/** The path of a host's database file in a state directory. */
export function databasePath(stateDir: string, name: string): string {
  return resolve(join(stateDir, `${name}.sqlite`));
}

/**
 * Opens (creating if needed) the database of a host and brings its schema up to date.
 * @param name the host's name, e.g. "issuer"; also the schema's name in the version table
 * @param migrations the host's schema steps, oldest first (never edit a released step: append one)
 */
export function openStateDatabase(location: StateLocation, name: string, migrations: readonly Migration[]): SqliteDatabase {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new RangeError(`openStateDatabase: name must be lower-case letters, digits and -, got ${JSON.stringify(name)}`);
  let db: SqliteDatabase;
  const file = 'memory' in location ? ':memory:' : databasePath(location.stateDir, name);
  try {
    if (!('memory' in location)) mkdirSync(location.stateDir, { recursive: true, mode: 0o700 });
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
  } catch (err) {
    throw new StateDatabaseError(`${file}: cannot open the ${name} database: ${(err as Error).message}`);
  }
  try {
    migrate(db, name, migrations);
  } catch (err) {
    db.close();
    throw new StateDatabaseError(`${file}: cannot bring the ${name} database up to date: ${(err as Error).message}`);
  }
  return db;
}

function migrate(db: SqliteDatabase, name: string, migrations: readonly Migration[]): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (name TEXT PRIMARY KEY, version INTEGER NOT NULL)');
  const row = db.prepare('SELECT version FROM schema_version WHERE name = ?').get(name) as { version: number } | undefined;
  const current = row?.version ?? 0;
  if (current > migrations.length) {
    throw new Error(`its schema is version ${current}, newer than this sscard knows (${migrations.length}); the file was left untouched`);
  }
  const step = db.transaction((index: number) => {
    db.exec(migrations[index]!);
    db.prepare('INSERT INTO schema_version (name, version) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET version = excluded.version').run(name, index + 1);
  });
  for (let i = current; i < migrations.length; i++) step(i);
}

/** `@a, @b, @c` for the comma-separated `columns` (an INSERT's VALUES with named parameters). */
export function namedParameters(columns: string): string {
  return columns
    .split(',')
    .map((c) => `@${c.trim()}`)
    .join(', ');
}

/** `b = @b, c = @c` for the comma-separated `columns` but `key` (an UPDATE's SET by named parameters). */
export function assignments(columns: string, key: string): string {
  return columns
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== key)
    .map((c) => `${c} = @${c}`)
    .join(', ');
}

