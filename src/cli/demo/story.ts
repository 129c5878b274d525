/**
 * The story `sscard demo` tells (docs/card-life.md, docs/settlement.md): from nothing, in a state
 * directory of its own —
 *
 *  1. personalise a card (and a PSAM) on the bundled Shanghai profile;
 *  2. the bank opens the card's account (its PAN read from the card) and queues an electronic-cash load;
 *  3. the medical-insurance centre enrols the holder;
 *  4. the card-management host records the card: neither area activated — a payment is refused;
 *  5. the bank activates the financial area;
 *  6. an outpatient bill is settled at a designated hospital (the social-security area is activated by
 *     this first use): the pooled fund and the personal account at the centre, the cash part from the
 *     bank account by a contact PBOC transaction (which also delivers the EC load);
 *  7. a quick payment at a canteen, contactless (qPBOC, offline electronic cash);
 *  8. the card is reported lost (temporary) — and the next payment is declined.
 *
 * Every step runs the real kernels and hosts; each reports facts for the screen and for `--json`.
 */
import { join } from 'node:path';
import type { Clock, RandomSource } from '../../env.js';
import type { Logger } from '../../log.js';
import { personalizePsam } from '../../card/apps/psam/index.js';
import { personalize } from '../../card/personalize/personalize.js';
import { sampleHolder } from '../../card/personalize/sample-holder.js';
import { validateImage } from '../../card/image/validate.js';
import type { Profile } from '../../card/personalize/profile.js';
import { readCardAccountData } from '../../terminal/hosts/issuer/card-account.js';
import { yuan, parseBill, readJsonFile, BUNDLED_BILLS_DIR, type Bill } from '../../terminal/hosts/medical-insurance/index.js';
import type { CardView, Place } from '../../terminal/hosts/card-management/index.js';
import { readIssuedCard } from '../../terminal/flows/card-life.js';
import { cardManagementStatus } from '../../terminal/flows/card-management-status.js';
import { HospitalSettlement, type SettlementResult } from '../../terminal/flows/hospital-settlement.js';
import { quickPay, type QuickPayResult } from '../../terminal/flows/quick-pay.js';
import { SqliteSettlementJournal } from '../../terminal/flows/settlement/sqlite-journal.js';
import type { TerminalConfig } from '../../terminal/config/terminal-config.js';
import { FileTornStore } from '../../terminal/kernels/qpboc/torn-transaction.js';
import { SsseReader } from '../../terminal/kernels/ssse-reader/index.js';
import { PsamClient } from '../../terminal/psam/psam-client.js';
import type { CardReader } from '../../terminal/reader.js';
import { SimulatedReader } from '../../terminal/readers/simulated.js';
import { openCardLifeHosts } from '../card-life-hosts.js';
import { writeCardImage } from '../commands/card.js';
import { openCardForCli } from '../transport-options.js';

/** One step's report: a title and facts (label, value) for the screen. */
export interface StoryStep {
  title: string;
  facts: Array<[string, string]>;
  /** Milliseconds the step took. */
  ms: number;
}

/** What `--json` prints. */
export interface StorySummary {
  seed: number;
  stateDir: string;
  card: { cardNumber: string; cardSn: string; pan: string; name: string; idNumber: string; file: string; psam: string };
  beforeActivation: { outcome: string; reason?: string; detail?: string };
  settlement: {
    outcome: SettlementResult['outcome'];
    bill: string;
    /** The platform's figures, yuan with two decimals. */
    setlinfo?: Record<string, string>;
    bank?: { status: string; amount: string; approvedBy?: string; responseCode?: string };
    socialSecurityActivatedAtFirstUse: boolean;
  };
  quickPayment: { outcome: QuickPayResult['outcome']; amount: string; approvedBy?: string; ecBalance?: string };
  afterLoss: { outcome: QuickPayResult['outcome']; reason?: string; detail?: string };
  cardStates: CardView['states'];
}

