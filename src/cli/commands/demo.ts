/**
 * `sscard demo`: the first thing to run after `npm install`. By default the story of demo/story.ts —
 * from nothing to a hospital bill split between the two accounts, a quick payment and a lost card,
 * in a temporary state directory on embedded defaults. With `--tour`, a card driven through its
 * applications with the APDUs printed (the SSSE reader kernel, terminal/flows/card-tour.ts `ssseTour`).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { toHex } from '../../apdu/bytes.js';
import { getResponseLayer } from '../../apdu/layers/get-response.js';
import { describeSw } from '../../apdu/status-word-table.js';
import { layered, type Transport, type TransportLayer } from '../../apdu/transport.js';
import { createCard, writeFileAtomic } from '../../card/index.js';
import { personalizePsam } from '../../card/apps/psam/index.js';
import { personalize } from '../../card/personalize/personalize.js';
import { testCaChain } from '../../card/personalize/pki.js';
import { sampleHolder } from '../../card/personalize/sample-holder.js';
import { seededRandom, systemClock } from '../../env.js';
import { silentLogger } from '../../log.js';
import { PsamClient } from '../../terminal/psam/psam-client.js';
import { SimulatedReader } from '../../terminal/readers/simulated.js';
import { withLayers } from '../../terminal/reader.js';
import { SimulatedTransport } from '../../card/simulated-transport.js';
import { contactlessTour, ssseTour, TourError, type TourReport } from '../../terminal/flows/card-tour.js';
import { buildTrustStore, SsseReader } from '../../terminal/kernels/ssse-reader/index.js';
import { table } from '../ssse-cli.js';
import { FailureError, UsageError } from '../errors.js';
import { writeJson, writeOut, writeProgress } from '../output.js';
import { alignedRows } from '../format/columns.js';
import { clockOption } from '../clock-option.js';
import { loggerFor } from '../logging.js';
import { cardLifeUserError } from '../card-life-hosts.js';
import { runStory, type StorySummary } from '../demo/story.js';
import { terminalConfigFor } from './pay.js';
import { loadProfile } from './card.js';

/** A layer that prints every exchange as `> command` / `< response  SW meaning`. */
function printLayer(out: (line: string) => void): TransportLayer {
  return (inner: Transport): Transport => ({
    async transmit(command) {
      out(`    > ${toHex(command)}`);
      const response = await inner.transmit(command);
      const sw = (response[response.length - 2]! << 8) | response[response.length - 1]!;
      out(`    < ${toHex(response.subarray(0, response.length - 2)) || '(no data)'}  ${describeSw(sw)}`);
      return response;
    },
  });
}

function printReport(out: (line: string) => void, report: TourReport): void {
  out('');
  out(`  ${report.title}`);
  out(table(report.facts, '    '));
}

