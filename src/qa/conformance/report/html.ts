/**
 * `sscard conformance --html report.html`: the run as ONE self-contained HTML file — inline CSS and a few
 * lines of inline JavaScript (a filter by outcome), no network (a Content-Security-Policy forbids any
 * fetch), no external fonts — so that it can be attached to a ticket and opened anywhere. The summary
 * (counts per outcome and per suite) comes first; every case folds open to its checks, its message and its
 * exchanges.
 */
import { countResults, type CaseResult, type RunReport } from '../types.js';
import { skipReasons } from './summary.js';

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const CSS = `
:root { --ok:#1a7f37; --fail:#cf222e; --err:#9a6700; --skip:#6e7781; --line:#d0d7de; --bg:#f6f8fa; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", sans-serif; margin: 0; color: #1f2328; background: #fff; }
header { padding: 20px 28px; border-bottom: 1px solid var(--line); background: var(--bg); }
h1 { font-size: 22px; margin: 0 0 6px; }
.meta { color: #57606a; word-break: break-all; }
.tiles { display: flex; gap: 12px; margin: 16px 0 4px; flex-wrap: wrap; }
.tile { min-width: 120px; padding: 10px 14px; border-radius: 8px; color: #fff; }
.tile b { display: block; font-size: 26px; line-height: 1.1; }
.tile.passed { background: var(--ok); } .tile.failed { background: var(--fail); } .tile.error { background: var(--err); } .tile.skipped { background: var(--skip); } .tile.total { background: #0969da; }
main { padding: 16px 28px 40px; }
table { border-collapse: collapse; margin: 8px 0 18px; }
th, td { border: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: var(--bg); }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.filters { margin: 10px 0; }
.filters button { margin-right: 6px; padding: 4px 10px; border: 1px solid var(--line); background: #fff; border-radius: 6px; cursor: pointer; }
.filters button.on { background: #0969da; color: #fff; border-color: #0969da; }
h2 { font-size: 17px; margin: 22px 0 6px; }
details.case { border: 1px solid var(--line); border-radius: 6px; margin: 4px 0; background: #fff; }
details.case > summary { padding: 5px 10px; cursor: pointer; list-style: none; display: flex; gap: 10px; align-items: baseline; }
details.case > summary::-webkit-details-marker { display: none; }
.badge { font-size: 12px; font-weight: 600; padding: 1px 7px; border-radius: 10px; color: #fff; min-width: 56px; text-align: center; }
.badge.passed { background: var(--ok); } .badge.failed { background: var(--fail); } .badge.error { background: var(--err); } .badge.skipped { background: var(--skip); }
.id { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; }
.title { color: #57606a; flex: 1; }
.ms { color: #8c959f; font-size: 12px; }
.body { padding: 4px 14px 10px; border-top: 1px solid var(--line); }
.msg { font-weight: 600; margin: 6px 0; word-break: break-word; }
.msg.failed { color: var(--fail); } .msg.error { color: var(--err); } .msg.skipped { color: var(--skip); }
table.x td { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; word-break: break-all; }
.refs { color: #57606a; }
`;

const SCRIPT = `
document.querySelectorAll('.filters button').forEach(function (b) {
  b.addEventListener('click', function () {
    document.querySelectorAll('.filters button').forEach(function (x) { x.classList.toggle('on', x === b); });
    var want = b.getAttribute('data-show');
    document.querySelectorAll('details.case').forEach(function (d) {
      d.style.display = want === 'all' || d.getAttribute('data-outcome') === want || (want === 'failed' && d.getAttribute('data-outcome') === 'error') ? '' : 'none';
    });
  });
});
`;

function caseHtml(r: CaseResult): string {
  const rows = r.exchanges
    .map((e) => `<tr><td>${escapeHtml(e.label ?? '')}</td><td>${escapeHtml(e.command)}</td><td>${escapeHtml(e.response ?? `(${e.error ?? 'no answer'})`)}</td><td class="n">${e.ms.toFixed(1)}</td></tr>`)
    .join('');
  const exchanges = rows ? `<table class="x"><tr><th>step</th><th>command</th><th>response</th><th>ms</th></tr>${rows}</table>` : '';
  const notes = r.notes.map((n) => `<div>note: ${escapeHtml(n)}</div>`).join('');
  const message = r.message ? `<div class="msg ${r.outcome}">${escapeHtml(r.message)}</div>` : '';
  const risk = r.risk !== 'none' ? ` · risk: ${escapeHtml(r.risk)}${r.ranOn === 'copy' ? ' (ran on a fresh copy)' : ''}` : '';
  return (
    `<details class="case" data-outcome="${r.outcome}"${r.outcome === 'failed' || r.outcome === 'error' ? ' open' : ''}>` +
    `<summary><span class="badge ${r.outcome}">${r.outcome}</span><span class="id">${escapeHtml(r.id)}</span><span class="title">${escapeHtml(r.title)}</span><span class="ms">${r.ms.toFixed(1)} ms</span></summary>` +
    `<div class="body">${message}<div class="refs">checks: ${escapeHtml(r.refs.join('; '))}${risk}</div>${notes}${exchanges}</div></details>`
  );
}

/** The HTML report of a run (UTF-8 text). */
export function htmlReport(report: RunReport): string {
  const all = countResults(report.results);
  const tiles = (['total', 'passed', 'failed', 'error', 'skipped'] as const)
    .map((k) => `<div class="tile ${k}"><b>${all[k]}</b>${k === 'error' ? 'errors' : k}</div>`)
    .join('');
  const suiteRows = report.suites
    .map((s) => {
      const c = countResults(report.results.filter((r) => r.suite === s));
      return `<tr><td>${escapeHtml(s)}</td><td class="n">${c.total}</td><td class="n">${c.passed}</td><td class="n">${c.failed}</td><td class="n">${c.error}</td><td class="n">${c.skipped}</td></tr>`;
    })
    .join('');
  const skips = skipReasons(report.results)
    .map((s) => `<tr><td class="n">${s.cases.length}</td><td>${escapeHtml(s.reason)}</td></tr>`)
    .join('');
  const sections = report.suites
    .map((s) => {
      const cases = report.results.filter((r) => r.suite === s);
      return cases.length ? `<h2>${escapeHtml(s)}</h2>${cases.map(caseHtml).join('')}` : '';
    })
    .join('');
  const faults = report.faults.length ? `<div class="meta">faults: ${escapeHtml(report.faults.join('  '))}</div>` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sscard conformance — ${escapeHtml(report.target)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>sscard conformance report</h1>
<div class="meta">${escapeHtml(report.target)}${report.atr ? ` · ATR ${escapeHtml(report.atr)}` : ''}</div>
<div class="meta">${escapeHtml(report.startedAt.toISOString())} · ${(report.ms / 1000).toFixed(1)} s · suites: ${escapeHtml(report.suites.join(', '))}</div>
${faults}
<div class="tiles" id="summary">${tiles}</div>
</header>
<main>
<table id="suites"><tr><th>suite</th><th>cases</th><th>passed</th><th>failed</th><th>errors</th><th>skipped</th></tr>${suiteRows}
<tr><th>total</th><th class="n">${all.total}</th><th class="n">${all.passed}</th><th class="n">${all.failed}</th><th class="n">${all.error}</th><th class="n">${all.skipped}</th></tr></table>
${skips ? `<table><tr><th>skipped</th><th>reason</th></tr>${skips}</table>` : ''}
<div class="filters"><button class="on" data-show="all">all</button><button data-show="failed">failed</button><button data-show="skipped">skipped</button><button data-show="passed">passed</button></div>
${sections}
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