export interface StoryOptions {
  stateDir: string;
  profile: Profile;
  terminal: TerminalConfig;
  seed: number;
  random: RandomSource;
  clock: Clock;
  log: Logger;
  /** Called when a step starts (progress) and when it is done (its report). */
  onStart(index: number, total: number, title: string): void;
  onStep(step: StoryStep): void;
}

const HOSPITAL_PIN = '123456';
const QUICK_PAYMENT = 800;
const EC_LOAD = 10000;

/** The demo's insured person: 10.00 in the personal account, this year's deductible already met. */
const ENROLMENT = { balance: 1000, dedc_paid: 150000 };

/** Runs the story; the state stays in `stateDir`. */
export async function runStory(o: StoryOptions): Promise<StorySummary> {
  const total = 8;
  let index = 0;
  const step = async <T>(title: string, body: () => Promise<{ facts: Array<[string, string]>; value: T }>): Promise<T> => {
    o.onStart(++index, total, title);
    const started = Date.now();
    const { facts, value } = await body();
    o.onStep({ title, facts, ms: Date.now() - started });
    return value;
  };
  const cardFile = join(o.stateDir, 'card.json');
  const psamFile = join(o.stateDir, 'psam.json');
  const holder = sampleHolder(o.profile, o.random);

  // 1. the card and the PSAM
  await step('制卡 Personalising a card and a PSAM (SM2 keys, certificates, PBOC data)', async () => {
    const image = validateImage(personalize(o.profile, { ...holder, issueDate: yyyymmdd(o.clock) }, { random: o.random, clock: o.clock, log: o.log }), cardFile);
    writeCardImage(cardFile, image);
    writeCardImage(psamFile, personalizePsam(o.profile, { random: o.random, terminalId: `${o.profile.issuer.regionCode}000001` }));
    return {
      facts: [
        ['卡 card', `${o.profile.name} profile, ${cardFile}`],
        ['持卡人 holder', `${holder.name} (${holder.idNumber})`],
        ['卡号 card number', holder.cardNumber],
        ['PSAM', `${psamFile} (terminal ${o.profile.issuer.regionCode}000001)`],
      ],
      value: undefined,
    };
  });

  const hosts = openCardLifeHosts({ stateDir: o.stateDir, clock: o.clock, log: o.log });
  const psamReader = await openReader(psamFile, 'PSAM', o.log);
  await psamReader.connect('contact');
  const psam = new PsamClient(psamReader);
  try {
    // 2. the bank
    const pan = await step('开户 The bank opens the card\'s account', async () => {
      const account = await withCard(cardFile, o.log, async (reader) => {
        await reader.connect('contact');
        return readCardAccountData(reader);
      });
      await hosts.issuer.openAccount({ pan: account.pan, balance: 50000, ecBalance: account.ecBalance ?? 0, ...(account.ecBalanceLimit !== undefined ? { ecBalanceLimit: account.ecBalanceLimit } : {}), pin: HOSPITAL_PIN, holder: holder.name });
      await hosts.issuer.queueScript(account.pan, { kind: 'ec-load', amount: EC_LOAD });
      return {
        facts: [
          ['银行卡号 PAN', account.pan],
          ['余额 balance', '500.00'],
          ['电子现金圈存 EC load', `${yuan(EC_LOAD)} queued: it reaches the card with its next online transaction`],
        ],
        value: account.pan,
      };
    });

    // 3. the centre
    await step('参保 The medical-insurance centre enrols the holder', async () => {
      const person = hosts.centre.centre.enrol({ certno: holder.idNumber, psn_name: holder.name, insuplc_admdvs: o.profile.issuer.regionCode, insutype: '310', kind: 'employed', ...ENROLMENT });
      return {
        facts: [
          ['psn_no', person.psn_no],
          ['险种 insurance', '310 职工基本医疗保险 (employee), 在职 employed'],
          ['个人账户 personal account', yuan(ENROLMENT.balance)],
          ['起付线 deductible', `${yuan(ENROLMENT.dedc_paid)} of 1500.00 already paid this year`],
        ],
        value: person,
      };
    });

    // 4. the card-management host: issued, not activated; a payment refused
    const canteen: Place = { kind: 'merchant', id: 'CANTEEN-01' };
    const quickDeps = {
      issuer: hosts.issuer,
      terminal: o.terminal,
      clock: o.clock,
      random: o.random,
      log: o.log,
      cardStatus: cardManagementStatus(hosts.cards, canteen),
      torn: FileTornStore.inStateDir(o.stateDir),
    };
    const beforeActivation = await step('发卡登记 The card-management host records the card — then a payment before activation', async () => {
      const issued = await withCard(cardFile, o.log, async (reader) => {
        await reader.connect('contact');
        return readIssuedCard(new SsseReader(reader, { random: o.random, clock: o.clock, psam }), reader);
      });
      const recorded = await hosts.cards.issue(issued, { place: { kind: 'service-window', id: 'SSC-WINDOW-01' } });
      const refused = await withCard(cardFile, o.log, (reader) => quickPay({ reader, amount: QUICK_PAYMENT }, quickDeps));
      return {
        facts: [
          ['卡识别码 card identifier', issued.cardSn],
          ['社保功能 social-security area', stateWords(recorded.view.states['social-security'])],
          ['金融功能 financial area', stateWords(recorded.view.states.financial)],
          [`食堂 canteen ${yuan(QUICK_PAYMENT)}`, payWords(refused)],
        ],
        value: { cardSn: issued.cardSn, refused },
      };
    });

    // 5. the bank activates the financial area
    await step('激活 The bank activates the financial area', async () => {
      const r = await hosts.cards.activate(beforeActivation.cardSn, ['financial'], { kind: 'bank', id: 'BANK-0001' });
      return {
        facts: [
          ['金融功能 financial area', stateWords(r.view.states.financial)],
          ['社保功能 social-security area', `${stateWords(r.view.states['social-security'])}: its first use at a designated hospital activates it`],
          ...r.pushes.map((p): [string, string] => [p.target === 'bank' ? '银行 bank' : '医保中心 centre', p.action]),
        ],
        value: undefined,
      };
    });

    // 6. the hospital
    const bill = loadOutpatientBill(o.clock);
    const hospital: Place = { kind: 'designated-medical', id: bill.fixmedins_code };
    const settlement = await step(`就医结算 Outpatient settlement at ${bill.fixmedins_name} (${yuan(totalOf(bill))})`, async () => {
      const journal = SqliteSettlementJournal.open({ stateDir: o.stateDir });
      try {
        const flow = new HospitalSettlement({
          centre: hosts.centre.centre,
          issuer: hosts.issuer,
          journal,
          terminal: o.terminal,
          clock: o.clock,
          random: o.random,
          log: o.log,
          cardStatus: cardManagementStatus(hosts.cards, hospital),
        });
        const result = await withCard(cardFile, o.log, (reader) => flow.settle({ bill, reader, psam, pin: HOSPITAL_PIN }));
        const card = await hosts.cards.view(beforeActivation.cardSn, 0);
        const facts = settlementFacts(result);
        if (card.card.socialSecurityActivatedAtPlace === `designated-medical:${bill.fixmedins_code}`) facts.push(['社保功能 social-security area', '已激活 activated by this first use at a designated hospital']);
        return { facts, value: result };
      } finally {
        journal.close();
      }
    });
    const afterSettlement = await hosts.cards.view(beforeActivation.cardSn, 0);

    // 7. the canteen
    const paid = await step(`快速支付 Quick payment at the canteen, contactless (qPBOC) ${yuan(QUICK_PAYMENT)}`, async () => {
      const r = await withCard(cardFile, o.log, (reader) => quickPay({ reader, amount: QUICK_PAYMENT }, quickDeps));
      const facts: Array<[string, string]> = [['结果 outcome', payWords(r)]];
      if (r.ecBalance !== undefined) {
        const before = r.approvedBy === 'offline' ? `${yuan(r.ecBalance + QUICK_PAYMENT)} → ` : '';
        facts.push(['电子现金余额 EC balance', `${before}${yuan(r.ecBalance)}${before && r.ecBalance + QUICK_PAYMENT === EC_LOAD ? ' (the EC load came to the card with the hospital\'s bank payment)' : ''}`]);
      }
      return { facts, value: r };
    });

    // 8. lost
    const afterLoss = await step('挂失 The card is reported lost (temporary) — and the next payment', async () => {
      const report = await hosts.cards.reportLoss(beforeActivation.cardSn, { formal: false, place: { kind: 'service-window', id: 'SSC-WINDOW-01' } });
      const r = await withCard(cardFile, o.log, (reader) => quickPay({ reader, amount: QUICK_PAYMENT }, quickDeps));
      return {
        facts: [
          ['临时挂失 temporary loss report', `until ${report.notes[0]?.match(/until (\S+ \S+)/)?.[1] ?? ''} (China time)`],
          ...report.pushes.map((p): [string, string] => [p.target === 'bank' ? '银行 bank' : '医保中心 centre', p.action]),
          [`食堂 canteen ${yuan(QUICK_PAYMENT)}`, payWords(r)],
        ],
        value: { report, pay: r },
      };
    });

    const receipt = settlement.outcome === 'settled' ? settlement.receipt : undefined;
    return {
      seed: o.seed,
      stateDir: o.stateDir,
      card: { cardNumber: holder.cardNumber, cardSn: beforeActivation.cardSn, pan, name: holder.name, idNumber: holder.idNumber, file: cardFile, psam: psamFile },
      beforeActivation: refusalJson(beforeActivation.refused),
      settlement: {
        outcome: settlement.outcome,
        bill: bill.title,
        ...(receipt
          ? {
              setlinfo: Object.fromEntries(
                (['medfee_sumamt', 'fulamt_ownpay_amt', 'inscp_scp_amt', 'act_pay_dedc', 'hifp_pay', 'fund_pay_sumamt', 'psn_part_amt', 'acct_pay', 'psn_cash_pay', 'balc'] as const).map((k) => [k, yuan(receipt.split[k])]),
              ),
              bank: {
                status: receipt.bank.status,
                amount: yuan(receipt.bank.amount),
                ...(receipt.bank.approvedBy ? { approvedBy: receipt.bank.approvedBy } : {}),
                ...(receipt.bank.responseCode ? { responseCode: receipt.bank.responseCode } : {}),
              },
            }
          : {}),
        socialSecurityActivatedAtFirstUse: afterSettlement.card.socialSecurityActivatedAtPlace === `designated-medical:${bill.fixmedins_code}`,
      },
      quickPayment: { outcome: paid.outcome, amount: yuan(QUICK_PAYMENT), ...(paid.approvedBy ? { approvedBy: paid.approvedBy } : {}), ...(paid.ecBalance !== undefined ? { ecBalance: yuan(paid.ecBalance) } : {}) },
      afterLoss: refusalJson(afterLoss.pay),
      cardStates: (await hosts.cards.view(beforeActivation.cardSn, 0)).states,
    };
  } finally {
    await psamReader.disconnect();
    await psamReader.close();
    await hosts.close();
  }
}

