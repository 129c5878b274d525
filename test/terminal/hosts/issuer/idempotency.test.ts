/**
 * Every request is keyed by its transaction ID: a repeat answers the first answer and posts nothing
 * twice; a reversal twice reverses once; a failure inside a unit of work leaves nothing half-posted —
 * at every write of the unit (a storage wrapper fails the n-th write), over both adapters.
 */
import { describe, expect, it } from 'vitest';
import { fixedClock, seededRandom } from '../../../../src/env.js';
import { IssuerHost, IssuerRequestError } from '../../../../src/terminal/hosts/issuer/issuer-host.js';
import type { IssuerStorage, IssuerStore } from '../../../../src/terminal/hosts/issuer/storage.js';
import { ADAPTERS, bank, type Bank } from './helpers/bank.js';
import { completionData, NOW } from './helpers/card.js';

/** Online purchase on the card up to GENERATE AC 2, with the scripts of the answer run; returns the completion. */
async function onlineToCompletion(b: Bank, amount: number) {
  const req = b.arqc(amount);
  const r = await b.host.authorise(req);
  b.terminal.externalAuthenticate(r.arpc!, r.authorisationResponseCode);
  const gac2 = b.terminal.gac2('3030');
  const run = b.terminal.runScripts(r.issuerScripts, '72');
  return { req, r, completion: { transactionId: req.transactionId, cardApproved: gac2.cid === 0x40, iccData: completionData(gac2, run.results) } };
}

async function snapshot(b: Bank) {
  const s = await b.host.statement(b.pan, 100);
  return { ...s, account: { ...s.account, updatedAt: '' } };
}

