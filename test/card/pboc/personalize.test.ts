/**
 * The `financial` profile section and the personalisation hook (docs/pboc.md "Profile section").
 */
import { describe, expect, it } from 'vitest';
import { fixedClock, seededRandom } from '../../../src/env.js';
import { personalizeFinancial, luhnDigit } from '../../../src/card/apps/pboc/personalize.js';
import { FinancialProfileError, parseFinancialSection } from '../../../src/card/apps/pboc/profile.js';
import type { CardImage, DfImage } from '../../../src/card/runtime/types.js';
import type { PbocState } from '../../../src/card/apps/pboc/state.js';
import { TEST_FINANCIAL_SECTION } from './helpers/terminal.js';

function emptyImage(): CardImage {
  return {
    format: 'sscard-card-image',
    version: 1,
    profile: 't',
    protocol: 'T=1',
    atr: { contact: '', contactless: '' },
    cardLifeCycle: 'active',
    mf: { kind: 'df', fid: 0x3f00, children: [{ kind: 'df', aid: 'D15600000501', label: 'SSSE', children: [] }] },
    apps: { other: { x: 1 } },
  };
}

describe('financial profile section', () => {
  it('fills the defaults; only masterKeys are required', () => {
    const p = parseFinancialSection({ masterKeys: TEST_FINANCIAL_SECTION.masterKeys });
    expect(p.aid).toBe('A000000333010101');
    expect(p.algorithm).toBe('SM4');
    expect(p.ec.balanceLimit).toBe(100_000);
  });

  it('lists every problem with its path', () => {
    try {
      parseFinancialSection({ algorithm: 'AES', masterKeys: { AC: '00' }, ec: { balance: 5, balanceLimit: 1 } });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(FinancialProfileError);
      const msg = (err as Error).message;
      expect(msg).toContain('financial.algorithm');
      expect(msg).toContain('financial.masterKeys.AC');
      expect(msg).toContain('financial.masterKeys.MAC: missing');
      expect(msg).toContain('financial.ec.balance: 5 exceeds balanceLimit 1');
    }
  });

  it('Luhn digit (ISO/IEC 7812-1 example 7992739871 → 3)', () => {
    expect(luhnDigit('7992739871')).toBe('3');
  });

  it('personalizeFinancial appends PPSE, PSE and the ADF and sets apps.pboc, touching nothing else', () => {
    const image = emptyImage();
    personalizeFinancial({
      profile: { financial: TEST_FINANCIAL_SECTION, interfaces: ['contact', 'contactless'] },
      image,
      random: seededRandom(1),
      clock: fixedClock(new Date('2026-11-22T00:00:00Z')),
    });
    const names = image.mf.children.map((c) => (c as DfImage).aid);
    expect(names).toEqual(['D15600000501', '325041592E5359532E4444463031', '315041592E5359532E4444463031', 'A000000333010101']);
    const state = image.apps.pboc as PbocState;
    expect(state.atc).toBe(0);
    expect(state.ec.balance).toBe(50_000);
    expect(state.pan).toMatch(/^621234\d{13}$/);
    expect(luhnDigit(state.pan.slice(0, -1))).toBe(state.pan.slice(-1));
    expect(image.apps.other).toEqual({ x: 1 });
    // UDKs are not the master keys
    expect(state.keys.ac).not.toBe(TEST_FINANCIAL_SECTION.masterKeys.AC);
  });

  it('a contact-only card gets no PPSE', () => {
    const image = emptyImage();
    personalizeFinancial({ profile: { financial: TEST_FINANCIAL_SECTION, interfaces: ['contact'] }, image, random: seededRandom(2), clock: fixedClock(new Date()) });
    expect(image.mf.children.map((c) => (c as DfImage).aid)).not.toContain('325041592E5359532E4444463031');
  });
});
