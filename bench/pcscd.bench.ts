/**
 * Round trips through pcscd: sscard against vsmartcard's own Python card `vicc`, same pcscd, same client
 * loop, same run. Standalone: `npx tsx bench/pcscd.bench.ts` (or `npm run bench -- pcscd`).
 *
 * Starts a private pcscd (test/e2e/private-pcscd.ts) with three vpcd slots:
 *   slot 0: `sscard serve` (the CLI, as a user runs it), TCP_NODELAY + one write per answer + TCP_QUICKACK;
 *   slot 1: `vicc -t iso7816` (Debian vsmartcard-vpicc / python3-virtualsmartcard) — the baseline;
 *   slot 2: sscard's vpcd client in this process with TCP_QUICKACK switched off — what QUICKACK is worth;
 *   slot 3: sscard's vpcd client in this process serving a card program that answers 9000 at once — the
 *           cost of the link alone (pcscd + vpcd + client + server), without the card OS.
 * Each is driven in turn by the same client, bench/pcsc_loop.py (pyscard's SCardTransmit in a loop, one
 * APDU: SELECT MF without response data, `00A4000C023F00` (ISO/IEC 7816-4 §11.2.2, P2 = 0C), which both
 * answer 9000 — vicc 0.8 under Python 3 crashes on a SELECT that returns an FCI), which reports median,
 * p99 and rate.
 *
 * BENCH_SECONDS (default 3) is the length of the sscard run; the slow rows run at least 8 s so that their
 * p99 rests on ~150 samples.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { probePcscd, startPrivatePcscd, type TestPcscd } from '../test/e2e/private-pcscd.js';
import { openCardForCli } from '../src/cli/transport-options.js';
import { CardSlot, VpcdClient } from '../src/server/vpcd.js';
import { quickAckUnavailable } from '../src/server/quick-ack.js';
import { SimulatedTransport } from '../src/card/simulated-transport.js';
import { silentLogger } from '../src/log.js';
import type { CardInterface, SimulatedCard } from '../src/card/runtime/types.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const SLOW_SECONDS = Math.max(8, SECONDS);
const APDU = '00A4000C023F00';
const REPO = fileURLToPath(new URL('../', import.meta.url));
const SSCARD = join(REPO, 'bin/sscard.js');
const LOOP = join(REPO, 'bench/pcsc_loop.py');
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

interface LoopResult {
  reader: string;
  n: number;
  seconds: number;
  rate: number;
  median_ms: number;
  p99_ms: number;
  max_ms: number;
  sw: string;
  errors: number;
}

function skip(reason: string): never {
  console.log(`pcscd benchmark skipped: ${reason}`);
  process.exit(0);
}

/**
 * How to run vicc here. Debian bookworm's python3-virtualsmartcard installs its package under
 * /usr/lib/python3/site-packages/virtualsmartcard/ (not on sys.path) and, without PyCrypto, falls back to
 * Python 2's `sha` module: both are bridged (PYTHONPATH; a two-line `sha` stand-in on hashlib, used by
 * no command of this benchmark). Returns the environment, or why vicc cannot run.
 */
