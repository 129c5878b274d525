/**
 * The `pboc` suite: the financial application over the contact interface as EMV 4.3 Books 1-3 and
 * JR/T 0025.5 describe it (DOMAIN.md §2): PSE and application selection, GET PROCESSING OPTIONS, the
 * records of the AFL and their mandatory data, SM2 offline data authentication (SDA and DDA, verified
 * here with the TEST CA public key), offline PIN, GENERATE AC in both rounds, issuer authentication, issuer
 * scripts (EC load, limits, wrong MAC) and the independence of the two accounts. Cryptograms are checked by
 * the test issuer (the issuer host's code over the bundled TEST master keys); a card whose BIN has no
 * keys there skips those cases.
 */
import { concat, toHex } from '../../../apdu/bytes.js';
import { buildDolData, parseDol } from '../../../apdu/tlv/dol.js';
import { PBOC_AIDS, PSE_NAME, SCRIPT_COMMANDS } from '../../../spec/pboc.js';
import { SSSE_PIN_REFERENCE } from '../../../spec/ssse/identifiers.js';
import { arpcFor, pinBlockFormat2, scriptCommand } from '../../../terminal/hosts/issuer/cryptograms.js';
import { SELECT_SSSE, type CaseContext } from '../context.js';
import { apdu, hexOf, REF, tlvCheck, tlvOf, valueAt } from '../apdus.js';
import { dateProblem, luhnProblem } from '../checks.js';
import {
  amountN12,
  atcNow,
  bcdNumber,
  decodeAfl,
  generateAc,
  getData,
  gpo,
  iadOf,
  issuerChecks,
  panOf,
  readApplicationData,
  SELECT_DEBIT,
  selectDebit,
  terminalData,
  verifyDynamic,
  verifyIcc,
  verifyIssuer,
  verifySda,
  type ApplicationData,
  type GacAnswer,
  type GpoAnswer,
  type SelectedApp,
} from '../pboc-terminal.js';
import { suiteBuilder, verifyStep } from '../table.js';
import type { ConformanceCase } from '../types.js';

const { steps, flow } = suiteBuilder('pboc');
const OK = { sw: '9000' } as const;
const SELECT_PSE = `00A404000E${PSE_NAME}00`;
export const ARC_APPROVED = Uint8Array.of(0x30, 0x30);

/** The offline PIN block of VERIFY 00 20 00 80 (EMV Book 3 §6.5.12: format 2 PIN block). */
function pbocVerify(pin: string): Uint8Array {
  return apdu('00200080', pinBlockFormat2(pin));
}

interface Started {
  app: SelectedApp;
  values: Record<string, Uint8Array>;
  gpo: GpoAnswer;
  data: ApplicationData;
  pan: string;
  psn: string;
}

/** Selection, GPO and the records of the AFL: the start of every contact transaction. */
async function start(t: CaseContext, amount = 100, selectSw = '9000'): Promise<Started> {
  const app = await selectDebit(t, selectSw);
  const values = terminalData(t, { amount });
  const g = await gpo(t, app, values);
  const data = await readApplicationData(t, g.afl);
  const { pan, psn } = panOf(t, data);
  return { app, values, gpo: g, data, pan, psn };
}

function cdol(t: CaseContext, s: Started, tag: '8C' | '8D'): Uint8Array {
  const v = s.data.tags.get(tag);
  if (!v) return t.fail(`the records carry no ${tag === '8C' ? 'CDOL1 8C' : 'CDOL2 8D'}`);
  return v;
}

/** An online transaction up to the ARQC, and the issuer's keys for it. */
export async function online(t: CaseContext, amount = 100) {
  const s = await start(t, amount);
  const keys = t.issuerKeys(s.pan, s.psn);
  const arqc = await generateAc(t, 0x80, cdol(t, s, '8C'), s.values, 'GENERATE AC 1 (ARQC)');
  t.check(arqc.type === 'ARQC', `GENERATE AC 1 asked for an ARQC answered an ${arqc.type} (CID ${hexOf(arqc.cid, 1)})`);
  t.check(issuerChecks(keys, s.values, s.gpo.aip, arqc), `the issuer does not recompute the ARQC ${toHex(arqc.ac)} (ATC ${arqc.atc}) from the TEST master keys`);
  return { ...s, keys, arqc };
}

