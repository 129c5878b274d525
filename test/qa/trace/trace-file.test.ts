// Reading trace files: the records the trace layer writes (docs/apdu.md "Trace record": the example
// record is taken from there), the session records of sscard record, and clear errors with the line.
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../src/apdu/bytes.js';
import { decodeTrace } from '../../../src/qa/trace/decoded-trace.js';
import { parseTrace, TraceFileError } from '../../../src/qa/trace/trace-file.js';
import { traceText } from '../../../src/qa/trace/text-view.js';

const DOC_RECORD = '{"level":30,"time":1795000000000,"seq":1,"command":"00B2012C00","response":"6982","sw":"6982","meaning":"6982 security status not satisfied (安全状态不满足)","micros":41,"msg":"apdu"}';

describe('trace files', () => {
  it('reads the record of docs/apdu.md', () => {
    const t = parseTrace(DOC_RECORD, 't.jsonl');
    expect(t.entries).toHaveLength(1);
    const e = t.entries[0]!;
    expect(e).toMatchObject({ kind: 'exchange', line: 1, source: 'card', seq: 1, micros: 41, time: 1795000000000 });
    expect(e.kind === 'exchange' && [toHex(e.command), toHex(e.response)]).toEqual(['00B2012C00', '6982']);
  });

  it('sources: device (card/psam), serve slots; session records; other log lines skipped', () => {
    const lines = [
      '{"msg":"connect","device":"card","atr":"3B6D000000814A444686605199000001AC","interface":"contact","protocol":"T=1","reader":"Virtual PCD 00 00"}',
      '{"msg":"apdu","device":"card","seq":1,"command":"0084000008","response":"01020304050607089000","micros":10}',
      '{"msg":"apdu","device":"psam","seq":1,"command":"00B0960006","response":"3100000001239000"}',
      '{"msg":"apdu","slot":1,"card":"a.json","seq":1,"command":"00A4040000","response":"6A82"}',
      '{"msg":"apdu-error","device":"card","seq":2,"command":"00B2010400","error":"the card was removed"}',
      '{"msg":"reset","device":"card","atr":"3B6D000000814A444686605199000001AC"}',
      '{"msg":"serving …","level":30}',
      '',
    ];
    const t = parseTrace(lines.join('\n'), 's.jsonl');
    expect(t.entries.map((e) => [e.kind, e.source])).toEqual([
      ['connect', 'card'],
      ['exchange', 'card'],
      ['exchange', 'psam'],
      ['exchange', 'slot 1'],
      ['error', 'card'],
      ['reset', 'card'],
    ]);
    expect(t.skipped).toBe(1);
    const decoded = decodeTrace(t);
    expect(decoded.sources.map((s) => [s.source, s.exchanges, s.errors])).toEqual([
      ['card', 1, 1],
      ['psam', 1, 0],
      ['slot 1', 1, 0],
    ]);
    const text = traceText(decoded);
    expect(text).toContain('CONNECT reader "Virtual PCD 00 00", contact, T=1');
    expect(text).toContain('! no response: the card was removed');
    expect(text).toContain('READ BINARY 读二进制  SFI 16 (EF16) from offset 0, 6 bytes');
    expect(text).toContain('(1 other log lines skipped)');
  });

  it('errors name the file and the line', () => {
    const bad = (text: string) => {
      try {
        parseTrace(text, 'bad.jsonl');
      } catch (err) {
        if (err instanceof TraceFileError) return err.message;
        throw err;
      }
      return 'no error';
    };
    expect(bad(`${DOC_RECORD}\n{not json`)).toMatch(/^bad\.jsonl line 2: not a JSON line/);
    expect(bad('{"msg":"apdu","command":"00B2XX","response":"9000"}')).toBe('bad.jsonl line 1: apdu record: "command" not hex');
    expect(bad('{"msg":"apdu","command":"00B2"}')).toMatch(/^bad\.jsonl line 1: apdu record: "response"/);
    expect(bad('{"msg":"connect","atr":"3B0"}')).toBe('bad.jsonl line 1: connect record: "atr" not hex');
  });
});
