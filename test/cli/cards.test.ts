// `sscard cards` end to end in a temporary state directory, with a real card image and PSAM: the
// command's main() in-process (stdout, stderr, exit code). Expected values come from the seeds (DOMAIN.md
// §5) and the holder file, written out here.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import stringWidth from 'string-width';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'sscard-cards-cli-'));
const state = join(dir, 'state');
const card = join(dir, 'card.json');
const psam = join(dir, 'psam.json');
const holder = new URL('../../fixtures/holders/shanghai-li.json', import.meta.url).pathname;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sscard = (args: string[]) => runCli(...args);

const cards = (args: string[]) => sscard(['cards', ...args, '--state-dir', state]);

/** The display column where the value of each `label  value` row starts. */
function valueColumns(text: string): Set<number> {
  const cols = new Set<number>();
  for (const line of text.split('\n')) {
    const m = /^(\S.*?\S) {2,}(\S)/.exec(line);
    if (m && !line.startsWith(' ')) cols.add(stringWidth(line.slice(0, line.indexOf(m[2]!, m[1]!.length))));
  }
  return cols;
}

beforeAll(async () => {
  expect((await sscard(['card', 'new', '--profile', 'shanghai', '--holder', holder, '--out', card, '--seed', '3'])).code).toBe(0);
  expect((await sscard(['psam', 'new', '--profile', 'shanghai', '--terminal-id', '310000000001', '--out', psam])).code).toBe(0);
  // the bank account of the card (its PAN read from the card) and 李文静 insured at the centre without her card
  expect((await sscard(['issuer', 'open', '--card', card, '--balance', '500.00', '--state-dir', state])).code).toBe(0);
  expect((await sscard(['centre', 'enrol', '--certno', '310104199203154427', '--name', '李文静', '--region', '310000', '--balance', '2000.00', '--state-dir', state])).code).toBe(0);
});