/** GENERATE AC 2 with the CDOL2 values (ARC, TVR, UN; 91 empty). */
export async function secondAc(t: CaseContext, s: Started, p1: number, arc: Uint8Array): Promise<GacAnswer> {
  return generateAc(t, p1, cdol(t, s, '8D'), { ...s.values, '8A': arc, '91': new Uint8Array(10) }, `GENERATE AC 2 (${p1 === 0x40 ? 'TC' : 'AAC'})`);
}

export async function ecValue(t: CaseContext, tag: '9F79' | '9F77' | '9F78'): Promise<number> {
  return bcdNumber(t, await getData(t, tag), tag);
}

const cases: ConformanceCase[] = [
  steps({
    id: 'pboc.pse.select',
    title: 'SELECT of the PSE 1PAY.SYS.DDF01 answers 6F { 84 name, A5 { 88 SFI } }',
    refs: [REF.emvB1Pse, REF.dom('2')],
    steps: [
      {
        send: SELECT_PSE,
        expect: { sw: '9000', check: tlvCheck((n) => (valueAt(n, '6F', '84') !== PSE_NAME ? `FCI 6F/84 is ${valueAt(n, '6F', '84') ?? 'absent'}` : valueAt(n, '6F', 'A5', '88')?.length === 2 ? undefined : 'FCI without the SFI of the directory (A5/88)')) },
      },
    ],
  }),
  flow({
    id: 'pboc.pse.directory',
    title: 'the PSE directory lists the debit application A000000333010101 and ends with 6A83',
    refs: [REF.emvB1Pse, REF.dom('2')],
    run: async (t) => {
      const fci = (await t.send(SELECT_PSE, OK, 'SELECT PSE')).data;
      const sfi = Number.parseInt(toHex(fci).match(/8801([0-9A-F]{2})/)?.[1] ?? '00', 16);
      t.check(sfi >= 1 && sfi <= 10, `the directory SFI ${sfi} is not 1-10 (EMV Book 1 §12.2.2)`);
      const aids: string[] = [];
      for (let rec = 1; rec <= 16; rec++) {
        const r = await t.send(`00B2${hexOf(rec, 1)}${hexOf((sfi << 3) | 4, 1)}00`, { sw: ['9000', '6A83'] }, `READ RECORD directory record ${rec}`);
        if (r.sw === 0x6a83) break;
        aids.push(...[...toHex(r.data).matchAll(/4F(0[5-9A-F]|10)([0-9A-F]+)/g)].map((m) => m[2]!.slice(0, Number.parseInt(m[1]!, 16) * 2)));
      }
      t.check(aids.includes(PBOC_AIDS.debit), `the directory lists ${aids.join(', ') || 'no application'}, not ${PBOC_AIDS.debit}`);
    },
  }),
  flow({
    id: 'pboc.aid.select',
    title: 'SELECT A000000333010101 answers its FCI with a label and a PDOL asking for the SM indicator DF69',
    refs: [REF.emvB1Pse, REF.emvB3('6.5.8'), REF.dom('2')],
    run: async (t) => {
      const app = await selectDebit(t);
      t.check(valueAt(app.fci, '6F', '84') === PBOC_AIDS.debit, `FCI 6F/84 is ${valueAt(app.fci, '6F', '84') ?? 'absent'}`);
      t.check(valueAt(app.fci, '50') !== undefined, 'FCI without an application label 50');
      t.check(app.pdol.some((e) => e.tag === 'DF69'), `PDOL ${app.pdol.map((e) => e.tag).join(' ')} does not ask for DF69 (SM algorithm indicator)`);
    },
  }),
  steps({
    id: 'pboc.aid.not-found',
    title: 'SELECT of an AID the card does not have answers 6A82',
    refs: [REF.emvB1Pse, REF.isoSelect],
    steps: [{ send: '00A4040008A00000033301019900', expect: { sw: '6A82' } }],
  }),
  flow({
    id: 'pboc.gpo.answer',
    title: 'GET PROCESSING OPTIONS answers the AIP and a valid AFL (format 1 or 2)',
    refs: [REF.emvB3Cmd('8'), REF.emvB3('10.2'), REF.jr5],
    risk: 'spends',
    riskNote: 'starts a transaction (ATC + 1)',
    run: async (t) => {
      const app = await selectDebit(t);
      const g = await gpo(t, app, terminalData(t, { amount: 100 }));
      decodeAfl(t, g.afl);
      t.note(`AIP ${toHex(g.aip)}, AFL ${toHex(g.afl)} (format ${g.format})`);
    },
  }),
  flow({
    id: 'pboc.gpo.atc-increments',
    title: 'each GET PROCESSING OPTIONS increments the ATC (9F36) by one',
    refs: [REF.emvB3('Annex A (9F36)'), REF.emvB3Cmd('8'), REF.jr5],
    risk: 'spends',
    riskNote: 'starts a transaction (ATC + 1)',
    run: async (t) => {
      const app = await selectDebit(t);
      const before = await atcNow(t);
      await gpo(t, app, terminalData(t, { amount: 100 }));
      const after = await atcNow(t);
      t.check(after === before + 1, `ATC ${before} before GPO, ${after} after (expected ${before + 1})`);
    },
  }),
  steps({
    id: 'pboc.gpo.wrong-length',
    title: 'GPO whose data does not fill the PDOL answers 6700',
    refs: [REF.emvB3Cmd('8'), REF.isoSw],
    steps: [
      { send: SELECT_DEBIT, expect: OK },
      { send: '80A800000283000000', expect: { sw: '6700' } },
    ],
  }),
  flow({
    id: 'pboc.gpo.wrong-class',
    title: 'GET PROCESSING OPTIONS with CLA 00 (the command is CLA 80) answers 6E00 or 6D00',
    refs: [REF.isoCla, REF.emvB3('6.3'), REF.emvB3Cmd('8')],
    run: async (t) => {
      const app = await selectDebit(t);
      const data = buildDolData(app.pdol, terminalData(t, { amount: 100 }));
      await t.send(apdu('00A80000', concat(Uint8Array.of(0x83, data.length), data), 256), { sw: ['6E00', '6D00'] }, 'GET PROCESSING OPTIONS with CLA 00');
    },
  }),
  flow({
    id: 'pboc.records.mandatory',
    title: 'the records of the AFL are 70 templates carrying the mandatory 5A, 5F24, 8C and 8D',
    refs: [REF.emvB3('7.2'), REF.emvB3('10.2'), REF.jr5],
    risk: 'spends',
    run: async (t) => {
      const s = await start(t);
      const missing = ['5A', '5F24', '8C', '8D'].filter((tag) => !s.data.tags.has(tag));
      t.check(missing.length === 0, `mandatory data missing from the records: ${missing.join(', ')}`);
    },
  }),
  flow({
    id: 'pboc.records.pan',
    title: 'the PAN passes the Luhn check and equals the PAN of the track-2 equivalent data 57',
    refs: [REF.emvB3('Annex A (5A, 57)'), 'ISO/IEC 7812-1 Annex B'],
    risk: 'spends',
    run: async (t) => {
      const s = await start(t);
      const problem = luhnProblem(s.pan);
      if (problem) t.fail(problem);
      const track2 = s.data.tags.get('57');
      if (track2) {
        const t2pan = toHex(track2).split('D')[0];
        t.check(t2pan === s.pan, `track 2 PAN ${t2pan} differs from 5A ${s.pan}`);
      }
    },
  }),
  flow({
    id: 'pboc.records.dates',
    title: 'expiry date 5F24 and effective date 5F25 are dates, the expiry after the effective date',
    refs: [REF.emvB3('10.4.3'), REF.emvB3('Annex A (5F24, 5F25)')],
    risk: 'spends',
    run: async (t) => {
      const s = await start(t);
      const exp = toHex(s.data.tags.get('5F24') ?? new Uint8Array(0));
      const eff = toHex(s.data.tags.get('5F25') ?? new Uint8Array(0));
      const p = dateProblem(`20${exp}`, 'expiry date 5F24');
      if (p) t.fail(p);
      if (eff) {
        const q = dateProblem(`20${eff}`, 'effective date 5F25');
        if (q) t.fail(q);
        t.check(exp > eff, `expiry ${exp} is not after the effective date ${eff}`);
      }
    },
  }),
  flow({
    id: 'pboc.records.cvm-list',
    title: 'the CVM list 8E is amount X ‖ amount Y ‖ two-byte rules',
    refs: [REF.emvB3('10.5'), REF.emvB3('Annex C3')],
    risk: 'spends',
    run: async (t) => {
      const s = await start(t);
      const cvm = s.data.tags.get('8E');
      if (!cvm) return t.fail('the records carry no CVM list 8E');
      t.check(cvm.length >= 10 && cvm.length % 2 === 0, `CVM list of ${cvm.length} bytes is not X(4) ‖ Y(4) ‖ rules of 2 bytes`);
    },
  }),
  flow({
    id: 'pboc.records.beyond-afl',
    title: 'READ RECORD of a record past the last the AFL names answers 6A83',
    refs: [REF.emvB3Cmd('11'), REF.isoReadRecord],
    risk: 'spends',
    run: async (t) => {
      const app = await selectDebit(t);
      const g = await gpo(t, app, terminalData(t, { amount: 100 }));
      const afl = decodeAfl(t, g.afl);
      const last = Math.max(...afl.filter((e) => e.sfi === afl[0]!.sfi).map((e) => e.last));
      await t.send(`00B2${hexOf(last + 1, 1)}${hexOf((afl[0]!.sfi << 3) | 4, 1)}00`, { sw: '6A83' }, `READ RECORD SFI ${afl[0]!.sfi} record ${last + 1}`);
    },
  }),
  flow({
    id: 'pboc.get-data.atc-and-pin-tries',
    title: 'GET DATA answers the ATC 9F36 (2 bytes) and the PIN try counter 9F17 (1 byte, ≥ 1)',
    refs: [REF.emvB3Cmd('7'), REF.dom('2')],
    run: async (t) => {
      await selectDebit(t);
      const atc = await getData(t, '9F36');
      t.check(atc.length === 2, `ATC of ${atc.length} bytes`);
      const tries = await getData(t, '9F17');
      t.check(tries.length === 1 && tries[0]! >= 1, `PIN try counter ${toHex(tries)}`);
    },
  }),
  flow({
    id: 'pboc.ec.limits',
    title: 'electronic cash: balance 9F79 ≤ balance limit 9F77 ≤ 1000 yuan, single limit 9F78 ≤ 9F77',
    refs: [REF.dom('2'), REF.dom('3'), REF.jr5],
    run: async (t) => {
      await selectDebit(t);
      const balance = await ecValue(t, '9F79');
      const limit = await ecValue(t, '9F77');
      const single = await ecValue(t, '9F78');
      t.check(balance <= limit, `EC balance ${balance} fen is above the balance limit ${limit}`);
      t.check(limit <= 100_000, `EC balance limit ${limit} fen is above 1000 yuan`);
      t.check(single <= limit, `EC single-transaction limit ${single} fen is above the balance limit ${limit}`);
      t.note(`EC balance ${balance} fen, limit ${limit}, single ${single}`);
    },
  }),
  flow({
    id: 'pboc.get-data.log-format',
    title: 'the log entry 9F4D of the FCI names a log whose format 9F4F is a DOL',
    refs: [REF.emvB3('Annex A (9F4D, 9F4F)'), REF.dom('2')],
    run: async (t) => {
      const app = await selectDebit(t);
      const entry = valueAt(app.fci, '9F4D');
      if (!entry) return t.skip('the FCI has no log entry 9F4D');
      const format = await getData(t, '9F4F');
      try {
        t.check(parseDol(format).length > 0, 'the log format 9F4F is empty');
      } catch (err) {
        t.fail(`log format 9F4F ${toHex(format)} is not a DOL: ${(err as Error).message}`);
      }
    },
  }),
  steps({
    id: 'pboc.get-data.unknown',
    title: 'GET DATA of an object the card does not have answers 6A88',
    refs: [REF.emvB3Cmd('7'), REF.isoSw],
    steps: [
      { send: SELECT_DEBIT, expect: OK },
      { send: '80CA5F5000', expect: { sw: '6A88' } },
    ],
  }),
  flow({
    id: 'pboc.oda.sda',
    title: 'SDA: the TEST CA key verifies the issuer certificate 90, whose key verifies SSAD 93 over the static data',
    refs: [REF.emvB3('10.3'), REF.emvB2('5'), REF.dom('2')],
    risk: 'spends',
    run: async (t) => {
      const s = await start(t);
      const issuer = verifyIssuer(t, s.data, s.pan);
      verifySda(t, s.data, issuer, s.gpo.aip);
    },
  }),
  flow({
    id: 'pboc.oda.icc-certificate',
    title: 'the ICC certificate 9F46 verifies with the issuer key over the static data and names the PAN',
    refs: [REF.emvB3('10.3'), REF.emvB2('6.4'), REF.dom('2')],
    risk: 'spends',
    run: async (t) => {
      const s = await start(t);
      verifyIcc(t, s.data, verifyIssuer(t, s.data, s.pan), s.gpo.aip, s.pan);
    },
  }),
  flow({
    id: 'pboc.oda.dda',
    title: "DDA: INTERNAL AUTHENTICATE with the DDOL data answers an SDAD 9F4B that verifies under the ICC key",
    refs: [REF.emvB3Cmd('9'), REF.emvB2('6.5'), REF.dom('2')],
    risk: 'spends',
    run: async (t) => {
      const s = await start(t);
      const icc = verifyIcc(t, s.data, verifyIssuer(t, s.data, s.pan), s.gpo.aip, s.pan);
      const ddol = s.data.tags.get('9F49') ?? Uint8Array.of(0x9f, 0x37, 0x04);
      const un = t.random(4);
      const ddolData = concat(...parseDol(ddol).map((e) => (e.tag === '9F37' ? un : new Uint8Array(e.length))));
      const r = await t.send(apdu('00880000', ddolData, 256), OK, 'INTERNAL AUTHENTICATE');
      const nodes = tlvOf(r.data);
      const top = typeof nodes === 'string' || nodes.length !== 1 ? undefined : nodes[0]!;
      const sdad = top?.tag === '80' ? top.value : top?.tag === '77' ? top.children?.find((c) => c.tag === '9F4B')?.value : undefined;
      if (!sdad) return t.fail(`INTERNAL AUTHENTICATE answered ${toHex(r.data).slice(0, 32)}…: neither 80 SDAD nor 77 { 9F4B }`);
      verifyDynamic(t, sdad, icc, ddolData, 'SDAD');
      const other = Uint8Array.from(ddolData);
      other[0] ^= 0x01;
      let bound = false;
      try {
        verifyDynamic(t, sdad, icc, other, 'SDAD');
      } catch {
        bound = true;
      }
      t.check(bound, 'the SDAD also verifies for another unpredictable number');
    },
  }),
  steps({
    id: 'pboc.cvm.offline-pin',
    title: 'offline plaintext PIN: VERIFY 00 20 00 80 08 2L PIN F… answers 9000',
    refs: [REF.emvB3Cmd('12'), REF.emvB3('10.5'), REF.dom('2')],
    steps: [
      { send: SELECT_DEBIT, expect: OK },
      verifyStep('pboc'),
    ],
  }),
  flow({
    id: 'pboc.cvm.wrong-pin',
    title: 'a wrong offline PIN answers 63Cx with 9F17 − 1; the right one then answers 9000',
    refs: [REF.emvB3Cmd('12'), REF.isoSw],
    risk: 'restores',
    run: async (t) => {
      t.requirePin('pboc');
      await selectDebit(t);
      const tries = (await getData(t, '9F17'))[0]!;
      t.check(tries >= 2, `only ${tries} PIN tries left: not trying a wrong PIN`);
      const wrong = t.settings.pbocPin.replace(/\d/g, (d) => String((Number(d) + 5) % 10));
      await t.send(pbocVerify(wrong), { sw: `63C${hexOf(tries - 1, 1).slice(1)}` }, 'VERIFY wrong offline PIN');
      await t.verifyPin('pboc');
      t.check((await getData(t, '9F17'))[0] === tries, 'the PIN try counter did not come back after the right PIN');
    },
  }),
  flow({
    id: 'pboc.independence.pin',
    title: 'the two accounts are independent: a wrong PBOC PIN leaves the PIN_SSSE counter as it was',
    refs: [REF.dom('5'), REF.dom('2')],
    risk: 'restores',
    run: async (t) => {
      t.requirePin('ssse');
      t.requirePin('pboc');
      await t.send(SELECT_SSSE, OK);
      const ssse = (await t.send(`002000${hexOf(SSSE_PIN_REFERENCE, 1)}`, { sw: '63Cx' }, 'VERIFY PIN_SSSE (try counter)')).sw;
      await selectDebit(t);
      const wrong = t.settings.pbocPin.replace(/\d/g, (d) => String((Number(d) + 5) % 10));
      await t.send(pbocVerify(wrong), { sw: '63Cx' }, 'VERIFY wrong offline PIN');
      await t.verifyPin('pboc');
      await t.send(SELECT_SSSE, OK);
      await t.send(`002000${hexOf(SSSE_PIN_REFERENCE, 1)}`, { sw: hexOf(ssse, 2) }, 'VERIFY PIN_SSSE (try counter) unchanged');
    },
  }),
  steps({
    id: 'pboc.gac.without-gpo',
    title: 'GENERATE AC without GET PROCESSING OPTIONS answers 6985',
    refs: [REF.emvB3Cmd('5'), REF.isoSw],
    steps: [
      { send: SELECT_DEBIT, expect: OK },
      { send: apdu('80AE8000', new Uint8Array(52), 256), label: 'GENERATE AC', expect: { sw: '6985' } },
    ],
  }),
  flow({
    id: 'pboc.gac.rfu-p1',
    title: 'GENERATE AC with the RFU cryptogram type (P1 C0) answers 6A86',
    refs: [REF.emvB3Cmd('5'), REF.isoSw],
    risk: 'spends',
    run: async (t) => {
      const s = await start(t);
      const data = new Uint8Array(parseDol(cdol(t, s, '8C')).reduce((n, e) => n + e.length, 0));
      await t.send(apdu('80AEC000', data, 256), { sw: '6A86' }, 'GENERATE AC P1 C0');
    },
  }),
  flow({
    id: 'pboc.gac1.aac',
    title: 'GENERATE AC 1 asking for an AAC answers an AAC (never a higher cryptogram than asked)',
    refs: [REF.emvB3Cmd('5'), REF.emvB3('9.3'), REF.jr5],
    risk: 'spends',
    run: async (t) => {
      const s = await start(t);
      const a = await generateAc(t, 0x00, cdol(t, s, '8C'), s.values, 'GENERATE AC 1 (AAC)');
      t.check(a.type === 'AAC', `asked for an AAC, the card answered an ${a.type}`);
    },
  }),
  flow({
    id: 'pboc.gac1.arqc',
    title: 'GENERATE AC 1 asking for an ARQC answers CID 80, the ATC and an IAD 07 | DKI | CVN 01 | CVR | algorithm',
    refs: [REF.emvB3Cmd('5'), REF.jr5, REF.dom('2')],
    risk: 'spends',
    run: async (t) => {
      const s = await start(t);
      const atc = await atcNow(t);
      const a = await generateAc(t, 0x80, cdol(t, s, '8C'), s.values, 'GENERATE AC 1 (ARQC)');
      t.check(a.type === 'ARQC', `asked for an ARQC, the card answered an ${a.type} (CID ${hexOf(a.cid, 1)})`);
      t.check(a.atc === atc, `GENERATE AC answered ATC ${a.atc}, GET DATA ${atc}`);
      const iad = iadOf(t, a.iad);
      t.check(iad.cvn === 0x01, `CVN ${hexOf(iad.cvn, 1)} on the contact interface, not 01`);
    },
  }),
  flow({
    id: 'pboc.gac1.arqc-issuer',
    title: 'the test issuer recomputes the ARQC from its master keys (UDK, session key at the ATC, MAC over the CDOL1 data)',
    refs: [REF.emvB2('8.1'), REF.dom('2'), 'docs/pboc.md [R] (AC input, SM4 analogue)'],
    risk: 'spends',
    run: async (t) => {
      await online(t);
    },
  }),
  flow({
    id: 'pboc.online.approved',
    title: 'online approval: ARPC → EXTERNAL AUTHENTICATE 9000 → GENERATE AC 2 answers a TC the issuer verifies',
    refs: [REF.emvB3('10.9'), REF.emvB3Cmd('4'), REF.emvB3Cmd('5'), REF.emvB2('8.2')],
    risk: 'spends',
    run: async (t) => {
      const o = await online(t);
      const arpc = arpcFor(o.keys, o.arqc.atc, o.arqc.ac, ARC_APPROVED);
      await t.send(apdu('00820000', concat(arpc, ARC_APPROVED)), OK, 'EXTERNAL AUTHENTICATE (ARPC ‖ ARC)');
      const tc = await secondAc(t, o, 0x40, ARC_APPROVED);
      t.check(tc.type === 'TC', `GENERATE AC 2 after issuer authentication and ARC 00 answered an ${tc.type}`);
      t.check(issuerChecks(o.keys, o.values, o.gpo.aip, tc, ARC_APPROVED), `the issuer does not recompute the TC ${toHex(tc.ac)}`);
    },
  }),
  flow({
    id: 'pboc.online.wrong-arpc',
    title: 'EXTERNAL AUTHENTICATE with a wrong ARPC answers 6300; GENERATE AC 2 then answers a TC or an AAC, never an ARQC',
    refs: [REF.emvB3Cmd('4'), REF.emvB3Cmd('5'), REF.emvB3('10.9')],
    risk: 'spends',
    run: async (t) => {
      const o = await online(t);
      const arpc = arpcFor(o.keys, o.arqc.atc, o.arqc.ac, ARC_APPROVED);
      arpc[0] ^= 0x01;
      await t.send(apdu('00820000', concat(arpc, ARC_APPROVED)), { sw: '6300' }, 'EXTERNAL AUTHENTICATE (wrong ARPC)');
      const second = await secondAc(t, o, 0x40, ARC_APPROVED);
      t.check(second.type === 'TC' || second.type === 'AAC', `GENERATE AC 2 answered an ${second.type}`);
      t.note(`after a failed issuer authentication the card answered an ${second.type}`);
    },
  }),
  flow({
    id: 'pboc.gac.third',
    title: 'a third GENERATE AC in one transaction answers 6985',
    refs: [REF.emvB3Cmd('5'), REF.isoSw],
    risk: 'spends',
    run: async (t) => {
      const s = await start(t);
      await generateAc(t, 0x00, cdol(t, s, '8C'), s.values, 'GENERATE AC 1 (AAC)');
      const data = new Uint8Array(parseDol(cdol(t, s, '8D')).reduce((n, e) => n + e.length, 0));
      await t.send(apdu('80AE0000', data, 256), { sw: ['6985', '9000'] }, 'GENERATE AC 2 (AAC)');
      await t.send(apdu('80AE0000', data, 256), { sw: '6985' }, 'GENERATE AC 3');
    },
  }),
  steps({
    id: 'pboc.get-challenge',
    title: 'GET CHALLENGE (00 84 00 00 00) in the payment application answers 8 random bytes',
    refs: [REF.emvB3Cmd('6'), REF.isoChallenge],
    steps: [
      { send: SELECT_DEBIT, expect: OK },
      { send: '0084000000', expect: { sw: '9000', length: 8 } },
    ],
  }),
  flow({
    id: 'pboc.scripts.ec-load',
    title: 'issuer script PUT DATA 9F79 with its MAC loads electronic cash (then sets the balance back)',
    refs: [REF.emvB3('10.10'), REF.dom('2'), REF.jr5],
    risk: 'restores',
    run: async (t) => {
      const o = await online(t);
      const before = await ecValue(t, '9F79');
      const limit = await ecValue(t, '9F77');
      const target = Math.min(limit, before + 1000);
      t.check(target > before, `the EC balance ${before} is at its limit ${limit}: nothing to load`);
      const put = (fen: number) => scriptCommand(o.keys, o.arqc.atc, o.arqc.ac, [0x04, 0xda, 0x9f, 0x79], amountN12(fen));
      await t.send(put(target), OK, `PUT DATA 9F79 = ${target}`);
      t.check((await ecValue(t, '9F79')) === target, 'GET DATA 9F79 does not show the loaded balance');
      await t.send(put(before), OK, `PUT DATA 9F79 = ${before} (back)`);
      t.check((await ecValue(t, '9F79')) === before, 'the EC balance did not come back');
      await secondAc(t, o, 0x00, ARC_APPROVED);
    },
  }),
  flow({
    id: 'pboc.scripts.wrong-mac',
    title: 'an issuer script with a wrong MAC answers 6988 and changes nothing',
    refs: [REF.emvB3('10.10'), REF.isoSm, REF.dom('2')],
    risk: 'spends',
    run: async (t) => {
      const o = await online(t);
      const before = await ecValue(t, '9F79');
      const cmd = scriptCommand(o.keys, o.arqc.atc, o.arqc.ac, [0x04, 0xda, 0x9f, 0x79], amountN12(before + 1));
      cmd[cmd.length - 1] ^= 0x01;
      await t.send(cmd, { sw: '6988' }, 'PUT DATA 9F79 with a wrong MAC');
      t.check((await ecValue(t, '9F79')) === before, 'the EC balance changed on a refused script');
    },
  }),
  flow({
    id: 'pboc.scripts.over-limit',
    title: 'an EC load above the balance limit 9F77 is refused and the balance stays',
    refs: [REF.dom('2'), REF.dom('3'), REF.jr5],
    risk: 'spends',
    run: async (t) => {
      const o = await online(t);
      const before = await ecValue(t, '9F79');
      const limit = await ecValue(t, '9F77');
      await t.send(scriptCommand(o.keys, o.arqc.atc, o.arqc.ac, [0x04, 0xda, 0x9f, 0x79], amountN12(limit + 1)), { sw: '!9000' }, 'PUT DATA 9F79 = limit + 1');
      t.check((await ecValue(t, '9F79')) === before, 'the EC balance changed on a refused load');
    },
  }),
  flow({
    id: 'pboc.scripts.outside-transaction',
    title: 'a script command outside a transaction (no cryptogram yet) is refused: 6985',
    refs: [REF.emvB3('10.10'), REF.isoSw],
    run: async (t) => {
      await selectDebit(t);
      await t.send(apdu('04DA9F79', concat(amountN12(0), new Uint8Array(4))), { sw: ['6985', '6988'] }, 'PUT DATA 9F79 without a transaction');
    },
  }),
  flow({
    id: 'pboc.app-block',
    title: 'APPLICATION BLOCK script: SELECT answers 6283, GENERATE AC an AAC; APPLICATION UNBLOCK restores it',
    refs: [REF.emvB3Cmd('1'), REF.emvB3Cmd('2'), REF.emvB1Pse],
    risk: 'blocks',
    riskNote: 'blocks the payment application before unblocking it',
    run: async (t) => {
      const o = await online(t);
      await t.send(scriptCommand(o.keys, o.arqc.atc, o.arqc.ac, SCRIPT_COMMANDS.applicationBlock, new Uint8Array(0)), OK, 'APPLICATION BLOCK');
      await t.reset();
      const s = await start(t, 100, '6283');
      const aac = await generateAc(t, 0x80, cdol(t, s, '8C'), s.values, 'GENERATE AC 1 (ARQC asked)');
      t.check(aac.type === 'AAC', `a blocked application answered an ${aac.type}`);
      await t.send(scriptCommand(o.keys, aac.atc, aac.ac, SCRIPT_COMMANDS.applicationUnblock, new Uint8Array(0)), OK, 'APPLICATION UNBLOCK');
      await t.reset();
      await t.send(SELECT_DEBIT, OK, 'SELECT of the unblocked application');
    },
  }),
  flow({
    id: 'pboc.pin-unblock',
    title: 'a blocked offline PIN (6983) is unblocked by the PIN UNBLOCK script 84 24 00 00',
    refs: [REF.emvB3Cmd('10'), REF.emvB3Cmd('12')],
    risk: 'blocks',
    riskNote: 'blocks the PBOC offline PIN before unblocking it',
    run: async (t) => {
      t.requirePin('pboc');
      await selectDebit(t);
      const wrong = t.settings.pbocPin.replace(/\d/g, (d) => String((Number(d) + 5) % 10));
      for (let i = 0; i < 15; i++) {
        const r = await t.send(pbocVerify(wrong), { sw: ['63Cx', '6983'] }, 'VERIFY wrong offline PIN');
        if (r.sw === 0x6983 || r.sw === 0x63c0) break;
      }
      await t.send(pbocVerify(t.settings.pbocPin), { sw: '6983' }, 'VERIFY on the blocked PIN');
      await t.reset();
      const o = await online(t);
      await t.send(scriptCommand(o.keys, o.arqc.atc, o.arqc.ac, SCRIPT_COMMANDS.pinUnblock, new Uint8Array(0)), OK, 'PIN UNBLOCK');
      await t.verifyPin('pboc');
    },
  }),
  flow({
    id: 'pboc.card-block',
    title: 'CARD BLOCK script: the payment applications answer 6A81 to SELECT; the social-security application still works',
    refs: [REF.emvB3Cmd('3'), REF.emvB1Pse, REF.dom('5')],
    risk: 'blocks',
    riskNote: 'blocks the payment applications for good',
    final: true,
    run: async (t) => {
      const o = await online(t);
      await t.send(scriptCommand(o.keys, o.arqc.atc, o.arqc.ac, SCRIPT_COMMANDS.cardBlock, new Uint8Array(0)), OK, 'CARD BLOCK');
      await t.reset();
      await t.send(SELECT_PSE, { sw: '6A81' }, 'SELECT PSE after CARD BLOCK');
      await t.send(SELECT_DEBIT, { sw: '6A81' }, 'SELECT A000000333010101 after CARD BLOCK');
      await t.send(SELECT_SSSE, OK, 'SELECT SSSE (independent account)');
      await t.send('00B2072C0B', OK, 'READ RECORD EF05 record 7');
    },
  }),
];

/** Every case of the suite, in run order. */
export const PBOC_CASES: readonly ConformanceCase[] = cases;
