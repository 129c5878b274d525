// `sscard script` in-process (src/cli/main.ts) against a personalised card image: the fixture scripts
// pass, a mismatch exits 1 with the line and the decoded answer, bad script lines exit 2 naming their
// line, --json and --junit report the run. Expected card data come from the holder fixture.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';


const holder = JSON.parse(readFileSync(new URL('../../fixtures/holders/shanghai-li.json', import.meta.url), 'utf8')) as { idNumber: string; cardNumber?: string };
const dir = mkdtempSync(join(tmpdir(), 'sscard-script-cli-'));
const card = join(dir, 'card.json');
const script = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};
const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;

describe('sscard script', () => {
  beforeAll(async () => {
    const made = await runCli('card', 'new', '--profile', 'shanghai', '--holder', 'fixtures/holders/shanghai-li.json', '--out', card);
    expect(made.code, made.err).toBe(0);
  });

  it('runs the fixture scripts: every expectation holds, exit 0', async () => {
    for (const f of ['fixtures/scripts/ssse-basic.txt', 'fixtures/scripts/ssse-pin.txt']) {
      const r = await runCli('script', f, '--card', card);
      expect(r.code, `${f}\n${r.out}\n${r.err}`).toBe(0);
      expect(r.out).toMatch(new RegExp(`${f}: \\d+ steps, \\d+ checked: \\d+ passed\\n$`));
      expect(r.err).toBe('');
    }
  });

  it('prints each exchange decoded, and the captured variables', async () => {
    const f = script('capture.txt', `00A404000F7378312E73682EC9E7BBE1B1A3D5CF\n#< * 90 00\n00 B2 08 30 00\n< 08 12 {id:18} 90 00\n`);
    const r = await runCli('script', f, '--card', card);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('READ RECORD 读记录  first record with tag 08 of SFI 06 (EF06 持卡人基本信息 cardholder data)');
    expect(r.out).toContain(`08 social security number 社会保障号码: ${Buffer.from(holder.idNumber).toString('hex').toUpperCase()} = "${holder.idNumber}"`);
    expect(r.out).toContain(`{id} = ${Buffer.from(holder.idNumber).toString('hex').toUpperCase()}`);
  });

  it('a mismatch: exit 1, one line on stderr naming the line, expected and got, decoded', async () => {
    const f = script('bad.txt', '00A404000F7378312E73682EC9E7BBE1B1A3D5CF\n00 A4 00 00 02 DF 04\n00B2012C00\n< * 90 00\n0084000008\n');
    const r = await runCli('script', f, '--card', card);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `sscard: ${f} line 4: READ RECORD of line 3: expected "< * 90 00", got 6982 (6982 security status not satisfied (安全状态不满足)): status word: expected 9000, got 6982\n`,
    );
    expect(r.out).toContain('skipped (not run: stopped at the mismatch of line 4)');
    const going = await runCli('script', f, '--card', card, '--keep-going');
    expect(going.code).toBe(1);
    expect(going.out).toMatch(/GET CHALLENGE/);
  });

  it('bad script lines: exit 2, the line named, nothing sent', async () => {
    const cases: Array<[string, RegExp]> = [
      ['00A4040000\n00 B2 01 2X 00\n', /line 2, column 11: not a command APDU: "X" is not a hex digit/],
      ['< 90 00\n', /line 1: an expectation before any command/],
      ['0084000008\n< 90 0\n', /line 2, column 6: odd number of hex digits/],
    ];
    for (const [text, message] of cases) {
      const f = script('syntax.txt', text);
      const r = await runCli('script', f, '--card', card);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(new RegExp(`^sscard: ${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} ${message.source}`));
      expect(r.err.split('\n')).toHaveLength(2);
      expect(r.out).toBe('');
    }
    expect((await runCli('script', join(dir, 'missing.txt'), '--card', card)).err).toMatch(/missing\.txt: no such file/);
    expect((await runCli('script', 'fixtures/scripts/ssse-basic.txt')).err).toMatch(/--card <file> or --reader/);
    expect((await runCli('script', 'fixtures/scripts/ssse-basic.txt', '--card', card, '--var', 'x=ABC')).err).toMatch(/--var x=ABC: expected name=HEX/);
  });

  it('--var sets a variable; --json gives the run', async () => {
    const f = script('var.txt', '00A404000F7378312E73682EC9E7BBE1B1A3D5CF\n00 A4 00 00 02 DF 04\n00 20 00 00 03 {pin}\n< 90 00\n');
    const r = await runCli('script', f, '--card', card, '--var', 'pin=123456', '--json');
    expect(r.code, r.err).toBe(0);
    const json = JSON.parse(r.out) as { ok: boolean; steps: Array<{ command: string; outcome: string }>; variables: Record<string, string> };
    expect(json.ok).toBe(true);
    expect(json.steps[2]).toMatchObject({ command: '0020000003123456', outcome: 'passed' });
    expect(json.variables).toEqual({ pin: '123456' });
  });

  it.skipIf(!hasXmllint)('--junit writes a report that validates against the published JUnit schemas', async () => {
    const f = script('junit.txt', '00A404000F7378312E73682EC9E7BBE1B1A3D5CF\n#< * 90 00\n00 A4 00 00 02 DF 04\n00B2012C00\n< * 90 00\n');
    const xml = join(dir, 'out', 'junit.xml');
    const r = await runCli('script', f, '--card', card, '--junit', xml, '--keep-going');
    expect(r.code).toBe(1);
    const text = readFileSync(xml, 'utf8');
    expect(text).toMatch(/<testsuite name="[^"]*junit\.txt" package="[^"]*" id="0" tests="3" failures="1" errors="0" skipped="0"/);
    expect(text).toContain('<property name="reader" value="card ');
    const schema = new URL('../../fixtures/schemas/junit-10.xsd', import.meta.url).pathname;
    const v = spawnSync('xmllint', ['--noout', '--schema', schema, xml], { encoding: 'utf8' });
    expect(v.status, v.stderr).toBe(0);
  });
});
