// Expectation patterns of sscard script (docs/qa-scripts.md): tokens, matching with wildcards and
// captures, and the one-phrase explanation of a mismatch. Responses are written by hand from the
// status words of ISO/IEC 7816-4 §5.1.3 / DOMAIN.md §1.3.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../src/apdu/bytes.js';
import { matchPattern, parseHexWithVariables, parsePattern, PatternSyntaxError, UnsetVariableError } from '../../../src/qa/script/pattern.js';

const none = new Map<string, Uint8Array>();
const match = (pattern: string, response: string, vars: Map<string, Uint8Array> = none) => matchPattern(parsePattern(pattern), fromHex(response), vars);

describe('patterns', () => {
  it('exact bytes, with or without spaces', () => {
    expect(match('90 00', '9000').ok).toBe(true);
    expect(match('9000', '9000').ok).toBe(true);
    expect(match('6F1C 84 0F', '6F1C840F').ok).toBe(true);
    expect(match('90 00', '6982').ok).toBe(false);
  });

  it('?? is one byte, 6? and ?0 one nibble', () => {
    expect(match('?? 90 00', '019000').ok).toBe(true);
    expect(match('?? 90 00', '9000').ok).toBe(false);
    expect(match('63 C?', '63C2').ok).toBe(true); // verification failed, 2 tries left (63Cx)
    expect(match('63 C?', '6382').ok).toBe(false);
    expect(match('6? 00', '6A00').ok).toBe(true);
    expect(match('?A 82', '6A82').ok).toBe(true);
  });

  it('*, … and ... take any number of bytes, none included', () => {
    for (const rest of ['*', '…', '...']) {
      expect(match(`${rest} 90 00`, '9000').ok).toBe(true);
      expect(match(`${rest} 90 00`, '0102039000').ok).toBe(true);
      expect(match(`6F ${rest} 90 00`, '6F9000').ok).toBe(true);
      expect(match(`6F ${rest} 90 00`, '709000').ok).toBe(false);
    }
    expect(match('6F ?? 84 * A5 * 90 00', '6F1C840F7378A509889000').ok).toBe(true);
  });

  it('captures a fixed number of bytes or the rest, and uses variables', () => {
    const r = match('{challenge:8} 90 00', '01020304050607089000');
    expect(r.ok && toHex(r.captures.get('challenge')!)).toBe('0102030405060708');
    const rest = match('6F {fci:*} 90 00', '6F1C84009000');
    expect(rest.ok && toHex(rest.captures.get('fci')!)).toBe('1C8400');
    const vars = new Map([['id', fromHex('0110')]]);
    expect(match('{id} * 90 00', '0110AA9000', vars).ok).toBe(true);
    expect(match('{id} * 90 00', '0111AA9000', vars).ok).toBe(false);
    // a capture is visible to the rest of the same pattern
    expect(match('{x:2} {x} 90 00', 'ABCDABCD9000').ok).toBe(true);
    expect(match('{x:2} {x} 90 00', 'ABCDABCE9000').ok).toBe(false);
    expect(() => match('{nope} 90 00', '9000')).toThrow(UnsetVariableError);
  });

  it('says where the response leaves the pattern', () => {
    const why = (p: string, r: string) => {
      const m = match(p, r);
      return m.ok ? 'ok' : m.reason;
    };
    expect(why('* 90 00', '6982')).toBe('status word: expected 9000, got 6982');
    expect(why('63 C?', '6983')).toBe('status word: expected 63C?, got 6983');
    expect(why('01 02 90 00', '0102039000')).toBe('length: expected 4 bytes (2 of data and SW1 SW2), got 5');
    expect(why('01 02 * 90 00', '01039000')).toBe('byte 2: expected 02, got 03');
  });

  it('names the column of a syntax error', () => {
    const col = (text: string) => {
      try {
        parsePattern(text);
      } catch (err) {
        if (err instanceof PatternSyntaxError) return [err.column, err.message];
        throw err;
      }
      return undefined;
    };
    expect(col(' 90 0')).toEqual([5, 'odd number of hex digits: "0" is half a byte']);
    expect(col('90 0G')).toEqual([5, '"G" is not a hex digit']);
    expect(col('90 Z0')).toEqual([4, '"Z" is not a hex digit, ?, *, … or {variable}']);
    expect(col('{1x:8}')).toEqual([2, '"1x" is not a variable name (letters, digits, _; not starting with a digit)']);
    expect(col('{x:0}')?.[1]).toMatch(/capture length "0"/);
    expect(col('{x:8')?.[1]).toBe('"{" without "}"');
    expect(col('   ')?.[1]).toMatch(/empty expectation/);
  });

  it('commands take hex and variables, no wildcards', () => {
    expect(parseHexWithVariables('00 84 00 00 08')).toEqual([{ kind: 'bytes', bytes: fromHex('0084000008') }]);
    expect(parseHexWithVariables('0082 0004 10 {auth} {r}')).toEqual([
      { kind: 'bytes', bytes: fromHex('0082000410') },
      { kind: 'var', name: 'auth' },
      { kind: 'var', name: 'r' },
    ]);
    expect(() => parseHexWithVariables('00 ?? 00')).toThrow(/"\?" is not a hex digit or \{variable\}/);
    expect(() => parseHexWithVariables('00 {x:8}')).toThrow(/belongs in an expectation line/);
  });
});

describe('pattern properties', () => {
  const response = fc.uint8Array({ minLength: 2, maxLength: 64 });
  it('the exact hex of a response matches it; any changed byte does not', () => {
    fc.assert(
      fc.property(response, fc.nat(), fc.integer({ min: 1, max: 255 }), (r, at, delta) => {
        const spaced = toHex(r).replace(/(..)/g, '$1 ');
        expect(matchPattern(parsePattern(spaced), r, none).ok).toBe(true);
        const changed = r.slice();
        const i = at % r.length;
        changed[i] = (changed[i]! + delta) & 0xff;
        const m = matchPattern(parsePattern(spaced), changed, none);
        expect(m.ok).toBe(false);
        if (!m.ok) expect(m.reason).toMatch(i >= r.length - 2 ? /^status word/ : new RegExp(`^byte ${i + 1}:`));
      }),
    );
  });

  it('"{data:*} SW1 SW2" matches any response with that status word and captures its data exactly', () => {
    fc.assert(
      fc.property(response, (r) => {
        const sw = toHex(r.subarray(r.length - 2));
        const m = matchPattern(parsePattern(`{data:*} ${sw}`), r, none);
        expect(m.ok && toHex(m.captures.get('data')!)).toBe(toHex(r.subarray(0, r.length - 2)));
      }),
    );
  });

  it('wildcards in place of any bytes still match', () => {
    fc.assert(
      fc.property(response, fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }), (r, wild) => {
        const pattern = [...r].map((b, i) => (wild[i] ? '??' : b.toString(16).padStart(2, '0'))).join(' ');
        expect(matchPattern(parsePattern(pattern), r, none).ok).toBe(true);
      }),
    );
  });
});