/** Runs the card tour of `--tour` (the APDUs of each step through the SSSE kernel, then contactless). */
async function runTour(opts: { profile: string; seed: string; apdus: boolean; out?: string }): Promise<void> {
  const out = (line: string) => writeOut(`${line}\n`);
  const random = seededRandom(seedOf(opts.seed));
  const clock = systemClock;
  const profile = loadProfile(opts.profile);
  const holder = sampleHolder(profile, random);
  out(`Personalising a ${profile.name} card for ${holder.name} (card number ${holder.cardNumber}) …`);
  const image = personalize(profile, holder, { random, clock });
  if (opts.out) {
    if (existsSync(opts.out)) throw new UsageError(`${opts.out} exists: choose another --out (the demo never overwrites a card)`);
    try {
      writeFileAtomic(opts.out, `${JSON.stringify(image, null, 1)}\n`);
    } catch (err) {
      throw new FailureError(`cannot write ${opts.out}: ${(err as Error).message}`);
    }
    out(`Card image saved to ${opts.out}`);
  }
  const card = createCard(image, { random, clock, log: silentLogger() });
  const traced = (t: Transport) => (opts.apdus ? layered(t, printLayer(out), getResponseLayer()) : layered(t, getResponseLayer()));
  // The PSAM of the card check: a PSAM image of the same profile, on the same card runtime (docs/psam.md).
  const psamReader = new SimulatedReader(createCard(personalizePsam(profile, { random }), { random, clock, log: silentLogger() }), { name: 'PSAM' });
  await psamReader.connect('contact');
  const psam = new PsamClient(opts.apdus ? withLayers(psamReader, printLayer((line) => out(`  PSAM${line}`))) : psamReader);

  try {
    const contact = new SimulatedReader(card, { name: 'card' });
    const atr = await contact.connect('contact');
    out(`\nContact interface: ATR ${toHex(atr)} (${profile.protocol})`);
    const ca = profile.pki ? testCaChain(profile) : undefined;
    // the terminal's trust: the profile's TEST root, configured on the terminal (never taken from the card)
    const trust = ca ? buildTrustStore({ roots: { text: ca.root.pem, source: 'test root' }, intermediates: { text: ca.issuing.pem, source: 'test issuing CA' } }) : undefined;
    const kernel = new SsseReader(opts.apdus ? withLayers(contact, printLayer(out)) : contact, { random, clock, psam });
    const tour = await ssseTour({ kernel, pin: profile.defaultPin, ...(trust ? { trust } : {}), onReport: (r) => printReport(out, r) });
    if (tour.failed) throw new FailureError(`demo step failed: ${tour.failed}`);
    await contact.disconnect();
    if (card.interfaces.includes('contactless')) {
      const rf = new SimulatedTransport(card, { interface: 'contactless' });
      out(`\nContactless interface: ATR ${toHex(rf.atr)}`);
      printReport(out, await contactlessTour(traced(rf)));
    }
    out('\nDone. Next: `sscard card new --profile shanghai --out card.json`, then `sscard apdu --card card.json 00A404000F7378312E73682EC9E7BBE1B1A3D5CF`,');
    out('or put the card into pcscd with `sscard serve --card card.json` (see README).');
  } catch (err) {
    if (err instanceof TourError) throw new FailureError(`demo step failed: ${err.message}`);
    throw err;
  }
}

function seedOf(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 0xffffffff) throw new UsageError(`--seed must be an integer 0..4294967295, got "${text}"`);
  return Number(text);
}

