/**
 * `sscard trace <file> --html out.html`: the decoded trace as ONE self-contained HTML file — inline CSS
 * and a few lines of inline JavaScript, no network, no external fonts — so that it can be attached to a
 * bug report and opened anywhere. A timeline (one mark per exchange, placed by its time offset and sized
 * by its duration, coloured by its status word) above the list of exchanges; each exchange folds open to
 * its command and response with collapsible TLV trees.
 */
import { commandTitle, swText } from '../decode/render.js';
import type { DecodedResponse } from '../decode/exchange.js';
import type { Field } from '../decode/fields.js';
import type { DecodedItem, DecodedTrace } from './decoded-trace.js';

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Status word class: ok (9000), info (61xx), warn (62xx/63xx), error (anything else), none (no answer). */
export function swClass(r: DecodedResponse | undefined): 'ok' | 'info' | 'warn' | 'error' | 'none' {
  if (!r || r.sw < 0) return 'none';
  if (r.sw === 0x9000) return 'ok';
  const sw1 = r.sw >> 8;
  if (sw1 === 0x61) return 'info';
  if (sw1 === 0x62 || sw1 === 0x63) return 'warn';
  return 'error';
}

function fieldsHtml(fields: readonly Field[]): string {
  if (fields.length === 0) return '';
  const li = fields.map((f) => {
    const tag = /^[0-9A-F]{2,6}$/.test(f.key) ? `<span class="tag">${escapeHtml(f.key)}</span> ` : '';
    const name = `${tag}<span class="name">${escapeHtml(f.label)}</span>${f.zh ? ` <span class="zh">${escapeHtml(f.zh)}</span>` : ''}`;
    if (f.children && f.children.length > 0) {
      return `<li><details open><summary>${name} <span class="len">${f.length} bytes</span></summary>${fieldsHtml(f.children)}</details></li>`;
    }
    const value = f.value ?? f.hex;
    const text = f.text !== undefined && f.text !== value ? ` <span class="text">${escapeHtml(f.text)}</span>` : '';
    return `<li class="leaf">${name}: <code>${escapeHtml(value)}</code>${text}</li>`;
  });
  return `<ul class="tlv">${li.join('')}</ul>`;
}

function duration(micros: number | undefined): string {
  if (micros === undefined) return '';
  return micros >= 1000 ? `${(micros / 1000).toFixed(1)} ms` : `${micros} µs`;
}

function itemHtml(item: DecodedItem, showSource: boolean): string {
  const id = `e${item.index}`;
  const source = showSource ? `<span class="src">${escapeHtml(item.source)}</span>` : '';
  const offset = item.offsetMs !== undefined ? `<span class="off">+${item.offsetMs} ms</span>` : '';
  if (item.kind !== 'exchange' && item.kind !== 'error') {
    const what = item.kind.toUpperCase();
    const extra = [item.reader && `reader "${item.reader}"`, item.interface, item.protocol].filter(Boolean).join(', ');
    return `<div class="event" id="${id}"><span class="idx">#${item.index}</span>${source}${offset}<b>${what}</b> ${escapeHtml(extra)}${item.atr !== undefined ? ` ATR <code>${escapeHtml(item.atr)}</code>` : ''}</div>`;
  }
  const ex = item.exchange!;
  const cls = item.kind === 'error' ? 'none' : swClass(ex.response);
  const sw = ex.response ? `<span class="sw ${cls}">${escapeHtml(ex.response.swHex || '—')}</span>` : '<span class="sw none">no answer</span>';
  const body: string[] = [];
  body.push(`<div class="apdu"><span class="dir">&gt;</span> <code>${escapeHtml(ex.command.hex)}</code></div>`);
  if (ex.command.name) body.push(`<div class="spec">${escapeHtml(ex.command.name.spec)}</div>`);
  body.push(fieldsHtml(ex.command.fields));
  if (ex.response) {
    const r = ex.response;
    body.push(`<div class="apdu"><span class="dir">&lt;</span> <code>${escapeHtml(r.dataHex)}</code> <span class="sw ${cls}">${escapeHtml(swText(r))}</span></div>`);
    body.push(fieldsHtml(r.fields));
    if (r.note) body.push(`<div class="note">${escapeHtml(r.note)}</div>`);
  }
  if (item.error) body.push(`<div class="note error">no response: ${escapeHtml(item.error)}</div>`);
  return (
    `<details class="x ${cls}" id="${id}"><summary><span class="idx">#${item.index}</span>${source}${offset}` +
    `<span class="dur">${duration(item.micros)}</span><span class="title">${escapeHtml(commandTitle(ex))}</span>${sw}</summary>` +
    `<div class="body">${body.join('')}</div></details>`
  );
}

