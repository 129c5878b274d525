// Known-answer vectors of every PSAM computation (DOMAIN.md §1.4): three-level diversification, session
// key, the 8-byte fold, the secure-messaging MAC, the key-management MAC and encipherment, MAC1 / MAC2 /
// TAC and the internal-authentication check. Each expected value below is written out; the test first
// recomputes it with the OpenSSL command line over the layouts of openssl-psam.ts (no src/ involved), then
// requires the PSAM application — driven by its APDUs on the card runtime — to give the same bytes.
//
// Master keys: the TEST keys of fixtures/profiles/shanghai.json (SM4) and gen2-3des.json (3DES), read as
// JSON here. The real trace of DOMAIN.md §1.4 cannot be reproduced beyond its diversification data: its
// card keys are not public (see the last describe).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fromHex, toHex } from '../../../src/apdu/bytes.js';
import { historicalBytes } from '../../../src/apdu/atr.js';
import { fixedClock, seededRandom } from '../../../src/env.js';
import { silentLogger } from '../../../src/log.js';
import { createCard, type Card } from '../../../src/card/index.js';
import { deriveCardKey, personalizePsam } from '../../../src/card/apps/psam/index.js';
import { parseProfile } from '../../../src/card/personalize/profile.js';
import * as ossl from './openssl-psam.js';

const load = (name: string) => JSON.parse(readFileSync(new URL(`../../../fixtures/profiles/${name}.json`, import.meta.url), 'utf8'));

interface VectorSet {
  profile: string;
  alg: ossl.Alg;
  region: string;
  /** ATR T6–TD of the card the PSAM works for (atr-historical.ts layout: 86 ‖ generation ‖ region[0..4] ‖ serial). */
  cardData: string;
  /** The PSAM's 终端机编号 (its EF16), part of MAC1 and the TAC. */
  terminalId: string;
  expected: Record<string, string>;
}

// Inputs shared by both sets (the internal-authentication challenge is the one of the real trace).
const R = '1122334455667788';
const SM_RANDOM = '0102030405060708';
const SM_INPUT = '04DC05280A050420270101'; // UPDATE RECORD EF05 tag 05 with SM: CLA INS P1 P2 Lc(+4) data
const ENC_DATA = '050420270101'; // enciphered as 06 ‖ data ‖ 80 00…
const IA_FACTOR = '32D9E876ADB31BBF';
const IA_ORIGINAL = 'DBF7A936D0D18C9E';
const KM_CHALLENGE = 'A1A2A3A4';
const KM_INPUT = '845E000007123456'; // RELOAD PIN 123456: the card MACs it with CLA 84 (docs/card-os.md)
const KM_PIN = '654321'; // enciphered as 03 ‖ 654321 ‖ 80 00…
const DEBIT = { random: 'CAFEBABE', sequence: 1, terminalSequence: '00000001', time: '20260315093000', amounts: { account: 1234, selfPay: 500, fund: 3000 } };

