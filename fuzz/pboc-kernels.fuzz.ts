/**
 * Robustness of the PBOC contact and qPBOC kernels against wrong card answers: each run is a purchase
 * against a real simulated card (src/card) and the real issuer host, with ONE of the card's responses
 * mutated on its way to the kernel (a bit flipped, a byte changed, truncated — even below a status
 * word —, extended, another status word, random data, the data doubled, two bytes swapped, or the reader
 * failing). Every run must end with an outcome (APPROVED with who approved; DECLINED,
 * TRY_ANOTHER_INTERFACE or TERMINATED with a reason) or a `TransportError` (an I/O failure) — never
 * another exception, never a hang (each run has a deadline), and the unmutated card never answers 6F00.
 *
 *   npm run fuzz -- pboc-kernels                 # 100,000 mutated responses (progress on stderr)
 *   npx tsx fuzz/pboc-kernels.fuzz.ts --runs 5000 --seed 7
 *
 * test/terminal/kernels/fuzz.test.ts runs 1,000 of them in `npm test`.
 */
import { fileURLToPath } from 'node:url';
import { toHex } from '../src/apdu/bytes.js';
import { getResponseLayer } from '../src/apdu/layers/get-response.js';
import { TransportError, type Transport } from '../src/apdu/transport.js';
import type { PbocState } from '../src/card/apps/pboc/state.js';
import type { CardImage } from '../src/card/index.js';
import { seededRandom, type RandomSource } from '../src/env.js';
import type { IssuerHost } from '../src/terminal/hosts/issuer/index.js';
import { scriptedPinPad } from '../src/terminal/kernels/context.js';
import { REASONS, type KernelResult } from '../src/terminal/kernels/outcome.js';
import { runPbocContact } from '../src/terminal/kernels/pboc-contact/kernel.js';
import { runQpboc } from '../src/terminal/kernels/qpboc/kernel.js';
import { MemoryTornStore } from '../src/terminal/kernels/qpboc/torn-transaction.js';
import { makeTestCard, type TestCard } from '../test/terminal/kernels/helpers/cards.js';
import { clock, terminalConfig, testIssuer } from '../test/terminal/kernels/helpers/setup.js';

type Mutation = (response: Uint8Array, r: Rng) => Uint8Array | 'io-error';

