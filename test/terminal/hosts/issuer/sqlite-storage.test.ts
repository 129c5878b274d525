/**
 * The SQLite adapter on a real file in a state directory: WAL, the schema, a reopen (a restart of the
 * bank) that keeps balances, ledger and the first answers (a repeat after the restart still posts
 * nothing), the append-only ledger, and two hosts of one process on the same file taking turns.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { fixedClock, seededRandom } from '../../../../src/env.js';
import { openIssuerHost } from '../../../../src/terminal/hosts/issuer/index.js';
import { IssuerHost } from '../../../../src/terminal/hosts/issuer/issuer-host.js';
import { SqliteIssuerStorage } from '../../../../src/terminal/hosts/issuer/sqlite-storage.js';
import { NestedTransactionError } from '../../../../src/terminal/hosts/storage/transactions.js';
import { bank } from './helpers/bank.js';
import { completionData, NOW } from './helpers/card.js';

describe('the issuer database on a file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sscard-issuer-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('WAL on a real file; a restart keeps everything, and a repeated request after it posts nothing', async () => {
    const stateDir = join(dir, 'state');
    const storage = new SqliteIssuerStorage({ stateDir });
    expect(storage.description).toBe(join(stateDir, 'issuer.sqlite'));
    expect(storage.database.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(storage.database.pragma('synchronous', { simple: true })).toBe(2); // FULL
    const b = await bank(storage, { balance: 50_000 });
    await b.host.queueScript(b.pan, { kind: 'ec-load', amount: 2000 });
    const req = b.arqc(1200);
    const first = await b.host.authorise(req);
    b.terminal.externalAuthenticate(first.arpc!, first.authorisationResponseCode);
    const gac2 = b.terminal.gac2('3030');
    const run = b.terminal.runScripts(first.issuerScripts, '72');
    await b.host.complete({ transactionId: req.transactionId, cardApproved: true, iccData: completionData(gac2, run.results) });
    expect(existsSync(`${storage.description}-wal`)).toBe(true);
    await b.host.close();

    // the bank restarts: a new process would do exactly this
    const again = new IssuerHost({ storage: new SqliteIssuerStorage({ stateDir }), keyring: b.keyring, clock: fixedClock(NOW), random: seededRandom(1) });
    const s = await again.statement(b.pan);
    expect(s.account).toMatchObject({ balance: 50_000 - 1200 - 2000, ecBalance: 5000, held: 0, holder: '张三' });
    expect(s.ledger.map((e) => e.kind)).toEqual(['purchase', 'ec-load', 'opening']);
    expect(s.scripts.map((x) => x.status)).toEqual(['done']);
    expect(await again.authorise(req)).toEqual(first);
    expect((await again.account(b.pan))!.balance).toBe(50_000 - 1200 - 2000);
    await again.close();

    // the file is a plain SQLite database that passes its integrity check
    const raw = new Database(join(stateDir, 'issuer.sqlite'), { readonly: true });
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(raw.prepare("SELECT version FROM schema_version WHERE name = 'issuer'").get()).toEqual({ version: 1 });
    raw.close();
  });

  it('the ledger is append-only: UPDATE and DELETE are refused by the database itself', async () => {
    const storage = new SqliteIssuerStorage({ stateDir: join(dir, 'ledger') });
    const b = await bank(storage);
    expect(() => storage.database.prepare('UPDATE ledger SET account_delta = 0').run()).toThrow('the ledger is append-only');
    expect(() => storage.database.prepare('DELETE FROM ledger').run()).toThrow('the ledger is append-only');
    await b.host.close();
  });

  it('two hosts of one process on the same file take turns (no lost update, no lock wait)', async () => {
    const stateDir = join(dir, 'shared');
    const one = await bank(new SqliteIssuerStorage({ stateDir }), { balance: 0 });
    const two = new IssuerHost({ storage: new SqliteIssuerStorage({ stateDir }), keyring: one.keyring, clock: fixedClock(NOW), random: seededRandom(2) });
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? one.host : two).deposit(one.pan, 100 + i)));
    const expected = Array.from({ length: 40 }, (_, i) => 100 + i).reduce((a, v) => a + v, 0);
    expect((await two.account(one.pan))!.balance).toBe(expected);
    expect((await one.host.statement(one.pan, 100)).ledger).toHaveLength(41);
    await one.host.close();
    await two.close();
  });

  it('a storage transaction inside another is refused, not a deadlock', async () => {
    const storage = new SqliteIssuerStorage({ memory: true });
    await expect(storage.transaction(() => storage.transaction(async () => 1))).rejects.toThrow(NestedTransactionError);
    expect(await storage.transaction(async (s) => (await s.accounts()).length)).toBe(0);
  });

  it('openIssuerHost: the state directory by default, issuer.sqlite in it', async () => {
    const stateDir = join(dir, 'opened');
    const host = openIssuerHost({ stateDir });
    expect(host.storageDescription).toBe(join(stateDir, 'issuer.sqlite'));
    expect(host.bins.map((b) => b.bin)).toEqual(['621234', '621235']);
    await host.close();
  });
});
