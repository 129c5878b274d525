/**
 * Runs conformance cases against a card (and a PSAM) reached through `CardReader`s.
 *
 * - Every case starts from a reset card (a cold reset when it needs another interface), so that cases
 *   do not depend on each other's session.
 * - Cases that could block the card (`risk: 'blocks'`) run on a fresh copy of the card image when the
 *   target can make one (in-process); against a real card they are skipped unless `destructive`, and
 *   then run after every other case (those that leave the card unusable last of all).
 * - A failed check is `failed`; a reader or card that could not answer is `error`; a case that cannot
 *   run here (no PSAM, another interface, no issuer keys) is `skipped` with the reason.
 */
import { getResponseLayer } from '../../apdu/layers/get-response.js';
import { TransportError } from '../../apdu/transport.js';
import type { Clock, RandomSource } from '../../env.js';
import type { CardInterface } from '../../spec/card-interface.js';
import { withLayers, type CardReader } from '../../terminal/reader.js';
import { PsamClient } from '../../terminal/psam/psam-client.js';
import type { IssuerKeyring } from '../../terminal/hosts/issuer/keys.js';
import { toHex } from '../../apdu/bytes.js';
import { CaseContext, PinGuard, type CaseSettings } from './context.js';
import { CaseFailure, CaseSkip } from './expect.js';
import type { CaseResult, ConformanceCase, RunReport, SuiteName } from './types.js';

/** A card (and a PSAM) to run cases on. */
export interface Devices {
  card: CardReader;
  psam?: CardReader;
  /** Releases them (fresh copies: their files). */
  close?(): Promise<void>;
}

/** What the runner tests. */
export interface RunTarget {
  /** For reports: `card.json (in-process copy)`, `reader "Virtual PCD 00 00"`. */
  describe: string;
  /** The devices of ordinary cases. */
  shared: Devices;
  /** A fresh copy of the card (and PSAM) for a case that could block it; absent for a real card. */
  fresh?: () => Promise<Devices>;
  /** The interfaces the card can be powered on (in-process: the card's; a PC/SC reader: the one it holds). */
  interfaces: readonly CardInterface[];
  /** The interface cases run on unless they need another. */
  defaultInterface: CardInterface;
}

/** Progress events (the CLI's progress bar). */
export interface RunProgress {
  onStart?(total: number): void;
  onCase?(index: number, total: number, c: ConformanceCase): void;
  onResult?(index: number, total: number, result: CaseResult): void;
}

export interface RunOptions extends RunProgress {
  cases: readonly ConformanceCase[];
  suites: SuiteName[];
  /** Run `blocks` cases against a real card. */
  destructive: boolean;
  settings: CaseSettings;
  keyring?: IssuerKeyring;
  /** The terminal's unpredictable numbers. */
  random: RandomSource;
  clock: Clock;
  /** Monotonic milliseconds. */
  now(): number;
  /** Longest wait for one answer. */
  timeoutMs: number;
  /**
   * How long a case waits for a card that is not in the reader (removed; a reader that re-detects it)
   * before it gives up; after one wait in vain, later cases try once without waiting until a card is
   * seen again. Default 0.
   */
  cardWaitMs?: number;
  /** Waiting between attempts (injected; default setTimeout). */
  sleep?(ms: number): Promise<void>;
  /** The faults of the run, as text (for reports). */
  faults?: string[];
}

/** Orders cases: on a real card the destructive ones last, those marked `final` at the very end. */
export function runOrder(cases: readonly ConformanceCase[], target: Pick<RunTarget, 'fresh'>): ConformanceCase[] {
  if (target.fresh) return [...cases];
  const rank = (c: ConformanceCase) => (c.risk !== 'blocks' ? 0 : c.final ? 2 : 1);
  return [...cases].map((c, i) => ({ c, i })).sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i).map(({ c }) => c);
}

function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s*\n\s*/g, ' ');
}

/** Whether the run is still waiting for cards (false after a wait in vain, until a card is seen again). */
interface CardWait {
  patient: boolean;
}

async function prepareWaiting(card: CardReader, iface: CardInterface, options: RunOptions, wait: CardWait): Promise<void> {
  const budget = wait.patient ? (options.cardWaitMs ?? 0) : 0;
  const deadline = options.now() + budget;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (;;) {
    try {
      await prepare(card, iface);
      wait.patient = true;
      return;
    } catch (err) {
      if (!(err instanceof TransportError) || options.now() >= deadline) {
        if (budget > 0) wait.patient = false;
        throw err;
      }
      await sleep(Math.min(100, Math.max(1, deadline - options.now())));
    }
  }
}

async function prepare(card: CardReader, iface: CardInterface): Promise<void> {
  if (card.connected && card.interface === iface) {
    try {
      await card.reset();
      return;
    } catch {
      // a reset that fails (card removed and put back, reader reconnected): connect afresh below
    }
  }
  await card.connect(iface);
}

