/**
 * What a case expects of one response, written as data in the case tables:
 *
 * - status words: `'9000'`; a family with `x` for a free hex digit (`'63Cx'`, `'61xx'`, `'6Cxx'`);
 *   anything but one (`'!9000'`); or a list of those (any of them);
 * - response data: hex with `??` for any byte, `?` for any hex digit, `*` for any number of bytes
 *   (spaces ignored), e.g. `'6F ?? 84 0F 7378312E73682EC9E7BBE1B1A3D5CF *'`;
 * - or a check function returning the problem in words (undefined when the data is right).
 *
 * A mismatch is a {@link CaseFailure} whose one-line message says what came and what was expected, with
 * the status word's meaning (ISO/IEC 7816-4 §5.1.3, LD/T 32.5-2015 §6.4), so that a report (or a
 * fault's effect) is readable without the trace.
 */
import { toHex } from '../../apdu/bytes.js';
import { describeSw, isKnownSw } from '../../apdu/status-word-table.js';

/** A case's check did not hold (JUnit `failure`). */
export class CaseFailure extends Error {
  override name = 'CaseFailure';
}

/** A case cannot run here (JUnit `skipped`); the message says why. */
export class CaseSkip extends Error {
  override name = 'CaseSkip';
}

/** A status-word expectation (see the module comment). */
export type SwPattern = string | readonly string[];

/** What one step expects. */
export interface Expect {
  sw?: SwPattern;
  /** Hex pattern of the response data. */
  data?: string;
  /** Exact data length. */
  length?: number;
  /** A check of the data: the problem in words, or undefined. */
  check?: (data: Uint8Array) => string | undefined;
}

function swMatcher(pattern: string): (sw: number) => boolean {
  const p = pattern.trim();
  if (p.startsWith('!')) {
    const inner = swMatcher(p.slice(1));
    return (sw) => !inner(sw);
  }
  if (!/^[0-9A-Fa-fxX]{4}$/.test(p)) throw new RangeError(`status word pattern "${pattern}": 4 hex digits, x for any`);
  const re = new RegExp(`^${p.toUpperCase().replace(/X/g, '[0-9A-F]')}$`);
  return (sw) => re.test(sw.toString(16).toUpperCase().padStart(4, '0'));
}

/** Whether a status word matches a pattern (or any of a list). */
export function swMatches(sw: number, pattern: SwPattern): boolean {
  const list = typeof pattern === 'string' ? [pattern] : pattern;
  return list.some((p) => swMatcher(p)(sw));
}

/** The pattern as people read it: `9000`, `63Cx`, `6A82 or 6A86`, `anything but 9000`. */
export function swPatternText(pattern: SwPattern): string {
  const list = typeof pattern === 'string' ? [pattern] : [...pattern];
  return list.map((p) => (p.startsWith('!') ? `anything but ${p.slice(1).toUpperCase()}` : p.replace(/[0-9a-f]/g, (c) => c.toUpperCase()))).join(' or ');
}

interface CompiledData {
  re: RegExp;
  /** Least number of bytes the pattern needs. */
  min: number;
  /** Whether it allows more bytes than `min`. */
  open: boolean;
}

const compiled = new Map<string, CompiledData>();

/** Compiles a data pattern (cached). @throws RangeError for a malformed pattern */
export function compileDataPattern(pattern: string): CompiledData {
  const hit = compiled.get(pattern);
  if (hit) return hit;
  const p = pattern.replace(/\s+/g, '').toUpperCase();
  let re = '';
  let nibbles = 0;
  let open = false;
  for (const c of p) {
    if (/[0-9A-F]/.test(c)) {
      re += c;
      nibbles++;
    } else if (c === '?') {
      re += '[0-9A-F]';
      nibbles++;
    } else if (c === '*') {
      if (nibbles % 2 !== 0) throw new RangeError(`data pattern "${pattern}": * must stand between whole bytes`);
      re += '(?:[0-9A-F]{2})*';
      open = true;
    } else throw new RangeError(`data pattern "${pattern}": unexpected "${c}" (hex digits, ?, ?? and * only)`);
  }
  if (nibbles % 2 !== 0) throw new RangeError(`data pattern "${pattern}": an odd number of hex digits`);
  const out = { re: new RegExp(`^${re}$`), min: nibbles / 2, open };
  compiled.set(pattern, out);
  return out;
}

/** Whether data matches a pattern. */
export function dataMatches(data: Uint8Array, pattern: string): boolean {
  return compileDataPattern(pattern).re.test(toHex(data));
}

/** Hex for a message, cut after `max` bytes. */
export function shortHex(data: Uint8Array, max = 24): string {
  if (data.length === 0) return '(none)';
  return data.length > max ? `${toHex(data.subarray(0, max))}…(${data.length} bytes)` : toHex(data);
}

/**
 * Checks a response against an expectation; returns the failure in words, or undefined.
 * @param what the step, for the message: `READ RECORD EF05 record 7`
 */
export function checkResponse(what: string, response: Uint8Array, expect: Expect): string | undefined {
  if (response.length < 2) {
    return `${what}: the response has ${response.length} byte(s) and no status word (the card's answer was cut short)`;
  }
  const sw = (response[response.length - 2]! << 8) | response[response.length - 1]!;
  const data = response.subarray(0, response.length - 2);
  if (expect.sw !== undefined && !swMatches(sw, expect.sw)) {
    const hint = isKnownSw(sw) ? '' : ' — not a status word of ISO/IEC 7816-4 or LD/T 32.5: the answer looks cut short or corrupted';
    return `${what}: expected SW ${swPatternText(expect.sw)}, the card answered ${describeSw(sw)}${data.length ? ` with data ${shortHex(data)}` : ''}${hint}`;
  }
  if (expect.length !== undefined && data.length !== expect.length) {
    return `${what}: expected ${expect.length} bytes of data, got ${data.length} (${shortHex(data)})`;
  }
  if (expect.data !== undefined && !dataMatches(data, expect.data)) {
    const c = compileDataPattern(expect.data);
    const size = data.length < c.min ? ` — ${data.length} bytes, at least ${c.min} expected` : !c.open && data.length > c.min ? ` — ${data.length} bytes, ${c.min} expected` : '';
    return `${what}: data ${shortHex(data)} does not match ${expect.data.replace(/\s+/g, ' ')}${size}`;
  }
  if (expect.check) {
    const problem = expect.check(data);
    if (problem) return `${what}: ${problem}`;
  }
  return undefined;
}
