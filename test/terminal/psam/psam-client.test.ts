// The terminal's PSAM client against the PSAM application over the in-process reader: every port operation
// gives the OpenSSL known answer of test/card/psam/psam.vectors.test.ts (Shanghai TEST keys, card T6–TD
// 8630310000A1B2C3, region 310000, terminal 310000000123), sends the APDUs of docs/psam.md (the
// third-generation trace's BFDE481220 … / 80FA000010 … shape), and works with a personalised card: card
// check, external authentication, secure messaging, PIN reload and unblock, the offline medical debit.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { concat, fromHex, toHex } from '../../../src/apdu/bytes.js';
import { historicalBytes } from '../../../src/apdu/atr.js';
import { getResponseLayer } from '../../../src/apdu/layers/get-response.js';
import { layered, TransportError, type Transport } from '../../../src/apdu/transport.js';
import { fixedClock, seededRandom } from '../../../src/env.js';
import { silentLogger } from '../../../src/log.js';
import { createCard } from '../../../src/card/index.js';
import { personalizePsam } from '../../../src/card/apps/psam/index.js';
import { parseProfile, type Profile } from '../../../src/card/personalize/profile.js';
import { personalize } from '../../../src/card/personalize/personalize.js';
import type { Holder } from '../../../src/card/personalize/holder.js';
import { decodeInitResponse, encodeDebit, encodeInit } from '../../../src/spec/ssse/medical-debit.js';
import { withLayers, type CardReader } from '../../../src/terminal/reader.js';
import { SimulatedReader } from '../../../src/terminal/readers/simulated.js';
import { PsamClient } from '../../../src/terminal/psam/psam-client.js';
import { PsamError, type CardDiversification } from '../../../src/terminal/psam/psam-port.js';

const load = (p: string) => JSON.parse(readFileSync(new URL(`../../../${p}`, import.meta.url), 'utf8'));
const clock = fixedClock(new Date(Date.UTC(2026, 2, 15, 9, 30)));
const deps = (seed: number) => ({ random: seededRandom(seed), clock, log: silentLogger() });

/** A PSAM image of the profile in an in-process reader; `sent` records every command the client sends. */
async function psamReader(profile: Profile, terminalId: string): Promise<{ reader: CardReader; sent: string[] }> {
  const reader = new SimulatedReader(createCard(personalizePsam(profile, { random: seededRandom(1), terminalId }), deps(2)), { name: 'PSAM' });
  await reader.connect('contact');
  const sent: string[] = [];
  const record = (inner: Transport): Transport => ({ transmit: (c) => (sent.push(toHex(c)), inner.transmit(c)) });
  return { reader: withLayers(reader, record), sent };
}

const shanghai = parseProfile(load('fixtures/profiles/shanghai.json'));
const card: CardDiversification = { cardData: fromHex('8630310000A1B2C3'), region: '310000' };

