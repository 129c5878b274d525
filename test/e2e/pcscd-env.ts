/**
 * The PC/SC environment of the end-to-end tests: pcscd with vsmartcard's vpcd driver. Reuses a running
 * pcscd whose vpcd ports (35963/35964) are listening, or starts its own `pcscd -f` as a child and stops
 * only that one (by PID). `probePcscd()` says synchronously whether the tests can run at all, so that
 * the suite can `describe.skipIf` with a clear reason.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export const VPCD_PORTS = [35963, 35964] as const;

/** Whether a program is on PATH. */
export function onPath(program: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      return statSync(join(dir, program)).isFile();
    } catch {
      return false;
    }
  });
}

/** Ports in LISTEN state, read from /proc (no connection attempt: vpcd would take it for a card). */
export function listeningPorts(): Set<number> {
  const ports = new Set<number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 4 || cols[3] !== '0A') continue;
      ports.add(Number.parseInt(cols[1]!.split(':')[1]!, 16));
    }
  }
  return ports;
}

function vpcdListening(): boolean {
  const open = listeningPorts();
  return VPCD_PORTS.every((p) => open.has(p));
}

/** Whether vpcd is configured for pcscd (its driver bundle or a reader.conf entry exists). */
export function vpcdInstalled(): boolean {
  const confDir = '/etc/reader.conf.d';
  try {
    for (const f of readdirSync(confDir)) {
      if (/vpcd/i.test(readFileSync(join(confDir, f), 'utf8'))) return true;
    }
  } catch {
    /* no reader.conf.d */
  }
  return ['/usr/lib/pcsc/drivers/serial/libifdvpcd.so', '/usr/local/lib/pcsc/drivers/serial/libifdvpcd.so'].some(existsSync);
}

function pcscdRunning(): boolean {
  const r = spawnSync('pgrep', ['-x', 'pcscd'], { encoding: 'utf8' });
  return r.status === 0;
}

/** Synchronous check: can the e2e tests run here? Returns the reason when not. */
export function probePcscd(): { ok: true } | { ok: false; reason: string } {
  if (process.platform !== 'linux') return { ok: false, reason: 'the e2e tests need Linux (pcscd + vpcd)' };
  if (vpcdListening()) return { ok: true };
  if (!onPath('pcscd') && !existsSync('/usr/sbin/pcscd')) return { ok: false, reason: 'pcscd is not installed (apt-get install pcscd)' };
  if (!vpcdInstalled()) return { ok: false, reason: 'vsmartcard vpcd is not installed (apt-get install vsmartcard-vpcd)' };
  if (pcscdRunning()) return { ok: false, reason: 'a pcscd is running without vpcd listening on 35963/35964 (restart it after installing vsmartcard-vpcd)' };
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return { ok: false, reason: 'pcscd is not running and starting it needs root (start pcscd, or run as root)' };
  }
  return { ok: true };
}

/** A pcscd the tests can use. */
export interface PcscdHandle {
  /** PID of the pcscd this helper started (undefined when an existing one is reused). */
  startedPid: number | undefined;
  /** Stops the pcscd this helper started; leaves a reused one alone. */
  stop(): Promise<void>;
}

async function waitUntil(cond: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Reuses a running pcscd with vpcd, or starts `pcscd -f` and waits until vpcd's ports listen. */
export async function ensurePcscd(): Promise<PcscdHandle> {
  if (vpcdListening()) return { startedPid: undefined, stop: async () => {} };
  const bin = onPath('pcscd') ? 'pcscd' : '/usr/sbin/pcscd';
  const child: ChildProcess = spawn(bin, ['-f'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += String(d)));
  let exited = false;
  child.on('exit', () => (exited = true));
  try {
    await waitUntil(() => exited || vpcdListening(), 'pcscd to open the vpcd ports 35963/35964', 15_000);
  } catch (err) {
    child.kill('SIGTERM');
    throw err;
  }
  if (exited) throw new Error(`pcscd -f exited at once: ${stderr.trim().slice(-500)}`);
  const pid = child.pid!;
  return {
    startedPid: pid,
    stop: async () => {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      process.kill(pid, 'SIGTERM');
      const timer = setTimeout(() => !exited && process.kill(pid, 'SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    },
  };
}
