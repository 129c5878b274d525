/**
 * The social-security reader kernel through the real PC/SC stack: `sscard serve --card card.json --psam
 * psam.json` puts the card in vpcd slot 0 and the PSAM in slot 1; the kernel reaches the card with one
 * PcscReader and the PSAM (PsamClient) with another, as hospital software with a SAM-slot reader does.
 * `sscard read --reader … --psam-reader …` must print the same iReadCardBas line as `sscard read --card
 * … --psam …` on a copy of the same images.
 *
 * Expected values: the holder fixture and the profile (DOMAIN.md §1.6 field order), the PSAM image's
 * terminal number, and the card's own state. Skipped, with a note, where pcscd or vpcd is missing.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { systemClock, systemRandom } from '../../src/env.js';
import { testCaChain } from '../../src/card/personalize/pki.js';
import { parseProfile } from '../../src/card/personalize/profile.js';
import { buildTrustStore, SsseReader } from '../../src/terminal/kernels/ssse-reader/index.js';
import { PcscReader } from '../../src/terminal/readers/pcsc.js';
import { PsamClient } from '../../src/terminal/psam/psam-client.js';
import { probePcscd, startPrivatePcscd, type TestPcscd } from './private-pcscd.js';
import { Background, REPO, sscard as runSscard, startServe } from './helpers.js';

const probe = probePcscd({ slots: 2 });
if (!probe.ok) console.warn(`[e2e] skipping the SSSE reader pcscd tests: ${probe.reason}`);

const TERMINAL_ID = '310000000456';
const holder = JSON.parse(readFileSync(join(REPO, 'fixtures/holders/shanghai-li.json'), 'utf8')) as { idNumber: string; cardNumber: string; name: string; serial: string };

/** 卡识别码 from its parts (DOMAIN.md §1.2; docs/ssse.md [R] SM3 authentication code), node:crypto only. */
function cardIdentifier(region: string, serial: string): string {
  const first12 = `${region}D156000005${serial}`;
  return first12 + createHash('sm3').update(Buffer.from(first12, 'hex')).digest('hex').toUpperCase().slice(0, 8);
}

