/**
 * Response patterns of `sscard script` expectation lines (docs/qa-scripts.md): a pattern describes the
 * whole response, data then SW1 SW2, byte by byte.
 *
 * | token        | matches                                                          |
 * |--------------|------------------------------------------------------------------|
 * | `6F`         | that byte                                                        |
 * | `??`         | any one byte                                                     |
 * | `6?` / `?F`  | a byte with that high / low nibble (`63 C?`: any tries-left count)|
 * | `*` `…` `...`| any number of bytes, none included (the "rest" wildcard)         |
 * | `{name:8}`   | any 8 bytes, captured into variable `name`                       |
 * | `{name:*}`   | any number of bytes, captured                                    |
 * | `{name}`     | the bytes of variable `name` (captured earlier or given with --var) |
 *
 * Spaces between tokens are optional (`6F??840F` is four tokens). Wildcards that can take several
 * lengths match the fewest bytes that let the rest of the pattern match (leftmost, shortest).
 */
import { toHex } from '../../apdu/bytes.js';

export type PatternToken =
  | { kind: 'byte'; value: number; mask: number; text: string }
  | { kind: 'rest' }
  | { kind: 'capture'; name: string; length: number | 'rest' }
  | { kind: 'var'; name: string };

export interface Pattern {
  /** The pattern as written (after the `<`). */
  text: string;
  tokens: PatternToken[];
}

/** A syntax error at a column (1-based) of the text it was read from. */
export class PatternSyntaxError extends Error {
  override name = 'PatternSyntaxError';
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(message);
  }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const isHex = (c: string) => /^[0-9A-Fa-f]$/.test(c);

/** Tokens of hex-and-variables text (`00 84 00 00 {n}`, APDU lines): bytes and variable references only. */
export function parseHexWithVariables(text: string, columnBase = 1): Array<{ kind: 'bytes'; bytes: Uint8Array } | { kind: 'var'; name: string }> {
  const tokens = tokenize(text, columnBase, { wildcards: false });
  const out: Array<{ kind: 'bytes'; bytes: Uint8Array } | { kind: 'var'; name: string }> = [];
  let run: number[] = [];
  const flush = () => {
    if (run.length) out.push({ kind: 'bytes', bytes: Uint8Array.from(run) });
    run = [];
  };
  for (const t of tokens) {
    if (t.kind === 'byte') run.push(t.value);
    else if (t.kind === 'var') {
      flush();
      out.push(t);
    }
  }
  flush();
  return out;
}

/** Parses a pattern (the text after `<`). */
export function parsePattern(text: string, columnBase = 1): Pattern {
  const tokens = tokenize(text, columnBase, { wildcards: true });
  if (tokens.length === 0) throw new PatternSyntaxError('empty expectation: write the response pattern after "<" (e.g. "< * 90 00")', columnBase);
  return { text: text.trim(), tokens };
}

function tokenize(text: string, columnBase: number, options: { wildcards: boolean }): PatternToken[] {
  const out: PatternToken[] = [];
  let i = 0;
  const col = (k: number) => columnBase + k;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '{') {
      const end = text.indexOf('}', i);
      if (end < 0) throw new PatternSyntaxError('"{" without "}"', col(i));
      const inner = text.slice(i + 1, end);
      const [name, length] = inner.split(':') as [string, string | undefined];
      if (!NAME.test(name)) throw new PatternSyntaxError(`"${name}" is not a variable name (letters, digits, _; not starting with a digit)`, col(i + 1));
      if (length === undefined) out.push({ kind: 'var', name });
      else {
        if (!options.wildcards) throw new PatternSyntaxError(`a capture {${inner}} belongs in an expectation line ("< …"), not in a command`, col(i));
        if (length === '*') out.push({ kind: 'capture', name, length: 'rest' });
        else if (/^\d{1,5}$/.test(length) && Number(length) >= 1 && Number(length) <= 65535) out.push({ kind: 'capture', name, length: Number(length) });
        else throw new PatternSyntaxError(`capture length "${length}" must be a number of bytes (1..65535) or *`, col(i + 2 + name.length));
      }
      i = end + 1;
      continue;
    }
    if (options.wildcards && (c === '*' || c === '…' || text.startsWith('...', i))) {
      out.push({ kind: 'rest' });
      i += text.startsWith('...', i) ? 3 : 1;
      continue;
    }
    const pair = text.slice(i, i + 2);
    const hexOrWild = (ch: string | undefined) => ch !== undefined && (isHex(ch) || (options.wildcards && ch === '?'));
    if (!hexOrWild(c)) {
      throw new PatternSyntaxError(`"${c}" is not a hex digit${options.wildcards ? ', ?, *, … or {variable}' : ' or {variable}'}`, col(i));
    }
    if (pair.length < 2 || !hexOrWild(pair[1])) {
      throw new PatternSyntaxError(pair.length < 2 || pair[1] === ' ' || pair[1] === '\t' ? `odd number of hex digits: "${c}" is half a byte` : `"${pair[1]}" is not a hex digit`, col(pair.length < 2 ? i : i + 1));
    }
    const hi = pair[0] === '?' ? undefined : parseInt(pair[0]!, 16);
    const lo = pair[1] === '?' ? undefined : parseInt(pair[1]!, 16);
    out.push({ kind: 'byte', value: ((hi ?? 0) << 4) | (lo ?? 0), mask: (hi === undefined ? 0 : 0xf0) | (lo === undefined ? 0 : 0x0f), text: pair.toUpperCase() });
    i += 2;
  }
  return out;
}

/** Variables: name → bytes. */
export type Variables = ReadonlyMap<string, Uint8Array>;

