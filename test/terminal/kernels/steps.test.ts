/**
 * The kernel steps one at a time, against tables written from the standards (EMV 4.3 Book 1 §12, Book 3
 * §10.1-§10.7 and Annex C; JR/T 0025.12 §6.2; DOMAIN.md §2.1) and scripted card answers (the emulated
 * reader of src/apdu/layers/scripted.ts fails on any command it does not expect).
 */
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../../src/apdu/bytes.js';
import { ScriptedTransport, type ScriptStep } from '../../../src/apdu/layers/scripted.js';
import { KernelStop } from '../../../src/terminal/kernels/card-channel.js';
import { KernelContext, scriptedPinPad } from '../../../src/terminal/kernels/context.js';
import { preProcessing } from '../../../src/terminal/kernels/qpboc/pre-processing.js';
import { qpbocCvm } from '../../../src/terminal/kernels/qpboc/cvm.js';
import { buildContactCandidates, buildContactlessCandidates } from '../../../src/terminal/kernels/steps/application-selection.js';
import { cardholderVerification, parseCvmList, pinBlock } from '../../../src/terminal/kernels/steps/cardholder-verification.js';
import { parseAfl } from '../../../src/terminal/kernels/steps/initiate-application-processing.js';
import { processingRestrictions } from '../../../src/terminal/kernels/steps/processing-restrictions.js';
import { terminalActionAnalysis } from '../../../src/terminal/kernels/steps/terminal-action-analysis.js';
import { randomlySelected } from '../../../src/terminal/kernels/steps/terminal-risk-management.js';
import { tvr, TVR } from './helpers/expected-bits.js';
import { clock, constantRandom, terminalConfig } from './helpers/setup.js';

function context(steps: ScriptStep[] = [], config = terminalConfig(), amount = 1000, pins: string[] = []) {
  const transport = new ScriptedTransport(steps);
  const ctx = new KernelContext({ config, clock, random: constantRandom(), pinPad: scriptedPinPad(pins) }, transport, { amount, transactionId: 'T1' });
  return { ctx, transport };
}

const SELECT_PSE = '00A404000E315041592E5359532E444446303100';
const fci = (aid: string, priority = '01', label = '50424F43') =>
  `6F${((aid.length / 2 + 2 + 2 + label.length / 2 + 2 + 3) + 0).toString(16).padStart(2, '0')}84${(aid.length / 2).toString(16).padStart(2, '0')}${aid}A5${(label.length / 2 + 2 + 3).toString(16).padStart(2, '0')}50${(label.length / 2).toString(16).padStart(2, '0')}${label}8701${priority}`;
const select = (aid: string, next = false) => `00A404${next ? '02' : '00'}${(aid.length / 2).toString(16).padStart(2, '0').toUpperCase()}${aid}00`;

