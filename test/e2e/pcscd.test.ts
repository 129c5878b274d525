/**
 * End to end through the real PC/SC stack: `sscard serve` puts a personalised Shanghai card into
 * vsmartcard's vpcd slot 1 and a Sichuan (T=0) card into slot 0 of a pcscd of this file's own
 * (test/e2e/private-pcscd.ts), and independent PC/SC programs (pcsc-tools' scriptor and pcsc_scan,
 * OpenSC's opensc-tool) as well as sscard's own PC/SC transport talk to them through pcscd.
 *
 * Expected values come from outside the server code: the ATR from the card image file, the cardholder
 * data from the holder fixture (decoded with the platform's GBK decoder), the status words from
 * DOMAIN.md §1.3, and the removal/insertion events from pcsc_scan itself.
 *
 * The tests of this file run in order on that pcscd (its slots, its reader names, its restarts); other
 * files have pcscds of their own. Skipped, with a note, where pcscd or vpcd is not installed (.ci/run
 * installs both).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onPath, probePcscd, startPrivatePcscd, type TestPcscd } from './private-pcscd.js';
import { Background, control, eventually, REPO, run as runProgram, SSCARD, sscard as runSscard, type RunOptions } from './helpers.js';

const probe = probePcscd({ slots: 2 });
if (!probe.ok) console.warn(`[e2e] skipping the pcscd end-to-end tests: ${probe.reason}`);

const SSSE_AID = '7378312E73682EC9E7BBE1B1A3D5CF'; // "sx1.sh.社会保障" in GBK, DOMAIN.md §1.1
const SELECT_SSSE = `00A404000F${SSSE_AID}`;
const SELECT_EF06 = '00A4020002EF06';
const READ_ID = '00B2080014'; // READ RECORD, first record with tag 08 (社会保障号码), DOMAIN.md §1.2
const READ_NAME = '00B2090020'; // tag 09 (姓名, GBK, an30)
const holder = JSON.parse(readFileSync(join(REPO, 'fixtures/holders/shanghai-li.json'), 'utf8')) as { idNumber: string; name: string };

/**
 * The responses in scriptor's output, as hex: a response starts with "< ", may wrap over several lines
 * (16 bytes each), and ends with " : <meaning>".
 */
function scriptorResponses(stdout: string): string[] {
  const out: string[] = [];
  let current: string | undefined;
  for (const line of stdout.split('\n')) {
    if (line.startsWith('< ')) current = '';
    if (current === undefined) continue;
    const text = line.startsWith('< ') ? line.slice(2) : line;
    const end = text.indexOf(' : ');
    current += (end >= 0 ? text.slice(0, end) : text).replace(/\s+/g, '');
    if (end >= 0) {
      out.push(current.toUpperCase());
      current = undefined;
    }
  }
  return out;
}
const hexOfAscii = (s: string) => Buffer.from(s, 'ascii').toString('hex').toUpperCase();
/** Decodes an `an` item: text up to the 00 padding (DOMAIN.md §1.2), GBK. */
const decodeAn = (hex: string) => new TextDecoder('gbk').decode(Buffer.from(hex, 'hex')).replace(/\0+$/, '');

