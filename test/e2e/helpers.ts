/**
 * Helpers of the end-to-end tests: run the `sscard` binary as a user would, talk to the control
 * interface over its Unix socket, and wait for output of long-running programs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const SSCARD = fileURLToPath(new URL('../../bin/sscard.js', import.meta.url));

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link run} and {@link sscard}. */
export interface RunOptions {
  timeoutMs?: number;
  input?: string;
  /** Environment of the child (default `process.env`); pass a test pcscd's `env` for PC/SC programs. */
  env?: NodeJS.ProcessEnv;
}

/** Runs `node bin/sscard.js …` to completion. */
export function sscard(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return run(process.execPath, [SSCARD, ...args], options);
}

/** Runs a program to completion (killed after the timeout). */
export function run(cmd: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    // A program that exits without reading its input (most do) closes the pipe: not an error of the run.
    child.stdin.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') reject(err);
    });
    child.stdin.end(options.input ?? '');
  });
}

/** A long-running child whose output is collected as it comes. */
export class Background {
  readonly child: ChildProcess;
  output = '';
  #exit: Promise<number | null>;

  constructor(cmd: string, args: string[], options: { env?: NodeJS.ProcessEnv } = {}) {
    this.child = spawn(cmd, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
    this.child.stdout!.on('data', (d) => (this.output += String(d)));
    this.child.stderr!.on('data', (d) => (this.output += String(d)));
    this.#exit = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Waits until the collected output (from `from` on) matches. Returns the index after the match. */
  async waitFor(pattern: RegExp, what: string, from = 0, timeoutMs = 20_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = pattern.exec(this.output.slice(from));
      if (m) return from + m.index + m[0].length;
      if (this.exited) throw new Error(`${what}: the program exited; output:\n${this.output.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output:\n${this.output.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Sends a signal (by this child's PID only) and waits for the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<number | null> {
    if (!this.exited) this.child.kill(signal);
    const timer = setTimeout(() => !this.exited && this.child.kill('SIGKILL'), timeoutMs);
    const code = await this.#exit;
    clearTimeout(timer);
    return code;
  }
}

/** One HTTP request to the control interface on a Unix socket, with an optional JSON body. */
export function control(socketPath: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : { 'content-type': 'application/json' };
    const req = request({ socketPath, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode!, json: JSON.parse(text) });
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/**
 * Starts `sscard serve <args> --control <socket> --log-level info` and waits until pcscd has powered
 * every one of its `devices` served cards (GET /cards on the control interface).
 */
export async function startServe(args: string[], options: { env: NodeJS.ProcessEnv; socket: string; devices: number; what?: string }): Promise<Background> {
  const serve = new Background(process.execPath, [SSCARD, 'serve', ...args, '--control', options.socket, '--log-level', 'info'], { env: options.env });
  try {
    await serve.waitFor(/control interface on/, `${options.what ?? 'sscard serve'} to start`);
    await eventually(async () => {
      const { json } = await control(options.socket, 'GET', '/cards');
      return json.cards.length === options.devices && json.cards.every((c: { connected: boolean; powered: boolean }) => c.connected && c.powered);
    }, `pcscd to power the ${options.devices} served card(s)`);
  } catch (err) {
    await serve.stop('SIGTERM');
    throw new Error(`${(err as Error).message}\n[e2e] ${options.what ?? 'sscard serve'} output:\n${serve.output.slice(-4000)}`);
  }
  return serve;
}

/** Polls an async condition until it holds. */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== null && (v as unknown) !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
