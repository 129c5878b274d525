/**
 * The offline medical debit of DF04 (脱机医保扣款; DOMAIN.md §1.3, §1.4; layouts and [R] choices in
 * src/spec/ssse/medical-debit.ts):
 *
 * 1. SELECT DF04, VERIFY the PIN (the debit commands need it);
 * 2. INIT `B0 28 01 01 13 keyIndex ‖ account ‖ selfPay ‖ fund ‖ terminalId` → balance, accumulators,
 *    year, sequence, key version, algorithm, random (22 bytes);
 * 3. MAC1 from the PSAM (session key from the card's DPK, the random, the sequence and the terminal
 *    sequence the PSAM assigns);
 * 4. DEBIT `B0 2C 01 00 0F terminalSeq ‖ time ‖ MAC1` → TAC ‖ MAC2; the PSAM checks both;
 * 5. GET BALANCE `B0 26 00 00 04` → the new balance, which must be the old one less the amount;
 * 6. the EF08 (交易记录) and EF15 (结算记录) records read back: record 1, the newest, must be this debit.
 *
 * When the DEBIT answer is unusable (wrong length) the kernel asks GET PROOF `B0 2E 00 00 02 sequence`
 * whether the debit happened (TAC ‖ MAC2 of that debit, or 9406 when it did not).
 */
import { bytesEqual, readUintBE, toHex, uintBE } from '../../../../apdu/bytes.js';
import { CommandApdu } from '../../../../apdu/command-apdu.js';
import { SW } from '../../../../apdu/status-words.js';
import { describeSw } from '../../../../apdu/status-word-table.js';
import { MEDICAL_SETTLEMENT_LOG, MEDICAL_TRANSACTION_LOG, READ_RECORD_MODE, recordP2 } from '../../../../spec/ssse/files.js';
import { KEY_SPECS } from '../../../../spec/ssse/keys.js';
import {
  DEBIT_DATA_LENGTH,
  decodeInitResponse,
  decodeTransactionRecord,
  encodeDebit,
  encodeInit,
  INIT_RESPONSE_LENGTH,
  MEDICAL_DEBIT_TYPE,
  SETTLEMENT_CATEGORY,
  type DebitAmounts,
  type InitResponse,
} from '../../../../spec/ssse/medical-debit.js';
import type { DebitMac1 } from '../../../psam/psam-port.js';
import { diversificationOf, openPsam, psamBytes, psamCall, send, type KernelContext } from '../context.js';
import { parseTransactionTime, transactionTime } from '../dates.js';
import { badResponse, isInterruption, unexpectedSw, type CardFault, type Interruption } from '../outcomes.js';
import { verifyPin, type PinOutcome } from './pin.js';
import { reselectSsse, selectDf04 } from './select.js';

/** An EF08 transaction record as read back. */
export interface TransactionView extends DebitAmounts {
  sequence: number;
  /** 交易类型 (an1). */
  type: string;
  terminalId: string;
  time: Date;
}

export type DebitOutcome =
  | {
      outcome: 'approved';
      balanceBefore: number;
      balanceAfter: number;
      /** 交易序号 of this debit. */
      sequence: number;
      terminalId: string;
      terminalSequence: string;
      time: Date;
      tac: string;
      mac2: string;
      transaction: TransactionView;
      settlement: { sequence: number; category: string };
    }
  | { outcome: 'insufficient-balance'; requested: number; balance?: number }
  /**
   * A MAC did not verify: MAC1 at the card (9302, nothing debited), or MAC2 / TAC at the PSAM (the card
   * says it debited, but its proof is wrong: do not trust this card or this debit).
   */
  | { outcome: 'mac-wrong'; which: 'MAC1' | 'MAC2' | 'TAC'; debited: boolean; detail: string }
  /** DF04 EF06 准许脱网标识 is not set (6985 at INIT). */
  | { outcome: 'offline-not-allowed' }
  /** DF04 is not reachable (a card without it, or the contactless interface). */
  | { outcome: 'unavailable'; detail: string }
  | { outcome: 'blocked'; sw: number }
  | Exclude<PinOutcome, { outcome: 'verified' | 'changed' | 'reloaded' | 'unblocked' }>
  | { outcome: 'refused'; sw: number; detail: string }
  | Interruption;

const ALGORITHM_OF_INDICATOR: Readonly<Record<number, string>> = { 0x01: 'DES/3DES', 0x03: 'SM4' };
const MAX_AMOUNT = 0xffffffff;

