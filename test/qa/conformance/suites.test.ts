// The conformance suites against good cards of the bundled profiles, in-process (the command's own
// plumbing: a copy of the image, fresh copies for the cases that could block the card): at least 80 cases
// pass on the Shanghai card with its PSAM, the only failure is the deviation listed below, the image file
// is never changed, destructive cases run on copies; against a "real" card (no copies) they are skipped
// unless asked for, and then run last; a wrong --pin is tried once and never again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { createCard } from '../../../src/card/index.js';
import { readCardImageFile } from '../../../src/card/image/store.js';
import { systemClock, systemRandom } from '../../../src/env.js';
import { silentLogger } from '../../../src/log.js';
import { casesOf } from '../../../src/qa/conformance/catalogue.js';
import { DEFAULT_SETTINGS } from '../../../src/qa/conformance/context.js';
import { runConformance, type RunTarget } from '../../../src/qa/conformance/runner.js';
import { countResults, SUITES } from '../../../src/qa/conformance/types.js';
import { SimulatedReader } from '../../../src/terminal/readers/simulated.js';
import { bundledKeyring } from '../../../src/terminal/hosts/issuer/index.js';
import type { Transport } from '../../../src/apdu/transport.js';
import { toHex } from '../../../src/apdu/bytes.js';
import { withLayers } from '../../../src/terminal/reader.js';
import { conformance, digest, ids, messageOf, profileFiles } from './fixtures.js';



