/**
 * Progress of a long command on stderr, one status line rewritten in place — only when stderr is a
 * terminal (a script or a pipe sees nothing of it; stdout is never touched). The line is cleared when
 * the command is done, so that the result printed after it stands alone.
 */
import stringWidth from 'string-width';
import { escapeText } from './output.js';

export interface ProgressLine {
  /** Shows a step ("2207 结算 settlement…"). */
  step(text: string): void;
  /** Clears the line. */
  done(): void;
}

/** A progress line on `stream` (default stderr) if it is a TTY; a silent one otherwise. */
export function progressLine(stream: NodeJS.WriteStream = process.stderr): ProgressLine {
  if (!stream.isTTY) return { step() {}, done() {} };
  let shown = 0;
  const clear = () => {
    if (shown) stream.write(`\r${' '.repeat(shown)}\r`);
    shown = 0;
  };
  return {
    step(text) {
      const line = escapeText(`… ${text}`).replace(/\n/g, ' ');
      const columns = stream.columns ?? 80;
      const fitted = stringWidth(line) > columns - 1 ? `${[...line].slice(0, columns - 2).join('')}…` : line;
      clear();
      stream.write(fitted);
      shown = stringWidth(fitted);
    },
    done: clear,
  };
}
