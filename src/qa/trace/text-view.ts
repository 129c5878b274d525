/**
 * `sscard trace <file>`: the decoded trace as text. One block per entry: its position, source (when the
 * trace holds more than one: card and PSAM, or serve's slots), time offset and duration, the command's
 * name and what it does, then the command and response with their fields and the status word's meaning.
 */
import { commandTitle, exchangeLines } from '../decode/render.js';
import type { DecodedItem, DecodedTrace } from './decoded-trace.js';

function ms(micros: number): string {
  return micros >= 1000 ? `${(micros / 1000).toFixed(1)} ms` : `${micros} µs`;
}

function heading(item: DecodedItem, showSource: boolean): string {
  const parts = [`#${item.index}`];
  if (showSource) parts.push(item.source);
  if (item.offsetMs !== undefined) parts.push(`+${item.offsetMs} ms`);
  if (item.micros !== undefined) parts.push(`(${ms(item.micros)})`);
  return parts.join('  ');
}

/** Renders a decoded trace. */
export function traceText(trace: DecodedTrace): string {
  const showSource = trace.sources.length > 1;
  const out: string[] = [];
  const counts = trace.sources.map((s) => `${s.source}: ${s.exchanges} exchange${s.exchanges === 1 ? '' : 's'}${s.errors ? `, ${s.errors} failed` : ''}, ${ms(s.micros)}`);
  out.push(`${trace.name}: ${counts.join('; ') || 'no exchanges'}${trace.skipped ? ` (${trace.skipped} other log lines skipped)` : ''}`);
  for (const item of trace.items) {
    out.push('');
    const head = heading(item, showSource);
    switch (item.kind) {
      case 'connect':
        out.push(`${head}  CONNECT ${[item.reader && `reader "${item.reader}"`, item.interface, item.protocol].filter(Boolean).join(', ')}`);
        out.push(`  ATR ${item.atr}`);
        break;
      case 'reset':
        out.push(`${head}  RESET`);
        out.push(`  ATR ${item.atr}`);
        break;
      case 'disconnect':
        out.push(`${head}  DISCONNECT`);
        break;
      case 'error':
        out.push(`${head}  ${commandTitle(item.exchange!)}`);
        out.push(...exchangeLines(item.exchange!));
        out.push(`  ! no response: ${item.error}`);
        break;
      case 'exchange':
        out.push(`${head}  ${commandTitle(item.exchange!)}`);
        out.push(...exchangeLines(item.exchange!));
        break;
    }
  }
  return `${out.join('\n')}\n`;
}