describe('sscard cards', () => {
  it('issues the card not activated; the financial area is activated only at the bank; the bank is told', async () => {
    const issue = await cards(['issue', '--card', card, '--psam', psam, '--now', '2026-03-02 09:00:00']);
    expect(issue.code, issue.err).toBe(0);
    expect(issue.out).toMatch(/^社保功能 social-security area +未激活 not activated$/m);
    expect(issue.out).toMatch(/^金融功能 financial area +未激活 not activated$/m);
    expect(issue.out).toMatch(/^卡号 card number +SH0012349$/m);
    expect(issue.out).toMatch(/^ {2}银行 bank {2}card blocked at the bank \(62\): PAN 621234\d{13}$/m);
    expect(valueColumns(issue.out.split('\n\n')[1]!).size).toBe(1);

    const wrongPlace = await cards(['activate', '--card', card, '--area', 'financial', '--at', 'hospital']);
    expect(wrongPlace.code).toBe(1);
    expect(wrongPlace.err).toBe('sscard: 金融功能 the financial area is activated at a bank (银行网点), not at a designated hospital or pharmacy\n');

    const both = await cards(['activate', '--card', card, '--psam', psam, '--area', 'both', '--at', 'bank', '--place', 'BR-001', '--now', '2026-03-02 09:30:00', '--json']);
    expect(both.code, both.err).toBe(0);
    const j = JSON.parse(both.out);
    expect(j.card.states).toEqual({ 'social-security': 'active', financial: 'active' });
    // --now starts the clock; it runs on from there
    expect(j.card.financialActivated).toEqual({ at: expect.stringMatching(/^2026-03-02T01:30:0\d\.\d{3}Z$/), place: 'bank:BR-001' });
    expect(j.pushes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ target: 'bank', ok: true, action: expect.stringMatching(/^card unblocked at the bank: PAN/) }),
        expect.objectContaining({ target: 'centre', ok: true, action: 'card bound to the insured person at the centre' }),
      ]),
    );
    const centre = await sscard(['centre', 'show', '310000D15600000500A1B2C3341C081B', '--json', '--state-dir', state]);
    expect(JSON.parse(centre.out).cards).toEqual([expect.objectContaining({ card_sn: '310000D15600000500A1B2C3341C081B', card_no: 'SH0012349', status: 'active' })]);
  });

  it('a temporary loss report: suspended for 7 days, restored by itself (shown with --now), or lifted', async () => {
    const report = await cards(['report-loss', 'SH0012349', '--now', '2026-03-02 10:00:00', '--json']);
    expect(report.code, report.err).toBe(0);
    const reported = JSON.parse(report.out);
    expect(reported.notes[0]).toMatch(/^临时挂失 temporary loss report: 社保功能 and 金融功能 suspended until 2026-03-09 10:00:0\d \(China time\); it lapses by itself unless made formal$/);
    // --now starts a clock that runs on: the report was made a few milliseconds after 10:00:00, so the
    // instants below are taken from the report's own time (ISO 8601, to the millisecond)
    const until = reported.card.temporaryLoss.until as string;
    expect(Date.parse(until) - Date.parse('2026-03-02T02:00:00Z')).toBeGreaterThanOrEqual(7 * 86_400_000);
    expect(Date.parse(until) - Date.parse('2026-03-02T02:00:00Z')).toBeLessThan(7 * 86_400_000 + 60_000);
    const before = await cards(['show', 'SH0012349', '--now', new Date(Date.parse(until) - 30_000).toISOString(), '--json']);
    expect(JSON.parse(before.out).states).toEqual({ 'social-security': 'suspended', financial: 'suspended' });
    const after = await cards(['show', 'SH0012349', '--now', until]);
    expect(after.code).toBe(0);
    expect(after.out).toMatch(/^社保功能 social-security area +已激活 active; activated 2026-03-02 09:30:0\d at bank:BR-001$/m);
    expect(after.out).toMatch(/^ {2}2026-03-09 10:00:0\d {2}挂失到期 lapsed: the temporary loss report lapsed \(7 days\): the card works again$/m);
    expect(after.out).toMatch(/同步 pushed: bank: card unblocked at the bank/);

    expect((await cards(['report-loss', '--card', card, '--now', '2026-03-10 10:00:00'])).code).toBe(0);
    const lifted = await cards(['lift-loss', 'SH0012349', '--certno', '310104199203154427', '--now', '2026-03-11 10:00:00']);
    expect(lifted.code, lifted.err).toBe(0);
    expect(lifted.out).toMatch(/^解除挂失 loss report lifted: the card works again$/m);
    const again = await cards(['lift-loss', 'SH0012349', '--now', '2026-03-11 10:00:01']);
    expect(again.code).toBe(1);
    expect(again.err).toBe('sscard: card SH0012349 has no temporary loss report in force\n');
  });

  it('resets a forgotten PIN with RELOAD PIN through the PSAM: the card takes the new PIN', async () => {
    const reset = await cards(['reset-pin', '--card', card, '--psam', psam, '--new-pin', '246810', '--now', '2026-03-12 10:00:00']);
    expect(reset.code, reset.err).toBe(0);
    expect(reset.out).toMatch(/^密码重置 PIN reset: the card takes the new PIN/m);
    expect((await sscard(['pin', 'verify', '--card', card, '--pin', '246810'])).code).toBe(0);
    const old = await sscard(['pin', 'verify', '--card', card, '--pin', '123456']);
    expect(old.code).toBe(1);
    expect(old.err).toBe('sscard: wrong PIN: 2 tries left\n');
    // without a PSAM there are no issuer keys: a usage error
    const noPsam = await cards(['reset-pin', '--card', card, '--new-pin', '246810']);
    expect(noPsam.code).toBe(2);
    expect(noPsam.err).toMatch(/needs a PSAM/);
  });

  it('a formal loss report, then a replacement card: new card number, new identifier; the lost card stays refused', async () => {
    const formal = await cards(['report-loss', 'SH0012349', '--formal', '--now', '2026-03-13 10:00:00']);
    expect(formal.code, formal.err).toBe(0);
    expect(formal.out).toMatch(/^金融功能 financial area +正式挂失 lost \(formal loss report\)/m);
    expect((await cards(['lift-loss', 'SH0012349'])).err).toBe('sscard: card SH0012349 is formally reported lost: a formal report is not lifted (get a replacement card)\n');

    const out = join(dir, 'new.json');
    const repl = await cards(['replace', 'SH0012349', '--out', out, '--seed', '11', '--now', '2026-03-13 11:00:00', '--json']);
    expect(repl.code, repl.err).toBe(0);
    const r = JSON.parse(repl.out);
    expect(existsSync(out)).toBe(true);
    expect(r.card.cardNumber).toMatch(/^SH\d{6}[0-9X]$/);
    expect(r.card.cardNumber).not.toBe('SH0012349');
    expect(r.card.cardSn).toMatch(/^310000D156000005[0-9A-F]{16}$/);
    expect(r.card.cardSn).not.toBe('310000D15600000500A1B2C3341C081B');
    expect(r.card).toMatchObject({ name: '李文静', idNumber: '310104199203154427', replaces: '310000D15600000500A1B2C3341C081B', states: { 'social-security': 'not-activated', financial: 'not-activated' } });
    // the new card is what the host says it is: read it back
    const read = await sscard(['read', '--card', out, '--json']);
    expect(JSON.parse(read.out).basic).toMatchObject({ cardNumber: r.card.cardNumber, idNumber: '310104199203154427', name: '李文静' });

    const list = await cards(['list']);
    expect(list.out).toMatch(/^SH0012349 +李文静 +310104199203154427 +正式挂失 lost \(formal loss report\) +正式挂失 lost \(formal loss report\) +-$/m);
    expect(list.out).toMatch(new RegExp(`^${r.card.cardNumber} +李文静 +310104199203154427 +未激活 not activated +未激活 not activated +SH0012349$`, 'm'));
    const bl = await cards(['blacklist']);
    expect(bl.out).toMatch(/^310000D15600000500A1B2C3341C081B {3}正式挂失 lost 2026-03-13 10:00:0\d$/m);
    // a second replacement of the same card is refused, and leaves no file behind
    const twice = await cards(['replace', 'SH0012349', '--out', join(dir, 'third.json'), '--seed', '12']);
    expect(twice.code).toBe(1);
    expect(twice.err).toMatch(/^sscard: card SH0012349 was already replaced by card 310000D156000005/);
    expect(existsSync(join(dir, 'third.json'))).toBe(false);
  });

  it('one-line errors with their exit codes', async () => {
    const unknown = await cards(['show', 'X00000019']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toBe('sscard: no card X00000019 is known to the card-management host (register it: sscard cards issue --card <file>)\n');
    const badNow = await cards(['show', 'SH0012349', '--now', 'yesterday']);
    expect(badNow.code).toBe(2);
    expect(badNow.err).toBe('sscard: --now: expected "yyyy-MM-dd HH:mm:ss" (China time) or an ISO 8601 time, got "yesterday"\n');
    const which = await cards(['report-loss']);
    expect(which.code).toBe(2);
    expect(which.err).toMatch(/^sscard: which card\? /);
    const badId = await cards(['report-loss', 'SH0012349', '--certno', '123']);
    expect(badId.code).toBe(2);
    const help = await sscard(['cards', 'replace', '--help']);
    expect(help.code).toBe(0);
  });
});
