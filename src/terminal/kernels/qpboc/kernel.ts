/**
 * The qPBOC kernel (JR/T 0025.12, quick PBOC over the contactless interface, SM algorithms):
 *
 * pre-processing with the terminal's limits (pre-processing.ts) → PPSE and final selection → GET
 * PROCESSING OPTIONS with the TTQ → the card's decision in its answer (format 2; cryptogram type from the
 * CID, else from IAD byte 5 bits 6-5):
 * - TC (offline approval, electronic cash already debited): READ RECORD per AFL, processing restrictions,
 *   exception file, fDDA with SM2 over 9F37 ‖ 9F02 ‖ 5F2A ‖ 9F69, CVM from the CTQ, clearing at the issuer;
 *   a failed fDDA follows the CTQ (online, other interface, or decline);
 * - ARQC: CVM from the CTQ (online PIN, signature), authorisation at the issuer, completion;
 * - AAC: declined by the card.
 * The card leaving the field during an EC purchase is handled as torn-transaction.ts says (JR/T 0025.12
 * Annex F [R]); from GET PROCESSING OPTIONS on, a lost card ends in `TERMINATED` / `CARD_REMOVED`.
 */
import { fromHex, toHex } from '../../../apdu/bytes.js';
import { CommandApdu } from '../../../apdu/command-apdu.js';
import { parseDolData } from '../../../apdu/tlv/dol.js';
import { TransportError, type Transport } from '../../../apdu/transport.js';
import type { CryptogramType } from '../../../spec/pboc.js';
import { KernelStop, parseCardTlv } from '../card-channel.js';
import { checkRequest, KernelContext, type KernelDeps, type PaymentRequest } from '../context.js';
import { compressedDigits, numericValue } from '../emv-values.js';
import { reason, type CvmPerformed, type KernelResult } from '../outcome.js';
import { clearOffline } from '../steps/clearing.js';
import { buildResult, cardAmount, type ResultExtras } from '../result.js';
import { buildContactlessCandidates, type SelectedApplication } from '../steps/application-selection.js';
import { cryptogramTypeOf } from '../steps/generate-ac.js';
import { cardDol, initiateApplicationProcessing, parseAfl, type ProcessingOptions } from '../steps/initiate-application-processing.js';
import { fastDynamicDataAuthentication } from '../steps/offline-data-authentication.js';
import { cardPan, onlineAuthorisation } from '../steps/online-processing.js';
import { processingRestrictions } from '../steps/processing-restrictions.js';
import { readApplicationData } from '../steps/read-application-data.js';
import { onExceptionFile } from '../steps/terminal-risk-management.js';
import { qpbocCvm } from './cvm.js';
import { preProcessing } from './pre-processing.js';
import { qualifier, CTQ_BITS, TTQ_BITS } from './qualifiers.js';
import { TORN_TERMINAL_TAGS, tornIsFresh, type TornTransaction, type TornTransactionStore } from './torn-transaction.js';

export interface QpbocDeps extends KernelDeps {
  /** Where interrupted EC purchases are kept for recovery (absent: none are). */
  torn?: TornTransactionStore;
}

/** Data objects an offline approval needs from the records. */
const OFFLINE_MANDATORY_DATA = ['5A', '5F24'] as const;

/** Runs a qPBOC purchase on a card connected on the contactless interface. */
export async function runQpboc(transport: Transport, request: PaymentRequest, deps: QpbocDeps): Promise<KernelResult> {
  checkRequest(request);
  const ctx = new KernelContext(deps, transport, request);
  const pre = preProcessing(ctx.amount, ctx.config, request.forceOnline);
  ctx.note(`pre-processing: ${pre.rules.length ? pre.rules.join(', ') : 'no rule applies'}`);
  if (pre.kind === 'stop') return buildResult(ctx, 'qpboc', pre.outcome, { reason: pre.reason });
  ctx.data.setTerminal('9F66', pre.ttq);
  const selected: { app?: SelectedApplication } = {};
  try {
    return await qpbocFlow(ctx, deps, selected);
  } catch (err) {
    if (err instanceof KernelStop) return buildResult(ctx, 'qpboc', err.outcome, { reason: err.reason, ...appExtras(selected.app) });
    throw err;
  }
}

function appExtras(app: SelectedApplication | undefined): ResultExtras {
  return app ? { aid: app.aid, ...(app.label ? { label: app.label } : {}) } : {};
}

function stop(outcome: KernelStop['outcome'], code: Parameters<typeof reason>[0], detail?: string): KernelStop {
  return new KernelStop(outcome, reason(code, detail));
}

