// `sscard centre` end to end in a temporary state directory: the command's main() in-process (its
// stdout, stderr and exit code), and `serve` as a real process answering HTTP.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

const bin = new URL('../../bin/sscard.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'sscard-centre-cli-'));
const state = join(dir, 'state');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (args: string[]) => runCli('centre', ...args, '--state-dir', state);

describe('sscard centre', () => {
  it('enrols the seed persons, lists them aligned, shows one, and refuses a second enrolment whole', async () => {
    const enrol = await run(['enrol', '--seed']);
    expect(enrol.code, enrol.err).toBe(0);
    expect(enrol.out).toMatch(/^enrolled 31000000000000000001 {2}李文静 \(310104199203154427\) {2}310 职工基本医疗保险, 1101 职工在职, region 310000, balance 2000\.00, card 310000D15600000500A1B2C3341C081B$/m);
    expect(enrol.out).toMatch(/^5 enrolled in .*centre\.sqlite$/m);

    const list = await run(['persons']);
    expect(list.code).toBe(0);
    const lines = list.out.trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    // the balance column ends at the same display column on every line (Chinese names are two columns wide)
    const width = (s: string) => [...s].reduce((w, ch) => w + (/[\u3000-\u9fff\uff00-\uffef]/.test(ch) ? 2 : 1), 0);
    const ends = lines.slice(1).map((l) => width(l.slice(0, l.indexOf(l.match(/\d+\.\d\d/)![0]) + l.match(/\d+\.\d\d/)![0].length)));
    expect(new Set(ends).size).toBe(1);
    expect(list.out).toMatch(/31000000000000000004 {2}王秀英 {5}310101198507214325 {3}310 {13}在职 employed {2}310000 {17}0\.00 {19}1500\.00/);

    const show = await run(['show', '510100D1560000053C5D7E91D1D81527', '--json']);
    expect(show.code).toBe(0);
    expect(JSON.parse(show.out)).toMatchObject({
      psn_name: '陈建国', insutype: '310', psn_type: '1201', kind: 'retired', insuplc_admdvs: '510100', balc: '800.00',
      policy: { name: 'sichuan', deductible: '800.00', annual_cap: '400000.00', ratio: '0.9200' },
      cards: [{ card_sn: '510100D1560000053C5D7E91D1D81527', card_no: 'A00815261', status: 'active' }],
      settlements: [],
    });
    const human = await run(['show', '370102197811305611']);
    expect(human.out).toMatch(/^险种 insurance +390 城乡居民基本医疗保险 \(urban and rural resident basic medical insurance\)$/m);
    expect(human.out).toMatch(/起付线 deductible +0\.00 paid of 500\.00$/m);

    const again = await run(['enrol', '--seed']);
    expect(again.code).toBe(1);
    expect(again.err).toBe('sscard: 当前状态不允许此交易 (not allowed in this state): person 1 (310104199203154427): certno 310104199203154427 is already enrolled as psn_no 31000000000000000001\n');
    expect((await run(['persons', '--json'])).out).toContain('"psn_no": "31000000000000000005"');
  });

  it('one-line errors with exit 2 for bad input and 1 for failures', async () => {
    const cases: [string[], number, RegExp][] = [
      [['enrol', '--certno', '310104199203154428', '--name', 'x', '--region', '310000'], 2, /^sscard: 入参校验失败 \(invalid input\): certno "310104199203154428" is not an 18-character ID number with a valid check character\n$/],
      [['enrol', '--certno', '110101199001011237', '--name', 'x', '--region', '110000', '--balance', '12.345'], 2, /^sscard: --balance: expected yuan with at most 2 decimals, e\.g\. 1500\.00, got "12\.345"\n$/],
      [['enrol', '--name', 'x'], 2, /^sscard: enrol needs --certno and --name \(or --file \/ --seed\)\n$/],
      [['show', 'nobody'], 1, /^sscard: no insured person has psn_no, certno or card_sn "nobody"\n$/],
      [['serve', '--port', '70000'], 2, /^sscard: --port: expected 0\.\.65535, got "70000"\n$/],
      [['persons', '--now', 'yesterday'], 2, /^sscard: --now: expected "yyyy-MM-dd HH:mm:ss" \(China time\) or an ISO 8601 time, got "yesterday"\n$/],
      [['persons', '--policies', join(dir, 'none')], 2, /^sscard: policy directory .*none: ENOENT/],
    ];
    for (const [args, code, message] of cases) {
      const r = await run(args);
      expect(r.err, args.join(' ')).toMatch(message);
      expect(r.code, args.join(' ')).toBe(code);
    }
    const badFile = join(dir, 'persons.json');
    writeFileSync(badFile, JSON.stringify({ persons: [{ certno: '310104199203154427', psn_name: 'x', insuplc_admdvs: '31', balance: 'lots' }] }));
    const r = await run(['enrol', '--file', badFile]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^sscard: persons file .*persons\.json: persons\[0\]\.insuplc_admdvs: expected a 6-digit region code \(医保区划\); persons\[0\]\.balance: expected an amount in yuan with at most 2 decimals, got "lots"\n$/);
  });

  it('serve answers the envelope over HTTP and stops on SIGTERM', async () => {
    const child = spawn('node', [bin, 'centre', 'serve', '--port', '0', '--state-dir', state], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`serve exited (${code}): ${out}`)));
    });
    const res = await fetch(url, {
      method: 'POST',
      body: JSON.stringify({ infno: '1101', msgid: 'CLI-1', mdtrtarea_admvs: '310000', fixmedins_code: 'H31010400123', input: { data: { mdtrt_cert_type: '02', mdtrt_cert_no: '31011519580304162X' } } }),
    });
    const text = await res.text();
    expect(text).toContain('"infcode":"0"');
    expect(text).toContain('"psn_name":"张丽娟"');
    expect(text).toContain('"balc":5600.00');
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toMatch(/stopped \(SIGTERM\)\n$/);
  });

  it('--help teaches with examples', async () => {
    const help = (await run(['serve', '--help'])).out;
    expect(help).toMatch(/Examples:\n {2}sscard centre serve --port 8080/);
    expect(help).toContain('/fsi/api/rsfComIfsService/callService');
  });
});