function viccEnvironment(dir: string): { env: NodeJS.ProcessEnv; note: string } | { reason: string } {
  if (spawnSync('vicc', ['--version'], { encoding: 'utf8' }).error) return { reason: 'vicc is not installed (apt-get install vsmartcard-vpicc)' };
  const tryImport = (pythonPath: string | undefined) =>
    spawnSync('/usr/bin/python3', ['-c', 'import virtualsmartcard.VirtualSmartcard'], {
      encoding: 'utf8',
      env: { ...process.env, ...(pythonPath ? { PYTHONPATH: pythonPath } : {}) },
    });
  const notes: string[] = [];
  let pythonPath: string | undefined;
  let r = tryImport(undefined);
  if (r.status !== 0 && existsSync('/usr/lib/python3/site-packages/virtualsmartcard/virtualsmartcard')) {
    pythonPath = '/usr/lib/python3/site-packages/virtualsmartcard';
    notes.push(`PYTHONPATH=${pythonPath}`);
    r = tryImport(pythonPath);
  }
  if (r.status !== 0 && /No module named 'sha'/.test(r.stderr)) {
    const shim = join(dir, 'py-shim');
    mkdirSync(shim, { recursive: true });
    writeFileSync(join(shim, 'sha.py'), '# Python 2 `sha` stand-in for vicc without PyCrypto\nfrom hashlib import sha1 as new\ndigest_size = 20\n');
    pythonPath = pythonPath ? `${pythonPath}:${shim}` : shim;
    notes.push('`sha` stand-in (no PyCrypto)');
    r = tryImport(pythonPath);
  }
  if (r.status !== 0) return { reason: `vicc cannot import its modules: ${r.stderr.trim().split('\n').pop()}` };
  return { env: { ...process.env, ...(pythonPath ? { PYTHONPATH: pythonPath } : {}) }, note: notes.join(', ') || 'as installed' };
}

/** Runs the client loop in a child process (asynchronously: slot 2's card answers from this process). */
async function loop(pcscd: TestPcscd, reader: string, seconds: number): Promise<LoopResult> {
  const child = spawn(PYTHON, [LOOP, '--reader', reader, '--apdu', APDU, '--seconds', String(seconds)], {
    env: pcscd.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += String(d)));
  child.stderr.on('data', (d) => (err += String(d)));
  const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 60) * 1000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`client loop on "${reader}" failed (exit ${code}): ${err.trim()}`);
  return JSON.parse(out) as LoopResult;
}

function background(cmd: string, args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: REPO });
  let text = '';
  child.stdout!.on('data', (d) => (text += String(d)));
  child.stderr!.on('data', (d) => (text += String(d)));
  return { child, output: () => text };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await gone;
}

const fmt = (x: number, digits = 3) => x.toFixed(digits);