describe('application selection (EMV Book 1 §12)', () => {
  it('the PSE lists two applications; they are ordered by their priority indicator; final selection takes the first', async () => {
    const entry = (aid: string, prio: string) => `61${(aid.length / 2 + 2 + 3).toString(16).padStart(2, '0')}4F${(aid.length / 2).toString(16).padStart(2, '0')}${aid}8701${prio}`;
    const rec = `${entry('A000000333010101', '02')}${entry('A000000333010102', '01')}`;
    const { ctx, transport } = context([
      { command: SELECT_PSE, response: '6F15840E315041592E5359532E4444463031A5038801019000' },
      { command: '00B2010C00', response: `70${(rec.length / 2).toString(16).padStart(2, '0')}${rec}9000` },
      { command: '00B2020C00', response: '6A83' },
      { command: select('A000000333010102'), response: `${fci('A000000333010102', '01')}9000` },
    ]);
    const list = await buildContactCandidates(ctx);
    expect(list.remaining.map((c) => c.priority)).toEqual([1, 2]);
    const app = await list.selectNext(ctx);
    expect(Buffer.from(app.aid).toString('hex').toUpperCase()).toBe('A000000333010102');
    expect(transport.done).toBe(true);
  });

  it('no PSE (6A82): the list of AIDs, with partial matching and next occurrence; a blocked one (6283) is not a candidate', async () => {
    const { ctx, transport } = context([
      { command: SELECT_PSE, response: '6A82' },
      { command: select('A000000333010101'), response: `${fci('A00000033301010101')}6283` },
      { command: select('A000000333010101', true), response: `${fci('A00000033301010102', '03')}9000` },
      { command: select('A000000333010101', true), response: '6A82' },
      { command: select('A000000333010102'), response: '6A82' },
      { command: select('A000000333010103'), response: '6A82' },
      { command: select('A000000333010106'), response: '6A82' },
    ]);
    const list = await buildContactCandidates(ctx);
    expect(list.remaining.map((c) => Buffer.from(c.aid).toString('hex').toUpperCase())).toEqual(['A00000033301010102']);
    expect(ctx.notes.some((n) => /blocked/.test(n))).toBe(true);
    expect(transport.done).toBe(true);
  });

  it('an application asking for cardholder confirmation is left out when the terminal cannot confirm', async () => {
    const rec = '61134F08A000000333010101500450424F43870181';
    const { ctx } = context([
      { command: SELECT_PSE, response: '6F15840E315041592E5359532E4444463031A5038801019000' },
      { command: '00B2010C00', response: `7015${rec}9000` },
      { command: '00B2020C00', response: '6A83' },
      // nothing left from the PSE: the list of AIDs
      ...['A000000333010101', 'A000000333010102', 'A000000333010103', 'A000000333010106'].map((a) => ({ command: select(a), response: '6A82' })),
    ]);
    const list = await buildContactCandidates(ctx);
    expect(list.remaining).toHaveLength(0);
    await expect(list.selectNext(ctx)).rejects.toMatchObject({ outcome: 'TERMINATED', reason: { code: 'NO_APPLICATION' } });
  });

  it('final selection: a blocked application (6283) is removed, the next one is selected', async () => {
    const entry = (aid: string, prio: string) => `61${(aid.length / 2 + 2 + 3).toString(16).padStart(2, '0')}4F${(aid.length / 2).toString(16).padStart(2, '0')}${aid}8701${prio}`;
    const rec = `${entry('A000000333010101', '01')}${entry('A000000333010106', '02')}`;
    const { ctx } = context([
      { command: SELECT_PSE, response: '6F15840E315041592E5359532E4444463031A5038801019000' },
      { command: '00B2010C00', response: `70${(rec.length / 2).toString(16).padStart(2, '0')}${rec}9000` },
      { command: '00B2020C00', response: '6A83' },
      { command: select('A000000333010101'), response: `${fci('A000000333010101')}6283` },
      { command: select('A000000333010106'), response: `${fci('A000000333010106', '02')}9000` },
    ]);
    const app = await (await buildContactCandidates(ctx)).selectNext(ctx);
    expect(Buffer.from(app.aid).toString('hex').toUpperCase()).toBe('A000000333010106');
  });

  it('PPSE: 6A82 → try another interface; a PPSE without BF0C too', async () => {
    const a = context([{ command: '00A404000E325041592E5359532E444446303100', response: '6A82' }]);
    await expect(buildContactlessCandidates(a.ctx)).rejects.toMatchObject({ outcome: 'TRY_ANOTHER_INTERFACE' });
    const b = context([{ command: '00A404000E325041592E5359532E444446303100', response: '6F10840E325041592E5359532E44444630319000' }]);
    await expect(buildContactlessCandidates(b.ctx)).rejects.toMatchObject({ outcome: 'TRY_ANOTHER_INTERFACE' });
  });
});