const SETS: VectorSet[] = [
  {
    profile: 'shanghai',
    alg: 'SM4',
    region: '310000',
    cardData: '8630310000A1B2C3',
    terminalId: '310000000123',
    expected: {
      level1: '3331303030307368',
      level2: '3331303030307378',
      ukLevel1: '2FBC3A6382BC3BD9B85F03ACC29FB0D5',
      ukLevel2: 'E5B985FDE9B4C0FC29A3D540222A28F7',
      ukCardKey: '9F5BF9F668079B7AC9511493C71CC8A6',
      extAuthBlock: '9ABCD5C64F55AFDB185F8172BB3306D3',
      extAuth: '82E354B4F466A908',
      smSessionKey: '78DC54EE10B195F0A03C3F0FEE413A1B',
      smMac: '8EDE2659',
      encipher: '29F22823D413602713D7A580CF8D1BE6',
      iaSessionKey: 'D1681B8A0594368A573934198134F270',
      internalAuth: 'B6AE22CDE7298152',
      kmMac: '66D9C772',
      kmEncipher: '083A5A3935507A36953E1A0EB108F188',
      debitSessionKey: '6FE412CC50721D75B4142480C910CE0A',
      mac1: 'F2337098',
      mac2: 'EA4796D4',
      tac: '5FD04DF7',
    },
  },
  {
    profile: 'gen2-3des',
    alg: '3DES',
    region: '370100',
    cardData: '8620370100000042',
    terminalId: '370100000001',
    expected: {
      level1: '3337303030307368',
      level2: '3337303130307378',
      ukLevel1: '43F560B138D94E934CFE0F3F1489C147',
      ukLevel2: 'DB9F763A0CF487514C33B26AFF5EF4B9',
      ukCardKey: 'B1C95E1FE0730BF40A40DD06CC2D621C',
      extAuthBlock: 'E32E65982EFE197F',
      extAuth: 'E32E65982EFE197F',
      smSessionKey: 'C928E40C09211417',
      smMac: '1E898AE0',
      encipher: 'BBD6DD44C3807560',
      iaSessionKey: 'CD587A31BF58CBC9',
      internalAuth: 'BC59A8212A360A01',
      kmMac: '72A48557',
      kmEncipher: '0CE17CE998611BA0',
      debitSessionKey: '01525AD3762A0251',
      mac1: '998BCEF2',
      mac2: 'FAD3A034',
      tac: '19EB952F',
    },
  },
];

/** Recomputes every vector of a set with the OpenSSL CLI. */
function opensslVectors(set: VectorSet): Record<string, string> {
  const mk = load(set.profile).masterKeys;
  const { alg, region, cardData } = set;
  const bs = ossl.blockOf(alg);
  const key = (df: string, kind: string) => ossl.cardKey(alg, mk[df][kind], region, cardData);
  const uk = key('SSSE', 'UK');
  const ukLevel1 = ossl.diversifyOnce(alg, mk.SSSE.UK, ossl.level1(region));
  const smSessionKey = ossl.sessionKey(alg, uk, SM_RANDOM);
  const iaSessionKey = ossl.sessionKey(alg, key('SSSE', 'IRK'), IA_FACTOR);
  const debitSessionKey = ossl.debitSessionKey(alg, key('DF04', 'DPK'), DEBIT.random, DEBIT.sequence, DEBIT.terminalSequence);
  const amounts = ossl.amountsHex(DEBIT.amounts);
  const extAuthBlock = ossl.ecb(alg, uk, ossl.zeroPad(R, bs));
  return {
    level1: ossl.level1(region),
    level2: ossl.level2(region),
    ukLevel1,
    ukLevel2: ossl.diversifyOnce(alg, ukLevel1, ossl.level2(region)),
    ukCardKey: uk,
    extAuthBlock,
    extAuth: ossl.fold(extAuthBlock),
    smSessionKey,
    smMac: ossl.ssseMac(alg, smSessionKey, SM_INPUT),
    encipher: ossl.ecb(alg, smSessionKey, ossl.zeroPad(`06${ENC_DATA}80`, bs)),
    iaSessionKey,
    internalAuth: ossl.authData(alg, iaSessionKey, IA_ORIGINAL),
    kmMac: ossl.ssseMac(alg, key('SSSE', 'RPK'), KM_INPUT, KM_CHALLENGE),
    kmEncipher: ossl.ecb(alg, key('SSSE', 'PUK'), ossl.zeroPad(`03${KM_PIN}80`, bs)),
    debitSessionKey,
    mac1: ossl.ssseMac(alg, debitSessionKey, `${amounts}31${set.terminalId}${DEBIT.time}`),
    mac2: ossl.ssseMac(alg, debitSessionKey, amounts),
    tac: ossl.ssseMac(alg, ossl.tacKey(alg, key('DF04', 'DTK')), `${amounts}31${set.terminalId}${DEBIT.terminalSequence}${DEBIT.time}`),
  };
}