/** Timeline marks: position and width in percent of the trace's span. */
function timeline(trace: DecodedTrace): string {
  const marks = trace.items.filter((i) => i.kind === 'exchange' || i.kind === 'error');
  if (marks.length === 0) return '<div id="timeline" class="timeline empty">no exchanges</div>';
  // Place by wall-clock time where every mark has one, else one after the other. A trace record is
  // written when its exchange ends (src/apdu/layers/trace.ts): it started `micros` earlier.
  const timed = marks.every((m) => m.offsetMs !== undefined);
  let cursor = 0;
  const raw = marks.map((m) => {
    const len = Math.max((m.micros ?? 0) / 1000, 0);
    const start = timed ? m.offsetMs! - len : cursor;
    cursor = start + len;
    return { m, start, len };
  });
  const origin = Math.min(...raw.map((s) => s.start));
  const spans = raw.map((s) => ({ ...s, start: s.start - origin }));
  const total = Math.max(...spans.map((s) => s.start + s.len), 1e-3);
  const divs = spans.map(({ m, start, len }) => {
    const cls = m.kind === 'error' ? 'none' : swClass(m.exchange!.response);
    const left = ((start / total) * 100).toFixed(3);
    const width = Math.max((len / total) * 100, 0.25).toFixed(3);
    const title = `#${m.index} ${m.exchange!.command.label} ${m.exchange!.response?.swHex ?? 'no answer'} ${duration(m.micros)}`;
    return `<a class="mark ${cls}" href="#e${m.index}" data-index="${m.index}" style="left:${left}%;width:${width}%" title="${escapeHtml(title)}"></a>`;
  });
  return `<div id="timeline" class="timeline" aria-label="timeline of ${marks.length} exchanges">${divs.join('')}</div><div class="axis"><span>0 ms</span><span>${total.toFixed(1)} ms</span></div>`;
}