describe('AFL (EMV Book 3 §10.2)', () => {
  it.each([
    ['', 'AFL of 0 bytes'],
    ['080101', 'multiple of 4'],
    ['00010100', 'not valid'], // SFI 0
    ['F8010100', 'not valid'], // SFI 31
    ['08020100', 'not valid'], // last < first
    ['08010102', 'not valid'], // ODA count > records
    ['09010100', 'not valid'], // low bits of the SFI byte set
  ])('%s is refused (%s)', (hex, message) => {
    expect(() => parseAfl(fromHex(hex))).toThrow(new RegExp(message));
  });
  it('a valid AFL', () => {
    expect(parseAfl(fromHex('080101001001010118010300'))).toEqual([
      { sfi: 1, first: 1, last: 1, odaCount: 0 },
      { sfi: 2, first: 1, last: 1, odaCount: 1 },
      { sfi: 3, first: 1, last: 3, odaCount: 0 },
    ]);
  });
});

describe('cardholder verification (EMV Book 3 §10.5, Annex C3)', () => {
  it('parses a CVM list: X, Y, rules', () => {
    expect(parseCvmList(fromHex('000003E8000007D041031E031F00'))).toEqual({
      x: 1000,
      y: 2000,
      rules: [
        { code: 0x41, condition: 0x03 },
        { code: 0x1e, condition: 0x03 },
        { code: 0x1f, condition: 0x00 },
      ],
    });
    expect(() => parseCvmList(fromHex('0000000000000000'))).toThrow(KernelStop);
    expect(() => parseCvmList(fromHex('000000000000000041'))).toThrow(KernelStop);
  });

  it('ISO 9564 format 2 PIN block', () => {
    expect(Buffer.from(pinBlock('123456')).toString('hex').toUpperCase()).toBe('26123456FFFFFFFF');
    expect(Buffer.from(pinBlock('1234')).toString('hex').toUpperCase()).toBe('241234FFFFFFFFFF');
    expect(Buffer.from(pinBlock('123456789012')).toString('hex').toUpperCase()).toBe('2C123456789012FF');
  });

  const run = async (list: string, amount: number, extra: Record<string, string> = {}, steps: ScriptStep[] = [], pins: string[] = []) => {
    const { ctx, transport } = context(steps, terminalConfig(), amount, pins);
    ctx.data.setCard('8E', fromHex(list));
    for (const [t, v] of Object.entries(extra)) ctx.data.setCard(t, fromHex(v));
    await cardholderVerification(ctx, fromHex('7C00'));
    expect(transport.done).toBe(true);
    return ctx;
  };

  it('amount conditions in the application currency (9F51): under X → no CVM; over X → signature', async () => {
    const list = '000003E800000000' + '1F06' + '1E07';
    expect((await run(list, 999, { '9F51': '0156' })).cvm).toBe('no-cvm');
    const over = await run(list, 1001, { '9F51': '0156' });
    expect(over.cvm).toBe('signature');
    expect(Buffer.from(over.data.terminal('9F34')!).toString('hex').toUpperCase()).toBe('1E0700');
    // another application currency: amount conditions are not satisfied, the list ends failed
    const other = await run(list, 999, { '9F51': '0840' });
    expect(other.cvm).toBe('failed');
    expect(other.tvr.hex).toBe(tvr('cvmNotSuccessful'));
    expect(Buffer.from(other.data.terminal('9F34')!).toString('hex').toUpperCase()).toBe('3F0001');
  });

  it('an unrecognised CVM (3A) with "apply succeeding": TVR byte 3 b7, then the next rule', async () => {
    const ctx = await run('0000000000000000' + '7A00' + '1F00', 100);
    expect(ctx.tvr.hex).toBe(tvr('unrecognisedCvm'));
    expect(ctx.cvm).toBe('no-cvm');
  });

  it('"fail CVM processing" (00) ends the list failed', async () => {
    const ctx = await run('0000000000000000' + '0000' + '1F00', 100);
    expect(ctx.cvm).toBe('failed');
    expect(ctx.tvr.hex).toBe(tvr('cvmNotSuccessful'));
    expect(Buffer.from(ctx.data.terminal('9F34')!).toString('hex').toUpperCase()).toBe('000001');
  });

  it('offline PIN without "apply succeeding": a wrong PIN and a bypass end the list failed', async () => {
    const ctx = await run(
      '0000000000000000' + '0100' + '1F00',
      100,
      {},
      [
        { command: '80CA9F1700', response: '9F1701039000' },
        { command: '002000800826000000FFFFFFFF', response: '63C2' },
      ],
      ['000000'],
    );
    expect(ctx.tvr.hex).toBe(tvr('cvmNotSuccessful', 'pinNotEntered'));
    expect(ctx.cvm).toBe('failed');
  });

  it('online PIN: captured for the issuer, TVR byte 3 b3', async () => {
    const ctx = await run('0000000000000000' + '0200', 100, {}, [], ['4321']);
    expect(ctx.cvm).toBe('online-pin');
    expect(ctx.onlinePin).toBe('4321');
    expect(ctx.tvr.hex).toBe(tvr('onlinePinEntered'));
  });

  it('no CVM list although the AIP says CVM is supported: ICC data missing', async () => {
    const { ctx } = context();
    await cardholderVerification(ctx, fromHex('7C00'));
    expect(ctx.tvr.hex).toBe(tvr('iccDataMissing'));
  });
});