/** A PSAM image of the profile on the card runtime, powered, with a send that follows 61xx. */
function psamOf(set: VectorSet): { psam: Card; send: (hex: string) => string } {
  const profile = parseProfile(load(set.profile));
  const image = personalizePsam(profile, { random: seededRandom(1), terminalId: set.terminalId });
  const psam = createCard(image, { random: seededRandom(2), clock: fixedClock(new Date(Date.UTC(2026, 2, 15))), log: silentLogger() });
  psam.powerOn('contact');
  const send = (hex: string) => {
    const out = toHex(psam.transmit(fromHex(hex)));
    return out.startsWith('61') ? toHex(psam.transmit(fromHex(`00C00000${out.slice(2)}`))) : out;
  };
  expect(send('00A404000F7378332E73682EC9E7BBE1B1A3D5CF').slice(-4)).toBe('9000');
  expect(send('00A4000002DF01').slice(-4)).toBe('9000');
  return { psam, send };
}

const lc = (hex: string) => (hex.length / 2).toString(16).toUpperCase().padStart(2, '0');

describe.each(SETS)('PSAM vectors, $profile ($alg)', (set) => {
  const e = set.expected;
  const city = ossl.level2(set.region);
  const bs = ossl.blockOf(set.alg);
  const pad = (h: string) => ossl.zeroPad(h, bs);

  it('the written-out vectors are what OpenSSL computes', () => {
    expect(opensslVectors(set)).toEqual(e);
  });

  it('three-level diversification: province, city, card (the PSAM derivation function)', () => {
    const master = { algorithm: set.alg, value: load(set.profile).masterKeys.SSSE.UK };
    expect(toHex(deriveCardKey(master, fromHex(set.cardData), fromHex(city)))).toBe(e.ukCardKey);
  });

  it('DELIVER KEY (BF DE 48) + CIPHER DATA: E_DK(R ‖ 00…), which folds to the EXTERNAL AUTHENTICATE cryptogram', () => {
    const { send } = psamOf(set);
    const block = pad(R);
    expect(send(`BFDE4810${lc(set.cardData + city + block)}${set.cardData}${city}${block}`)).toBe('9000'); // UK of the SSSE DDF1
    expect(send(`80FA0000${lc(block)}${block}`)).toBe(`${e.extAuthBlock}9000`);
    expect(ossl.fold(e.extAuthBlock!)).toBe(e.extAuth);
  });

  it('DELIVER SESSION KEY (BF DE 49) + MAC: the secure-messaging MAC under SK = E_DK(R ‖ 00…)', () => {
    const { send } = psamOf(set);
    expect(send(`BFDE4910${lc(set.cardData + city + pad(SM_RANDOM))}${set.cardData}${city}${pad(SM_RANDOM)}`)).toBe('9000');
    expect(send(`80FA0500${lc(SM_INPUT)}${SM_INPUT}`)).toBe(`${e.smMac}9000`);
    // the same session key enciphers LD ‖ data ‖ 80 00…
    const input = pad(`06${ENC_DATA}80`);
    expect(send(`80FA0000${lc(input)}${input}`)).toBe(`${e.encipher}9000`);
  });

  it('the internal-authentication check: E_SK(original) folded, SK = E_IRK(factor ‖ 00…)', () => {
    const { send } = psamOf(set);
    expect(send(`BFDE4930${lc(set.cardData + city + pad(IA_FACTOR))}${set.cardData}${city}${pad(IA_FACTOR)}`)).toBe('9000'); // IRK of the SSSE DDF1
    const out = send(`80FA0000${lc(pad(IA_ORIGINAL))}${pad(IA_ORIGINAL)}`);
    expect(out.slice(-4)).toBe('9000');
    expect(ossl.fold(out.slice(0, -4))).toBe(e.internalAuth);
  });

  it('key management: MAC under the static RPK with IV = challenge ‖ 00…; encipherment under the static PUK', () => {
    const { send } = psamOf(set);
    expect(send(`BFDE4870${lc(set.cardData + city + pad(KM_CHALLENGE))}${set.cardData}${city}${pad(KM_CHALLENGE)}`)).toBe('9000');
    expect(send(`80FA0500${lc(KM_INPUT)}${KM_INPUT}`)).toBe(`${e.kmMac}9000`);
    expect(send(`BFDE486010${set.cardData}${city}`)).toBe('9000');
    const input = pad(`03${KM_PIN}80`);
    expect(send(`80FA0000${lc(input)}${input}`)).toBe(`${e.kmEncipher}9000`);
  });

  it('MAC1 (80 70) from DPK, then MAC2 and the TAC (under DTK) checked by 80 72', () => {
    const { send } = psamOf(set);
    const amounts = ossl.amountsHex(DEBIT.amounts);
    const algorithm = set.alg === 'SM4' ? '03' : '01';
    const data = `${DEBIT.random}0001${amounts}31${DEBIT.time}01${algorithm}${set.cardData}${city}`;
    expect(lc(data)).toBe('2C');
    expect(send(`80700000${lc(data)}${data}08`)).toBe(`${DEBIT.terminalSequence}${e.mac1}9000`);
    expect(send(`8072000004${e.mac2}`)).toBe('9000');
    expect(send(`8072010004${e.tac}`)).toBe('9000');
    expect(send(`8072000004${xorHex1(e.mac2!)}`)).toBe('9302');
    expect(send(`8072010004${xorHex1(e.tac!)}`)).toBe('9302');
  });
});

