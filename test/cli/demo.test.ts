// `sscard demo` end to end (the README's first command), as a real process: the story from nothing
// (personalisation, bank account, enrolment, activation, a hospital settlement split between the two
// accounts, a quick payment, a lost card declined), and the APDU tour of --tour.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';

const bin = new URL('../../bin/sscard.js', import.meta.url).pathname;
const sscard = (args: string[]) => spawnSync('node', [bin, ...args], { encoding: 'utf8' });

describe('sscard demo (the story)', () => {
  it('runs end to end: the split of the bill, the quick payment, the declined payment of the lost card (--json)', () => {
    const run = sscard(['demo', '--seed', '7', '--json']);
    expect(run.status, run.stderr).toBe(0);
    const s = JSON.parse(run.stdout);
    // before activation: the financial area refuses
    expect(s.beforeActivation).toEqual({ outcome: 'refused', reason: 'not-activated', detail: '金融功能未激活 financial area not activated: activate it at the bank' });
    // fixtures/bills/outpatient.json: 127.60, every item 甲 (all in scope). The person's deductible for the
    // year is met (1,500.00 paid) and she is employed (ratio 0.85): fund = 127.60 × 0.85 = 108.46; her part
    // 19.14; her account holds 10.00, so 10.00 from it and 9.14 in cash, from the bank account.
    expect(s.settlement).toEqual({
      outcome: 'settled',
      bill: '门诊 outpatient, Shanghai, all 甲',
      setlinfo: {
        medfee_sumamt: '127.60', fulamt_ownpay_amt: '0.00', inscp_scp_amt: '127.60', act_pay_dedc: '0.00', hifp_pay: '108.46',
        fund_pay_sumamt: '108.46', psn_part_amt: '19.14', acct_pay: '10.00', psn_cash_pay: '9.14', balc: '0.00',
      },
      bank: { status: 'approved', amount: '9.14', approvedBy: 'online', responseCode: '00' },
      socialSecurityActivatedAtFirstUse: true,
    });
    // 8.00 offline from the 100.00 of electronic cash the bank loaded with its online payment
    expect(s.quickPayment).toEqual({ outcome: 'approved', amount: '8.00', approvedBy: 'offline', ecBalance: '92.00' });
    expect(s.afterLoss).toMatchObject({ outcome: 'refused', reason: 'suspended', detail: expect.stringMatching(/^卡片已临时挂失 card under a temporary loss report: until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(China time\)/) });
    expect(s.cardStates).toEqual({ 'social-security': 'suspended', financial: 'suspended' });
    expect(s.kept).toBe(false);
    expect(s.stateDir).toBeUndefined();
    // repeatable: the same seed gives the same card and the same figures
    const again = JSON.parse(sscard(['demo', '--seed', '7', '--json']).stdout);
    expect(again.card).toEqual(s.card);
    expect(again.settlement).toEqual(s.settlement);
  });

  it('prints each step aligned, in Chinese and English, and keeps the state with --keep', () => {
    const keep = join(mkdtempSync(join(tmpdir(), 'sscard-demo-')), 'state');
    const run = sscard(['demo', '--seed', '7', '--keep', keep]);
    expect(run.status, run.stderr).toBe(0);
    const out = run.stdout;
    for (let i = 1; i <= 8; i++) expect(out).toMatch(new RegExp(`^\\[${i}/8\\] `, 'm'));
    expect(out).toMatch(/^ {6}食堂 canteen 8\.00 +拒绝 DECLINED: 金融功能未激活 financial area not activated: activate it at the bank$/m);
    expect(out).toMatch(/^ {6}统筹基金 pooled fund +108\.46 \(ratio 0\.85\)$/m);
    expect(out).toMatch(/^ {6}个人账户 personal account +10\.00 \(balance after 0\.00\)$/m);
    expect(out).toMatch(/^ {6}个人现金 cash, from the bank account +9\.14$/m);
    expect(out).toMatch(/^ {6}结果 outcome +批准 APPROVED \(offline, electronic cash\)$/m);
    expect(out).toMatch(/^ {6}食堂 canteen 8\.00 +拒绝 DECLINED: 卡片已临时挂失 card under a temporary loss report/m);
    // within a step, the values start at one display column
    const step6 = out.slice(out.indexOf('[6/8]'), out.indexOf('[7/8]')).split('\n').filter((l) => l.startsWith('      '));
    const cols = new Set(step6.map((l) => stringWidth(l.slice(0, l.search(/ {2}\S(?!.* {2}\S)/) + 2))));
    expect(cols.size).toBe(1);
    // the state is there: the hosts, the card, the PSAM, the settlement journal
    expect(readdirSync(keep).filter((f) => !f.includes('-wal') && !f.includes('-shm')).sort()).toEqual(expect.arrayContaining(['card-management.sqlite', 'card.json', 'centre.sqlite', 'issuer.sqlite', 'psam.json']));
    const show = sscard(['cards', 'list', '--state-dir', keep, '--json']);
    expect(JSON.parse(show.stdout)).toEqual([expect.objectContaining({ states: { 'social-security': 'suspended', financial: 'suspended' } })]);
    // --keep refuses a directory that is not empty
    const twice = sscard(['demo', '--keep', keep]);
    expect(twice.status).toBe(2);
    expect(twice.stderr).toMatch(/is not empty: --keep needs a new or empty directory/);
  });

  it('reports bad options clearly', () => {
    const bad = sscard(['demo', '--seed', 'x']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('sscard: --seed must be an integer 0..4294967295, got "x"\n');
    expect(sscard(['demo', '--no-apdus']).stderr).toBe('sscard: --out and --no-apdus go with --tour\n');
  });
});

describe('sscard demo --tour', () => {
  it('personalises a card and walks it through the SSSE kernel (card check, iReadCardBas, DF04, debit, PKI) and the contactless PPSE', () => {
    const out = execFileSync('node', [bin, 'demo', '--tour'], { encoding: 'utf8' });
    expect(out).toMatch(/> 00A404000F7378312E73682EC9E7BBE1B1A3D5CF/);
    expect(out).toMatch(/< 6F1C840F7378312E73682EC9E7BBE1B1A3D5CFA50988011E9F0C03860103 {2}9000 success/);
    expect(out).toMatch(/card authentic\s+yes/);
    expect(out).toMatch(/PIN\s+verified/);
    expect(out).toMatch(/iReadCardBas\s+310000\|\d{17}[\dX]\|[0-9A-Z]{9}\|310000D156000005[0-9A-F]{16}\|/);
    expect(out).toMatch(/debited\s+1\.00 CNY, balance 1000\.00 → 999\.00/);
    expect(out).toMatch(/signature\s+verified with the certificate's public key/);
    expect(out).toMatch(/certificate chain\s+valid: /);
    expect(out).toMatch(/PPSE lists\s+A000000333010101/);
  });
  it('is repeatable with a seed, refuses to overwrite --out', () => {
    const a = execFileSync('node', [bin, 'demo', '--tour', '--no-apdus', '--seed', '5'], { encoding: 'utf8' });
    const b = execFileSync('node', [bin, 'demo', '--tour', '--no-apdus', '--seed', '5'], { encoding: 'utf8' });
    expect(a.split('\n').slice(0, 12)).toEqual(b.split('\n').slice(0, 12));
    const file = join(mkdtempSync(join(tmpdir(), 'sscard-demo-')), 'card.json');
    execFileSync('node', [bin, 'demo', '--tour', '--no-apdus', '--out', file]);
    const again = spawnSync('node', [bin, 'demo', '--tour', '--no-apdus', '--out', file], { encoding: 'utf8' });
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/exists: choose another --out/);
  });
});
