/**
 * `sscard conformance`: the built-in conformance suites (src/qa/conformance) against a card — the
 * in-process card of an image (`--card`, always on a copy: a run never changes the user's image) or a
 * card in a PC/SC reader (`--reader`; cases that could block it only with `--destructive`) — with a
 * PSAM for the suites that need one. Faults (`--fault`) make the card misbehave on purpose. Prints a
 * summary (or `--json`), writes JUnit XML (`--junit`) and a self-contained HTML report (`--html`), and
 * exits 1 when a case failed.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { writeFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Option, type Command } from 'commander';
import { traceLayer } from '../../apdu/layers/trace.js';
import { TransportError } from '../../apdu/transport.js';
import { systemClock, systemRandom } from '../../env.js';
import type { Logger } from '../../log.js';
import { CASES_BY_SUITE, casesOf, parseSuites } from '../../qa/conformance/catalogue.js';
import { DEFAULT_SETTINGS, type CaseSettings } from '../../qa/conformance/context.js';
import { htmlReport } from '../../qa/conformance/report/html.js';
import { junitReportOf } from '../../qa/conformance/report/junit.js';
import { summaryText } from '../../qa/conformance/report/summary.js';
import { runConformance, type Devices, type RunTarget } from '../../qa/conformance/runner.js';
import { countResults, SUITE_TITLES, SUITES, type ConformanceCase, type RunReport } from '../../qa/conformance/types.js';
import { unpredictableSource, withFaults } from '../../qa/faults/faulty-reader.js';
import { writeJUnitFile } from '../../qa/report/junit.js';
import { CardFaults } from '../../server/faults.js';
import type { CardInterface } from '../../spec/card-interface.js';
import { FAULT_EFFECTS, FAULT_SIDES, FaultPlan, formatFaultSpec, type FaultSpec } from '../../spec/faults.js';
import { parseFaultOptions } from '../fault-options.js';
import { withLayers, type CardReader } from '../../terminal/reader.js';
import { PcscReader } from '../../terminal/readers/pcsc.js';
import { SimulatedReader } from '../../terminal/readers/simulated.js';
import { FailureError, UsageError, UserError } from '../errors.js';
import { keyringFor } from '../issuer-options.js';
import { loggerFor } from '../logging.js';
import { jsonText, writeJson, writeOut } from '../output.js';
import { progressOn, type Progress } from '../progress.js';
import { openCardForCli, traceLogger } from '../transport-options.js';

/** The options of the command (commander's values). */
export interface ConformanceOptions {
  card?: string;
  reader?: string;
  interface: CardInterface;
  psam?: string;
  psamReader?: string;
  trace?: string;
  suite: string;
  case?: string[];
  list?: boolean;
  destructive?: boolean;
  pin: string;
  pkiPin?: string;
  pbocPin: string;
  amount: string;
  issuerKeys?: string[];
  fault?: string[];
  timeout: string;
  cardWait: string;
  junit?: string;
  html?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function positiveInteger(text: string, what: string, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max) throw new UsageError(`${what}: expected an integer 1..${max}, got "${text}"`);
  return Number(text);
}

function pinOption(text: string, what: string): string {
  if (!/^\d{4,12}$/.test(text)) throw new UsageError(`${what}: a PIN is 4 to 12 digits`);
  return text;
}

/** Parses --fault values, split by the face that applies them. */
export function parseConformanceFaults(values: readonly string[], inProcess: boolean): { terminal: FaultSpec[]; card: FaultSpec[] } {
  const specs = parseFaultOptions(values);
  for (const s of specs) {
    if (s.slot !== undefined) throw new UsageError(`--fault ${formatFaultSpec(s)}: slot= is for sscard serve; here the faults act on the card under test`);
    if (FAULT_SIDES[s.kind] === 'card' && !inProcess) {
      throw new UsageError(`--fault ${formatFaultSpec(s)} acts inside the card: with --reader, serve the card with it (sscard serve --card … --fault ${formatFaultSpec(s)})`);
    }
  }
  return { card: specs.filter((s) => FAULT_SIDES[s.kind] === 'card'), terminal: specs.filter((s) => FAULT_SIDES[s.kind] !== 'card') };
}

