/**
 * The bank's issuer host: accounts by PAN, online authorisation with ARQC verification and ARPC
 * (EMV 4.3 Book 2 §8; Book 3 §10.9; ISO 8583 response codes), posting, reversals, clearing of offline
 * approvals, and issuer scripts queued per PAN and delivered with the next online authorisation
 * (Book 3 §10.10). Implements `IssuerPort` (what the kernels ask) plus the administration the CLI uses.
 *
 * Domain logic only: every read and write goes through the storage port (storage.ts) inside one
 * transaction per request, so that a failure posts nothing; every request is keyed by its transaction
 * ID, so that a repeat answers the first answer and posts nothing twice. Keys come from an
 * `IssuerKeyring` (keys.ts); the clock, the random source (PIN salts) and the logger are injected.
 */
import { createHash } from 'node:crypto';
import { concat, fromHex, toHex } from '../../../apdu/bytes.js';
import { CID } from '../../../spec/pboc.js';
import { systemClock, systemRandom, type Clock, type RandomSource } from '../../../env.js';
import { silentLogger, type Logger } from '../../../log.js';
import { arcOf, DEFAULT_EC_BALANCE_LIMIT, DEFAULT_ONLINE_PIN_TRIES, MAX_SCRIPT_BYTES_PER_RESPONSE } from './choices.js';
import { arpcFor, cryptogramValid, ecBalanceMacValid } from './cryptograms.js';
import {
  AFTER_CRYPTOGRAM,
  BEFORE_CRYPTOGRAM,
  EC_LOAD_TRANSACTION_TYPE,
  ecLoadPlan,
  firstDecision,
  maskPan,
  type Decision,
  type DecisionContext,
} from './decisions.js';
import { atcOf, decodeIad, Field55, Field55Error, terminalData } from './field55.js';
import type {
  AuthorisationRequest,
  AuthorisationResponse,
  Completion,
  IssuerPort,
  OfflineClearing,
  ResponseCode,
} from './issuer-port.js';
import type { CardKeys, IssuerKeyring } from './keys.js';
import { formatYuan, MAX_N12 } from './money.js';
import { hashPin, PIN_PATTERN } from './pin.js';
import { decodeScriptResults, ScriptResultsError, SCRIPT_RESULTS_TAG, type ScriptResult } from './script-results.js';
import { scriptApdu, scriptTemplate, type ScriptSession } from './scripts.js';
import type {
  AccountRecord,
  AccountStatus,
  IssuerStorage,
  IssuerStore,
  LedgerEntry,
  LedgerKind,
  ScriptCommand,
  ScriptRecord,
  TransactionRecord,
} from './storage.js';

/** A request the host cannot take (a terminal's own error, not a card's answer). */
export class IssuerRequestError extends RangeError {
  override name = 'IssuerRequestError';
}

/** An administrative operation that cannot be done (no such account, not enough funds …). */
export class IssuerAdminError extends Error {
  override name = 'IssuerAdminError';
}

export interface IssuerHostOptions {
  storage: IssuerStorage;
  keyring: IssuerKeyring;
  clock?: Clock;
  /** Salts of the online PIN hashes. */
  random?: RandomSource;
  log?: Logger;
}

/** An account as shown: no PIN hash; with what is held and what is available. */
export interface AccountView {
  pan: string;
  holder: string;
  currency: string;
  balance: number;
  /** Held by approved authorisations not yet completed. */
  held: number;
  /** Held for EC loads queued or sent and not yet confirmed. */
  pendingEcLoads: number;
  available: number;
  status: AccountStatus;
  cardBlocked: boolean;
  onlinePin: 'set' | 'none' | 'blocked';
  pinTriesLeft: number;
  pinMaxTries: number;
  ecBalance: number;
  ecBalanceLimit: number;
  lastOnlineAtc: number | null;
  scriptsWaiting: number;
  openedAt: string;
  updatedAt: string;
}

/** What `openAccount` takes. */
export interface OpenAccountInput {
  pan: string;
  holder?: string;
  /** Opening balance, fen (default 0). */
  balance?: number;
  /** The card's EC balance at opening, fen (default 0): the ledger starts there. */
  ecBalance?: number;
  /** The card's EC balance limit 9F77, fen (default 1000.00 CNY). */
  ecBalanceLimit?: number;
  /** Online PIN (digits), or null for none. Default: choices.ts DEFAULT_ONLINE_PIN is the CLI's. */
  pin?: string | null;
  pinMaxTries?: number;
  currency?: string;
}

/** An account's statement. */
export interface Statement {
  account: AccountView;
  transactions: TransactionRecord[];
  ledger: LedgerEntry[];
  scripts: ScriptRecord[];
}

interface StoredClearing {
  accepted: boolean;
  reason: string;
}

const CURRENCY = /^[0-9]{4}$/;
const TRANSACTION_ID = /^[\x21-\x7e]{1,64}$/;