describe.skipIf(!probe.ok)('the SSSE reader kernel through pcscd (card and PSAM in two readers)', () => {
  let pcscd: TestPcscd | undefined;
  let CARD_READER: string;
  let PSAM_READER: string;
  const sscard = (args: string[]) => runSscard(args, { env: pcscd!.env });
  let dir: string;
  let serve: Background | undefined;
  const readers: PcscReader[] = [];

  beforeAll(async () => {
    pcscd = await startPrivatePcscd({ slots: 2 });
    // this process's own PC/SC clients (PcscReader) use the same pcscd: set before the first context
    if (pcscd.socketPath) process.env.PCSCLITE_CSOCK_NAME = pcscd.socketPath;
    CARD_READER = pcscd.readerName(0);
    PSAM_READER = pcscd.readerName(1);
    dir = mkdtempSync(join(tmpdir(), 'sscard-e2e-ssse-'));
    const socket = join(dir, 'control.sock');
    for (const args of [
      ['card', 'new', '--profile', 'shanghai', '--holder', 'fixtures/holders/shanghai-li.json', '--out', join(dir, 'card.json')],
      ['psam', 'new', '--profile', 'shanghai', '--terminal-id', TERMINAL_ID, '--out', join(dir, 'psam.json')],
    ]) {
      const r = await sscard(args);
      expect(r.code, r.stderr).toBe(0);
    }
    // the in-process twin of the served card and PSAM (the served files are in use by sscard serve)
    copyFileSync(join(dir, 'card.json'), join(dir, 'card-copy.json'));
    copyFileSync(join(dir, 'psam.json'), join(dir, 'psam-copy.json'));
    serve = await startServe(['--card', join(dir, 'card.json'), '--psam', join(dir, 'psam.json'), '--port', String(pcscd.port(0))], { env: pcscd.env, socket, devices: 2 });
  }, 120_000);

  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail' && serve) console.error(`[e2e] sscard serve output:\n${serve.output.slice(-4000)}`);
  });

  afterAll(async () => {
    for (const r of readers) await r.disconnect().catch(() => undefined);
    if (serve) await serve.stop('SIGTERM');
    await pcscd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function kernel(): Promise<SsseReader> {
    const card = new PcscReader(CARD_READER);
    const psamReader = new PcscReader(PSAM_READER);
    readers.push(card, psamReader);
    await card.connect('contact');
    await psamReader.connect('contact');
    return new SsseReader(card, { random: systemRandom, clock: systemClock, psam: new PsamClient(psamReader) });
  }

  async function release(): Promise<void> {
    for (const r of readers.splice(0)) await r.disconnect().catch(() => undefined);
  }

  it('card check, basic information and the iReadCardBas line, DF04 behind the PIN', async () => {
    const k = await kernel();
    expect((await k.checkCard()).outcome).toBe('authentic');
    const basic = await k.readBasicInformation();
    expect(basic.outcome).toBe('read');
    if (basic.outcome !== 'read') return;
    const id = cardIdentifier('310000', holder.serial);
    expect(basic.iReadCardBas).toBe(`310000|${holder.idNumber}|${holder.cardNumber}|${id}|${holder.name}|00815353438630310000A1B2C3|3.00|20260105|20360105|${TERMINAL_ID}||`);
    expect(await k.readMedical('123456')).toMatchObject({ outcome: 'read', medical: { insuranceType: { code: '310' } }, offline: { allowed: true } });
    await release();
  });

  it('offline medical debit and online identity across the two PC/SC readers', async () => {
    const k = await kernel();
    const debit = await k.medicalDebit({ account: 1250, selfPay: 0, fund: 0 }, '123456');
    expect(debit).toMatchObject({ outcome: 'approved', balanceBefore: 100000, balanceAfter: 98750, terminalId: TERMINAL_ID });
    const profile = parseProfile(JSON.parse(readFileSync(join(REPO, 'fixtures/profiles/shanghai.json'), 'utf8')));
    const ca = testCaChain(profile);
    const trust = buildTrustStore({ roots: { text: ca.root.pem, source: 'root' }, intermediates: { text: ca.issuing.pem, source: 'ca' } });
    expect((await k.authenticateIdentity(trust, '123456')).outcome).toBe('authenticated');
    await release();
  });

  it('sscard read --reader … --psam-reader … prints the same iReadCardBas line as sscard read --card … --psam …', async () => {
    const viaPcsc = await sscard(['read', '--reader', CARD_READER, '--psam-reader', PSAM_READER]);
    expect(viaPcsc.code, viaPcsc.stderr).toBe(0);
    const inProcess = await sscard(['read', '--card', join(dir, 'card-copy.json'), '--psam', join(dir, 'psam-copy.json')]);
    expect(inProcess.code, inProcess.stderr).toBe(0);
    const last = (s: string) => s.trimEnd().split('\n').at(-1);
    expect(last(viaPcsc.stdout)).toBe(last(inProcess.stdout));
    expect(last(viaPcsc.stdout)).toMatch(new RegExp(`^310000\\|${holder.idNumber}\\|${holder.cardNumber}\\|.*\\|${TERMINAL_ID}\\|\\|$`));
    const json = await sscard(['read', '--reader', CARD_READER, '--psam-reader', PSAM_READER, '--json', '--pin', '123456']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ check: 'authentic', basic: { name: holder.name, sex: { zh: '女' } }, iReadCardBas: last(viaPcsc.stdout) });
  });

  it('sscard debit through pcscd; a wrong PIN is a one-line refusal with exit code 1', async () => {
    const ok = await sscard(['debit', '--reader', CARD_READER, '--psam-reader', PSAM_READER, '--pin', '123456', '--amount', '2.50', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ outcome: 'approved', amount: '2.50', balanceAfter: '985.00', terminalId: TERMINAL_ID });
    const wrong = await sscard(['pin', 'verify', '--reader', CARD_READER, '--pin', '999999']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe('sscard: wrong PIN: 2 tries left\n');
    expect((await sscard(['pin', 'verify', '--reader', CARD_READER, '--pin', '123456'])).code).toBe(0);
  });
});