function checkAmounts(a: DebitAmounts): void {
  for (const k of ['account', 'selfPay', 'fund'] as const) {
    if (!Number.isInteger(a[k]) || a[k] < 0 || a[k] > MAX_AMOUNT) throw new RangeError(`medicalDebit: ${k} must be an integer number of fen 0..${MAX_AMOUNT}, got ${a[k]}`);
  }
}

const cla = 0xb0;

async function getBalance(ctx: KernelContext): Promise<number | { sw: number } | CardFault> {
  const step = 'GET BALANCE';
  const cmd = CommandApdu.of({ cla, ins: 0x26, p1: 0x00, p2: 0x00, ne: 4 });
  const r = await send(ctx, step, cmd);
  if (isInterruption(r)) return r;
  if (r.sw !== SW.OK) return { sw: r.sw };
  if (r.data.length !== 4) return badResponse(step, cmd.encode(), `the balance is ${r.data.length} bytes, expected 4`, r.sw);
  return readUintBE(r.data, 0, 4);
}

/** GET PROOF of the debit with this sequence: TAC ‖ MAC2, or undefined when the card says there was none (9406). */
async function getProof(ctx: KernelContext, sequence: number): Promise<{ tac: Uint8Array; mac2: Uint8Array } | undefined | CardFault> {
  const step = 'GET PROOF';
  const cmd = CommandApdu.of({ cla, ins: 0x2e, p1: 0x00, p2: 0x00, data: uintBE(sequence, 2), ne: 8 });
  const r = await send(ctx, step, cmd);
  if (isInterruption(r)) return r;
  if (r.sw === SW.MAC_NOT_AVAILABLE) return undefined;
  if (r.sw !== SW.OK) return unexpectedSw(step, cmd.encode(), r.sw);
  if (r.data.length !== 8) return badResponse(step, cmd.encode(), `the proof is ${r.data.length} bytes, expected 8`, r.sw);
  return { tac: r.data.slice(0, 4), mac2: r.data.slice(4, 8) };
}

async function readRecordOne(ctx: KernelContext, what: string, sfi: number, size: number): Promise<Uint8Array | CardFault> {
  const step = `READ RECORD ${what} 1`;
  const cmd = CommandApdu.of({ cla: 0x00, ins: 0xb2, p1: 0x01, p2: recordP2(sfi, READ_RECORD_MODE.byNumber), ne: 256 });
  const r = await send(ctx, step, cmd);
  if (isInterruption(r)) return r;
  if (r.sw !== SW.OK) return unexpectedSw(step, cmd.encode(), r.sw);
  if (r.data.length !== size) return badResponse(step, cmd.encode(), `the record is ${r.data.length} bytes, expected ${size}`, r.sw);
  return r.data;
}

/**
 * The offline medical debit (DOMAIN.md §1.4). Needs a PSAM and the card check done (the card identifier
 * and the ATR give the diversification). Leaves the SSSE DDF1 selected.
 * @throws RangeError for amounts that are not whole fen in 0..2³²−1, or a PIN that is not 4–12 digits
 */
export async function medicalDebit(ctx: KernelContext, amounts: DebitAmounts, pin: string): Promise<DebitOutcome> {
  checkAmounts(amounts);
  const psam = await openPsam(ctx);
  if (isInterruption(psam)) return psam;
  const card = diversificationOf(ctx);
  if (!card) return { outcome: 'psam-required', detail: 'the medical debit needs the card check first (EF05 and the ATR historical bytes)' };

  const df = await selectDf04(ctx);
  if (df.outcome === 'unavailable') return { outcome: 'unavailable', detail: `DF04 (医疗保险) is not reachable on this card${ctx.card.interface === 'contactless' ? ' over the contactless interface' : ''}` };
  if (df.outcome !== 'selected') return df;
  const result = await debitInDf04(ctx, psam, card, amounts, pin);
  const back = await reselectSsse(ctx);
  if (isInterruption(back) && result.outcome === 'approved') return back;
  return result;
}

/** What `readMedicalBalance` answers. */
export type MedicalBalanceOutcome =
  | { outcome: 'balance'; balance: number }
  | { outcome: 'unavailable'; detail: string }
  | { outcome: 'blocked'; sw: number }
  | { outcome: 'refused'; sw: number; detail: string }
  | Exclude<PinOutcome, { outcome: 'verified' | 'changed' | 'reloaded' | 'unblocked' }>
  | Interruption;

/**
 * The card's personal-account balance (DF04, GET BALANCE `B0 26 00 00 04` after VERIFY; DOMAIN.md §1.4),
 * read before an offline settlement so that the terminal can split the bill without asking the card for
 * more than it holds. Leaves the SSSE DDF1 selected.
 */
