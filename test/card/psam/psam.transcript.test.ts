// Transcript of the PSAM application on the card runtime (docs/psam.md), hex in / hex out, one line per
// APDU. The cryptographic answers are the OpenSSL known answers of psam.vectors.test.ts (Shanghai TEST
// keys, card T6–TD 8630310000A1B2C3, region 310000, terminal 310000000123); the status words are those of
// the command table in src/card/apps/psam/psam-app.ts.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fromHex, toHex } from '../../../src/apdu/bytes.js';
import { fixedClock, seededRandom } from '../../../src/env.js';
import { silentLogger } from '../../../src/log.js';
import { createMemoryCard, MemoryCardStore, type Card } from '../../../src/card/index.js';
import { personalizePsam } from '../../../src/card/apps/psam/index.js';
import { parseProfile } from '../../../src/card/personalize/profile.js';
import * as ossl from './openssl-psam.js';

const json = JSON.parse(readFileSync(new URL('../../../fixtures/profiles/shanghai.json', import.meta.url), 'utf8'));
const profile = parseProfile(json);
const deps = { random: seededRandom(2), clock: fixedClock(new Date(Date.UTC(2026, 2, 15))), log: silentLogger() };

const CARD = '8630310000A1B2C3';
const CITY = '3331303030307378'; // "310000" ‖ "sx"
const R0 = '11223344556677880000000000000000'; // R ‖ 00×8
const MAC1_DATA = (o: { type?: string; kv?: string; alg?: string } = {}) =>
  `CAFEBABE0001000004D2000001F400000BB8${o.type ?? '31'}20260315093000${o.kv ?? '01'}${o.alg ?? '03'}${CARD}${CITY}`;

function newPsam(): { store: MemoryCardStore; power: () => Card } {
  const store = new MemoryCardStore(personalizePsam(profile, { random: seededRandom(1), terminalId: '310000000123', serial: '3100000000000000ABCD' }));
  return { store, power: () => createMemoryCard(store, deps) };
}

/** Runs `> command < response` lines against a powered PSAM; every response must match exactly. */
function transcript(psam: Card, lines: string): void {
  for (const line of lines.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean)) {
    const [command, response] = line.split('<').map((s) => s.replace(/^>/, '').replace(/\s/g, ''));
    expect(`${command} < ${toHex(psam.transmit(fromHex(command!)))}`).toBe(`${command} < ${response}`);
  }
}

