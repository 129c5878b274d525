/**
 * Progress on stderr, never on stdout (which carries the command's output, text or --json). Two shapes:
 * - `progressOn`: a long run of counted steps (sscard conformance): a bar (cli-progress) on a terminal,
 *   one plain line per step otherwise (CI logs);
 * - `progressLine`: one status line rewritten in place while a command waits on its hosts (sscard
 *   settle) — only on a terminal; cleared when the command is done, so the result stands alone.
 */
import stringWidth from 'string-width';
import { SingleBar } from 'cli-progress';
import { escapeText } from './output.js';

export interface Progress {
  start(total: number): void;
  /** A step begins (the bar shows its name). */
  step(name: string): void;
  /** A step ended; `outcome` is shown in plain-line mode. */
  done(index: number, total: number, name: string, outcome: string): void;
  stop(): void;
}

/** A progress display on a stream (`process.stderr` for the CLI). */
export function progressOn(stream: NodeJS.WriteStream, what: string): Progress {
  if (stream.isTTY) {
    const bar = new SingleBar(
      { stream, format: `${what} [{bar}] {value}/{total} {step}`, barsize: 30, hideCursor: true, clearOnComplete: true, linewrap: false },
    );
    let value = 0;
    return {
      start: (total) => bar.start(total, 0, { step: '' }),
      step: (name) => bar.update(value, { step: escapeText(name) }),
      done: () => bar.update(++value),
      stop: () => bar.stop(),
    };
  }
  return {
    start: () => undefined,
    step: () => undefined,
    done: (index, total, name, outcome) => {
      const width = String(total).length;
      stream.write(escapeText(`[${String(index + 1).padStart(width)}/${total}] ${outcome.padEnd(7)} ${name}\n`));
    },
    stop: () => undefined,
  };
}

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
