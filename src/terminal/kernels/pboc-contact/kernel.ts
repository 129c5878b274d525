/**
 * The PBOC 3.0 contact kernel (EMV 4.3 Book 3 §10 as JR/T 0025.5/.6 apply it, SM algorithms): the steps
 * of src/terminal/kernels/steps in the order of Book 3 §10 —
 *
 * application selection → initiate application processing → read application data → offline data
 * authentication → processing restrictions → cardholder verification → terminal risk management →
 * terminal action analysis → first GENERATE AC (card action analysis) → online processing with the
 * issuer, issuer authentication, scripts 71 → second GENERATE AC (completion) → scripts 72 → completion
 * (or clearing of an offline approval) at the issuer.
 *
 * Outcomes (outcome.ts): a wrong card answer ends in `TERMINATED` with its reason; a transport failure is
 * thrown. An approval the issuer gave and the card could not finish is reversed at the issuer before the
 * failure is passed on, so that nothing stays posted that the card did not accept.
 */
import { toHex } from '../../../apdu/bytes.js';
import type { Transport } from '../../../apdu/transport.js';
import type { AuthorisationResponse } from '../../hosts/issuer/issuer-port.js';
import { KernelStop } from '../card-channel.js';
import { checkRequest, KernelContext, type KernelDeps, type PaymentRequest } from '../context.js';
import { clearOffline } from '../steps/clearing.js';
import { reason, type KernelResult } from '../outcome.js';
import { buildResult, type ResultExtras } from '../result.js';
import { buildContactCandidates, type SelectedApplication } from '../steps/application-selection.js';
import { cardActionAnalysis } from '../steps/card-action-analysis.js';
import { cardholderVerification } from '../steps/cardholder-verification.js';
import { completion, defaultAction } from '../steps/completion.js';
import { initiateApplicationProcessing, type ProcessingOptions } from '../steps/initiate-application-processing.js';
import { issuerScriptProcessing } from '../steps/issuer-script-processing.js';
import { offlineDataAuthentication } from '../steps/offline-data-authentication.js';
import { COMPLETION_TAGS, iccData, issuerAuthentication, issuerAuthenticationResult, onlineAuthorisation } from '../steps/online-processing.js';
import { readEcBalance } from '../steps/ec-balance.js';
import { processingRestrictions } from '../steps/processing-restrictions.js';
import { readApplicationData } from '../steps/read-application-data.js';
import { terminalActionAnalysis, matchingBits } from '../steps/terminal-action-analysis.js';
import { terminalRiskManagement } from '../steps/terminal-risk-management.js';

/** What the run knows about the issuer's side, for reversal and completion when something fails. */
interface HostState {
  approvedOnline: boolean;
  /** The card's final cryptogram type after GENERATE AC 2. */
  cardFinal?: 'TC' | 'AAC' | 'ARQC';
  completed: boolean;
}

/** Runs a contact PBOC purchase on a connected card. */
export async function runPbocContact(transport: Transport, request: PaymentRequest, deps: KernelDeps): Promise<KernelResult> {
  checkRequest(request);
  const ctx = new KernelContext(deps, transport, request);
  const host: HostState = { approvedOnline: false, completed: false };
  const selected: { app?: SelectedApplication } = {};
  try {
    return await contactFlow(ctx, host, selected);
  } catch (err) {
    await settleWithHost(ctx, host, err instanceof KernelStop ? err.reason.en : (err as Error).message);
    if (err instanceof KernelStop) {
      return buildResult(ctx, 'pboc-contact', err.outcome, { reason: err.reason, ...appExtras(selected.app) });
    }
    throw err;
  }
}

function appExtras(app: SelectedApplication | undefined): ResultExtras {
  return app ? { aid: app.aid, ...(app.label ? { label: app.label } : {}) } : {};
}

/**
 * After a failure: an issuer approval the card never finished is reversed; one the card did finish
 * (GENERATE AC 2 answered) is completed with what is known. Failures of the host here are noted, not
 * thrown (the original failure is what the caller must see).
 */
async function settleWithHost(ctx: KernelContext, host: HostState, why: string): Promise<void> {
  const issuer = ctx.deps.issuer;
  if (!issuer || !host.approvedOnline || host.completed) return;
  try {
    if (host.cardFinal) {
      await issuer.complete({ transactionId: ctx.transactionId, cardApproved: host.cardFinal === 'TC', iccData: iccData(ctx, COMPLETION_TAGS, false) });
      ctx.note('completion sent to the issuer after a failure following the second GENERATE AC');
    } else {
      await issuer.reverse(ctx.transactionId, why);
      ctx.note(`authorisation reversed at the issuer: ${why}`);
    }
    host.completed = true;
  } catch (err) {
    ctx.note(`the issuer could not be told (${(err as Error).message}): transaction ${ctx.transactionId} needs a manual reversal`);
  }
}

async function selectAndInitiate(ctx: KernelContext, selected: { app?: SelectedApplication }): Promise<{ app: SelectedApplication; gpo: ProcessingOptions }> {
  const candidates = await buildContactCandidates(ctx);
  for (;;) {
    const app = await candidates.selectNext(ctx);
    selected.app = app;
    const gpo = await initiateApplicationProcessing(ctx, app.pdol, { aflRequired: true });
    if (gpo) return { app, gpo };
    ctx.note(`GET PROCESSING OPTIONS answered 6985 for ${toHex(app.aid)}: next application`);
  }
}

