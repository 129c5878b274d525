/**
 * The scenarios of the kill tests and the kill fuzz, and the check that follows a kill: after a
 * restart and `recover`, every visit of the journal is complete or reversed — never half — and every
 * balance (the centre's person, year-to-date figures and ledger, the bank's account, the card's own
 * medical account) is the initial one less exactly what the settled visits charged.
 *
 * Expected values: the initial balances set up here, and the split of the outpatient bill computed by
 * hand (see hospital-settlement.test.ts: fund 108.46, account 10.00, cash 9.14 with the deductible met;
 * offline 50.00 from the card and 77.60 cash).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { HospitalSettlement, PresentedCard } from '../../../../src/terminal/flows/hospital-settlement.js';
import { bill, makeWorld, openWorld, type World } from './world.js';

export type ScenarioName = 'contact' | 'contactless' | 'declined' | 'cancel' | 'offline';

export interface Scenario {
  /** What the child process does. */
  run(flow: HospitalSettlement, card: PresentedCard): Promise<string>;
  /** Makes the state directory (before the child runs). */
  setup(dir: string): Promise<void>;
  /** Whether the kill-free run ends settled (the cash part charged once) or with nothing charged. */
  settles: boolean;
  /** The card's own account pays (offline). */
  offline?: boolean;
}

/** Initial balances (fen). */
export const INITIAL = { account: 1_000, dedcPaid: 150_000, bank: 100_000, cardAccount: 5_000 } as const;
/** The outpatient bill's split by hand (deductible met; account 10.00). */
export const ONLINE_SPLIT = { fund: 10_846, acct: 1_000, cash: 914, medfee: 12_760 } as const;
/** Offline (deductible taken as unpaid; the card holds 50.00). */
export const OFFLINE_SPLIT = { acct: 5_000, cash: 7_760 } as const;

async function made(dir: string, extra: Parameters<typeof makeWorld>[0] = {}): Promise<World> {
  return makeWorld({ stateDir: dir, accountBalance: INITIAL.account, dedcPaid: INITIAL.dedcPaid, bankBalance: INITIAL.bank, ...extra });
}

export const SCENARIOS: Readonly<Record<ScenarioName, Scenario>> = {
  contact: {
    settles: true,
    async setup(dir) {
      await (await made(dir)).close();
    },
    run: async (flow, card) => (await flow.settle({ ...card, bill: bill('outpatient') })).outcome,
  },
  contactless: {
    settles: true,
    async setup(dir) {
      await (await made(dir)).close();
    },
    run: async (flow, card) => (await flow.settle({ ...card, bill: bill('outpatient'), contactless: true })).outcome,
  },
  declined: {
    settles: false,
    async setup(dir) {
      const w = await made(dir);
      await w.issuer.setAccountStatus(w.pan, 'blocked');
      await w.close();
    },
    run: async (flow, card) => (await flow.settle({ ...card, bill: bill('outpatient') })).outcome,
  },
  cancel: {
    settles: false,
    async setup(dir) {
      const w = await made(dir);
      const r = await w.flow().settle({ ...w.presented(), bill: bill('outpatient') });
      if (r.outcome !== 'settled') throw new Error(`cancel scenario: the settlement to cancel did not settle (${r.outcome})`);
      await w.close();
    },
    run: async (flow) => {
      // the settlement made at setup (a run after a kill may find it cancelled already: cancel answers the same)
      const made = flow.journal.list(100).find((v) => v.setlId && (v.state === 'settled' || v.state === 'cancelling' || v.state === 'cancelled'));
      return (await flow.cancel(made!.setlId!)).outcome;
    },
  },
  offline: {
    settles: true,
    offline: true,
    async setup(dir) {
      const w = await made(dir, {
        editCard: (image) => {
          (image.apps['ssse-medical'] as { balance: number }).balance = INITIAL.cardAccount;
        },
      });
      await w.close();
    },
    run: async (flow, card) => (await flow.settle({ ...card, bill: bill('outpatient'), offline: true })).outcome,
  },
};

const CHILD = fileURLToPath(new URL('./settle-child.ts', import.meta.url));

/** What a child run did. */
export interface ChildRun {
  /** The point it was killed at (`PAUSED n point`), or undefined when it ran to the end. */
  killedAt?: string;
  /** `DONE points outcome` of a run that ended. */
  done?: { points: number; outcome: string };
  /** With `pauseAt` 0: every point passed, in order (index 0 is point 1). */
  points: string[];
  stderr: string;
}

/**
 * Runs the child until it pauses at `pauseAt` — the n-th point, or a point by name (`issuer.complete`,
 * `card.GENERATE-AC#2`) — then SIGKILLs it (by its PID), or until it ends.
 */