describe('terminal action analysis (EMV Book 3 §10.7)', () => {
  const taa = (tvrBits: Array<keyof typeof TVR>, iac: Partial<Record<'9F0D' | '9F0E' | '9F0F', string>>, online = true, tac = { denial: '0000000000', online: '0000000000', default: '0000000000' }) => {
    const { ctx } = context([], terminalConfig({ onlineCapable: online, tac }));
    const srcName: Record<string, string> = { notYetEffective: 'applicationNotYetEffective', randomlySelected: 'randomlySelectedOnline' };
    for (const b of tvrBits) ctx.tvr.set((srcName[b] ?? b) as Parameters<typeof ctx.tvr.set>[0]);
    for (const [t, v] of Object.entries(iac)) ctx.data.setCard(t, fromHex(v));
    return terminalActionAnalysis(ctx);
  };
  it.each([
    // [case, TVR bits, IACs, online-capable, expected]
    ['clean TVR, IACs present → TC', [], { '9F0D': 'FFFFFFFFFF', '9F0E': 'FFFFFFFFFF', '9F0F': 'FFFFFFFFFF' }, true, 'TC'],
    ['absent IAC-Denial counts as 00: a set bit alone does not deny', ['expiredApplication'], { '9F0F': '0000000000', '9F0D': '0000000000' }, true, 'TC'],
    ['absent IAC-Online counts as FF: any bit goes online', ['newCard'], { '9F0E': '0000000000' }, true, 'ARQC'],
    ['IAC-Denial matches → AAC', ['serviceNotAllowed'], { '9F0E': '0010000000' }, true, 'AAC'],
    ['offline-only: absent IAC-Default counts as FF → AAC', ['floorLimitExceeded'], { '9F0E': '0000000000' }, false, 'AAC'],
    ['offline-only: IAC-Default not matching → TC', ['floorLimitExceeded'], { '9F0E': '0000000000', '9F0D': '0000000000' }, false, 'TC'],
  ] as const)('%s', (_name, bits, iac, online, expected) => {
    expect(taa([...bits], iac, online)).toBe(expected);
  });
  it('the TAC alone decides when the IAC does not match', () => {
    expect(taa(['pinTryLimitExceeded'], { '9F0E': '0000000000', '9F0F': '0000000000' }, true, { denial: '0000200000', online: '0000000000', default: '0000000000' })).toBe('AAC');
  });
});

