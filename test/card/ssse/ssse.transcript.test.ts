// SSSE transcripts through the whole card (card OS + SSSE data + DF04 application), hex in / hex out.
// Where DOMAIN.md §1.3/§1.4 gives a real trace fragment, the card is personalised with the values of that
// card (region 519900, serial 10000B26, auth code FFFFFFFF, card number HA1046924) and the bytes must match.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { concat, fromHex, toHex, xor } from '../../../src/apdu/bytes.js';
import { fixedClock, seededRandom } from '../../../src/env.js';
import { silentLogger } from '../../../src/log.js';
import { createCard } from '../../../src/card/index.js';
import { historicalBytes } from '../../../src/apdu/atr.js';
import type { CardImage, SimulatedCard } from '../../../src/card/runtime/types.js';
import { parseProfile, type Profile } from '../../../src/card/personalize/profile.js';
import type { Holder } from '../../../src/card/personalize/holder.js';
import { personalize } from '../../../src/card/personalize/personalize.js';
import { TestPsam as Psam } from './psam-oracle.js';
import { personalizePsam } from '../../../src/card/apps/psam/index.js';
import { decodeInitResponse, decodeTransactionRecord, encodeDebit, encodeInit } from '../../../src/spec/ssse/medical-debit.js';

const load = (p: string) => JSON.parse(readFileSync(new URL(`../../../${p}`, import.meta.url), 'utf8'));
const clock = fixedClock(new Date(Date.UTC(2026, 10, 22, 10, 0)));

/** The Sichuan profile moved to region 519900 (四川省本级), the region of the traced card. */
function traceProfile(): Profile {
  const p = load('fixtures/profiles/sichuan.json');
  p.issuer.regionCode = '519900';
  delete p.financial;
  return parseProfile(p);
}

function makeCard(profile: Profile, holder: Holder, seed = 1): { card: SimulatedCard; image: CardImage } {
  const image = personalize(profile, holder, { random: seededRandom(seed), clock });
  const card = createCard(structuredClone(image), { random: seededRandom(seed + 100), clock, log: silentLogger() });
  return { card, image };
}

const tx = (card: SimulatedCard, hex: string) => toHex(card.transmit(fromHex(hex)));
const hist8 = (image: CardImage) => historicalBytes(fromHex(image.atr.contact)).slice(-8);

describe('real trace fragments (DOMAIN.md §1.1, §1.4)', () => {
  const profile = traceProfile();
  const { card } = makeCard(profile, load('fixtures/holders/trace-ha1046924.json'));
  card.powerOn('contact');

  it('SELECT sx1.sh.社会保障 answers the real FCI 6F1C 840F 7378…D5CF A509 8801 1E 9F0C03 860103', () => {
    // the profile is T=0: the card announces the 0x1E FCI bytes (61 1E) and GET RESPONSE fetches them
    expect(tx(card, '00A404000F7378312E73682EC9E7BBE1B1A3D5CF')).toBe('611E');
    expect(tx(card, '00C000001E')).toBe('6F1C840F7378312E73682EC9E7BBE1B1A3D5CFA50988011E9F0C038601039000');
  });

  it('00A4020002EF05 then 00B2010012 → 0110 519900D15600000510000B26FFFFFFFF 9000', () => {
    expect(tx(card, '00A4020002EF05').slice(-4)).toBe('9000');
    expect(tx(card, '00B2010012')).toBe('0110519900D15600000510000B26FFFFFFFF9000');
  });

  it('00B207000B → 0709 484131303436393234 ("HA1046924") 9000', () => {
    expect(tx(card, '00B207000B')).toBe('07094841313034363932349000');
  });

  it('00B2072C0B (record 7 of SFI 5) gives the same record', () => {
    expect(tx(card, '00B2072C0B')).toBe('07094841313034363932349000');
  });

  it('00B2080014 (P2=00: first record with tag 08) → the ID number of EF06', () => {
    expect(tx(card, '00A4020002EF06').slice(-4)).toBe('9000');
    expect(tx(card, '00B2080014')).toBe(`0812${toHex(new TextEncoder().encode('519900198507042212'))}9000`);
  });
});

