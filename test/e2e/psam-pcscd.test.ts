/**
 * The PSAM through the real PC/SC stack: `sscard serve --card card.json --psam psam.json` puts the card in
 * vpcd slot 0 and the PSAM in slot 1 of a private pcscd (test/e2e/private-pcscd.ts), as a reader with a
 * SAM slot; the terminal's PsamClient reaches the PSAM with PcscReader, the card with a second PcscReader.
 *
 * Expected values come from outside the code under test: the OpenSSL known answers of
 * test/card/psam/psam.vectors.test.ts, the PSAM image file (`sscard psam show --json`), and the card's own
 * verdict (9000 to EXTERNAL AUTHENTICATE, to a DEBIT with the PSAM's MAC1).
 *
 * Skipped, with a note, where pcscd or vpcd is not installed.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromHex, toHex } from '../../src/apdu/bytes.js';
import { historicalBytes } from '../../src/apdu/atr.js';
import { getResponseLayer } from '../../src/apdu/layers/get-response.js';
import { layered } from '../../src/apdu/transport.js';
import { decodeInitResponse, encodeDebit, encodeInit } from '../../src/spec/ssse/medical-debit.js';
import { PcscReader } from '../../src/terminal/readers/pcsc.js';
import { PsamClient } from '../../src/terminal/psam/psam-client.js';
import { probePcscd, startPrivatePcscd, type TestPcscd } from './private-pcscd.js';
import { Background, sscard as runSscard, startServe } from './helpers.js';

const probe = probePcscd({ slots: 2 });
if (!probe.ok) console.warn(`[e2e] skipping the PSAM pcscd tests: ${probe.reason}`);

const TERMINAL_ID = '310000000123';
const SELECT_SSSE = '00A404000F7378312E73682EC9E7BBE1B1A3D5CF';

describe.skipIf(!probe.ok)('the PSAM served through pcscd (sscard serve --psam)', () => {
  let pcscd: TestPcscd | undefined;
  let CARD_READER: string;
  let PSAM_READER: string;
  const sscard = (args: string[]) => runSscard(args, { env: pcscd!.env });
  let dir: string;
  let psamFile: string;
  let serve: Background | undefined;
  const readers: PcscReader[] = [];

  beforeAll(async () => {
    pcscd = await startPrivatePcscd({ slots: 2 });
    // this process's own PC/SC clients (PcscReader) use the same pcscd: set before the first context
    if (pcscd.socketPath) process.env.PCSCLITE_CSOCK_NAME = pcscd.socketPath;
    CARD_READER = pcscd.readerName(0);
    PSAM_READER = pcscd.readerName(1);
    dir = mkdtempSync(join(tmpdir(), 'sscard-e2e-psam-'));
    const cardFile = join(dir, 'card.json');
    psamFile = join(dir, 'psam.json');
    const socket = join(dir, 'control.sock');
    for (const args of [
      ['card', 'new', '--profile', 'shanghai', '--holder', 'fixtures/holders/shanghai-li.json', '--out', cardFile],
      ['psam', 'new', '--profile', 'shanghai', '--terminal-id', TERMINAL_ID, '--out', psamFile],
    ]) {
      const r = await sscard(args);
      expect(r.code, r.stderr).toBe(0);
    }
    serve = await startServe(['--card', cardFile, '--psam', psamFile, '--port', String(pcscd.port(0))], { env: pcscd.env, socket, devices: 2 });
  });

  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail' && serve) console.error(`[e2e] sscard serve output:\n${serve.output.slice(-4000)}`);
  });

  afterAll(async () => {
    for (const r of readers) await r.disconnect().catch(() => undefined);
    if (serve) await serve.stop('SIGTERM');
    await pcscd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function connected(name: string): Promise<PcscReader> {
    const reader = new PcscReader(name);
    readers.push(reader);
    await reader.connect('contact');
    return reader;
  }

  it('sscard readers shows the PSAM in the slot after the card, with the ATR of its image', async () => {
    const shown = JSON.parse((await sscard(['psam', 'show', psamFile, '--json'])).stdout) as { atr: string };
    const r = await sscard(['readers', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as Array<{ name: string; atr: string | null }>;
    expect(list.find((x) => x.name === PSAM_READER)?.atr).toBe(shown.atr);
    const apdu = await sscard(['apdu', '--reader', PSAM_READER, '--json', '00B0960006']);
    expect(JSON.parse(apdu.stdout)).toMatchObject([{ data: TERMINAL_ID, sw: '9000' }]);
  });

  it('PsamClient over PcscReader: open() and the OpenSSL known answer of the external-authentication cryptogram', async () => {
    const psam = new PsamClient(await connected(PSAM_READER));
    const info = await psam.open();
    expect({ algorithm: info.algorithm, keyVersion: info.keyVersion, terminalId: toHex(info.terminalId) }).toEqual({ algorithm: 'SM4', keyVersion: 1, terminalId: TERMINAL_ID });
    const card = { cardData: fromHex('8630310000A1B2C3'), region: '310000' };
    expect(toHex(await psam.externalAuthenticationCryptogram(card, { df: 'SSSE', kind: 'UK' }, fromHex('1122334455667788')))).toBe('82E354B4F466A908');
    expect(await psam.verifyInternalAuthentication(card, { df: 'SSSE', kind: 'IRK' }, fromHex('32D9E876ADB31BBFDBF7A936D0D18C9E'), fromHex('B6AE22CDE7298152'))).toBe(true);
  });

  it('card and PSAM in two PC/SC readers: card check, external authentication, offline medical debit', async () => {
    const cardReader = await connected(CARD_READER);
    const psam = new PsamClient(await connected(PSAM_READER));
    const info = await psam.open();
    const t = layered(cardReader.transport, getResponseLayer());
    const send = async (hex: string) => toHex(await t.transmit(fromHex(hex)));
    const card = { cardData: historicalBytes(cardReader.atr).slice(-8), region: '310000' };

    expect((await send(SELECT_SSSE)).slice(-4)).toBe('9000');
    const challenge = '0102030405060708A1A2A3A4A5A6A7A8';
    const answer = (await send(`0088000010${challenge}`)).slice(0, -4);
    expect(await psam.verifyInternalAuthentication(card, { df: 'SSSE', kind: 'IRK' }, fromHex(challenge), fromHex(answer))).toBe(true);
    const r = (await send('0084000008')).slice(0, -4);
    const cryptogram = toHex(await psam.externalAuthenticationCryptogram(card, { df: 'SSSE', kind: 'UK' }, fromHex(r)));
    expect(await send(`0082000411${cryptogram}${r}01`)).toBe('9000');

    await send('00A4040006D15600000503');
    expect(await send('0020000003123456')).toBe('9000');
    const amounts = { account: 1250, selfPay: 300, fund: 2000 };
    const time = fromHex('20260315093000');
    const init = decodeInitResponse(fromHex((await send(`B028010113${toHex(encodeInit({ keyIndex: 1, ...amounts, terminalId: info.terminalId }))}`)).slice(0, -4)));
    const mac1 = await psam.medicalDebitMac1(card, init, amounts, time);
    expect(toHex(mac1.terminalSequence)).toBe('00000001');
    const out = await send(`B02C01000F${toHex(encodeDebit({ terminalSequence: mac1.terminalSequence, time, mac1: mac1.mac1 }))}`);
    expect(out.slice(-4)).toBe('9000');
    expect(await psam.verifyMedicalDebit(card, amounts, mac1, time, { tac: fromHex(out.slice(0, 8)), mac2: fromHex(out.slice(8, 16)) })).toEqual({ mac2: true, tac: true });
  });

  it('the PSAM image file keeps the terminal sequence number after sscard serve stops', async () => {
    for (const r of readers.splice(0)) await r.disconnect();
    expect(await serve!.stop('SIGTERM')).toBe(0);
    serve = undefined;
    const shown = JSON.parse((await sscard(['psam', 'show', psamFile, '--json'])).stdout) as { nextTerminalSequence: number; terminalId: string };
    expect(shown).toMatchObject({ nextTerminalSequence: 2, terminalId: TERMINAL_ID });
  });
});
