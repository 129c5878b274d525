/**
 * The offline medical debit of DF04 (社会保险2, 医疗保险), DOMAIN.md §1.3/§1.4: an `Application` attached to
 * DF04 that handles the proprietary CLA B0 commands; everything else falls through to the card OS.
 *
 * | command     | APDU                | data → response |
 * |-------------|---------------------|-----------------|
 * | INIT        | B0 28 01 01 13 … 16 | keyIndex ‖ amounts(12) ‖ terminalId(6) → balance ‖ accs ‖ year ‖ seq ‖ kv ‖ alg ‖ random |
 * | DEBIT       | B0 2C 01 00 0F … 08 | terminalSeq(4) ‖ time(7) ‖ MAC1(4) → TAC(4) ‖ MAC2(4); 9302 wrong MAC1 |
 * | GET BALANCE | B0 26 00 00 04      | → balance(4) |
 * | GET PROOF   | B0 2E 00 00 02 … 08 | sequence(2) → TAC(4) ‖ MAC2(4) of that debit; 9406 when unknown |
 *
 * All four need PIN_SSSE verified in the session (6982). INIT: 9403 unknown key index, 9401 balance below
 * the account amount, 6985 offline not allowed, 9402 sequence exhausted. DEBIT without INIT: 6901.
 * A successful DEBIT decrements the balance, adds to the accumulators, writes an EF08 (and EF15) record,
 * updates DF04 EF06 (脱网累计金额/次数) and increments the sequence — all in one committed APDU.
 * Byte layouts and the [R] MAC/TAC inputs: src/spec/ssse/medical-debit.ts.
 */
import { constantTimeEqual, toHex, fromHex, uintBE } from '../../../apdu/bytes.js';
import type { CommandApdu } from '../../../apdu/command-apdu.js';
import { ResponseApdu } from '../../../apdu/response-apdu.js';
import { SW } from '../../../apdu/status-words.js';
import { CardError } from '../../runtime/card-error.js';
import type { KeyImage } from '../../runtime/types.js';
import { ALGORITHM_INDICATOR } from './files.js';
import { KEY_SPECS } from './keys.js';
import {
  DEBIT_DATA_LENGTH,
  INIT_DATA_LENGTH,
  decodeDebit,
  decodeInit,
  encodeInitResponse,
  settlementRecord,
  transactionRecord,
  type InitCommand,
} from '../../../spec/ssse/medical-debit.js';
import { debitMac, debitSessionKey, debitTac } from './medical-debit-crypto.js';
import { mac1Input, mac2Input, tacInput } from '../../../spec/ssse/medical-debit.js';

/** Persistent state of the medical account (CardImage.apps['ssse-medical']), inferred from the image schema (`medicalStateSchema`). */
import type { MedicalState } from '../../image/schema.js';
export type { MedicalState };

/** Transient session (cleared on reset / deselect). */
interface PendingDebit {
  init: InitCommand;
  sequence: number;
  random: Uint8Array;
}

/**
 * What the medical debit needs from the card OS. `medical-debit-app.ts` adapts the runtime's context to it;
 * tests may drive the logic directly.
 */
export interface MedicalDebitPort {
  /** PIN_SSSE verified in this session. */
  pinVerified(): boolean;
  /** A key of DF04 by usage and reference. */
  key(usage: KeyImage['usage'], reference: number): KeyImage | undefined;
  loadState(): MedicalState;
  saveState(state: MedicalState): void;
  /** Offline allowed (DF04 EF06 tag 90). */
  offlineAllowed(): boolean;
  /** Writes the debit into DF04's files: EF08 and EF15 records, EF06 accumulations. */
  writeDebit(ef08Record: Uint8Array, ef15Record: Uint8Array, offlineAmountDelta: number): void;
  random(n: number): Uint8Array;
  now(): Date;
  getSession(): PendingDebit | undefined;
  setSession(s: PendingDebit | undefined): void;
}

const INS = { INIT: 0x28, DEBIT: 0x2c, BALANCE: 0x26, PROOF: 0x2e } as const;

/** CLA of the medical-debit commands. */
export const MEDICAL_CLA = 0xb0;

function requirePin(port: MedicalDebitPort): void {
  if (!port.pinVerified()) throw new CardError(SW.SECURITY_STATUS_NOT_SATISFIED);
}

function init(cmd: CommandApdu, port: MedicalDebitPort): ResponseApdu {
  if (cmd.p1 !== 0x01 || cmd.p2 !== 0x01) throw new CardError(SW.INCORRECT_P1P2);
  if (cmd.nc !== INIT_DATA_LENGTH) throw new CardError(SW.WRONG_LENGTH);
  requirePin(port);
  port.setSession(undefined);
  const c = decodeInit(cmd.data);
  const dpk = port.key('debit', c.keyIndex);
  if (!dpk) throw new CardError(SW.KEY_INDEX_NOT_SUPPORTED);
  if (!port.offlineAllowed()) throw new CardError(SW.CONDITIONS_NOT_SATISFIED);
  const state = rollYear(port.loadState(), port.now());
  if (state.sequence > 0xffff) throw new CardError(SW.TRANSACTION_COUNTER_LIMIT);
  if (c.account > state.balance) throw new CardError(SW.INSUFFICIENT_FUNDS);
  const random = port.random(4);
  port.setSession({ init: c, sequence: state.sequence, random });
  const data = encodeInitResponse({
    balance: state.balance,
    selfPayAccumulated: state.selfPayAccumulated,
    fundAccumulated: state.fundAccumulated,
    year: state.year,
    sequence: state.sequence,
    keyVersion: dpk.version,
    algorithm: ALGORITHM_INDICATOR[dpk.algorithm],
    random,
  });
  return ResponseApdu.of(data, SW.OK);
}

