/**
 * Width-aware alignment for terminal output that mixes Chinese and Latin text (a CJK character takes two
 * columns; string-width measures it).
 */
import stringWidth from 'string-width';

/** Pads `text` on the right to `width` display columns. */
export function padColumns(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - stringWidth(text)));
}

/**
 * Two aligned columns: labels padded to the widest one; a value with several lines continues under the
 * first (its later lines indented to the value column).
 */
export function alignedRows(rows: ReadonlyArray<readonly [string, string | string[]]>, indent = ''): string {
  const width = Math.max(0, ...rows.map(([label]) => stringWidth(label)));
  const out: string[] = [];
  for (const [label, value] of rows) {
    const lines = Array.isArray(value) ? value : [value];
    lines.forEach((line, i) => out.push(`${indent}${padColumns(i === 0 ? label : '', width)}  ${line}`.trimEnd()));
  }
  return `${out.join('\n')}\n`;
}

/** A centred rule with a title, `width` columns wide. */
export function titledRule(title: string, width: number): string {
  const side = Math.max(2, Math.floor((width - stringWidth(title) - 2) / 2));
  return `${'─'.repeat(side)} ${title} ${'─'.repeat(Math.max(2, width - side - stringWidth(title) - 2))}`;
}
