/**
 * The pcscd load run: N served cards × M concurrent PC/SC clients on a private pcscd, for a given time,
 * optionally restarting pcscd under the load. Used by test/e2e/pcscd-load.test.ts (a few seconds, in
 * `npm test`) and fuzz/pcscd-load.fuzz.ts (60 s, `npm run fuzz`). docs/robustness.md, "vpcd and pcscd".
 *
 * - cards: copies of one personalised Shanghai card image (holder fixture shanghai-li), all served by one
 *   `sscard serve` process on consecutive vpcd ports of a private pcscd with its own reader.conf;
 * - clients: test/e2e/pcsc_load_client.py (pyscard, an independent terminal side) going round every
 *   card, one PC/SC transaction per sequence: SSSE select + read of the ID record, PBOC select, GPO
 *   (the card's ATC + 1, saved to its file before the answer), GET DATA ATC;
 * - disruptions (optional): pcscd restarted, or `sscard serve` killed with SIGKILL and started again;
 * - checks (expected values from the holder fixture and the image files, read as JSON here, not through
 *   sscard): every answer as expected; every ATC seen by any client distinct, and increasing for each
 *   client; after the run the ATC in each image file = its start value + the GPOs answered (with
 *   disruptions: between answered and sent — a GPO whose answer was lost may or may not have run); every
 *   image still a valid card (opened with full validation, ID record read back); `sscard serve` alive, no error in its log, exit 0.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Background, REPO, SSCARD, sscard } from './helpers.js';
import { startPrivatePcscd, type TestPcscd } from './private-pcscd.js';
import { openCardForCli } from '../../src/cli/transport-options.js';
import { SimulatedTransport } from '../../src/card/simulated-transport.js';
import { fromHex, toHex } from '../../src/apdu/bytes.js';
import { silentLogger } from '../../src/log.js';

const CLIENT = join(REPO, 'test/e2e/pcsc_load_client.py');
const PYTHON = '/usr/bin/python3';

export interface LoadOptions {
  cards: number;
  clients: number;
  seconds: number;
  /** Disrupt the run every this many ms (0: never): restart pcscd, or kill `sscard serve` (SIGKILL). */
  restartEveryMs?: number;
  /** What to disrupt (default 'pcscd'). 'serve' kills sscard serve abruptly and starts it again. */
  disrupt?: 'pcscd' | 'serve';
  /** Progress lines (the fuzz prints them). */
  progress?: (line: string) => void;
}

interface ClientStats {
  sequences: number;
  errors: string[];
  errorCount: number;
  interruptions: number;
  atc: Record<string, number[]>;
  gpoSent: Record<string, number>;
  gpoOk: Record<string, number>;
}

export interface CardReport {
  reader: string;
  file: string;
  atcBefore: number;
  atcAfter: number;
  gpoOk: number;
  gpoSent: number;
  atcSeen: number;
  duplicates: number;
  notIncreasing: number;
}

export interface LoadReport {
  sequences: number;
  seconds: number;
  errors: string[];
  interruptions: number;
  restarts: number;
  cards: CardReport[];
  /** Failures of the checks (empty when the run passed). */
  problems: string[];
  serveExit: number | null;
  serveErrors: string[];
}

/** Whether the Python side (pyscard) is installed. */
export function pyscardAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import smartcard.scard'], { stdio: 'ignore' }).status === 0;
}

/** Opens the image as a card (full validation) and reads the ID record: a problem, or undefined. */
async function checkImage(file: string, idNumber: string): Promise<string | undefined> {
  let opened;
  try {
    opened = await openCardForCli(file, silentLogger());
  } catch (err) {
    return `${file} is no longer a valid card: ${(err as Error).message}`;
  }
  try {
    const t = new SimulatedTransport(opened.card, { interface: 'contact' });
    await t.transmit(fromHex('00A404000F7378312E73682EC9E7BBE1B1A3D5CF'));
    await t.transmit(fromHex('00A4020002EF06'));
    const r = toHex(await t.transmit(fromHex('00B2080014')));
    if (r !== `0812${Buffer.from(idNumber, 'ascii').toString('hex').toUpperCase()}9000`) return `${file}: the ID record reads ${r}`;
    return undefined;
  } finally {
    await opened.close();
  }
}

