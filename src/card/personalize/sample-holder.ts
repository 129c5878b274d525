/**
 * An invented cardholder for `sscard card new` without `--holder`: valid ID number (GB 11643 check
 * digit, birthplace = the issuer's region), valid card number (check character), a GBK name from a list
 * of invented names. Deterministic for a given random source.
 */
import type { RandomSource } from '../../env.js';
import { cardNumberCheckChar, idNumberCheckDigit } from '../apps/ssse/check-digits.js';
import type { Holder } from './holder.js';
import type { Profile } from './profile.js';

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周'];
const GIVEN = ['建华', '秀英', '志强', '丽娟', '海涛', '晓梅', '国庆', '文静', '明', '婷'];
const ALNUM = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';

function pick<T>(random: RandomSource, list: readonly T[]): T {
  return list[random(1)[0]! % list.length]!;
}

function digits(random: RandomSource, n: number): string {
  return Array.from(random(n), (b) => String(b % 10)).join('');
}

/** Creates an invented, valid holder for a profile. */
export function sampleHolder(profile: Profile, random: RandomSource): Holder {
  const r = random(4);
  const year = 1950 + (r[0]! % 56);
  const month = 1 + (r[1]! % 12);
  const day = 1 + (r[2]! % 28);
  const sex = r[3]! % 2 === 0 ? '2' : '1';
  const birthDate = `${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`;
  const region = profile.issuer.regionCode;
  let seq = digits(random, 3);
  // the 17th digit is odd for men, even for women
  const last = Number(seq[2]);
  if ((last % 2 === 1) !== (sex === '1')) seq = seq.slice(0, 2) + String((last + 1) % 10);
  const idBody = `${region}${birthDate}${seq}`;
  const cardBody = pick(random, ALNUM.slice(10).split('')) + Array.from(random(7), (b) => ALNUM[b % ALNUM.length]).join('');
  return {
    idNumber: idBody + idNumberCheckDigit(idBody),
    name: pick(random, SURNAMES) + pick(random, GIVEN),
    sex,
    ethnicity: '01',
    birthplace: region,
    birthDate,
    cardNumber: cardBody + cardNumberCheckChar(cardBody),
    cardCategory: year <= 1961 ? '4' : '3',
    personId: `${region}${digits(random, 6)}`,
    firstApplicationRegion: region,
  };
}
