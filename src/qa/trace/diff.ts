/**
 * Golden-trace comparison (`sscard trace diff`). Both traces are decoded; in every exchange the fields
 * that are expected to vary (volatile.ts) are masked; the two sequences of exchanges are aligned by
 * source, command name and masked command (longest common subsequence), and what remains is reported:
 * an exchange whose response differs (status word, fields), one whose command differs, exchanges
 * missing from or added in the second trace, and a different ATR.
 */
import { commandTitle, swText } from '../decode/render.js';
import type { DecodedExchange } from '../decode/exchange.js';
import type { Field } from '../decode/fields.js';
import { decodeTrace, type DecodedItem } from './decoded-trace.js';
import type { Trace } from './trace-file.js';
import { maskVolatile, rulesFor } from './volatile.js';

export interface DiffOptions {
  /** Compare every byte (no volatile fields). */
  strict?: boolean;
}

/** One entry of a trace, as the diff refers to it. */
export interface DiffSide {
  index: number;
  line: number;
  source: string;
  title: string;
}

export interface DiffEntry {
  kind: 'response-differs' | 'command-differs' | 'missing' | 'added' | 'atr-differs' | 'outcome-differs';
  /** The golden trace's entry (absent for `added`). */
  golden?: DiffSide;
  /** The other trace's entry (absent for `missing`). */
  actual?: DiffSide;
  /** What differs, one line each. */
  details: string[];
}

export interface IgnoredField {
  field: string;
  why: string;
  /** How many times it was masked (both traces). */
  count: number;
}

export interface TraceDiff {
  golden: string;
  actual: string;
  /** Exchanges in each trace. */
  exchanges: { golden: number; actual: number };
  same: boolean;
  differences: number;
  entries: DiffEntry[];
  ignored: IgnoredField[];
}

/** An entry prepared for comparison. */
interface Comparable {
  item: DecodedItem;
  /** Alignment key: source, kind, command name, masked command. */
  key: string;
  /** What must be equal once aligned: masked response (exchanges), ATR (connect/reset). */
  body: string;
}

type Ignored = Map<string, IgnoredField>;

/** Masks the volatile bytes (volatile.ts) unless strict; counts what was masked. */
function mask(dataHex: string, fields: readonly Field[], rules: ReturnType<typeof rulesFor>, ignored: Ignored, strict: boolean): string {
  if (strict) return dataHex;
  const { masked, hits } = maskVolatile(dataHex, fields, rules);
  for (const h of hits) {
    const k = `${h.field}\u0000${h.why}`;
    const entry = ignored.get(k) ?? { field: h.field, why: h.why, count: 0 };
    entry.count++;
    ignored.set(k, entry);
  }
  return masked;
}

function comparable(item: DecodedItem, ignored: Ignored, strict: boolean): Comparable | undefined {
  if (item.kind === 'connect' || item.kind === 'reset') return { item, key: `${item.source}|${item.kind}`, body: item.atr ?? '' };
  if (item.kind === 'disconnect') return undefined;
  const ex = item.exchange!;
  const c = ex.command;
  const header = c.hex.slice(0, 8);
  const commandData = mask(c.dataHex, c.fields, rulesFor(c, 'command'), ignored, strict);
  const key = `${item.source}|${c.label}|${header}|${commandData}|${c.ne ?? ''}|${c.error ? c.hex : ''}`;
  if (item.kind === 'error') return { item, key, body: `no response: ${item.error}` };
  const r = ex.response!;
  return { item, key, body: `${mask(r.dataHex, r.fields, rulesFor(c, 'response'), ignored, strict)}|${r.swHex}` };
}

function side(item: DecodedItem): DiffSide {
  const title = item.exchange ? commandTitle(item.exchange) : item.kind.toUpperCase();
  return { index: item.index, line: item.line, source: item.source, title };
}

/** Longest common subsequence of two key lists: pairs of indices. */
function lcs(a: readonly string[], b: readonly string[]): Array<[number, number]> {
  const m = a.length;
  const n = b.length;
  const table = new Uint32Array((m + 1) * (n + 1));
  const at = (i: number, j: number) => i * (n + 1) + j;
  for (let i = m - 1; i >= 0; i--) {
    for (let j = n - 1; j >= 0; j--) {
      table[at(i, j)] = a[i] === b[j] ? table[at(i + 1, j + 1)]! + 1 : Math.max(table[at(i + 1, j)]!, table[at(i, j + 1)]!);
    }
  }
  const pairs: Array<[number, number]> = [];
  let i = 0;
  let j = 0;
  while (i < m && j < n) {
    if (a[i] === b[j]) {
      pairs.push([i++, j++]);
    } else if (table[at(i + 1, j)]! >= table[at(i, j + 1)]!) i++;
    else j++;
  }
  return pairs;
}

