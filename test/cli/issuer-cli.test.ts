// `sscard issuer …` in-process (src/cli/main.ts) on a real state directory, a payment in between driven
// against the same card file and database (what `sscard pay` does), and three processes depositing on
// the same database at once.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { tlv } from '../../src/apdu/tlv/ber-tlv.js';
import { openCardFile } from '../../src/card/index.js';
import { runCli } from '../helpers/run-cli.js';
import { fixedClock, seededRandom } from '../../src/env.js';
import { openIssuerHost } from '../../src/terminal/hosts/issuer/index.js';
import { completionData, TestTerminal } from '../terminal/hosts/issuer/helpers/card.js';

const bin = new URL('../../bin/sscard.js', import.meta.url).pathname;


describe('sscard issuer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sscard-issuer-cli-'));
  const state = join(dir, 'state');
  const cardFile = join(dir, 'card.json');
  let pan = '';

  it('open --card: reads PAN and EC figures from the card (no transaction), refuses a second account', async () => {
    expect((await runCli('card', 'new', '--profile', 'shanghai', '--out', cardFile, '--seed', '7')).code).toBe(0);
    const r = await runCli('issuer', 'open', '--card', cardFile, '--balance', '1000.00', '--state-dir', state);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const m = /^opened account (\d{19}): balance 1000\.00, EC 0\.00 of 1000\.00, online PIN set\n$/.exec(r.out);
    expect(m).not.toBeNull();
    pan = m![1]!;
    expect(pan.startsWith('621234')).toBe(true);
    const twice = await runCli('issuer', 'open', '--card', cardFile, '--state-dir', state);
    expect([twice.code, twice.err]).toEqual([1, `sscard: an account for PAN ${pan} exists already\n`]);
  });

  it('accounts: aligned columns; --json', async () => {
    const r = await runCli('issuer', 'accounts', '--state-dir', state);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^PAN {18}holder {2}account {2}card {2}balance {2}available {2}EC {4}EC limit {2}PIN {2}scripts$/);
    expect(lines[1]).toMatch(new RegExp(`^${pan}  - {7}active {3}ok {4}1000\\.00  1000\\.00 {4}0\\.00  1000\\.00 {3}3/3  0$`));
    const j = JSON.parse((await runCli('issuer', 'accounts', '--state-dir', state, '--json')).out);
    expect(j).toMatchObject([{ pan, balance: 100_000, available: 100_000, ecBalance: 0, status: 'active' }]);
    expect(JSON.stringify(j)).not.toMatch(/pinHash|pinSalt/);
  });

  it('load: queued and held; bad amounts are one-line usage errors; too much is refused', async () => {
    const r = await runCli('issuer', 'load', pan, '--amount', '200.00', '--state-dir', state);
    expect(r.out).toBe(`queued EC load of 200.00 for ${pan} (script #1): delivered to the card with its next online transaction (sscard pay … online), in the issuer scripts of the answer\n`);
    for (const bad of ['12.345', '-5', 'abc', '0']) {
      const b = await runCli('issuer', 'load', pan, '--amount', bad, '--state-dir', state);
      expect([b.code, b.err]).toEqual([2, `sscard: --amount must be a positive amount in yuan with at most two decimals (e.g. 100.00), got "${bad}"\n`]);
    }
    const much = await runCli('issuer', 'load', pan, '--amount', '900.00', '--state-dir', state);
    expect([much.code, much.err]).toEqual([1, 'sscard: not enough funds for an EC load of 900.00: 800.00 available\n']);
  });

  it('the load reaches the card with the next online payment; show reports the posting and the ledgers', async () => {
    // the payment, as `sscard pay` would run it: same card file, same state directory
    const log = pino({ level: 'silent' });
    const clock = fixedClock(new Date('2026-11-23T09:30:00Z'));
    const card = openCardFile(cardFile, { random: seededRandom(4), clock, log });
    const terminal = new TestTerminal(card);
    const host = openIssuerHost({ stateDir: state, clock, log });
    terminal.startContact({ amount: 1250 });
    const ec = terminal.getData('9F79');
    const gac1 = terminal.gac1({ amount: 1250 });
    const r = await host.authorise({ transactionId: 'pos-1-0001', pan, panSequence: '01', amount: 1250, otherAmount: 0, currency: '0156', transactionType: 0, channel: 'contact', iccData: terminal.field55(gac1, [tlv('9F79', ec)]) });
    expect(r.responseCode).toBe('00');
    expect(terminal.externalAuthenticate(r.arpc!, r.authorisationResponseCode)).toBe(0x9000);
    const gac2 = terminal.gac2('3030');
    const scripts = terminal.runScripts(r.issuerScripts, '72');
    await host.complete({ transactionId: 'pos-1-0001', cardApproved: true, iccData: completionData(gac2, scripts.results) });
    await host.close();

    const j = JSON.parse((await runCli('issuer', 'show', pan, '--state-dir', state, '--json')).out);
    expect(j.account).toMatchObject({ balance: 100_000 - 1250 - 20_000, ecBalance: 20_000, pendingEcLoads: 0, lastOnlineAtc: 1 });
    expect(j.transactions[0]).toMatchObject({ id: 'pos-1-0001', status: 'posted', responseCode: '00' });
    expect(j.transactions[0].fingerprint).toBeUndefined();
    expect(j.scripts[0]).toMatchObject({ id: 1, status: 'done', command: { kind: 'ec-load', amount: 20_000 } });
    const text = (await runCli('issuer', 'show', pan, '--state-dir', state)).out;
    expect(text).toContain(`account    ${pan}`);
    expect(text).toContain('balance    787.50 (currency 0156)   held 0.00   EC loads pending 0.00   available 787.50');
    expect(text).toContain("EC ledger  200.00 of 1000.00 (the card's EC balance limit)");
    expect(text).toMatch(/pos-1-0001\s+contact\s+purchase\s+12\.50\s+posted\s+00\s+posted 12\.50/);
    expect(text).toMatch(/ec-load\s+account -200\.00\s+EC \+200\.00\s+→ 800\.00 \/ EC 200\.00\s+EC load by issuer script/);
    expect(text).toMatch(/#1\s+EC load 200\.00\s+done\s+attempts 1\s+done: the card executed it/);
  });

  it('block / unblock the card and the account; scripts; clear errors', async () => {
    expect((await runCli('issuer', 'block', pan, '--card', '--state-dir', state)).out).toBe(`${pan}: card blocked at the host\n`);
    expect(JSON.parse((await runCli('issuer', 'show', pan, '--state-dir', state, '--json')).out).account.cardBlocked).toBe(true);
    expect((await runCli('issuer', 'unblock', pan, '--card', '--script', '--state-dir', state)).err).toBe('sscard: CARD BLOCK cannot be undone by script (EMV Book 3 §10.10): unblock the card at the host only\n');
    expect((await runCli('issuer', 'unblock', pan, '--card', '--state-dir', state)).code).toBe(0);
    expect((await runCli('issuer', 'block', pan, '--script', '--state-dir', state)).out).toMatch(/: account blocked; script queued/);
    expect((await runCli('issuer', 'unblock', pan, '--state-dir', state)).out).toBe(`${pan}: account active\n`);
    expect((await runCli('issuer', 'script', pan, 'pin-change', '--state-dir', state)).err).toBe('sscard: pin-change needs --new-pin with 4 to 12 digits\n');
    const q = await runCli('issuer', 'script', pan, 'put-data', '--tag', '9F78', '--value', '300.00', '--state-dir', state);
    expect(q.out).toMatch(/^queued PUT DATA 9F78 = 300\.00 for \d+ \(script #3\)/);
    expect((await runCli('issuer', 'cancel-script', '3', '--state-dir', state)).out).toBe('script #3 (PUT DATA 9F78 = 300.00) cancelled\n');
    expect((await runCli('issuer', 'cancel-script', '3', '--state-dir', state)).err).toBe('sscard: script 3 is cancelled; only a queued script can be cancelled\n');
  });

  it('usage errors exit 2, refusals exit 1, one line each', async () => {
    const cases: [string[], number, string][] = [
      [['issuer', 'open', '--state-dir', state], 2, 'sscard: say which card: --pan <pan>, --card <file> or --reader <name|index>\n'],
      [['issuer', 'open', '--pan', '123', '--state-dir', state], 2, 'sscard: the PAN must be 12 to 19 digits, got "123"\n'],
      [['issuer', 'open', '--pan', '6212340000000000001', '--card', cardFile, '--state-dir', state], 2, 'sscard: give --pan, or --card/--reader to read it from the card, not both\n'],
      [['issuer', 'open', '--pan', '6212340000000000001', '--state-dir', state], 1, 'sscard: PAN 6212340000000000001 fails its Luhn check digit\n'],
      [['issuer', 'open', '--pan', '6222020000000000000', '--state-dir', state], 1, 'sscard: no issuer keys for PAN 6222020000000000000 (BINs with keys: 621234, 621235)\n'],
      [['issuer', 'open', '--pan', pan, '--pin', '12', '--state-dir', state], 2, 'sscard: --pin must be 4 to 12 digits\n'],
      [['issuer', 'show', '6212340000000000000', '--state-dir', state], 1, 'sscard: no account for PAN 6212340000000000000\n'],
    ];
    for (const [args, code, err] of cases) expect(await runCli(...args)).toEqual({ code, out: '', err });
    const bad = join(dir, 'keys.json');
    writeFileSync(bad, '{"issuerKeys": []}');
    const k = await runCli('issuer', 'open', '--pan', '6212340000000000000', '--issuer-keys', bad, '--state-dir', state);
    expect(k.code).toBe(2);
    expect(k.err).toMatch(/^sscard: keys\.json: not a valid issuer key file: issuerKeys: /);
    const card = await runCli('issuer', 'open', '--card', join(dir, 'missing.json'), '--state-dir', state);
    expect(card.code).not.toBe(0);
    expect(card.err.split('\n')).toHaveLength(2);
  });

  it('--help teaches, with examples', async () => {
    const h = await runCli('issuer', 'open', '--help');
    expect(h.out).toContain('sscard issuer open --card card.json --balance 1000.00');
    expect(h.out).toContain('--issuer-keys <file>');
    expect((await runCli('issuer', 'load', '--help')).out).toContain('delivered to the card with its next online transaction');
  });

  it('three processes (two children and this one) deposit on the same database at once: every deposit counted', async () => {
    const exec = promisify(execFile);
    const before = JSON.parse((await runCli('issuer', 'show', pan, '--state-dir', state, '--json')).out).account.balance as number;
    await Promise.all([
      ...['1.00', '2.00'].map((a) => exec('node', [bin, 'issuer', 'deposit', pan, '--amount', a, '--state-dir', state])),
      runCli('issuer', 'deposit', pan, '--amount', '3.00', '--state-dir', state),
    ]);
    const after = JSON.parse((await runCli('issuer', 'show', pan, '--state-dir', state, '--json')).out).account.balance as number;
    expect(after - before).toBe(600);
  });
});
