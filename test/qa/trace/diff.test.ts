// Golden-trace comparison: two runs of the same commands on copies of the same card agree once the
// fields expected to vary are masked (a challenge, the ATC, the cryptogram, the terminal's UN and
// date); a changed amount, a changed response, a missing or an added exchange, another ATR are
// reported, and --strict sees the volatile differences too.
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/run-cli.js';
import { diffText, diffTraces } from '../../../src/qa/trace/diff.js';
import { parseTrace, type Trace } from '../../../src/qa/trace/trace-file.js';
import { VOLATILE_RULES, VOLATILE_TAGS } from '../../../src/qa/trace/volatile.js';


const dir = mkdtempSync(join(tmpdir(), 'sscard-diff-'));
const PPSE = '00A404000E325041592E5359532E4444463031';
const AID = '00A4040008A000000333010101';
// GPO: PDOL data TTQ ‖ amount ‖ other ‖ country ‖ TVR ‖ currency ‖ date ‖ type ‖ UN ‖ DF60 ‖ DF69
const gpo = (amount: string, date: string, un: string) => `80A8000025832336800000${amount}000000000000015600000000000156${date}00${un}000100`;

async function traceOf(name: string, commands: string[], image: string): Promise<Trace> {
  const card = join(dir, `${name}.json`);
  copyFileSync(image, card);
  const file = join(dir, `${name}.jsonl`);
  const r = await runCli('apdu', '--card', card, '--interface', 'contactless', '--record', file, ...commands);
  expect(r.code, r.err).toBe(0);
  return parseTrace(readFileSync(file, 'utf8'), file);
}

describe('trace diff', () => {
  let image: string;
  let golden: Trace;
  beforeAll(async () => {
    image = join(dir, 'image.json');
    expect((await runCli('card', 'new', '--profile', 'shanghai', '--out', image)).code).toBe(0);
    golden = await traceOf('golden', [PPSE, AID, gpo('000000000100', '261201', '12345678'), '80CA9F3600', '0084000008'], image);
  });

  it('a second run of the same flow is the same, its volatile fields ignored and listed', async () => {
    // a new UN, another date, a new challenge; the ATC and the cryptogram come out different too (the card image was used once more)
    const twice = join(dir, 'twice.json');
    copyFileSync(image, twice);
    await runCli('apdu', '--card', twice, '--interface', 'contactless', PPSE, AID, gpo('000000000100', '261201', '12345678'));
    const again = await traceOf('again', [PPSE, AID, gpo('000000000100', '261202', 'CAFEBABE'), '80CA9F3600', '0084000008'], twice);
    const d = diffTraces(golden, again);
    expect(d.entries).toEqual([]);
    expect(d.same).toBe(true);
    expect(d.exchanges).toEqual({ golden: 5, actual: 5 });
    expect(d.ignored.map((i) => i.field).sort()).toEqual(
      ['9A Transaction Date', '9F37 Unpredictable Number', '9F36 Application Transaction Counter', '9F26 Application Cryptogram', '9F10 Issuer Application Data', 'data'].sort(),
    );
    const strict = diffTraces(golden, again, { strict: true });
    expect(strict.same).toBe(false);
    expect(strict.entries.map((e) => e.kind)).toEqual(expect.arrayContaining(['command-differs', 'response-differs']));
  });

  it('a changed amount, a missing and an added exchange, a changed response', async () => {
    const other = await traceOf('other', [PPSE, AID, gpo('000000000200', '261201', '12345678'), '0084000008', '00B2010C00'], image);
    const d = diffTraces(golden, other);
    expect(d.entries.map((e) => [e.kind, e.golden?.index, e.actual?.index])).toEqual([
      ['command-differs', 4, 4],
      ['missing', 5, undefined],
      ['added', undefined, 6],
    ]);
    expect(d.entries[0]!.details).toContain('83 › 9F02 Amount, Authorised 授权金额: 000000000100 (1.00) → 000000000200 (2.00)');
    const text = diffText(d);
    expect(text).toMatch(/^.*golden\.jsonl ↔ .*other\.jsonl: 5 and 5 exchanges; 3 differences/);
    expect(text).toContain('GET DATA 取数据  9F36 Application Transaction Counter 应用交易计数器: missing from the second trace');

    const blocked = await traceOf('refused', [PPSE, '00A4040008A000000333010199', gpo('000000000100', '261201', '12345678'), '80CA9F3600', '0084000008'], image);
    const r = diffTraces(golden, blocked);
    expect(r.entries[0]).toMatchObject({ kind: 'command-differs' });
    expect(r.entries.some((e) => e.kind === 'response-differs' && e.details.some((l) => l.startsWith('status word: 9000 success (成功) →')))).toBe(true);
  });

  it('sscard trace diff: exit 0 when the same, 1 with the differences, --json', async () => {
    const same = await runCli('trace', 'diff', golden.name, golden.name);
    expect(same.code).toBe(0);
    expect(same.out).toMatch(/5 and 5 exchanges; the same/);
    const other = await traceOf('other2', [PPSE, AID], image);
    const differs = await runCli('trace', 'diff', golden.name, other.name, '--json');
    expect(differs.code).toBe(1);
    expect(differs.err).toBe(`sscard: 3 differences between ${golden.name} and ${other.name}\n`);
    expect(JSON.parse(differs.out)).toMatchObject({ same: false, differences: 3 });
    expect((await runCli('trace', 'diff', golden.name, join(dir, 'nope.jsonl'))).err).toMatch(/nope\.jsonl: no such file/);
  });

  it('another ATR is a difference', () => {
    const lines = readFileSync(golden.name, 'utf8').split('\n');
    const changed = lines.map((l) => (l.includes('"msg":"connect"') ? l.replace(/"atr":"3B/, '"atr":"3F') : l)).join('\n');
    const d = diffTraces(golden, parseTrace(changed, 'changed.jsonl'));
    expect(d.entries).toHaveLength(1);
    expect(d.entries[0]).toMatchObject({ kind: 'atr-differs' });
  });
});

describe('docs/qa-scripts.md lists the volatile table', () => {
  it('every command and tag of src/qa/trace/volatile.ts is in the docs table', () => {
    const doc = readFileSync(new URL('../../../docs/qa-scripts.md', import.meta.url), 'utf8');
    const table = doc.slice(doc.indexOf('What is ignored'), doc.indexOf('## Record and replay'));
    for (const r of VOLATILE_RULES) expect(table, r.command).toContain(r.command);
    for (const t of VOLATILE_TAGS) expect(table, t.tag).toContain(t.tag);
  });
});