/** Field-level differences of two decoded data trees, by path of keys (one line each). */
function fieldDifferences(a: readonly Field[], b: readonly Field[], maskedA: string, maskedB: string, path = ''): string[] {
  const out: string[] = [];
  const index = (fs: readonly Field[]) => {
    const m = new Map<string, Field>();
    const seen = new Map<string, number>();
    for (const f of fs) {
      const n = (seen.get(f.key) ?? 0) + 1;
      seen.set(f.key, n);
      m.set(n === 1 ? f.key : `${f.key}#${n}`, f);
    }
    return m;
  };
  const ia = index(a);
  const ib = index(b);
  const maskedValue = (f: Field, masked: string) => masked.slice(2 * f.offset, 2 * (f.offset + f.length));
  for (const [k, fa] of ia) {
    const fb = ib.get(k);
    const name = `${path}${fa.key}${fa.label !== fa.key ? ` ${fa.label}` : ''}${fa.zh ? ` ${fa.zh}` : ''}`;
    if (!fb) {
      out.push(`${name}: only in the golden trace (${fa.value ?? fa.hex})`);
      continue;
    }
    if (maskedValue(fa, maskedA) === maskedValue(fb, maskedB)) continue;
    if (fa.children && fb.children) {
      const inner = fieldDifferences(fa.children, fb.children, maskedA, maskedB, `${path}${fa.key} › `);
      if (inner.length > 0) {
        out.push(...inner);
        continue;
      }
    }
    const show = (f: Field) => `${f.value ?? f.hex}${f.text !== undefined ? ` (${f.text})` : ''}`;
    out.push(`${name}: ${show(fa)} → ${show(fb)}`);
  }
  for (const [k, fb] of ib) {
    if (!ia.has(k)) out.push(`${path}${fb.key}${fb.label !== fb.key ? ` ${fb.label}` : ''}: only in the second trace (${fb.value ?? fb.hex})`);
  }
  return out;
}

function responseDetails(ga: DecodedExchange, gb: DecodedExchange, bodyA: string, bodyB: string): string[] {
  const ra = ga.response!;
  const rb = gb.response!;
  const details: string[] = [];
  if (ra.sw !== rb.sw) details.push(`status word: ${swText(ra)} → ${swText(rb)}`);
  const [maskedA] = bodyA.split('|');
  const [maskedB] = bodyB.split('|');
  if (maskedA !== maskedB) {
    const fields = ra.fields.length > 0 && rb.fields.length > 0 ? fieldDifferences(ra.fields, rb.fields, maskedA!, maskedB!) : [];
    if (fields.length > 0) details.push(...fields);
    else details.push(`data: ${maskedA || '(none)'} → ${maskedB || '(none)'}`);
  }
  return details;
}

/**
 * Compares a trace with a golden one. Exchanges are aligned per (source, command name, masked
 * command); unmatched exchanges between two aligned ones are paired when they carry the same command
 * name at the same place (their command differs), else reported as missing or added.
 */
