/**
 * Properties of the issuer host:
 * 1. whatever a terminal puts in field 55 (bytes of a real ARQC's field 55 flipped, cut, inserted),
 *    `authorise` answers — it never throws — with a known response code, and never approves when a
 *    value the cryptogram covers was changed;
 * 2. over random sequences of operations on a real card (online purchases completed or reversed,
 *    repeats, deposits, EC loads, offline EC purchases cleared, PIN tries), the account balance is the
 *    sum of its ledger, the EC ledger the sum of its EC movements, the available balance the balance less
 *    what is held, and — once no load is pending — the EC ledger equals the card's own 9F79.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesEqual, concat, toHex } from '../../../../src/apdu/bytes.js';
import { tlv } from '../../../../src/apdu/tlv/ber-tlv.js';
import { fixedClock, seededRandom } from '../../../../src/env.js';
import { Field55, Field55Error } from '../../../../src/terminal/hosts/issuer/field55.js';
import { IssuerHost } from '../../../../src/terminal/hosts/issuer/issuer-host.js';
import { MemoryIssuerStorage } from '../../../../src/terminal/hosts/issuer/memory-storage.js';
import { SqliteIssuerStorage } from '../../../../src/terminal/hosts/issuer/sqlite-storage.js';
import { completionData, NOW, personalisedCard, profileJson } from './helpers/card.js';

const CODES = ['00', '05', '13', '14', '30', '51', '55', '62', '75', '78', '94'];
const COVERED = ['9F02', '9F03', '9F1A', '95', '5F2A', '9A', '9C', '9F37', '82', '9F36', '9F26'];

describe('issuer host properties', () => {
  it('a mutated field 55 is always answered, never approved when a covered value changed', async () => {
    const card = personalisedCard(profileJson('shanghai'), 31);
    card.terminal.startContact({ amount: 4321 });
    const gac1 = card.terminal.gac1({ amount: 4321 });
    const original = card.terminal.field55(gac1, [tlv('9F79', card.terminal.getData('9F79'))]);
    const base = { pan: card.pan, panSequence: card.psn, amount: 4321, otherAmount: 0, currency: '0156', transactionType: 0, channel: 'contact' as const };
    const coveredOf = (bytes: Uint8Array) => {
      const f = Field55.decode(bytes);
      const iad = f.get('9F10');
      return [...COVERED.map((t) => f.get(t)), iad?.subarray(3, 7)];
    };
    const reference = coveredOf(original);
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(original.length - 1), mask: fc.integer({ min: 1, max: 255 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat(original.length - 1) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(original.length), bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }) }),
    );
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        let bytes: Uint8Array = Uint8Array.from(original);
        for (const m of mutations) {
          const at = Math.min(m.at, bytes.length);
          if (m.kind === 'flip' && at < bytes.length) bytes[at]! ^= m.mask;
          if (m.kind === 'cut') bytes = bytes.subarray(0, at);
          if (m.kind === 'insert') bytes = concat(bytes.subarray(0, at), m.bytes, bytes.subarray(at));
        }
        const host = new IssuerHost({ storage: new SqliteIssuerStorage({ memory: true }), keyring: card.keyring, clock: fixedClock(NOW), random: seededRandom(1) });
        await host.openAccount({ pan: card.pan, balance: 100_000, pin: null });
        const r = await host.authorise({ ...base, transactionId: `m-${++n}`, iccData: bytes });
        expect(CODES).toContain(r.responseCode);
        if (r.approved) {
          let covered: (Uint8Array | undefined)[] = [];
          try {
            covered = coveredOf(bytes);
          } catch (err) {
            if (!(err instanceof Field55Error)) throw err;
            throw new Error(`approved an unreadable field 55 ${toHex(bytes)}`);
          }
          covered.forEach((v, i) => expect(v && bytesEqual(v, reference[i]!), `covered value ${i} changed but approved`).toBe(true));
        }
        await host.close();
      }),
      { numRuns: 300, examples: [[[{ kind: 'flip', at: 72, mask: 1 }]]] }, // 9F1A's tag turned into 9F1B: found by this property once
    );
  });

  it('a mutated clearing or completion is always answered: a clearing accepted only with what its TC covers intact, a completion without a verifying TC never posted', async () => {
    const card = personalisedCard(profileJson('shanghai'), 32);
    const tc = card.terminal.qpboc({ amount: 1500 });
    const clearingData = card.terminal.field55(tc);
    card.terminal.startContact({ amount: 900 });
    const gac1 = card.terminal.gac1({ amount: 900 });
    const authData = card.terminal.field55(gac1);
    const bytesOf = (m: { at: number; mask: number; cut: boolean }, original: Uint8Array) => {
      const b = Uint8Array.from(original);
      const at = m.at % b.length;
      if (m.cut) return b.subarray(0, at);
      b[at]! ^= m.mask;
      return b;
    };
    const mutation = fc.record({ at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }), cut: fc.boolean() });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(mutation, mutation, async (mc, mp) => {
        const host = new IssuerHost({ storage: new MemoryIssuerStorage(), keyring: card.keyring, clock: fixedClock(NOW), random: seededRandom(1) });
        await host.openAccount({ pan: card.pan, balance: 100_000, ecBalance: 3000, pin: null });
        const cleared = await host.clearOffline({ transactionId: `c-${++n}`, pan: card.pan, panSequence: card.psn, amount: 1500, currency: '0156', channel: 'contactless', iccData: bytesOf(mc, clearingData) });
        if (cleared.accepted) {
          // accepted: what the TC and the EC balance MAC cover is untouched
          const f = Field55.decode(bytesOf(mc, clearingData));
          const g = Field55.decode(clearingData);
          for (const t of COVERED) expect(toHex(f.get(t)!)).toBe(toHex(g.get(t)!));
          expect(toHex(f.get('9F10')!.subarray(3, 7))).toBe(toHex(g.get('9F10')!.subarray(3, 7)));
          expect(toHex(f.get('9F10')!.subarray(8))).toBe(toHex(g.get('9F10')!.subarray(8)));
        } else expect(cleared.reason).toMatch(/^rejected: /);
        const r = await host.authorise({ transactionId: `a-${n}`, pan: card.pan, panSequence: card.psn, amount: 900, otherAmount: 0, currency: '0156', transactionType: 0, channel: 'contact', iccData: authData });
        expect(r.responseCode).toBe('00');
        // a completion whose data is mangled: answered (posted only with a verifying TC, which this is not)
        await host.complete({ transactionId: `a-${n}`, cardApproved: true, iccData: bytesOf(mp, concat(tlv('9F26', gac1.ac), tlv('9F27', Uint8Array.of(0x40)), tlv('9F10', gac1.iad), tlv('9F36', gac1.atc))) });
        expect((await host.transaction(`a-${n}`))!.status).toBe('rejected');
      }),
      { numRuns: 200 },
    );
  });

  it('the balances are always the sums of the ledger; the EC ledger follows the card', async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('purchase' as const), amount: fc.integer({ min: 1, max: 4000 }), end: fc.constantFrom('complete', 'reverse', 'repeat-complete', 'decline-at-card') }),
      fc.record({ kind: fc.constant('deposit' as const), amount: fc.integer({ min: 1, max: 5000 }) }),
      fc.record({ kind: fc.constant('load' as const), amount: fc.integer({ min: 1, max: 3000 }) }),
      fc.record({ kind: fc.constant('offline' as const), amount: fc.integer({ min: 1, max: 2000 }) }),
      fc.record({ kind: fc.constant('wrong-pin' as const) }),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 8 }), async (ops) => {
        run += 1;
        const card = personalisedCard(profileJson('shanghai', { ec: { balance: 2000 } }), 40 + run);
        const host = new IssuerHost({ storage: new MemoryIssuerStorage(), keyring: card.keyring, clock: fixedClock(NOW), random: seededRandom(run) });
        await host.openAccount({ pan: card.pan, balance: 20_000, ecBalance: 2000, pin: '123456' });
        let id = 0;
        for (const o of ops) {
          if (o.kind === 'deposit') await host.deposit(card.pan, o.amount);
          else if (o.kind === 'load') {
            const a = (await host.account(card.pan))!;
            if (o.amount <= a.available && a.ecBalance + a.pendingEcLoads + o.amount <= a.ecBalanceLimit) await host.queueScript(card.pan, { kind: 'ec-load', amount: o.amount });
          } else if (o.kind === 'offline') {
            const tc = card.terminal.qpboc({ amount: o.amount });
            if (tc.cid === 0x40) {
              const r = await host.clearOffline({ transactionId: `o-${++id}`, pan: card.pan, panSequence: card.psn, amount: o.amount, currency: '0156', channel: 'contactless', iccData: card.terminal.field55(tc) });
              expect(r.accepted).toBe(true);
            }
          } else {
            card.terminal.startContact({ amount: o.kind === 'purchase' ? o.amount : 1 });
            const ec = card.terminal.getData('9F79');
            const amount = o.kind === 'purchase' ? o.amount : 1;
            const gac1 = card.terminal.gac1({ amount });
            const req = {
              transactionId: `t-${++id}`,
              pan: card.pan,
              panSequence: card.psn,
              amount,
              otherAmount: 0,
              currency: '0156',
              transactionType: 0,
              channel: 'contact' as const,
              iccData: card.terminal.field55(gac1, [tlv('9F79', ec)]),
              ...(o.kind === 'wrong-pin' ? { onlinePin: '000000' } : {}),
            };
            const r = await host.authorise(req);
            expect(card.terminal.externalAuthenticate(r.arpc!, r.authorisationResponseCode)).toBe(0x9000);
            const end = o.kind === 'purchase' ? o.end : 'complete';
            const gac2 = card.terminal.gac2(toHex(r.authorisationResponseCode), { request: end === 'decline-at-card' ? 'AAC' : 'TC' });
            const ran = card.terminal.runScripts(r.issuerScripts, '72');
            if (end === 'reverse') await host.reverse(req.transactionId, 'test');
            else {
              const completion = { transactionId: req.transactionId, cardApproved: gac2.cid === 0x40, iccData: completionData(gac2, ran.results) };
              await host.complete(completion);
              if (end === 'repeat-complete') {
                expect(await host.authorise(req)).toEqual(r);
                await host.complete(completion);
              }
            }
          }
          const s = await host.statement(card.pan, 1000);
          const sum = (f: (e: (typeof s.ledger)[number]) => number) => s.ledger.reduce((n, e) => n + f(e), 0);
          expect(s.account.balance).toBe(sum((e) => e.accountDelta));
          expect(s.account.ecBalance).toBe(sum((e) => e.ecDelta));
          expect(s.account.available).toBe(s.account.balance - s.account.held - s.account.pendingEcLoads);
          expect(s.account.ecBalance).toBeLessThanOrEqual(s.account.ecBalanceLimit);
          const sent = s.scripts.filter((x) => x.status === 'sent');
          if (sent.length === 0 && o.kind !== 'load') {
            // every load the card executed was confirmed: the bank's EC ledger is the card's balance
            const loadsWaiting = s.scripts.some((x) => x.status === 'queued' && x.command.kind === 'ec-load' && x.attempts > 0);
            if (!loadsWaiting) expect(Number(toHex(card.terminal.getData('9F79')))).toBe(s.account.ecBalance);
          }
        }
      }),
      { numRuns: 25 },
    );
  });
});