class Rng {
  constructor(readonly source: RandomSource) {}
  int(n: number): number {
    const b = this.source(4);
    return (((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0) % n;
  }
  bytes(n: number): Uint8Array {
    return this.source(n);
  }
}

const SWS = [0x9000, 0x6283, 0x6300, 0x63c0, 0x63c2, 0x6700, 0x6985, 0x6983, 0x6a80, 0x6a81, 0x6a82, 0x6a83, 0x6a88, 0x6d00, 0x6e00, 0x6f00, 0x6110, 0x6c10];

/** The mutations, by name. */
export const MUTATIONS: Record<string, Mutation> = {
  'bit flip': (x, r) => {
    const y = x.slice();
    if (y.length) y[r.int(y.length)]! ^= 1 << r.int(8);
    return y;
  },
  'byte set': (x, r) => {
    const y = x.slice();
    if (y.length) y[r.int(y.length)] = r.int(256);
    return y;
  },
  truncate: (x, r) => x.slice(0, r.int(Math.max(1, x.length))),
  extend: (x, r) => {
    const extra = r.bytes(1 + r.int(8));
    return Uint8Array.from([...x.subarray(0, -2), ...extra, ...x.subarray(-2)]);
  },
  'status word': (x, r) => {
    const sw = SWS[r.int(SWS.length)]!;
    return Uint8Array.from([...x.subarray(0, Math.max(0, x.length - 2)), sw >> 8, sw & 0xff]);
  },
  'random data': (_x, r) => Uint8Array.from([...r.bytes(r.int(64)), 0x90, 0x00]),
  'data dropped': (x) => x.slice(Math.max(0, x.length - 2)),
  'data doubled': (x) => Uint8Array.from([...x.subarray(0, -2), ...x.subarray(0, -2), ...x.subarray(-2)]),
  'bytes swapped': (x, r) => {
    const y = x.slice();
    if (y.length > 1) {
      const [i, j] = [r.int(y.length), r.int(y.length)];
      [y[i], y[j]] = [y[j]!, y[i]!];
    }
    return y;
  },
  'length byte': (x, r) => {
    const y = x.slice();
    if (y.length > 2) {
      const i = 1 + r.int(Math.min(4, y.length - 2));
      y[i] = (y[i]! + (r.int(2) ? 1 : 255)) & 0xff;
    }
    return y;
  },
  'io error': () => 'io-error',
};
const MUTATION_NAMES = Object.keys(MUTATIONS);

interface Scenario {
  name: string;
  kind: 'contact' | 'contactless';
  card: TestCard;
  image: CardImage;
  /** Responses in a clean run (the mutated one is picked among them). */
  exchanges: number;
  amount: (r: Rng) => number;
  atc: number;
}

export interface FuzzReport {
  runs: number;
  mutatedResponses: number;
  outcomes: Record<string, number>;
  reasons: Record<string, number>;
  transportErrors: number;
  mutations: Record<string, number>;
  failures: Array<{ run: number; scenario: string; mutation: string; at: number; error: string }>;
}

const DEADLINE_MS = 20_000;
/** No purchase needs this many commands; more means a loop that does not end. */
const MAX_EXCHANGES = 500;

function check(result: KernelResult): string | undefined {
  if (!['APPROVED', 'DECLINED', 'TRY_ANOTHER_INTERFACE', 'TERMINATED'].includes(result.outcome)) return `outcome ${String(result.outcome)}`;
  if (result.outcome === 'APPROVED' && (!result.approvedBy || result.reason)) return 'APPROVED without approvedBy (or with a reason)';
  if (result.outcome !== 'APPROVED' && (!result.reason || !(result.reason.code in REASONS))) return `${result.outcome} without a known reason`;
  if (!/^[0-9A-F]{10}$/.test(result.tvr.hex) || !/^[0-9A-F]{4}$/.test(result.tsi.hex)) return 'TVR/TSI not 5/2 bytes';
  JSON.stringify(result);
  return undefined;
}

async function scenarios(): Promise<{ list: Scenario[]; issuer: IssuerHost }> {
  const issuer = testIssuer();
  const make = async (name: string, kind: Scenario['kind'], section: Record<string, unknown>, seed: number, amount: Scenario['amount']): Promise<Scenario> => {
    const card = makeTestCard({ section, seed });
    await issuer.openAccount({ pan: card.pan, balance: 900_000_000_000, pin: '123456', ecBalance: card.state().ec.balance, ecBalanceLimit: card.state().ec.balanceLimit }).catch((err: Error) => {
      if (!/exists already/.test(err.message)) throw err;
    });
    return { name, kind, card, image: card.store.load(), exchanges: 0, amount, atc: 0 };
  };
  const list = [
    await make('contact online', 'contact', {}, 31, (r) => 1 + r.int(40_000)),
    await make('contact offline', 'contact', { risk: { offlineAmountLimit: 1_000_000, consecutiveOfflineLimit: 255 } }, 32, (r) => 1 + r.int(5_000)),
    await make('qPBOC offline', 'contactless', { ec: { balance: 100_000, singleLimit: 100_000 } }, 33, (r) => 1 + r.int(20_000)),
    await make('qPBOC online', 'contactless', {}, 34, (r) => 20_001 + r.int(79_000)),
  ];
  return { list, issuer };
}

/** A transport that mutates the response of exchange number `at` (0-based) and checks the clean card never answers 6F00. */
function mutating(inner: Transport, at: number, mutation: Mutation, r: Rng, seen: { count: number; mutated: boolean; card6f00?: string }): Transport {
  return {
    async transmit(command: Uint8Array): Promise<Uint8Array> {
      // the in-process card answers synchronously: yield to the event loop, so that the run's deadline
      // (and the progress display) can fire between two commands
      await new Promise((resolve) => setImmediate(resolve));
      const index = seen.count++;
      if (index >= MAX_EXCHANGES) throw new Error(`more than ${MAX_EXCHANGES} commands in one run (a loop without end?)`);
      if (index === at) seen.mutated = true;
      const response = await inner.transmit(command);
      if (response.length >= 2 && response[response.length - 2] === 0x6f && response[response.length - 1] === 0x00) {
        seen.card6f00 ??= `${toHex(command)} → 6F00`;
      }
      if (index !== at) return response;
      const out = mutation(response, r);
      if (out === 'io-error') throw new TransportError('fuzz: the reader failed (the card processed the command)');
      return out;
    },
  };
}

async function runOnce(s: Scenario, issuer: IssuerHost, run: number, r: Rng, mutationName: string | undefined, at: number): Promise<{ result?: KernelResult; error?: unknown; seen: { count: number; mutated: boolean; card6f00?: string } }> {
  const image = structuredClone(s.image);
  (image.apps.pboc as PbocState).atc = ++s.atc;
  s.card.store.save(image);
  const reader = s.card.reader();
  await reader.connect(s.kind);
  const seen = { count: 0, mutated: false } as { count: number; mutated: boolean; card6f00?: string };
  const mutation = mutationName ? MUTATIONS[mutationName]! : (x: Uint8Array) => x;
  const transport = getResponseLayer()(mutating(reader.transport, mutationName ? at : -1, mutation, r, seen));
  const deps = { config: terminalConfig(), issuer, pinPad: scriptedPinPad(['123456', '123456']), clock, random: seededRandom(run) };
  const request = { amount: s.amount(r), transactionId: `FZ${run}` };
  try {
    const work = s.kind === 'contact' ? runPbocContact(transport, request, deps) : runQpboc(transport, request, { ...deps, torn: new MemoryTornStore() });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no outcome after ${DEADLINE_MS} ms (hang)`)), DEADLINE_MS);
    });
    try {
      return { result: await Promise.race([work, deadline]), seen };
    } finally {
      clearTimeout(timer);
    }
  } catch (error) {
    return { error, seen };
  } finally {
    await reader.disconnect();
  }
}

/** Runs the kernels until `runs` responses were mutated. */
export async function fuzzPbocKernels(options: { runs: number; seed: number; onProgress?: (mutated: number) => void }): Promise<FuzzReport> {
  const r = new Rng(seededRandom(options.seed));
  const { list, issuer } = await scenarios();
  const report: FuzzReport = { runs: 0, mutatedResponses: 0, outcomes: {}, reasons: {}, transportErrors: 0, mutations: {}, failures: [] };
  const fail = (run: number, s: Scenario, mutation: string, at: number, error: string) => {
    if (report.failures.length < 50) report.failures.push({ run, scenario: s.name, mutation, at, error });
  };
  // clean runs first: how many exchanges each scenario has, and none may fail
  for (const s of list) {
    const clean = await runOnce(s, issuer, 0, r, undefined, -1);
    if (!clean.result || clean.seen.card6f00) fail(0, s, 'none', -1, clean.seen.card6f00 ?? String((clean.error as Error)?.stack ?? clean.error));
    s.exchanges = clean.seen.count;
  }
  let run = 0;
  while (report.mutatedResponses < options.runs) {
    run++;
    const s = list[run % list.length]!;
    const name = MUTATION_NAMES[r.int(MUTATION_NAMES.length)]!;
    const at = r.int(Math.max(1, s.exchanges));
    const { result, error, seen } = await runOnce(s, issuer, run, r, name, at);
    report.runs++;
    if (seen.mutated) {
      report.mutatedResponses++;
      report.mutations[name] = (report.mutations[name] ?? 0) + 1;
      options.onProgress?.(report.mutatedResponses);
    }
    if (seen.card6f00) fail(run, s, name, at, `the card answered ${seen.card6f00}`);
    if (result) {
      const problem = check(result);
      if (problem) fail(run, s, name, at, problem);
      report.outcomes[result.outcome] = (report.outcomes[result.outcome] ?? 0) + 1;
      if (result.reason) report.reasons[result.reason.code] = (report.reasons[result.reason.code] ?? 0) + 1;
    } else if (error instanceof TransportError && error.message.length > 0) {
      report.transportErrors++;
    } else {
      fail(run, s, name, at, String((error as Error)?.stack ?? error));
    }
  }
  await issuer.close();
  return report;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const value = (flag: string, dflt: number) => {
    const i = args.indexOf(flag);
    return i >= 0 ? Number(args[i + 1]) : dflt;
  };
  const runs = value('--runs', 100_000);
  const seed = value('--seed', 1);
  const { SingleBar, Presets } = await import('cli-progress');
  // without a terminal (CI logs), a plain line every 10 s
  const bar = new SingleBar(
    { format: 'pboc-kernels [{bar}] {value}/{total} mutated responses ({eta}s left)', stream: process.stderr, noTTYOutput: true, notTTYSchedule: 10_000 },
    Presets.shades_classic,
  );
  bar.start(runs, 0);
  const started = performance.now();
  const report = await fuzzPbocKernels({ runs, seed, onProgress: (n) => n % 100 === 0 && bar.update(n) });
  bar.update(report.mutatedResponses);
  bar.stop();
  const seconds = (performance.now() - started) / 1000;
  console.log(`pboc-kernels: ${report.runs} runs, ${report.mutatedResponses} mutated responses, seed ${seed}, ${seconds.toFixed(1)} s`);
  console.log(`  outcomes: ${JSON.stringify(report.outcomes)}; transport errors: ${report.transportErrors}`);
  console.log(`  reasons: ${JSON.stringify(report.reasons)}`);
  console.log(`  mutations: ${JSON.stringify(report.mutations)}`);
  if (report.failures.length > 0) {
    console.log(`FAILED: ${report.failures.length} run(s) (first 50 kept):`);
    for (const f of report.failures) console.log(`  run ${f.run} (${f.scenario}, ${f.mutation} at exchange ${f.at}): ${f.error}`);
    process.exit(1);
  }
  console.log('  every run ended with an outcome or a transport error');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