/** Cases of the options: the suites, then --case prefixes. */
function selectCases(opts: ConformanceOptions): { cases: ConformanceCase[]; suites: ReturnType<typeof parseSuites> } {
  let suites;
  try {
    suites = parseSuites(opts.suite);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  let cases = casesOf(suites);
  if (opts.case?.length) {
    const wanted = opts.case;
    cases = cases.filter((c) => wanted.some((w) => c.id === w || c.id.startsWith(`${w}.`) || c.id.startsWith(w)));
    if (cases.length === 0) throw new UsageError(`--case ${wanted.join(', ')}: no case of the suites ${suites.join(', ')} has such an id (see sscard conformance --list)`);
  }
  return { cases, suites };
}

function listCases(cases: readonly ConformanceCase[], json: boolean): void {
  if (json) {
    writeJson(cases.map((c) => ({ id: c.id, suite: c.suite, title: c.title, refs: c.refs, risk: c.risk, ...(c.needs ? { needs: c.needs } : {}) })));
    return;
  }
  for (const s of SUITES) {
    const of = cases.filter((c) => c.suite === s);
    if (!of.length) continue;
    writeOut(`${s} (${of.length}): ${SUITE_TITLES[s]}\n`);
    for (const c of of) {
      const needs = [c.needs?.psam ? 'PSAM' : '', c.needs?.interface ?? '', c.needs?.protocol ?? ''].filter(Boolean).join(', ');
      const risk = c.risk === 'none' ? '' : ` [${c.risk}]`;
      writeOut(`  ${c.id}${risk}${needs ? ` (needs ${needs})` : ''}\n    ${c.title}\n    checks: ${c.refs.join('; ')}\n`);
    }
  }
}

/** A temporary directory for the copies of the images; removed at the end of the run. */
interface Copies {
  dir: string;
  next(file: string, what: string): string;
  remove(): void;
}

function copies(): Copies {
  const dir = mkdtempSync(join(tmpdir(), 'sscard-conformance-'));
  let n = 0;
  return {
    dir,
    next(file, what) {
      const to = join(dir, `${what}-${++n}-${basename(file)}`);
      try {
        copyFileSync(file, to);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new FailureError(`${what} ${file}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
      }
      return to;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function writeTextFile(file: string, text: string, what: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, text, 'utf8');
    await rename(tmp, file);
  } catch (err) {
    throw new FailureError(`${what} ${file}: ${(err as Error).message}`);
  }
}

/** Opens what the options name and describes it to the runner. */
async function openTarget(opts: ConformanceOptions, log: Logger, faults: { terminal: FaultSpec[]; card: FaultSpec[] }): Promise<{ target: RunTarget; plan: FaultPlan; close(): Promise<void> }> {
  const trace = traceLogger(opts.trace, [opts.card, opts.psam].filter((f): f is string => Boolean(f)));
  const plan = new FaultPlan(faults.terminal, Date.now());
  const opened: Array<{ close(): Promise<void> }> = [];
  const layered = (reader: CardReader, device: string) => withLayers(reader, traceLayer(trace.child({ device })));
  const closeAll = async () => {
    for (const o of opened.reverse()) await o.close().catch(() => undefined);
  };
  try {
    if (opts.card) {
      const dir = copies();
      opened.push({ close: async () => dir.remove() });
      const cardFaults = new CardFaults(faults.card);
      const open = async (file: string, what: 'card' | 'PSAM'): Promise<SimulatedReader> => {
        const copy = dir.next(file, what === 'card' ? 'card' : 'psam');
        const { card, close } = await openCardForCli(copy, log, what === 'card' ? { faults: cardFaults.hooks(), random: cardFaults.random } : {});
        return new SimulatedReader(card, { name: `${what} ${file} (copy)`, onClose: close });
      };
      const devices = async (): Promise<Devices & { close(): Promise<void> }> => {
        const card = await open(opts.card!, 'card');
        const psam = opts.psam ? await open(opts.psam, 'PSAM') : undefined;
        return {
          card: layered(withFaults(card, plan), 'card'),
          ...(psam ? { psam: layered(psam, 'psam') } : {}),
          close: async () => {
            await card.close();
            await psam?.close();
          },
        };
      };
      const shared = await devices();
      opened.push(shared);
      const interfaces: CardInterface[] = ['contact'];
      try {
        await shared.card.connect('contactless');
        interfaces.push('contactless');
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
      }
      await shared.card.disconnect();
      if (!interfaces.includes(opts.interface)) throw new UsageError(`card ${opts.card}: it has no ${opts.interface} interface`);
      return {
        target: { describe: `${opts.card} (in-process copy, ${opts.interface})`, shared, fresh: devices, interfaces, defaultInterface: opts.interface },
        plan,
        close: closeAll,
      };
    }
    const card = new PcscReader(opts.reader!);
    opened.push({ close: () => card.disconnect() });
    try {
      await card.connect();
    } catch (err) {
      if (err instanceof TransportError) throw new FailureError(err.message);
      throw err;
    }
    const iface = card.interface ?? 'contact';
    let psam: CardReader | undefined;
    if (opts.psamReader) {
      const p = new PcscReader(opts.psamReader);
      opened.push({ close: () => p.disconnect() });
      psam = layered(p, 'psam');
    } else if (opts.psam) {
      const dir = copies();
      opened.push({ close: async () => dir.remove() });
      const { card: psamCard, close } = await openCardForCli(dir.next(opts.psam, 'psam'), log);
      const p = new SimulatedReader(psamCard, { name: `PSAM ${opts.psam} (copy)`, onClose: close });
      opened.push({ close: () => p.close() });
      psam = layered(p, 'psam');
    }
    return {
      target: { describe: `reader "${card.name}" (${iface})`, shared: { card: layered(withFaults(card, plan), 'card'), ...(psam ? { psam } : {}) }, interfaces: [iface], defaultInterface: iface },
      plan,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** The settings of the options. */
function settingsOf(opts: ConformanceOptions): CaseSettings {
  const pin = pinOption(opts.pin, '--pin');
  return {
    ...DEFAULT_SETTINGS,
    pin,
    pkiPin: opts.pkiPin ? pinOption(opts.pkiPin, '--pki-pin') : pin,
    pbocPin: pinOption(opts.pbocPin, '--pboc-pin'),
    amount: positiveInteger(opts.amount, '--amount', 100_000),
  };
}

/** Runs the command (exported for tests). Returns the report. */
export async function runConformanceCommand(opts: ConformanceOptions, log: Logger, io: { progress?: Progress } = {}): Promise<RunReport> {
  if (!opts.card && !opts.reader) throw new UsageError('say which card to test: --card <file> or --reader <name|index>');
  if (opts.card && opts.reader) throw new UsageError('--card and --reader cannot be used together');
  if (opts.psam && opts.psamReader) throw new UsageError('--psam and --psam-reader cannot be used together');
  const { cases, suites } = selectCases(opts);
  const settings = settingsOf(opts);
  const timeoutMs = positiveInteger(opts.timeout, '--timeout', 600_000);
  const cardWaitMs = opts.cardWait === '0' ? 0 : positiveInteger(opts.cardWait, '--card-wait', 600_000);
  const faults = parseConformanceFaults(opts.fault ?? [], Boolean(opts.card));
  const keyring = keyringFor({ ...(opts.issuerKeys ? { issuerKeys: opts.issuerKeys } : {}) });
  const { target, plan, close } = await openTarget(opts, log, faults);
  const progress = io.progress ?? progressOn(process.stderr, 'conformance');
  try {
    const report = await runConformance(target, {
      cases,
      suites,
      destructive: Boolean(opts.destructive),
      settings,
      keyring,
      random: unpredictableSource(plan, systemRandom),
      clock: systemClock,
      now: () => performance.now(),
      timeoutMs,
      cardWaitMs,
      faults: [...faults.terminal, ...faults.card].map(formatFaultSpec),
      onStart: (total) => progress.start(total),
      onCase: (_i, _n, c) => progress.step(c.id),
      onResult: (i, n, r) => progress.done(i, n, r.id, r.outcome),
    });
    progress.stop();
    return report;
  } finally {
    progress.stop();
    await close();
  }
}

export function register(program: Command): void {
  const cmd = program
    .command('conformance')
    .description('run the built-in conformance suites (SSSE, PSAM, PKI, PBOC, qPBOC) against a card and report JUnit/HTML')
    .addOption(new Option('--card <file>', 'card image (run on a copy: the file is never changed)').conflicts('reader'))
    .addOption(new Option('--interface <iface>', 'interface of the in-process card').choices(['contact', 'contactless']).default('contact'))
    .addOption(new Option('--reader <name|index>', 'a card in a PC/SC reader (real, or sscard serve)').conflicts('card'))
    .addOption(new Option('--psam <file>', 'PSAM image (from sscard psam new), run on a copy').conflicts('psamReader'))
    .addOption(new Option('--psam-reader <name|index>', 'a PSAM in a PC/SC reader').conflicts('psam'))
    .option('--trace <file.jsonl>', 'write every APDU exchange as JSON lines to this file')
    .option('--suite <names>', `suites: ${SUITES.join(', ')} or all (comma-separated)`, 'all')
    .option('--case <id>', 'only cases whose id is or starts with this (repeatable), e.g. pboc.oda', collect)
    .option('--list', 'list the cases (with --suite/--case) and exit')
    .option('--destructive', 'with --reader: also run the cases that could block the card (PIN exhaustion, application and card block)')
    .option('--pin <digits>', 'PIN_SSSE of the card', '123456')
    .option('--pki-pin <digits>', 'PIN_PKI (default: --pin)')
    .option('--pboc-pin <digits>', 'the PBOC offline PIN', '123456')
    .option('--amount <fen>', 'amount of the medical debit and of the EC purchase, in fen', '1')
    .option('--issuer-keys <file>', 'issuer master keys for the PBOC cryptogram checks: a profile, a key file or a bundled profile name (repeatable; default: the TEST keys of every bundled profile)', collect)
    .option('--fault <spec>', 'inject a fault into the card under test (repeatable; see below)', collect)
    .option('--timeout <ms>', 'longest wait for one answer of the card', '30000')
    .option('--card-wait <ms>', 'how long a case waits for a card that is not in the reader (removed, being re-detected)', '2000')
    .option('--junit <file.xml>', 'write a JUnit XML report')
    .option('--html <file.html>', 'write a self-contained HTML report')
    .option('--json', 'print the results as JSON instead of the summary');
  cmd.addHelpText(
    'after',
    `
Suites:
${SUITES.map((s) => `  ${s.padEnd(7)}${CASES_BY_SUITE[s].length} cases — ${SUITE_TITLES[s]}`).join('\n')}
Every case names the sections of the standards it checks (LD/T 32.5, LD/T 6001.3, ISO/IEC 7816-4,
EMV Book 3, JR/T 0025.12 …); --list prints them. docs/qa-conformance.md lists every case.

The card: --card runs on a copy of the image in a temporary directory (removed afterwards): cases that
change the card, and those that could block it (on a fresh copy each), never touch your file. With
--reader the cases run on the card itself: cases that could block it are skipped unless --destructive
(they then run last; CARD BLOCK leaves the card unusable). A PIN the card refuses is not tried again.
Cases needing a PSAM are skipped without --psam / --psam-reader; PBOC cryptograms are checked with the
TEST issuer keys of the bundled profiles (--issuer-keys for others).

Faults (--fault kind[:main][,name=value…], repeatable; at=N the Nth command, ins=XX by INS, count=K):
${Object.entries(FAULT_EFFECTS)
  .map(([k, e]) => `  ${k.padEnd(9)}${e}${FAULT_SIDES[k as keyof typeof FAULT_SIDES] === 'card' ? ' (--card only)' : ''}`)
  .join('\n')}

Exit code: 0 when no case failed, 1 when one failed or could not run (error), 2 for usage errors.

Examples:
  sscard card new --profile shanghai --out card.json && sscard psam new --profile shanghai --out psam.json
  sscard conformance --card card.json --psam psam.json                   # every suite, summary table
  sscard conformance --card card.json --suite ssse,pki --junit report.xml --html report.html
  sscard conformance --card card.json --case pboc.oda --json
  sscard conformance --card card.json --fault sw:6A82,ins=B2              # READ RECORD answers 6A82
  sscard conformance --card card.json --psam psam.json --fault powercut:1 --fault random:42 --fault un:7
  sscard conformance --reader "Virtual PCD 00 00" --psam-reader "Virtual PCD 00 01" --destructive
  sscard conformance --list --suite psam`,
  );
  cmd.action(async (opts: ConformanceOptions, command: Command) => {
    const log = loggerFor(command);
    if (opts.list) {
      listCases(selectCases(opts).cases, Boolean(opts.json));
      return;
    }
    let report: RunReport;
    try {
      report = await runConformanceCommand(opts, log);
    } catch (err) {
      if (err instanceof UserError) throw err;
      if (err instanceof TransportError) throw new FailureError(err.message);
      throw err;
    }
    if (opts.junit) {
      try {
        await writeJUnitFile(opts.junit, junitReportOf(report));
      } catch (err) {
        throw new FailureError(`--junit ${opts.junit}: ${(err as Error).message}`);
      }
    }
    if (opts.html) await writeTextFile(opts.html, htmlReport(report), '--html');
    if (opts.json) writeOut(jsonText({ ...report, counts: countResults(report.results) }));
    else writeOut(summaryText(report, { width: process.stdout.columns ?? 100 }));
    const c = countResults(report.results);
    if (c.failed + c.error > 0) {
      throw new FailureError(`${c.failed + c.error} of ${c.total} cases did not pass (${c.failed} failed, ${c.error} errors)${opts.junit ? `; see ${opts.junit}` : ''}${opts.html ? `; see ${opts.html}` : ''}`);
    }
  });
}