describe('PSAM transcript (Shanghai, SM4)', () => {
  it('powers up T=0 with the ATR "PSAM3" ‖ serial tail, reads EF16/EF15 at the MF, selects sx3 and DF01, reads EF17', () => {
    const psam = newPsam().power();
    expect(toHex(psam.powerOn('contact'))).toBe('3B6900005053414D330000ABCD');
    transcript(
      psam,
      `
      > 00B0960006                                    < 3100000001239000   # EF16 终端机编号 (case 2: data at once)
      > 00B095000A                                    < 3100000000000000ABCD9000   # EF15 serial number
      > 00A404000F7378332E73682EC9E7BBE1B1A3D5CF      < 611B               # T=0: the FCI (27 bytes) waits for GET RESPONSE
      > 00C000001B                                    < 6F19840F7378332E73682EC9E7BBE1B1A3D5CFA5069F0C0386010390 00
      > 00A4000002DF01                                < 6106
      > 00C0000006                                    < 6F048302DF019000
      > 00B0970002                                    < 01039000           # EF17: key version 1, algorithm 03 SM4
      `,
    );
  });

  it('DELIVER KEY and CIPHER DATA: the trace sequence, then the refusals', () => {
    const psam = newPsam().power();
    psam.powerOn('contact');
    transcript(
      psam,
      `
      > BFDE481020${CARD}${CITY}${R0}                 < 6E00               # at the MF the PSAM application is not selected
      > 00A4000002DF01                                < 6106
      > 80FA000010${R0}                               < 6985               # nothing delivered yet
      > BFDE481020${CARD}${CITY}${R0}                 < 9000               # UK of the SSSE DDF1 (selector 10), IV block R ‖ 00×8
      > 80FA000010${R0}                               < 6110
      > 00C0000010                                    < 9ABCD5C64F55AFDB185F8172BB3306D39000   # E_DK(R ‖ 00×8), folds to 82E354B4F466A908
      > 80FA000008${R0.slice(0, 16)}                  < 6700               # not a whole SM4 block
      > 80FA010010${R0}                               < 6A86               # P1 01: no such operation
      > 80FA000110${R0}                               < 6A86               # P2 must be 00
      > BFDE484410${CARD}${CITY}                      < 6985               # DPK of DF04: only MAC1 uses it
      > BFDE485410${CARD}${CITY}                      < 6985               # DTK of DF04: only the TAC check uses it
      > BFDE481F10${CARD}${CITY}                      < 6A86               # DF code F names no DF
      > BFDE486110${CARD}${CITY}                      < 6A88               # PUK of DF01: the profile has no such master key
      > BFDE4A1010${CARD}${CITY}                      < 6A86               # P1 4A: no such delivery
      > BFDE481018${CARD}${CITY}1122334455667788      < 6700               # the IV block must be a whole SM4 block
      > BFDE491010${CARD}${CITY}                      < 6700               # a session key needs its factor block
      > BFDE481010${CARD}3331303030307379             < 6A80               # city data must end in "sx"
      > BFDE481010${CARD}33313030303A7378             < 6A80               # … and start with 6 ASCII digits
      `,
    );
  });

  it('the secure-messaging MAC and encipherment under the session key (BF DE 49)', () => {
    const psam = newPsam().power();
    psam.powerOn('contact');
    transcript(
      psam,
      `
      > 00A4000002DF01                                < 6106
      > BFDE491020${CARD}${CITY}01020304050607080000000000000000   < 9000   # SK = E_UK(R ‖ 00…)
      > 80FA05000B04DC05280A050420270101              < 6104
      > 00C0000004                                    < 8EDE26599000       # the MAC of UPDATE RECORD with SM
      > 80FA0500                                      < 6700               # no data to MAC
      > 80FA00001006050420270101800000000000000000    < 6110
      > 00C0000010                                    < 29F22823D413602713D7A580CF8D1BE69000   # E_SK(LD ‖ data ‖ 80…)
      `,
    );
  });

  it('MAC1, MAC2 and TAC; the terminal sequence number counts up and survives a power cycle', () => {
    const { power } = newPsam();
    let psam = power();
    psam.powerOn('contact');
    transcript(
      psam,
      `
      > 00A4000002DF01                                < 6106
      > 8072000004EA4796D4                            < 6985               # no debit pending
      > 807000002C${MAC1_DATA({ type: '32' })}08     < 6A80               # transaction type must be 31
      > 807000002C${MAC1_DATA({ kv: '02' })}08       < 9403               # the card's key version is not the PSAM's
      > 807000002C${MAC1_DATA({ alg: '01' })}08      < 6A80               # the card's algorithm is not the PSAM's
      > 807000002B${MAC1_DATA().slice(0, -2)}08      < 6700
      > 807000002C${MAC1_DATA()}08                    < 6108
      > 00C0000008                                    < 00000001F23370989000   # terminal sequence 1 ‖ MAC1
      > 8072000004EA4796D5                            < 9302               # MAC2 with a flipped bit
      > 8072000004EA4796D4                            < 9000               # MAC2
      > 8072010004 5FD04DF7                           < 9000               # TAC under DTK
      > 8072020004 5FD04DF7                           < 6A86
      > 80720100035FD04D                              < 6700
      `,
    );
    // the second MAC1 uses terminal sequence 2, which enters the session key
    const dpk = ossl.cardKey('SM4', json.masterKeys.DF04.DPK, '310000', CARD);
    const sk2 = ossl.debitSessionKey('SM4', dpk, 'CAFEBABE', 1, '00000002');
    const mac1b = ossl.ssseMac('SM4', sk2, '000004D2000001F400000BB83131000000012320260315093000');
    transcript(psam, `> 807000002C${MAC1_DATA()}08 < 6108\n> 00C0000008 < 00000002${mac1b}9000`);
    // reset: the delivered key and the pending debit are forgotten, the sequence number is not
    psam.warmReset();
    transcript(psam, `> 00A4000002DF01 < 6106\n> 8072000004EA4796D4 < 6985\n> 80FA000010${R0} < 6985`);
    psam.powerOff();
    psam = power(); // the same store: what a restart of sscard sees
    psam.powerOn('contact');
    const mac1c = ossl.ssseMac('SM4', ossl.debitSessionKey('SM4', dpk, 'CAFEBABE', 1, '00000003'), '000004D2000001F400000BB83131000000012320260315093000');
    transcript(psam, `> 00A4000002DF01 < 6106\n> 807000002C${MAC1_DATA()}08 < 6108\n> 00C0000008 < 00000003${mac1c}9000`);
  });

  it('leaves the ISO commands to the card OS: unknown INS 6D00, unknown CLA 6E00, EF17 cannot be written', () => {
    const psam = newPsam().power();
    psam.powerOn('contact');
    transcript(
      psam,
      `
      > 00A4000002DF01                                < 6106
      > 80CA000000                                    < 6D00
      > A0FA000010${R0}                               < 6E00
      > 00D6970002FFFF                                < 6982               # EF17 is never updated
      `,
    );
  });
});
