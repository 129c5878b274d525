/**
 * Progress of a long run on stderr: a bar (cli-progress) when stderr is a terminal, one plain line per
 * step otherwise (CI logs). Never on stdout, which carries the command's output (text or --json).
 */
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