/** Luhn check (ISO/IEC 7812-1 Annex B). */
export function luhnValid(pan: string): boolean {
  let sum = 0;
  for (let i = 0; i < pan.length; i++) {
    let d = Number(pan[pan.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

function checkAmount(value: unknown, what: string): asserts value is number {
  if (!Number.isSafeInteger(value) || (value as number) < 0 || (value as number) > MAX_N12) {
    throw new IssuerRequestError(`${what}: must be an integer number of fen from 0 to ${MAX_N12}, got ${JSON.stringify(value)}`);
  }
}

function checkCommon(r: { transactionId: unknown; currency: unknown; channel: unknown; iccData: unknown }, what: string): void {
  if (typeof r.transactionId !== 'string' || !TRANSACTION_ID.test(r.transactionId)) {
    throw new IssuerRequestError(`${what}.transactionId: must be 1 to 64 printable ASCII characters, got ${JSON.stringify(r.transactionId)}`);
  }
  if (typeof r.currency !== 'string' || !CURRENCY.test(r.currency)) throw new IssuerRequestError(`${what}.currency: must be 4 digits (ISO 4217 numeric, "0156"), got ${JSON.stringify(r.currency)}`);
  if (r.channel !== 'contact' && r.channel !== 'contactless') throw new IssuerRequestError(`${what}.channel: must be "contact" or "contactless", got ${JSON.stringify(r.channel)}`);
  if (!(r.iccData instanceof Uint8Array)) throw new IssuerRequestError(`${what}.iccData: must be a Uint8Array`);
}

function fingerprint(parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

function serialiseResponse(r: AuthorisationResponse): string {
  return JSON.stringify({
    ...r,
    arpc: r.arpc ? toHex(r.arpc) : undefined,
    authorisationResponseCode: toHex(r.authorisationResponseCode),
    issuerAuthenticationData: r.issuerAuthenticationData ? toHex(r.issuerAuthenticationData) : undefined,
    issuerScripts: toHex(r.issuerScripts),
  });
}

function parseResponse(text: string): AuthorisationResponse {
  const o = JSON.parse(text) as Record<string, unknown>;
  const out: AuthorisationResponse = {
    transactionId: o.transactionId as string,
    approved: o.approved as boolean,
    responseCode: o.responseCode as ResponseCode,
    reason: o.reason as string,
    authorisationResponseCode: fromHex(o.authorisationResponseCode as string),
    issuerScripts: fromHex(o.issuerScripts as string),
  };
  if (typeof o.arpc === 'string') out.arpc = fromHex(o.arpc);
  if (typeof o.issuerAuthenticationData === 'string') out.issuerAuthenticationData = fromHex(o.issuerAuthenticationData);
  if (typeof o.balance === 'number') out.balance = o.balance;
  return out;
}

/** The issuer host. */
export class IssuerHost implements IssuerPort {
  readonly #storage: IssuerStorage;
  readonly #keyring: IssuerKeyring;
  readonly #clock: Clock;
  readonly #random: RandomSource;
  readonly #log: Logger;

  constructor(options: IssuerHostOptions) {
    this.#storage = options.storage;
    this.#keyring = options.keyring;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? systemRandom;
    this.#log = options.log ?? silentLogger();
  }

  /** Where the host keeps its state. */
  get storageDescription(): string {
    return this.#storage.description;
  }

  /** The BINs whose keys the host has. */
  get bins(): IssuerKeyring['bins'] {
    return this.#keyring.bins;
  }

  #now(): string {
    return this.#clock.now().toISOString();
  }

  // -------------------------------------------------------------------------------------------
  // IssuerPort
  // -------------------------------------------------------------------------------------------

  async authorise(request: AuthorisationRequest): Promise<AuthorisationResponse> {
    checkCommon(request, 'request');
    checkAmount(request.amount, 'request.amount');
    checkAmount(request.otherAmount, 'request.otherAmount');
    if (!Number.isInteger(request.transactionType) || request.transactionType < 0 || request.transactionType > 0xff) {
      throw new IssuerRequestError(`request.transactionType: must be a byte (9C), got ${JSON.stringify(request.transactionType)}`);
    }
    if (request.onlinePin !== undefined && typeof request.onlinePin !== 'string') throw new IssuerRequestError('request.onlinePin: must be a string of digits');
    const print = fingerprint([
      'authorisation',
      request.pan,
      request.panSequence,
      request.amount,
      request.otherAmount,
      request.currency,
      request.transactionType,
      request.channel,
      toHex(request.iccData),
      request.onlinePin !== undefined,
    ]);
    const response = await this.#storage.transaction(async (store) => {
      const existing = await store.transaction(request.transactionId);
      if (existing) return this.#repeatedAuthorisation(existing, print, request.transactionId);
      return this.#authoriseNew(store, request, print);
    });
    this.#log.info(
      { transactionId: request.transactionId, pan: maskPan(request.pan), amount: request.amount, code: response.responseCode, scripts: response.issuerScripts.length },
      `authorisation ${response.responseCode}: ${response.reason}`,
    );
    return response;
  }

  #repeatedAuthorisation(existing: TransactionRecord, print: string, id: string): AuthorisationResponse {
    if (existing.kind === 'authorisation' && existing.fingerprint === print && existing.response) return parseResponse(existing.response);
    const reason =
      existing.kind === 'reversal-only'
        ? `transaction ${id} was reversed before its authorisation arrived`
        : `transaction ID ${id} was already used for another request (answered ${existing.responseCode ?? existing.status})`;
    return { transactionId: id, approved: false, responseCode: '94', reason, authorisationResponseCode: arcOf('94'), issuerScripts: new Uint8Array(0) };
  }

  async #authoriseNew(store: IssuerStore, request: AuthorisationRequest, print: string): Promise<AuthorisationResponse> {
    const now = this.#now();
    const account = PAN_RE.test(request.pan) ? await store.account(request.pan) : undefined;
    const ctx: DecisionContext = { request, ...(account ? { account } : {}), available: account ? await this.#available(store, account) : 0 };
    let decision = firstDecision(BEFORE_CRYPTOGRAM, ctx);
    let session: ScriptSession | undefined;
    if (!decision) {
      const verified = this.#verifyArqc(ctx);
      if ('code' in verified) decision = verified;
      else {
        session = verified;
        ctx.account!.lastOnlineAtc = verified.atc;
        decision = firstDecision(AFTER_CRYPTOGRAM, ctx) ?? { code: '00', reason: 'approved' };
      }
    }
    const approved = decision.code === '00';
    const arc = arcOf(decision.code);
    const response: AuthorisationResponse = {
      transactionId: request.transactionId,
      approved,
      responseCode: decision.code,
      reason: decision.reason,
      authorisationResponseCode: arc,
      issuerScripts: new Uint8Array(0),
    };
    const record: TransactionRecord = {
      id: request.transactionId,
      kind: 'authorisation',
      pan: account ? account.pan : null,
      panSequence: /^[0-9]{2}$/.test(request.panSequence) ? request.panSequence : null,
      channel: request.channel,
      type: request.transactionType,
      amount: request.amount,
      currency: request.currency,
      atc: session ? session.atc : null,
      status: approved ? 'authorised' : 'declined',
      responseCode: decision.code,
      reason: decision.reason,
      fingerprint: print,
      response: null,
      iccData: toHex(request.iccData),
      arc: toHex(arc),
      completedAt: null,
      reversedAt: null,
      createdAt: now,
      updatedAt: now,
    };
    await store.insertTransaction(record);
    if (session && ctx.account) {
      const a = ctx.account;
      response.arpc = arpcFor(session.keys, session.atc, session.arqc, arc);
      response.issuerAuthenticationData = concat(response.arpc, arc);
      if (approved && request.transactionType === EC_LOAD_TRANSACTION_TYPE) {
        await store.insertScript({
          pan: a.pan,
          command: { kind: 'ec-load', amount: request.amount },
          status: 'queued',
          transactionId: request.transactionId,
          ownTransaction: true,
          attempts: 0,
          lastApdu: null,
          note: 'EC load transaction',
          createdAt: now,
          updatedAt: now,
        });
      }
      response.issuerScripts = await this.#deliverScripts(store, a, session, ctx.cardEcBalance, request.transactionId, now);
      a.updatedAt = now;
      await store.updateAccount(a);
      if (approved) response.balance = await this.#available(store, a);
    }
    record.response = serialiseResponse(response);
    await store.updateTransaction(record);
    return response;
  }

  /** Step 2 of decisions.ts: keys, algorithm, ARQC, ATC. Returns the script session when the card is authentic. */
  #verifyArqc(ctx: DecisionContext): Decision | ScriptSession {
    const { request, icc, iad, account } = ctx;
    const keys = this.#keyring.cardKeys(request.pan, request.panSequence);
    if (!keys) return { code: '05', reason: `no issuer keys for the BIN of ${maskPan(request.pan)}` };
    if (keys.algorithm !== iad!.algorithm) return { code: '05', reason: `the card computes with ${iad!.algorithm}, the issuer keys of its BIN are ${keys.algorithm}` };
    const atc = atcOf(icc!);
    const arqc = icc!.get('9F26')!;
    const input = { terminal: terminalData(icc!), aip: icc!.get('82')!, atc, cvr: iad!.cvr };
    if (!cryptogramValid(keys, input, arqc)) return { code: '05', reason: 'the ARQC does not verify (wrong cryptogram)' };
    const last = account!.lastOnlineAtc;
    if (last !== null && atc <= last) return { code: '05', reason: `ATC ${atc} is not above the last online ATC ${last} (replayed cryptogram)` };
    return { keys, atc, arqc };
  }

  async complete(completion: Completion): Promise<void> {
    if (typeof completion.transactionId !== 'string' || !TRANSACTION_ID.test(completion.transactionId)) {
      throw new IssuerRequestError(`completion.transactionId: must be 1 to 64 printable ASCII characters, got ${JSON.stringify(completion.transactionId)}`);
    }
    if (!(completion.iccData instanceof Uint8Array)) throw new IssuerRequestError('completion.iccData: must be a Uint8Array');
    const outcome = await this.#storage.transaction(async (store) => {
      const t = await store.transaction(completion.transactionId);
      if (!t || t.kind !== 'authorisation') throw new IssuerRequestError(`complete: no authorisation ${completion.transactionId}`);
      if (t.completedAt !== null || t.reversedAt !== null) return `already ${t.completedAt !== null ? 'completed' : 'reversed'}: nothing done`;
      const now = this.#now();
      let icc: Field55 | undefined;
      let iccProblem: string | undefined;
      try {
        icc = Field55.decode(completion.iccData);
      } catch (err) {
        if (!(err instanceof Field55Error)) throw err;
        iccProblem = err.message;
      }
      const account = t.pan ? await store.account(t.pan) : undefined;
      let results: ScriptResult[] = [];
      const df31 = icc?.get(SCRIPT_RESULTS_TAG);
      if (df31) {
        try {
          results = decodeScriptResults(df31);
        } catch (err) {
          if (!(err instanceof ScriptResultsError)) throw err;
          iccProblem = err.message;
        }
      }
      if (account) await this.#applyScriptResults(store, account, t, results, now);
      if (t.status === 'authorised' && account) await this.#finish(store, account, t, completion, icc, iccProblem, now);
      t.completedAt = now;
      t.updatedAt = now;
      await store.updateTransaction(t);
      if (account) {
        account.updatedAt = now;
        await store.updateAccount(account);
      }
      return `${t.status}: ${t.reason}`;
    });
    this.#log.info({ transactionId: completion.transactionId, cardApproved: completion.cardApproved }, `completion ${outcome}`);
  }

  /** Posts or releases an authorised transaction at its completion. */
  async #finish(store: IssuerStore, a: AccountRecord, t: TransactionRecord, c: Completion, icc: Field55 | undefined, iccProblem: string | undefined, now: string): Promise<void> {
    if (t.type === EC_LOAD_TRANSACTION_TYPE) {
      const own = (await store.scriptsOfTransaction(t.id)).find((s) => s.ownTransaction);
      if (own?.status === 'done') {
        t.status = 'posted';
        t.reason = `EC load of ${formatYuan(t.amount)} done`;
      } else {
        t.status = 'released';
        t.reason = `EC load not done (${own?.note ?? 'no script'})`;
      }
      return;
    }
    if (!c.cardApproved) {
      t.status = 'released';
      t.reason = 'the card declined (AAC) in the second GENERATE AC: hold released';
      return;
    }
    const problem = iccProblem ?? this.#checkTc(a, t, icc!);
    if (problem) {
      t.status = 'rejected';
      t.reason = `completion rejected, nothing posted: ${problem}`;
      return;
    }
    a.balance -= t.amount;
    await this.#ledger(store, a, 'purchase', -t.amount, 0, now, { transactionId: t.id, note: `${t.channel} purchase` });
    t.status = 'posted';
    t.reason = `posted ${formatYuan(t.amount)}`;
  }

  /** The TC of GENERATE AC 2 over the authorisation's data (8A, 95, 9F37 as the completion gives them). */
  #checkTc(a: AccountRecord, t: TransactionRecord, icc: Field55): string | undefined {
    const tc = icc.get('9F26');
    if (!tc) return t.channel === 'contactless' ? undefined : 'no TC (9F26) in the completion of a contact transaction';
    try {
      const cid = icc.require('9F27', 'CID of the second cryptogram')[0]! & 0xc0;
      if (cid !== CID.TC) return `9F27 of the second cryptogram is not a TC`;
      const original = Field55.decode(fromHex(t.iccData));
      const atc = atcOf(icc);
      if (atc !== t.atc) return `the second cryptogram's ATC ${atc} is not the authorisation's ${t.atc}`;
      const iad = decodeIad(icc.require('9F10', 'CVR of the second cryptogram'));
      const keys = this.#keyring.cardKeys(a.pan, t.panSequence ?? '00');
      if (!keys) return `no issuer keys for the BIN of ${maskPan(a.pan)}`;
      const overrides: Record<string, Uint8Array> = {};
      for (const tag of ['95', '9F37']) {
        const v = icc.get(tag);
        if (v) overrides[tag] = v;
      }
      const arc = icc.get('8A') ?? fromHex(t.arc ?? '');
      const input = { terminal: terminalData(original, overrides), arc, aip: original.require('82', 'AIP'), atc, cvr: iad.cvr };
      return cryptogramValid(keys, input, tc) ? undefined : 'the TC does not verify';
    } catch (err) {
      if (err instanceof Field55Error) return err.message;
      throw err;
    }
  }

  async reverse(transactionId: string, reason: string): Promise<void> {
    if (typeof transactionId !== 'string' || !TRANSACTION_ID.test(transactionId)) {
      throw new IssuerRequestError(`reverse: transactionId must be 1 to 64 printable ASCII characters, got ${JSON.stringify(transactionId)}`);
    }
    const why = typeof reason === 'string' && reason.length > 0 ? reason : 'no reason given';
    const outcome = await this.#storage.transaction(async (store) => {
      const now = this.#now();
      const t = await store.transaction(transactionId);
      if (!t) {
        await store.insertTransaction({
          id: transactionId,
          kind: 'reversal-only',
          pan: null,
          panSequence: null,
          channel: null,
          type: 0,
          amount: 0,
          currency: '0000',
          atc: null,
          status: 'reversed',
          responseCode: null,
          reason: `reversed before any request arrived: ${why}`,
          fingerprint: '',
          response: null,
          iccData: '',
          arc: null,
          completedAt: null,
          reversedAt: now,
          createdAt: now,
          updatedAt: now,
        });
        return 'recorded ahead of its request';
      }
      if (t.reversedAt !== null || t.kind === 'reversal-only') return 'already reversed: nothing done';
      if (t.kind === 'offline') throw new IssuerRequestError(`reverse: ${transactionId} is an offline clearing; the card has spent the money, clearings are final`);
      const account = t.pan ? await store.account(t.pan) : undefined;
      if (t.status === 'posted' && t.type === EC_LOAD_TRANSACTION_TYPE) {
        throw new IssuerRequestError(`reverse: ${transactionId} is an EC load the card has executed; it cannot be reversed`);
      }
      if (t.status === 'posted' && account) {
        account.balance += t.amount;
        await this.#ledger(store, account, 'reversal', t.amount, 0, now, { transactionId: t.id, note: why });
      }
      if (account) {
        for (const s of await store.scriptsOfTransaction(t.id)) {
          if (s.status !== 'sent' && !(s.ownTransaction && s.status === 'queued')) continue;
          s.status = s.ownTransaction ? 'cancelled' : 'queued';
          s.note = `transaction ${t.id} reversed before the card's answer`;
          s.updatedAt = now;
          await store.updateScript(s);
        }
        account.updatedAt = now;
        await store.updateAccount(account);
      }
      const before = t.status;
      t.status = 'reversed';
      t.reason = `${t.reason}; reversed: ${why}`;
      t.reversedAt = now;
      t.updatedAt = now;
      await store.updateTransaction(t);
      return `reversed (was ${before})`;
    });
    this.#log.info({ transactionId, reason: why }, `reversal: ${outcome}`);
  }

  async clearOffline(clearing: OfflineClearing): Promise<{ accepted: boolean; reason: string }> {
    checkCommon(clearing, 'clearing');
    checkAmount(clearing.amount, 'clearing.amount');
    const print = fingerprint(['offline', clearing.pan, clearing.panSequence, clearing.amount, clearing.currency, clearing.channel, toHex(clearing.iccData)]);
    const result = await this.#storage.transaction(async (store) => {
      const existing = await store.transaction(clearing.transactionId);
      if (existing) {
        if (existing.kind === 'offline' && existing.fingerprint === print && existing.response) return JSON.parse(existing.response) as StoredClearing;
        return { accepted: false, reason: `transaction ID ${clearing.transactionId} was already used for another request` };
      }
      return this.#clearNew(store, clearing, print);
    });
    this.#log.info({ transactionId: clearing.transactionId, pan: maskPan(clearing.pan), accepted: result.accepted }, `clearing: ${result.reason}`);
    return result;
  }

  async #clearNew(store: IssuerStore, c: OfflineClearing, print: string): Promise<StoredClearing> {
    const now = this.#now();
    const account = PAN_RE.test(c.pan) ? await store.account(c.pan) : undefined;
    const record: TransactionRecord = {
      id: c.transactionId,
      kind: 'offline',
      pan: account ? account.pan : null,
      panSequence: /^[0-9]{2}$/.test(c.panSequence) ? c.panSequence : null,
      channel: c.channel,
      type: 0,
      amount: c.amount,
      currency: c.currency,
      atc: null,
      status: 'rejected',
      responseCode: null,
      reason: '',
      fingerprint: print,
      response: null,
      iccData: toHex(c.iccData),
      arc: null,
      completedAt: now,
      reversedAt: null,
      createdAt: now,
      updatedAt: now,
    };
    const verdict = account ? await this.#clearFor(store, account, c, record, now) : { accepted: false, reason: `no account for PAN ${maskPan(c.pan)}` };
    record.reason = verdict.reason;
    record.response = JSON.stringify(verdict);
    await store.insertTransaction(record);
    if (account) {
      account.updatedAt = now;
      await store.updateAccount(account);
    }
    return verdict;
  }

  async #clearFor(store: IssuerStore, a: AccountRecord, c: OfflineClearing, record: TransactionRecord, now: string): Promise<StoredClearing> {
    const reject = (reason: string) => ({ accepted: false, reason: `rejected: ${reason}` });
    let icc: Field55;
    try {
      icc = Field55.decode(c.iccData);
      for (const tag of ['9F26', '9F27', '9F10', '9F36', '82']) icc.require(tag, 'the TC and what it covers');
    } catch (err) {
      if (err instanceof Field55Error) return reject(err.message);
      throw err;
    }
    const amount = icc.get('9F02');
    if (!amount || toHex(amount) !== String(c.amount).padStart(12, '0')) return reject(`field 55 9F02 (${amount ? toHex(amount) : 'absent'}) is not the amount ${c.amount} fen`);
    const currency = icc.get('5F2A');
    if (!currency || toHex(currency) !== c.currency) return reject(`field 55 5F2A is not the currency ${c.currency}`);
    if ((icc.get('9F27')![0]! & 0xc0) !== CID.TC) return reject('9F27 is not a TC: only offline approvals are cleared');
    let iad;
    try {
      iad = decodeIad(icc.get('9F10')!);
    } catch (err) {
      if (err instanceof Field55Error) return reject(err.message);
      throw err;
    }
    const keys = this.#keyring.cardKeys(a.pan, c.panSequence);
    if (!keys) return reject(`no issuer keys for the BIN of ${maskPan(a.pan)}`);
    if (keys.algorithm !== iad.algorithm) return reject(`the card computes with ${iad.algorithm}, the issuer keys are ${keys.algorithm}`);
    const atc = atcOf(icc);
    let input;
    try {
      input = { terminal: terminalData(icc), aip: icc.get('82')!, atc, cvr: iad.cvr };
    } catch (err) {
      if (err instanceof Field55Error) return reject(err.message);
      throw err;
    }
    if (!cryptogramValid(keys, input, icc.get('9F26')!)) return reject('the TC does not verify');
    const earlier = await store.offlineByAtc(a.pan, atc);
    if (earlier) return reject(`ATC ${atc} was already cleared (transaction ${earlier.id})`);
    record.atc = atc;
    record.status = 'cleared';
    if (iad.ec) {
      if (!ecMacValid(keys, atc, iad.ec)) {
        record.status = 'rejected';
        record.atc = null;
        return reject('the EC balance MAC in the IAD does not verify');
      }
      a.ecBalance -= c.amount;
      const agree = a.ecBalance === iad.ec.balance ? 'agrees' : `differs: ledger ${formatYuan(a.ecBalance)} (offline spending or a load not yet known)`;
      await this.#ledger(store, a, 'ec-spend', 0, -c.amount, now, { transactionId: c.transactionId, note: `card EC balance after: ${formatYuan(iad.ec.balance)} (${agree})` });
      return { accepted: true, reason: `cleared: EC spending ${formatYuan(c.amount)}; the card reports ${formatYuan(iad.ec.balance)}, the ledger ${agree === 'agrees' ? 'agrees' : formatYuan(a.ecBalance)}` };
    }
    a.balance -= c.amount;
    await this.#ledger(store, a, 'offline-debit', -c.amount, 0, now, { transactionId: c.transactionId, note: `offline ${c.channel} approval, ATC ${atc}` });
    return { accepted: true, reason: `cleared: offline debit ${formatYuan(c.amount)}` };
  }

  // -------------------------------------------------------------------------------------------
  // Scripts
  // -------------------------------------------------------------------------------------------

  /** Builds the templates of the scripts waiting for a card; marks them sent. */
  async #deliverScripts(store: IssuerStore, a: AccountRecord, session: ScriptSession, cardEc: number | undefined, transactionId: string, now: string): Promise<Uint8Array> {
    const waiting = (await store.scripts(a.pan, ['queued'])).filter((s) => !s.ownTransaction || s.transactionId === transactionId);
    const templates: { template: '71' | '72'; bytes: Uint8Array }[] = [];
    let size = 0;
    let ecLoadSent = false;
    for (const s of waiting) {
      let ecBalance: number | undefined;
      if (s.command.kind === 'ec-load') {
        const plan = await this.#ecPlanFor(store, a, s, cardEc, ecLoadSent, now);
        if (plan === undefined) continue;
        ecBalance = plan;
      }
      const apdu = scriptApdu(session, s.command, ecBalance);
      const bytes = scriptTemplate(s.command.kind, s.id, apdu);
      if (size + bytes.length > MAX_SCRIPT_BYTES_PER_RESPONSE) {
        s.note = 'waiting: no room left in this response';
        s.updatedAt = now;
        await store.updateScript(s);
        continue;
      }
      size += bytes.length;
      if (s.command.kind === 'ec-load') ecLoadSent = true;
      templates.push({ template: bytes[0] === 0x71 ? '71' : '72', bytes });
      s.status = 'sent';
      s.transactionId = transactionId;
      s.attempts += 1;
      s.lastApdu = toHex(apdu);
      s.note = ecBalance !== undefined ? `sent: new EC balance ${formatYuan(ecBalance)}` : 'sent';
      s.updatedAt = now;
      await store.updateScript(s);
    }
    return concat(...templates.filter((t) => t.template === '71').map((t) => t.bytes), ...templates.filter((t) => t.template === '72').map((t) => t.bytes));
  }

  /** The new EC balance for a queued load, or undefined when it must wait (note set on the script). */
  async #ecPlanFor(store: IssuerStore, a: AccountRecord, s: ScriptRecord, cardEc: number | undefined, another: boolean, now: string): Promise<number | undefined> {
    const amount = (s.command as { amount: number }).amount;
    const wait = async (note: string) => {
      s.note = `waiting: ${note}`;
      s.updatedAt = now;
      await store.updateScript(s);
      return undefined;
    };
    if (a.status !== 'active' || a.cardBlocked) return wait(`the account is ${a.cardBlocked ? 'card-blocked' : a.status}`);
    if (another) return wait('one EC load per transaction (PUT DATA 9F79 sets an absolute balance)');
    if (cardEc === undefined) return wait("the card's EC balance 9F79 was not in field 55");
    if (s.attempts > 0 && cardEc === a.ecBalance + amount) {
      // an earlier attempt reached the card though its result never came back
      await this.#scriptDone(store, a, s, now, 'done: the card already holds this load (earlier attempt)');
      return undefined;
    }
    const plan = ecLoadPlan(cardEc, a.ecBalance, amount, a.ecBalanceLimit);
    if (plan.kind !== 'load') return wait(plan.reason);
    return plan.newBalance;
  }

  /** Applies the DF31 results to the scripts sent with a transaction. */
  async #applyScriptResults(store: IssuerStore, a: AccountRecord, t: TransactionRecord, results: readonly ScriptResult[], now: string): Promise<void> {
    for (const s of await store.scriptsOfTransaction(t.id)) {
      if (s.status !== 'sent' && !(s.ownTransaction && s.status === 'queued')) continue;
      const id = s.id.toString(16).toUpperCase().padStart(8, '0');
      const r = results.find((x) => x.scriptId.toUpperCase() === id);
      if (r?.result === 'successful') {
        await this.#scriptDone(store, a, s, now, 'done: the card executed it');
      } else if (r?.result === 'failed') {
        s.status = 'failed';
        s.note = `failed: the card refused command ${r.sequence || '?'}`;
        if (s.command.kind === 'pin-change') s.command = { kind: 'pin-change', newPin: null };
        s.updatedAt = now;
        await store.updateScript(s);
      } else {
        s.status = s.ownTransaction ? 'cancelled' : 'queued';
        s.note = r ? 'not performed by the terminal' : 'no result came back';
        s.note += s.ownTransaction ? '' : '; queued again';
        s.updatedAt = now;
        await store.updateScript(s);
      }
    }
  }

  /** A script the card executed: its effect on the host's side. */
  async #scriptDone(store: IssuerStore, a: AccountRecord, s: ScriptRecord, now: string, note: string): Promise<void> {
    const c = s.command;
    if (c.kind === 'ec-load') {
      a.balance -= c.amount;
      a.ecBalance += c.amount;
      await this.#ledger(store, a, 'ec-load', -c.amount, c.amount, now, { transactionId: s.transactionId, scriptId: s.id, note: 'EC load by issuer script' });
    } else if (c.kind === 'put-data' && c.tag === '9F77') {
      a.ecBalanceLimit = c.value;
    } else if (c.kind === 'pin-change' && c.newPin !== null) {
      const h = hashPin(c.newPin, this.#random);
      a.pinHash = h.hash;
      a.pinSalt = h.salt;
      a.pinTriesLeft = a.pinMaxTries;
      s.command = { kind: 'pin-change', newPin: null };
    }
    s.status = 'done';
    s.note = note;
    s.updatedAt = now;
    await store.updateScript(s);
  }

  // -------------------------------------------------------------------------------------------
  // Administration
  // -------------------------------------------------------------------------------------------

  /** Opens an account for a card. */
  async openAccount(input: OpenAccountInput): Promise<AccountView> {
    const pan = input.pan;
    if (typeof pan !== 'string' || !PAN_RE.test(pan)) throw new IssuerAdminError(`PAN must be 12 to 19 digits, got ${JSON.stringify(pan)}`);
    if (!luhnValid(pan)) throw new IssuerAdminError(`PAN ${pan} fails its Luhn check digit`);
    if (!this.#keyring.forPan(pan)) {
      throw new IssuerAdminError(`no issuer keys for PAN ${pan} (BINs with keys: ${this.#keyring.bins.map((b) => b.bin).join(', ') || 'none'})`);
    }
    const balance = input.balance ?? 0;
    const ecBalance = input.ecBalance ?? 0;
    const ecBalanceLimit = input.ecBalanceLimit ?? DEFAULT_EC_BALANCE_LIMIT;
    for (const [what, v] of [['balance', balance], ['EC balance', ecBalance], ['EC balance limit', ecBalanceLimit]] as const) {
      if (!Number.isSafeInteger(v) || v < 0 || v > MAX_N12) throw new IssuerAdminError(`${what} must be 0 to ${formatYuan(MAX_N12)}, got ${v}`);
    }
    if (ecBalance > ecBalanceLimit) throw new IssuerAdminError(`EC balance ${formatYuan(ecBalance)} is above the EC balance limit ${formatYuan(ecBalanceLimit)}`);
    const pinMaxTries = input.pinMaxTries ?? DEFAULT_ONLINE_PIN_TRIES;
    if (!Number.isInteger(pinMaxTries) || pinMaxTries < 1 || pinMaxTries > 15) throw new IssuerAdminError(`PIN tries must be 1 to 15, got ${pinMaxTries}`);
    const pin = input.pin ?? null;
    if (pin !== null && !PIN_PATTERN.test(pin)) throw new IssuerAdminError('the online PIN must be 4 to 12 digits');
    const currency = input.currency ?? '0156';
    if (!CURRENCY.test(currency)) throw new IssuerAdminError(`currency must be 4 digits, got ${JSON.stringify(currency)}`);
    const hashed = pin !== null ? hashPin(pin, this.#random) : null;
    return this.#storage.transaction(async (store) => {
      if (await store.account(pan)) throw new IssuerAdminError(`an account for PAN ${pan} exists already`);
      const now = this.#now();
      const a: AccountRecord = {
        pan,
        holder: input.holder ?? '',
        currency,
        balance,
        status: 'active',
        cardBlocked: false,
        pinHash: hashed?.hash ?? null,
        pinSalt: hashed?.salt ?? null,
        pinTriesLeft: pinMaxTries,
        pinMaxTries,
        ecBalance,
        ecBalanceLimit,
        lastOnlineAtc: null,
        openedAt: now,
        updatedAt: now,
      };
      await store.insertAccount(a);
      await store.appendLedger({ pan, at: now, kind: 'opening', transactionId: null, scriptId: null, accountDelta: balance, ecDelta: ecBalance, balanceAfter: balance, ecBalanceAfter: ecBalance, note: 'account opened' });
      return this.#view(store, a);
    });
  }

  /** One account, or undefined. */
  async account(pan: string): Promise<AccountView | undefined> {
    return this.#storage.transaction(async (store) => {
      const a = await store.account(pan);
      return a ? this.#view(store, a) : undefined;
    });
  }

  /** Every account, by PAN. */
  async accounts(): Promise<AccountView[]> {
    return this.#storage.transaction(async (store) => {
      const out: AccountView[] = [];
      for (const a of await store.accounts()) out.push(await this.#view(store, a));
      return out;
    });
  }

  /** An account with its latest transactions, ledger entries (newest first) and scripts. */
  async statement(pan: string, limit = 20): Promise<Statement> {
    return this.#storage.transaction(async (store) => {
      const a = await this.#need(store, pan);
      return { account: await this.#view(store, a), transactions: await store.transactions(pan, limit), ledger: await store.ledger(pan, limit), scripts: await store.scripts(pan) };
    });
  }

  /** One transaction record (any kind), or undefined. */
  async transaction(id: string): Promise<TransactionRecord | undefined> {
    return this.#storage.transaction((store) => store.transaction(id));
  }

  /** Credits an account (a deposit at the counter). */
  async deposit(pan: string, amount: number, note = 'deposit'): Promise<AccountView> {
    if (!Number.isSafeInteger(amount) || amount <= 0 || amount > MAX_N12) throw new IssuerAdminError(`a deposit must be a positive amount, got ${amount}`);
    return this.#admin(pan, async (store, a, now) => {
      if (a.status === 'closed') throw new IssuerAdminError(`account ${pan} is closed`);
      a.balance += amount;
      await this.#ledger(store, a, 'deposit', amount, 0, now, { note });
    });
  }

  /** Blocks or unblocks the account ('78'), or closes it for good. */
  async setAccountStatus(pan: string, status: AccountStatus): Promise<AccountView> {
    return this.#admin(pan, async (_store, a) => {
      if (a.status === 'closed' && status !== 'closed') throw new IssuerAdminError(`account ${pan} is closed; a closed account is not reopened`);
      a.status = status;
    });
  }

  /** Blocks or unblocks the card at the host ('62'); with `script`, queues CARD BLOCK for the card too. */
  async setCardBlocked(pan: string, blocked: boolean, options: { script?: boolean } = {}): Promise<AccountView> {
    if (options.script && !blocked) throw new IssuerAdminError('CARD BLOCK cannot be undone by script (EMV Book 3 §10.10): unblock the card at the host only');
    return this.#admin(pan, async (store, a, now) => {
      a.cardBlocked = blocked;
      if (options.script) await this.#queue(store, a, { kind: 'card-block' }, now);
    });
  }

  /** Unblocks the online PIN (tries back to the limit); with `script`, queues PIN UNBLOCK for the card's offline PIN. */
  async unblockPin(pan: string, options: { script?: boolean } = {}): Promise<AccountView> {
    return this.#admin(pan, async (store, a, now) => {
      a.pinTriesLeft = a.pinMaxTries;
      if (options.script) await this.#queue(store, a, { kind: 'pin-unblock' }, now);
    });
  }

  /**
   * Queues a script command for a card (delivered with its next online authorisation). An EC load holds
   * its amount on the account until the card's result comes back.
   */
  async queueScript(pan: string, command: ScriptCommand): Promise<ScriptRecord> {
    validateCommand(command);
    let queued: ScriptRecord | undefined;
    await this.#admin(pan, async (store, a, now) => {
      if (a.status === 'closed') throw new IssuerAdminError(`account ${pan} is closed`);
      if (command.kind === 'ec-load') {
        const available = await this.#available(store, a);
        if (command.amount > available) throw new IssuerAdminError(`not enough funds for an EC load of ${formatYuan(command.amount)}: ${formatYuan(available)} available`);
        const pending = (await store.scripts(pan, ['queued', 'sent'])).filter((s) => s.command.kind === 'ec-load').reduce((n, s) => n + (s.command as { amount: number }).amount, 0);
        if (a.ecBalance + pending + command.amount > a.ecBalanceLimit) {
          throw new IssuerAdminError(`an EC load of ${formatYuan(command.amount)} would bring the EC balance to ${formatYuan(a.ecBalance + pending + command.amount)}, above its limit ${formatYuan(a.ecBalanceLimit)}`);
        }
      }
      queued = await this.#queue(store, a, command, now);
    });
    return queued!;
  }

  /** Cancels a queued script (not one already sent). */
  async cancelScript(id: number): Promise<ScriptRecord> {
    return this.#storage.transaction(async (store) => {
      const s = await store.script(id);
      if (!s) throw new IssuerAdminError(`no script ${id}`);
      if (s.status !== 'queued') throw new IssuerAdminError(`script ${id} is ${s.status}; only a queued script can be cancelled`);
      s.status = 'cancelled';
      s.note = 'cancelled at the host';
      s.updatedAt = this.#now();
      await store.updateScript(s);
      return s;
    });
  }

  async #queue(store: IssuerStore, a: AccountRecord, command: ScriptCommand, now: string): Promise<ScriptRecord> {
    return store.insertScript({ pan: a.pan, command, status: 'queued', transactionId: null, ownTransaction: false, attempts: 0, lastApdu: null, note: 'queued: delivered with the next online authorisation', createdAt: now, updatedAt: now });
  }

  async #admin(pan: string, change: (store: IssuerStore, a: AccountRecord, now: string) => Promise<void>): Promise<AccountView> {
    return this.#storage.transaction(async (store) => {
      const a = await this.#need(store, pan);
      const now = this.#now();
      await change(store, a, now);
      a.updatedAt = now;
      await store.updateAccount(a);
      return this.#view(store, a);
    });
  }

  async #need(store: IssuerStore, pan: string): Promise<AccountRecord> {
    const a = await store.account(pan);
    if (!a) throw new IssuerAdminError(`no account for PAN ${pan}`);
    return a;
  }

  async #holds(store: IssuerStore, a: AccountRecord): Promise<{ held: number; pendingEcLoads: number; scriptsWaiting: number }> {
    const held = (await store.transactionsInStatus(a.pan, 'authorised')).filter((t) => t.type !== EC_LOAD_TRANSACTION_TYPE).reduce((n, t) => n + t.amount, 0);
    const open = await store.scripts(a.pan, ['queued', 'sent']);
    const pendingEcLoads = open.filter((s) => s.command.kind === 'ec-load').reduce((n, s) => n + (s.command as { amount: number }).amount, 0);
    return { held, pendingEcLoads, scriptsWaiting: open.length };
  }

  async #available(store: IssuerStore, a: AccountRecord): Promise<number> {
    const h = await this.#holds(store, a);
    return a.balance - h.held - h.pendingEcLoads;
  }

  async #view(store: IssuerStore, a: AccountRecord): Promise<AccountView> {
    const h = await this.#holds(store, a);
    return {
      pan: a.pan,
      holder: a.holder,
      currency: a.currency,
      balance: a.balance,
      held: h.held,
      pendingEcLoads: h.pendingEcLoads,
      available: a.balance - h.held - h.pendingEcLoads,
      status: a.status,
      cardBlocked: a.cardBlocked,
      onlinePin: a.pinHash === null ? 'none' : a.pinTriesLeft === 0 ? 'blocked' : 'set',
      pinTriesLeft: a.pinTriesLeft,
      pinMaxTries: a.pinMaxTries,
      ecBalance: a.ecBalance,
      ecBalanceLimit: a.ecBalanceLimit,
      lastOnlineAtc: a.lastOnlineAtc,
      scriptsWaiting: h.scriptsWaiting,
      openedAt: a.openedAt,
      updatedAt: a.updatedAt,
    };
  }

  async #ledger(
    store: IssuerStore,
    a: AccountRecord,
    kind: LedgerKind,
    accountDelta: number,
    ecDelta: number,
    now: string,
    extra: { transactionId?: string | null; scriptId?: number; note: string },
  ): Promise<void> {
    await store.appendLedger({
      pan: a.pan,
      at: now,
      kind,
      transactionId: extra.transactionId ?? null,
      scriptId: extra.scriptId ?? null,
      accountDelta,
      ecDelta,
      balanceAfter: a.balance,
      ecBalanceAfter: a.ecBalance,
      note: extra.note,
    });
  }

  /** Closes the storage. */
  async close(): Promise<void> {
    await this.#storage.close();
  }
}