describe.each(ADAPTERS)('idempotency (%s)', (_name, storage) => {
  it('the same authorisation twice: one hold, the same answer; the completion twice: posted once', async () => {
    const b = await bank(storage());
    const req = b.arqc(2500);
    const first = await b.host.authorise(req);
    const second = await b.host.authorise(req);
    expect(second).toEqual(first);
    expect((await b.host.account(b.pan))!.held).toBe(2500);
    b.terminal.externalAuthenticate(first.arpc!, first.authorisationResponseCode);
    const gac2 = b.terminal.gac2('3030');
    const completion = { transactionId: req.transactionId, cardApproved: true, iccData: completionData(gac2) };
    await b.host.complete(completion);
    await b.host.complete(completion);
    const s = await b.host.statement(b.pan);
    expect(s.account).toMatchObject({ balance: 7500, held: 0, available: 7500 });
    expect(s.ledger.filter((e) => e.kind === 'purchase')).toHaveLength(1);
    // and a repeat after the completion still answers the first answer, posting nothing
    expect(await b.host.authorise(req)).toEqual(first);
    expect((await b.host.account(b.pan))!.balance).toBe(7500);
  });

  it('a reversal twice reverses once: a hold released, a posted amount credited back once', async () => {
    const b = await bank(storage());
    const held = await b.host.authorise(b.arqc(1000));
    await b.host.reverse(held.transactionId, 'card removed');
    await b.host.reverse(held.transactionId, 'card removed');
    expect((await b.host.account(b.pan))!).toMatchObject({ balance: 10_000, held: 0 });
    expect((await b.host.transaction(held.transactionId))!).toMatchObject({ status: 'reversed', reason: 'approved; reversed: card removed' });

    const { r, completion } = await onlineToCompletion(b, 2000);
    await b.host.complete(completion);
    expect((await b.host.account(b.pan))!.balance).toBe(8000);
    await b.host.reverse(r.transactionId, 'receipt printer failed');
    await b.host.reverse(r.transactionId, 'receipt printer failed');
    const s = await b.host.statement(b.pan);
    expect(s.account.balance).toBe(10_000);
    expect(s.ledger.filter((e) => e.kind === 'reversal').map((e) => e.accountDelta)).toEqual([2000]);
    // a completion after the reversal changes nothing
    await b.host.complete(completion);
    expect((await b.host.account(b.pan))!.balance).toBe(10_000);
  });

  it('a reversal that arrives before its authorisation: the late authorisation is answered 94 and holds nothing', async () => {
    const b = await bank(storage());
    const req = b.arqc(1000);
    await b.host.reverse(req.transactionId, 'time-out');
    const late = await b.host.authorise(req);
    expect([late.responseCode, late.reason]).toEqual(['94', `transaction ${req.transactionId} was reversed before its authorisation arrived`]);
    expect((await b.host.account(b.pan))!.held).toBe(0);
  });

  it('a reversed authorisation gives its scripts back to the queue; offline clearings are final', async () => {
    const b = await bank(storage());
    const load = await b.host.queueScript(b.pan, { kind: 'ec-load', amount: 1000 });
    const r = await b.host.authorise(b.arqc(100));
    expect(r.issuerScripts.length).toBeGreaterThan(0);
    expect((await b.host.statement(b.pan)).scripts[0]).toMatchObject({ id: load.id, status: 'sent', attempts: 1 });
    await b.host.reverse(r.transactionId, 'card removed before GENERATE AC 2');
    expect((await b.host.statement(b.pan)).scripts[0]).toMatchObject({ id: load.id, status: 'queued', attempts: 1 });
    expect((await b.host.account(b.pan))!).toMatchObject({ pendingEcLoads: 1000, ecBalance: 3000, balance: 10_000 });

    const tc = b.terminal.qpboc({ amount: 500 });
    const clearing = { transactionId: 'off-1', pan: b.pan, panSequence: b.psn, amount: 500, currency: '0156', channel: 'contactless' as const, iccData: b.terminal.field55(tc) };
    const first = await b.host.clearOffline(clearing);
    expect(first.accepted).toBe(true);
    expect(await b.host.clearOffline(clearing)).toEqual(first);
    expect((await b.host.statement(b.pan)).ledger.filter((e) => e.kind === 'ec-spend')).toHaveLength(1);
    expect(await b.host.clearOffline({ ...clearing, amount: 400 })).toEqual({ accepted: false, reason: 'transaction ID off-1 was already used for another request' });
    await expect(b.host.reverse('off-1', 'merchant')).rejects.toThrow(IssuerRequestError);
  });

  it('an EC load whose result never came back is sent again, and recognised as done when the card already holds it', async () => {
    const b = await bank(storage(), { balance: 50_000 });
    await b.host.queueScript(b.pan, { kind: 'ec-load', amount: 5000 });
    // first delivery: the card executes the load, but the completion carries no script results
    const req = b.arqc(100);
    const r = await b.host.authorise(req);
    b.terminal.externalAuthenticate(r.arpc!, r.authorisationResponseCode);
    const gac2 = b.terminal.gac2('3030');
    expect(b.terminal.runScripts(r.issuerScripts, '72').sws).toEqual([0x9000]);
    await b.host.complete({ transactionId: req.transactionId, cardApproved: true, iccData: completionData(gac2) });
    expect((await b.host.statement(b.pan)).scripts[0]).toMatchObject({ status: 'queued', note: 'no result came back; queued again' });
    // next online transaction: the card reports 80.00 = ledger 30.00 + the load: done, not loaded twice
    const again = await b.host.authorise(b.arqc(100));
    expect(again.issuerScripts).toHaveLength(0);
    const s = await b.host.statement(b.pan);
    expect(s.scripts[0]).toMatchObject({ status: 'done', note: 'done: the card already holds this load (earlier attempt)' });
    expect(s.account).toMatchObject({ ecBalance: 8000, pendingEcLoads: 0 });
    expect(Number(Buffer.from(b.terminal.getData('9F79')).toString('hex'))).toBe(8000);
  });
});

/** A storage whose n-th write inside a unit of work throws (a disk error half-way). */
function failingAt(inner: IssuerStorage, n: number): IssuerStorage & { writes: number } {
  const wrapper = {
    writes: 0,
    description: inner.description,
    close: () => inner.close(),
    transaction<T>(work: (store: IssuerStore) => Promise<T>): Promise<T> {
      return inner.transaction((store) => {
        const proxy = new Proxy(store, {
          get(target, prop: keyof IssuerStore) {
            const f = target[prop] as (...a: unknown[]) => Promise<unknown>;
            if (!/^(insert|update|append)/.test(String(prop))) return f;
            return async (...args: unknown[]) => {
              wrapper.writes += 1;
              if (wrapper.writes === n) throw new Error(`disk I/O error at write ${n}`);
              return f.apply(target, args);
            };
          },
        });
        return work(proxy);
      });
    },
  };
  return wrapper;
}