function yyyymmdd(clock: Clock): string {
  return new Date(clock.now().getTime() + 8 * 3600 * 1000).toISOString().slice(0, 10).replace(/-/g, '');
}

type ClosableReader = SimulatedReader & { close(): Promise<void> };

async function openReader(file: string, name: string, log: Logger): Promise<ClosableReader> {
  const { card, close } = await openCardForCli(file, log);
  const reader = new SimulatedReader(card, { name, onClose: close }) as ClosableReader;
  reader.close = async () => {
    await close();
  };
  return reader;
}

/** Opens the card file for one step (its changes saved), runs `body`, closes it. */
async function withCard<T>(file: string, log: Logger, body: (reader: CardReader) => Promise<T>): Promise<T> {
  const reader = await openReader(file, 'card', log);
  try {
    return await body(reader);
  } finally {
    if (reader.connected) await reader.disconnect();
    await reader.close();
  }
}

function loadOutpatientBill(clock: Clock): Bill {
  const raw = readJsonFile(join(BUNDLED_BILLS_DIR, 'outpatient.json'), 'bill') as Record<string, unknown>;
  // today's visit, so that the centre's year is the demo's
  const now = new Date(clock.now().getTime() + 8 * 3600 * 1000).toISOString();
  const day = now.slice(0, 10);
  const stamp = day.replace(/-/g, '');
  const feedetail = (raw.feedetail as Array<Record<string, unknown>>).map((f) => ({ ...f, fee_ocur_time: `${day} ${now.slice(11, 19)}` }));
  return parseBill({ ...raw, begntime: `${day} ${now.slice(11, 19)}`, ipt_otp_no: `MZ${stamp}001`, chrg_bchno: `CB${stamp}001`, feedetail }, 'outpatient.json');
}

