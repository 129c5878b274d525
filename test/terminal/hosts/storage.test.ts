import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { databasePath, openStateDatabase, StateDatabaseError } from '../../../src/terminal/hosts/storage/sqlite.js';

describe('state databases (SQLite, WAL)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sscard-state-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the file in the state directory, in WAL mode, and applies each migration once', () => {
    const steps = ['CREATE TABLE account (pan TEXT PRIMARY KEY, balance INTEGER NOT NULL)'];
    const db = openStateDatabase({ stateDir: join(dir, 'state') }, 'issuer', steps);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.prepare('INSERT INTO account VALUES (?, ?)').run('6214', 100);
    db.close();
    const again = openStateDatabase({ stateDir: join(dir, 'state') }, 'issuer', [...steps, 'ALTER TABLE account ADD COLUMN status TEXT']);
    expect(again.prepare('SELECT pan, balance, status FROM account').all()).toEqual([{ pan: '6214', balance: 100, status: null }]);
    expect(again.name).toBe(databasePath(join(dir, 'state'), 'issuer'));
    again.close();
  });

  it('refuses a database whose schema is newer than this sscard, and leaves it alone', () => {
    const db = openStateDatabase({ stateDir: dir }, 'centre', ['CREATE TABLE a (x)', 'CREATE TABLE b (y)']);
    db.close();
    expect(() => openStateDatabase({ stateDir: dir }, 'centre', ['CREATE TABLE a (x)'])).toThrow(StateDatabaseError);
    expect(() => openStateDatabase({ stateDir: dir }, 'centre', ['CREATE TABLE a (x)'])).toThrow(/schema is version 2, newer than this sscard knows \(1\)/);
  });

  it('keeps in-memory databases apart', () => {
    const a = openStateDatabase({ memory: true }, 'issuer', ['CREATE TABLE t (v)']);
    const b = openStateDatabase({ memory: true }, 'issuer', ['CREATE TABLE t (v)']);
    a.prepare('INSERT INTO t VALUES (1)').run();
    expect(b.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 0 });
  });
});
