/**
 * `sscard settle` and `sscard quickpay` as a user runs them (the binary; a card from `sscard card new`,
 * a PSAM from `sscard psam new`, the holder enrolled by `sscard centre enrol`, the bank account opened
 * by `sscard issuer open`, all in one state directory): the receipt with both parts aligned by display
 * width, `--json` with the platform's setlinfo (yuan, two decimals) and the bank part, a repeated bill,
 * a cancel, recovery, exit codes and one-line errors. Expected amounts by hand: the outpatient bill
 * (127.60, all 甲) for a person whose deductible is met and whose account holds 10.00 → fund 0.85 ×
 * 127.60 = 108.46, account 10.00, cash 9.14.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import stringWidth from 'string-width';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sscard } from '../e2e/helpers.js';

describe('sscard settle', { timeout: 120_000 }, () => {
  let dir: string;
  let card: string;
  let psam: string;
  let state: string;
  let pan: string;
  let setlId: string;
  const common = () => ['--card', card, '--psam', psam, '--state-dir', state];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sscard-settle-'));
    card = join(dir, 'card.json');
    psam = join(dir, 'psam.json');
    state = join(dir, 'state');
    for (const args of [
      ['card', 'new', '--profile', 'shanghai', '--holder', 'fixtures/holders/shanghai-li.json', '--out', card],
      ['psam', 'new', '--profile', 'shanghai', '--out', psam],
      ['centre', 'enrol', '--certno', '310104199203154427', '--name', '李文静', '--region', '310000', '--balance', '10.00', '--dedc-paid', '1500.00',
        '--card-sn', '310000D15600000500A1B2C3341C081B', '--card-no', 'SH0012349', '--state-dir', state],
      ['issuer', 'open', '--card', card, '--balance', '1000.00', '--state-dir', state],
    ]) {
      const r = await sscard(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    pan = JSON.parse((await sscard(['issuer', 'accounts', '--json', '--state-dir', state])).stdout)[0].pan;
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function bankBalance(): Promise<number> {
    return JSON.parse((await sscard(['issuer', 'show', pan, '--json', '--state-dir', state])).stdout).account.balance;
  }

  it('settles: one receipt with both parts, amounts right-aligned by display width; the bank charged 9.14; exit 0', async () => {
    const r = await sscard(['settle', ...common(), '--bill', 'fixtures/bills/outpatient.json', '--pin', '123456']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const out = r.stdout;
    expect(out).toContain('医保结算单 SETTLEMENT RECEIPT');
    expect(out).toMatch(/^ 姓名 NAME +李文静$/m);
    expect(out).toMatch(/^ 社会保障号码 ID NO\. +310104\*{8}4427$/m);
    expect(out).toMatch(/^ 卡片校验 CARD CHECK +PSAM 认证通过 authentic, 接触 contact$/m);
    expect(out).toMatch(/^ 医疗费总额 TOTAL +127\.60$/m);
    expect(out).toMatch(/^ 统筹基金 POOLED FUND \(85%\) +108\.46$/m);
    expect(out).toMatch(/^ 个人账户 PERSONAL ACCOUNT +10\.00$/m);
    expect(out).toMatch(/^ 现金 CASH \(BANK CARD\) +9\.14$/m);
    expect(out).toMatch(/^ 结果 RESULT +批准 APPROVED \(联机 online\)$/m);
    expect(out).toMatch(/^ 金额 AMOUNT +CNY 9\.14$/m);
    // the split's amounts end in one display column (CJK characters are two columns wide)
    const split = out.split('费用分割 SPLIT')[1]!.split('银行卡支付')[0]!.split('\n').slice(1, -1);
    expect(split).toHaveLength(12);
    expect(new Set(split.map((l) => stringWidth(l))).size).toBe(1);
    setlId = /^ 结算编号 SETTLEMENT ID +(\S+)$/m.exec(out)![1]!;
    expect(await bankBalance()).toBe(100_000 - 914);
  });

  it('--json on the same bill: repeated, the platform\'s setlinfo with two decimals, the bank part; nothing charged again', async () => {
    const r = await sscard(['settle', ...common(), '--bill', 'fixtures/bills/outpatient.json', '--pin', '123456', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('"medfee_sumamt":127.60');
    expect(r.stdout).toContain('"psn_cash_pay":9.14');
    expect(r.stdout).toContain('"pool_prop_selfpay":0.8500');
    expect(r.stdout).toContain('"amount":9.14');
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ outcome: 'settled', repeated: true, mode: 'online', setlinfo: { setl_id: setlId, hifp_pay: 108.46, acct_pay: 10, balc: 0, psn_name: '李文静' } });
    expect(j.bank).toMatchObject({ status: 'approved', kernel: 'pboc-contact', approvedBy: 'online', responseCode: '00' });
    expect(typeof j.bank.atc).toBe('number');
    expect(j.bank.tvr).toMatch(/^[0-9A-F]{10}$/);
    expect(j.bank.tsi).toMatch(/^[0-9A-F]{4}$/);
    expect(await bankBalance()).toBe(100_000 - 914);
  });

  it('--receipt prints it again; --cancel reverses both parts; --recover finds nothing to do', async () => {
    const again = await sscard(['settle', '--receipt', setlId, '--state-dir', state]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/现金 CASH \(BANK CARD\) +9\.14/);
    const c = await sscard(['settle', '--cancel', setlId, '--state-dir', state]);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toContain('医保结算撤销单 SETTLEMENT CANCELLED');
    expect(c.stdout).toMatch(/^ 结果 RESULT +已冲正 REVERSED/m);
    expect(c.stdout).toMatch(/^ 退回银行卡 BANK CARD BACK +9\.14$/m);
    expect(c.stdout).toMatch(/^ 撤销后账户余额 ACCOUNT BALANCE +10\.00$/m);
    expect(await bankBalance()).toBe(100_000);
    const person = JSON.parse((await sscard(['centre', 'show', '310104199203154427', '--json', '--state-dir', state])).stdout);
    expect(person.balc).toBe('10.00');
    const rec = await sscard(['settle', '--recover', '--state-dir', state]);
    expect(rec.code, rec.stderr).toBe(0);
    expect(rec.stdout).toBe('无未完成的结算 nothing to recover\n');
  });

  it('the bank declines (account blocked): reversed, exit 1 with one line; both accounts as before', async () => {
    expect((await sscard(['issuer', 'block', pan, '--state-dir', state])).code).toBe(0);
    try {
      const r = await sscard(['settle', ...common(), '--bill', 'fixtures/bills/three-categories.json', '--pin', '123456']);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^ 结果 OUTCOME +已冲正 REVERSED/m);
      // by hand: 195.88 in scope, deductible met → fund 0.85 × 195.88 = 166.498 → 166.50; person 430.60 − 166.50 = 264.10; account 10.00; cash 254.10
      expect(r.stdout).toMatch(/^ 现金 CASH \(BANK CARD\) +254\.10$/m);
      expect(r.stderr).toMatch(/^sscard: reversed: 银行拒绝现金部分 The bank declined the cash part: .*78.*\n$/);
      expect(r.stderr.split('\n')).toHaveLength(2);
      expect(await bankBalance()).toBe(100_000);
      const person = JSON.parse((await sscard(['centre', 'show', '310104199203154427', '--json', '--state-dir', state])).stdout);
      expect(person.balc).toBe('10.00');
    } finally {
      expect((await sscard(['issuer', 'unblock', pan, '--state-dir', state])).code).toBe(0);
    }
  });

  it('usage errors exit 2 with one line; a wrong PIN exits 1', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['settle', '--state-dir', state], /say what to do: --bill/],
      [['settle', '--bill', 'fixtures/bills/outpatient.json', '--cancel', 'X', '--state-dir', state], /--bill and --cancel cannot be used together/],
      [['settle', ...common(), '--bill', 'fixtures/bills/outpatient.json'], /give it with --pin/],
      [['settle', ...common(), '--bill', 'fixtures/bills/outpatient.json', '--pin', '12'], /--pin must be 4 to 12 digits/],
      [['settle', '--card', card, '--bill', 'fixtures/bills/outpatient.json', '--pin', '123456', '--offline', '--state-dir', state], /--offline needs the PSAM/],
      [['settle', ...common(), '--bill', 'fixtures/bills/outpatient.json', '--pin', '123456', '--offline', '--contactless'], /--offline needs the contact interface/],
    ];
    const bad = join(dir, 'bad-bill.json');
    writeFileSync(bad, JSON.stringify({ title: 'x', kind: 'outpatient' }));
    cases.push([['settle', ...common(), '--bill', bad, '--pin', '123456'], /^sscard: bill .*bad-bill\.json: /]);
    for (const [args, message] of cases) {
      const r = await sscard(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.split('\n'), r.stderr).toHaveLength(2);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const wrong = await sscard(['settle', ...common(), '--bill', 'fixtures/bills/outpatient.json', '--pin', '000000']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^sscard: not settled: 密码错误 Wrong PIN: wrong PIN: 2 tries left\n$/);
    const notFound = await sscard(['settle', '--cancel', 'NOSUCH', '--state-dir', state]);
    expect(notFound.code).toBe(1);
    expect(notFound.stderr).toMatch(/^sscard: not cancelled: 本终端无此结算记录/);
  });

  it('a contactless settlement (no PIN on the contactless interface)', async () => {
    const r = await sscard(['settle', '--card', card, '--state-dir', state, '--bill', 'fixtures/bills/outpatient.json', '--contactless', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ outcome: 'settled', repeated: false, card: { check: 'unchecked', interface: 'contactless' }, setlinfo: { psn_cash_pay: 9.14 }, bank: { status: 'approved', kernel: 'qpboc', interface: 'contactless' } });
    expect(await bankBalance()).toBe(100_000 - 914);
  });
});

describe('sscard quickpay', { timeout: 120_000 }, () => {
  let dir: string;
  let card: string;
  let state: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sscard-quickpay-'));
    card = join(dir, 'card.json');
    state = join(dir, 'state');
    expect((await sscard(['card', 'new', '--profile', 'shanghai', '--out', card])).code).toBe(0);
    expect((await sscard(['issuer', 'open', '--card', card, '--balance', '2000.00', '--state-dir', state])).code).toBe(0);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('8.00 (no EC on a new card): approved online, exit 0; 1,200.00: try another interface, exit 3; with --contact-fallback: approved', async () => {
    const small = await sscard(['quickpay', '--card', card, '--amount', '8.00', '--state-dir', state]);
    expect(small.code, small.stderr).toBe(0);
    expect(small.stdout).toMatch(/^快捷支付 QUICK PAYMENT {2}批准 APPROVED \(联机 online\) {2}CNY 8\.00$/m);
    const big = await sscard(['quickpay', '--card', card, '--amount', '1200', '--state-dir', state]);
    expect(big.code).toBe(3);
    expect(big.stdout).toMatch(/请插卡 TRY ANOTHER INTERFACE/);
    const fallback = await sscard(['quickpay', '--card', card, '--amount', '1200', '--contact-fallback', '--pin', '123456', '--state-dir', state, '--json']);
    expect(fallback.code, fallback.stderr).toBe(0);
    const j = JSON.parse(fallback.stdout);
    expect(j).toMatchObject({ outcome: 'approved', approvedBy: 'online', contact: { kernel: 'pboc-contact' }, contactless: { outcome: 'TRY_ANOTHER_INTERFACE' } });
  });
});