const CSS = `
:root{--ok:#2e7d32;--info:#1565c0;--warn:#ef8f00;--error:#c62828;--none:#424242;--bg:#fafafa;--fg:#212121;--mute:#757575}
*{box-sizing:border-box}body{margin:0;padding:16px 24px;font:14px/1.45 system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","Noto Sans",sans-serif;background:var(--bg);color:var(--fg)}
h1{font-size:18px;margin:0 0 4px}.sub{color:var(--mute);margin-bottom:12px}
code{font:12px/1.4 ui-monospace,"DejaVu Sans Mono",monospace;word-break:break-all}
.timeline{position:relative;height:28px;background:#e0e0e0;border-radius:4px;overflow:hidden;margin:8px 0 2px}
.timeline.empty{display:flex;align-items:center;justify-content:center;color:var(--mute)}
.mark{position:absolute;top:3px;bottom:3px;min-width:3px;border-radius:2px;opacity:.9}
.mark:hover,.mark.sel{top:0;bottom:0;opacity:1;outline:2px solid #000}
.axis{display:flex;justify-content:space-between;color:var(--mute);font-size:11px;margin-bottom:12px}
.ok{--c:var(--ok)}.info{--c:var(--info)}.warn{--c:var(--warn)}.error{--c:var(--error)}.none{--c:var(--none)}
.mark{background:var(--c)}
.tools{margin:8px 0;display:flex;gap:8px;align-items:center}
.tools input{flex:1;max-width:360px;padding:4px 8px;border:1px solid #bdbdbd;border-radius:4px}
.tools button{padding:4px 10px;border:1px solid #bdbdbd;background:#fff;border-radius:4px;cursor:pointer}
details.x{background:#fff;border:1px solid #e0e0e0;border-left:4px solid var(--c);border-radius:4px;margin:4px 0}
details.x>summary{cursor:pointer;padding:6px 10px;display:flex;gap:10px;align-items:baseline;list-style:none}
details.x>summary::-webkit-details-marker{display:none}
details.x[open]>summary{border-bottom:1px solid #eee}
.idx{color:var(--mute);min-width:3em}.src{background:#eceff1;border-radius:3px;padding:0 6px;font-size:12px}
.off,.dur{color:var(--mute);font-size:12px;min-width:5em}.title{flex:1}
.sw{font:12px ui-monospace,monospace;color:#fff;background:var(--c);border-radius:3px;padding:1px 6px;white-space:nowrap}
.body{padding:6px 12px 10px}.apdu{margin:4px 0}.dir{font-weight:bold;color:var(--mute)}
.spec{color:var(--mute);font-size:12px}.note{color:var(--warn);font-size:12px}.note.error{color:var(--error)}
ul.tlv{list-style:none;margin:2px 0 2px 4px;padding-left:14px;border-left:1px dotted #bdbdbd}
ul.tlv summary{cursor:pointer}.tag{font:12px ui-monospace,monospace;color:#6a1b9a}.zh{color:#00695c}
.len{color:var(--mute);font-size:12px}.text{color:#1565c0}
.event{padding:4px 10px;margin:4px 0;background:#eceff1;border-radius:4px;display:flex;gap:10px;align-items:baseline}
.hidden{display:none}
`;

const SCRIPT = `
(function(){
  var entries = Array.prototype.slice.call(document.querySelectorAll('details.x'));
  function all(open){ entries.forEach(function(d){ d.open = open; }); }
  document.getElementById('expand').addEventListener('click', function(){ all(true); });
  document.getElementById('collapse').addEventListener('click', function(){ all(false); });
  var filter = document.getElementById('filter');
  filter.addEventListener('input', function(){
    var q = filter.value.toLowerCase();
    entries.forEach(function(d){ d.classList.toggle('hidden', q !== '' && d.textContent.toLowerCase().indexOf(q) < 0); });
  });
  Array.prototype.forEach.call(document.querySelectorAll('.mark'), function(m){
    m.addEventListener('click', function(){
      var d = document.getElementById('e' + m.getAttribute('data-index'));
      if (d) { d.open = true; }
      Array.prototype.forEach.call(document.querySelectorAll('.mark.sel'), function(s){ s.classList.remove('sel'); });
      m.classList.add('sel');
    });
  });
})();
`;

/** Renders a decoded trace as a self-contained HTML document. */
export function traceHtml(trace: DecodedTrace): string {
  const showSource = trace.sources.length > 1;
  const summary = trace.sources
    .map((s) => `${escapeHtml(s.source)}: ${s.exchanges} exchange${s.exchanges === 1 ? '' : 's'}${s.errors ? `, ${s.errors} failed` : ''}, ${duration(s.micros)} in the card${s.atr ? `, ATR <code>${escapeHtml(s.atr)}</code>` : ''}`)
    .join(' · ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>${escapeHtml(`sscard trace — ${trace.name}`)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>sscard trace — ${escapeHtml(trace.name)}</h1>
<div class="sub">${summary || 'no exchanges'}${trace.skipped ? ` · ${trace.skipped} other log lines skipped` : ''}</div>
${timeline(trace)}
<div class="tools"><input id="filter" type="search" placeholder="filter (command, tag, hex, 状态…)" aria-label="filter"><button id="expand" type="button">expand all</button><button id="collapse" type="button">collapse all</button></div>
<main id="entries">
${trace.items.map((i) => itemHtml(i, showSource)).join('\n')}
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
