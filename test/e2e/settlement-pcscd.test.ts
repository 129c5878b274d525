/**
 * One hospital settlement through the real PC/SC stack: `sscard serve --card card.json --psam psam.json`
 * puts the card in vpcd slot 0 and the PSAM in slot 1 of a private pcscd (test/e2e/private-pcscd.ts,
 * docs/pcsc.md "Tests"); `sscard settle --reader … --psam-reader …` reads the card with the
 * social-security kernel (the card check through the PSAM in its reader), settles at the centre of the
 * state directory and charges the cash part to the same card's bank account by the PBOC contact kernel
 * over pcsclite → pcscd → vpcd → the card. Then the same bill again (nothing charged) and a cancel.
 *
 * Expected amounts by hand: the outpatient bill (127.60, all 甲), deductible met, account 10.00 →
 * fund 0.85 × 127.60 = 108.46, account 10.00, cash 9.14. Skipped, with a note, where pcscd or vpcd is
 * missing.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Background, sscard as runSscard, startServe } from './helpers.js';
import { probePcscd, startPrivatePcscd, type TestPcscd } from './private-pcscd.js';

const probe = probePcscd({ slots: 2 });
if (!probe.ok) console.warn(`[e2e] skipping the settlement pcscd test: ${probe.reason}`);

describe.skipIf(!probe.ok)('a hospital settlement through pcscd (card and PSAM in two readers)', { timeout: 120_000 }, () => {
  let pcscd: TestPcscd | undefined;
  let dir: string;
  let state: string;
  let pan: string;
  let serve: Background | undefined;
  const sscard = (args: string[]) => runSscard(args, { env: pcscd!.env, timeoutMs: 60_000 });

  beforeAll(async () => {
    pcscd = await startPrivatePcscd({ slots: 2 });
    dir = mkdtempSync(join(tmpdir(), 'sscard-e2e-settle-'));
    state = join(dir, 'state');
    const card = join(dir, 'card.json');
    for (const args of [
      ['card', 'new', '--profile', 'shanghai', '--holder', 'fixtures/holders/shanghai-li.json', '--out', card],
      ['psam', 'new', '--profile', 'shanghai', '--out', join(dir, 'psam.json')],
      ['centre', 'enrol', '--certno', '310104199203154427', '--name', '李文静', '--region', '310000', '--balance', '10.00', '--dedc-paid', '1500.00',
        '--card-sn', '310000D15600000500A1B2C3341C081B', '--card-no', 'SH0012349', '--state-dir', state],
    ]) {
      const r = await sscard(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    pan = (JSON.parse(readFileSync(card, 'utf8')) as { apps: { pboc: { pan: string } } }).apps.pboc.pan;
    expect((await sscard(['issuer', 'open', '--pan', pan, '--balance', '1000.00', '--state-dir', state])).code).toBe(0);
    const socket = join(dir, 'control.sock');
    serve = await startServe(['--card', card, '--psam', join(dir, 'psam.json'), '--port', String(pcscd.port(0))], { env: pcscd.env, socket, devices: 2 });
  }, 120_000);

  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail' && serve) console.error(`[e2e] sscard serve output:\n${serve.output.slice(-4000)}`);
  });

  afterAll(async () => {
    if (serve) await serve.stop('SIGTERM');
    await pcscd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function bankBalance(): Promise<number> {
    return JSON.parse((await sscard(['issuer', 'show', pan, '--json', '--state-dir', state])).stdout).account.balance;
  }

  it('sscard settle --reader --psam-reader: the fund and account at the centre, 9.14 to the bank; the same bill again charges nothing; cancel', async () => {
    const args = ['settle', '--reader', pcscd!.readerName(0), '--psam-reader', pcscd!.readerName(1), '--bill', 'fixtures/bills/outpatient.json', '--pin', '123456', '--state-dir', state, '--json'];
    const r = await sscard(args);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({
      outcome: 'settled',
      repeated: false,
      card: { check: 'authentic', interface: 'contact', card_sn: '310000D15600000500A1B2C3341C081B' },
      setlinfo: { medfee_sumamt: 127.6, hifp_pay: 108.46, acct_pay: 10, psn_cash_pay: 9.14, balc: 0 },
      bank: { status: 'approved', amount: 9.14, kernel: 'pboc-contact', approvedBy: 'online', responseCode: '00' },
    });
    expect(await bankBalance()).toBe(100_000 - 914);

    const again = await sscard(args);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ outcome: 'settled', repeated: true, setlinfo: { setl_id: j.setlinfo.setl_id } });
    expect(await bankBalance()).toBe(100_000 - 914);

    const c = await sscard(['settle', '--cancel', j.setlinfo.setl_id, '--state-dir', state, '--json']);
    expect(c.code, c.stderr).toBe(0);
    expect(JSON.parse(c.stdout)).toMatchObject({ outcome: 'cancelled', bank: { status: 'reversed' }, setlinfo: { psn_cash_pay: -9.14 } });
    expect(await bankBalance()).toBe(100_000);
  });
});