export type MatchResult = { ok: true; captures: Map<string, Uint8Array> } | { ok: false; reason: string };

/** An unset variable in a pattern or command: names it. */
export class UnsetVariableError extends Error {
  override name = 'UnsetVariableError';
  constructor(readonly variable: string) {
    super(`variable "${variable}" is not set (capture it in an earlier expectation with {${variable}:n}, or give it with --var ${variable}=HEX)`);
  }
}

/**
 * Matches a response against a pattern. Throws {@link UnsetVariableError} for a `{name}` that is not set
 * (neither in `vars` nor captured earlier in the same pattern).
 */
export function matchPattern(pattern: Pattern, response: Uint8Array, vars: Variables): MatchResult {
  const tokens = pattern.tokens;
  // Fail fast on unset variables (before matching, so the message does not depend on the response).
  const captured = new Set(tokens.filter((t) => t.kind === 'capture').map((t) => (t as { name: string }).name));
  for (const t of tokens) if (t.kind === 'var' && !vars.has(t.name) && !captured.has(t.name)) throw new UnsetVariableError(t.name);

  const failures = new Set<string>();
  const go = (ti: number, bi: number, caps: Map<string, Uint8Array>): Map<string, Uint8Array> | undefined => {
    const memo = `${ti}:${bi}`;
    if (caps.size === 0 && failures.has(memo)) return undefined;
    if (ti === tokens.length) return bi === response.length ? caps : undefined;
    const t = tokens[ti]!;
    let result: Map<string, Uint8Array> | undefined;
    switch (t.kind) {
      case 'byte':
        result = bi < response.length && (response[bi]! & t.mask) === (t.value & t.mask) ? go(ti + 1, bi + 1, caps) : undefined;
        break;
      case 'var': {
        const v = caps.get(t.name) ?? vars.get(t.name)!;
        let same = bi + v.length <= response.length;
        for (let k = 0; same && k < v.length; k++) same = response[bi + k] === v[k];
        result = same ? go(ti + 1, bi + v.length, caps) : undefined;
        break;
      }
      case 'capture':
      case 'rest':
        if (t.kind === 'capture' && t.length !== 'rest') {
          result = bi + t.length <= response.length ? go(ti + 1, bi + t.length, new Map(caps).set(t.name, response.slice(bi, bi + t.length))) : undefined;
          break;
        }
        // a rest, or {name:*}: a rest that keeps what it took; the fewest bytes first
        for (let end = bi; end <= response.length && !result; end++) {
          const next = t.kind === 'capture' ? new Map(caps).set(t.name, response.slice(bi, end)) : caps;
          result = go(ti + 1, end, next);
        }
        break;
    }
    if (!result && caps.size === 0) failures.add(memo);
    return result;
  };
  const caps = go(0, 0, new Map());
  if (caps) return { ok: true, captures: caps };
  return { ok: false, reason: explain(tokens, response, vars) };
}

function tokenText(t: PatternToken): string {
  switch (t.kind) {
    case 'byte':
      return t.text;
    case 'rest':
      return '*';
    case 'capture':
      return `{${t.name}:${t.length === 'rest' ? '*' : t.length}}`;
    case 'var':
      return `{${t.name}}`;
  }
}

const fixedLength = (t: PatternToken, vars: Variables): number | undefined =>
  t.kind === 'byte' ? 1 : t.kind === 'var' ? vars.get(t.name)?.length : t.kind === 'capture' && t.length !== 'rest' ? t.length : undefined;

function byteMatches(t: PatternToken, b: number): boolean {
  return t.kind === 'byte' && (b & t.mask) === (t.value & t.mask);
}

const hex = (b: number) => b.toString(16).toUpperCase().padStart(2, '0');

/** Says, in one phrase, where a response leaves a pattern: the status word, the length, a byte. */
function explain(tokens: readonly PatternToken[], response: Uint8Array, vars: Variables): string {
  const n = response.length;
  const last2 = tokens.slice(-2);
  if (n >= 2 && last2.length === 2 && last2.every((t) => t.kind === 'byte')) {
    const [t1, t2] = last2 as Array<Extract<PatternToken, { kind: 'byte' }>>;
    if (!byteMatches(t1!, response[n - 2]!) || !byteMatches(t2!, response[n - 1]!)) {
      return `status word: expected ${t1!.text}${t2!.text}, got ${hex(response[n - 2]!)}${hex(response[n - 1]!)}`;
    }
  }
  const lengths = tokens.map((t) => fixedLength(t, vars));
  if (lengths.every((l) => l !== undefined)) {
    const want = (lengths as number[]).reduce((a, b) => a + b, 0);
    if (want !== n) return `length: expected ${want} bytes (${want - 2} of data and SW1 SW2), got ${n}`;
  }
  // The fixed prefix (up to the first variable-length token): the first byte that differs.
  let at = 0;
  for (const t of tokens) {
    const len = fixedLength(t, vars);
    if (len === undefined) break;
    if (t.kind === 'byte') {
      if (at >= n) return `the response ends after ${n} bytes; the pattern expects more (${tokenText(t)} at byte ${at + 1})`;
      if (!byteMatches(t, response[at]!)) return `byte ${at + 1}: expected ${t.text}, got ${hex(response[at]!)}`;
    } else if (t.kind === 'var') {
      const v = vars.get(t.name)!;
      const got = response.subarray(at, at + v.length);
      if (toHex(got) !== toHex(v)) return `bytes ${at + 1}-${at + v.length}: expected {${t.name}} = ${toHex(v)}, got ${toHex(got) || '(none)'}`;
    }
    at += len;
  }
  return 'the response does not fit the pattern';
}