describe('the conformance suites on good cards', () => {
  let shanghai: ReturnType<typeof profileFiles>;
  let gen2: ReturnType<typeof profileFiles>;
  beforeAll(() => {
    shanghai = profileFiles('shanghai');
    gen2 = profileFiles('gen2-3des');
  });
  afterAll(() => {
    for (const f of [shanghai, gen2]) if (f) rmSync(f.dir, { recursive: true, force: true });
  });

  it('Shanghai card and PSAM, every suite: at least 80 cases pass, only the known deviations fail, the image is untouched', async () => {
    const before = { card: digest(shanghai.card), psam: digest(shanghai.psam) };
    const report = await conformance({ card: shanghai.card, psam: shanghai.psam });
    const c = countResults(report.results);
    expect(c.passed).toBeGreaterThanOrEqual(80);
    expect(c.total).toBe(casesOf([...SUITES]).length);
    expect(ids(report, 'failed', 'error')).toEqual([]);
    // a T=1 card skips the two T=0 cases, and nothing else
    expect(ids(report, 'skipped')).toEqual(['ssse.t0.get-response', 'ssse.t0.wrong-le']);
    for (const s of SUITES) expect(report.results.filter((r) => r.suite === s && r.outcome === 'passed').length, s).toBeGreaterThan(10);
    // the cases that could block the card ran on fresh copies; the file itself never changed
    const blocks = report.results.filter((r) => r.risk === 'blocks');
    expect(blocks.length).toBeGreaterThanOrEqual(6);
    expect(blocks.every((r) => r.ranOn === 'copy')).toBe(true);
    expect({ card: digest(shanghai.card), psam: digest(shanghai.psam) }).toEqual(before);
  });

  it('second-generation 3DES T=0 card: the SSSE and PSAM suites pass, T=0 cases included; contactless cases are skipped', async () => {
    const report = await conformance({ card: gen2.card, psam: gen2.psam, suite: 'ssse,psam,qpboc' });
    expect(ids(report, 'failed', 'error')).toEqual([]);
    expect(ids(report, 'passed')).toEqual(expect.arrayContaining(['ssse.t0.get-response', 'ssse.t0.wrong-le', 'psam.medical-debit', 'psam.card-check']));
    expect(messageOf(report, 'ssse.ef0d.person-id')).toMatch(/third-generation file; this card is of specification version 2.00/);
    expect(messageOf(report, 'qpboc.ppse.select')).toMatch(/needs the contactless interface, which this card does not have/);
  });

  it('without a PSAM the psam suite is skipped, saying what to give', async () => {
    const report = await conformance({ card: shanghai.card, suite: 'psam' });
    expect(ids(report, 'skipped').length).toBe(report.results.length);
    expect(messageOf(report, 'psam.card-check')).toMatch(/needs a PSAM: --psam <file> \(sscard psam new\) or --psam-reader/);
  });

  it('a wrong --pin is tried once in the whole run and the cases needing it are skipped', async () => {
    const report = await conformance({ card: shanghai.card, psam: shanghai.psam, suite: 'ssse,psam', pin: '654321' });
    const refused = report.results.filter((r) => /the PIN given with --pin is not the card's/.test(r.message ?? ''));
    expect(refused.map((r) => r.id)).toEqual(['ssse.access.df04-ef05-with-pin']);
    const wrongVerifies = report.results.filter((r) => r.ranOn === 'shared').flatMap((r) => r.exchanges).filter((e) => e.command === '0020000003654321');
    expect(wrongVerifies).toHaveLength(1);
    expect(messageOf(report, 'ssse.pin.wrong-then-right')).toMatch(/PIN_SSSE is not the PIN given with --pin .* a case that tries wrong PINs would block it/);
  });
});

describe('against a card that cannot be copied (a real card in a reader)', () => {
  let files: ReturnType<typeof profileFiles>;
  beforeAll(() => {
    files = profileFiles('shanghai', 7);
  });
  afterAll(() => rmSync(files.dir, { recursive: true, force: true }));

  function target(): { target: RunTarget; sent: string[] } {
    const sent: string[] = [];
    const record = (inner: Transport): Transport => ({ transmit: (c) => (sent.push(toHex(c)), inner.transmit(c)) });
    const open = (file: string) => new SimulatedReader(createCard(readCardImageFile(file), { random: systemRandom, clock: systemClock, log: silentLogger() }));
    return {
      sent,
      target: { describe: 'one card', shared: { card: withLayers(open(files.card), record), psam: open(files.psam) }, interfaces: ['contact', 'contactless'], defaultInterface: 'contact' },
    };
  }
  const run = (t: RunTarget, destructive: boolean) =>
    runConformance(t, {
      cases: casesOf(['ssse', 'psam']),
      suites: ['ssse', 'psam'],
      destructive,
      settings: DEFAULT_SETTINGS,
      keyring: bundledKeyring(),
      random: systemRandom,
      clock: systemClock,
      now: () => performance.now(),
      timeoutMs: 10_000,
    });

  it('cases that could block it are skipped unless --destructive, saying why', async () => {
    const { target: t, sent } = target();
    const report = await run(t, false);
    const blocks = report.results.filter((r) => r.risk === 'blocks');
    expect(blocks.map((r) => r.id)).toEqual(['ssse.pin.exhaustion', 'psam.pin-unblock-blocked', 'psam.application-block', 'psam.card-block']);
    expect(blocks.every((r) => r.outcome === 'skipped')).toBe(true);
    expect(messageOf(report, 'psam.card-block')).toBe('could block the card (makes the card permanently unusable): run with --destructive to include it');
    expect(sent.some((c) => c.startsWith('84160000'))).toBe(false);
    expect(ids(report, 'failed', 'error')).toEqual([]);
  });

  it('with --destructive they run after every other case, CARD BLOCK last of all', async () => {
    const { target: t } = target();
    const report = await run(t, true);
    const order = report.results.map((r) => r.id);
    expect(order.slice(-4)).toEqual(['ssse.pin.exhaustion', 'psam.pin-unblock-blocked', 'psam.application-block', 'psam.card-block']);
    // ssse.pin.exhaustion leaves PIN_SSSE blocked; the PSAM case after it unblocks it again
    expect(ids(report, 'failed', 'error')).toEqual([]);
  });
});
