/**
 * A conformance run as a JUnit report, written by the shared writer (src/qa/report/junit.ts): one
 * `testsuite` per conformance suite, one `testcase` per case (name = case id, classname =
 * `sscard.conformance.<suite>`), a failed check as `failure`, a reader or card that could not answer as
 * `error`, a skipped case as `skipped` with its reason. The exchanges of a failed case go into the
 * failure text (not `system-out`), so that the document is valid under both published schemas.
 */
import type { JUnitReport, JUnitTestCase } from '../../report/junit.js';
import type { CaseResult, RunReport } from '../types.js';

function exchangesText(r: CaseResult): string {
  const lines = [`${r.title}`, `checks: ${r.refs.join('; ')}`];
  for (const e of r.exchanges) lines.push(`> ${e.command}${e.label ? `   (${e.label})` : ''}`, `< ${e.response ?? `(${e.error ?? 'no answer'})`}`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  return lines.join('\n');
}

function testcase(r: CaseResult): JUnitTestCase {
  const base = { name: r.id, classname: `sscard.conformance.${r.suite}`, time: r.ms / 1000 };
  switch (r.outcome) {
    case 'failed':
      return { ...base, failure: { message: r.message ?? 'failed', type: 'ConformanceFailure', text: exchangesText(r) } };
    case 'error':
      return { ...base, error: { message: r.message ?? 'error', type: 'CardOrReaderError', text: exchangesText(r) } };
    case 'skipped':
      return { ...base, skipped: { message: r.message ?? 'skipped' } };
    case 'passed':
      return base;
  }
}

/** The JUnit report of a run. */
export function junitReportOf(report: RunReport, hostname?: string): JUnitReport {
  const properties: Record<string, string> = { target: report.target, atr: report.atr || '(none)' };
  if (report.faults.length) properties.faults = report.faults.join(' ');
  return {
    timestamp: report.startedAt,
    ...(hostname ? { hostname } : {}),
    suites: report.suites.map((suite) => {
      const results = report.results.filter((r) => r.suite === suite);
      return {
        name: suite,
        package: 'sscard.conformance',
        cases: results.map(testcase),
        time: results.reduce((t, r) => t + r.ms, 0) / 1000,
        properties,
      };
    }),
  };
}