export function runChild(dir: string, scenario: ScenarioName, pauseAt: number | string, timeoutMs = 60_000): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, scenario, String(pauseAt)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let killedAt: string | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child (${scenario}, point ${pauseAt}) did not pause or end in ${timeoutMs} ms; stderr: ${err.slice(-2000)}`));
    }, timeoutMs);
    child.stdout.on('data', (d) => {
      out += String(d);
      const m = /^PAUSED (\d+) (\S+)$/m.exec(out);
      if (m && !killedAt) {
        killedAt = m[2]!;
        child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (d) => (err += String(d)));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const points = [...out.matchAll(/^POINT \d+ (\S+)$/gm)].map((x) => x[1]!);
      if (killedAt) return signal === 'SIGKILL' ? resolve({ killedAt, points, stderr: err }) : reject(new Error(`child paused at ${killedAt} but exited ${code ?? signal}`));
      const m = /^DONE (\d+) (\S+)$/m.exec(out);
      if (code === 0 && m) return resolve({ done: { points: Number(m[1]), outcome: m[2]! }, points, stderr: err });
      reject(new Error(`child (${scenario}, point ${pauseAt}) exited ${code ?? signal}; stdout: ${out.slice(-1000)}; stderr: ${err.slice(-3000)}`));
    });
  });
}

/** The outcome of recovery and the check. */
export interface AfterKill {
  /** Visit states after recovery, by visit ID. */
  states: Record<string, string>;
  /** How many visits ended settled (or, for cancel, stayed settled). */
  settled: number;
  actions: string[];
}

/**
 * Restarts (a new world over the directory), runs `recover` with the card presented, and checks that
 * nothing is half-done: no open visit; each settled visit's parts present, each other visit's parts
 * absent or reversed; the balances the initial ones less what the settled visits charged.
 * @throws Error naming what is inconsistent
 */
export async function recoverAndCheck(dir: string, scenario: ScenarioName): Promise<AfterKill> {
  const w = await openWorld(dir);
  try {
    const flow = w.flow();
    const reports = await flow.recover({ card: w.presented() });
    const again = await flow.recover({ card: w.presented() });
    if (again.length) throw new Error(`a second recover still found work: ${JSON.stringify(again)}`);
    await checkConsistent(w, scenario);
    const visits = w.journal.list(100);
    return {
      states: Object.fromEntries(visits.map((v) => [v.visitId, v.state])),
      settled: visits.filter((v) => v.state === 'settled').length,
      actions: reports.map((r) => r.action),
    };
  } finally {
    await w.close();
  }
}

/** The consistency check of a world (see recoverAndCheck). */
export async function checkConsistent(w: World, scenario: ScenarioName): Promise<void> {
  const fail = (what: string): never => {
    throw new Error(`${scenario}: ${what}`);
  };
  const visits = w.journal.list(100);
  for (const v of visits) if (v.state === 'open' || v.state === 'cancelling') fail(`visit ${v.visitId} is still ${v.state} after recovery`);
  let acct = 0;
  let fund = 0;
  let cash = 0;
  let cardAcct = 0;
  for (const v of visits) {
    const settled = v.state === 'settled';
    // the centre: a settled online visit's settlement is valid; any other's is cancelled or absent
    const msg = w.centre.store.getMessage(`${v.visitId}S`);
    const setl = v.data.settlement?.setlinfo.setl_id ?? (msg && msg.reversed_by === null ? msg.subject : undefined);
    const record = setl ? w.centre.centre.settlement(setl) : undefined;
    if (v.mode === 'online') {
      if (settled) {
        if (record?.status !== 'settled') fail(`settled visit ${v.visitId}: the centre's settlement ${setl} is ${record?.status ?? 'missing'}`);
        acct += record!.acct_pay;
        fund += record!.hifp_pay;
      } else if (record && record.status === 'settled') fail(`${v.state} visit ${v.visitId}: the centre still holds settlement ${setl}`);
    }
    // the bank: a settled visit's approved transaction is posted with exactly the cash part; every other reference reversed or never charged
    const approved = settled && v.data.bank?.status === 'approved' ? v.data.bank.transactionId : undefined;
    for (const ref of v.data.bankRefs) {
      const t = await w.issuer.transaction(ref);
      if (ref === approved) {
        const expected = v.mode === 'online' ? v.data.settlement!.setlinfo.psn_cash_pay : v.data.offline!.split.psn_cash_pay;
        if (!t || t.status !== 'posted' || t.amount !== expected) return fail(`settled visit ${v.visitId}: bank transaction ${ref} is ${t?.status} ${t?.amount}, expected posted ${expected}`);
        cash += t.amount;
      } else if (t && (t.status === 'posted' || t.status === 'authorised')) fail(`${v.state} visit ${v.visitId}: bank transaction ${ref} is still ${t.status}`);
    }
    if (settled && v.mode === 'offline') cardAcct += v.data.debit!.account;
  }
  const view = w.centre.centre.personView(w.psnNo);
  if (view.person.balance !== INITIAL.account - acct) fail(`the person's account is ${view.person.balance}, expected ${INITIAL.account} − ${acct}`);
  if (view.annual.fund_paid !== fund) fail(`this year's fund paid is ${view.annual.fund_paid}, expected ${fund}`);
  if (view.annual.dedc_paid !== INITIAL.dedcPaid) fail(`this year's deductible paid is ${view.annual.dedc_paid}, expected ${INITIAL.dedcPaid}`);
  const ledger = w.centre.store.ledgerTotals();
  if (ledger.acct_pay !== acct || ledger.fund_pay_sumamt !== fund) fail(`the clearing ledger holds account ${ledger.acct_pay} / fund ${ledger.fund_pay_sumamt}, expected ${acct} / ${fund}`);
  const account = (await w.issuer.account(w.pan))!;
  if (account.balance !== INITIAL.bank - cash || account.held !== 0) fail(`the bank account is ${account.balance} (held ${account.held}), expected ${INITIAL.bank} − ${cash}, nothing held`);
  if (SCENARIOS[scenario].offline) {
    const card = (w.cardImage().apps['ssse-medical'] as { balance: number }).balance;
    if (card !== INITIAL.cardAccount - cardAcct) fail(`the card's own account is ${card}, expected ${INITIAL.cardAccount} − ${cardAcct}`);
  }
}
