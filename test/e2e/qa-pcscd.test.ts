/**
 * The QA tools through the real PC/SC stack, on a pcscd of this file's own (test/e2e/private-pcscd.ts):
 *
 * - the scriptor scripts of fixtures/scripts run unchanged through pcsc-tools' `scriptor` and through
 *   `sscard script --reader`, against cards served by `sscard serve`: both programs pass, send the same
 *   commands and get the same responses (a card challenge differs from run to run: the served card's own
 *   trace of the two runs agrees under `sscard trace diff`, which ignores it);
 * - a session recorded with `sscard record --reader` (a card in a PC/SC reader) and served by
 *   `sscard serve --replay` gives the same outcome as the card: the social-security reader kernel
 *   (`sscard read`, with the PSAM's card check and the PIN), `sscard apdu` and `sscard issuer open`
 *   (which reads the account data from the card) print the same as against the card itself.
 *
 * Slots: 0 a Shanghai card (T=1), 1 a Sichuan card (T=0), 2 a Shanghai PSAM (T=0), 3 and 4 the replay
 * (the recorded card, and the recorded PSAM when the session has one).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onPath, probePcscd, startPrivatePcscd, type TestPcscd } from './private-pcscd.js';
import { Background, eventually, REPO, run as runProgram, SSCARD, sscard as runSscard, type RunOptions, startServe } from './helpers.js';
import { diffTraces } from '../../src/qa/trace/diff.js';
import { parseTrace } from '../../src/qa/trace/trace-file.js';

const SLOTS = 6;
const probe = probePcscd({ slots: SLOTS });
if (!probe.ok) console.warn(`[e2e] skipping the QA pcscd tests: ${probe.reason}`);
if (probe.ok && !onPath('scriptor')) console.warn('[e2e] scriptor (pcsc-tools) is not installed: the scriptor comparisons are skipped');

/** What scriptor printed, step by step: `> RESET` then `< OK: ATR`, or `> command` then `< response : meaning`. */
function scriptorSteps(stdout: string): Array<{ kind: 'reset'; atr: string } | { kind: 'apdu'; command: string; response: string }> {
  const steps: Array<{ kind: 'reset'; atr: string } | { kind: 'apdu'; command: string; response: string }> = [];
  const lines = stdout.split('\n');
  let command: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '> RESET') {
      const ok = lines[++i] ?? '';
      if (!ok.startsWith('< OK: ')) throw new Error(`scriptor reset failed: ${ok}`);
      steps.push({ kind: 'reset', atr: ok.slice(6).replace(/\s+/g, '') });
    } else if (line.startsWith('> ')) {
      command = line.slice(2).replace(/\s+/g, '').toUpperCase();
    } else if (line.startsWith('< ') && command !== undefined) {
      let response = '';
      for (let text = line.slice(2); ; text = lines[++i] ?? '') {
        const end = text.indexOf(' : ');
        response += (end >= 0 ? text.slice(0, end) : text).replace(/\s+/g, '');
        if (end >= 0 || i >= lines.length) break;
      }
      steps.push({ kind: 'apdu', command, response: response.toUpperCase() });
      command = undefined;
    }
  }
  return steps;
}

