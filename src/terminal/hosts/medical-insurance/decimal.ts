/**
 * Numbers of the national medical-insurance platform's interface (国家医疗保障信息平台接口规范, the
 * "数值型 p,s" fields; DOMAIN.md §4.1): one codec between the wire and sscard's integers.
 *
 * Inside sscard every decimal is an integer at its field's scale — amounts in fen (16,2), ratios in
 * 1/10000 (5,4), quantities in 1/10000 (16,4), unit prices in 1/1000000 yuan (16,6) — so that no
 * binary fraction ever meets money. On the wire a decimal is a JSON number (or, accepted on input, a
 * string of digits) with at most the field's number of decimals; on output it is a JSON number token
 * written with exactly the field's decimals (`12.30`, `0.8500`), which `stringifyWire` emits.
 */

/** Decimal places of the platform's numeric kinds. */
export const SCALE = { amount: 2, ratio: 4, count: 4, price: 6 } as const;
export type DecimalKind = keyof typeof SCALE;

/** Largest integer part accepted on input: 12 digits (999,999,999,999.99 yuan stays a safe integer in fen). */
const MAX_INTEGER_DIGITS = 12;

/**
 * Parses a decimal to an integer at `scale` decimals, or returns undefined when the text is not a
 * plain decimal (optional minus, digits, optional point and at most `scale` digits) or too large.
 */
export function parseScaled(text: string, scale: number): number | undefined {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return undefined;
  const [, sign, int, frac = ''] = m;
  if (frac.length > scale || int!.replace(/^0+(?=\d)/, '').length > MAX_INTEGER_DIGITS) return undefined;
  const units = Number(int) * 10 ** scale + (frac ? Number(frac.padEnd(scale, '0')) : 0);
  if (!Number.isSafeInteger(units)) return undefined;
  return sign ? -units : units;
}

/**
 * The text of a JSON number as it arrived. A number that JavaScript prints in exponent form (1e-7,
 * 1e21) is not a plain decimal and is refused by `parseScaled`.
 */
export function numberText(value: number): string {
  return Number.isFinite(value) ? String(value) : 'NaN';
}

/** Writes an integer at `scale` decimals as a plain decimal: `formatScaled(-1230, 2)` is `-12.30`. */
export function formatScaled(units: number, scale: number): string {
  if (!Number.isSafeInteger(units)) throw new RangeError(`formatScaled: units must be a safe integer, got ${units}`);
  const sign = units < 0 ? '-' : '';
  const digits = String(Math.abs(units)).padStart(scale + 1, '0');
  return scale === 0 ? sign + digits : `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** Fen as yuan with two decimals: `yuan(123456)` is `1234.56`. */
export function yuan(fen: number): string {
  return formatScaled(fen, SCALE.amount);
}

/**
 * Applies a ratio (in 1/10000) to an amount (in fen) and rounds half up to the fen: the policy's one
 * rounding rule (docs/medical-insurance-centre.md "Policy"). `applyRatio(1010, 8500)` = 859
 * (10.10 × 0.85 = 8.585 → 8.59).
 */
export function applyRatio(fen: number, ratio: number): number {
  if (!Number.isSafeInteger(fen) || fen < 0) throw new RangeError(`applyRatio: fen must be a non-negative safe integer, got ${fen}`);
  if (!Number.isInteger(ratio) || ratio < 0 || ratio > 10_000) throw new RangeError(`applyRatio: ratio must be 0..10000 (1/10000), got ${ratio}`);
  return Number((BigInt(fen) * BigInt(ratio) + 5000n) / 10000n);
}

/**
 * Quantity (1/10000) × unit price (1/1000000 yuan), rounded half up to the fen: what a fee detail's
 * det_item_fee_sumamt must be.
 */
export function lineAmount(count: number, price: number): number {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`lineAmount: count must be a non-negative safe integer, got ${count}`);
  if (!Number.isSafeInteger(price) || price < 0) throw new RangeError(`lineAmount: price must be a non-negative safe integer, got ${price}`);
  // 1e-4 × 1e-6 yuan = 1e-10 yuan = 1e-8 fen
  return Number((BigInt(count) * BigInt(price) + 50_000_000n) / 100_000_000n);
}

/** A JSON number written exactly as given (`12.30` keeps its trailing zero). */
export class WireNumber {
  constructor(readonly text: string) {
    if (!/^-?\d+(\.\d+)?$/.test(text)) throw new RangeError(`WireNumber: not a plain decimal: ${JSON.stringify(text)}`);
  }
}

/** An integer at a kind's scale, for the wire. */
export function wireDecimal(units: number, kind: DecimalKind): WireNumber {
  return new WireNumber(formatScaled(units, SCALE[kind]));
}

/**
 * JSON text of a value whose numbers may be `WireNumber`s (written verbatim). Plain objects, arrays,
 * strings, booleans, null and finite numbers as JSON.stringify writes them; `undefined` members are
 * left out. Anything else is a bug and throws.
 */
export function stringifyWire(value: unknown): string {
  if (value instanceof WireNumber) return value.text;
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`stringifyWire: ${value} is not a JSON number`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : stringifyWire(v))).join(',')}]`;
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const members = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}:${stringifyWire(v)}`);
    return `{${members.join(',')}}`;
  }
  throw new TypeError(`stringifyWire: cannot write ${Object.prototype.toString.call(value)}`);
}
