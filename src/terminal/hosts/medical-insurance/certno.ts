/**
 * The social security number (社会保障号码), which is the citizen identity number of GB 11643-1999:
 * 6-digit region, 8-digit birth date, 3-digit sequence (odd for men), check character (ISO 7064
 * MOD 11-2). The centre checks it at enrolment and reads sex and birth date from it.
 */

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** Whether an 18-character ID number is well formed and its check character right. */
export function isValidCertno(certno: string): boolean {
  if (!/^\d{17}[\dX]$/.test(certno)) return false;
  const sum = WEIGHTS.reduce((s, w, i) => s + w * Number(certno[i]), 0);
  if (CHECK[sum % 11] !== certno[17]) return false;
  const [y, m, d] = [Number(certno.slice(6, 10)), Number(certno.slice(10, 12)), Number(certno.slice(12, 14))];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** 性别 gend from the sequence digit: 1 male, 2 female. */
export function sexOfCertno(certno: string): '1' | '2' {
  return Number(certno[16]) % 2 === 1 ? '1' : '2';
}

/** 出生日期 brdy (yyyy-MM-dd) from the ID number. */
export function birthDateOfCertno(certno: string): string {
  return `${certno.slice(6, 10)}-${certno.slice(10, 12)}-${certno.slice(12, 14)}`;
}