async function qpbocFlow(ctx: KernelContext, deps: QpbocDeps, selected: { app?: SelectedApplication }): Promise<KernelResult> {
  const candidates = await buildContactlessCandidates(ctx);
  const app = await candidates.selectNext(ctx);
  selected.app = app;
  if (!cardDol(app.pdol, 'PDOL').some((e) => e.tag === '9F66')) {
    throw stop('TRY_ANOTHER_INTERFACE', 'CONTACTLESS_NOT_SUPPORTED', 'the PDOL does not ask for the TTQ (9F66)');
  }
  const recovered = await recoverTorn(ctx, deps, app);
  if (recovered) return recovered;

  const ttq = ctx.data.terminal('9F66')!;
  const mayDebit = !qualifier(ttq, TTQ_BITS.onlineCryptogramRequired);
  let gpo: ProcessingOptions | undefined;
  try {
    gpo = await initiateApplicationProcessing(ctx, app.pdol, { aflRequired: false });
  } catch (err) {
    if (err instanceof TransportError) return cardRemoved(ctx, deps, app, mayDebit ? 'no-answer' : 'no-debit', err);
    throw err;
  }
  if (!gpo) throw stop('TRY_ANOTHER_INTERFACE', 'CARD_ASKS_OTHER_INTERFACE', 'GET PROCESSING OPTIONS answered 6985');
  if (gpo.format === 1) throw stop('TRY_ANOTHER_INTERFACE', 'CARD_ASKS_OTHER_INTERFACE', 'the card answered for the full PBOC path (format 1)');
  const type = qpbocCryptogram(ctx);
  if (type === 'TC' && !mayDebit) throw stop('TERMINATED', 'CARD_DATA_INVALID', 'the card approved offline although the terminal asked for an online cryptogram');
  if (type === 'AAC') throw stop('DECLINED', 'DECLINED_BY_CARD', 'the card answered AAC');
  if (type === 'ARQC') return onlinePath(ctx, app, gpo);

  // TC: offline approval; the EC balance is debited already
  if (gpo.afl.length === 0) throw stop('TERMINATED', 'CARD_DATA_MISSING', 'offline approval without an AFL (94)');
  let staticData: Uint8Array | undefined;
  try {
    staticData = (await readApplicationData(ctx, gpo.afl, gpo.aip, OFFLINE_MANDATORY_DATA)).staticData;
  } catch (err) {
    if (err instanceof TransportError) return cardRemoved(ctx, deps, app, 'answered', err);
    throw err;
  }
  return offlineDecision(ctx, app, staticData);
}

/**
 * The cryptogram type of a qPBOC GPO answer: the CID 9F27, else IAD (9F10) byte 5 bits 6-5 (00 AAC,
 * 01 TC, 10 ARQC, 11 RFU taken as AAC; DOMAIN.md §2.1 [C]). Records it.
 */
export function qpbocCryptogram(ctx: KernelContext): CryptogramType {
  const cid = ctx.data.card('9F27');
  const iad = ctx.data.card('9F10');
  const ac = ctx.data.card('9F26');
  const atc = ctx.data.card('9F36');
  if (!ac || ac.length !== 8 || !atc || atc.length !== 2) throw stop('TERMINATED', 'CARD_DATA_MISSING', 'GPO answer without the cryptogram (9F26) and ATC (9F36)');
  let type: CryptogramType | undefined;
  if (cid) {
    if (cid.length !== 1) throw stop('TERMINATED', 'CARD_DATA_INVALID', `CID of ${cid.length} bytes`);
    type = cryptogramTypeOf(cid[0]!);
    if (!type) throw stop('TERMINATED', 'CARD_DATA_INVALID', `CID ${toHex(cid)} is an RFU cryptogram type`);
  } else if (iad && iad.length >= 5) {
    type = (['AAC', 'TC', 'ARQC', 'AAC'] as const)[(iad[4]! >> 4) & 0x03];
  } else throw stop('TERMINATED', 'CARD_DATA_MISSING', 'GPO answer without CID (9F27) or IAD (9F10)');
  ctx.cryptograms.push({
    source: 'GET PROCESSING OPTIONS',
    type: type!,
    cid: cid ? toHex(cid) : '',
    cryptogram: toHex(ac),
    ...(iad ? { iad: toHex(iad) } : {}),
    atc: (atc[0]! << 8) | atc[1]!,
  });
  return type!;
}

const CVM_RESULT: Record<string, CvmPerformed> = { 'online-pin': 'online-pin', signature: 'signature', 'no-cvm': 'no-cvm', 'consumer-device': 'no-cvm', fail: 'failed' };