describe('PsamClient: the known answers through the port', () => {
  it('open() reads the terminal number, the serial, the key version and the algorithm', async () => {
    const { reader, sent } = await psamReader(shanghai, '310000000123');
    const info = await new PsamClient(reader).open();
    expect(info.algorithm).toBe('SM4');
    expect(info.keyVersion).toBe(1);
    expect(toHex(info.terminalId)).toBe('310000000123');
    expect(info.serial).toHaveLength(10);
    expect(sent.filter((c) => !c.startsWith('00C0'))).toEqual([
      '00A40000023F0000',
      '00B0960006',
      '00B095000A',
      '00A404000F7378332E73682EC9E7BBE1B1A3D5CF00',
      '00A4000002DF0100',
      '00B0970002',
    ]);
  });

  it('every computation gives the OpenSSL known answer', async () => {
    const { reader } = await psamReader(shanghai, '310000000123');
    const psam = new PsamClient(reader);
    expect(toHex(await psam.externalAuthenticationCryptogram(card, { df: 'SSSE', kind: 'UK' }, fromHex('1122334455667788')))).toBe('82E354B4F466A908');
    expect(toHex(await psam.secureMessagingMac(card, { df: 'SSSE', kind: 'UK' }, fromHex('0102030405060708'), fromHex('04DC05280A050420270101')))).toBe('8EDE2659');
    expect(toHex(await psam.encipher(card, { df: 'SSSE', kind: 'UK' }, fromHex('0102030405060708'), fromHex('050420270101')))).toBe('29F22823D413602713D7A580CF8D1BE6');
    const challenge = fromHex('32D9E876ADB31BBFDBF7A936D0D18C9E');
    expect(await psam.verifyInternalAuthentication(card, { df: 'SSSE', kind: 'IRK' }, challenge, fromHex('B6AE22CDE7298152'))).toBe(true);
    expect(await psam.verifyInternalAuthentication(card, { df: 'SSSE', kind: 'IRK' }, challenge, fromHex('B6AE22CDE7298153'))).toBe(false);
    expect(await psam.verifyInternalAuthentication(card, { df: 'SSSE', kind: 'IRK' }, challenge, fromHex('B6AE22CDE72981'))).toBe(false);
    expect(toHex(await psam.keyManagementMac(card, { df: 'SSSE', kind: 'RPK' }, fromHex('A1A2A3A4'), fromHex('845E000007123456')))).toBe('66D9C772');
    expect(toHex(await psam.keyManagementEncipher(card, { df: 'SSSE', kind: 'PUK' }, fromHex('654321')))).toBe('083A5A3935507A36953E1A0EB108F188');
    const init = { balance: 0, selfPayAccumulated: 0, fundAccumulated: 0, year: 2026, sequence: 1, keyVersion: 1, algorithm: 0x03, random: fromHex('CAFEBABE') };
    const amounts = { account: 1234, selfPay: 500, fund: 3000 };
    const time = fromHex('20260315093000');
    const mac1 = await psam.medicalDebitMac1(card, init, amounts, time);
    expect({ terminalSequence: toHex(mac1.terminalSequence), mac1: toHex(mac1.mac1) }).toEqual({ terminalSequence: '00000001', mac1: 'F2337098' });
    expect(await psam.verifyMedicalDebit(card, amounts, mac1, time, { mac2: fromHex('EA4796D4'), tac: fromHex('5FD04DF7') })).toEqual({ mac2: true, tac: true });
    expect(await psam.verifyMedicalDebit(card, amounts, mac1, time, { mac2: fromHex('EA4796D5'), tac: fromHex('5FD04DF6') })).toEqual({ mac2: false, tac: false });
    expect(await psam.verifyMedicalDebit(card, amounts, mac1, time, { mac2: fromHex('EA4796'), tac: fromHex('5FD04DF7') })).toEqual({ mac2: false, tac: true });
    await expect(psam.verifyMedicalDebit(card, amounts, { ...mac1, terminalSequence: fromHex('00000009') }, time, { mac2: fromHex('EA4796D4'), tac: fromHex('5FD04DF7') })).rejects.toThrow(/not the one of the last MAC1/);
  });

  it('sends the third-generation trace shape: BFDE481220 ‖ ATR-last-8 ‖ city-div ‖ R ‖ 00×8, then 80FA000010 ‖ R ‖ 00×8', async () => {
    // the real card of DOMAIN.md §1.4 (ATR 3B6D000000814A444686605199000001AC, region 519900), key UK of DF02 (P2 12)
    const sichuan = parseProfile(load('fixtures/profiles/sichuan.json'));
    const { reader, sent } = await psamReader(sichuan, '510100000001');
    const psam = new PsamClient(reader);
    await psam.open();
    sent.length = 0;
    const real = { cardData: historicalBytes(fromHex('3B6D000000814A444686605199000001AC')).slice(-8), region: '519900' };
    await psam.externalAuthenticationCryptogram(real, { df: 'DF02', kind: 'UK' }, fromHex('E603E2CAADAF02B6'));
    expect(sent).toEqual([
      'BFDE48122086605199000001AC3531393930307378E603E2CAADAF02B60000000000000000',
      '80FA000010E603E2CAADAF02B60000000000000000',
      '00C0000010', // the PSAM is T=0: the 16 bytes come with GET RESPONSE
    ]);
  });

  it('reports a PSAM refusal as a PsamError with its status word, and a reader without a card as a TransportError', async () => {
    const { reader } = await psamReader(shanghai, '310000000123');
    const psam = new PsamClient(reader);
    const noKey = await psam.externalAuthenticationCryptogram(card, { df: 'DF01', kind: 'PUK' }, fromHex('1122334455667788')).catch((e: unknown) => e);
    expect(noKey).toBeInstanceOf(PsamError);
    expect(noKey).toMatchObject({ sw: 0x6a88, operation: 'deliver the PUK key of DF01' });
    await expect(psam.secureMessagingMac(card, { df: 'DF04', kind: 'DPK' }, fromHex('11223344'), fromHex('00'))).rejects.toMatchObject({ sw: 0x6985 });
    await expect(psam.externalAuthenticationCryptogram({ ...card, region: '31000' }, { df: 'SSSE', kind: 'UK' }, fromHex('11'))).rejects.toThrow(RangeError);
    await reader.disconnect();
    await expect(psam.externalAuthenticationCryptogram(card, { df: 'SSSE', kind: 'UK' }, fromHex('1122334455667788'))).rejects.toThrow(TransportError);
  });

  it('refuses a card that is no PSAM with a PsamError naming what failed', async () => {
    const image = personalize(shanghai, load('fixtures/holders/shanghai-li.json') as Holder, { random: seededRandom(3), clock });
    const reader = new SimulatedReader(createCard(image, deps(4)));
    await reader.connect('contact');
    await expect(new PsamClient(reader).open()).rejects.toMatchObject({ name: 'PsamError', operation: 'read the terminal number (EF16)', sw: 0x6a82 });
  });
});