/** The story: from nothing to a declined payment with a lost card (demo/story.ts). */
async function runMainStory(opts: { profile: string; seed: string; keep?: string; json?: boolean; now?: string }, cmd: Command): Promise<void> {
  const seed = seedOf(opts.seed);
  const clock = clockOption(opts.now);
  const profile = loadProfile(opts.profile);
  if (!profile.financial) throw new UsageError(`profile ${profile.name} has no financial application: the story needs one (use shanghai or sichuan)`);
  let stateDir: string;
  if (opts.keep) {
    if (existsSync(opts.keep) && readdirSync(opts.keep).length > 0) throw new UsageError(`${opts.keep} is not empty: --keep needs a new or empty directory (the demo starts from nothing)`);
    mkdirSync(opts.keep, { recursive: true });
    stateDir = resolve(opts.keep);
  } else {
    stateDir = mkdtempSync(join(tmpdir(), 'sscard-demo-'));
  }
  const human = !opts.json;
  const say = (text: string) => (human ? writeOut(text) : undefined);
  const progress = (text: string) => (human ? writeOut(text) : process.stderr.isTTY ? writeProgress(text) : undefined);
  say(`sscard demo: 第三代社会保障卡 one card, two accounts — state in ${opts.keep ? stateDir : `${stateDir} (temporary; --keep <dir> keeps it)`}\n`);
  let summary: StorySummary;
  try {
    summary = await runStory({
      stateDir,
      profile,
      terminal: terminalConfigFor(undefined),
      seed,
      random: seededRandom(seed),
      clock,
      log: loggerFor(cmd),
      onStart: (i, n, title) => progress(`\n[${i}/${n}] ${title} …\n`),
      onStep: (step) => say(`${alignedRows(step.facts, '      ')}${step.ms >= 1000 ? `      (${(step.ms / 1000).toFixed(1)} s)\n` : ''}`),
    });
  } catch (err) {
    throw cardLifeUserError(err);
  } finally {
    if (!opts.keep) rmSync(stateDir, { recursive: true, force: true });
  }
  if (opts.json) {
    // a temporary state directory is gone by now: name only what is kept
    if (opts.keep) return writeJson({ ...summary, kept: true });
    const card: Partial<StorySummary['card']> = { ...summary.card };
    delete card.file;
    delete card.psam;
    const gone: Partial<StorySummary> = { ...summary, card: card as StorySummary['card'] };
    delete gone.stateDir;
    return writeJson({ ...gone, kept: false });
  }
  say(`\nDone. The settlement split the bill between the pooled fund, the personal account and the bank account;\nthe lost card was declined.${opts.keep ? ` Look around: sscard cards show ${summary.card.cardNumber} --state-dir ${stateDir}` : ''}\n`);
  say('Next: docs/card-life.md, docs/settlement.md; `sscard demo --tour` prints every APDU of a card tour.\n');
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('from nothing to a hospital bill, a quick payment and a lost card — or, with --tour, every APDU of a card tour')
    .option('--profile <name|file>', 'card profile to personalise (bundled: shanghai, sichuan, gen2-3des)', 'shanghai')
    .option('--seed <n>', 'seed of the (NOT secure) random source, for a repeatable run', '2026')
    .option('--keep <dir>', 'keep the state (hosts, card, PSAM) in this new directory instead of a temporary one')
    .option('--now <time>', 'the clock: "yyyy-MM-dd HH:mm:ss" China time or ISO 8601 (default: now)')
    .option('--json', 'print a summary as JSON (the split, the payments, the refusals)')
    .option('--tour', 'instead: walk a card through its applications, printing every APDU')
    .option('--no-apdus', 'with --tour: print only what each step found, not the APDUs')
    .option('--out <file>', 'with --tour: also save the card image there (then try: sscard card show <file>)')
    .addHelpText(
      'after',
      `
The story (docs/card-life.md, docs/settlement.md), in a temporary state directory, on embedded
defaults — no server to start: personalise a card and a PSAM; the bank opens the card's account and
queues an electronic-cash load; the medical-insurance centre enrols the holder (10.00 in the personal
account, this year's deductible met); the card-management host records the card — a payment before
activation is refused; the bank activates the financial area; an outpatient bill of 127.60 is settled
at a designated hospital (the social-security area activated by this first use): pooled fund, personal
account and the cash part from the bank account by a PBOC transaction; a contactless quick payment
(qPBOC, offline electronic cash); the card is reported lost, and the next payment is declined.

--tour: the card check (INTERNAL AUTHENTICATE -> EF05 -> blacklist), the basic information and the
iReadCardBas line, DF04 behind the PIN, an offline medical debit of 1.00, PKI identity authentication,
then the financial application over the contactless interface (PPSE, EC balance), every APDU printed.

Examples:
  sscard demo
  sscard demo --seed 7 --keep /tmp/demo && sscard cards list --state-dir /tmp/demo
  sscard demo --json | jq .settlement
  sscard demo --tour --profile sichuan --no-apdus`,
    )
    .action(async (opts: { profile: string; seed: string; apdus: boolean; out?: string; tour?: boolean; keep?: string; json?: boolean; now?: string }, cmd: Command) => {
      if (opts.tour) {
        if (opts.keep || opts.json) throw new UsageError('--keep and --json are for the story, not --tour');
        return runTour(opts);
      }
      if (opts.out || !opts.apdus) throw new UsageError('--out and --no-apdus go with --tour');
      return runMainStory(opts, cmd);
    });
}
