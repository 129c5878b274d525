// Property: over any sequence of debits (some with a corrupted MAC1), the balance never goes negative,
// equals the opening balance minus the accepted account amounts, the sequence counts the accepted debits,
// and 9401 happens exactly when the account amount exceeds the balance.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fromHex, toHex } from '../../../src/apdu/bytes.js';
import { CommandApdu } from '../../../src/apdu/command-apdu.js';
import { seededRandom } from '../../../src/env.js';
import { CardError } from '../../../src/card/runtime/card-error.js';
import type { KeyImage } from '../../../src/card/runtime/types.js';
import { parseProfile } from '../../../src/card/personalize/profile.js';
import { initialMedicalState, processMedicalDebit, type MedicalDebitPort, type MedicalState } from '../../../src/card/apps/ssse/medical-debit.js';
import { decodeInitResponse, encodeDebit, encodeInit } from '../../../src/spec/ssse/medical-debit.js';
import { TestPsam as Psam } from './psam-oracle.js';

const profile = parseProfile(JSON.parse(readFileSync(new URL('../../../fixtures/profiles/sichuan.json', import.meta.url), 'utf8')));
const card = { historical: fromHex('8630510000000001') };
const psam = Psam.fromProfile(profile, seededRandom(1));
const keys: KeyImage[] = [
  { id: 'DPK_DF04', reference: 1, usage: 'debit', algorithm: 'SM4', version: 1, value: toHex(psam.cardKey('DF04', 'DPK', card)) },
  { id: 'DTK_DF04', reference: 2, usage: 'tac', algorithm: 'SM4', version: 1, value: toHex(psam.cardKey('DF04', 'DTK', card)) },
];
const TERMINAL = fromHex('510100000009');
const TIME = fromHex('20261122120000');

function sw(port: MedicalDebitPort, hex: string): string {
  try {
    return processMedicalDebit(CommandApdu.parse(fromHex(hex)), port)!.toHex();
  } catch (err) {
    if (err instanceof CardError) return err.sw.toString(16).toUpperCase();
    throw err;
  }
}

describe('medical debit invariants', () => {
  it('balance = opening − accepted debits, never negative; sequence counts accepted debits', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 50_000 }),
        fc.array(fc.record({ account: fc.nat({ max: 20_000 }), selfPay: fc.nat({ max: 5000 }), fund: fc.nat({ max: 5000 }), corrupt: fc.boolean() }), { maxLength: 8 }),
        (opening, debits) => {
          let state: MedicalState = initialMedicalState(opening, 2026);
          let session: ReturnType<MedicalDebitPort['getSession']>;
          const port: MedicalDebitPort = {
            pinVerified: () => true,
            key: (u, r) => keys.find((k) => k.usage === u && k.reference === r),
            loadState: () => state,
            saveState: (s) => (state = s),
            offlineAllowed: () => true,
            writeDebit: () => {},
            random: seededRandom(opening),
            now: () => new Date(Date.UTC(2026, 10, 22)),
            getSession: () => session,
            setSession: (s) => (session = s),
          };
          let expected = opening;
          let accepted = 0;
          for (const d of debits) {
            const amounts = { account: d.account, selfPay: d.selfPay, fund: d.fund };
            const init = sw(port, `B028010113${toHex(encodeInit({ keyIndex: 1, ...amounts, terminalId: TERMINAL }))}`);
            if (d.account > expected) {
              expect(init).toBe('9401');
              continue;
            }
            expect(init.slice(-4)).toBe('9000');
            const r = decodeInitResponse(fromHex(init.slice(0, -4)));
            const termSeq = Uint8Array.of(0, 0, accepted >> 8, accepted & 0xff);
            const { mac1 } = psam.debitMac1(card, r, amounts, TERMINAL, termSeq, TIME);
            if (d.corrupt) mac1[0]! ^= 0x80;
            const out = sw(port, `B02C01000F${toHex(encodeDebit({ terminalSequence: termSeq, time: TIME, mac1 }))}`);
            if (d.corrupt) {
              expect(out).toBe('9302');
            } else {
              expect(out.slice(-4)).toBe('9000');
              expected -= d.account;
              accepted++;
            }
            expect(state.balance).toBe(expected);
            expect(state.balance).toBeGreaterThanOrEqual(0);
            expect(state.sequence).toBe(1 + accepted);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
