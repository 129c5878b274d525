/**
 * The issuer's authorisation decisions, as two ordered tables (the first rule that answers decides):
 *
 * 1. `BEFORE_CRYPTOGRAM` — rules that need no key: the PAN, the account, field 55 and the request
 *    agreeing with what the card covered (ISO 8583 response codes 14, 30);
 * 2. the ARQC check (code 05: no keys for the BIN, another algorithm, wrong or replayed cryptogram) —
 *    issuer-host.ts, since it derives keys;
 * 3. `AFTER_CRYPTOGRAM` — business rules on an authenticated card: card blocked 62, account blocked or
 *    closed 78, online PIN (75 blocked, 55 wrong), EC load limits (13, 05), funds 51; else 00.
 *
 * Every answer after step 2 carries an ARPC over its ARC, so the card can authenticate a refusal too,
 * and the scripts queued for the card (docs/issuer-host.md "Decisions").
 */
import { bytesEqual, fromHex, toHex } from '../../../apdu/bytes.js';
import { AC_TERMINAL_DATA_TAGS, CID } from '../../../spec/pboc.js';
import { DEFAULT_EC_BALANCE_LIMIT } from './choices.js';
import { bcdValue, decodeIad, Field55, Field55Error, type IssuerApplicationData } from './field55.js';
import type { AuthorisationRequest, ResponseCode } from './issuer-port.js';
import { formatYuan, n12 } from './money.js';
import { pinMatches } from './pin.js';
import type { AccountRecord } from './storage.js';

/** A decision: response code and why. */
export interface Decision {
  code: ResponseCode;
  reason: string;
}

/** Transaction type 9C of an electronic-cash load from the account (JR/T 0025; EMV Book 4 Annex A). */
export const EC_LOAD_TRANSACTION_TYPE = 0x60;

/** What the rules look at (the account is the transaction's working copy: the PIN rule counts tries). */
export interface DecisionContext {
  request: AuthorisationRequest;
  account?: AccountRecord;
  icc?: Field55;
  iad?: IssuerApplicationData;
  /** The account balance less the amounts held (authorisations not yet completed, queued EC loads). */
  available: number;
  /** The card's EC balance 9F79 from field 55, when sent. */
  cardEcBalance?: number;
}

type Rule = (c: DecisionContext) => Decision | undefined;

const PAN = /^[0-9]{12,19}$/;

function fieldMatches(c: DecisionContext, tag: string, expected: Uint8Array, what: string): Decision | undefined {
  const got = c.icc!.get(tag);
  if (got && bytesEqual(got, expected)) return undefined;
  return { code: '30', reason: `field 55 ${tag} (${got ? toHex(got) : 'absent'}) differs from the request's ${what} (${toHex(expected)})` };
}

/** Rules before any key is used, in order. The rule that decodes field 55 fills `icc` and `iad`. */
export const BEFORE_CRYPTOGRAM: readonly Rule[] = [
  (c) => (PAN.test(c.request.pan) ? undefined : { code: '14', reason: `PAN ${JSON.stringify(c.request.pan)} is not 12 to 19 digits` }),
  (c) => (c.account ? undefined : { code: '14', reason: `no account for PAN ${maskPan(c.request.pan)}` }),
  (c) => (/^[0-9]{2}$/.test(c.request.panSequence) ? undefined : { code: '30', reason: `PAN sequence number ${JSON.stringify(c.request.panSequence)} is not 2 digits` }),
  (c) => {
    try {
      c.icc = Field55.decode(c.request.iccData);
      for (const tag of ['9F26', '9F27', '9F10', '9F36', '82']) c.icc.require(tag, 'the ARQC and what it covers');
      for (const tag of AC_TERMINAL_DATA_TAGS) c.icc.require(tag, 'covered by the cryptogram');
      c.iad = decodeIad(c.icc.get('9F10')!);
      const ec = c.icc.get('9F79');
      if (ec) c.cardEcBalance = bcdValue(ec, '9F79');
      return undefined;
    } catch (err) {
      if (err instanceof Field55Error) return { code: '30', reason: err.message };
      throw err;
    }
  },
  (c) => {
    const cid = c.icc!.get('9F27')![0]! & 0xc0;
    return cid === CID.ARQC ? undefined : { code: '30', reason: `9F27 ${toHex(c.icc!.get('9F27')!)} is not an ARQC: an online authorisation needs one` };
  },
  (c) => fieldMatches(c, '9F02', n12(c.request.amount), 'amount'),
  (c) => fieldMatches(c, '9F03', n12(c.request.otherAmount), 'other amount'),
  (c) => fieldMatches(c, '5F2A', fromCurrency(c.request.currency), 'currency'),
  (c) => fieldMatches(c, '9C', Uint8Array.of(c.request.transactionType), 'transaction type'),
  (c) =>
    c.request.currency === c.account!.currency
      ? undefined
      : { code: '30', reason: `currency ${c.request.currency} is not the account's (${c.account!.currency})` },
];