function totalOf(bill: Bill): number {
  return bill.feedetail.reduce((n, f) => n + f.det_item_fee_sumamt, 0);
}

const STATE_WORDS: Record<string, string> = {
  'not-activated': '未激活 not activated',
  active: '已激活 active',
  suspended: '临时挂失 suspended',
  lost: '正式挂失 lost',
  deregistered: '已注销 deregistered',
};

function stateWords(state: string): string {
  return STATE_WORDS[state] ?? state;
}

function payWords(r: QuickPayResult): string {
  if (r.outcome === 'approved') return `批准 APPROVED (${r.approvedBy === 'offline' ? 'offline, electronic cash' : 'online, by the bank'})`;
  if (r.outcome === 'refused' && r.refusal) return `拒绝 DECLINED: ${r.refusal.detail}`;
  const reason = r.contactless?.reason ?? r.contact?.reason;
  return `${r.outcome.toUpperCase()}${reason ? `: ${reason.zh} ${reason.en}` : ''}`;
}

function refusalJson(r: QuickPayResult): StorySummary['afterLoss'] {
  return { outcome: r.outcome, ...(r.refusal ? { reason: r.refusal.reason, detail: r.refusal.detail } : {}) };
}

function settlementFacts(result: SettlementResult): Array<[string, string]> {
  if (result.outcome !== 'settled') return [['结果 outcome', `${result.outcome.toUpperCase()}: ${result.reason.zh} ${result.reason.en}${result.reason.detail ? ` (${result.reason.detail})` : ''}`]];
  const s = result.receipt.split;
  const b = result.receipt.bank;
  return [
    ['医疗费总额 total', yuan(s.medfee_sumamt)],
    ['符合政策范围 in scope', yuan(s.inscp_scp_amt)],
    ['起付线 deductible paid', yuan(s.act_pay_dedc)],
    ['统筹基金 pooled fund', `${yuan(s.hifp_pay)} (ratio ${(s.pool_prop_selfpay / 10000).toFixed(2)})`],
    ['个人账户 personal account', `${yuan(s.acct_pay)} (balance after ${yuan(s.balc)})`],
    ['个人现金 cash, from the bank account', yuan(s.psn_cash_pay)],
    ['银行 bank part', b.status === 'approved' ? `${yuan(b.amount)} approved ${b.approvedBy ?? ''} (${b.kernel ?? ''}, response ${b.responseCode ?? ''})`.replace(/\s+\)/, ')') : `${b.status} ${yuan(b.amount)}`],
    ['结算号 setl_id', result.receipt.setlinfo?.setl_id ?? ''],
  ];
}