export async function readMedicalBalance(ctx: KernelContext, pin: string): Promise<MedicalBalanceOutcome> {
  const df = await selectDf04(ctx);
  if (df.outcome === 'unavailable') return { outcome: 'unavailable', detail: `DF04 (医疗保险) is not reachable on this card${ctx.card.interface === 'contactless' ? ' over the contactless interface' : ''}` };
  if (df.outcome !== 'selected') return df;
  const result = await balanceInDf04(ctx, pin);
  const back = await reselectSsse(ctx);
  if (isInterruption(back) && result.outcome === 'balance') return back;
  return result;
}

async function balanceInDf04(ctx: KernelContext, pin: string): Promise<MedicalBalanceOutcome> {
  const verified = await verifyPin(ctx, pin);
  if (verified.outcome !== 'verified') return verified as Exclude<PinOutcome, { outcome: 'verified' | 'changed' | 'reloaded' | 'unblocked' }>;
  const balance = await getBalance(ctx);
  if (isInterruption(balance)) return balance;
  if (typeof balance !== 'number') return { outcome: 'refused', sw: balance.sw, detail: describeSw(balance.sw) };
  return { outcome: 'balance', balance };
}

async function debitInDf04(
  ctx: KernelContext,
  psam: Exclude<Awaited<ReturnType<typeof openPsam>>, Interruption>,
  card: NonNullable<ReturnType<typeof diversificationOf>>,
  amounts: DebitAmounts,
  pin: string,
): Promise<DebitOutcome> {
  const verified = await verifyPin(ctx, pin);
  if (verified.outcome !== 'verified') return verified as Exclude<PinOutcome, { outcome: 'verified' | 'changed' | 'reloaded' | 'unblocked' }>;

  // INIT
  const initStep = 'INIT (medical debit)';
  const initCmd = CommandApdu.of({
    cla,
    ins: 0x28,
    p1: 0x01,
    p2: 0x01,
    data: encodeInit({ keyIndex: KEY_SPECS.DPK.reference, ...amounts, terminalId: psam.info.terminalId }),
    ne: INIT_RESPONSE_LENGTH,
  });
  const ri = await send(ctx, initStep, initCmd);
  if (isInterruption(ri)) return ri;
  if (ri.sw === SW.INSUFFICIENT_FUNDS) {
    const balance = await getBalance(ctx);
    if (isInterruption(balance)) return balance;
    return { outcome: 'insufficient-balance', requested: amounts.account, ...(typeof balance === 'number' ? { balance } : {}) };
  }
  if (ri.sw === SW.CONDITIONS_NOT_SATISFIED) return { outcome: 'offline-not-allowed' };
  if (ri.sw === SW.KEY_INDEX_NOT_SUPPORTED || ri.sw === SW.TRANSACTION_COUNTER_LIMIT || ri.sw === SW.SECURITY_STATUS_NOT_SATISFIED) {
    return { outcome: 'refused', sw: ri.sw, detail: describeSw(ri.sw) };
  }
  if (ri.sw !== SW.OK) return unexpectedSw(initStep, initCmd.encode(), ri.sw);
  if (ri.data.length !== INIT_RESPONSE_LENGTH) return badResponse(initStep, initCmd.encode(), `the answer is ${ri.data.length} bytes, expected ${INIT_RESPONSE_LENGTH}`, ri.sw);
  const init: InitResponse = decodeInitResponse(ri.data);
  const algorithm = ALGORITHM_OF_INDICATOR[init.algorithm];
  if (!algorithm || (ctx.learned.algorithm && algorithm !== ctx.learned.algorithm)) {
    return badResponse(initStep, initCmd.encode(), `the algorithm indicator ${init.algorithm.toString(16).padStart(2, '0')} does not match the card's (${ctx.learned.algorithm ?? 'none'})`, ri.sw);
  }
  if (init.balance < amounts.account) return { outcome: 'insufficient-balance', requested: amounts.account, balance: init.balance };

  // MAC1 and DEBIT
  const time = transactionTime(ctx.clock.now());
  const mac1 = await psamCall(ctx, 'MAC1', () => psam.port.medicalDebitMac1(card, init, amounts, time));
  if (isInterruption(mac1)) return mac1;
  const m1 = psamBytes('MAC1', mac1.mac1, 4);
  if (isInterruption(m1)) return m1;
  const ts = psamBytes('MAC1 (terminal sequence)', mac1.terminalSequence, 4);
  if (isInterruption(ts)) return ts;
  const debitStep = 'DEBIT (medical debit)';
  const debitCmd = CommandApdu.of({ cla, ins: 0x2c, p1: 0x01, p2: 0x00, data: encodeDebit({ terminalSequence: ts, time, mac1: m1 }), ne: 8 });
  if (debitCmd.nc !== DEBIT_DATA_LENGTH) throw new Error('medicalDebit: DEBIT data length');
  const rd = await send(ctx, debitStep, debitCmd);
  if (isInterruption(rd)) return rd;
  if (rd.sw === SW.MAC_WRONG) return { outcome: 'mac-wrong', which: 'MAC1', debited: false, detail: 'the card rejected MAC1 (9302): nothing was debited' };
  if (rd.sw === SW.INSUFFICIENT_FUNDS) return { outcome: 'insufficient-balance', requested: amounts.account, balance: init.balance };
  if (rd.sw !== SW.OK) return unexpectedSw(debitStep, debitCmd.encode(), rd.sw);
  let answer: { tac: Uint8Array; mac2: Uint8Array } | undefined;
  if (rd.data.length === 8) {
    answer = { tac: rd.data.slice(0, 4), mac2: rd.data.slice(4, 8) };
  } else {
    // the answer is unusable: ask the card whether it debited (GET PROOF)
    const proof = await getProof(ctx, init.sequence);
    if (isInterruption(proof)) return proof;
    if (!proof) return badResponse(debitStep, debitCmd.encode(), `the answer is ${rd.data.length} bytes (expected TAC ‖ MAC2) and GET PROOF says nothing was debited`, rd.sw);
    answer = proof;
  }
  const verdict = await psamCall(ctx, 'verify MAC2/TAC', () => psam.port.verifyMedicalDebit(card, amounts, { mac1: m1, terminalSequence: ts } satisfies DebitMac1, time, answer!));
  if (isInterruption(verdict)) return verdict;
  if (verdict.mac2 !== true) return { outcome: 'mac-wrong', which: 'MAC2', debited: true, detail: 'the card says it debited, but MAC2 does not verify' };
  if (verdict.tac !== true) return { outcome: 'mac-wrong', which: 'TAC', debited: true, detail: 'the card says it debited, but the TAC does not verify' };

  // GET BALANCE and the records read back
  const after = await getBalance(ctx);
  if (isInterruption(after)) return after;
  const balanceStep = 'GET BALANCE (after the debit)';
  if (typeof after !== 'number') return unexpectedSw(balanceStep, 'B026000004', after.sw);
  if (after !== init.balance - amounts.account) {
    return badResponse(balanceStep, 'B026000004', `the balance is ${after} fen, expected ${init.balance} − ${amounts.account} = ${init.balance - amounts.account}`);
  }
  const tx = await readRecordOne(ctx, 'DF04/EF08', MEDICAL_TRANSACTION_LOG.sfi, MEDICAL_TRANSACTION_LOG.recordSize);
  if (isInterruption(tx)) return tx;
  const record = decodeTransactionRecord(tx);
  const recordTime = parseTransactionTime(record.time);
  const same =
    record.sequence === init.sequence &&
    record.type === MEDICAL_DEBIT_TYPE &&
    bytesEqual(record.terminalId, psam.info.terminalId) &&
    bytesEqual(record.time, time) &&
    record.account === amounts.account &&
    record.selfPay === amounts.selfPay &&
    record.fund === amounts.fund;
  if (!same || !recordTime) return badResponse('READ RECORD DF04/EF08 1', toHex(tx), 'the newest transaction record is not this debit');
  const st = await readRecordOne(ctx, 'DF04/EF15', MEDICAL_SETTLEMENT_LOG.sfi, MEDICAL_SETTLEMENT_LOG.recordSize);
  if (isInterruption(st)) return st;
  const settlementSequence = readUintBE(st, 0, 2);
  if (settlementSequence !== init.sequence || st[2] !== SETTLEMENT_CATEGORY) {
    return badResponse('READ RECORD DF04/EF15 1', toHex(st), 'the newest settlement record is not this debit');
  }
  return {
    outcome: 'approved',
    balanceBefore: init.balance,
    balanceAfter: after,
    sequence: init.sequence,
    terminalId: toHex(psam.info.terminalId),
    terminalSequence: toHex(ts),
    time: recordTime,
    tac: toHex(answer.tac),
    mac2: toHex(answer.mac2),
    transaction: {
      sequence: record.sequence,
      type: String.fromCharCode(record.type),
      terminalId: toHex(record.terminalId),
      time: recordTime,
      account: record.account,
      selfPay: record.selfPay,
      fund: record.fund,
    },
    settlement: { sequence: settlementSequence, category: String.fromCharCode(st[2]!) },
  };
}

