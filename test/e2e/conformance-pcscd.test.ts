/**
 * The conformance suites and every fault through the real PC/SC stack: `sscard serve` puts a card in
 * vpcd slot 0 and its PSAM in slot 1 of a private pcscd (test/e2e/private-pcscd.ts); `sscard conformance
 * --reader … --psam-reader …` runs the suites against them. Faults are installed on the served card
 * through the control routes (`POST /cards/0/faults`) or `sscard serve --fault` (a second server on slots
 * 2 and 3), and the cases that depend on what the fault breaks fail with a message naming its effect.
 *
 * Skipped, with a note, where pcscd or vpcd is not installed.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { probePcscd, startPrivatePcscd, type TestPcscd } from './private-pcscd.js';
import { Background, control, sscard as runSscard, startServe } from './helpers.js';
import { ids, messageOf, profileFiles } from '../qa/conformance/fixtures.js';
import type { RunReport } from '../../src/qa/conformance/types.js';

const probe = probePcscd({ slots: 4 });
if (!probe.ok) console.warn(`[e2e] skipping the conformance pcscd tests: ${probe.reason}`);

describe.skipIf(!probe.ok)('sscard conformance --reader against sscard serve (faults through the control interface and --fault)', () => {
  let pcscd: TestPcscd | undefined;
  let files: ReturnType<typeof profileFiles>;
  let serve: Background | undefined;
  let serveB: Background | undefined;
  let socket: string;
  const conformance = async (args: string[], slot = 0): Promise<{ code: number | null; report: RunReport; stderr: string }> => {
    const r = await runSscard(['conformance', '--reader', pcscd!.readerName(slot), '--psam-reader', pcscd!.readerName(slot + 1), '--json', '--card-wait', '8000', ...args], { env: pcscd!.env, timeoutMs: 180_000 });
    if (!r.stdout.trim()) throw new Error(`no report (exit ${r.code}): ${r.stderr}`);
    if (process.env.DEBUG_E2E) console.log(`[conformance ${args.join(' ')}] exit ${r.code}\n${(JSON.parse(r.stdout) as RunReport).results.filter((x) => x.ms > 500).map((x) => `${x.id} ${Math.round(x.ms)} ms ${x.outcome} ${x.message ?? ''} ${x.exchanges.filter((e) => e.ms > 300).map((e) => `${e.label} ${Math.round(e.ms)}`).join(', ')}`).join('\n')}`);
    return { code: r.code, report: JSON.parse(r.stdout) as RunReport, stderr: r.stderr };
  };
  const faults = (body?: unknown) => control(socket, body === undefined ? 'DELETE' : 'POST', '/cards/0/faults', body);

  beforeAll(async () => {
    pcscd = await startPrivatePcscd({ slots: 4 });
    files = profileFiles('shanghai', 31);
    copyFileSync(files.card, join(files.dir, 'card-b.json'));
    copyFileSync(files.psam, join(files.dir, 'psam-b.json'));
    socket = join(files.dir, 'control.sock');
    serve = await startServe(['--card', files.card, '--psam', files.psam, '--port', String(pcscd.port(0))], { env: pcscd.env, socket, devices: 2 });
    // a second server whose card has a fault from the command line
    serveB = await startServe(
      ['--card', join(files.dir, 'card-b.json'), '--psam', join(files.dir, 'psam-b.json'), '--port', String(pcscd.port(2)), '--fault', 'sw:6985,ins=84'],
      { env: pcscd.env, socket: join(files.dir, 'control-b.sock'), devices: 2, what: 'the second sscard serve' },
    );
  }, 60_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && serve) console.error(`[e2e] sscard serve output:\n${serve.output.slice(-4000)}`);
    if (serve && !serve.exited) await faults().catch(() => undefined);
  });

  afterAll(async () => {
    if (serve) await serve.stop('SIGTERM');
    if (serveB) await serveB.stop('SIGTERM');
    await pcscd?.stop();
    if (files) rmSync(files.dir, { recursive: true, force: true });
  });

  it('a good card through pcscd: at least 80 cases pass; only the known deviations fail; destructive and contactless cases are skipped, saying why', async () => {
    const { report } = await conformance(['--suite', 'ssse,psam,pki,pboc,qpboc']);
    expect(report.results.filter((r) => r.outcome === 'passed').length).toBeGreaterThanOrEqual(80);
    expect(ids(report, 'failed', 'error')).toEqual([]);
    expect(report.target).toMatch(/^reader ".*" \(contact\)$/);
    expect(messageOf(report, 'psam.card-block')).toMatch(/could block the card \(makes the card permanently unusable\): run with --destructive/);
    expect(messageOf(report, 'qpboc.ppse.select')).toMatch(/needs the contactless interface; the card in this reader answers on its contact interface/);
  });

  it('sw (control route): every READ RECORD case fails "the card answered 6A82"; removing the fault restores them', async () => {
    expect(await faults('sw:6A82,ins=B2')).toMatchObject({ status: 200 });
    const { code, report } = await conformance(['--suite', 'ssse', '--case', 'ssse.ef05', '--case', 'ssse.select']);
    expect(code).toBe(1);
    expect(ids(report, 'failed')).toEqual(['ssse.ef05.card-identifier', 'ssse.ef05.card-category', 'ssse.ef05.spec-version', 'ssse.ef05.initializing-body', 'ssse.ef05.issue-date', 'ssse.ef05.expiry-date', 'ssse.ef05.card-number']);
    expect(messageOf(report, 'ssse.ef05.card-number')).toBe('step 2 (READ RECORD EF05 record 7): expected SW 9000, the card answered 6A82 file or application not found (未找到文件或应用)');
    expect((await control(socket, 'GET', '/cards/0/faults')).json.faults[0]).toMatchObject({ fault: 'sw:sw=6A82,ins=B2', applied: 7 });
    await faults();
    expect(ids((await conformance(['--suite', 'ssse', '--case', 'ssse.ef05'])).report, 'failed', 'error')).toEqual([]);
  });

  it('sw (sscard serve --fault): the second server\'s card answers 6985 to GET CHALLENGE', async () => {
    const { report } = await conformance(['--suite', 'ssse', '--case', 'ssse.challenge', '--case', 'ssse.pin.verify'], 2);
    expect(ids(report, 'failed').sort()).toEqual(['ssse.challenge.fresh', 'ssse.challenge.lengths', 'ssse.challenge.wrong-le', 'ssse.challenge.wrong-p1p2']);
    expect(messageOf(report, 'ssse.challenge.lengths')).toMatch(/GET CHALLENGE 4\): expected SW 9000, the card answered 6985 conditions of use not satisfied/);
    expect(ids(report, 'passed')).toEqual(['ssse.pin.verify']);
  });

  it('truncate: a READ BINARY answer cut to one byte is "no status word"', async () => {
    await faults('truncate:ins=B0');
    const { report } = await conformance(['--suite', 'ssse', '--case', 'ssse.access.ef07-read-needs-rk', '--case', 'ssse.ef05.card-number']);
    expect(ids(report, 'failed', 'error')).toEqual(['ssse.access.ef07-read-needs-rk']);
    expect(messageOf(report, 'ssse.access.ef07-read-needs-rk')).toMatch(/step 3 \(READ BINARY\): .*response of 1 byte\(s\), no status word/);
  });

  it('mute: the case at the muted command errors; the reader gives up, the card comes back and the next case passes', async () => {
    // (--case pki.select also takes pki.select-adf: ids are matched as prefixes)
    await faults({ kind: 'mute', at: 3, ms: 300 }); // pki.select sends command 1, pki.select-adf 2 and 3
    const { report } = await conformance(['--suite', 'pki', '--case', 'pki.select', '--case', 'pki.verify-pin']);
    expect(ids(report, 'error')).toEqual(['pki.select-adf']);
    // vpcd passes the dropped link on as an empty answer (vpcd.c vicc_transmit: 0 bytes, IFD_SUCCESS)
    expect(messageOf(report, 'pki.select-adf')).toMatch(/step 2 \(SELECT\): transmitting to ".*": response of 0 byte\(s\), no status word/);
    expect(ids(report, 'passed')).toContain('pki.verify-pin');
  });

  it('delay: an answer later than --timeout makes the case error "no answer within"; later cases pass', async () => {
    await faults({ kind: 'delay', ms: 1500, at: 2 });
    const { report } = await conformance(['--suite', 'pki', '--case', 'pki.select', '--case', 'pki.verify-pin', '--timeout', '400']);
    expect(ids(report, 'error')).toEqual(['pki.select-adf']);
    expect(messageOf(report, 'pki.select-adf')).toBe('step 1 (SELECT): no answer from the card within 400 ms');
    expect(ids(report, 'passed')).toContain('pki.verify-pin');
  });

  it('remove for 1 s: the case at the removal errors; once pcscd sees the card again the run goes on', async () => {
    await faults('remove:at=4,for=1000');
    // commands: pki.select 1, pki.select-adf 2-3, pki.sign-needs-pin 4-6 (removed at its first), pki.verify-pin
    const { report } = await conformance(['--suite', 'pki', '--case', 'pki.select', '--case', 'pki.sign-needs-pin', '--case', 'pki.verify-pin']);
    expect(ids(report, 'error')).toEqual(['pki.sign-needs-pin']);
    expect(messageOf(report, 'pki.sign-needs-pin')).toMatch(/step 1 \(SELECT\): transmitting to ".*": response of 0 byte\(s\), no status word/);
    expect(ids(report, 'passed')).toEqual(['pki.select', 'pki.select-adf', 'pki.verify-pin']);
  });

  it('powercut: the card loses power in the middle of its first state-changing command; it rolls back and the run goes on', async () => {
    const before = await conformance(['--suite', 'ssse', '--case', 'ssse.pin.try-counter']);
    const tries = Number(/(\d+) tries left/.exec(before.report.results[0]!.notes[0] ?? '')?.[1]);
    await faults('powercut:1,stage=commit');
    const { report } = await conformance(['--suite', 'ssse', '--case', 'ssse.access.df04-ef05-with-pin', '--case', 'ssse.pin.verify', '--case', 'ssse.pin.try-counter']);
    expect(ids(report, 'error')).toEqual(['ssse.access.df04-ef05-with-pin']);
    expect(messageOf(report, 'ssse.access.df04-ef05-with-pin')).toMatch(/step 2 \(VERIFY PIN_SSSE\): /);
    expect(ids(report, 'passed')).toEqual(['ssse.pin.verify', 'ssse.pin.try-counter']);
    // the try charged before the comparison was saved, the command's own save (giving it back) was lost;
    // the next right PIN gives the try back: the counter is what it was
    expect(report.results.find((r) => r.id === 'ssse.pin.try-counter')!.notes[0]).toBe(`PIN_SSSE: ${tries} tries left`);
    expect((await control(socket, 'GET', '/cards/0/faults')).json.powerCuts).toEqual([{ fault: 'powercut:at=1,stage=commit', command: expect.any(Number), stage: 'commit' }]);
  });

  it('a bad spec on the control route is a 400 naming it', async () => {
    expect(await faults('mute:at=zero')).toEqual({ status: 400, json: { error: 'fault "mute:at=zero": at: expected an integer 1..1000000, got "zero"' } });
  });
});
