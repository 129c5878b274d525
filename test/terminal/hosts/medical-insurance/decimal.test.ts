// The one codec between the platform's decimals and sscard's integers, and the rounding rule.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyRatio, formatScaled, lineAmount, parseScaled, stringifyWire, WireNumber, yuan } from '../../../../src/terminal/hosts/medical-insurance/decimal.js';
import { amountField, countField, ratioField } from '../../../../src/terminal/hosts/medical-insurance/fields.js';

describe('decimals on the wire', () => {
  it('parses plain decimals at a scale, and refuses anything else', () => {
    expect(parseScaled('12.3', 2)).toBe(1230);
    expect(parseScaled('12.30', 2)).toBe(1230);
    expect(parseScaled('0', 2)).toBe(0);
    expect(parseScaled('007.5', 2)).toBe(750);
    expect(parseScaled('-0.01', 2)).toBe(-1);
    expect(parseScaled('999999999999.99', 2)).toBe(99_999_999_999_999);
    for (const bad of ['12.345', '1e3', '', '.5', '5.', '+1', ' 1', '1,000.00', '0x10', '1000000000000.00']) expect(parseScaled(bad, 2), bad).toBeUndefined();
  });

  it('writes integers with exactly the scale’s decimals', () => {
    expect(yuan(0)).toBe('0.00');
    expect(yuan(5)).toBe('0.05');
    expect(yuan(-43060)).toBe('-430.60');
    expect(formatScaled(8500, 4)).toBe('0.8500');
    expect(formatScaled(160_000_000, 6)).toBe('160.000000');
    expect(() => formatScaled(0.5, 2)).toThrow(RangeError);
  });

  it('round-trips every safe amount', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6 }).chain((scale) => {
          // at most 12 integer digits, and a safe integer
          const max = Math.min(Number.MAX_SAFE_INTEGER, 10 ** (12 + scale) - 1);
          return fc.tuple(fc.constant(scale), fc.integer({ min: -max, max }));
        }),
        ([scale, units]) => {
          expect(parseScaled(formatScaled(units, scale), scale)).toBe(units);
        },
      ),
    );
  });

  it('zod fields take JSON numbers and digit strings, and refuse floats that are not what they seem', () => {
    expect(amountField.parse(12.3)).toBe(1230);
    expect(amountField.parse('430.60')).toBe(43060);
    expect(ratioField.parse('0.85')).toBe(8500);
    expect(ratioField.safeParse('1.01').success).toBe(false);
    expect(countField.parse(2.5)).toBe(25_000);
    expect(amountField.safeParse(0.1 + 0.2).success).toBe(false); // 0.30000000000000004
    expect(amountField.safeParse(-1).success).toBe(false);
    expect(amountField.safeParse(1e21).success).toBe(false);
    expect(amountField.safeParse(' 1.00').success).toBe(false);
    expect(amountField.safeParse(null).success).toBe(false);
  });

  it('stringifyWire writes WireNumbers verbatim and everything else as JSON does', () => {
    expect(stringifyWire({ a: new WireNumber('1.50'), b: [new WireNumber('-0.0100')], c: 'x', d: null, e: undefined, f: 3 })).toBe('{"a":1.50,"b":[-0.0100],"c":"x","d":null,"f":3}');
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(JSON.parse(stringifyWire(v))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
    );
    expect(() => stringifyWire({ d: new Date(0) })).toThrow(TypeError);
    expect(() => new WireNumber('1e3')).toThrow(RangeError);
  });
});

describe('rounding: half up to the fen', () => {
  it('examples worked by hand', () => {
    expect(applyRatio(1010, 8500)).toBe(859); // 8.585 → 8.59
    expect(applyRatio(1030, 8500)).toBe(876); // 8.755 → 8.76
    expect(applyRatio(19588, 8500)).toBe(16650); // 166.498 → 166.50
    expect(applyRatio(1, 4999)).toBe(0); // 0.4999 fen → 0
    expect(applyRatio(1, 5000)).toBe(1); // 0.5 fen → 1
    expect(lineAmount(20_000, 14_800_000)).toBe(2960); // 2 × 14.80
    expect(lineAmount(3_333, 10_000_000)).toBe(333); // 0.3333 × 10.00 = 3.333 → 3.33
    expect(lineAmount(5, 10_000_000)).toBe(1); // 0.0005 × 10.00 = 0.005 → 0.01
  });

  it('is the nearest fen, ties up (the definition, checked on random amounts and ratios)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99_999_999_999_999 }), fc.integer({ min: 0, max: 10_000 }), (fen, ratio) => {
        const exact = BigInt(fen) * BigInt(ratio); // in 1/10000 fen
        const got = BigInt(applyRatio(fen, ratio)) * 10_000n;
        const diff = got - exact;
        expect(diff >= -5_000n && diff <= 5_000n).toBe(true);
        if (diff === -5_000n) expect.fail('a tie was rounded down');
      }),
    );
  });
});
