/**
 * Check characters of the identifiers printed on and stored in the card.
 *
 * - 社会保障卡卡号 (card number, DOMAIN.md §1.2): 8 characters and a check character. Weights
 *   3,7,9,10,5,8,4,2; C9 = 11 − (Σ Ci·Wi mod 11); 10 is written 'X', 11 is written '0'; digits count as
 *   their value and letters A=10 … Z=35.
 * - 公民身份号码 (GB 11643-1999, also the 社会保障号码): 17 digits and a check digit, ISO 7064 MOD 11-2
 *   with weights 2^(17-i) mod 11; a result of 10 is written 'X'.
 */

const CARD_NUMBER_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2] as const;
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const ID_CHECK = '10X98765432';

function charValue(c: string): number {
  const code = c.charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 90) return code - 55;
  return -1;
}

/**
 * Computes the check character of a card number (DOMAIN.md §1.2).
 * @param body the first 8 characters (digits and upper-case letters)
 */
export function cardNumberCheckChar(body: string): string {
  if (typeof body !== 'string' || !/^[0-9A-Z]{8}$/.test(body)) {
    throw new RangeError(`cardNumberCheckChar: body must be 8 characters 0-9/A-Z, got ${JSON.stringify(body)}`);
  }
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += charValue(body[i]!) * CARD_NUMBER_WEIGHTS[i]!;
  const c9 = 11 - (sum % 11);
  return c9 === 10 ? 'X' : c9 === 11 ? '0' : String(c9);
}

/** True when `cardNumber` is 9 characters whose last one is the check character of the first 8. */
export function isValidCardNumber(cardNumber: string): boolean {
  if (typeof cardNumber !== 'string' || !/^[0-9A-Z]{8}[0-9X]$/.test(cardNumber)) return false;
  return cardNumberCheckChar(cardNumber.slice(0, 8)) === cardNumber[8];
}

/**
 * Computes the GB 11643 check digit of a citizen ID number.
 * @param body the first 17 digits
 */
export function idNumberCheckDigit(body: string): string {
  if (typeof body !== 'string' || !/^\d{17}$/.test(body)) {
    throw new RangeError(`idNumberCheckDigit: body must be 17 digits, got ${JSON.stringify(body)}`);
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (body.charCodeAt(i) - 48) * ID_WEIGHTS[i]!;
  return ID_CHECK[sum % 11]!;
}

/** True when `id` is 17 digits followed by its GB 11643 check digit (0-9 or X). */
export function isValidIdNumber(id: string): boolean {
  if (typeof id !== 'string' || !/^\d{17}[0-9X]$/.test(id)) return false;
  return idNumberCheckDigit(id.slice(0, 17)) === id[17];
}
