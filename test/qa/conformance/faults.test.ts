// Every fault through the in-process path (`sscard conformance --card … --fault …`): the cases that
// depend on what the fault breaks fail (or error) with a message naming its effect, the others still
// pass; a power cut rolls the card back as the runtime guarantees (checked on the card's store afterwards);
// a fixed random source and fixed unpredictable numbers make two runs exchange the same bytes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { toHex } from '../../../src/apdu/bytes.js';
import { createMemoryCard, MemoryCardStore } from '../../../src/card/index.js';
import { readCardImageFile } from '../../../src/card/image/store.js';
import { systemClock, systemRandom } from '../../../src/env.js';
import { silentLogger } from '../../../src/log.js';
import { casesOf } from '../../../src/qa/conformance/catalogue.js';
import { DEFAULT_SETTINGS } from '../../../src/qa/conformance/context.js';
import { runConformance } from '../../../src/qa/conformance/runner.js';
import { CardFaults } from '../../../src/server/faults.js';
import { parseFaultSpec } from '../../../src/spec/faults.js';
import { SimulatedReader } from '../../../src/terminal/readers/simulated.js';
import { bundledKeyring } from '../../../src/terminal/hosts/issuer/index.js';
import { conformance, ids, messageOf, profileFiles } from './fixtures.js';

let files: ReturnType<typeof profileFiles>;
beforeAll(() => {
  files = profileFiles('shanghai', 11);
});
afterAll(() => rmSync(files.dir, { recursive: true, force: true }));

const run = (suite: string, fault: string[], extra: Record<string, unknown> = {}) => conformance({ card: files.card, psam: files.psam, suite, fault, ...extra });
const bad = (r: Awaited<ReturnType<typeof run>>) => ids(r, 'failed', 'error');

describe('faults through the in-process card', () => {
  it('sw:6A82,ins=B2 — every case that reads records fails with "the card answered 6A82"; the others pass', async () => {
    const r = await run('ssse', ['sw:6A82,ins=B2']);
    expect(bad(r)).toEqual(expect.arrayContaining(['ssse.ef05.card-identifier', 'ssse.ef05.card-number', 'ssse.ef06.id-number', 'ssse.access.df04-ef05-with-pin']));
    expect(messageOf(r, 'ssse.ef05.card-number')).toBe('step 2 (READ RECORD EF05 record 7): expected SW 9000, the card answered 6A82 file or application not found (未找到文件或应用)');
    // the refused reads answered 6A82 before; a case that expects 6A82 still passes, commands without B2 are untouched
    expect(ids(r, 'passed')).toEqual(expect.arrayContaining(['ssse.record.sfi-not-found', 'ssse.select.by-name', 'ssse.challenge.lengths', 'ssse.pin.verify']));
    for (const id of bad(r)) expect(r.results.find((x) => x.id === id)!.exchanges.some((e) => e.command.slice(2, 4) === 'B2' && e.response === '6A82'), id).toBe(true);
  });

  it('sw:6581,at=N — only the case holding the Nth command fails', async () => {
    const r = await run('pki', ['sw:6581,at=3']);
    expect(bad(r)).toEqual(['pki.select-adf']);
    expect(messageOf(r, 'pki.select-adf')).toMatch(/the card answered 6581 memory failure/);
  });

  it('truncate — a cut answer fails the case that reads it, naming the missing status word', async () => {
    const r = await run('ssse,pki', ['truncate:ins=B0']);
    expect(messageOf(r, 'ssse.access.ef07-read-needs-rk')).toBe("step 3 (READ BINARY): the response has 1 byte(s) and no status word (the card's answer was cut short)");
    expect(messageOf(r, 'pki.certificate')).toMatch(/answered [0-9A-F]{4} unknown status word .* the answer looks cut short or corrupted/);
    expect(bad(r).every((id) => r.results.find((x) => x.id === id)!.exchanges.some((e) => e.command.startsWith('00B0')))).toBe(true);
    expect(ids(r, 'passed')).toContain('ssse.ef05.card-number');
  });

  it('mute — the case at the muted command errors "no answer … (mute card)"; the reader reactivates the card and the next case passes', async () => {
    const r = await run('pki', ['mute:at=4,ms=100']); // pki.select sends 1 command, pki.select-adf 2: the 4th is pki.certificate's
    expect(bad(r)).toEqual(['pki.certificate']);
    expect(messageOf(r, 'pki.certificate')).toMatch(/step 1 \(SELECT PKI\): .*no answer from the card within 100 ms \(mute card\); the reader deactivated it/);
    expect(r.results.find((x) => x.id === 'pki.certificate-validity')!.outcome).toBe('passed');
  });

  it('delay — answers later than --timeout make the cases error "no answer within"; a shorter delay changes nothing', async () => {
    const slow = await run('ssse', ['delay:ms=300,ins=84'], { case: ['ssse.challenge', 'ssse.select'], timeout: '100' });
    expect(bad(slow).sort()).toEqual(['ssse.challenge.fresh', 'ssse.challenge.lengths', 'ssse.challenge.wrong-le', 'ssse.challenge.wrong-p1p2']);
    expect(messageOf(slow, 'ssse.challenge.fresh')).toBe('step 2 (GET CHALLENGE): no answer from the card within 100 ms');
    const ok = await run('ssse', ['delay:ms=5,ins=84'], { case: ['ssse.challenge'] });
    expect(bad(ok)).toEqual([]);
  });

  it('remove:at=N,for=ms — the case at the removal errors "the card was removed"; once it is back the run goes on', async () => {
    const r = await run('pki', ['remove:at=6,for=200']);
    expect(bad(r)).toEqual(['pki.certificate']);
    expect(messageOf(r, 'pki.certificate')).toMatch(/no card in the reader \(the card was removed\)/);
    expect(r.results.find((x) => x.id === 'pki.public-key')!.outcome).toBe('passed');
  });

  it('remove (for good) — every later case errors: the card cannot be reset', async () => {
    const r = await run('pki', ['remove:at=2'], { cardWait: '50' });
    expect(ids(r, 'passed')).toEqual(['pki.select']);
    expect(messageOf(r, 'pki.verify-pin')).toMatch(/the card could not be reset on the contact interface: .*no card in the reader \(the card was removed\)/);
  });

  it('powercut — the case whose command lost power errors "the card lost power … it did not answer"', async () => {
    const r = await run('ssse', ['powercut:1'], { case: ['ssse.access', 'ssse.pin.verify'] });
    expect(bad(r)).toEqual(['ssse.access.df04-ef05-with-pin']);
    expect(messageOf(r, 'ssse.access.df04-ef05-with-pin')).toMatch(/VERIFY PIN_SSSE\): card .* \(copy\): the card lost power at the commit point of state-changing command 1; it did not answer/);
    expect(ids(r, 'passed')).toContain('ssse.pin.verify');
  });

  it('random and un — a seeded card and fixed unpredictable numbers exchange the same bytes in two runs', async () => {
    const cases = ['ssse.challenge.lengths', 'ssse.internal-auth.answer', 'pki.sign-verify'];
    const exchanges = async (fault: string[]) => {
      const r = await run('ssse,pki', fault, { case: cases });
      expect(bad(r)).toEqual([]);
      return r.results.flatMap((x) => x.exchanges.map((e) => `${e.command}>${e.response}`));
    };
    const a = await exchanges(['random:42', 'un:7']);
    const b = await exchanges(['random:42', 'un:7']);
    expect(a).toEqual(b);
    const c = await exchanges([]);
    expect(c).not.toEqual(a); // without them the challenges, the signature nonce and the terminal's numbers differ
    const fixed = await run('ssse', ['un:fixed=0011223344556677'], { case: ['ssse.internal-auth.answer'] });
    expect(fixed.results[0]!.exchanges.find((e) => e.command.startsWith('00880000'))!.command).toBe('008800001000112233445566770011223344556677');
  });
});

