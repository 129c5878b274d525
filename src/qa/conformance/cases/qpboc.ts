/**
 * The `qpboc` suite: the financial application over the contactless interface as JR/T 0025.12 describes
 * it (DOMAIN.md §2, §2.1): PPSE, the card's decision at GET PROCESSING OPTIONS from the TTQ and the
 * amount (offline approval with an electronic-cash debit and fDDA, online request, decline), the fDDA
 * signature over the terminal's 9F37 ‖ 9F02 ‖ 5F2A ‖ 9F69, and the electronic-cash limits. The card's
 * decision is read from the cryptogram type of the IAD (byte 5 bits 6-5, DOMAIN.md §2.1 [C]) and 9F27.
 */
import { concat, toHex } from '../../../apdu/bytes.js';
import { PBOC_AIDS, PPSE_NAME, PSE_NAME } from '../../../spec/pboc.js';
import { scriptCommand } from '../../../terminal/hosts/issuer/cryptograms.js';
import type { CaseContext } from '../context.js';
import { apdu, hexOf, REF, tlvCheck, valueAt } from '../apdus.js';
import { luhnProblem } from '../checks.js';
import {
  amountN12,
  decodeGpo,
  getData,
  issuerChecks,
  panOf,
  readApplicationData,
  selectDebit,
  terminalData,
  ttq,
  verifyDynamic,
  verifyIcc,
  verifyIssuer,
  type GacAnswer,
  type TtqOptions,
} from '../pboc-terminal.js';
import { buildDolData } from '../../../apdu/tlv/dol.js';
import { ARC_APPROVED, ecValue, online, secondAc } from './pboc.js';
import { suiteBuilder } from '../table.js';
import type { ConformanceCase } from '../types.js';

const { steps, flow } = suiteBuilder('qpboc');
const RF = { interface: 'contactless' } as const;
const SELECT_PPSE = `00A404000E${PPSE_NAME}00`;

/** The cryptogram type of a qPBOC answer: IAD byte 5 bits 6-5 (00 AAC, 01 TC, 10 ARQC; DOMAIN.md §2.1 [C]). */
function iadType(iad: Uint8Array): GacAnswer['type'] {
  if (iad.length < 5) return 'RFU';
  const bits = (iad[4]! >> 4) & 0x03;
  return bits === 0 ? 'AAC' : bits === 1 ? 'TC' : bits === 2 ? 'ARQC' : 'RFU';
}

/** A qPBOC GET PROCESSING OPTIONS: the card decides from the TTQ and the amount. */
async function quickGpo(t: CaseContext, o: { amount: number; ttq: TtqOptions; currency?: string }) {
  const app = await selectDebit(t);
  const values = terminalData(t, { amount: o.amount, ttq: ttq(o.ttq), ...(o.currency ? { currency: o.currency } : {}) });
  const data = buildDolData(app.pdol, values);
  const r = await t.send(apdu('80A80000', concat(Uint8Array.of(0x83, data.length), data), 256), { sw: '9000' }, 'GET PROCESSING OPTIONS (qPBOC)');
  const g = decodeGpo(t, r.data);
  t.check(g.format === 2, 'a qPBOC GPO answer must be format 2 (77 template)');
  const iad = g.tags.get('9F10');
  if (!iad) return t.fail('the qPBOC answer carries no IAD 9F10');
  const type = iadType(iad);
  const cid = g.tags.get('9F27');
  if (cid) t.check(((cid[0]! & 0xc0) === 0x00 ? 'AAC' : (cid[0]! & 0xc0) === 0x40 ? 'TC' : 'ARQC') === type, `9F27 ${toHex(cid)} and the IAD's cryptogram type ${type} disagree`);
  return { app, values, gpo: g, iad, type };
}

/**
 * Makes sure the EC balance is at least `fen`: when it is not and the card can be reached over its
 * contact interface with issuer keys, loads it there by an issuer script (PUT DATA 9F79); else skips.
 */
