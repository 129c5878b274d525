/**
 * The hospital settlement end to end over the in-process card, the real PSAM, the real centre and the
 * real issuer host (in-memory SQLite): the split of each bill is computed by hand here, from the
 * policy (docs/medical-insurance-centre.md "Policy": 310 employed, deductible 1,500.00, ratio 0.85) and
 * the bill's lines — never from the code — and the bank is checked to be charged exactly the cash part.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readCardAccountData } from '../../../src/terminal/hosts/issuer/card-account.js';
import { bill, makeWorld, type World } from './helpers/world.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** The centre's view of the person: balance and this year's figures. */
function person(w: World) {
  const view = w.centre.centre.personView(w.psnNo);
  return { balance: view.person.balance, dedcPaid: view.annual.dedc_paid, fundPaid: view.annual.fund_paid };
}

async function bank(w: World) {
  const a = (await w.issuer.account(w.pan))!;
  return { balance: a.balance, held: a.held };
}

describe('hospital settlement: online, contact', () => {
  it('outpatient, deductible already met, a small personal account: fund 0.85, account, cash to the bank exactly', async () => {
    world = await makeWorld({ accountBalance: 1000, dedcPaid: 150_000 });
    const w = world;
    const result = await w.flow().settle({ ...w.presented(), bill: bill('outpatient') });
    expect(result.outcome, JSON.stringify(result)).toBe('settled');
    if (result.outcome !== 'settled') return;
    // by hand: 25.00 + 20.00 + 37.00 + 45.60 = 127.60, every line 甲: all in scope;
    // deductible met → the fund pays 0.85 × 127.60 = 108.46; the person 19.14: 10.00 from the account, 9.14 cash
    expect(result.receipt.split).toEqual({
      medfee_sumamt: 12_760,
      fulamt_ownpay_amt: 0,
      overlmt_selfpay: 0,
      preselfpay_amt: 0,
      inscp_scp_amt: 12_760,
      act_pay_dedc: 0,
      hifp_pay: 10_846,
      pool_prop_selfpay: 8_500,
      fund_pay_sumamt: 10_846,
      psn_part_amt: 1_914,
      acct_pay: 1_000,
      psn_cash_pay: 914,
      balc: 0,
    });
    expect(result.receipt.bank).toMatchObject({ status: 'approved', amount: 914, kernel: 'pboc-contact', approvedBy: 'online', responseCode: '00' });
    expect(result.repeated).toBe(false);
    expect(await bank(w)).toEqual({ balance: 100_000 - 914, held: 0 });
    expect(person(w)).toEqual({ balance: 0, dedcPaid: 150_000, fundPaid: 10_846 });
  });
});
