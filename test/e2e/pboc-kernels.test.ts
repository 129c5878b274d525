/**
 * The PBOC kernels through the real PC/SC stack: `sscard serve` puts two personalised Shanghai cards
 * into vsmartcard's vpcd (slot 0 contact, slot 1 contactless); the same kernels as in
 * test/terminal/kernels run in-process over the PC/SC reader (pcsclite → pcscd → vpcd → the card) with
 * the real issuer host, and `sscard pay --reader` runs them as a user does. Expected values: the ARQC by
 * the OpenSSL CLI from the profile's TEST master keys, TVR/TSI from DOMAIN.md §2.1 (written out in
 * test/terminal/kernels/helpers/expected-bits.ts).
 *
 * pcscd: a private one for this file (test/e2e/private-pcscd.ts, docs/pcsc.md "Tests"). Skipped, with
 * the reason, where pcscd or vpcd is not installed.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concat, fromHex } from '../../src/apdu/bytes.js';
import { getResponseLayer } from '../../src/apdu/layers/get-response.js';
import { fixedClock } from '../../src/env.js';
import { openIssuerHost, type IssuerHost } from '../../src/terminal/hosts/issuer/index.js';
import { scriptedPinPad } from '../../src/terminal/kernels/context.js';
import { runPbocContact } from '../../src/terminal/kernels/pboc-contact/kernel.js';
import { runQpboc } from '../../src/terminal/kernels/qpboc/kernel.js';
import { withLayers } from '../../src/terminal/reader.js';
import { PcscReader } from '../../src/terminal/readers/pcsc.js';
import { tsi, tvr } from '../terminal/kernels/helpers/expected-bits.js';
import { mac as opensslMac, opensslHasSm4, sessionKey, udk } from '../terminal/kernels/helpers/openssl.js';
import { commandData, commands, responseData, responseTag } from '../terminal/kernels/helpers/run.js';
import { constantRandom, terminalConfig } from '../terminal/kernels/helpers/setup.js';
import { Background, REPO, SSCARD, sscard as runSscard, type RunResult } from './helpers.js';
import { probePcscd, startPrivatePcscd, type TestPcscd } from './private-pcscd.js';

const probe = probePcscd({ slots: 2 });
if (!probe.ok) console.warn(`[e2e] skipping the PBOC kernel end-to-end tests: ${probe.reason}`);
const hasOpenssl = opensslHasSm4();
const SHANGHAI = JSON.parse(readFileSync(join(REPO, 'fixtures/profiles/shanghai.json'), 'utf8')) as { financial: { masterKeys: { AC: string } } };
const TODAY = fixedClock(new Date());

describe.skipIf(!probe.ok)('PBOC kernels through pcscd and vpcd', () => {
  let pcscd: TestPcscd;
  const sscard = (args: string[], env: NodeJS.ProcessEnv = pcscd.env): Promise<RunResult> => runSscard(args, { env });
  let dir: string;
  let state: string;
  const served: Background[] = [];
  const pans: string[] = [];
  let issuer: IssuerHost;

  beforeAll(async () => {
    pcscd = await startPrivatePcscd({ slots: 2 });
    if (pcscd.env.PCSCLITE_CSOCK_NAME) process.env.PCSCLITE_CSOCK_NAME = pcscd.env.PCSCLITE_CSOCK_NAME;
    dir = mkdtempSync(join(tmpdir(), 'sscard-e2e-pboc-'));
    state = join(dir, 'state');
    for (const [i, iface] of (['contact', 'contactless'] as const).entries()) {
      const file = join(dir, `${iface}.json`);
      const made = await sscard(['card', 'new', '--profile', 'shanghai', '--out', file], process.env);
      expect(made.code, made.stderr).toBe(0);
      pans.push((JSON.parse(readFileSync(file, 'utf8')) as { apps: { pboc: { pan: string } } }).apps.pboc.pan);
      const s = new Background(process.execPath, [SSCARD, 'serve', '--card', file, '--port', String(pcscd.port(i)), '--interface', iface, '--log-level', 'info'], { env: pcscd.env });
      served.push(s);
      await s.waitFor(/serving/, `sscard serve (${iface})`);
    }
    issuer = openIssuerHost({ memory: true });
    for (const pan of pans) await issuer.openAccount({ pan, balance: 100_000, pin: '123456' });
    // the CLI's own issuer state
    for (const pan of pans) expect((await sscard(['issuer', 'open', '--pan', pan, '--balance', '1000.00', '--state-dir', state], pcscd.env)).code).toBe(0);
  }, 180_000);

  afterAll(async () => {
    for (const s of served) await s.stop('SIGTERM');
    await issuer?.close();
    await pcscd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function connected(slot: number, iface: 'contact' | 'contactless') {
    const reader = withLayers(new PcscReader(pcscd.readerName(slot)), getResponseLayer());
    let lastError: unknown;
    for (let i = 0; i < 40; i++) {
      try {
        await reader.connect(iface);
        return reader;
      } catch (err) {
        lastError = err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    throw lastError;
  }

  it.skipIf(!hasOpenssl)('contact kernel over PC/SC: approved online; ARQC recomputed by OpenSSL; TVR/TSI', async () => {
    const reader = await connected(0, 'contact');
    try {
      const result = await runPbocContact(reader.transport, { amount: 1250, transactionId: `E2E${Date.now()}` }, { config: terminalConfig(), issuer, pinPad: scriptedPinPad(['123456']), clock: TODAY, random: constantRandom() });
      expect(result.outcome).toBe('APPROVED');
      expect(result.approvedBy).toBe('online');
      expect(result.tvr.hex).toBe(tvr());
      expect(result.tsi.hex).toBe(tsi('odaPerformed', 'cvmPerformed', 'cardRiskManagementPerformed', 'issuerAuthenticationPerformed', 'terminalRiskManagementPerformed'));
      const gac1 = commands(result, '80AE')[0]!;
      const atcHex = responseTag(gac1, '9F36')!;
      const sk = sessionKey(udk(SHANGHAI.financial.masterKeys.AC, pans[0]!, '01'), Number.parseInt(atcHex, 16));
      const aip = responseData(commands(result, '80A8')[0]!).subarray(2, 4);
      expect(opensslMac(sk, concat(commandData(gac1).subarray(0, 29), aip, fromHex(atcHex), fromHex(responseTag(gac1, '9F10')!.slice(6, 14))))).toBe(responseTag(gac1, '9F26'));
      expect((await issuer.account(pans[0]!))!.balance).toBe(100_000 - 1250);
    } finally {
      await reader.disconnect();
    }
  });

  it('contact kernel over PC/SC: declined by the issuer (insufficient funds)', async () => {
    const reader = await connected(0, 'contact');
    try {
      const result = await runPbocContact(reader.transport, { amount: 500_000, transactionId: `E2F${Date.now()}` }, { config: terminalConfig(), issuer, pinPad: scriptedPinPad(['123456']), clock: TODAY, random: constantRandom() });
      expect(result.outcome).toBe('DECLINED');
      expect(result.issuer?.responseCode).toBe('51');
    } finally {
      await reader.disconnect();
    }
  });

  it('qPBOC kernel over PC/SC: online approval (no EC balance on a new card); over the limit: try another interface', async () => {
    const reader = await connected(1, 'contactless');
    try {
      const result = await runQpboc(reader.transport, { amount: 800, transactionId: `E2G${Date.now()}` }, { config: terminalConfig(), issuer, clock: TODAY, random: constantRandom() });
      expect(result.outcome).toBe('APPROVED');
      expect(result.approvedBy).toBe('online');
      expect(result.cryptogramType).toBe('ARQC');
      const over = await runQpboc(reader.transport, { amount: 100_000 }, { config: terminalConfig(), issuer, clock: TODAY, random: constantRandom() });
      expect(over.outcome).toBe('TRY_ANOTHER_INTERFACE');
    } finally {
      await reader.disconnect();
    }
  });

  it('sscard pay --reader: contact purchases (an EC load delivered by script), qPBOC online and over the limit', async () => {
    const env = pcscd.env;
    const paid = await sscard(['pay', '--reader', pcscd.readerName(0), '--amount', '2.00', '--pin', '123456', '--state-dir', state, '--json'], env);
    expect(paid.code, paid.stderr).toBe(0);
    expect(JSON.parse(paid.stdout)).toMatchObject({ outcome: 'APPROVED', approvedBy: 'online', kernel: 'pboc-contact' });
    expect((await sscard(['issuer', 'load', pans[0]!, '--amount', '50.00', '--state-dir', state], env)).code).toBe(0);
    const loaded = await sscard(['pay', '--reader', pcscd.readerName(0), '--amount', '1.00', '--pin', '123456', '--state-dir', state, '--json'], env);
    expect(loaded.code, loaded.stderr).toBe(0);
    expect(JSON.parse(loaded.stdout)).toMatchObject({ outcome: 'APPROVED', ecBalance: 5000 });
    const contactless = await sscard(['pay', '--reader', pcscd.readerName(1), '--contactless', '--amount', '3.00', '--state-dir', state, '--json'], env);
    expect(contactless.code, contactless.stderr).toBe(0);
    expect(JSON.parse(contactless.stdout)).toMatchObject({ outcome: 'APPROVED', approvedBy: 'online', kernel: 'qpboc' });
    const human = await sscard(['pay', '--reader', pcscd.readerName(1), '--contactless', '--amount', '5000', '--state-dir', state], env);
    expect(human.code).toBe(3);
    expect(human.stdout).toMatch(/TRY ANOTHER INTERFACE 请使用其他界面/);
  });
});
