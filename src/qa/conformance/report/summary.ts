/**
 * The summary a conformance run prints: one row per suite (cases, passed, failed, errors, skipped), the
 * failed cases with their one-line messages, and the skip reasons grouped — width-aware (cli-table3 wraps
 * by display width, so Chinese text in messages keeps the columns straight).
 */
import Table from 'cli-table3';
import stringWidth from 'string-width';
import { countResults, type CaseResult, type RunReport } from '../types.js';

export interface SummaryOptions {
  /** Terminal width in columns (default 100). */
  width?: number;
}

function table(head: string[], rows: string[][], widths: number[]): string {
  const t = new Table({
    head,
    colWidths: widths,
    wordWrap: true,
    wrapOnWordBoundary: true,
    style: { head: [], border: [], compact: true },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const r of rows) t.push(r);
  return t.toString();
}

/** Groups skipped cases by reason (the reason's text), most frequent first. */
export function skipReasons(results: readonly CaseResult[]): { reason: string; cases: string[] }[] {
  const by = new Map<string, string[]>();
  for (const r of results) if (r.outcome === 'skipped') by.set(r.message ?? 'skipped', [...(by.get(r.message ?? 'skipped') ?? []), r.id]);
  return [...by.entries()].map(([reason, cases]) => ({ reason, cases })).sort((a, b) => b.cases.length - a.cases.length);
}

/** The summary text of a run. */
export function summaryText(report: RunReport, options: SummaryOptions = {}): string {
  const width = Math.max(60, options.width ?? 100);
  const out: string[] = [];
  const all = countResults(report.results);
  out.push(`sscard conformance — ${report.target}${report.atr ? `, ATR ${report.atr}` : ''}`);
  if (report.faults.length) out.push(`faults: ${report.faults.join('  ')}`);
  out.push(`${all.total} cases in ${(report.ms / 1000).toFixed(1)} s: ${all.passed} passed, ${all.failed} failed, ${all.error} errors, ${all.skipped} skipped`);
  out.push('');
  const rows = report.suites.map((s) => {
    const c = countResults(report.results.filter((r) => r.suite === s));
    return [s, String(c.total), String(c.passed), String(c.failed), String(c.error), String(c.skipped)];
  });
  rows.push(['total', String(all.total), String(all.passed), String(all.failed), String(all.error), String(all.skipped)]);
  out.push(table(['suite', 'cases', 'passed', 'failed', 'errors', 'skipped'], rows, [10, 8, 8, 8, 8, 9]));
  const bad = report.results.filter((r) => r.outcome === 'failed' || r.outcome === 'error');
  if (bad.length) {
    out.push('');
    out.push('Failed:');
    const idWidth = Math.min(34, Math.max(...bad.map((r) => stringWidth(r.id))) + 2);
    const outcomeWidth = 9;
    const messageWidth = Math.max(20, width - idWidth - outcomeWidth - 4);
    out.push(table(['case', 'outcome', 'message'], bad.map((r) => [r.id, r.outcome === 'error' ? 'error' : 'failed', r.message ?? '']), [idWidth, outcomeWidth, messageWidth]));
  }
  const skips = skipReasons(report.results);
  if (skips.length) {
    out.push('');
    out.push('Skipped:');
    const countWidth = 8;
    out.push(table(['cases', 'reason'], skips.map((s) => [String(s.cases.length), s.reason]), [countWidth, Math.max(20, width - countWidth - 3)]));
  }
  return `${out.join('\n')}\n`;
}