describe('card check and external authentication with the PSAM (DOMAIN.md §1.4)', () => {
  const profile = parseProfile(load('fixtures/profiles/shanghai.json'));
  const holder = load('fixtures/holders/shanghai-li.json') as Holder;

  it('INTERNAL AUTHENTICATE with IRK_SSSE verifies at the PSAM', () => {
    const { card, image } = makeCard(profile, holder);
    card.powerOn('contact');
    const psam = Psam.fromProfile(profile, seededRandom(7));
    expect(tx(card, '00A404000F7378312E73682EC9E7BBE1B1A3D5CF').slice(-4)).toBe('9000');
    const challenge = psam.internalAuthChallenge();
    const out = tx(card, `0088000010${toHex(challenge)}`);
    expect(out.slice(-4)).toBe('9000');
    expect(psam.verifyInternalAuth('SSSE', { historical: hist8(image) }, challenge, fromHex(out.slice(0, 16)))).toBe(true);
  });

  it('UPDATE RECORD of EF05 without authentication → 6982; GET CHALLENGE → PSAM → EXTERNAL AUTHENTICATE → UPDATE RECORD 9000', () => {
    const { card, image } = makeCard(profile, holder);
    card.powerOn('contact');
    expect(tx(card, '00A404000F7378312E73682EC9E7BBE1B1A3D5CF').slice(-4)).toBe('9000');
    // observed write shape: 00DC 05 28 06 0504 <YYYYMMDD> (record with tag 05 of SFI 5: 发卡日期)
    expect(tx(card, '00DC052806050420260201')).toBe('6982');
    const r = tx(card, '0084000008');
    expect(r.slice(-4)).toBe('9000');
    // the PSAM is an application on the same card runtime (src/card/apps/psam), a T=0 card: 61xx → GET RESPONSE
    const psam = createCard(personalizePsam(profile, { random: seededRandom(11) }), { random: seededRandom(12), clock, log: silentLogger() });
    psam.powerOn('contact');
    const ps = (hex: string) => {
      const out = tx(psam, hex);
      return out.startsWith('61') ? tx(psam, `00C00000${out.slice(2)}`) : out;
    };
    expect(ps('00A404000F7378332E73682EC9E7BBE1B1A3D5CF').slice(-4)).toBe('9000');
    expect(ps('00A4000002DF01').slice(-4)).toBe('9000');
    const cityDiv = toHex(concat(new TextEncoder().encode(profile.issuer.regionCode), fromHex('7378')));
    const p2 = '10'; // UK of the SSSE DDF1 (docs/psam.md key selectors: kind 1 = UK, DF 0 = SSSE)
    expect(ps(`BFDE48${p2}20${toHex(hist8(image))}${cityDiv}${r.slice(0, 16)}0000000000000000`)).toBe('9000');
    const enc = ps(`80FA000010${r.slice(0, 16)}0000000000000000`);
    const e = fromHex(enc.slice(0, 32));
    const fold = toHex(xor(e.subarray(0, 8), e.subarray(8)));
    expect(tx(card, `0082000411${fold}${r.slice(0, 16)}01`)).toBe('9000');
    expect(tx(card, '00DC052806050420260201')).toBe('9000');
    expect(tx(card, '00B2052C06')).toBe('0504202602019000');
  });

  it('a wrong cryptogram is refused (6300 or 63Cx) and writing stays forbidden', () => {
    const { card } = makeCard(profile, holder);
    card.powerOn('contact');
    tx(card, '00A404000F7378312E73682EC9E7BBE1B1A3D5CF');
    const r = tx(card, '0084000008').slice(0, 16);
    const sw = tx(card, `0082000411${'00'.repeat(8)}${r}01`);
    expect(sw).toMatch(/^63/);
    expect(tx(card, '00DC052806050420260201')).toBe('6982');
  });
});