async function ensureEcBalance(t: CaseContext, fen: number): Promise<void> {
  await selectDebit(t);
  const balance = await ecValue(t, '9F79');
  if (balance >= fen) return;
  try {
    await t.reconnect('contact');
  } catch (err) {
    t.skip(`needs an electronic-cash balance of ${fen} fen (it is ${balance}); load one over the contact interface first (${(err as Error).message})`);
  }
  const o = await online(t);
  const limit = await ecValue(t, '9F77');
  const target = Math.min(limit, balance + Math.max(fen, 1000));
  await t.send(scriptCommand(o.keys, o.arqc.atc, o.arqc.ac, [0x04, 0xda, 0x9f, 0x79], amountN12(target)), { sw: '9000' }, `PUT DATA 9F79 = ${target} (contact, to load EC)`);
  await secondAc(t, o, 0x00, ARC_APPROVED);
  t.note(`loaded electronic cash to ${target} fen over the contact interface`);
  await t.reconnect('contactless');
}

const OFFLINE = { qpboc: true, fdda: true } as const;

const cases: ConformanceCase[] = [
  steps({
    id: 'qpboc.ppse.select',
    title: 'SELECT of the PPSE 2PAY.SYS.DDF01 lists A000000333010101 in 6F { A5 { BF0C { 61 { 4F … } } } }',
    refs: [REF.jr12, REF.dom('2')],
    needs: RF,
    steps: [
      {
        send: SELECT_PPSE,
        expect: { sw: '9000', check: tlvCheck((n) => (valueAt(n, '6F', 'A5', 'BF0C', '61', '4F') === PBOC_AIDS.debit ? undefined : `the PPSE does not list ${PBOC_AIDS.debit} (6F/A5/BF0C/61/4F is ${valueAt(n, '6F', 'A5', 'BF0C', '61', '4F') ?? 'absent'})`)) },
      },
    ],
  }),
  steps({
    id: 'qpboc.pse.contact-only',
    title: 'the contact directory PSE is not offered over the contactless interface (6A82)',
    refs: [REF.jr12, REF.dom('2')],
    needs: RF,
    steps: [{ send: `00A404000E${PSE_NAME}00`, expect: { sw: '6A82' } }],
  }),
  flow({
    id: 'qpboc.aid.pdol-ttq',
    title: 'the application FCI over RF has a PDOL asking for the TTQ 9F66, the amount 9F02 and the unpredictable number 9F37',
    refs: [REF.jr12, REF.dom('2'), REF.dom('2.1')],
    needs: RF,
    run: async (t) => {
      const app = await selectDebit(t);
      const missing = ['9F66', '9F02', '9F37'].filter((tag) => !app.pdol.some((e) => e.tag === tag));
      t.check(missing.length === 0, `the PDOL does not ask for ${missing.join(', ')}`);
    },
  }),
  flow({
    id: 'qpboc.gpo.online-required',
    title: 'TTQ "online cryptogram required": the card answers an ARQC (IAD cryptogram type 10, CVN 17)',
    refs: [REF.jr12, REF.dom('2'), REF.dom('2.1')],
    risk: 'spends',
    needs: RF,
    run: async (t) => {
      const q = await quickGpo(t, { amount: 100, ttq: { qpboc: true, onlineRequired: true, fdda: true } });
      t.check(q.type === 'ARQC', `online cryptogram required, the card answered an ${q.type}`);
      t.check(q.iad[2] === 0x17, `CVN ${hexOf(q.iad[2] ?? 0, 1)} on the contactless interface, not 17`);
    },
  }),
  flow({
    id: 'qpboc.gpo.arqc-issuer',
    title: "the test issuer recomputes the qPBOC ARQC from its master keys",
    refs: [REF.emvB2('8.1'), REF.jr12, 'docs/pboc.md [R] (AC input)'],
    risk: 'spends',
    needs: RF,
    run: async (t) => {
      const q = await quickGpo(t, { amount: 100, ttq: { qpboc: true, onlineRequired: true, fdda: true } });
      const track2 = q.gpo.tags.get('57');
      if (!track2) return t.fail('the qPBOC online answer carries no track 2 equivalent data 57');
      const pan = toHex(track2).split('D')[0]!;
      const keys = t.issuerKeys(pan, toHex(q.gpo.tags.get('5F34') ?? Uint8Array.of(0)));
      const ac = q.gpo.tags.get('9F26');
      const atc = q.gpo.tags.get('9F36');
      if (!ac || !atc) return t.fail('the qPBOC answer carries no AC 9F26 or ATC 9F36');
      const answer: GacAnswer = { cid: 0x80, atc: (atc[0]! << 8) | atc[1]!, ac, iad: q.iad, type: 'ARQC' };
      t.check(issuerChecks(keys, q.values, q.gpo.aip, answer), `the issuer does not recompute the ARQC ${toHex(ac)}`);
    },
  }),
  flow({
    id: 'qpboc.gpo.offline-ec',
    title: 'an amount within the EC balance and the single limit, reader with fDDA: offline approval (TC) and the EC balance goes down by it',
    refs: [REF.jr12, REF.dom('2'), REF.dom('2.1')],
    risk: 'spends',
    riskNote: 'spends electronic cash (1 fen by default, --amount)',
    needs: RF,
    run: async (t) => {
      await ensureEcBalance(t, t.settings.amount);
      await selectDebit(t);
      const before = await ecValue(t, '9F79');
      const q = await quickGpo(t, { amount: t.settings.amount, ttq: OFFLINE });
      t.check(q.type === 'TC', `an offline-capable purchase of ${t.settings.amount} fen with an EC balance of ${before} answered an ${q.type}`);
      t.check(q.gpo.tags.has('9F4B'), 'the offline approval carries no signed dynamic data 9F4B (fDDA)');
      const after = await ecValue(t, '9F79');
      t.check(after === before - t.settings.amount, `EC balance ${after} after an offline purchase of ${t.settings.amount} from ${before}`);
      const available = q.gpo.tags.get('9F5D');
      if (available) t.check(Number(toHex(available)) === after, `9F5D (available offline amount) ${toHex(available)} is not the new balance ${after}`);
    },
  }),
  flow({
    id: 'qpboc.fdda.verify',
    title: 'fDDA: the SDAD 9F4B verifies under the ICC key over 9F37 ‖ 9F02 ‖ 5F2A ‖ 9F69, and not for another amount',
    refs: [REF.jr12Fdda, REF.emvB2('6.5'), REF.dom('2')],
    risk: 'spends',
    riskNote: 'spends electronic cash (1 fen by default, --amount)',
    needs: RF,
    run: async (t) => {
      await ensureEcBalance(t, t.settings.amount);
      const q = await quickGpo(t, { amount: t.settings.amount, ttq: OFFLINE });
      if (q.type !== 'TC') return t.fail(`the purchase was not approved offline (${q.type}): no fDDA to verify`);
      const sdad = q.gpo.tags.get('9F4B');
      const cardData = q.gpo.tags.get('9F69');
      if (!sdad || !cardData) return t.fail('the offline approval lacks 9F4B or 9F69');
      t.check(cardData[0] === 0x01, `9F69 starts with ${hexOf(cardData[0] ?? 0, 1)}, not the fDDA version 01`);
      const data = await readApplicationData(t, q.gpo.afl);
      const { pan } = panOf(t, data);
      const icc = verifyIcc(t, data, verifyIssuer(t, data, pan), q.gpo.aip, pan);
      const terminal = concat(q.values['9F37']!, q.values['9F02']!, q.values['5F2A']!, cardData);
      const number = verifyDynamic(t, sdad, icc, terminal, 'SDAD 9F4B');
      t.check(toHex(number) === toHex(cardData.subarray(1, 5)), `the ICC dynamic number ${toHex(number)} is not the card unpredictable number of 9F69 ${toHex(cardData.subarray(1, 5))}`);
      let bound = false;
      try {
        verifyDynamic(t, sdad, icc, concat(q.values['9F37']!, amountN12(t.settings.amount + 1), q.values['5F2A']!, cardData), 'SDAD 9F4B');
      } catch {
        bound = true;
      }
      t.check(bound, 'the SDAD also verifies for another amount');
    },
  }),
  flow({
    id: 'qpboc.gpo.over-single-limit',
    title: 'an amount above the EC single limit 9F78 on an offline-only reader is declined (AAC)',
    refs: [REF.jr12, REF.dom('2.1'), REF.dom('3')],
    risk: 'spends',
    needs: RF,
    run: async (t) => {
      await selectDebit(t);
      const single = await ecValue(t, '9F78');
      const q = await quickGpo(t, { amount: single + 1, ttq: { qpboc: true, offlineOnly: true, fdda: true } });
      t.check(q.type === 'AAC', `${single + 1} fen (over the single limit ${single}) on an offline-only reader answered an ${q.type}`);
    },
  }),
  flow({
    id: 'qpboc.gpo.other-currency',
    title: 'a transaction currency other than the EC currency 9F51 goes online (ARQC)',
    refs: [REF.jr12, 'docs/pboc.md [R] (qPBOC decision)'],
    risk: 'spends',
    needs: RF,
    run: async (t) => {
      await selectDebit(t);
      const currency = toHex(await getData(t, '9F51'));
      const other = currency === '0840' ? '0978' : '0840';
      const q = await quickGpo(t, { amount: 1, ttq: OFFLINE, currency: other });
      t.check(q.type === 'ARQC', `currency ${other} (EC currency ${currency}) answered an ${q.type}`);
    },
  }),
  steps({
    id: 'qpboc.gpo.wrong-length',
    title: 'a qPBOC GPO whose data does not fill the PDOL answers 6700',
    refs: [REF.jr12, REF.emvB3Cmd('8'), REF.isoSw],
    needs: RF,
    steps: [
      { send: `00A4040008${PBOC_AIDS.debit}00`, expect: { sw: '9000' } },
      { send: '80A800000683040000000000', expect: { sw: '6700' } },
    ],
  }),
  flow({
    id: 'qpboc.ec.limits',
    title: 'over RF: EC balance 9F79 ≤ limit 9F77 and single limit 9F78 ≤ 9F77',
    refs: [REF.jr12, REF.dom('3')],
    needs: RF,
    run: async (t) => {
      await selectDebit(t);
      const [balance, limit, single] = [await ecValue(t, '9F79'), await ecValue(t, '9F77'), await ecValue(t, '9F78')];
      t.check(balance <= limit && single <= limit, `EC balance ${balance}, limit ${limit}, single ${single}: a value is above the limit`);
    },
  }),
  flow({
    id: 'qpboc.records',
    title: 'after an offline approval, the records of the AFL carry the PAN (Luhn) and the ODA data 8F, 90, 9F46',
    refs: [REF.jr12, REF.emvB3('10.2'), 'ISO/IEC 7812-1 Annex B'],
    risk: 'spends',
    riskNote: 'spends electronic cash (1 fen by default, --amount)',
    needs: RF,
    run: async (t) => {
      await ensureEcBalance(t, t.settings.amount);
      const q = await quickGpo(t, { amount: t.settings.amount, ttq: OFFLINE });
      if (q.gpo.afl.length === 0) return t.fail(`the ${q.type} answer has no AFL 94`);
      const data = await readApplicationData(t, q.gpo.afl);
      const missing = ['5A', '8F', '90', '9F46'].filter((tag) => !data.tags.has(tag));
      t.check(missing.length === 0, `the records lack ${missing.join(', ')}`);
      const problem = luhnProblem(panOf(t, data).pan);
      if (problem) t.fail(problem);
    },
  }),
  flow({
    id: 'qpboc.atc.one-counter',
    title: 'one application, two interfaces: the ATC over RF is the ATC over contact',
    refs: [REF.dom('5'), REF.dom('2')],
    needs: RF,
    run: async (t) => {
      await selectDebit(t);
      const rf = toHex(await getData(t, '9F36'));
      try {
        await t.reconnect('contact');
      } catch (err) {
        return t.skip(`needs the contact interface too: ${(err as Error).message}`);
      }
      await selectDebit(t);
      const contact = toHex(await getData(t, '9F36'));
      t.check(rf === contact, `ATC ${rf} over RF, ${contact} over contact`);
    },
  }),
];

/** Every case of the suite, in run order. */
export const QPBOC_CASES: readonly ConformanceCase[] = cases;