/** Applies the CTQ's CVM (cvm.ts); a CVM that cannot be done declines. */
async function applyCvm(ctx: KernelContext, online: boolean): Promise<void> {
  const { cvm, why } = qpbocCvm({ ctq: ctx.data.card('9F6C'), ttq: ctx.data.terminal('9F66')!, online });
  ctx.note(`CVM: ${why}`);
  ctx.tsi.set('cvmPerformed');
  ctx.cvm = CVM_RESULT[cvm]!;
  if (cvm === 'fail') {
    ctx.tvr.set('cvmNotSuccessful');
    throw stop('DECLINED', 'CVM_FAILED', why);
  }
  if (cvm === 'signature') ctx.signatureRequired = true;
  if (cvm === 'online-pin') {
    const pad = ctx.deps.pinPad;
    if (!pad || !ctx.config.pinPad) {
      ctx.tvr.set('pinPadAbsent');
      ctx.tvr.set('cvmNotSuccessful');
      ctx.cvm = 'failed';
      throw stop('DECLINED', 'CVM_FAILED', 'online PIN required, no PIN pad');
    }
    const pin = await pad.enterPin({ kind: 'online', attempt: 1 });
    if (pin === undefined || !/^[0-9]{4,12}$/.test(pin)) {
      ctx.tvr.set('pinNotEntered');
      ctx.tvr.set('cvmNotSuccessful');
      ctx.cvm = 'failed';
      throw stop('DECLINED', 'CVM_FAILED', 'online PIN required, not entered');
    }
    ctx.onlinePin = pin;
    ctx.tvr.set('onlinePinEntered');
  }
}

async function onlinePath(ctx: KernelContext, app: SelectedApplication, gpo: ProcessingOptions): Promise<KernelResult> {
  if (gpo.afl.length > 0) await readApplicationData(ctx, gpo.afl, gpo.aip, []);
  if (onExceptionFile(ctx)) {
    ctx.tvr.set('exceptionFile');
    throw stop('DECLINED', 'EXCEPTION_FILE');
  }
  await applyCvm(ctx, true);
  return goOnline(ctx, app);
}

async function goOnline(ctx: KernelContext, app: SelectedApplication): Promise<KernelResult> {
  const online = await onlineAuthorisation(ctx, 'contactless');
  if (online.kind === 'unable') throw stop('DECLINED', 'UNABLE_TO_GO_ONLINE', online.why);
  const response = online.response;
  if (response.issuerScripts.length > 0) ctx.note('issuer scripts not delivered: the qPBOC card has left the field (no second tap here)');
  if (!response.approved) throw stop('DECLINED', 'DECLINED_BY_ISSUER', `${response.responseCode}: ${response.reason}`);
  await ctx.deps.issuer!.complete({ transactionId: ctx.transactionId, cardApproved: true, iccData: new Uint8Array(0) });
  return buildResult(ctx, 'qpboc', 'APPROVED', { ...appExtras(app), approvedBy: 'online' });
}

/**
 * After an offline approval's records were read (also for a recovered torn purchase): processing
 * restrictions and the exception file, then the dates (an expired application goes online only when the
 * CTQ says so), then fDDA (its failure follows the CTQ), then the CVM [R: this order, docs/pboc-kernels.md].
 */
async function offlineDecision(ctx: KernelContext, app: SelectedApplication, staticData: Uint8Array | undefined): Promise<KernelResult> {
  const ctq = ctx.data.card('9F6C');
  const canOnline = ctx.config.onlineCapable && ctx.deps.issuer !== undefined;
  processingRestrictions(ctx);
  if (onExceptionFile(ctx)) {
    ctx.tvr.set('exceptionFile');
    throw stop('DECLINED', 'EXCEPTION_FILE');
  }
  if (ctx.tvr.has('expiredApplication') || ctx.tvr.has('applicationNotYetEffective')) {
    const expired = ctx.tvr.has('expiredApplication');
    if (expired && qualifier(ctq, CTQ_BITS.goOnlineIfExpired) && canOnline) {
      await applyCvm(ctx, true);
      return goOnline(ctx, app);
    }
    throw stop('DECLINED', expired ? 'EXPIRED' : 'NOT_YET_EFFECTIVE');
  }
  const failure = fastDynamicDataAuthentication(ctx, app.aid, staticData);
  if (failure !== undefined) {
    if (qualifier(ctq, CTQ_BITS.goOnlineIfOdaFails) && canOnline) {
      ctx.note('fDDA failed: online, as the CTQ asks');
      await applyCvm(ctx, true);
      return goOnline(ctx, app);
    }
    if (qualifier(ctq, CTQ_BITS.switchInterfaceIfOdaFails) && ctx.config.contactless.contactInterface) throw stop('TRY_ANOTHER_INTERFACE', 'ODA_FAILED', failure);
    throw stop('DECLINED', 'ODA_FAILED', failure);
  }
  await applyCvm(ctx, false);
  const ecBalance = cardAmount(ctx, '9F5D') ?? iadBalance(ctx);
  const clearing = await clearOffline(ctx, 'contactless');
  return buildResult(ctx, 'qpboc', 'APPROVED', { ...appExtras(app), approvedBy: 'offline', ...(ecBalance !== undefined ? { ecBalance } : {}), ...(clearing ? { clearing } : {}) });
}

