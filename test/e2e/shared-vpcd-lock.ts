/**
 * The system pcscd has two vpcd slots (35963/35964) and every e2e file that serves cards into them needs
 * both: files that vitest runs in parallel take turns through a lock file, held with flock(1) by a child
 * process (released when its stdin closes, or when the test process dies). Test helper.
 */
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onPath } from './pcscd-env.js';

/** The lock file (the same one the private-pcscd helper's shared fallback uses). */
export const SHARED_VPCD_LOCK = join(tmpdir(), 'sscard-e2e-shared-vpcd.lock');

/** Waits for the lock (at most `timeoutMs`); returns its release. Without flock(1) there is nothing to wait for. */
export async function lockSharedVpcd(timeoutMs = 590_000): Promise<() => Promise<void>> {
  if (!onPath('flock')) return async () => {};
  const child = spawn('flock', [SHARED_VPCD_LOCK, '/bin/sh', '-c', 'echo locked; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'ignore'] });
  const locked = new Promise<boolean>((resolve) => {
    child.stdout!.on('data', (d) => String(d).includes('locked') && resolve(true));
    child.once('exit', () => resolve(false));
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  const ok = await Promise.race([locked, timeout]);
  clearTimeout(timer);
  if (!ok) {
    child.kill('SIGTERM');
    throw new Error(`the vpcd slots stayed locked by another test file (${SHARED_VPCD_LOCK}) for ${timeoutMs} ms`);
  }
  return async () => {
    const gone = new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
    child.stdin!.end();
    await gone;
  };
}