describe('DF04 medical insurance files and PIN', () => {
  const profile = parseProfile(load('fixtures/profiles/shanghai.json'));
  const holder = load('fixtures/holders/shanghai-li.json') as Holder;

  it('EF05 read needs the PIN: 6982; wrong PIN 63C2, 63C1, 63C0 then 6983 even with the right PIN', () => {
    const { card } = makeCard(profile, holder);
    card.powerOn('contact');
    expect(tx(card, '00A4040006D15600000503').slice(-4)).toBe('9000');
    expect(tx(card, '00B2012C00').slice(-4)).toBe('6982'); // record 1 of SFI 5 (险种类型)
    expect(tx(card, '0020000003111111')).toBe('63C2');
    expect(tx(card, '0020000003111111')).toBe('63C1');
    expect(tx(card, '0020000003111111')).toBe('63C0');
    expect(tx(card, '0020000003123456')).toBe('6983');
    expect(tx(card, '00B2012C00').slice(-4)).toBe('6982');
  });

  it('the right PIN opens EF05 (险种类型 310) but not EF06 (needs PIN and RK)', () => {
    const { card } = makeCard(profile, holder);
    card.powerOn('contact');
    tx(card, '00A4040006D15600000503');
    expect(tx(card, '0020000003123456')).toBe('9000');
    expect(tx(card, '00B2012C0A')).toBe(`8108${toHex(new TextEncoder().encode('310'))}00000000009000`);
    expect(tx(card, '00B2013400').slice(-4)).toBe('6982');
  });

  it('offline debit: INIT → PSAM MAC1 → DEBIT → TAC/MAC2 checked by the PSAM; EF08 holds the record; 9401 over the balance', () => {
    const { card, image } = makeCard(profile, holder);
    card.powerOn('contact');
    const psam = Psam.fromProfile(profile, seededRandom(3));
    const cardDiv = { historical: hist8(image) };
    tx(card, '00A4040006D15600000503');
    expect(tx(card, `B028010113${toHex(encodeInit({ keyIndex: 1, account: 100, selfPay: 0, fund: 0, terminalId: fromHex('310000000001') }))}`)).toBe('6982');
    expect(tx(card, '0020000003123456')).toBe('9000');
    const amounts = { account: 2500, selfPay: 800, fund: 4200 };
    const terminalId = fromHex('310000000001');
    const init = tx(card, `B028010113${toHex(encodeInit({ keyIndex: 1, ...amounts, terminalId }))}16`);
    expect(init.slice(-4)).toBe('9000');
    const ir = decodeInitResponse(fromHex(init.slice(0, -4)));
    expect(ir.balance).toBe(profile.medical.openingBalance);
    const termSeq = fromHex('00000001');
    const time = fromHex('20261122100000');
    const { mac1, sessionKey } = psam.debitMac1(cardDiv, ir, amounts, terminalId, termSeq, time);
    const bad = Uint8Array.from(mac1);
    bad[0]! ^= 0xff;
    expect(tx(card, `B02C01000F${toHex(encodeDebit({ terminalSequence: termSeq, time, mac1: bad }))}08`)).toBe('9302');
    const init2 = decodeInitResponse(fromHex(tx(card, `B028010113${toHex(encodeInit({ keyIndex: 1, ...amounts, terminalId }))}16`).slice(0, -4)));
    const m = psam.debitMac1(cardDiv, init2, amounts, terminalId, termSeq, time);
    const out = tx(card, `B02C01000F${toHex(encodeDebit({ terminalSequence: termSeq, time, mac1: m.mac1 }))}08`);
    expect(out.slice(-4)).toBe('9000');
    expect(psam.verifyDebitTac(cardDiv, amounts, terminalId, termSeq, time, fromHex(out.slice(0, 8)))).toBe(true);
    expect(psam.verifyDebitMac2(m.sessionKey, amounts, fromHex(out.slice(8, 16)))).toBe(true);
    void sessionKey;
    // EF08: cyclic, SFI 8, record 1 = the latest
    const rec = tx(card, '00B201441C');
    expect(rec.slice(-4)).toBe('9000');
    expect(decodeTransactionRecord(fromHex(rec.slice(0, -4)))).toMatchObject({ sequence: 1, ...amounts });
    // EF08 cannot be rewritten
    expect(tx(card, `00DC0144 1C${'00'.repeat(28)}`.replace(' ', '')).slice(-4)).toMatch(/^69/);
    // balance
    expect(tx(card, 'B026000004')).toBe(`${(profile.medical.openingBalance - 2500).toString(16).toUpperCase().padStart(8, '0')}9000`);
    expect(tx(card, `B028010113${toHex(encodeInit({ keyIndex: 1, account: 10_000_000, selfPay: 0, fund: 0, terminalId }))}16`)).toBe('9401');
  });
});

