// The code tables of src/spec/ssse/codes.ts against their standards: GB 3304-1991 (民族, 56 nationalities
// 01–56 and 97/98, names and Roman spellings as the standard prints them), GB/T 2261.1-2003 (性别 0/1/2/9),
// DOMAIN.md §1.2 (卡的类别 1–4, 险种类型 310/390/391).
import { describe, expect, it } from 'vitest';
import { CARD_CATEGORY_CODES, INSURANCE_TYPE_CODES, lookupCode, NATION_CODES, SEX_CODES } from '../../src/spec/ssse/codes.js';

describe('SSSE code tables', () => {
  it('GB 3304: 58 codes, 01–56 then 97 and 98, as the standard lists them', () => {
    const codes = Object.keys(NATION_CODES).sort();
    expect(codes).toHaveLength(58);
    expect(codes).toEqual([...Array.from({ length: 56 }, (_, i) => String(i + 1).padStart(2, '0')), '97', '98']);
    const sample: Array<[string, string, string]> = [
      ['01', '汉族', 'Han'],
      ['05', '维吾尔族', 'Uygur'],
      ['10', '朝鲜族', 'Chosen'],
      ['11', '满族', 'Man'],
      ['29', '柯尔克孜族', 'Kirgiz'],
      ['44', '俄罗斯族', 'Russ'],
      ['56', '基诺族', 'Jino'],
      ['97', '其他', 'other'],
    ];
    for (const [code, zh, en] of sample) expect(NATION_CODES[code]).toEqual({ zh, en });
    expect(new Set(Object.values(NATION_CODES).map((n) => n.zh)).size).toBe(58);
  });

  it('GB/T 2261.1: 0 未知的性别, 1 男, 2 女, 9 未说明的性别', () => {
    expect(Object.fromEntries(Object.entries(SEX_CODES).map(([k, v]) => [k, v.zh]))).toEqual({ '0': '未知的性别', '1': '男', '2': '女', '9': '未说明的性别' });
  });

  it('card categories 1–4 and the insurance types of DOMAIN.md §1.2', () => {
    expect(Object.keys(CARD_CATEGORY_CODES)).toEqual(['1', '2', '3', '4']);
    expect(Object.fromEntries(Object.entries(INSURANCE_TYPE_CODES).map(([k, v]) => [k, v.zh]))).toEqual({
      '310': '职工基本医疗保险',
      '390': '城乡居民基本医疗保险',
      '391': '城镇居民基本医疗保险',
    });
  });

  it('an unknown code is data: returned with known: false, never an error', () => {
    expect(lookupCode(NATION_CODES, '77')).toEqual({ code: '77', zh: '未知代码 77', en: 'unknown code 77', known: false });
    expect(lookupCode(SEX_CODES, 'constructor').known).toBe(false);
  });
});
