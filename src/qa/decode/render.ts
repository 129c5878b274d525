/**
 * Decoded exchanges as text lines: the command's name and summary, the data fields as an indented tree
 * (`9F36 Application Transaction Counter 应用交易计数器: 0012 = 18`), the status word with its meaning
 * in English and Chinese. Used by `sscard trace` and by the messages of `sscard script`.
 */
import type { DecodedExchange, DecodedResponse } from './exchange.js';
import type { Field } from './fields.js';

/** "9000 success (成功)". */
export function swText(r: Pick<DecodedResponse, 'swHex' | 'en' | 'zh'>): string {
  return `${r.swHex} ${r.en}${r.zh ? ` (${r.zh})` : ''}`;
}

/** Hex with a space between bytes ("6F 1C 84 …"), as scriptor prints it. */
export function spacedHex(hex: string): string {
  return hex.replace(/(..)(?!$)/g, '$1 ');
}

const MAX_INLINE_HEX = 64;

function shortHex(hex: string): string {
  return hex.length <= MAX_INLINE_HEX ? hex : `${hex.slice(0, MAX_INLINE_HEX)}… (${hex.length / 2} bytes)`;
}

/** One line per field, children indented below their parent. */
export function fieldLines(fields: readonly Field[], indent = '  '): string[] {
  const out: string[] = [];
  for (const f of fields) {
    const name = `${/^[0-9A-F]{2,6}$/.test(f.key) && !f.label.startsWith(f.key) ? `${f.key} ` : ''}${f.label}${f.zh ? ` ${f.zh}` : ''}`;
    if (f.children && f.children.length > 0) {
      out.push(`${indent}${name}`);
      out.push(...fieldLines(f.children, `${indent}  `));
    } else {
      const value = f.value ?? f.hex;
      out.push(`${indent}${name}: ${shortHex(value)}${f.text !== undefined && f.text !== value ? ` = ${f.text}` : ''}`);
    }
  }
  return out;
}

/** The command's title: "READ RECORD  record 1 of SFI 5 (EF05 …)". */
export function commandTitle(ex: DecodedExchange): string {
  const c = ex.command;
  const zh = c.name ? ` ${c.name.zh}` : '';
  return `${c.label}${zh}${c.summary ? `  ${c.summary}` : ''}${c.error ? `  (malformed: ${c.error})` : ''}`;
}

/** The lines of a decoded exchange: title, `>` command, its fields, `<` response, its fields. */
export function exchangeLines(ex: DecodedExchange, indent = '  '): string[] {
  const out = [`${indent}> ${ex.command.hex}`];
  out.push(...fieldLines(ex.command.fields, `${indent}    `));
  if (ex.response) {
    const r = ex.response;
    out.push(`${indent}< ${r.dataHex ? `${r.dataHex} ` : ''}${swText(r)}`);
    out.push(...fieldLines(r.fields, `${indent}    `));
    if (r.note) out.push(`${indent}    (${r.note})`);
  }
  return out;
}
