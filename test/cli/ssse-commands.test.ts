// The social-security commands as a user runs them (the binary, card and PSAM image files): sscard read,
// pin, debit, identity. Expected values: the holder fixture, the profile, DOMAIN.md §1.6 (iReadCardBas),
// the PSAM image's terminal number; exit codes 0 done / 1 refused / 2 usage; one line on stderr.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import stringWidth from 'string-width';

const bin = new URL('../../bin/sscard.js', import.meta.url).pathname;
const repo = new URL('../../', import.meta.url).pathname;
const holder = JSON.parse(readFileSync(join(repo, 'fixtures/holders/shanghai-li.json'), 'utf8')) as { idNumber: string; cardNumber: string; name: string };

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node', [bin, ...args], { encoding: 'utf8', cwd: repo });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('sscard read / pin / debit / identity', () => {
  let dir: string;
  let card: string;
  let psam: string;
  const f = (name: string) => join(dir, name);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sscard-ssse-cli-'));
    card = f('card.json');
    psam = f('psam.json');
    execFileSync('node', [bin, 'card', 'new', '--profile', 'shanghai', '--holder', 'fixtures/holders/shanghai-li.json', '--out', card], { cwd: repo });
    execFileSync('node', [bin, 'psam', 'new', '--profile', 'shanghai', '--terminal-id', '310000000007', '--out', psam], { cwd: repo });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('read: decoded and aligned (double-width Chinese), the iReadCardBas line last', () => {
    const r = run(['read', '--card', card, '--psam', psam]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    const line = lines.at(-1)!;
    const fields = line.split('|');
    expect(fields).toHaveLength(12);
    expect(fields.slice(0, 3)).toEqual(['310000', holder.idNumber, holder.cardNumber]);
    expect(fields[4]).toBe(holder.name);
    expect(fields.slice(6, 11)).toEqual(['3.00', '20260105', '20360105', '310000000007', '']);
    expect(r.stdout).toMatch(/卡检查 card check\s+authentic/);
    // the value column starts at the same display column on every row of the table
    const rows = lines.filter((l) => /^(姓名|性别|民族|卡号|规范版本) /.test(l));
    const starts = rows.map((l) => {
      const m = /^(.*?\S)(\s{2,})(\S.*)$/.exec(l)!;
      return stringWidth(m[1]! + m[2]!);
    });
    expect(rows.length).toBe(5);
    expect(new Set(starts).size).toBe(1);
    expect(r.stdout).toMatch(/性别 sex\s+2 女 \(female\)/);
    expect(r.stdout).toMatch(/民族 nation\s+01 汉族 \(Han\)/);
  });

  it('read --json --pin: one object with the medical files; --device-number fills 终端设备号', () => {
    const r = run(['read', '--card', card, '--psam', psam, '--json', '--pin', '123456', '--device-number', 'HIS-01']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({
      outcome: 'read',
      check: 'authentic',
      basic: { idNumber: holder.idNumber, issueDate: '2026-01-05', birthDate: '1992-03-15', sex: { code: '2', zh: '女' } },
      medical: { insuranceType: { code: '310', zh: '职工基本医疗保险' }, offline: { allowed: true } },
      terminal: { terminalNumber: '310000000007', deviceNumber: 'HIS-01' },
    });
    expect(j.iReadCardBas.endsWith('|310000000007|HIS-01|')).toBe(true);
  });

  it('read without a PSAM says NOT CHECKED; a blacklisted card is refused with exit 1 and one line', () => {
    const plain = run(['read', '--card', card]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/NOT CHECKED/);
    const id = plain.stdout.trimEnd().split('\n').at(-1)!.split('|')[3]!;
    writeFileSync(f('blacklist.txt'), `# lost\n${id}  正式挂失\n`);
    const r = run(['read', '--card', card, '--psam', psam, '--blacklist', f('blacklist.txt')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`sscard: card check: the card ${id} is BLACKLISTED (正式挂失) (line 2 of the blacklist)\n`);
    writeFileSync(f('bad.txt'), 'not-an-identifier\n');
    const bad = run(['read', '--card', card, '--blacklist', f('bad.txt')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^sscard: .*bad\.txt: line 1: .* is not a card identifier/);
  });

  it('pin: a wrong PIN reports the tries left (exit 1); verify; change; status', () => {
    const wrong = run(['pin', 'verify', '--card', card, '--pin', '000000']);
    expect(wrong).toMatchObject({ code: 1, stderr: 'sscard: wrong PIN: 2 tries left\n' });
    expect(run(['pin', 'status', '--card', card]).stdout).toBe('PIN not verified: 2 tries left\n');
    expect(run(['pin', 'verify', '--card', card, '--pin', '123456'])).toMatchObject({ code: 0, stdout: 'PIN verified\n' });
    expect(run(['pin', 'change', '--card', card, '--pin', '123456', '--new-pin', '135790'])).toMatchObject({ code: 0, stdout: 'PIN changed\n' });
    expect(run(['pin', 'reload', '--card', card, '--psam', psam, '--new-pin', '123456', '--json'])).toMatchObject({ code: 0, stdout: '{\n  "outcome": "reloaded"\n}\n' });
  });

  it('pin reload needs a PSAM, and bad PINs are usage errors (exit 2)', () => {
    expect(run(['pin', 'reload', '--card', card, '--new-pin', '123456'])).toMatchObject({ code: 2 });
    expect(run(['pin', 'verify', '--card', card, '--pin', '12a4'])).toMatchObject({ code: 2, stderr: 'sscard: --pin must be 4 to 12 digits\n' });
    expect(run(['pin', 'verify', '--card', card]).stderr).toBe('sscard: --pin <digits> is required\n');
  });

  it('debit: 12.50 from the personal account; insufficient balance is exit 1; a bad amount exit 2', () => {
    const r = run(['debit', '--card', card, '--psam', psam, '--pin', '123456', '--amount', '12.50', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'approved', amount: '12.50', balanceBefore: '1000.00', balanceAfter: '987.50', sequence: 1, terminalId: '310000000007' });
    const poor = run(['debit', '--card', card, '--psam', psam, '--pin', '123456', '--amount', '5000']);
    expect(poor).toMatchObject({ code: 1, stderr: 'sscard: insufficient balance: 5000.00 requested, 987.50 on the card\n' });
    expect(run(['debit', '--card', card, '--psam', psam, '--pin', '123456', '--amount', '-1']).code).toBe(2);
  });

  it('identity: authenticated against the configured root; refused without the issuing CA', () => {
    const chain = run(['card', 'cert', card]).stdout;
    const certs = chain.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n/g)!;
    writeFileSync(f('root.pem'), certs[2]!);
    writeFileSync(f('ca.pem'), certs[1]!);
    const ok = run(['identity', '--card', card, '--pin', '123456', '--trust-root', f('root.pem'), '--ca-certs', f('ca.pem')]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/AUTHENTICATED/);
    const no = run(['identity', '--card', card, '--pin', '123456', '--trust-root', f('root.pem')]);
    expect(no.code).toBe(1);
    expect(no.stderr).toMatch(/^sscard: identity REFUSED \(untrusted\): no trusted root or configured CA issued /);
  });

  it('every command has --help with examples', () => {
    for (const args of [['read'], ['pin', 'verify'], ['pin', 'unblock'], ['debit'], ['identity']]) {
      const r = run([...args, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Examples:\n\s+sscard /);
    }
  });
});
