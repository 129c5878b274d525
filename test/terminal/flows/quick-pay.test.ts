/**
 * The contactless quick payment over the in-process card and the real issuer host: an offline EC
 * purchase under the limits (cleared at the issuer: the card's EC balance and the bank's EC ledger
 * agree), an online one above the floor limit, "try another interface" above the contactless limit (and
 * the contact fallback), a card whose financial area the card-management port refuses. The limits are
 * the default terminal file's (docs/terminal-config.md): floor 500.00, CVM 300.00, transaction 1,000.00.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/env.js';
import { readCardAccountData } from '../../../src/terminal/hosts/issuer/card-account.js';
import { scriptedPinPad } from '../../../src/terminal/kernels/context.js';
import { quickPay, type QuickPayDeps } from '../../../src/terminal/flows/quick-pay.js';
import { makeWorld, PIN, type World } from './helpers/world.js';
import { TestCardStatus } from './helpers/card-status.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

let seed = 5;
/** Each payment its own random source (its transaction ID comes from it). */
function deps(w: World, extra: Partial<QuickPayDeps> = {}): QuickPayDeps {
  return { issuer: w.issuer, terminal: w.terminal, clock: w.clock, random: seededRandom(seed++), pinPad: scriptedPinPad([PIN]), ...extra };
}

/** The card's EC balance as the card says it (GET DATA 9F79, no transaction) and as the bank's ledger has it. */
async function ec(w: World) {
  const reader = w.reader();
  await reader.connect('contact');
  const card = (await readCardAccountData(reader)).ecBalance;
  await reader.disconnect();
  return { card, bank: (await w.issuer.account(w.pan))!.ecBalance };
}

describe('contactless quick payment', () => {
  it('8.00 at a canteen: an offline EC approval, cleared at the issuer; card and bank agree on the EC balance', async () => {
    world = await makeWorld({ ecBalance: 30_000 });
    const w = world;
    expect(await ec(w)).toEqual({ card: 30_000, bank: 30_000 });
    const r = await quickPay({ reader: w.reader(), amount: 800 }, deps(w));
    expect(r).toMatchObject({ outcome: 'approved', approvedBy: 'offline', ecBalance: 29_200, clearing: { accepted: true } });
    expect(r.contactless!.cryptogramType).toBe('TC');
    expect(await ec(w)).toEqual({ card: 29_200, bank: 29_200 });
    // the bank account itself is not touched by an EC purchase
    expect((await w.issuer.account(w.pan))!.balance).toBe(100_000);
    // a second one: still in step
    const second = await quickPay({ reader: w.reader(), amount: 1_250 }, deps(w));
    expect(second).toMatchObject({ outcome: 'approved', approvedBy: 'offline', clearing: { accepted: true } });
    expect(await ec(w)).toEqual({ card: 27_950, bank: 27_950 });
  });

  it('600.00 (above the 500.00 floor limit, at the CVM limit): online with the online PIN; the EC balance untouched', async () => {
    world = await makeWorld({ ecBalance: 30_000 });
    const w = world;
    const r = await quickPay({ reader: w.reader(), amount: 60_000 }, deps(w));
    expect(r).toMatchObject({ outcome: 'approved', approvedBy: 'online' });
    expect(r.contactless!.cvm).toBe('online-pin');
    expect((await w.issuer.account(w.pan))!.balance).toBe(100_000 - 60_000);
    expect(await ec(w)).toEqual({ card: 30_000, bank: 30_000 });
  });

  it('1,200.00 (at or above the 1,000.00 contactless limit): try another interface; with the fallback, by contact', async () => {
    world = await makeWorld({ bankBalance: 500_000 });
    const w = world;
    const r = await quickPay({ reader: w.reader(), amount: 120_000 }, deps(w));
    expect(r.outcome).toBe('try-another-interface');
    expect(r.contactless!.reason!.code).toBe('OVER_CONTACTLESS_LIMIT');
    expect((await w.issuer.statement(w.pan)).transactions).toEqual([]);
    const fallback = await quickPay({ reader: w.reader(), amount: 120_000, contactFallback: true }, deps(w));
    expect(fallback).toMatchObject({ outcome: 'approved', approvedBy: 'online' });
    expect(fallback.contact!.kernel).toBe('pboc-contact');
    expect((await w.issuer.account(w.pan))!.balance).toBe(500_000 - 120_000);
  });

  it('a card reported lost (the card-management port): refused before any transaction', async () => {
    world = await makeWorld({ ecBalance: 30_000 });
    const w = world;
    const status = new TestCardStatus({ financial: { usable: false, reason: 'suspended', detail: '临时挂失 temporary loss report' } });
    const r = await quickPay({ reader: w.reader(), amount: 800 }, deps(w, { cardStatus: status }));
    expect(r).toMatchObject({ outcome: 'refused', refusal: { reason: 'suspended' } });
    expect(status.asked).toEqual([{ card: { pan: w.pan }, area: 'financial' }]);
    expect(await ec(w)).toEqual({ card: 30_000, bank: 30_000 });
  });

  it('a card blocked at the issuer (62): an online purchase declined', async () => {
    world = await makeWorld({ ecBalance: 0 });
    const w = world;
    await w.issuer.setCardBlocked(w.pan, true);
    const r = await quickPay({ reader: w.reader(), amount: 800 }, deps(w));
    expect(r.outcome).toBe('declined');
    expect(r.contactless!.issuer!.responseCode).toBe('62');
    expect((await w.issuer.account(w.pan))!.balance).toBe(100_000);
  });
});