describe.skipIf(!probe.ok)('through pcscd and vpcd', () => {
  let pcscd: TestPcscd;
  let READER: string; // slot 1: the Shanghai card (T=1)
  let READER_T0: string; // slot 0: the Sichuan card (T=0)
  // Every PC/SC program of this file talks to this file's pcscd.
  const run = (cmd: string, args: string[], options: RunOptions = {}) => runProgram(cmd, args, { env: pcscd.env, ...options });
  const sscard = (args: string[], options: RunOptions = {}) => runSscard(args, { env: pcscd.env, ...options });
  let dir: string;
  let cardFile: string;
  let cardFileT0: string;
  let controlSocket: string;
  let traceFile: string;
  let serve: Background;
  let atrHex: string;

  beforeAll(async () => {
    pcscd = await startPrivatePcscd({ slots: 2 });
    READER = pcscd.readerName(1);
    READER_T0 = pcscd.readerName(0);
    dir = mkdtempSync(join(tmpdir(), 'sscard-e2e-'));
    cardFile = join(dir, 'card.json');
    cardFileT0 = join(dir, 'sichuan.json');
    controlSocket = join(dir, 'control.sock');
    traceFile = join(dir, 'trace.jsonl');
    const made = await sscard(['card', 'new', '--profile', 'shanghai', '--holder', 'fixtures/holders/shanghai-li.json', '--out', cardFile]);
    expect(made.code, made.stderr).toBe(0);
    const madeT0 = await sscard(['card', 'new', '--profile', 'sichuan', '--holder', 'fixtures/holders/sichuan-chen.json', '--out', cardFileT0]);
    expect(madeT0.code, madeT0.stderr).toBe(0);
    const image = JSON.parse(readFileSync(cardFile, 'utf8')) as { atr: { contact: string } };
    atrHex = image.atr.contact.toUpperCase();
    serve = new Background(process.execPath, [
      // One process, two cards on consecutive ports: slot 0 and slot 1.
      SSCARD, 'serve', '--card', cardFileT0, '--card', cardFile, '--port', String(pcscd.port(0)), '--control', controlSocket, '--trace', traceFile, '--log-level', 'debug',
    ], { env: pcscd.env });
    await serve.waitFor(/control interface on/, 'sscard serve to start');
    await eventually(async () => {
      const { json } = await control(controlSocket, 'GET', '/cards');
      return json.cards.length === 2 && json.cards.every((c: { connected: boolean; powered: boolean }) => c.connected && c.powered);
    }, 'pcscd to power the served cards');
  });

  afterEach((ctx) => {
    // On a failure, show what the server saw (vpcd connections, control requests, errors).
    if (ctx.task.result?.state === 'fail' && serve) console.error(`[e2e] sscard serve output:\n${serve.output.slice(-4000)}\n[e2e] pcscd output:\n${pcscd?.output().slice(-2000)}`);
  });

  afterAll(async () => {
    if (serve) await serve.stop('SIGTERM');
    await pcscd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sscard readers lists the virtual reader with the card and its ATR', async () => {
    const r = await sscard(['readers', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const readers = JSON.parse(r.stdout) as Array<{ name: string; cardPresent: boolean; atr: string | null }>;
    expect(readers.find((x) => x.name === READER)).toMatchObject({ cardPresent: true, atr: atrHex });
  });

  it.skipIf(!onPath('opensc-tool'))('opensc-tool -r <index> -a prints the card ATR', async () => {
    const list = await run('opensc-tool', ['-l']);
    const line = list.stdout.split('\n').find((l) => l.includes(READER));
    expect(line, list.stdout).toBeDefined();
    const index = line!.trim().split(/\s+/)[0]!;
    if (pcscd.kind === 'private') expect(index).toBe('1'); // slots 0 and 1 are the only readers of a private pcscd
    const r = await run('opensc-tool', ['-r', index, '-a']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().toUpperCase().replaceAll(':', '')).toBe(atrHex);
  });

  it.skipIf(!onPath('scriptor'))('scriptor runs a script against the card and gets the expected responses', async () => {
    const script = [SELECT_SSSE, SELECT_EF06, READ_ID].map((h) => h.replace(/(..)/g, '$1 ').trim()).join('\n');
    const r = await run('scriptor', ['-r', READER], { input: `${script}\n` });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const responses = scriptorResponses(r.stdout);
    expect(responses).toHaveLength(3);
    expect(responses[0]).toMatch(new RegExp(`^6F..840F${SSSE_AID}.*9000$`));
    expect(responses[1]!.endsWith('9000')).toBe(true);
    expect(responses[2]).toBe(`0812${hexOfAscii(holder.idNumber)}9000`);
    expect(r.stdout).toContain('Normal processing');
  });

  it("sscard's own PC/SC transport reads the cardholder data (sscard apdu --reader)", async () => {
    const r = await sscard(['apdu', '--reader', READER, '--json', SELECT_SSSE, SELECT_EF06, READ_ID, READ_NAME]);
    expect(r.code, r.stderr).toBe(0);
    const ex = JSON.parse(r.stdout) as Array<{ data: string; sw: string }>;
    expect(ex.map((e) => e.sw)).toEqual(['9000', '9000', '9000', '9000']);
    expect(ex[2]!.data.slice(0, 4)).toBe('0812');
    expect(decodeAn(ex[2]!.data.slice(4))).toBe(holder.idNumber);
    expect(ex[3]!.data.slice(0, 2)).toBe('09');
    expect(decodeAn(ex[3]!.data.slice(4))).toBe(holder.name);
    // Human output: "> command" / "< response  SW meaning"
    const human = await sscard(['apdu', '--reader', '1', SELECT_SSSE]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^> ${SELECT_SSSE}\\n< 6F\\S+9000  9000 \\S`));
  });

  it('an error status word is data: exit code 0; a bad reader is a clear error with exit code 1', async () => {
    const r = await sscard(['apdu', '--reader', READER, '00A4020002ABCD']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/< 6A82  6A82 /);
    const bad = await sscard(['apdu', '--reader', 'No Such Reader', '0084000008']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/no reader named "No Such Reader"/);
    expect(bad.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it.skipIf(!onPath('pcsc_scan'))('pcsc_scan sees a removal and a re-insertion made through the control interface', async () => {
    const scan = new Background('pcsc_scan', ['-n'], { env: pcscd.env });
    try {
      const readerBlock = (state: string) => new RegExp(`Reader \\d+: ${READER}\\s+Event number: \\d+\\s+Card state: ${state}`);
      let at = await scan.waitFor(readerBlock('Card inserted'), 'pcsc_scan to report the card');
      expect((await control(controlSocket, 'POST', '/cards/1/remove')).json).toMatchObject({ inserted: false });
      at = await scan.waitFor(readerBlock('Card removed'), 'pcsc_scan to report the removal', at);
      expect((await control(controlSocket, 'POST', '/cards/1/insert')).json).toMatchObject({ inserted: true });
      await scan.waitFor(new RegExp(`${readerBlock('Card inserted').source}[^\\n]*\\n\\s+ATR: ${atrHex.replace(/(..)/g, '$1 ').trim()}`), 'pcsc_scan to report the re-insertion', at);
    } finally {
      await scan.stop('SIGTERM');
    }
    // After re-insertion the card answers again.
    await eventually(async () => (await sscard(['apdu', '--reader', READER, SELECT_SSSE])).stdout.includes('9000  9000 '), 'the card to answer after re-insertion');
  });

  it('traces every exchange as JSON lines', () => {
    const lines = readFileSync(traceFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(0);
    expect(JSON.stringify(lines)).toContain(SELECT_SSSE);
  });

  it('serves a T=0 card: the card answers 61xx, GET RESPONSE fetches the data (scriptor and sscard)', async () => {
    const control0 = (await control(controlSocket, 'GET', '/cards/0')).json;
    expect(control0).toMatchObject({ slot: 0, port: pcscd.port(0), inserted: true });
    if (onPath('scriptor')) {
      const first = await run('scriptor', ['-r', READER_T0], { input: `${SELECT_SSSE}\n` });
      const [answer] = scriptorResponses(first.stdout);
      expect(answer, first.stdout).toMatch(/^61[0-9A-F]{2}$/); // T=0, case 3 with response data (ISO 7816-3 §12.2.2)
      const getResponse = `00C00000${answer!.slice(2)}`;
      const second = await run('scriptor', ['-r', READER_T0], { input: `${SELECT_SSSE}\n${getResponse}\n` });
      const lines = scriptorResponses(second.stdout);
      expect(lines[1]).toMatch(new RegExp(`^6F..840F${SSSE_AID}.*9000$`));
    }
    // sscard's GET RESPONSE layer hides the 61xx; the wire trace shows both exchanges.
    const trace = join(dir, 'apdu-t0.jsonl');
    const r = await sscard(['apdu', '--reader', READER_T0, '--trace', trace, '--json', SELECT_SSSE]);
    expect(r.code, r.stderr).toBe(0);
    const [ex] = JSON.parse(r.stdout) as Array<{ data: string; sw: string }>;
    expect(ex!.sw).toBe('9000');
    expect(ex!.data).toMatch(new RegExp(`^6F..840F${SSSE_AID}`));
    expect(readFileSync(trace, 'utf8')).toMatch(/00C00000/);
  });

  it('keeps the card state when pcscd restarts (sscard reconnects by itself)', async (ctx) => {
    if (!pcscd.canRestart) {
      console.warn("[e2e] pcscd restart test skipped: the shared system pcscd is not the tests' to restart");
      ctx.skip();
    }
    const wrongPin = '0020000003999999'; // VERIFY with a wrong PIN: 63Cx, x tries left (DOMAIN.md §1.3)
    const first = JSON.parse((await sscard(['apdu', '--reader', READER, '--json', SELECT_SSSE, wrongPin])).stdout) as Array<{ sw: string }>;
    const left = Number.parseInt(first[1]!.sw.slice(3), 16);
    expect(first[1]!.sw).toMatch(/^63C[0-9A-F]$/);
    await pcscd.restart();
    await eventually(async () => {
      const r = await sscard(['readers', '--json']);
      const readers = r.code === 0 ? (JSON.parse(r.stdout) as Array<{ name: string; cardPresent: boolean }>) : [];
      return readers.some((x) => x.name === READER && x.cardPresent);
    }, 'the card to be back in the restarted pcscd', 30_000);
    const again = JSON.parse((await sscard(['apdu', '--reader', READER, '--json', SELECT_SSSE, wrongPin])).stdout) as Array<{ sw: string }>;
    expect(again[1]!.sw).toBe(`63C${(left - 1).toString(16).toUpperCase()}`);
    // The right PIN restores the counter (default PIN of the Shanghai profile: 123456).
    const ok = JSON.parse((await sscard(['apdu', '--reader', READER, '--json', SELECT_SSSE, '0020000003123456'])).stdout) as Array<{ sw: string }>;
    expect(ok[1]!.sw).toBe('9000');
  });

  it('stops cleanly on SIGTERM and leaves a valid card image', async () => {
    const code = await serve.stop('SIGTERM');
    expect(code).toBe(0);
    const shown = await sscard(['card', 'show', cardFile, '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(holder.idNumber);
  });
});