/** Accumulators belong to a year: a new year starts them at zero. [R] */
function rollYear(state: MedicalState, now: Date): MedicalState {
  const year = now.getUTCFullYear();
  return state.year === year ? state : { ...state, year, selfPayAccumulated: 0, fundAccumulated: 0 };
}

function debit(cmd: CommandApdu, port: MedicalDebitPort): ResponseApdu {
  if (cmd.p1 !== 0x01 || cmd.p2 !== 0x00) throw new CardError(SW.INCORRECT_P1P2);
  if (cmd.nc !== DEBIT_DATA_LENGTH) throw new CardError(SW.WRONG_LENGTH);
  requirePin(port);
  const pending = port.getSession();
  if (!pending) throw new CardError(SW.COMMAND_NOT_ACCEPTED);
  port.setSession(undefined); // one DEBIT per INIT, whatever its outcome
  const d = decodeDebit(cmd.data);
  const { init: c } = pending;
  const dpk = port.key('debit', c.keyIndex);
  const dtk = port.key('tac', KEY_SPECS.DTK.reference);
  if (!dpk || !dtk) throw new CardError(SW.KEY_INDEX_NOT_SUPPORTED);
  const sk = debitSessionKey(dpk.algorithm, fromHex(dpk.value), pending.random, uintBE(pending.sequence, 2), d.terminalSequence);
  const mac1 = debitMac(dpk.algorithm, sk, mac1Input(c, c.terminalId, d.time));
  if (!constantTimeEqual(mac1, d.mac1)) throw new CardError(SW.MAC_WRONG);
  const state = rollYear(port.loadState(), port.now());
  if (c.account > state.balance) throw new CardError(SW.INSUFFICIENT_FUNDS);
  const tac = debitTac(dtk.algorithm, fromHex(dtk.value), tacInput(c, c.terminalId, d.terminalSequence, d.time));
  const mac2 = debitMac(dpk.algorithm, sk, mac2Input(c));
  port.writeDebit(transactionRecord(pending.sequence, c.terminalId, d.time, c), settlementRecord(pending.sequence), c.account);
  port.saveState({
    ...state,
    balance: state.balance - c.account,
    selfPayAccumulated: state.selfPayAccumulated + c.selfPay,
    fundAccumulated: state.fundAccumulated + c.fund,
    sequence: pending.sequence + 1,
    lastProof: { sequence: pending.sequence, tac: toHex(tac), mac2: toHex(mac2) },
  });
  return ResponseApdu.of(new Uint8Array([...tac, ...mac2]), SW.OK);
}

function balance(cmd: CommandApdu, port: MedicalDebitPort): ResponseApdu {
  if (cmd.p1 !== 0x00 || cmd.p2 !== 0x00) throw new CardError(SW.INCORRECT_P1P2);
  if (cmd.nc !== 0) throw new CardError(SW.WRONG_LENGTH);
  requirePin(port);
  const b = port.loadState().balance;
  return ResponseApdu.of(Uint8Array.of(b >>> 24, (b >>> 16) & 0xff, (b >>> 8) & 0xff, b & 0xff), SW.OK);
}

function proof(cmd: CommandApdu, port: MedicalDebitPort): ResponseApdu {
  if (cmd.p1 !== 0x00 || cmd.p2 !== 0x00) throw new CardError(SW.INCORRECT_P1P2);
  if (cmd.nc !== 2) throw new CardError(SW.WRONG_LENGTH);
  requirePin(port);
  const seq = (cmd.data[0]! << 8) | cmd.data[1]!;
  const last = port.loadState().lastProof;
  if (!last || last.sequence !== seq) throw new CardError(SW.MAC_NOT_AVAILABLE);
  return ResponseApdu.of(fromHex(last.tac + last.mac2), SW.OK);
}

const HANDLERS: Record<number, (cmd: CommandApdu, port: MedicalDebitPort) => ResponseApdu> = {
  [INS.INIT]: init,
  [INS.DEBIT]: debit,
  [INS.BALANCE]: balance,
  [INS.PROOF]: proof,
};

/**
 * Processes a medical-debit command. Returns undefined for commands that are not its own (the card OS
 * handles them).
 */
export function processMedicalDebit(cmd: CommandApdu, port: MedicalDebitPort): ResponseApdu | undefined {
  if (cmd.cla !== MEDICAL_CLA) return undefined;
  const handler = HANDLERS[cmd.ins];
  if (!handler) throw new CardError(SW.INS_NOT_SUPPORTED);
  return handler(cmd, port);
}

/** Initial state at personalisation. */
export function initialMedicalState(openingBalance: number, year: number): MedicalState {
  return { balance: openingBalance, selfPayAccumulated: 0, fundAccumulated: 0, year, sequence: 1 };
}