/** A personalised card in an in-process reader, with GET RESPONSE handled; `send` takes and gives hex. */
async function userCard(profile: Profile, holder: string): Promise<{ send: (hex: string | Uint8Array) => Promise<string>; card: CardDiversification }> {
  const image = personalize(profile, load(holder) as Holder, { random: seededRandom(5), clock });
  const reader = new SimulatedReader(createCard(image, deps(6)));
  const atr = await reader.connect('contact');
  const t = layered(reader.transport, getResponseLayer());
  const send = async (c: string | Uint8Array) => toHex(await t.transmit(typeof c === 'string' ? fromHex(c) : c));
  return { send, card: { cardData: historicalBytes(atr).slice(-8), region: profile.issuer.regionCode } };
}

describe.each([
  ['shanghai', 'fixtures/holders/shanghai-li.json', '310000000123'],
  ['gen2-3des', 'fixtures/holders/gen2-liu.json', '370100000001'],
])('PsamClient with a personalised %s card', (name, holder, terminalId) => {
  const profile = parseProfile(load(`fixtures/profiles/${name}.json`));
  const SELECT_SSSE = '00A404000F7378312E73682EC9E7BBE1B1A3D5CF';

  it('card check, external authentication, then a write with secure messaging', async () => {
    const { send, card } = await userCard(profile, holder);
    const psam = new PsamClient((await psamReader(profile, terminalId)).reader);
    expect((await send(SELECT_SSSE)).slice(-4)).toBe('9000');
    const challenge = fromHex('0102030405060708A1A2A3A4A5A6A7A8');
    const answer = await send(concat(fromHex('0088000010'), challenge));
    expect(await psam.verifyInternalAuthentication(card, { df: 'SSSE', kind: 'IRK' }, challenge, fromHex(answer.slice(0, -4)))).toBe(true);
    expect(await psam.verifyInternalAuthentication({ ...card, region: '110000' }, { df: 'SSSE', kind: 'IRK' }, challenge, fromHex(answer.slice(0, -4)))).toBe(false);
    const r = (await send('0084000008')).slice(0, -4);
    const cryptogram = await psam.externalAuthenticationCryptogram(card, { df: 'SSSE', kind: 'UK' }, fromHex(r));
    expect(await send(`0082000411${toHex(cryptogram)}${r}01`)).toBe('9000');
    expect(await send('00DC052806050420270101')).toBe('9000');
    // secure messaging: 04 DC … ‖ MAC under the session key of UK_SSSE and a fresh challenge
    const r2 = (await send('0084000008')).slice(0, -4);
    const macInput = fromHex('04DC05280A050420280101');
    const mac = await psam.secureMessagingMac(card, { df: 'SSSE', kind: 'UK' }, fromHex(r2), macInput);
    expect(await send(concat(macInput, mac))).toBe('9000');
    expect(await send('00B2052C06')).toBe('0504202801019000');
  });

  it('PIN reload (80 5E 00 00, RPK) and PIN unblock with an enciphered PIN (84 24 00 01, PUK)', async () => {
    const { send, card } = await userCard(profile, holder);
    const psam = new PsamClient((await psamReader(profile, terminalId)).reader);
    await send(SELECT_SSSE);
    // reload: new PIN 112233 ‖ MAC; the card MACs CLA 84 ‖ 5E 00 00 ‖ Lc(+4) ‖ PIN with IV = its challenge
    let challenge = (await send('0084000008')).slice(0, -4);
    const reloadMac = await psam.keyManagementMac(card, { df: 'SSSE', kind: 'RPK' }, fromHex(challenge), fromHex('845E000007112233'));
    expect(await send(`805E000007112233${toHex(reloadMac)}`)).toBe('9000');
    expect(await send('0020000003112233')).toBe('9000');
    // block the PIN, then unblock it with a new one enciphered under the PUK
    for (let i = 0; i < profile.pinMaxTries; i++) await send('0020000003999999');
    expect(await send('0020000003112233')).toBe('6983');
    challenge = (await send('0084000008')).slice(0, -4);
    const enciphered = await psam.keyManagementEncipher(card, { df: 'SSSE', kind: 'PUK' }, fromHex('445566'));
    const macInput = concat(fromHex(`84240001${(enciphered.length + 4).toString(16).padStart(2, '0')}`), enciphered);
    const unblockMac = await psam.keyManagementMac(card, { df: 'SSSE', kind: 'PUK' }, fromHex(challenge), macInput);
    expect(await send(concat(macInput, unblockMac))).toBe('9000');
    expect(await send('0020000003445566')).toBe('9000');
  });

  it('offline medical debit: INIT with the PSAM terminal number → MAC1 → DEBIT → MAC2 and TAC verified', async () => {
    const { send, card } = await userCard(profile, holder);
    const psam = new PsamClient((await psamReader(profile, terminalId)).reader);
    const info = await psam.open();
    await send('00A4040006D15600000503');
    expect(await send(`0020000003${profile.defaultPin}`)).toBe('9000');
    const amounts = { account: 2500, selfPay: 800, fund: 4200 };
    const time = fromHex('20260315093000');
    const init = decodeInitResponse(fromHex((await send(`B028010113${toHex(encodeInit({ keyIndex: 1, ...amounts, terminalId: info.terminalId }))}`)).slice(0, -4)));
    const mac1 = await psam.medicalDebitMac1(card, init, amounts, time);
    const out = await send(`B02C01000F${toHex(encodeDebit({ terminalSequence: mac1.terminalSequence, time, mac1: mac1.mac1 }))}`);
    expect(out.slice(-4)).toBe('9000');
    const answer = { tac: fromHex(out.slice(0, 8)), mac2: fromHex(out.slice(8, 16)) };
    expect(await psam.verifyMedicalDebit(card, amounts, mac1, time, answer)).toEqual({ mac2: true, tac: true });
    // a second debit gets the next terminal sequence number; a MAC1 for other amounts is refused by the card
    const init2 = decodeInitResponse(fromHex((await send(`B028010113${toHex(encodeInit({ keyIndex: 1, ...amounts, terminalId: info.terminalId }))}`)).slice(0, -4)));
    const other = await psam.medicalDebitMac1(card, init2, { ...amounts, account: 1 }, time);
    expect(toHex(other.terminalSequence)).toBe('00000002');
    expect(await send(`B02C01000F${toHex(encodeDebit({ terminalSequence: other.terminalSequence, time, mac1: other.mac1 }))}`)).toBe('9302');
  });
});
