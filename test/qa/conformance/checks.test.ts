// The value checks of the conformance cases against values from the standards and real cards, not from
// sscard's personaliser: the card numbers DOMAIN.md §1.2 lists as real and valid, GB 11643-1999's own
// example ID number, a well-known Luhn-valid test PAN, real ATRs (DOMAIN.md §1.4) and ATRs whose TCK is
// computed by hand here.
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../../src/apdu/bytes.js';
import { cardNumberProblem, citizenIdProblem, dateProblem, ethnicityProblem, luhnProblem, parseAtrStructure } from '../../../src/qa/conformance/checks.js';
import { compileDataPattern, checkResponse, dataMatches, swMatches, swPatternText } from '../../../src/qa/conformance/expect.js';

describe('value checks', () => {
  it.each(['X00000019', 'HA1046924', 'B7K334774', '188347080'])('the real card number %s has a valid check character', (n) => {
    expect(cardNumberProblem(n)).toBeUndefined();
  });

  it('a changed character or check character is caught', () => {
    expect(cardNumberProblem('HA1046925')).toMatch(/check character 5, the weights 3,7,9,10,5,8,4,2 give 4/);
    expect(cardNumberProblem('HB1046924')).toMatch(/check character/);
    expect(cardNumberProblem('ha1046924')).toMatch(/not 8 digits or capital letters/);
  });

  it('GB 11643-1999: the standard\'s example 11010519491231002X checks; a changed digit does not', () => {
    expect(citizenIdProblem('11010519491231002X')).toBeUndefined();
    expect(citizenIdProblem('11010519491231003X')).toMatch(/GB 11643 gives/);
    expect(citizenIdProblem('110105194913310024')).toMatch(/check character|not a date/);
  });

  it('dates, Luhn and GB 3304 codes', () => {
    expect(dateProblem('20240229', 'd')).toBeUndefined();
    expect(dateProblem('20230229', 'd')).toMatch(/not a date/);
    expect(dateProblem('2023022', 'd')).toMatch(/not YYYYMMDD/);
    expect(luhnProblem('4111111111111111')).toBeUndefined(); // the well-known test PAN
    expect(luhnProblem('4111111111111112')).toMatch(/Luhn/);
    expect(ethnicityProblem('01')).toBeUndefined();
    expect(ethnicityProblem('57')).toMatch(/GB 3304/);
  });

  it('ATR structure (ISO/IEC 7816-3 §8.2): a real T=0 third-generation ATR, a T=1 ATR with a hand-computed TCK', () => {
    const real = parseAtrStructure(fromHex('3B6D000000814A444686605199000001AC'));
    expect(real).toMatchObject({ protocols: [0] });
    expect(typeof real !== 'string' && real.historical.length).toBe(13);
    // T0 80 (TD1, K=0), TD1 80 (TD2, T=0), TD2 01 (T=1): TCK = 80 ⊕ 80 ⊕ 01 = 01
    expect(parseAtrStructure(fromHex('3B80800101'))).toMatchObject({ protocols: [0, 1], tck: 0x01 });
    expect(parseAtrStructure(fromHex('3B80800102'))).toMatch(/TCK 02 is wrong/);
    expect(parseAtrStructure(fromHex('3B808001'))).toMatch(/make 5/);
    expect(parseAtrStructure(fromHex('3B6D0000'))).toMatch(/historical bytes make 17/);
    expect(parseAtrStructure(fromHex('3C00'))).toMatch(/TS 3c/);
  });
});

describe('expectations', () => {
  it('status-word patterns', () => {
    expect(swMatches(0x63c2, '63Cx')).toBe(true);
    expect(swMatches(0x6383, '63Cx')).toBe(false);
    expect(swMatches(0x6a82, ['9000', '6A8x'])).toBe(true);
    expect(swMatches(0x9000, '!9000')).toBe(false);
    expect(swMatches(0x6985, '!9000')).toBe(true);
    expect(swPatternText(['9000', '!6a82'])).toBe('9000 or anything but 6A82');
  });

  it('data patterns: ?? any byte, ? any digit, * any bytes', () => {
    expect(dataMatches(fromHex('0110AABBCCD156000005'), '0110 ?????? D156000005')).toBe(true);
    expect(dataMatches(fromHex('6F1C8401'), '6F ?? 84 *')).toBe(true);
    expect(dataMatches(fromHex('860103'), '8601 0?')).toBe(true);
    expect(dataMatches(fromHex('860113'), '8601 0?')).toBe(false);
    expect(() => compileDataPattern('6F 1')).toThrow(/odd number/);
    expect(() => compileDataPattern('6F G0')).toThrow(/unexpected "G"/);
  });

  it('failure messages say what came, what was expected, and the meaning of the status word', () => {
    expect(checkResponse('step 2 (READ RECORD)', fromHex('6A82'), { sw: '9000' })).toBe('step 2 (READ RECORD): expected SW 9000, the card answered 6A82 file or application not found (未找到文件或应用)');
    expect(checkResponse('s', fromHex('90'), {})).toMatch(/1 byte\(s\) and no status word \(the card's answer was cut short\)/);
    expect(checkResponse('s', fromHex('01109000'), { data: '0110 ??' })).toMatch(/data 0110 does not match 0110 \?\? — 2 bytes, at least 3 expected/);
    expect(checkResponse('s', fromHex('01109000'), { length: 4 })).toMatch(/expected 4 bytes of data, got 2/);
    expect(checkResponse('s', fromHex('01109000'), { check: () => 'wrong' })).toBe('s: wrong');
  });
});
