/**
 * What the CLI prints is safe for a terminal, whatever a card image, a holder file or an argument holds:
 * - C0 control characters (but newline and tab) are shown as `\x1b`, `\x00`; DEL, the C1 controls
 *   (CSI 9B starts escape sequences too), the Unicode line separators and the bidirectional overrides
 *   as `\u009b`, `\u202e` — valid escapes inside JSON strings as well, so `--json` output stays JSON
 *   (JSON.stringify already escapes C0 itself);
 * - an error is one line: newlines inside it are escaped too, a long argument echoed in it is cut with an
 *   ellipsis (`00A4…(120000 characters)`), and the line itself has a maximum length.
 * Every command prints through `writeOut` / `writeJson` (a test checks that none writes directly);
 * `main` prints errors through `errorLine`.
 */

// eslint-disable-next-line no-control-regex
const UNSAFE_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const UNSAFE_LINE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  if (c === '\n') return '\\n';
  if (c === '\t') return '\\t';
  if (c === '\r') return '\\r';
  return code < 0x20 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Text with control characters shown escaped; newlines and tabs kept. */
export function escapeText(text: string): string {
  return text.replace(UNSAFE_TEXT, escapeChar);
}

/** Longest word (run of non-spaces) an error line echoes before cutting it. */
export const MAX_WORD = 64;
/** Longest error line. */
export const MAX_LINE = 400;

/** A word longer than `max` characters, cut: `00A4040008A0…(120000 characters)`. */
export function cutWord(word: string, max = MAX_WORD): string {
  const chars = [...word];
  return chars.length > max ? `${chars.slice(0, max - 16).join('')}…(${chars.length} characters)` : word;
}

/** One line for stderr: every control character escaped (newlines too), long words and the line cut. */
export function errorLine(message: string): string {
  const words = message.replace(UNSAFE_LINE, escapeChar).split(' ').map((w) => cutWord(w));
  const line = words.join(' ');
  const chars = [...line];
  return chars.length > MAX_LINE ? `${chars.slice(0, MAX_LINE - 1).join('')}…` : line;
}

/** Writes text for the terminal (control characters escaped). */
export function writeOut(text: string): void {
  process.stdout.write(escapeText(text));
}

/** Writes progress for the person watching (stderr, control characters escaped): never mixed into --json output. */
export function writeProgress(text: string): void {
  process.stderr.write(escapeText(text));
}

/** JSON that stays valid and terminal-safe (see `escapeText`). */
export function jsonText(value: unknown, indent = 2): string {
  return escapeText(`${JSON.stringify(value, null, indent)}\n`);
}

/** Writes `value` as JSON (see `jsonText`). */
export function writeJson(value: unknown, indent = 2): void {
  process.stdout.write(jsonText(value, indent));
}