function atcOf(file: string): number {
  const image = JSON.parse(readFileSync(file, 'utf8')) as { apps: { pboc: { atc: number } } };
  return image.apps.pboc.atc;
}

function runClient(pcscd: TestPcscd, readers: string[], offset: number, seconds: number, idNumber: string, tolerate: boolean): Promise<ClientStats> {
  const args = [CLIENT, '--seconds', String(seconds), '--expect-id', idNumber, '--offset', String(offset)];
  for (const r of readers) args.push('--reader', r);
  if (tolerate) args.push('--tolerate-restarts');
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, args, { env: pcscd.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (err += String(d)));
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 120) * 1000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out) as ClientStats);
      } catch {
        reject(new Error(`load client ${offset} exited ${code} without a report: ${err.trim().slice(-1500)}`));
      }
    });
  });
}

/** Runs the load; never throws for a failed check (see `problems`), only when it cannot run at all. */
export async function runPcscdLoad(options: LoadOptions): Promise<LoadReport> {
  const progress = options.progress ?? (() => {});
  const holder = JSON.parse(readFileSync(join(REPO, 'fixtures/holders/shanghai-li.json'), 'utf8')) as { idNumber: string };
  const dir = mkdtempSync(join(tmpdir(), 'sscard-load-'));
  const pcscd = await startPrivatePcscd({ slots: options.cards, mode: 'private' });
  let serve: Background | undefined;
  try {
    const first = join(dir, 'card-0.json');
    const made = await sscard(['card', 'new', '--profile', 'shanghai', '--holder', 'fixtures/holders/shanghai-li.json', '--seed', '8', '--out', first]);
    if (made.code !== 0) throw new Error(`card new failed: ${made.stderr}`);
    const files = [first];
    for (let i = 1; i < options.cards; i++) {
      files.push(join(dir, `card-${i}.json`));
      copyFileSync(first, files[i]!);
    }
    const atcBefore = files.map(atcOf);
    const readers = files.map((_, i) => pcscd.readerName(i));
    const serveArgs = [SSCARD, 'serve', ...files.flatMap((f) => ['--card', f]), '--port', String(pcscd.port(0)), '--log-level', 'warn'];
    serve = new Background(process.execPath, serveArgs, { env: pcscd.env });
    let killedOutput = '';
    progress(`pcscd ${pcscd.pid} (${pcscd.socketPath}); ${options.cards} cards on ports ${pcscd.port(0)}..${pcscd.port(options.cards - 1)}; ${options.clients} clients for ${options.seconds} s`);

    const tolerate = (options.restartEveryMs ?? 0) > 0;
    const started = Date.now();
    const clients = Array.from({ length: options.clients }, (_, c) => runClient(pcscd, readers, c, options.seconds, holder.idNumber, tolerate));
    let restarts = 0;
    let done = false;
    const all = Promise.all(clients).finally(() => (done = true));
    if (tolerate) {
      while (!done && Date.now() - started < options.seconds * 1000 - options.restartEveryMs!) {
        await Promise.race([all, new Promise((r) => setTimeout(r, options.restartEveryMs))]);
        if (done || Date.now() - started > options.seconds * 1000 - 1000) break;
        if (options.disrupt === 'serve') {
          // A power cut of the card program: SIGKILL, whatever it is doing; then start it again (retrying
          // while the card files are still locked by the dead process, should the image layer lock them).
          await serve.stop('SIGKILL');
          killedOutput += serve.output;
          for (let attempt = 0; ; attempt++) {
            serve = new Background(process.execPath, serveArgs, { env: pcscd.env });
            // Up when it has not exited within 1.5 s (at log level warn it prints nothing when all is well).
            await Promise.race([new Promise((r) => setTimeout(r, 1500)), new Promise((r) => serve!.child.once('exit', r))]);
            if (!serve.exited) break;
            killedOutput += serve.output;
            if (attempt > 60) throw new Error(`sscard serve does not start again after SIGKILL:\n${serve.output.slice(-1500)}`);
            await new Promise((r) => setTimeout(r, 500));
          }
        } else {
          await pcscd.restart();
        }
        restarts++;
        progress(`${options.disrupt === 'serve' ? 'sscard serve killed and restarted' : 'pcscd restarted'} (${restarts}) at ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }
    }
    const stats = await all;
    const seconds = (Date.now() - started) / 1000;
    const serveAlive = !serve.exited;
    const serveExit = await serve.stop('SIGTERM');
    const serveErrors = (killedOutput + serve.output)
      .split('\n')
      .filter((l) => /"level":(50|60)|\bERROR\b|FATAL|Unhandled|TypeError|RangeError/.test(l))
      .slice(0, 20);

    const problems: string[] = [];
    const errors = stats.flatMap((s) => s.errors);
    const errorCount = stats.reduce((n, s) => n + s.errorCount, 0);
    if (errorCount > 0) problems.push(`${errorCount} client errors, e.g. ${errors.slice(0, 3).join(' | ')}`);
    if (!serveAlive) problems.push('sscard serve exited during the run');
    if (serveExit !== 0) problems.push(`sscard serve exited with ${serveExit} on SIGTERM`);
    if (serveErrors.length) problems.push(`sscard serve logged errors: ${serveErrors.slice(0, 3).join(' | ')}`);

    const cards: CardReport[] = [];
    for (const [i, file] of files.entries()) {
      const reader = readers[i]!;
      const seen = stats.flatMap((s) => s.atc[reader] ?? []);
      const gpoOk = stats.reduce((n, s) => n + (s.gpoOk[reader] ?? 0), 0);
      const gpoSent = stats.reduce((n, s) => n + (s.gpoSent[reader] ?? 0), 0);
      const notIncreasing = stats.reduce((n, s) => n + (s.atc[reader] ?? []).filter((a, k, l) => k > 0 && a <= l[k - 1]!).length, 0);
      const atcAfter = atcOf(file);
      const card: CardReport = {
        reader,
        file,
        atcBefore: atcBefore[i]!,
        atcAfter,
        gpoOk,
        gpoSent,
        atcSeen: seen.length,
        duplicates: seen.length - new Set(seen).size,
        notIncreasing,
      };
      cards.push(card);
      const grew = atcAfter - card.atcBefore;
      if (card.duplicates) problems.push(`${reader}: ${card.duplicates} ATC values seen twice`);
      if (notIncreasing) problems.push(`${reader}: ATC went backwards ${notIncreasing} times for one client`);
      if (tolerate ? grew < gpoOk || grew > gpoSent : grew !== gpoOk || gpoOk !== gpoSent) {
        problems.push(`${reader}: the ATC in ${file} grew by ${grew}, but ${gpoOk} GPOs were answered (${gpoSent} sent)`);
      }
      const problem = await checkImage(file, holder.idNumber);
      if (problem) problems.push(problem);
    }
    const sequences = stats.reduce((n, s) => n + s.sequences, 0);
    if (sequences === 0) problems.push('no sequence completed');
    return {
      sequences,
      seconds,
      errors: errors.slice(0, 20),
      interruptions: stats.reduce((n, s) => n + s.interruptions, 0),
      restarts,
      cards,
      problems,
      serveExit,
      serveErrors,
    };
  } finally {
    if (serve && !serve.exited) await serve.stop('SIGKILL');
    await pcscd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
