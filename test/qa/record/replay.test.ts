// Record and replay in-process: `sscard record -- apdu …` on a card image writes a session file (the
// trace format plus connect records); a ReplayCard built from it answers by the matching rule of
// docs/qa-scripts.md — in order, volatile fields not compared, rewinding for a second run, 6F00 and a
// warning for what was not recorded.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../src/apdu/bytes.js';
import { runCli } from '../../helpers/run-cli.js';
import { recordedDevices, ReplayCard, ReplayError, UNRECORDED_SW } from '../../../src/qa/record/replay.js';
import { parseTrace } from '../../../src/qa/trace/trace-file.js';


function collectingLogger() {
  const lines: Array<{ level: number; msg: string }> = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

const SELECT_SSSE = '00A404000F7378312E73682EC9E7BBE1B1A3D5CF';
const READ_ID = '00B2012800'; // EF05, first record with tag 01: 卡的识别码
const CHALLENGE = '0084000008';
const INTERNAL_AUTH = (r: string) => `0088000010${r}`; // SSSE INTERNAL AUTHENTICATE: factor(8) ‖ original(8), DOMAIN.md §1.3

const dir = mkdtempSync(join(tmpdir(), 'sscard-replay-'));
const card = join(dir, 'card.json');
const session = join(dir, 'session.jsonl');
let recorded: Array<{ command: string; response: string }>;

describe('record and replay', () => {
  beforeAll(async () => {
    expect((await runCli('card', 'new', '--profile', 'shanghai', '--out', card)).code).toBe(0);
    const r = await runCli('record', '--card', card, '--out', session, '--', 'apdu', '--json', SELECT_SSSE, READ_ID, CHALLENGE, INTERNAL_AUTH('00112233445566778899AABBCCDDEEFF'), READ_ID);
    expect(r.code, r.err).toBe(0);
    recorded = JSON.parse(r.out) as Array<{ command: string; response: string }>;
  });

  it('the session file is a trace with a connect record (ATR, interface, protocol)', () => {
    const trace = parseTrace(readFileSync(session, 'utf8'), session);
    expect(trace.entries.map((e) => e.kind)).toEqual(['connect', 'exchange', 'exchange', 'exchange', 'exchange', 'exchange']);
    const image = JSON.parse(readFileSync(card, 'utf8')) as { atr: { contact: string } };
    expect(trace.entries[0]).toMatchObject({ kind: 'connect', source: 'card', interface: 'contact', protocol: 'T=1' });
    expect(toHex((trace.entries[0] as { atr: Uint8Array }).atr)).toBe(image.atr.contact.toUpperCase());
  });

  it('a replay answers the recorded commands with the recorded responses, in order', () => {
    const [device] = recordedDevices(parseTrace(readFileSync(session, 'utf8'), session));
    const { log, lines } = collectingLogger();
    const replay = new ReplayCard(device!, { log });
    expect(toHex(replay.powerOn('contact'))).toBe(toHex(device!.atr));
    for (const ex of recorded) expect(toHex(replay.transmit(fromHex(ex.command)))).toBe(ex.response);
    expect(replay.stats).toEqual({ answered: 5, unrecorded: 0, skipped: 0, rewound: 0 });
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
  });

  it('a new terminal random does not hide a recorded command (volatile fields are not compared)', () => {
    const [device] = recordedDevices(parseTrace(readFileSync(session, 'utf8'), session));
    const { log, lines } = collectingLogger();
    const replay = new ReplayCard(device!, { log });
    replay.powerOn('contact');
    replay.transmit(fromHex(SELECT_SSSE));
    const answer = replay.transmit(fromHex(INTERNAL_AUTH('FFEEDDCCBBAA99887766554433221100')));
    expect(toHex(answer)).toBe(recorded[3]!.response);
    expect(lines.some((l) => l.msg.includes('2 recorded exchanges skipped'))).toBe(true);
    expect(lines.some((l) => l.msg === 'replay: matched with volatile fields differing')).toBe(true);
  });

  it('a second run starts the recording again; an unrecorded command gets 6F00 and a warning', () => {
    const [device] = recordedDevices(parseTrace(readFileSync(session, 'utf8'), session));
    const { log, lines } = collectingLogger();
    const replay = new ReplayCard(device!, { log });
    replay.powerOn('contact');
    for (const ex of recorded) replay.transmit(fromHex(ex.command));
    for (const ex of recorded.slice(0, 2)) expect(toHex(replay.transmit(fromHex(ex.command)))).toBe(ex.response);
    expect(replay.stats.rewound).toBe(1);
    const unrecorded = replay.transmit(fromHex('00B2022800'));
    expect(toHex(unrecorded)).toBe(UNRECORDED_SW.toString(16).toUpperCase());
    expect(lines.find((l) => l.level === 40 && l.msg.includes('unrecorded command READ RECORD 00B2022800: answered 6F00'))).toBeDefined();
    // another status word when asked
    const other = new ReplayCard(device!, { log, unrecordedSw: 0x6d00 });
    expect(toHex(other.transmit(fromHex('80CA9F3600')))).toBe('6D00');
    expect(() => other.powerOn('contactless')).toThrow(/recorded on the contact interface/);
  });

  it('a plain trace (no connect record) is not a session', () => {
    const plain = readFileSync(session, 'utf8').split('\n').filter((l) => !l.includes('"msg":"connect"')).join('\n');
    expect(() => recordedDevices(parseTrace(plain, 'plain.jsonl'))).toThrow(ReplayError);
    expect(() => recordedDevices(parseTrace(plain, 'plain.jsonl'))).toThrow(/plain\.jsonl line \d+: an exchange of card before its connect record/);
    expect(() => recordedDevices(parseTrace('', 'empty.jsonl'))).toThrow(/no recorded card/);
  });

  it('sscard record refuses what it cannot record', async () => {
    expect((await runCli('record', '--out', session, '--', 'apdu', '00')).err).toMatch(/say which card to record/);
    expect((await runCli('record', '--card', card, '--out', join(dir, 'x.jsonl'), '--', 'card', 'show', card)).err).toMatch(/sscard card show does not talk to a card/);
    expect((await runCli('record', '--card', card, '--out', join(dir, 'x.jsonl'), '--', 'apdu', '--reader', '0', '00')).err).toMatch(/give --reader to sscard record, not after "--"/);
    expect((await runCli('record', '--card', card, '--out', join(dir, 'x.jsonl'), '--', 'nonsense')).err).toMatch(/"nonsense" is not an sscard command to record/);
    const failing = await runCli('record', '--card', card, '--out', join(dir, 'x.jsonl'), '--', 'apdu', 'ZZ');
    expect(failing.code).toBe(2); // the recorded command's own exit code (a usage error)
  });
});
