// Runs `sscard` in this process: src/cli/main.ts with the arguments after `sscard`, its stdout and stderr
// captured (nothing reaches the test runner's output) and restored afterwards, even when main throws.
import { vi } from 'vitest';
import { main } from '../../src/cli/main.js';

/** What one run of the CLI gave: its exit code and everything it wrote to stdout and stderr. */
export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** `sscard ...args` in-process, e.g. `await runCli('card', 'new', '--profile', 'shanghai', '--out', file)`. */
export async function runCli(...args: string[]): Promise<CliRun> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  try {
    return { code: await main(['node', 'sscard', ...args]), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