export function diffTraces(golden: Trace, actual: Trace, options: DiffOptions = {}): TraceDiff {
  const strict = options.strict ?? false;
  const ignored: Ignored = new Map();
  const a = decodeTrace(golden).items.map((i) => comparable(i, ignored, strict)).filter((c): c is Comparable => c !== undefined);
  const b = decodeTrace(actual).items.map((i) => comparable(i, ignored, strict)).filter((c): c is Comparable => c !== undefined);
  const pairs = lcs(
    a.map((c) => c.key),
    b.map((c) => c.key),
  );
  const entries: DiffEntry[] = [];
  const name = (c: Comparable) => `${c.item.source}|${c.item.exchange?.command.label ?? c.item.kind}`;
  const gap = (ga: Comparable[], gb: Comparable[]) => {
    const rest = [...gb];
    for (const x of ga) {
      // the next unmatched exchange of the other trace, with the same command: its command differs
      if (rest.length > 0 && name(rest[0]!) === name(x)) {
        const y = rest.shift()!;
        if (x.item.kind === 'connect' || x.item.kind === 'reset') {
          entries.push({ kind: 'atr-differs', golden: side(x.item), actual: side(y.item), details: [`ATR: ${x.body} → ${y.body}`] });
        } else {
          const cx = x.item.exchange!.command;
          const cy = y.item.exchange!.command;
          entries.push({ kind: 'command-differs', golden: side(x.item), actual: side(y.item), details: [`command: ${cx.hex} → ${cy.hex}`, ...commandFieldDetails(x, y)] });
        }
        continue;
      }
      entries.push({ kind: 'missing', golden: side(x.item), details: [`${x.item.exchange ? x.item.exchange.command.hex : x.body}`] });
    }
    for (const y of rest) entries.push({ kind: 'added', actual: side(y.item), details: [`${y.item.exchange ? y.item.exchange.command.hex : y.body}`] });
  };
  let ia = 0;
  let ib = 0;
  for (const [pa, pb] of [...pairs, [a.length, b.length] as [number, number]]) {
    gap(a.slice(ia, pa), b.slice(ib, pb));
    if (pa < a.length && pb < b.length) {
      const x = a[pa]!;
      const y = b[pb]!;
      if (x.body !== y.body) {
        if (x.item.kind === 'connect' || x.item.kind === 'reset') {
          entries.push({ kind: 'atr-differs', golden: side(x.item), actual: side(y.item), details: [`ATR: ${x.body} → ${y.body}`] });
        } else if (x.item.kind === 'error' || y.item.kind === 'error') {
          entries.push({ kind: 'outcome-differs', golden: side(x.item), actual: side(y.item), details: [`${x.item.kind === 'error' ? x.body : 'answered'} → ${y.item.kind === 'error' ? y.body : 'answered'}`] });
        } else {
          entries.push({ kind: 'response-differs', golden: side(x.item), actual: side(y.item), details: responseDetails(x.item.exchange!, y.item.exchange!, x.body, y.body) });
        }
      }
    }
    ia = pa + 1;
    ib = pb + 1;
  }
  const count = (items: Comparable[]) => items.filter((c) => c.item.kind === 'exchange' || c.item.kind === 'error').length;
  return {
    golden: golden.name,
    actual: actual.name,
    exchanges: { golden: count(a), actual: count(b) },
    same: entries.length === 0,
    differences: entries.length,
    entries,
    ignored: [...ignored.values()],
  };
}

function commandFieldDetails(x: Comparable, y: Comparable): string[] {
  const cx = x.item.exchange!.command;
  const cy = y.item.exchange!.command;
  if (cx.fields.length === 0 || cy.fields.length === 0) return [];
  const mx = x.key.split('|')[3]!;
  const my = y.key.split('|')[3]!;
  return fieldDifferences(cx.fields, cy.fields, mx, my);
}

const KIND_TEXT: Readonly<Record<DiffEntry['kind'], string>> = {
  'response-differs': 'response differs',
  'command-differs': 'command differs',
  missing: 'missing from the second trace',
  added: 'not in the golden trace',
  'atr-differs': 'ATR differs',
  'outcome-differs': 'outcome differs',
};

/** The comparison as text. */
export function diffText(d: TraceDiff): string {
  const out: string[] = [];
  const ignoredCount = d.ignored.reduce((n, i) => n + i.count, 0);
  out.push(
    `${d.golden} ↔ ${d.actual}: ${d.exchanges.golden} and ${d.exchanges.actual} exchanges; ${d.same ? 'the same' : `${d.differences} difference${d.differences === 1 ? '' : 's'}`}` +
      (ignoredCount ? ` (${ignoredCount} volatile field${ignoredCount === 1 ? '' : 's'} ignored)` : ''),
  );
  for (const e of d.entries) {
    const where = [e.golden ? `#${e.golden.index}` : '-', e.actual ? `#${e.actual.index}` : '-'].join(' ↔ ');
    const s = e.golden ?? e.actual!;
    out.push('');
    out.push(`${where}  ${s.source}  ${s.title}: ${KIND_TEXT[e.kind]}`);
    for (const line of e.details) out.push(`    ${line}`);
  }
  if (d.ignored.length > 0) {
    out.push('');
    out.push('ignored (expected to vary):');
    for (const i of d.ignored) out.push(`    ${i.field} ×${i.count}: ${i.why}`);
  }
  return `${out.join('\n')}\n`;
}