describe('terminal risk management: random transaction selection (EMV Book 3 §10.6.2)', () => {
  const params = { thresholdAmount: 1000, targetPercent: 20, maxTargetPercent: 60 };
  it.each([
    // amount, floor limit, draw (1..99), selected
    [500, 5000, 20, true],
    [500, 5000, 21, false],
    [3000, 5000, 40, true], // halfway between the threshold and the floor limit: 20 + (60-20)/2 = 40
    [3000, 5000, 41, false],
    [5000, 5000, 1, false], // at or above the floor limit: not random selection (the floor limit applies)
  ])('amount %i, floor %i, draw %i → %s', (amount, floor, draw, selected) => {
    expect(randomlySelected(amount, floor, params, draw)).toBe(selected);
  });
});

describe('processing restrictions (EMV Book 3 §10.4)', () => {
  const restrict = (cardData: Record<string, string>, config = terminalConfig()) => {
    const { ctx } = context([], config);
    ctx.data.setTerminal('9F09', fromHex('0030'));
    for (const [t, v] of Object.entries(cardData)) ctx.data.setCard(t, fromHex(v));
    processingRestrictions(ctx);
    return ctx.tvr.hex;
  };
  it.each([
    ['same version, valid dates, domestic goods allowed', { '9F08': '0030', '5F25': '250101', '5F24': '301231', '9F07': 'FF00', '5F28': '0156' }, tvr()],
    ['other application version', { '9F08': '0020' }, tvr('versionsDiffer')],
    ['expired yesterday', { '5F24': '261130' }, tvr('expiredApplication')],
    ['expires today: still valid', { '5F24': '261201' }, tvr()],
    ['effective tomorrow', { '5F25': '261202' }, tvr('notYetEffective')],
    ['not a date', { '5F24': '261340' }, tvr('expiredApplication')],
    ['AUC: domestic goods not allowed', { '9F07': 'DF00', '5F28': '0156' }, tvr('serviceNotAllowed')],
    ['AUC: international goods allowed only, domestic card', { '9F07': '1100', '5F28': '0156' }, tvr('serviceNotAllowed')],
    ['AUC: international card, international goods allowed', { '9F07': '1100', '5F28': '0840' }, tvr()],
    ['AUC: not valid at terminals other than ATMs', { '9F07': 'FE00', '5F28': '0156' }, tvr('serviceNotAllowed')],
  ])('%s', (_name, data, expected) => {
    expect(restrict(data)).toBe(expected);
  });
  it('AUC for services', () => {
    expect(restrict({ '9F07': 'F700', '5F28': '0156' }, terminalConfig({ merchantCategory: 'services' }))).toBe(tvr('serviceNotAllowed'));
    expect(restrict({ '9F07': 'F700', '5F28': '0156' })).toBe(tvr());
  });
});

describe('qPBOC pre-processing (JR/T 0025.12 §6.2): the six rules in order', () => {
  // TTQ of the default configuration: byte 1 = 20 qPBOC | 10 contact | 04 online PIN | 02 signature; byte 4 = 80 fDDA 01
  const base = '36000080';
  it.each([
    ['1 status check (one currency unit) → online cryptogram', 100, { contactless: { statusCheck: true } }, { ttq: '36800080' }],
    ['1 status check disabled: 1.00 is an ordinary amount', 100, {}, { ttq: base }],
    ['2 zero amount, online-capable → online cryptogram', 0, {}, { ttq: '36800080' }],
    ['3 zero amount, offline only → try another interface', 0, { onlineCapable: false }, { outcome: 'TRY_ANOTHER_INTERFACE', reason: 'ZERO_AMOUNT_OFFLINE_ONLY' }],
    ['4 at the contactless limit → try another interface', 100_000, {}, { outcome: 'TRY_ANOTHER_INTERFACE', reason: 'OVER_CONTACTLESS_LIMIT' }],
    ['4 just below the contactless limit → on', 99_999, {}, { ttq: '36C00080' }],
    ['5 at the CVM limit → CVM required', 30_000, {}, { ttq: '36400080' }],
    ['5 below the CVM limit', 29_999, {}, { ttq: base }],
    ['6 above the floor limit → online cryptogram (and 5: CVM)', 50_001, {}, { ttq: '36C00080' }],
    ['6 at the floor limit: not above', 50_000, {}, { ttq: '36400080' }],
    ['no contact interface: stop is TERMINATED', 100_000, { contactless: { contactInterface: false } }, { outcome: 'TERMINATED', reason: 'OVER_CONTACTLESS_LIMIT' }],
    ['offline-only reader: TTQ byte 1 b4 set, online PIN cleared', 1000, { onlineCapable: false }, { ttq: '3A000080' }],
  ] as const)('%s', (_name, amount, overrides, expected) => {
    const result = preProcessing(amount, terminalConfig(overrides as never));
    if ('ttq' in expected) {
      expect(result.kind).toBe('proceed');
      if (result.kind === 'proceed') expect(Buffer.from(result.ttq).toString('hex').toUpperCase()).toBe(expected.ttq);
    } else {
      expect(result.kind).toBe('stop');
      if (result.kind === 'stop') expect({ outcome: result.outcome, reason: result.reason.code }).toEqual(expected);
    }
  });
});

