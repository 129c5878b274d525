/**
 * zod types of the platform's field kinds (DOMAIN.md §4.1): each validates the wire form and yields
 * sscard's inside form (`decimal.ts`). Used by the envelope's input schemas, the policy and catalogue
 * files and the bill format, so that a field means one thing everywhere.
 */
import { z } from 'zod';
import { numberText, parseScaled, SCALE, type DecimalKind } from './decimal.js';

const DESCRIBE: Record<DecimalKind, string> = {
  amount: 'an amount in yuan with at most 2 decimals',
  ratio: 'a ratio 0..1 with at most 4 decimals',
  count: 'a quantity with at most 4 decimals',
  price: 'a unit price in yuan with at most 6 decimals',
};

/**
 * A decimal of a kind, as a JSON number or a string of digits, yielding the integer at the kind's
 * scale. Negative values are refused (the centre simulates no refund lines).
 */
export function decimalField(kind: DecimalKind) {
  return z.union([z.string(), z.number()]).transform((value, ctx) => {
    const text = typeof value === 'number' ? numberText(value) : value;
    const units = parseScaled(text, SCALE[kind]);
    if (units === undefined || units < 0 || (kind === 'ratio' && units > 10_000)) {
      ctx.addIssue({ code: 'custom', message: `expected ${DESCRIBE[kind]}, got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    return units;
  });
}

export const amountField = decimalField('amount');
export const ratioField = decimalField('ratio');
export const countField = decimalField('count');
export const priceField = decimalField('price');

/** A 6-digit administrative division code (医保区划 admdvs). */
export const admdvsField = z.string().regex(/^\d{6}$/, 'expected a 6-digit region code (医保区划)');

/** `yyyy-MM-dd HH:mm:ss` (日期时间型). */
export const dateTimeField = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/, 'expected yyyy-MM-dd HH:mm:ss');

/** `yyyy-MM-dd` (日期型). */
export const dateField = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'expected yyyy-MM-dd');

/** A code from one of the dictionaries in codes.ts. */
export function codeField<T extends string>(table: Readonly<Record<T, unknown>>, what: string) {
  const codes = Object.keys(table) as T[];
  return z.string().refine((v): v is T => (codes as string[]).includes(v), { message: `expected ${what} (${codes.join(', ')})` }) as unknown as z.ZodType<T, string>;
}

/** A non-empty identifier of at most `max` characters (字符型 n). */
export function idField(max: number) {
  return z.string().min(1, 'must not be empty').max(max, `at most ${max} characters`);
}

/** '0' or '1' (标志). */
export const flagField = z.enum(['0', '1'], { message: "expected '0' or '1'" });

/** Formats zod issues as one line: `input.data.medfee_sumamt: expected …; input.data.psn_no: …`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], prefix = ''): string {
  const shown = issues.slice(0, 3).map((i) => {
    const path = [prefix, ...i.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))]
      .filter(Boolean)
      .join('.')
      .replace(/\.\[/g, '[');
    return `${path || '(top level)'}: ${issueMessage(i)}`;
  });
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : '';
  return shown.join('; ') + more;
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    const received = (issue as { input?: unknown }).input;
    const expected = issue.expected === 'record' ? 'object' : issue.expected;
    return received === undefined ? `required (${expected})` : `expected ${expected}, got ${describeValue(received)}`;
  }
  return issue.message;
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}