describe.each(ADAPTERS)('consistency after a failure inside a unit of work (%s)', (_name, storage) => {
  /**
   * For n = 1, 2, …: a fresh bank, `prepare` on it, then `step` on a host whose storage fails at its
   * n-th write — the bank must be exactly as before; then the step again on the working host, and
   * `check`. Ends when the step makes fewer than n writes; returns how many it makes.
   */
  async function everyFailurePoint<T>(
    prepare: (b: Bank) => Promise<T>,
    step: (host: IssuerHost, request: T) => Promise<unknown>,
    check: (b: Bank, request: T) => Promise<void>,
  ): Promise<number> {
    for (let n = 1; ; n++) {
      const inner = storage();
      const b = await bank(inner, { balance: 20_000 });
      const request = await prepare(b);
      const before = await snapshot(b);
      const broken = new IssuerHost({ storage: failingAt(inner, n), keyring: b.keyring, clock: fixedClock(NOW), random: seededRandom(9) });
      let failed = false;
      try {
        await step(broken, request);
      } catch (err) {
        expect((err as Error).message).toBe(`disk I/O error at write ${n}`);
        failed = true;
      }
      if (!failed) return n - 1;
      expect(await snapshot(b)).toEqual(before);
      await step(b.host, request);
      await check(b, request);
    }
  }

  it('authorisation with a queued EC load: at every failing write, nothing held, nothing sent; the retry goes through once', async () => {
    const writes = await everyFailurePoint(
      async (b) => {
        await b.host.queueScript(b.pan, { kind: 'ec-load', amount: 1000 });
        return b.arqc(1500);
      },
      (host, req) => host.authorise(req),
      async (b, req) => {
        const r = await b.host.authorise(req);
        expect(r.responseCode).toBe('00');
        expect(r.issuerScripts.length).toBeGreaterThan(0);
        expect((await b.host.account(b.pan))!).toMatchObject({ held: 1500, pendingEcLoads: 1000, available: 20_000 - 2500 });
        expect((await b.host.statement(b.pan)).scripts[0]).toMatchObject({ status: 'sent', attempts: 1 });
      },
    );
    expect(writes).toBeGreaterThanOrEqual(4);
  });

  it('completion posting a purchase and an EC load: at every failing write, nothing posted; the retry posts once', async () => {
    const writes = await everyFailurePoint(
      async (b) => {
        await b.host.queueScript(b.pan, { kind: 'ec-load', amount: 1000 });
        return (await onlineToCompletion(b, 1500)).completion;
      },
      (host, completion) => host.complete(completion),
      async (b, completion) => {
        await b.host.complete(completion);
        expect((await b.host.account(b.pan))!).toMatchObject({ balance: 20_000 - 1500 - 1000, ecBalance: 4000, held: 0, pendingEcLoads: 0 });
        expect((await b.host.statement(b.pan)).ledger.map((e) => e.kind)).toEqual(['purchase', 'ec-load', 'opening']);
      },
    );
    expect(writes).toBeGreaterThanOrEqual(4);
  });

  it('offline clearing: at every failing write, nothing cleared; the retry clears once', async () => {
    const writes = await everyFailurePoint(
      async (b) => {
        const tc = b.terminal.qpboc({ amount: 700 });
        return { transactionId: 'clear-1', pan: b.pan, panSequence: b.psn, amount: 700, currency: '0156', channel: 'contactless' as const, iccData: b.terminal.field55(tc) };
      },
      (host, clearing) => host.clearOffline(clearing),
      async (b, clearing) => {
        expect((await b.host.clearOffline(clearing)).accepted).toBe(true);
        expect((await b.host.account(b.pan))!.ecBalance).toBe(2300);
      },
    );
    expect(writes).toBeGreaterThanOrEqual(3);
  });
});
