/**
 * Every built-in conformance case, by suite (`sscard conformance --suite …`), and the list docs and
 * `--list` print.
 */
import { PBOC_CASES } from './cases/pboc.js';
import { PKI_CASES } from './cases/pki.js';
import { PSAM_CASES } from './cases/psam.js';
import { QPBOC_CASES } from './cases/qpboc.js';
import { SSSE_CASES } from './cases/ssse.js';
import { SUITES, type ConformanceCase, type SuiteName } from './types.js';

/** The cases of each suite, in run order. */
export const CASES_BY_SUITE: Readonly<Record<SuiteName, readonly ConformanceCase[]>> = {
  ssse: SSSE_CASES,
  psam: PSAM_CASES,
  pki: PKI_CASES,
  pboc: PBOC_CASES,
  qpboc: QPBOC_CASES,
};

/** Parses `--suite`: one name, `all`, or a comma-separated list. @throws RangeError naming the unknown suite */
export function parseSuites(text: string): SuiteName[] {
  const names = text.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (names.length === 0) throw new RangeError(`--suite: give ${SUITES.join(', ')} or all`);
  if (names.includes('all')) return [...SUITES];
  for (const n of names) if (!(SUITES as readonly string[]).includes(n)) throw new RangeError(`--suite: unknown suite "${n}"; suites: ${SUITES.join(', ')}, all`);
  return SUITES.filter((s) => names.includes(s));
}

/** The cases of some suites, in suite order. Ids are unique (checked). */
export function casesOf(suites: readonly SuiteName[]): ConformanceCase[] {
  const out = suites.flatMap((s) => CASES_BY_SUITE[s]);
  const seen = new Set<string>();
  for (const c of out) {
    if (seen.has(c.id)) throw new Error(`conformance case id ${c.id} is used twice`);
    seen.add(c.id);
  }
  return out;
}
