/**
 * The settlement journal's SQLite adapter on a real file: WAL with synchronous=FULL, one live visit per
 * bill (another is refused), the step log append-only (the schema refuses UPDATE and DELETE), attempts
 * numbered per bill, and everything there after a reopen.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { JournalConflictError, type NewVisit } from '../../../src/terminal/flows/settlement/journal.js';
import { SqliteSettlementJournal } from '../../../src/terminal/flows/settlement/sqlite-journal.js';
import { bill } from './helpers/world.js';

const dir = mkdtempSync(join(tmpdir(), 'sscard-journal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function visit(id: string): NewVisit {
  return {
    visitId: id,
    billKey: 'H31010400123|outpatient|MZ1|CB1',
    mode: 'online',
    cardSn: '310000D15600000500A1B2C3341C081B',
    bill: bill('outpatient'),
    data: { holder: { cardSn: '310000D15600000500A1B2C3341C081B', cardNo: 'SH0012349', certno: '310104199203154427', name: '李文静', region: '310000', check: 'authentic', interface: 'contact', iReadCardBas: '' }, bankRefs: [], interface: 'contact', notes: [] },
  };
}

describe('SqliteSettlementJournal', () => {
  it('one live visit per bill, attempts numbered, an append-only step log, all kept across a reopen', () => {
    const j = SqliteSettlementJournal.open({ stateDir: dir });
    const a = j.open(visit('SVA'), '2026-03-02T03:00:00.000Z');
    expect(a).toMatchObject({ attempt: 1, state: 'open' });
    expect(() => j.open(visit('SVB'), '2026-03-02T03:00:01.000Z')).toThrow(JournalConflictError);
    j.record('SVA', 'settle', 'intent', '2026-03-02T03:00:02.000Z', { ref: 'SVAS' });
    j.record('SVA', 'settle', 'done', '2026-03-02T03:00:03.000Z', { ref: 'SVAS', patch: { mdtrt_id: 'M1' }, setlId: 'S1' });
    j.finish('SVA', 'reversed', '2026-03-02T03:00:04.000Z');
    const b = j.open(visit('SVB'), '2026-03-02T03:00:05.000Z');
    expect(b.attempt).toBe(2);
    j.close();

    const raw = new Database(join(dir, 'settlement.sqlite'));
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(() => raw.prepare("UPDATE step SET phase = 'done' WHERE visit_id = 'SVA'").run()).toThrow(/append-only/);
    expect(() => raw.prepare("DELETE FROM step WHERE visit_id = 'SVA'").run()).toThrow(/append-only/);
    raw.close();

    const again = SqliteSettlementJournal.open({ stateDir: dir });
    expect(again.visit('SVA')).toMatchObject({ state: 'reversed', setlId: 'S1', data: { mdtrt_id: 'M1' } });
    expect(again.steps('SVA').map((s) => `${s.step}:${s.phase}:${s.ref}`)).toEqual(['settle:intent:SVAS', 'settle:done:SVAS']);
    expect(again.liveVisitOfBill('H31010400123|outpatient|MZ1|CB1')?.visitId).toBe('SVB');
    expect(again.unfinished().map((v) => v.visitId)).toEqual(['SVB']);
    again.close();
  });
});