/** Runs the cases; never throws for a case's sake (each ends in a result). */
export async function runConformance(target: RunTarget, options: RunOptions): Promise<RunReport> {
  const startedAt = new Date(options.clock.now().getTime());
  const started = options.now();
  const cases = runOrder(options.cases, target);
  const results: CaseResult[] = [];
  options.onStart?.(cases.length);
  let atr = '';
  const pins = new PinGuard();
  const wait: CardWait = { patient: true };
  for (const [index, c] of cases.entries()) {
    options.onCase?.(index, cases.length, c);
    const result = await runOne(c, target, options, pins, wait);
    if (!atr && result.atr) atr = result.atr;
    const { atr: _atr, ...plain } = result;
    results.push(plain);
    options.onResult?.(index, cases.length, plain);
  }
  return {
    startedAt,
    target: target.describe,
    atr,
    suites: options.suites,
    faults: options.faults ?? [],
    results,
    ms: options.now() - started,
  };
}

async function runOne(c: ConformanceCase, target: RunTarget, options: RunOptions, pins: PinGuard, wait: CardWait): Promise<CaseResult & { atr?: string }> {
  const base = { id: c.id, suite: c.suite, title: c.title, refs: c.refs, risk: c.risk };
  const skipped = (message: string): CaseResult => ({ ...base, outcome: 'skipped', message, ms: 0, exchanges: [], notes: [] });
  if (c.needs?.psam && !target.shared.psam) return skipped('needs a PSAM: --psam <file> (sscard psam new) or --psam-reader <name|index>');
  if (c.risk === 'blocks' && !target.fresh && !options.destructive) {
    return skipped(`could block the card (${c.riskNote ?? 'destructive'}): run with --destructive to include it`);
  }
  const iface = c.needs?.interface ?? target.defaultInterface;
  if (!target.interfaces.includes(iface)) {
    return skipped(
      target.interfaces.length > 1 || target.fresh
        ? `needs the ${iface} interface, which this card does not have`
        : `needs the ${iface} interface; the card in this reader answers on its ${target.interfaces.join('/')} interface`,
    );
  }
  const onCopy = c.risk === 'blocks' && target.fresh !== undefined;
  const started = options.now();
  let devices: Devices | undefined;
  let ctx: CaseContext | undefined;
  const finish = (outcome: CaseResult['outcome'], message?: string): CaseResult & { atr?: string } => ({
    ...base,
    outcome,
    ...(message !== undefined ? { message } : {}),
    ranOn: onCopy ? 'copy' : 'shared',
    ms: options.now() - started,
    exchanges: ctx?.exchanges ?? [],
    notes: ctx?.notes ?? [],
    ...(devices?.card.connected ? { atr: toHex(devices.card.atr) } : {}),
  });
  try {
    devices = onCopy ? await target.fresh!() : target.shared;
    const card = withLayers(devices.card, getResponseLayer());
    try {
      await prepareWaiting(devices.card, iface, options, wait);
    } catch (err) {
      return finish('error', `the card could not be reset on the ${iface} interface: ${oneLine(err)}`);
    }
    if (c.needs?.protocol && devices.card.protocol !== c.needs.protocol) {
      return finish('skipped', `needs a ${c.needs.protocol} card; this one speaks ${devices.card.protocol ?? 'an unknown protocol'}`);
    }
    const psamReader = devices.psam;
    let psam: PsamClient | undefined;
    const raw = devices.card;
    ctx = new CaseContext({
      card,
      rawTransport: () => raw.transport,
      reconnect: async (i) => {
        await raw.connect(i);
        return raw.atr;
      },
      ...(psamReader
        ? {
            psam: async () => {
              if (!psam) {
                await prepare(psamReader, 'contact');
                psam = new PsamClient(psamReader);
                await psam.open();
              }
              return psam;
            },
          }
        : {}),
      random: options.random,
      clock: options.clock,
      settings: options.settings,
      pins,
      caseId: c.id,
      ...(options.keyring ? { keyring: options.keyring } : {}),
      timeoutMs: options.timeoutMs,
      now: options.now,
    });
    await c.run(ctx);
    return finish('passed');
  } catch (err) {
    if (err instanceof CaseFailure) return finish('failed', oneLine(err));
    if (err instanceof CaseSkip) return finish('skipped', oneLine(err));
    if (err instanceof TransportError) return finish('error', oneLine(err));
    const name = err instanceof Error && err.name && err.name !== 'Error' ? `${err.name}: ` : '';
    return finish('error', `${name}${oneLine(err)}`);
  } finally {
    if (onCopy) await devices?.close?.().catch(() => undefined);
  }
}