describe('qPBOC CVM from the CTQ (JR/T 0025.12 §7.5)', () => {
  const ttq = fromHex('36400080'); // CVM required, online PIN and signature supported
  it.each([
    ['CTQ online PIN, online', '8000', true, 'online-pin'],
    ['CTQ online PIN, offline: signature? no — not possible', '8000', false, 'fail'],
    ['CTQ signature', '4000', false, 'signature'],
    ['CTQ consumer device CVM', '0080', true, 'consumer-device'],
    ['no CTQ CVM, terminal requires one, online', '3000', true, 'online-pin'],
    ['no CTQ CVM, terminal requires one, offline', '3000', false, 'signature'],
  ])('%s', (_name, ctq, online, expected) => {
    expect(qpbocCvm({ ctq: fromHex(ctq), ttq, online }).cvm).toBe(expected);
  });
  it('nothing required → no CVM; required but the reader can do nothing → fail', () => {
    expect(qpbocCvm({ ctq: fromHex('3000'), ttq: fromHex('36000080'), online: false }).cvm).toBe('no-cvm');
    expect(qpbocCvm({ ctq: fromHex('3000'), ttq: fromHex('30400080'), online: false }).cvm).toBe('fail');
  });
});

describe('qualifiers', () => {
  it('the TTQ bits the card reads (src/spec/pboc.ts) are the kernel’s', async () => {
    const { TTQ } = await import('../../../src/spec/pboc.js');
    const { TTQ_BITS } = await import('../../../src/terminal/kernels/qpboc/qualifiers.js');
    expect(TTQ.fullPboc).toEqual(TTQ_BITS.contactlessFullPboc);
    expect(TTQ.qpboc).toEqual(TTQ_BITS.qpboc);
    expect(TTQ.offlineOnly).toEqual(TTQ_BITS.offlineOnly);
    expect(TTQ.onlineCryptogramRequired).toEqual(TTQ_BITS.onlineCryptogramRequired);
    expect(TTQ.fddaSupported).toEqual(TTQ_BITS.fddaV01);
    // DOMAIN.md §2.1: byte 1 b6 qPBOC = 20, b5 contact = 10, b4 offline only = 08, b3 online PIN = 04, b2 signature = 02; byte 2 b8 online cryptogram = 80, b7 CVM = 40; byte 4 b8 fDDA = 80
    expect([TTQ_BITS.qpboc, TTQ_BITS.contactPboc, TTQ_BITS.offlineOnly, TTQ_BITS.onlinePin, TTQ_BITS.signature, TTQ_BITS.cvmRequired]).toEqual([
      [0, 0x20],
      [0, 0x10],
      [0, 0x08],
      [0, 0x04],
      [0, 0x02],
      [1, 0x40],
    ]);
  });
});
