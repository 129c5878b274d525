// The offline medical debit logic (DOMAIN.md §1.4) driven through its port with real derived keys, and
// checked by an independent PSAM oracle (psam-oracle.ts, raw block cipher): MAC1 made by the PSAM is accepted, TAC and MAC2 made by the
// card verify at the PSAM. Transcript tests through the whole card OS are in medical-debit.transcript.test.ts.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fromHex, toHex } from '../../../src/apdu/bytes.js';
import { CommandApdu } from '../../../src/apdu/command-apdu.js';
import { seededRandom } from '../../../src/env.js';
import { CardError } from '../../../src/card/runtime/card-error.js';
import type { KeyImage } from '../../../src/card/runtime/types.js';
import { parseProfile } from '../../../src/card/personalize/profile.js';
import { initialMedicalState, processMedicalDebit, type MedicalDebitPort, type MedicalState } from '../../../src/card/apps/ssse/medical-debit.js';
import { decodeInitResponse, decodeTransactionRecord, encodeDebit, encodeInit } from '../../../src/spec/ssse/medical-debit.js';
import { TestPsam as Psam } from './psam-oracle.js';

const profile = parseProfile(JSON.parse(readFileSync(new URL('../../../fixtures/profiles/shanghai.json', import.meta.url), 'utf8')));
const card = { historical: fromHex('8630310000A1B2C3') };
const TERMINAL = fromHex('310000000123');
const TIME = fromHex('20260315093000');

function makePort(opts: { pin?: boolean; balance?: number } = {}) {
  const psam = Psam.fromProfile(profile, seededRandom(9));
  const keys: KeyImage[] = [
    { id: 'DPK_DF04', reference: 1, usage: 'debit', algorithm: 'SM4', version: 1, value: toHex(psam.cardKey('DF04', 'DPK', card)) },
    { id: 'DTK_DF04', reference: 2, usage: 'tac', algorithm: 'SM4', version: 1, value: toHex(psam.cardKey('DF04', 'DTK', card)) },
  ];
  let state: MedicalState = initialMedicalState(opts.balance ?? 10_000, 2026);
  let session: ReturnType<MedicalDebitPort['getSession']>;
  const ef08: Uint8Array[] = [];
  const random = seededRandom(42);
  const port: MedicalDebitPort = {
    pinVerified: () => opts.pin ?? true,
    key: (usage, ref) => keys.find((k) => k.usage === usage && k.reference === ref),
    loadState: () => state,
    saveState: (s) => (state = s),
    offlineAllowed: () => true,
    writeDebit: (r) => ef08.unshift(r),
    random,
    now: () => new Date(Date.UTC(2026, 2, 15, 9, 30)),
    getSession: () => session,
    setSession: (s) => (session = s),
  };
  return { port, psam, ef08, state: () => state };
}

const run = (port: MedicalDebitPort, hex: string) => {
  try {
    const r = processMedicalDebit(CommandApdu.parse(fromHex(hex)), port)!;
    return r.toHex();
  } catch (err) {
    if (err instanceof CardError) return err.sw.toString(16).toUpperCase().padStart(4, '0');
    throw err;
  }
};

const amounts = { account: 1234, selfPay: 500, fund: 3000 };