/** A card program with no card OS: ATR 3B 02 14 50, every command answered 9000 (the link's cost alone). */
class InstantCard implements SimulatedCard {
  #iface: CardInterface | undefined;
  get powered(): boolean {
    return this.#iface !== undefined;
  }
  get activeInterface(): CardInterface | undefined {
    return this.#iface;
  }
  powerOn(iface: CardInterface): Uint8Array {
    this.#iface = iface;
    return Uint8Array.of(0x3b, 0x02, 0x14, 0x50);
  }
  warmReset(): Uint8Array {
    return this.powerOn(this.#iface ?? 'contact');
  }
  powerOff(): void {
    this.#iface = undefined;
  }
  transmit(): Uint8Array {
    return Uint8Array.of(0x90, 0x00);
  }
}

async function main(): Promise<void> {
  if (spawnSync(PYTHON, ['-c', 'import smartcard.scard'], { encoding: 'utf8' }).status !== 0) skip('pyscard is not installed (apt-get install python3-pyscard)');
  const probe = probePcscd({ slots: 4, mode: 'private' });
  if (!probe.ok) skip(probe.reason);

  const dir = mkdtempSync(join(tmpdir(), 'sscard-bench-pcscd-'));
  const cleanups: Array<() => Promise<void>> = [];
  try {
    const vicc = viccEnvironment(dir);
    const pcscd = await startPrivatePcscd({ slots: 4, mode: 'private' });
    cleanups.push(() => pcscd.stop());
    const load = loadavg().map((x) => x.toFixed(2)).join(' ');
    console.log(`private pcscd (${spawnSync('/usr/sbin/pcscd', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]}), APDU ${APDU}, client: pyscard SCardTransmit loop`);
    console.log(`load average before: ${load}`);

    // slot 0: sscard serve, as a user runs it
    const cardFile = join(dir, 'card.json');
    execFileSync(process.execPath, [SSCARD, 'card', 'new', '--profile', 'shanghai', '--seed', '1', '--out', cardFile], { stdio: 'ignore' });
    const serve = background(process.execPath, [SSCARD, 'serve', '--card', cardFile, '--port', String(pcscd.port(0)), '--log-level', 'warn'], pcscd.env);
    cleanups.push(() => stopChild(serve.child));

    // slot 1: vicc
    let viccChild: ChildProcess | undefined;
    if ('env' in vicc) {
      const v = background('vicc', ['-t', 'iso7816', '-P', String(pcscd.port(1))], vicc.env);
      viccChild = v.child;
      cleanups.push(() => stopChild(v.child));
    }

    // slot 2: sscard's client in-process without TCP_QUICKACK (same card image, a copy)
    const card2 = join(dir, 'card2.json');
    execFileSync(process.execPath, [SSCARD, 'card', 'new', '--profile', 'shanghai', '--seed', '1', '--out', card2], { stdio: 'ignore' });
    const opened = await openCardForCli(card2, silentLogger());
    const slow = new VpcdClient(new CardSlot(opened.card, 'contact', new SimulatedTransport(opened.card, { interface: 'contact', powerOn: false })), {
      port: pcscd.port(2),
      log: silentLogger(),
      quickAck: quickAckUnavailable('switched off for the comparison'),
    });
    slow.start();
    cleanups.push(async () => {
      await slow.stop();
      await opened.close();
    });

    // slot 3: the link alone
    const instant = new InstantCard();
    const link = new VpcdClient(new CardSlot(instant, 'contact', { transmit: async () => instant.transmit() }), { port: pcscd.port(3), log: silentLogger() });
    link.start();
    cleanups.push(() => link.stop());

    const rows: Array<{ what: string; r: LoopResult }> = [];
    rows.push({ what: 'sscard serve (NODELAY, one write, QUICKACK)', r: await loop(pcscd, pcscd.readerName(0), SECONDS) });
    if (viccChild) rows.push({ what: `vicc -t iso7816 (${'note' in vicc ? vicc.note : ''})`, r: await loop(pcscd, pcscd.readerName(1), SLOW_SECONDS) });
    rows.push({ what: 'sscard, in-process client, QUICKACK off', r: await loop(pcscd, pcscd.readerName(2), SLOW_SECONDS) });
    rows.push({ what: 'link only: card program answering 9000 at once', r: await loop(pcscd, pcscd.readerName(3), SECONDS) });
    const quickAckWarning = /TCP_QUICKACK is not available[^\n]*/.exec(serve.output())?.[0];

    const header = ['card program', 'exchanges', 'median ms', 'p99 ms', 'max ms', 'exchanges/s', 'SW'];
    const lines = [header, ...rows.map(({ what, r }) => [what, String(r.n), fmt(r.median_ms), fmt(r.p99_ms), fmt(r.max_ms, 1), fmt(r.rate, 0), r.sw])];
    const widths = header.map((_, c) => Math.max(...lines.map((l) => l[c]!.length)));
    for (const l of lines) console.log(l.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
    const ours = rows[0]!.r;
    const base = viccChild ? rows[1]!.r : undefined;
    if (base) {
      console.log(`ratio sscard / vicc: ${(ours.rate / base.rate).toFixed(0)}× exchanges/s (median ${(base.median_ms / ours.median_ms).toFixed(0)}× faster, p99 ${(base.p99_ms / ours.p99_ms).toFixed(0)}×); target ≥ 100×`);
      const linkOnly = rows[rows.length - 1]!.r;
      console.log(`ratio link only / vicc: ${(linkOnly.rate / base.rate).toFixed(0)}× exchanges/s (what the card OS leaves of it: see the in-process card benchmarks)`);
    } else {
      console.log(`baseline vicc not measured: ${'reason' in vicc ? vicc.reason : 'unknown'}`);
    }
    if (quickAckWarning) console.log(`NOTE: sscard serve said: ${quickAckWarning}`);
    const errors = rows.reduce((n, { r }) => n + r.errors, 0);
    console.log(`errors: ${errors}; load average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    if (errors > 0) process.exitCode = 1;
  } finally {
    for (const c of cleanups.reverse()) await c().catch((err: Error) => console.error(`cleanup: ${err.message}`));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