/** Rules on an authenticated card, in order. */
export const AFTER_CRYPTOGRAM: readonly Rule[] = [
  (c) => (c.account!.cardBlocked ? { code: '62', reason: 'card blocked at the issuer' } : undefined),
  (c) => (c.account!.status === 'active' ? undefined : { code: '78', reason: `account ${c.account!.status}` }),
  onlinePin,
  ecLoad,
  (c) =>
    c.request.amount <= c.available
      ? undefined
      : { code: '51', reason: `insufficient funds: ${formatYuan(c.request.amount)} asked, ${formatYuan(c.available)} available` },
];

/** Online PIN (ISO 9564): checked when the cardholder entered one; tries counted, blocked at zero. */
function onlinePin(c: DecisionContext): Decision | undefined {
  const pin = c.request.onlinePin;
  if (pin === undefined) return undefined;
  const a = c.account!;
  if (a.pinTriesLeft === 0) return { code: '75', reason: 'online PIN blocked (tries exhausted)' };
  if (a.pinHash === null || a.pinSalt === null) return { code: '55', reason: 'the account has no online PIN' };
  if (pinMatches(pin, { hash: a.pinHash, salt: a.pinSalt })) {
    a.pinTriesLeft = a.pinMaxTries;
    return undefined;
  }
  a.pinTriesLeft -= 1;
  return a.pinTriesLeft === 0
    ? { code: '75', reason: 'wrong online PIN: no tries left, the online PIN is now blocked' }
    : { code: '55', reason: `wrong online PIN (${a.pinTriesLeft} ${a.pinTriesLeft === 1 ? 'try' : 'tries'} left)` };
}

/** An EC load transaction (9C = 60): the card's balance must be known, and the load must fit. */
function ecLoad(c: DecisionContext): Decision | undefined {
  if (c.request.transactionType !== EC_LOAD_TRANSACTION_TYPE) return undefined;
  const a = c.account!;
  if (c.cardEcBalance === undefined) return { code: '30', reason: 'an EC load needs the card EC balance 9F79 in field 55' };
  const plan = ecLoadPlan(c.cardEcBalance, a.ecBalance, c.request.amount, a.ecBalanceLimit);
  if (plan.kind === 'ahead') return { code: '05', reason: plan.reason };
  if (plan.kind === 'over-limit') return { code: '13', reason: plan.reason };
  return undefined;
}

/**
 * How to load `amount` onto a card whose EC balance is `card` when the ledger says `ledger` [R]
 * (docs/issuer-host.md "EC load"): PUT DATA 9F79 sets an absolute balance, so the new balance is the
 * card's + the amount — the card's figure being lower than the ledger's only by offline spending not
 * yet cleared. A card above the ledger is not loaded (the ledger is behind: an earlier load whose
 * result never came back, or an account opened with the wrong EC balance).
 */
export type EcLoadPlan =
  | { kind: 'load'; newBalance: number }
  | { kind: 'over-limit'; reason: string }
  | { kind: 'ahead'; reason: string };

export function ecLoadPlan(card: number, ledger: number, amount: number, limit: number = DEFAULT_EC_BALANCE_LIMIT): EcLoadPlan {
  if (card > ledger) {
    return { kind: 'ahead', reason: `the card's EC balance ${formatYuan(card)} is above the ledger's ${formatYuan(ledger)}` };
  }
  const newBalance = card + amount;
  if (newBalance > limit) {
    return { kind: 'over-limit', reason: `EC load of ${formatYuan(amount)} would bring the card to ${formatYuan(newBalance)}, above its EC balance limit ${formatYuan(limit)}` };
  }
  return { kind: 'load', newBalance };
}

/** Runs rules in order; the first decision wins. */
export function firstDecision(rules: readonly Rule[], c: DecisionContext): Decision | undefined {
  for (const rule of rules) {
    const d = rule(c);
    if (d) return d;
  }
  return undefined;
}

/** n3 currency code "0156" as its 2 bytes (BCD). */
function fromCurrency(code: string): Uint8Array {
  return fromHex(code, 'currency');
}

/** A PAN for logs and messages: first 6 and last 4 digits (PCI DSS 3.4 style). */
export function maskPan(pan: string): string {
  return pan.length > 10 ? `${pan.slice(0, 6)}${'*'.repeat(pan.length - 10)}${pan.slice(-4)}` : pan;
}
