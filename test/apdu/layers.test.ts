// Transport layers against a scripted card: GET RESPONSE chaining (61xx), re-issue on 6Cxx, tracing.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/apdu/bytes.js';
import { getResponseLayer } from '../../src/apdu/layers/get-response.js';
import { ScriptedTransport } from '../../src/apdu/layers/scripted.js';
import { traceLayer } from '../../src/apdu/layers/trace.js';
import { layered, TransportError } from '../../src/apdu/transport.js';

describe('GET RESPONSE layer', () => {
  it('chains 61xx with GET RESPONSE and concatenates the data', async () => {
    const card = new ScriptedTransport([
      { command: '00A404000F7378312E73682EC9E7BBE1B1A3D5CF', response: '611E' },
      { command: '00C000001E', response: '6F1C840F7378312E73682EC9E7BBE1B1A3D5CFA50988011E' + '6104' },
      { command: '00C0000004', response: '9F0C0386' + '9000' },
    ]);
    const t = layered(card, getResponseLayer());
    const r = await t.transmit(fromHex('00A404000F7378312E73682EC9E7BBE1B1A3D5CF'));
    expect(toHex(r)).toBe('6F1C840F7378312E73682EC9E7BBE1B1A3D5CFA50988011E9F0C03869000');
    expect(card.done).toBe(true);
  });
  it('re-issues a command with the exact Le on 6Cxx', async () => {
    const card = new ScriptedTransport([
      { command: '00B2010000', response: '6C12' },
      { command: '00B2010012', response: '0110519900D15600000510000B26FFFFFFFF9000' },
    ]);
    const r = await layered(card, getResponseLayer()).transmit(fromHex('00B2010000'));
    expect(toHex(r)).toBe('0110519900D15600000510000B26FFFFFFFF9000');
  });
  it('gives up on a card that answers 61xx forever', async () => {
    const forever = { transmit: async () => fromHex('6101') };
    await expect(layered(forever, getResponseLayer({ maxChain: 5 })).transmit(fromHex('0084000008'))).rejects.toThrow(TransportError);
  });
  it('uses the configured CLA, follows 6Cxx then 61xx, and passes other status words through', async () => {
    const card = new ScriptedTransport([
      { command: '80CA9F7900', response: '6C09' },
      { command: '80CA9F7909', response: '6109' },
      { command: '80C0000009', response: '9F7906000000010000' + '9000' },
      { command: '00B2010C00', response: '6A83' },
    ]);
    const t = layered(card, getResponseLayer({ cla: 0x80 }));
    expect(toHex(await t.transmit(fromHex('80CA9F7900')))).toBe('9F79060000000100009000');
    expect(toHex(await t.transmit(fromHex('00B2010C00')))).toBe('6A83');
    expect(card.done).toBe(true);
  });
  it('fails when GET RESPONSE comes back without a status word', async () => {
    const card = new ScriptedTransport([
      { command: '0084000008', response: '6108' },
      { command: '00C0000008', response: '' },
    ]);
    await expect(layered(card, getResponseLayer()).transmit(fromHex('0084000008'))).rejects.toThrow(/without a status word/);
  });
  it('the scripted transport fails on an unexpected command', async () => {
    const card = new ScriptedTransport([{ command: '00A4040000', response: '9000' }]);
    await expect(card.transmit(fromHex('00B0000000'))).rejects.toThrow(/expected 00A4040000, got 00B0000000/);
  });
});

describe('trace layer', () => {
  it('logs one JSON line per exchange with hex, decoded status word and elapsed microseconds', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
    const log = pino({ level: 'info' }, sink);
    let now = 1_000_000n;
    const clock = () => (now += 250_000n);
    const card = new ScriptedTransport([{ command: '00B2012C00', response: '6982' }]);
    await layered(card, traceLayer(log, { clock })).transmit(fromHex('00B2012C00'));
    const record = JSON.parse(lines[0]!);
    expect(record).toMatchObject({ msg: 'apdu', seq: 1, command: '00B2012C00', response: '6982', sw: '6982', micros: 250 });
    expect(record.meaning).toBe('6982 security status not satisfied (安全状态不满足)');
    expect(typeof record.time).toBe('number');
  });
  it('logs a failed exchange as apdu-error at warn level and rethrows', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
    const log = pino({ level: 'info' }, sink);
    const card = new ScriptedTransport([]);
    await expect(layered(card, traceLayer(log)).transmit(fromHex('00A4040000'))).rejects.toThrow(TransportError);
    const record = JSON.parse(lines[0]!);
    expect(record).toMatchObject({ msg: 'apdu-error', level: 40, seq: 1, command: '00A4040000' });
    expect(record.error).toMatch(/unexpected command 00A4040000/);
  });
});