/** The value with its last bit flipped. */
function xorHex1(h: string): string {
  return h.slice(0, -1) + (parseInt(h.slice(-1), 16) ^ 1).toString(16).toUpperCase();
}

describe('the real third-generation trace (DOMAIN.md §1.4)', () => {
  it('diversification data: level 1 of 650100 is 3635303030307368 [V]', () => {
    expect(ossl.level1('650100')).toBe('3635303030307368');
  });

  it('level 3 of the real ATR 3B6D000000814A444686605199000001AC is its T6–TD 86605199000001AC', () => {
    const historical = historicalBytes(fromHex('3B6D000000814A444686605199000001AC'));
    expect(toHex(historical)).toBe('00814A444686605199000001AC');
    expect(toHex(historical.slice(-8))).toBe('86605199000001AC');
  });

  it('the trace-shaped BFDE481220 ‖ ATR-last-8 ‖ city-div ‖ R ‖ 00×8, 80FA000010 ‖ R ‖ 00×8 gives what OpenSSL gives (test keys)', () => {
    // The trace's own cryptograms (INTERNAL AUTHENTICATE → F4A0CF965BDCEA30, EXTERNAL AUTHENTICATE
    // 774A08EDF447A1DE for R = E603E2CAADAF02B6) need that issuer's keys, which are not public: they
    // cannot be reproduced. With the Sichuan TEST keys, the same command bytes (P2 12 = UK of DF02, the
    // real card's T6–TD and region 519900) must give OpenSSL's E_DK(R ‖ 00×8).
    const set: VectorSet = { ...SETS[0]!, profile: 'sichuan', region: '519900', cardData: '86605199000001AC' };
    const { send } = psamOf(set);
    const r = 'E603E2CAADAF02B6';
    expect(send(`BFDE481220${set.cardData}${ossl.level2('519900')}${r}0000000000000000`)).toBe('9000');
    const dk = ossl.cardKey('SM4', load('sichuan').masterKeys.DF02.UK, '519900', set.cardData);
    expect(send(`80FA000010${r}0000000000000000`)).toBe(`${ossl.ecb('SM4', dk, `${r}0000000000000000`)}9000`);
  });
});