describe('a power cut rolls the card back (the runtime\'s guarantee, seen through the suites)', () => {
  async function debitWithCut(stage: 'commit' | 'answer'): Promise<{ before: number; after: number; cutApdu: string; message: string }> {
    const image = readCardImageFile(files.card);
    for (let n = 1; n <= 6; n++) {
      const store = new MemoryCardStore(image);
      const faults = new CardFaults([parseFaultSpec(`powercut:${n},stage=${stage}`)]);
      const deps = { random: systemRandom, clock: systemClock, log: silentLogger() };
      const card = new SimulatedReader(createMemoryCard(store, deps, { faults: faults.hooks() }));
      const psam = new SimulatedReader(createMemoryCard(new MemoryCardStore(readCardImageFile(files.psam)), deps));
      const report = await runConformance(
        { describe: 'memory', shared: { card, psam }, interfaces: ['contact'], defaultInterface: 'contact' },
        { cases: casesOf(['psam']).filter((c) => c.id === 'psam.medical-debit'), suites: ['psam'], destructive: false, settings: DEFAULT_SETTINGS, keyring: bundledKeyring(), random: systemRandom, clock: systemClock, now: () => performance.now(), timeoutMs: 5000 },
      );
      const cut = faults.powerCuts.happened[0];
      if (!cut || toHex(cut.point.apdu).slice(0, 4) !== 'B02C') continue;
      const balance = (s: MemoryCardStore) => (s.load().apps['ssse-medical'] as { balance: number }).balance;
      return { before: (image.apps['ssse-medical'] as { balance: number }).balance, after: balance(store), cutApdu: toHex(cut.point.apdu), message: report.results[0]!.message ?? '' };
    }
    throw new Error('no state-changing command of the debit case was the DEBIT');
  }

  it('a cut at the commit point of DEBIT: the case errors and the balance is the old one', async () => {
    const r = await debitWithCut('commit');
    expect(r.message).toMatch(/step \d+ \(DEBIT\): .*the card lost power at the commit point/);
    expect(r.after).toBe(r.before);
  });

  it('a cut at the answer point: the debit is saved, but the terminal got no answer', async () => {
    const r = await debitWithCut('answer');
    expect(r.message).toMatch(/step \d+ \(DEBIT\): .*the card lost power at the answer point/);
    expect(r.after).toBe(r.before - DEFAULT_SETTINGS.amount);
  });
});
