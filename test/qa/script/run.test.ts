// Running scripts on a reader: expectations checked, variables captured and used, the run stopping at
// the first mismatch (or going on with keepGoing), a reader failure ending it; the JUnit report of a
// run. The "card" here is a table of answers written by hand (status words from DOMAIN.md §1.3).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../src/apdu/bytes.js';
import { TransportError } from '../../../src/apdu/transport.js';
import { junitXml } from '../../../src/qa/report/junit.js';
import { parseScript } from '../../../src/qa/script/parse.js';
import { scriptReport } from '../../../src/qa/script/report.js';
import { runScript } from '../../../src/qa/script/run.js';
import type { CardReader } from '../../../src/terminal/reader.js';

const ATR = fromHex('3B6D000000814A444686605199000001AC'); // a real third-generation ATR, DOMAIN.md §1.4

/** A reader whose card answers from a table; unknown commands get 6D00; "DEAD" commands fail the transport. */
function tableReader(answers: Record<string, string>): CardReader & { sent: string[] } {
  const sent: string[] = [];
  return {
    name: 'table',
    connected: true,
    interface: 'contact',
    protocol: 'T=1',
    atr: ATR,
    sent,
    connect: async () => ATR,
    reset: async () => ATR,
    disconnect: async () => undefined,
    transport: {
      async transmit(command: Uint8Array) {
        const hex = toHex(command);
        sent.push(hex);
        if (hex.startsWith('DEAD')) throw new TransportError('the card was removed');
        return fromHex(answers[hex] ?? '6D00');
      },
    },
  };
}

const clock = () => {
  let t = 0n;
  return () => (t += 1_000_000n); // 1 ms per reading
};

const ANSWERS = {
  '00A404000F7378312E73682EC9E7BBE1B1A3D5CF': '6F1C840F7378312E73682EC9E7BBE1B1A3D5CFA50988011E9F0C038601039000',
  '00B2010012': '0110519900D15600000510000B26FFFFFFFF9000', // the real trace of DOMAIN.md §1.4
  '0084000008': '11223344556677889000',
  '00820004111122334455667788AABB': '9000',
  '0020000003123456': '63C2',
};

describe('runScript', () => {
  it('checks every expectation, captures and uses variables', async () => {
    const script = parseScript(
      [
        'reset',
        '#< 3B 6D * 01 AC',
        '00A404000F7378312E73682EC9E7BBE1B1A3D5CF',
        '#< 6F ?? 84 0F * 90 00',
        '00B2010012',
        '< 01 10 {region:3} D1 56 00 00 05 * 90 00',
        '0084000008',
        '< {r:8} 90 00',
        '00 82 00 04 11 {r} {tail}',
        '< 90 00',
      ].join('\n'),
      'ok.txt',
    );
    const reader = tableReader(ANSWERS);
    const run = await runScript(script, reader, { variables: new Map([['tail', fromHex('AABB')]]), clock: clock() });
    expect(run.steps.map((s) => s.outcome)).toEqual(['passed', 'passed', 'passed', 'passed', 'passed']);
    expect(run).toMatchObject({ ok: true, passed: 5, failed: 0, errors: 0, skipped: 0 });
    expect(run.variables).toEqual({ tail: 'AABB', region: '519900', r: '1122334455667788' });
    expect(reader.sent.at(-1)).toBe('00820004111122334455667788AABB');
    expect(run.steps[2]!.decoded!.command.label).toBe('READ RECORD');
    expect(run.steps[0]!.seconds).toBeCloseTo(0.001);
  });

  it('stops at the first mismatch, naming the line, the expectation and the decoded answer', async () => {
    const script = parseScript(['0020000003123456', '< 90 00', '0084000008', '< * 90 00'].join('\n'), 'pin.txt');
    const run = await runScript(script, tableReader(ANSWERS), { clock: clock() });
    expect(run.steps.map((s) => s.outcome)).toEqual(['failed', 'skipped']);
    expect(run.steps[0]!.message).toBe(
      'pin.txt line 2: VERIFY of line 1: expected "< 90 00", got 63C2 (63C2 verification failed, 2 tries left (校验失败，还剩2次)): status word: expected 9000, got 63C2',
    );
    expect(run.steps[1]!.message).toBe('not run: stopped at the mismatch of line 2');
    expect(run.ok).toBe(false);
  });

  it('goes on with keepGoing; still fails', async () => {
    const script = parseScript(['0020000003123456', '< 90 00', '0084000008', '< * 90 00', '00B2010012'].join('\n'), 'k.txt');
    const run = await runScript(script, tableReader(ANSWERS), { keepGoing: true, clock: clock() });
    expect(run.steps.map((s) => s.outcome)).toEqual(['failed', 'passed', 'unchecked']);
    expect(run).toMatchObject({ ok: false, failed: 1, passed: 1, unchecked: 1 });
  });

  it('a reader failure ends the run (an error, not a mismatch); an unset variable too', async () => {
    const removed = await runScript(parseScript('DEAD000000\n< 90 00\n0084000008', 'r.txt'), tableReader(ANSWERS), { keepGoing: true, clock: clock() });
    expect(removed.steps.map((s) => s.outcome)).toEqual(['error', 'skipped']);
    expect(removed.steps[0]!.message).toBe('r.txt line 1: table: the card was removed');
    const unset = await runScript(parseScript('0084000008\n< {r} 90 00', 'v.txt'), tableReader(ANSWERS), { clock: clock() });
    expect(unset.steps[0]).toMatchObject({ outcome: 'error', response: '11223344556677889000' });
    expect(unset.steps[0]!.message).toMatch(/^v\.txt line 2: variable "r" is not set/);
    const unsetCommand = await runScript(parseScript('00 20 00 00 03 {pin}', 'c.txt'), tableReader(ANSWERS), { clock: clock() });
    expect(unsetCommand.steps[0]!.message).toMatch(/^c\.txt line 1: variable "pin" is not set .*--var pin=HEX/);
  });

  it.skipIf(spawnSync('xmllint', ['--version']).status !== 0)('the JUnit report of a run validates against both published schemas', async () => {
    const script = parseScript(['0020000003123456', '< 90 00', '0084000008', '< * 90 00', 'DEAD'].join('\n'), 'fixtures/scripts/pin-check.txt');
    const run = await runScript(script, tableReader(ANSWERS), { keepGoing: true, clock: clock() });
    const report = scriptReport([run], { timestamp: new Date('2026-12-01T00:00:00Z'), properties: { reader: 'table' } });
    expect(report.suites[0]!.cases.map((c) => c.name)).toEqual(['line 1: VERIFY 0020000003123456 < 90 00', 'line 3: GET CHALLENGE 0084000008 < * 90 00', 'line 5: command']);
    expect(report.suites[0]!.cases[0]!.classname).toBe('sscard.script.pin-check');
    const dir = mkdtempSync(join(tmpdir(), 'sscard-script-junit-'));
    const file = join(dir, 'r.xml');
    writeFileSync(file, junitXml(report));
    const schemas = new URL('../../../fixtures/schemas/', import.meta.url).pathname;
    const jenkins = spawnSync('xmllint', ['--noout', '--schema', join(schemas, 'junit-10.xsd'), file], { encoding: 'utf8' });
    expect(jenkins.status, jenkins.stderr).toBe(0);
    const xml = junitXml(report);
    expect(xml).toContain('<failure message="fixtures/scripts/pin-check.txt line 2: VERIFY of line 1: expected &quot;&lt; 90 00&quot;, got 63C2');
    expect(xml).toContain('<error message="fixtures/scripts/pin-check.txt line 5: table: the card was removed" type="ScriptError"/>');
  });
});
