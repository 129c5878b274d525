// Card-number check character and GB 11643 ID check digit (DOMAIN.md §1.2).
// Vectors: real card numbers from traces and card faces (DOMAIN.md §1.2, §1.4, §1.6) and a real ID
// number from the LD/T 33 iReadCardBas example; the computed digits are checked by hand below.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  cardNumberCheckChar,
  idNumberCheckDigit,
  isValidCardNumber,
  isValidIdNumber,
} from '../../../src/card/apps/ssse/check-digits.js';

describe('card number check character', () => {
  it.each(['X00000019', 'HA1046924', 'B7K334774', '188347080'])('real number %s checks', (n) => {
    expect(isValidCardNumber(n)).toBe(true);
    expect(cardNumberCheckChar(n.slice(0, 8))).toBe(n[8]);
  });

  it('X00000019 by hand: X=33, 33·3 + 1·2 = 101, 101 mod 11 = 2, 11 − 2 = 9', () => {
    expect(cardNumberCheckChar('X0000001')).toBe('9');
  });

  it('188347080 by hand: Σ = 253 = 23·11, 11 − 0 = 11 is written 0', () => {
    // 1·3 + 8·7 + 8·9 + 3·10 + 4·5 + 7·8 + 0·4 + 8·2 = 3+56+72+30+20+56+0+16 = 253 = 23·11 → 11 − 0 = 11 → '0'
    expect(cardNumberCheckChar('18834708')).toBe('0');
  });

  it('rejects a changed character or a wrong check character', () => {
    expect(isValidCardNumber('HA1046925')).toBe(false);
    expect(isValidCardNumber('HB1046924')).toBe(false);
    expect(isValidCardNumber('HA104692')).toBe(false);
    expect(isValidCardNumber('ha1046924')).toBe(false);
  });

  it('a result of 10 is written X', () => {
    // J7720013: 19·3 + 7·7 + 7·9 + 2·10 + 0 + 0 + 1·4 + 3·2 = 57+49+63+20+4+6 = 199, 199 mod 11 = 1 → 10 → X
    expect(cardNumberCheckChar('J7720013')).toBe('X');
  });

  it('names the argument on bad input', () => {
    expect(() => cardNumberCheckChar('ABC')).toThrow(/body/);
  });

  it('any single-character change of a valid number is detected (property)', () => {
    const alnum = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alnum), { minLength: 8, maxLength: 8 }), fc.nat(7), fc.constantFrom(...alnum), (chars, pos, c) => {
        const body = chars.join('');
        const full = body + cardNumberCheckChar(body);
        fc.pre(body[pos] !== c);
        const changed = body.slice(0, pos) + c + body.slice(pos + 1);
        // weights are < 11 and 11 is prime, so a change of value by d (|d| not a multiple of 11) is caught
        const d = Math.abs(alnum.indexOf(c) - alnum.indexOf(body[pos]!));
        fc.pre(d % 11 !== 0);
        expect(isValidCardNumber(changed + full[8])).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe('GB 11643 ID number check digit', () => {
  it('real ID 320223195302147992 (LD/T 33 example) checks', () => {
    expect(isValidIdNumber('320223195302147992')).toBe(true);
  });

  it('the GB 11643 standard example 11010519491231002X', () => {
    expect(idNumberCheckDigit('11010519491231002')).toBe('X');
    expect(isValidIdNumber('11010519491231002X')).toBe(true);
  });

  it('rejects a wrong check digit and malformed numbers', () => {
    expect(isValidIdNumber('320223195302147991')).toBe(false);
    expect(isValidIdNumber('32022319530214799')).toBe(false);
    expect(isValidIdNumber('32022319530214799x')).toBe(false);
  });
});