describe.skipIf(!probe.ok)('QA tools through pcscd', () => {
  let pcscd: TestPcscd;
  const run = (cmd: string, args: string[], options: RunOptions = {}) => runProgram(cmd, args, { env: pcscd.env, ...options });
  const sscard = (args: string[], options: RunOptions = {}) => runSscard(args, { env: pcscd.env, timeoutMs: 60_000, ...options });
  let dir: string;
  let serve: Background;
  let serveTrace: string;
  let controlSocket: string;
  let replay: Background | undefined;
  const readers = () => ({ card: pcscd.readerName(0), t0: pcscd.readerName(1), psam: pcscd.readerName(2), replay: pcscd.readerName(3), replayPsam: pcscd.readerName(4) });

  beforeAll(async () => {
    pcscd = await startPrivatePcscd({ slots: SLOTS });
    dir = mkdtempSync(join(tmpdir(), 'sscard-qa-e2e-'));
    const card = join(dir, 'card.json');
    const t0 = join(dir, 'sichuan.json');
    const psam = join(dir, 'psam.json');
    for (const args of [
      ['card', 'new', '--profile', 'shanghai', '--holder', 'fixtures/holders/shanghai-li.json', '--out', card],
      ['card', 'new', '--profile', 'sichuan', '--holder', 'fixtures/holders/sichuan-chen.json', '--out', t0],
      ['psam', 'new', '--profile', 'shanghai', '--out', psam],
    ]) {
      const made = await sscard(args);
      expect(made.code, made.stderr).toBe(0);
    }
    serveTrace = join(dir, 'serve.jsonl');
    controlSocket = join(dir, 'control.sock');
    serve = await startServe(['--card', card, '--card', t0, '--psam', psam, '--port', String(pcscd.port(0)), '--trace', serveTrace], { env: pcscd.env, socket: controlSocket, devices: 3 });
  });

  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') {
      console.error(`[e2e] sscard serve output:\n${serve?.output.slice(-3000)}`);
      if (replay) console.error(`[e2e] sscard serve --replay output:\n${replay.output.slice(-3000)}`);
    }
  });

  afterAll(async () => {
    await replay?.stop('SIGTERM');
    if (serve) await serve.stop('SIGTERM');
    await pcscd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const scripts = readdirSync(join(REPO, 'fixtures/scripts')).filter((f) => f.endsWith('.txt')).sort();
  const readerFor = (file: string) => (file.startsWith('psam-') ? readers().psam : file.startsWith('t0-') ? readers().t0 : readers().card);
  const traceLines = () => readFileSync(serveTrace, 'utf8').split('\n').filter(Boolean);

  it('there are scriptor scripts to compare', () => {
    expect(scripts.length).toBeGreaterThanOrEqual(5);
  });

  it.skipIf(!onPath('scriptor')).each(scripts)('fixtures/scripts/%s: scriptor and sscard script send the same commands and get the same responses', async (name) => {
    const file = join('fixtures/scripts', name);
    const reader = readerFor(name);
    const before = traceLines().length;
    const s = await run('scriptor', ['-r', reader, file]);
    expect(s.code, `${s.stdout}\n${s.stderr}`).toBe(0);
    const afterScriptor = traceLines().length;
    const r = await sscard(['script', file, '--reader', reader, '--json']);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const afterSscard = traceLines().length;

    const fromScriptor = scriptorSteps(s.stdout);
    const json = JSON.parse(r.stdout) as { ok: boolean; steps: Array<{ kind: string; command?: string; response?: string; atr?: string; outcome: string }> };
    expect(json.ok).toBe(true);
    const fromSscard = json.steps.map((x) => (x.kind === 'reset' ? { kind: 'reset', atr: x.atr } : { kind: 'apdu', command: x.command, response: x.response }));
    expect(fromSscard.map((x) => x.kind)).toEqual(fromScriptor.map((x) => x.kind));
    expect(fromSscard.map((x) => ('command' in x ? x.command : 'reset'))).toEqual(fromScriptor.map((x) => (x.kind === 'apdu' ? x.command : 'reset')));
    // The same responses — except a card challenge, which is new every time (GET CHALLENGE: 00 84)
    fromScriptor.forEach((x, i) => {
      const y = fromSscard[i]!;
      if (x.kind === 'reset') expect(y.atr).toBe(x.atr);
      else if (x.command.startsWith('0084')) expect(y.response!.length).toBe(x.response.length);
      else expect(y.response, `${name} step ${i + 1}: ${x.command}`).toBe(x.response);
    });
    // What the served card saw of the two runs: the same exchanges, the challenges aside
    const all = traceLines();
    const card = (lines: string[]) => parseTrace(lines.join('\n'), name);
    const diff = diffTraces(card(all.slice(before, afterScriptor)), card(all.slice(afterScriptor, afterSscard)));
    expect(diff.entries, JSON.stringify(diff.entries, null, 2)).toEqual([]);
    expect(diff.exchanges.golden).toBe(fromScriptor.filter((x) => x.kind === 'apdu').length);
  });

  async function startReplay(session: string): Promise<void> {
    await replay?.stop('SIGTERM');
    replay = new Background(process.execPath, [SSCARD, 'serve', '--replay', session, '--port', String(pcscd.port(3)), '--log-level', 'info'], { env: pcscd.env });
    await replay.waitFor(/serving the recorded/, 'sscard serve --replay to start');
    const devices = readFileSync(session, 'utf8').includes('"device":"psam"') ? [readers().replay, readers().replayPsam] : [readers().replay];
    await eventually(async () => {
      const r = await sscard(['readers', '--json']);
      const list = JSON.parse(r.stdout || '[]') as Array<{ name: string; cardPresent: boolean }>;
      return devices.every((d) => list.find((x) => x.name === d)?.cardPresent);
    }, 'the replayed card(s) in their readers');
  }

  it('the social-security kernel (sscard read: PSAM card check, PIN, DF04) gives the same outcome on the replayed card and PSAM', async () => {
    const session = join(dir, 'read-session.jsonl');
    const recorded = await sscard(['record', '--reader', readers().card, '--out', session, '--', 'read', '--psam-reader', readers().psam, '--pin', '123456', '--json']);
    expect(recorded.code, recorded.stderr).toBe(0);
    const outcome = JSON.parse(recorded.stdout) as { outcome: string; check: string; medical?: unknown; iReadCardBas: string };
    expect(outcome).toMatchObject({ outcome: 'read', check: 'authentic' });
    expect(outcome.medical).toBeDefined();
    await startReplay(session);
    await replay!.waitFor(/replaying .*: card \(\d+ exchanges\), psam \(\d+ exchanges\)/, 'both devices of the session');
    const replayed = await sscard(['read', '--reader', readers().replay, '--psam-reader', readers().replayPsam, '--pin', '123456', '--json']);
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(JSON.parse(replayed.stdout)).toEqual(outcome);
    expect(replay!.output).not.toMatch(/unrecorded command/);
    // without the recorded PSAM the card check cannot pass: the replayed card answers the recorded
    // challenge, which the real PSAM does not expect (as it should be)
    const realPsam = await sscard(['read', '--reader', readers().replay, '--psam-reader', readers().psam, '--json']);
    expect(realPsam.code).toBe(1);
    expect(JSON.parse(realPsam.stdout)).toMatchObject({ outcome: expect.not.stringMatching(/^read$/) });
  });

  it('a session recorded from a card in a reader replays with the same answers (sscard apdu), the unrecorded ones get 6F00', async () => {
    const session = join(dir, 'apdu-session.jsonl');
    const commands = ['00A404000F7378312E73682EC9E7BBE1B1A3D5CF', '00B2012800', '00B2083000', '0084000008', '00A4000002DF04', '00B2012C00'];
    const recorded = await sscard(['record', '--reader', readers().card, '--out', session, '--', 'apdu', '--json', ...commands]);
    expect(recorded.code, recorded.stderr).toBe(0);
    const decoded = await sscard(['trace', session, '--json']);
    expect(JSON.parse(decoded.stdout).items[0]).toMatchObject({ kind: 'connect', reader: readers().card, interface: 'contact', protocol: 'T=1' });
    await startReplay(session);
    const replayed = await sscard(['apdu', '--reader', readers().replay, '--json', ...commands]);
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(JSON.parse(replayed.stdout)).toEqual(JSON.parse(recorded.stdout)); // the challenge too: it was recorded
    const atrs = JSON.parse((await sscard(['readers', '--json'])).stdout) as Array<{ name: string; atr: string }>;
    expect(atrs.find((x) => x.name === readers().replay)!.atr).toBe(atrs.find((x) => x.name === readers().card)!.atr);
    const unrecorded = await sscard(['apdu', '--reader', readers().replay, '--json', '00B2022800']);
    expect(JSON.parse(unrecorded.stdout)[0]).toMatchObject({ sw: '6F00' });
    await replay!.waitFor(/unrecorded command READ RECORD 00B2022800: answered 6F00/, 'the warning about the unrecorded command');
  });

  it('a terminal flow (sscard issuer open reads the account data from the card) has the same outcome on the replay', async () => {
    const session = join(dir, 'issuer-session.jsonl');
    const open = (reader: string, state: string, extra: string[] = []) =>
      sscard([...extra, 'issuer', 'open', '--reader', reader, '--balance', '100.00', '--state-dir', join(dir, state), '--json']);
    const recorded = await sscard(['record', '--reader', readers().card, '--out', session, '--', 'issuer', 'open', '--balance', '100.00', '--state-dir', join(dir, 'bank-a'), '--json']);
    expect(recorded.code, recorded.stderr).toBe(0);
    await startReplay(session);
    const replayed = await open(readers().replay, 'bank-b');
    expect(replayed.code, replayed.stderr).toBe(0);
    // the account as read from the card; the bank's own clock (openedAt, updatedAt) aside
    const account = (stdout: string) => {
      const { openedAt: _o, updatedAt: _u, ...rest } = JSON.parse(stdout) as Record<string, unknown>;
      return rest;
    };
    const a = account(recorded.stdout);
    const b = account(replayed.stdout);
    expect(b).toEqual(a);
    expect(a.pan).toMatch(/^\d{16,19}$/);
    expect(replay!.output).not.toMatch(/unrecorded command/);
    // and once more: the recording starts again from the beginning
    const again = await open(readers().replay, 'bank-c');
    expect(account(again.stdout)).toEqual(a);
    writeFileSync(join(dir, 'done'), '');
  });
});