/** The EC balance in the IAD's issuer discretionary data (`0A | 01 ‖ balance(5) ‖ MAC(4)`, src/spec/pboc.ts IAD). */
function iadBalance(ctx: KernelContext): number | undefined {
  const iad = ctx.data.card('9F10');
  if (!iad || iad.length < 8 + 11 || iad[8] !== 0x0a || iad[9] !== 0x01) return undefined;
  return numericValue(iad.subarray(10, 15));
}

/** The card left the field (torn-transaction.ts): keeps the torn record when a debit may have happened. */
async function cardRemoved(
  ctx: KernelContext,
  deps: QpbocDeps,
  app: SelectedApplication,
  state: 'no-answer' | 'answered' | 'no-debit',
  err: TransportError,
): Promise<KernelResult> {
  if (state !== 'no-debit' && deps.torn) {
    const terminal: Record<string, string> = {};
    for (const t of TORN_TERMINAL_TAGS) {
      const v = ctx.covered.get(t) ?? ctx.data.terminal(t);
      if (v) terminal[t] = toHex(v);
    }
    const record: TornTransaction = {
      version: 1,
      transactionId: ctx.transactionId,
      savedAt: ctx.now.toISOString(),
      aid: toHex(app.aid),
      amount: ctx.amount,
      currency: ctx.config.currencyCode,
      terminal,
      ...(state === 'answered' ? { gpoAnswer: gpoAnswerHex(ctx) } : {}),
    };
    await deps.torn.save(record);
    ctx.note(`interrupted purchase kept for recovery (${state === 'answered' ? 'offline approval received' : 'no answer to GPO'})`);
  }
  return buildResult(ctx, 'qpboc', 'TERMINATED', { reason: reason('CARD_REMOVED', err.message), ...appExtras(app) });
}

/** The GPO answer (77 template) as the trace recorded it. */
function gpoAnswerHex(ctx: KernelContext): string {
  const entry = [...ctx.channel.trace].reverse().find((t) => t.step === 'initiate application processing');
  return entry ? entry.response.slice(0, -4) : '';
}

/** Recovery of a torn purchase (torn-transaction.ts); undefined when there is nothing to recover. */
async function recoverTorn(ctx: KernelContext, deps: QpbocDeps, app: SelectedApplication): Promise<KernelResult | undefined> {
  const store = deps.torn;
  const torn = store ? await store.load() : undefined;
  if (!store || !torn) return undefined;
  if (!tornIsFresh(torn, ctx.now, ctx.config.contactless.tornLifetimeSeconds)) {
    await store.clear();
    ctx.note(`interrupted purchase ${torn.transactionId} dropped (older than ${ctx.config.contactless.tornLifetimeSeconds} s)`);
    return undefined;
  }
  if (torn.aid !== toHex(app.aid) || torn.amount !== ctx.amount || torn.currency !== ctx.config.currencyCode) {
    ctx.note(`interrupted purchase ${torn.transactionId} is for another application or amount: kept`);
    return undefined;
  }
  return torn.gpoAnswer ? recoverAnswered(ctx, deps, store, app, torn) : checkDebited(ctx, store, torn);
}