describe('offline medical debit', () => {
  it('INIT → PSAM MAC1 → DEBIT → TAC and MAC2 verified by the PSAM; balance, sequence and EF08 updated', () => {
    const { port, psam, ef08, state } = makePort();
    const init = run(port, `B028010113${toHex(encodeInit({ keyIndex: 1, ...amounts, terminalId: TERMINAL }))}`);
    expect(init.slice(-4)).toBe('9000');
    const r = decodeInitResponse(fromHex(init.slice(0, -4)));
    expect([r.balance, r.selfPayAccumulated, r.fundAccumulated, r.year, r.sequence, r.keyVersion, r.algorithm]).toEqual([10_000, 0, 0, 2026, 1, 1, 3]);
    const termSeq = fromHex('00000007');
    const { mac1, sessionKey } = psam.debitMac1(card, r, amounts, TERMINAL, termSeq, TIME);
    const debit = run(port, `B02C01000F${toHex(encodeDebit({ terminalSequence: termSeq, time: TIME, mac1 }))}08`);
    expect(debit.slice(-4)).toBe('9000');
    const tac = fromHex(debit.slice(0, 8));
    const mac2 = fromHex(debit.slice(8, 16));
    expect(psam.verifyDebitTac(card, amounts, TERMINAL, termSeq, TIME, tac)).toBe(true);
    expect(psam.verifyDebitMac2(sessionKey, amounts, mac2)).toBe(true);
    expect(state().balance).toBe(10_000 - 1234);
    expect(state().selfPayAccumulated).toBe(500);
    expect(state().fundAccumulated).toBe(3000);
    expect(state().sequence).toBe(2);
    const rec = decodeTransactionRecord(ef08[0]!);
    expect(rec).toMatchObject({ sequence: 1, type: 0x31, ...amounts });
    expect(toHex(rec.terminalId)).toBe(toHex(TERMINAL));
    expect(toHex(rec.time)).toBe(toHex(TIME));
    // GET BALANCE and GET PROOF
    expect(run(port, 'B026000004')).toBe(`${(10_000 - 1234).toString(16).toUpperCase().padStart(8, '0')}9000`);
    expect(run(port, 'B02E0000020001')).toBe(`${toHex(tac)}${toHex(mac2)}9000`);
    expect(run(port, 'B02E0000020002')).toBe('9406');
  });

  it('a wrong MAC1 gives 9302 and changes nothing; the INIT is spent (6901 on a second DEBIT)', () => {
    const { port, psam, state } = makePort();
    const init = run(port, `B028010113${toHex(encodeInit({ keyIndex: 1, ...amounts, terminalId: TERMINAL }))}`);
    const r = decodeInitResponse(fromHex(init.slice(0, -4)));
    const termSeq = fromHex('00000008');
    const { mac1 } = psam.debitMac1(card, r, amounts, TERMINAL, termSeq, TIME);
    mac1[3]! ^= 0x01;
    const cmd = `B02C01000F${toHex(encodeDebit({ terminalSequence: termSeq, time: TIME, mac1 }))}08`;
    expect(run(port, cmd)).toBe('9302');
    expect(state().balance).toBe(10_000);
    expect(state().sequence).toBe(1);
    expect(run(port, cmd)).toBe('6901');
  });

  it('MAC1 over other amounts than the INIT ones is rejected (9302)', () => {
    const { port, psam } = makePort();
    const r = decodeInitResponse(fromHex(run(port, `B028010113${toHex(encodeInit({ keyIndex: 1, ...amounts, terminalId: TERMINAL }))}`).slice(0, -4)));
    const termSeq = fromHex('00000009');
    const { mac1 } = psam.debitMac1(card, r, { ...amounts, account: 1 }, TERMINAL, termSeq, TIME);
    expect(run(port, `B02C01000F${toHex(encodeDebit({ terminalSequence: termSeq, time: TIME, mac1 }))}08`)).toBe('9302');
  });

  it('insufficient funds: 9401 at INIT', () => {
    const { port } = makePort({ balance: 1000 });
    expect(run(port, `B028010113${toHex(encodeInit({ keyIndex: 1, ...amounts, terminalId: TERMINAL }))}`)).toBe('9401');
  });

  it('needs the PIN (6982), a known key index (9403), the right P1P2 and Lc', () => {
    expect(run(makePort({ pin: false }).port, `B028010113${toHex(encodeInit({ keyIndex: 1, ...amounts, terminalId: TERMINAL }))}`)).toBe('6982');
    expect(run(makePort({ pin: false }).port, 'B026000004')).toBe('6982');
    const { port } = makePort();
    expect(run(port, `B028010113${toHex(encodeInit({ keyIndex: 7, ...amounts, terminalId: TERMINAL }))}`)).toBe('9403');
    expect(run(port, `B028010213${toHex(encodeInit({ keyIndex: 1, ...amounts, terminalId: TERMINAL }))}`)).toBe('6A86');
    expect(run(port, 'B02801010400000000')).toBe('6700');
    expect(run(port, 'B02C01000F' + '00'.repeat(15))).toBe('6901');
    expect(run(port, 'B0AA000000')).toBe('6D00');
    expect(processMedicalDebit(CommandApdu.parse(fromHex('00B2010C00')), port)).toBeUndefined();
  });
});

describe('MAC1 computed independently (node:crypto SM4, DOMAIN.md §1.4 layout written out by hand)', () => {
  it('the card accepts MAC1 = fold4(SM4-CBC_SK(pad(account ‖ selfPay ‖ fund ‖ 31 ‖ terminalId ‖ time)))', async () => {
    const { createCipheriv } = await import('node:crypto');
    const ecb = (k: Uint8Array, d: Uint8Array) => {
      const c = createCipheriv('sm4-ecb', k, null);
      c.setAutoPadding(false);
      return new Uint8Array(Buffer.concat([c.update(d), c.final()]));
    };
    const { port, psam } = makePort();
    const init = run(port, `B028010113${toHex(encodeInit({ keyIndex: 1, ...amounts, terminalId: TERMINAL }))}`);
    const r = decodeInitResponse(fromHex(init.slice(0, -4)));
    const termSeq = fromHex('0000ABCD');
    // SK = SM4_DPK(random ‖ sequence ‖ ABCD ‖ 00×8)
    const dpk = psam.cardKey('DF04', 'DPK', card);
    const sk = ecb(dpk, fromHex(`${toHex(r.random)}0001ABCD0000000000000000`));
    // 000004D2 000001F4 00000BB8 31 310000000123 20260315093000 → 26 bytes, pad 80 00.. to 32, CBC, fold
    const data = fromHex(`000004D2000001F400000BB831${toHex(TERMINAL)}${toHex(TIME)}800000000000`);
    expect(data.length).toBe(32);
    const c = createCipheriv('sm4-cbc', sk, new Uint8Array(16));
    c.setAutoPadding(false);
    const chain = new Uint8Array(Buffer.concat([c.update(data), c.final()]));
    const last = chain.subarray(16);
    const mac1 = Uint8Array.from([0, 1, 2, 3].map((i) => last[i]! ^ last[4 + i]! ^ last[8 + i]! ^ last[12 + i]!));
    expect(run(port, `B02C01000F${toHex(encodeDebit({ terminalSequence: termSeq, time: TIME, mac1 }))}08`).slice(-4)).toBe('9000');
  });
});