describe('contactless gives partial data; secure messaging; second generation', () => {
  const profile = parseProfile(load('fixtures/profiles/shanghai.json'));
  const holder = load('fixtures/holders/shanghai-li.json') as Holder;

  it('over RF: EF05/EF06 answer, DF04 and the PKI application are not found (6A82)', () => {
    const { card } = makeCard(profile, holder);
    const atr = toHex(card.powerOn('contactless'));
    expect(atr.startsWith('3B8D8001')).toBe(true);
    expect(tx(card, '00A404000F7378312E73682EC9E7BBE1B1A3D5CF').slice(-4)).toMatch(/^(9000|61)/);
    expect(tx(card, '00B2072C0B')).toBe(`0709${toHex(new TextEncoder().encode('SH0012349'))}9000`);
    expect(tx(card, '00A4040006D15600000503')).toBe('6A82');
    expect(tx(card, '00A404000C504B492EC9E7BBE1B1A3D5CF')).toBe('6A82');
    expect(tx(card, '00A4020002EF06').slice(-4)).toMatch(/^(9000|61)/);
    expect(tx(card, '00B2080014')).toBe(`0812${toHex(new TextEncoder().encode('310104199203154427'))}9000`);
    expect(tx(card, '00A4020002EF07')).toBe('6A82'); // fingerprint: contact only
  });

  it('UPDATE RECORD with secure messaging (04 DC …, MAC by the PSAM under UK_SSSE) is accepted; a wrong MAC is 6988', () => {
    const { card, image } = makeCard(profile, holder);
    card.powerOn('contact');
    tx(card, '00A404000F7378312E73682EC9E7BBE1B1A3D5CF');
    const psam = Psam.fromProfile(profile, seededRandom(4));
    const cardDiv = { historical: hist8(image) };
    const plain = fromHex('04DC052806050420270101');
    let r = fromHex(tx(card, '0084000008').slice(0, 16));
    const bad = psam.secureMessaging('SSSE', 'UK', cardDiv, r, plain);
    bad[bad.length - 1]! ^= 1;
    expect(tx(card, toHex(bad))).toBe('6988');
    r = fromHex(tx(card, '0084000008').slice(0, 16));
    expect(tx(card, toHex(psam.secureMessaging('SSSE', 'UK', cardDiv, r, plain)))).toBe('9000');
    expect(tx(card, '00B2052C06')).toBe('0504202701019000');
  });

  it('gen2 3DES card: FCI algorithm 01, external authentication with the 3DES PSAM, then UPDATE RECORD', () => {
    const gen2 = parseProfile(load('fixtures/profiles/gen2-3des.json'));
    const { card, image } = makeCard(gen2, load('fixtures/holders/gen2-liu.json'));
    card.powerOn('contact');
    expect(tx(card, '00A404000F7378312E73682EC9E7BBE1B1A3D5CF')).toBe('611E');
    expect(tx(card, '00C000001E')).toBe('6F1C840F7378312E73682EC9E7BBE1B1A3D5CFA50988011E9F0C038601019000');
    expect(tx(card, '00A4020002EF0D')).toBe('6A82'); // no EF0D before the third generation
    const r = fromHex(tx(card, '0084000008').slice(0, 16));
    const psam = Psam.fromProfile(gen2, seededRandom(4));
    expect(tx(card, toHex(psam.externalAuthenticateApdu('SSSE', 'UK', { historical: hist8(image) }, r)))).toBe('9000');
    expect(tx(card, '00DC052806050420270101')).toBe('9000');
  });

  it('gen2 3DES card: offline debit with DES session key and 3DES-derived TAC key, checked by the PSAM', () => {
    const gen2 = parseProfile(load('fixtures/profiles/gen2-3des.json'));
    const { card, image } = makeCard(gen2, load('fixtures/holders/gen2-liu.json'));
    card.powerOn('contact');
    const psam = Psam.fromProfile(gen2, seededRandom(5));
    const cardDiv = { historical: hist8(image) };
    const amounts = { account: 300, selfPay: 50, fund: 120 };
    const terminalId = fromHex('370100000001');
    const time = fromHex('20261122120000');
    const termSeq = fromHex('00000010');
    tx(card, '00A4040006D15600000503');
    tx(card, '0020000003123456');
    const init = tx(card, `B028010113${toHex(encodeInit({ keyIndex: 1, ...amounts, terminalId }))}`);
    expect(init.slice(-4)).toMatch(/^(9000|61)/);
    const data = init.endsWith('9000') ? init.slice(0, -4) : tx(card, `00C00000${init.slice(-2)}`).slice(0, -4);
    const ir = decodeInitResponse(fromHex(data));
    expect(ir.algorithm).toBe(0x01);
    const { mac1, sessionKey } = psam.debitMac1(cardDiv, ir, amounts, terminalId, termSeq, time);
    let out = tx(card, `B02C01000F${toHex(encodeDebit({ terminalSequence: termSeq, time, mac1 }))}`);
    if (out.startsWith('61')) out = tx(card, `00C00000${out.slice(-2)}`);
    expect(out.slice(-4)).toBe('9000');
    expect(psam.verifyDebitTac(cardDiv, amounts, terminalId, termSeq, time, fromHex(out.slice(0, 8)))).toBe(true);
    expect(psam.verifyDebitMac2(sessionKey, amounts, fromHex(out.slice(8, 16)))).toBe(true);
  });

  it('the medical account survives a power cycle; the DEBIT of one session cannot complete an INIT of another', () => {
    const { card, image } = makeCard(profile, holder);
    const psam = Psam.fromProfile(profile, seededRandom(3));
    const cardDiv = { historical: hist8(image) };
    const terminalId = fromHex('310000000002');
    const amounts = { account: 1000, selfPay: 0, fund: 0 };
    card.powerOn('contact');
    tx(card, '00A4040006D15600000503');
    tx(card, '0020000003123456');
    const ir = decodeInitResponse(fromHex(tx(card, `B028010113${toHex(encodeInit({ keyIndex: 1, ...amounts, terminalId }))}16`).slice(0, -4)));
    const time = fromHex('20261122110000');
    const { mac1 } = psam.debitMac1(cardDiv, ir, amounts, terminalId, fromHex('00000002'), time);
    card.powerOff();
    card.powerOn('contact');
    tx(card, '00A4040006D15600000503');
    tx(card, '0020000003123456');
    expect(tx(card, `B02C01000F${toHex(encodeDebit({ terminalSequence: fromHex('00000002'), time, mac1 }))}08`)).toBe('6901');
    expect(tx(card, 'B026000004')).toBe(`${profile.medical.openingBalance.toString(16).toUpperCase().padStart(8, '0')}9000`);
  });
});
