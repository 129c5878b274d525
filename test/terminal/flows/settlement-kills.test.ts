/**
 * A terminal killed between the two parts of a settlement: a child process (helpers/settle-child.ts)
 * runs the settlement over a state directory and is SIGKILLed at a chosen point — a journal write, the
 * return of a centre or issuer call whose answer the flow never sees, a card answer; a new process
 * then recovers, and the visit is complete or reversed, never half: every balance (the centre's person,
 * year, ledger; the bank; the card's own account) is the initial one less exactly what settled visits
 * charged (helpers/kill-scenarios.ts). Then the same bill settles normally, once. 100 kills at random
 * points: `npm run fuzz -- settlement-kills`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bill, openWorld } from './helpers/world.js';
import { checkConsistent, recoverAndCheck, runChild, SCENARIOS, type ScenarioName } from './helpers/kill-scenarios.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function killed(scenario: ScenarioName, at: string) {
  const dir = mkdtempSync(join(tmpdir(), `sscard-kill-${scenario}-`));
  dirs.push(dir);
  await SCENARIOS[scenario].setup(dir);
  const run = await runChild(dir, scenario, at);
  expect(run.killedAt, `the child should have reached ${at}`).toBe(at.split('#')[0]);
  return { dir, after: await recoverAndCheck(dir, scenario) };
}

/** After recovery the same bill settles (once) in a new process; everything still adds up. */
async function settlesAgain(dir: string, scenario: ScenarioName, options: { offline?: boolean } = {}) {
  const w = await openWorld(dir);
  try {
    const r = await w.flow().settle({ ...w.presented(), bill: bill('outpatient'), ...(options.offline ? { offline: true } : {}) });
    expect(r.outcome).toBe('settled');
    await checkConsistent(w, scenario);
    expect(w.journal.list(100).filter((v) => v.state === 'settled')).toHaveLength(1);
  } finally {
    await w.close();
  }
}

describe('a settlement killed between its parts is completed or reversed at the restart', { timeout: 120_000 }, () => {
  it('killed after the write-ahead of 2207: reversed by 2601 (the centre never saw it, or cancels it)', async () => {
    const { dir, after } = await killed('contact', 'journal.settle:intent');
    expect(after.actions).toEqual(['reversed']);
    await settlesAgain(dir, 'contact');
  });

  it('killed after the centre charged (2207 answered, the answer lost): the medical part reversed', async () => {
    const { dir, after } = await killed('contact', 'centre.settleOutpatient');
    expect(after.actions).toEqual(['reversed']);
    expect(after.settled).toBe(0);
    await settlesAgain(dir, 'contact');
  });

  it('killed after the issuer approved (the amount held): the hold released and the medical part reversed', async () => {
    const { after } = await killed('contact', 'issuer.authorise');
    expect(after.actions).toEqual(['reversed']);
  });

  it('killed after the issuer posted (the journal does not know): the bank reversal credits it back; reversed', async () => {
    const { after } = await killed('contact', 'issuer.complete');
    expect(after.actions).toEqual(['reversed']);
  });

  it('killed after the bank part was journaled approved: completed (the receipt made, the card-management port told)', async () => {
    const { after } = await killed('contact', 'journal.bank:done');
    expect(after).toMatchObject({ settled: 1, actions: ['completed'] });
  });

  it('killed during the reversal after the bank declined: the reversal finished', async () => {
    const { after } = await killed('declined', 'centre.cancelOutpatient');
    expect(after).toMatchObject({ settled: 0, actions: ['reversed'] });
  });

  it('killed between the cancel at the centre and the bank reversal: the cancel finished', async () => {
    const { after } = await killed('cancel', 'journal.cancel:done');
    expect(after).toMatchObject({ settled: 0, actions: ['cancelled'] });
  });

  it('offline, killed after the card debited (its answer lost): the card presented again shows the debit; completed', async () => {
    const { after } = await killed('offline', 'card.DEBIT');
    expect(after).toMatchObject({ settled: 1, actions: ['completed'] });
  });
});