/** The torn GPO answered a TC: complete it from the records, without a second GPO. */
async function recoverAnswered(ctx: KernelContext, deps: QpbocDeps, store: TornTransactionStore, app: SelectedApplication, torn: TornTransaction): Promise<KernelResult | undefined> {
  const rctx = new KernelContext(deps, ctx.channel.transport, { ...ctx.request, transactionId: torn.transactionId }, ctx.channel);
  rctx.notes.push(...ctx.notes);
  for (const [tag, hex] of Object.entries(torn.terminal)) rctx.data.setTerminal(tag, fromHex(hex));
  rctx.freezeCovered(Object.keys(torn.terminal));
  let afl;
  try {
    const [answer] = parseCardTlv(fromHex(torn.gpoAnswer!), 'kept GPO answer', { expect: '77' });
    rctx.data.addCardNodes(answer!.children ?? [], 'kept GPO answer', 'answer');
    afl = parseAfl(rctx.data.card('94') ?? new Uint8Array(0));
    qpbocCryptogram(rctx);
  } catch (err) {
    if (!(err instanceof KernelStop)) throw err;
    await store.clear();
    throw stop('TERMINATED', 'TORN_NOT_RECOVERED', `the kept answer is not usable: ${err.reason.detail ?? err.reason.en}`);
  }
  const tornPan = cardPan(rctx).pan;
  let staticData: Uint8Array | undefined;
  try {
    staticData = (await readApplicationData(rctx, afl, rctx.data.card('82') ?? new Uint8Array(2), OFFLINE_MANDATORY_DATA)).staticData;
  } catch (err) {
    // the card was debited (the TC came back): never run a second purchase that would debit it again
    if (!(err instanceof KernelStop)) throw err;
    throw stop('TERMINATED', 'TORN_NOT_RECOVERED', `interrupted purchase ${torn.transactionId}: the records cannot be read without a GPO (${err.reason.detail ?? err.reason.en}); kept until it expires`);
  }
  const pan = compressedDigits(rctx.data.card('5A') ?? new Uint8Array(0));
  if (!pan || pan !== tornPan) {
    ctx.note(`interrupted purchase ${torn.transactionId} was made with another card: kept`);
    return undefined;
  }
  await store.clear();
  rctx.note(`interrupted purchase ${torn.transactionId} recovered: the card's offline approval of ${torn.savedAt} is completed without a new debit`);
  try {
    return await offlineDecision(rctx, app, staticData);
  } catch (err) {
    if (err instanceof KernelStop) return buildResult(rctx, 'qpboc', err.outcome, { reason: err.reason, ...appExtras(app) });
    throw err;
  }
}

/** The torn GPO got no answer: was the card debited? (its newest log record and ATC). */
async function checkDebited(ctx: KernelContext, store: TornTransactionStore, torn: TornTransaction): Promise<undefined> {
  const step = 'recovery of an interrupted purchase';
  await store.clear();
  const logEntry = ctx.data.card('9F4D');
  if (!logEntry || logEntry.length !== 2 || logEntry[0]! < 1 || logEntry[0]! > 30) {
    ctx.note(`interrupted purchase ${torn.transactionId}: the card has no transaction log; cannot tell whether it was debited`);
    return undefined;
  }
  const format = await ctx.channel.exchange(step, CommandApdu.of({ cla: 0x80, ins: 0xca, p1: 0x9f, p2: 0x4f, ne: 256 }));
  const atcAnswer = await ctx.channel.exchange(step, CommandApdu.of({ cla: 0x80, ins: 0xca, p1: 0x9f, p2: 0x36, ne: 256 }));
  const log = await ctx.channel.exchange(step, CommandApdu.of({ cla: 0x00, ins: 0xb2, p1: 0x01, p2: (logEntry[0]! << 3) | 0x04, ne: 256 }));
  if (!format.ok || !atcAnswer.ok || !log.ok) {
    ctx.note(`interrupted purchase ${torn.transactionId}: not debited (no log record) or cannot tell`);
    return undefined;
  }
  let fields: Record<string, string>;
  try {
    const [fmt] = parseCardTlv(format.data, 'log format', { expect: '9F4F' });
    fields = parseDolData(cardDol(fmt!.value, 'log format'), log.data);
  } catch (err) {
    if (err instanceof KernelStop || err instanceof RangeError) {
      ctx.note(`interrupted purchase ${torn.transactionId}: the log record does not decode; cannot tell`);
      return undefined;
    }
    throw err;
  }
  const atc = toHex(atcAnswer.data).slice(6);
  const same = ['9F02', '5F2A', '9A', '9C'].every((t) => fields[t] === undefined || fields[t] === torn.terminal[t]) && fields['9F02'] !== undefined;
  const debited = same && (fields['9F36'] === undefined || fields['9F36'] === atc);
  if (!debited) {
    ctx.note(`interrupted purchase ${torn.transactionId}: the card was not debited; the purchase runs again`);
    return undefined;
  }
  throw stop(
    'TERMINATED',
    'TORN_NOT_RECOVERED',
    `the card was debited ${torn.amount} fen by the interrupted purchase ${torn.transactionId} (ATC ${Number.parseInt(atc, 16)}) but its cryptogram was lost: no second debit; settle with the issuer`,
  );
}
