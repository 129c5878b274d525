/**
 * `sscard pay` as a user runs it (the binary; a card made by `sscard card new`; the issuer's account opened
 * by `sscard issuer open`): outcome, TVR/TSI named, receipt, --json fields, exit codes (0 approved, 3 not
 * approved, 2 usage, 1 failure), one-line errors for bad amounts, a missing PIN and an unknown reader.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import stringWidth from 'string-width';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sscard } from '../e2e/helpers.js';

describe('sscard pay', () => {
  let dir: string;
  let card: string;
  let state: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sscard-pay-'));
    card = join(dir, 'card.json');
    state = join(dir, 'state');
    const made = await sscard(['card', 'new', '--profile', 'shanghai', '--holder', 'fixtures/holders/shanghai-li.json', '--out', card]);
    expect(made.code, made.stderr).toBe(0);
    const opened = await sscard(['issuer', 'open', '--card', card, '--balance', '1000.00', '--state-dir', state]);
    expect(opened.code, opened.stderr).toBe(0);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a contact purchase with the PIN: approved online, TVR and TSI named, an aligned bilingual receipt; exit 0', async () => {
    const r = await sscard(['pay', '--card', card, '--amount', '12.50', '--pin', '123456', '--state-dir', state]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Outcome 交易结果 +APPROVED 交易批准 — online 联机批准$/m);
    expect(r.stdout).toMatch(/^TSI 交易状态信息 +F800$/m);
    expect(r.stdout).toContain('byte 1 b5  Issuer authentication was performed / 发卡行认证已进行');
    expect(r.stdout).toMatch(/^Account 账户可用余额 +CNY 987\.50$/m);
    expect(r.stdout).toContain('签购单 RECEIPT');
    expect(r.stdout).toMatch(/金额 AMOUNT +CNY 12\.50/);
    // the value column starts at the same display column on every labelled line (CJK = 2 columns)
    const head = r.stdout.split('\n\n')[0]!.split('\n').filter((l) => /^\S/.test(l));
    const columns = new Set(head.map((l) => stringWidth(/^(.*?\S)( {2,})\S/.exec(l)![0]) - 1));
    expect(columns.size).toBe(1);
  }, 60_000);

  it('--json: outcome, approvedBy, amount, tvr, tsi, atc; contactless EC purchase gives ecBalance', async () => {
    // load electronic cash first: delivered by the next online contact purchase
    const pan = JSON.parse((await sscard(['issuer', 'accounts', '--json', '--state-dir', state])).stdout)[0].pan as string;
    expect((await sscard(['issuer', 'load', pan, '--amount', '100.00', '--state-dir', state])).code).toBe(0);
    const loaded = await sscard(['pay', '--card', card, '--amount', '1.00', '--pin', '123456', '--state-dir', state, '--json']);
    expect(loaded.code, loaded.stderr).toBe(0);
    expect(JSON.parse(loaded.stdout)).toMatchObject({ outcome: 'APPROVED', approvedBy: 'online', ecBalance: 10_000 });

    const r = await sscard(['pay', '--card', card, '--amount', '8', '--contactless', '--state-dir', state, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ outcome: 'APPROVED', approvedBy: 'offline', amount: 800, amountYuan: '8.00', ecBalance: 9_200, kernel: 'qpboc', cryptogramType: 'TC' });
    expect(j.tvr.hex).toBe('0000000000');
    expect(j.tsi.hex).toBe('C000');
    expect(typeof j.atc).toBe('number');
    expect(j.reason).toBeUndefined();
    expect(j.clearing.accepted).toBe(true);
  }, 120_000);

  it('over the contactless limit: TRY_ANOTHER_INTERFACE with its reason; exit 3', async () => {
    const r = await sscard(['pay', '--card', card, '--amount', '1000', '--contactless', '--state-dir', state, '--json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'TRY_ANOTHER_INTERFACE', reason: { code: 'OVER_CONTACTLESS_LIMIT' } });
  }, 60_000);

  it('declined by the issuer (no funds): exit 3, the reason printed', async () => {
    const r = await sscard(['pay', '--card', card, '--amount', '5000', '--pin', '123456', '--state-dir', state]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^Outcome 交易结果 +DECLINED 交易拒绝$/m);
    expect(r.stdout).toMatch(/\(51: /);
  }, 60_000);

  it.each([
    ['12.345', '--amount: "12.345" is not a positive amount'],
    ['0', '--amount: "0" is not a positive amount'],
    ['-1', '--amount: "-1" is not a positive amount'],
    ['abc', '--amount: "abc" is not a positive amount'],
    ['1e3', '--amount: "1e3" is not a positive amount'],
  ])('a bad amount (%s): one line, exit 2', async (amount, message) => {
    const r = await sscard(['pay', '--card', card, '--amount', amount, '--state-dir', state]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(message);
  }, 60_000);

  it('the card asks for a PIN and none was given: one line, exit 2', async () => {
    const r = await sscard(['pay', '--card', card, '--amount', '2.00', '--state-dir', state]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("sscard: the card asks for the cardholder's PIN (offline PIN): give it with --pin <digits>");
  }, 60_000);

  it('an unknown reader: one line, non-zero', async () => {
    const r = await sscard(['pay', '--reader', 'No Such Reader 99', '--amount', '2.00', '--state-dir', state]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^sscard: /);
  }, 60_000);

  it('a terminal configuration that is not valid: one line naming the field, exit 2', async () => {
    const bad = join(dir, 'terminal.json');
    writeFileSync(bad, JSON.stringify({ tac: { denial: 'nope' } }));
    const r = await sscard(['pay', '--card', card, '--amount', '2.00', '--terminal', bad, '--state-dir', state]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/terminal\.json: invalid terminal configuration: tac\.denial/);
  }, 60_000);
});