const PAN_RE = /^[0-9]{12,19}$/;

function ecMacValid(keys: CardKeys, atc: number, ec: { balance5: Uint8Array; mac: Uint8Array }): boolean {
  return ecBalanceMacValid(keys, atc, ec.balance5, ec.mac);
}

/** Checks a script command's parameters (the edges: CLI, programs). */
function validateCommand(c: ScriptCommand): void {
  const bad = (m: string) => {
    throw new IssuerAdminError(m);
  };
  switch (c.kind) {
    case 'ec-load':
      if (!Number.isSafeInteger(c.amount) || c.amount <= 0 || c.amount > MAX_N12) bad(`an EC load must be a positive amount, got ${c.amount}`);
      return;
    case 'put-data':
      if (!['9F77', '9F78', '9F6D'].includes(c.tag)) bad(`PUT DATA by script writes 9F77, 9F78 or 9F6D, not ${c.tag}`);
      if (!Number.isSafeInteger(c.value) || c.value < 0 || c.value > MAX_N12) bad(`PUT DATA ${c.tag}: the value must be 0 to ${MAX_N12} fen`);
      return;
    case 'update-record':
      if (!Number.isInteger(c.sfi) || c.sfi < 1 || c.sfi > 30) bad(`UPDATE RECORD: SFI must be 1..30, got ${c.sfi}`);
      if (!Number.isInteger(c.record) || c.record < 1 || c.record > 254) bad(`UPDATE RECORD: record must be 1..254, got ${c.record}`);
      if (!/^(?:[0-9A-Fa-f]{2}){1,200}$/.test(c.data)) bad('UPDATE RECORD: data must be 1 to 200 bytes of hex');
      return;
    case 'pin-change':
      if (c.newPin === null || !PIN_PATTERN.test(c.newPin)) bad('PIN CHANGE: the new PIN must be 4 to 12 digits');
      return;
    case 'application-block':
    case 'application-unblock':
    case 'card-block':
    case 'pin-unblock':
      return;
    default:
      bad(`unknown script command ${JSON.stringify((c as { kind: unknown }).kind)}`);
  }
}

