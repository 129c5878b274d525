// docs/qa-conformance.md lists every conformance case with its sections and risk, as the catalogue has them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CASES_BY_SUITE } from '../../../src/qa/conformance/catalogue.js';

const doc = readFileSync(new URL('../../../docs/qa-conformance.md', import.meta.url), 'utf8');
const rows = new Map(
  [...doc.matchAll(/^\| `([a-z0-9.-]+)` \| (.*) \| (.*) \| (.*) \|$/gm)].map((m) => [m[1]!, { sections: m[3]!, risk: m[4]!.replace(/\*/g, '').trim() || 'none' }]),
);

describe('docs/qa-conformance.md', () => {
  const cases = Object.values(CASES_BY_SUITE).flat();
  it('has one row per case, no more', () => {
    expect([...rows.keys()].sort()).toEqual(cases.map((c) => c.id).sort());
  });
  it('gives each case the sections and the risk of the catalogue', () => {
    for (const c of cases) expect(rows.get(c.id), c.id).toEqual({ sections: c.refs.join('; '), risk: c.risk });
  });
  it('says how many cases each suite has', () => {
    for (const [suite, list] of Object.entries(CASES_BY_SUITE)) expect(doc).toMatch(new RegExp(`### \`${suite}\` — .*, ${list.length} cases`));
  });
});
