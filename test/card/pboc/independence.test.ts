/**
 * Independence of the two accounts (issue 4): on a card personalised by the real personaliser (Shanghai
 * profile + a financial section), no command sequence through the financial application changes the
 * social-security files, counters or PINs, and no SSSE command sequence changes the financial state,
 * files or PIN — even though both PINs are 123456.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../src/apdu/bytes.js';
import { encodeGbk } from '../../../src/apdu/text/gbk.js';
import { PBOC_AIDS, PPSE_NAME, PSE_NAME } from '../../../src/card/apps/pboc/choices.js';
import { personalizeFinancial } from '../../../src/card/apps/pboc/personalize.js';
import type { PbocState } from '../../../src/card/apps/pboc/state.js';
import { MemoryCardStore } from '../../../src/card/image/store.js';
import { parseHolder } from '../../../src/card/personalize/holder.js';
import { personalize } from '../../../src/card/personalize/personalize.js';
import { parseProfile } from '../../../src/card/personalize/profile.js';
import type { CardImage, DfImage } from '../../../src/card/runtime/types.js';
import { fixedClock, seededRandom } from '../../../src/env.js';
import { TestCard } from './helpers/real-card.js';
import { TestIssuer, n12, tag, TEST_FINANCIAL_SECTION } from './helpers/terminal.js';

const FINANCIAL_DFS = new Set<string>([PBOC_AIDS.debit, PSE_NAME, PPSE_NAME]);

function makeDualCard(): { card: TestCard; store: MemoryCardStore } {
  const raw = JSON.parse(readFileSync(new URL('../../../fixtures/profiles/shanghai.json', import.meta.url), 'utf8'));
  const profile = parseProfile({ ...raw, financial: TEST_FINANCIAL_SECTION }, 'shanghai+financial');
  const holder = parseHolder(JSON.parse(readFileSync(new URL('../../../fixtures/holders/shanghai-li.json', import.meta.url), 'utf8')), encodeGbk);
  const random = seededRandom(11);
  const image = personalize(profile, holder, { random, clock: fixedClock(new Date('2026-11-22T00:00:00Z')), financial: personalizeFinancial });
  const store = new MemoryCardStore(image);
  return { card: new TestCard(store, random), store };
}

/** Everything that belongs to the social-security side (and the card as a whole). */
function ssssePart(img: CardImage): string {
  const { pboc: _pboc, ...apps } = img.apps;
  const mf = { ...img.mf, children: img.mf.children.filter((c) => !(c.kind === 'df' && FINANCIAL_DFS.has((c as DfImage).aid ?? ''))) };
  return JSON.stringify({ mf, apps, life: img.cardLifeCycle, atr: img.atr });
}

/** Everything that belongs to the financial side. */
function financialPart(img: CardImage): string {
  return JSON.stringify({ pboc: img.apps.pboc, dfs: img.mf.children.filter((c) => c.kind === 'df' && FINANCIAL_DFS.has((c as DfImage).aid ?? '')) });
}

const SELECT_ADF = '00A4040008A00000033301010100';
const GPO = `80A80000258323${'00000000'}${n12(0)}${n12(0)}0156${'00'.repeat(5)}01562611220011223344000100`;
const CDOL1 = `${n12(0)}${n12(0)}0156${'00'.repeat(5)}015626112200AABBCCDD103000${'20'.repeat(20)}`;

describe('independence of the social-security and financial applications', () => {
  it('the personalised card has both; the financial commands change nothing of the SSSE side', () => {
    const { card, store } = makeDualCard();
    const before = ssssePart(store.load());
    expect(financialPart(store.load())).toContain('A000000333010101');
    card.powerOn('contact');
    // PBOC PIN: three wrong tries → blocked
    expect(card.transmit(SELECT_ADF).sw).toBe(0x9000);
    for (const sw of [0x63c2, 0x63c1, 0x6983]) expect(card.transmit('002000800826999999FFFFFFFF').sw).toBe(sw);
    // an online transaction with scripts: EC load, PIN unblock, application block, card block
    card.transmit(GPO);
    const r = card.transmit(`80AE800034${CDOL1}00`);
    const atc = parseInt(toHex(tag(r.data, '9F36')!), 16);
    const arqc = tag(r.data, '9F26')!;
    const st = store.load().apps.pboc as PbocState;
    const issuer = new TestIssuer({ algorithm: 'SM4', masterKeys: TEST_FINANCIAL_SECTION.masterKeys }, st.pan, st.psn);
    expect(card.transmit(issuer.script('04DA9F79', n12(70_000), atc, arqc)).sw).toBe(0x9000);
    expect(card.transmit(issuer.script('84240000', '', atc, arqc)).sw).toBe(0x9000);
    expect(card.transmit(issuer.script('841E0000', '', atc, arqc)).sw).toBe(0x9000);
    expect(card.transmit(issuer.script('84160000', '', atc, arqc)).sw).toBe(0x9000);
    // ISO commands sent while the ADF is current do not reach the SSSE files
    expect(card.transmit('00DC010C03010203').sw).not.toBe(0x9000);
    expect(ssssePart(store.load())).toBe(before);
    // the SSSE application still works: its PIN 123456 has all its tries
    card.powerOn('contact');
    expect(card.transmit('00A40000023F00').sw).toBe(0x9000);
    expect(card.transmit('0020000003123456').sw).toBe(0x9000);
  });

  it('SSSE commands change nothing of the financial side, and one PIN never stands for the other', () => {
    const { card, store } = makeDualCard();
    const before = financialPart(store.load());
    card.powerOn('contact');
    expect(card.transmit('00A40000023F00').sw).toBe(0x9000);
    // SSSE PIN: the right one, then wrong tries until it is blocked (6983 even for the right PIN)
    expect(card.transmit('0020000003123456').sw).toBe(0x9000);
    for (let i = 0; i < 3; i++) card.transmit('0020000003999999');
    expect(card.transmit('0020000003123456').sw).toBe(0x6983);
    // reads of the SSSE files
    card.transmit('00B2010400');
    expect(financialPart(store.load())).toBe(before);
    // the PBOC PIN still has all its tries and still works
    expect(card.transmit(SELECT_ADF).sw).toBe(0x9000);
    expect(toHex(card.transmit('80CA9F1700').data)).toBe('9F170103');
    expect(card.transmit('002000800826123456FFFFFFFF').sw).toBe(0x9000);
  });

  it('over contactless the card answers SELECT PPSE with an FCI listing A000000333010101', () => {
    const { card } = makeDualCard();
    card.powerOn('contactless');
    const r = card.transmit('00A404000E325041592E5359532E4444463031');
    expect(r.sw).toBe(0x9000);
    expect(toHex(tag(tag(r.data, 'BF0C')!, '4F')!)).toBe('A000000333010101');
  });
});