async function contactFlow(ctx: KernelContext, host: HostState, selected: { app?: SelectedApplication }): Promise<KernelResult> {
  const { app, gpo } = await selectAndInitiate(ctx, selected);
  const aip = gpo.aip;
  const appData = await readApplicationData(ctx, gpo.afl, aip);
  await offlineDataAuthentication(ctx, { aid: app.aid, aip, staticData: appData.staticData, ...(appData.staticDataProblem ? { staticDataProblem: appData.staticDataProblem } : {}) });
  processingRestrictions(ctx);
  await cardholderVerification(ctx, aip);
  await terminalRiskManagement(ctx, aip);
  const requested = terminalActionAnalysis(ctx);
  const extras = appExtras(app);
  // the issuer needs the card's EC balance with an online request (JR/T 0025.13; docs/pboc-kernels.md)
  if (requested !== 'AAC') await readEcBalance(ctx, 'EC balance (before GENERATE AC)');
  const gac1 = await cardActionAnalysis(ctx, requested);

  if (gac1.type === 'AAC') {
    const why =
      requested === 'AAC'
        ? reason('DECLINED_BY_TERMINAL', matchingBits(ctx, ctx.config.onlineCapable ? 'denial' : 'default').join('; ') || 'action codes')
        : reason('DECLINED_BY_CARD', `the card answered AAC to a ${requested} request`);
    return buildResult(ctx, 'pboc-contact', 'DECLINED', { ...extras, reason: why });
  }
  if (gac1.type === 'TC') {
    const clearing = await clearOffline(ctx);
    return buildResult(ctx, 'pboc-contact', 'APPROVED', { ...extras, approvedBy: 'offline', ...(clearing ? { clearing } : {}) });
  }

  // ARQC: online processing (§10.9)
  const online = await onlineAuthorisation(ctx, 'contact');
  let response: AuthorisationResponse | undefined;
  let requested2: 'TC' | 'AAC';
  let mode: Awaited<ReturnType<typeof issuerAuthentication>> = 'none';
  if (online.kind === 'unable') {
    ctx.note(`unable to go online: ${online.why}`);
    requested2 = defaultAction(ctx) === 'TC' ? 'TC' : 'AAC';
  } else {
    response = online.response;
    host.approvedOnline = response.approved;
    mode = await issuerAuthentication(ctx, aip, response);
    await issuerScriptProcessing(ctx, response.issuerScripts, '71');
    requested2 = response.approved ? 'TC' : 'AAC';
  }
  let gac2: Awaited<ReturnType<typeof completion>>;
  try {
    gac2 = await completion(ctx, requested2);
  } catch (err) {
    // after the issuer declined, a card that refuses the second GENERATE AC (e.g. blocked by a script of
    // template 71) leaves the transaction declined — by the issuer
    if (!(err instanceof KernelStop) || !response || response.approved) throw err;
    ctx.note(`second GENERATE AC: ${err.reason.detail ?? err.reason.en}`);
    if (ctx.deps.issuer && ctx.scripts.length > 0) {
      await ctx.deps.issuer.complete({ transactionId: ctx.transactionId, cardApproved: false, iccData: iccData(ctx, COMPLETION_TAGS, false) });
    }
    return buildResult(ctx, 'pboc-contact', 'DECLINED', { ...extras, reason: reason('DECLINED_BY_ISSUER', `${response.responseCode}: ${response.reason}; the card then refused the second GENERATE AC`) });
  }
  host.cardFinal = gac2.type;
  if (mode === 'cdol2') issuerAuthenticationResult(ctx);
  if (response) await issuerScriptProcessing(ctx, response.issuerScripts, '72');
  const ecBalance = await ecBalanceAfterScripts(ctx);
  // completion: for an approval (posting or release), and for a decline that carried scripts (their results)
  if (response && ctx.deps.issuer && (response.approved || ctx.scripts.length > 0)) {
    await ctx.deps.issuer.complete({ transactionId: ctx.transactionId, cardApproved: gac2.type === 'TC', iccData: iccData(ctx, COMPLETION_TAGS, false) });
    host.completed = true;
  }
  const more: ResultExtras = { ...extras, ...(ecBalance !== undefined ? { ecBalance } : {}) };
  if (gac2.type === 'TC') {
    if (!response) {
      const clearing = await clearOffline(ctx);
      return buildResult(ctx, 'pboc-contact', 'APPROVED', { ...more, approvedBy: 'offline', ...(clearing ? { clearing } : {}) });
    }
    return buildResult(ctx, 'pboc-contact', 'APPROVED', { ...more, approvedBy: 'online' });
  }
  let why;
  const unableWhy = online.kind === 'unable' ? online.why : '';
  if (!response && requested2 === 'TC') why = reason('DECLINED_BY_CARD', `unable to go online (${unableWhy}); the card declined offline (AAC)`);
  else if (!response) why = reason('UNABLE_TO_GO_ONLINE', `${unableWhy}; the default action codes decline`);
  else if (!response.approved) why = reason('DECLINED_BY_ISSUER', `${response.responseCode}: ${response.reason}`);
  else if (ctx.tvr.has('issuerAuthenticationFailed')) why = reason('ISSUER_AUTHENTICATION_FAILED');
  else why = reason('DECLINED_BY_CARD', 'the card answered AAC to the second GENERATE AC');
  return buildResult(ctx, 'pboc-contact', 'DECLINED', { ...more, reason: why });
}

/** When a script of this transaction wrote the EC balance (PUT DATA 9F79), the new balance by GET DATA. */
async function ecBalanceAfterScripts(ctx: KernelContext): Promise<number | undefined> {
  const loaded = ctx.scripts.some((s) => s.commands.some((c) => c.command.startsWith('04DA9F79') && c.sw === '9000'));
  return loaded ? readEcBalance(ctx, 'EC balance (after scripts)') : undefined;
}
