// The script format: scriptor's reading of a line (pcsc-tools scriptor, its Perl source: exit first,
// then blank and # lines, then reset, then hex with "\" continuation) and sscard's additions
// (expectations, variables), with errors naming the line.
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../src/apdu/bytes.js';
import { parseScript, ScriptSyntaxError, type ScriptStep } from '../../../src/qa/script/parse.js';

const commands = (steps: ScriptStep[]) =>
  steps.map((s) => (s.kind === 'reset' ? 'reset' : s.parts.map((p) => (p.kind === 'bytes' ? toHex(p.bytes) : `{${p.name}}`)).join('')));

function error(text: string): { line: number; column?: number; message: string } {
  try {
    parseScript(text, 's.txt');
  } catch (err) {
    if (err instanceof ScriptSyntaxError) return { line: err.line, ...(err.column ? { column: err.column } : {}), message: err.message };
    throw err;
  }
  throw new Error('no error');
}

describe('scriptor lines', () => {
  it('commands with and without spaces, comments, blank lines, reset in any case', () => {
    const s = parseScript(['# select the MF', '', '00 A4 00 00 02 3F 00', '00A4040000', 'RESET', '  reset the card', 'a0 c0 00 00 17'].join('\n'));
    expect(commands(s.steps)).toEqual(['00A40000023F00', '00A4040000', 'reset', 'reset', 'A0C0000017']);
    expect(s.steps.map((x) => x.line)).toEqual([3, 4, 5, 6, 7]);
  });

  it('a line ending in "\\" continues on the next line', () => {
    const s = parseScript(['00 A4 04 00 0F 73 78 31 2E 73 68 \\', '2E C9 E7 BB E1 B1 A3 D5 CF', '00B2\\', '012800'].join('\n'));
    expect(commands(s.steps)).toEqual(['00A404000F7378312E73682EC9E7BBE1B1A3D5CF', '00B2012800']);
    expect(s.steps[0]).toMatchObject({ line: 1, lastLine: 2 });
  });

  it('a line containing "exit" ends the script, even in a comment (and says so)', () => {
    const s = parseScript(['0084000008', '# exit here', '0084000004'].join('\n'), 's.txt');
    expect(commands(s.steps)).toEqual(['0084000008']);
    expect(s.exitLine).toBe(2);
    expect(s.warnings).toEqual(['s.txt line 2: this comment contains "exit", which ends the script here (as in scriptor)']);
    expect(parseScript('00A4040000\nEXIT\n00').steps).toHaveLength(1);
  });

  it('CRLF line ends and tabs', () => {
    expect(commands(parseScript('00\tA4 04 00 00\r\n0084000008\r\n').steps)).toEqual(['00A4040000', '0084000008']);
  });
});

describe('expectations and variables', () => {
  it('"<" and "#<" attach a pattern to the command (or reset) above', () => {
    const s = parseScript(['reset', '#< 3B *', '00A4040000', '< * 90 00', '0084000008', '# a plain comment', '#< {r:8} 90 00'].join('\n'));
    expect(s.steps.map((x) => x.expect && [x.expect.line, x.expect.pattern.text])).toEqual([
      [2, '3B *'],
      [4, '* 90 00'],
      [7, '{r:8} 90 00'],
    ]);
  });

  it('variables in commands', () => {
    const s = parseScript('0084000008\n< {r:8} 90 00\n00 82 00 04 10 {auth} {r}\n');
    expect(commands(s.steps)).toEqual(['0084000008', '0082000410{auth}{r}']);
  });
});

describe('errors name the line', () => {
  it('bad hex, odd digits, misplaced expectations', () => {
    expect(error('00A4\n00 A4 0G 00')).toEqual({ line: 2, column: 8, message: 's.txt line 2, column 8: not a command APDU: "G" is not a hex digit' });
    expect(error('00A40')).toMatchObject({ line: 1, column: 5, message: expect.stringContaining('odd number of hex digits') });
    expect(error('< 90 00')).toMatchObject({ line: 1, message: expect.stringContaining('an expectation before any command') });
    expect(error('00A4040000\n< 90 00\n< 6A 82')).toMatchObject({ line: 3, message: expect.stringContaining('a second expectation for the command of line 1 (the first is on line 2)') });
    expect(error('0084000008\n< 90 0')).toMatchObject({ line: 2, column: 6 });
    expect(error('0084000008\n#<   9Z')).toMatchObject({ line: 2, column: 7, message: expect.stringContaining('"Z" is not a hex digit') });
    expect(error('00A4 \\')).toMatchObject({ line: 1, message: expect.stringContaining('ends with "\\"') });
    expect(error('00A4 \\\n\n00')).toMatchObject({ line: 2 });
    expect(error('00 {x:8}')).toMatchObject({ line: 1, message: expect.stringContaining('belongs in an expectation line') });
  });
});
