/**
 * APDU scripts (`sscard script`): the pcsc-tools `scriptor` format, so that existing scripts run
 * unchanged, plus expectation lines and variables (docs/qa-scripts.md).
 *
 * What scriptor does with a line (pcsc-tools `scriptor`, read from its source), in order:
 * 1. a line containing `exit` (any case, anywhere — even in a comment) ends the script;
 * 2. an empty line is skipped; a line starting with `#` is a comment;
 * 3. a line containing `reset` (any case) resets the card;
 * 4. anything else is a command APDU in hex, bytes separated by single spaces or written without
 *    spaces (`00A4040000`); a line ending in `\` continues on the next line.
 *
 * sscard reads the same lines the same way, and also:
 * - `< pattern` after a command (or a `reset`): what the response (the ATR) must be (pattern.ts);
 * - `#< pattern`: the same, written as a comment so that scriptor skips it — a script with `#<` lines
 *   runs unchanged in both;
 * - `{name}` in a command: the bytes of a variable captured earlier (`{name:8}` in a pattern) or given
 *   with `--var name=HEX`;
 * - hex with any spacing (`00A4 0400 00`), leading blanks, tabs and CRLF line ends, which scriptor
 *   rejects.
 *
 * A line that is none of these is a {@link ScriptSyntaxError} naming its line (and column).
 */
import { parseHexWithVariables, parsePattern, PatternSyntaxError, type Pattern } from './pattern.js';

/** Part of a command: literal bytes or a variable's bytes. */
export type CommandPart = { kind: 'bytes'; bytes: Uint8Array } | { kind: 'var'; name: string };

export interface Expectation {
  /** Line of the expectation. */
  line: number;
  pattern: Pattern;
}

export type ScriptStep =
  | { kind: 'apdu'; line: number; lastLine: number; text: string; parts: CommandPart[]; expect?: Expectation }
  | { kind: 'reset'; line: number; text: string; expect?: Expectation };

export interface Script {
  name: string;
  steps: ScriptStep[];
  /** Line of an `exit` that ended the script early, if any. */
  exitLine?: number;
  /** Things that scriptor reads differently, worth saying (e.g. "exit" in a comment). */
  warnings: string[];
}

/** A line that is not a script line: names the script, the line and (where known) the column. */
export class ScriptSyntaxError extends Error {
  override name = 'ScriptSyntaxError';
  constructor(
    message: string,
    readonly line: number,
    readonly column?: number,
  ) {
    super(message);
  }
}

/** Parses a script's text. */
export function parseScript(text: string, name = 'script'): Script {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const steps: ScriptStep[] = [];
  const warnings: string[] = [];
  let pending: { line: number; text: string } | undefined; // a command continued with "\"
  let exitLine: number | undefined;
  const fail = (message: string, line: number, column?: number): never => {
    throw new ScriptSyntaxError(`${name} line ${line}${column ? `, column ${column}` : ''}: ${message}`, line, column);
  };

  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const raw = lines[i]!;
    const trimmed = raw.trim();
    if (/exit/i.test(raw)) {
      if (pending) fail('the command continued with "\\" on the line before is not finished', n);
      if (trimmed.startsWith('#')) warnings.push(`${name} line ${n}: this comment contains "exit", which ends the script here (as in scriptor)`);
      exitLine = n;
      break;
    }
    if (trimmed === '') {
      if (pending) fail('empty line after a command continued with "\\"', n);
      continue;
    }
    const indent = raw.length - raw.trimStart().length;
    if (trimmed.startsWith('#<') || trimmed.startsWith('<')) {
      if (pending) fail('an expectation cannot follow a command continued with "\\"', n);
      const start = trimmed.startsWith('#<') ? 2 : 1;
      let pattern: Pattern;
      try {
        pattern = parsePattern(trimmed.slice(start), indent + start + 1);
      } catch (err) {
        if (err instanceof PatternSyntaxError) fail(err.message, n, err.column);
        throw err;
      }
      const last = steps[steps.length - 1];
      if (!last) fail('an expectation before any command: it checks the response of the command above it', n);
      if (last!.expect) fail(`a second expectation for the ${last!.kind === 'reset' ? 'reset' : 'command'} of line ${last!.line} (the first is on line ${last!.expect.line})`, n);
      last!.expect = { line: n, pattern: pattern! };
      continue;
    }
    if (trimmed.startsWith('#')) {
      if (pending) fail('a comment cannot interrupt a command continued with "\\"', n);
      continue;
    }
    if (/reset/i.test(raw)) {
      if (pending) fail('"reset" cannot follow a command continued with "\\"', n);
      steps.push({ kind: 'reset', line: n, text: trimmed });
      continue;
    }
    // A command APDU, perhaps continued on the next lines.
    const continued = trimmed.endsWith('\\');
    const body = continued ? trimmed.slice(0, -1) : trimmed;
    const first = pending?.line ?? n;
    const joined = `${pending?.text ?? ''} ${body}`;
    if (continued) {
      pending = { line: first, text: joined };
      continue;
    }
    pending = undefined;
    let parts: CommandPart[];
    try {
      // columns are exact for a command on one line; for a continued one, the message names its first line
      parts = parseHexWithVariables(first === n ? raw : joined, first === n ? 1 : 0);
    } catch (err) {
      if (err instanceof PatternSyntaxError) fail(`not a command APDU: ${err.message}`, first, first === n ? err.column : undefined);
      throw err;
    }
    if (parts!.length === 0) fail('empty command', first);
    steps.push({ kind: 'apdu', line: first, lastLine: n, text: joined.trim().replace(/\s+/g, ' '), parts: parts! });
  }
  if (pending) fail('the last command ends with "\\" but no line follows', pending.line);
  return { name, steps, ...(exitLine ? { exitLine } : {}), warnings };
}
