/**
 * Issuer scripts with secure messaging after an online authorisation (DOMAIN.md §2 "Issuer scripts"):
 * EC load by PUT DATA 9F79, a wrong MAC rejected, a load above the limit refused, application
 * block/unblock, PIN unblock. The MACs are computed by the test issuer from the master keys.
 */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../src/apdu/bytes.js';
import { makeCard, type Fixture } from './helpers/setup.js';
import { TestIssuer, n12, tag } from './helpers/terminal.js';

const CDOL1 = (amount: number) => `${n12(amount)}${n12(0)}0156${'00'.repeat(5)}015626112200AABBCCDD103000${'20'.repeat(20)}`;

/** Contact online transaction up to GAC1 ARQC; returns ATC and ARQC. */
function goOnline(fx: Fixture, amount = 0): { atc: number; arqc: Uint8Array; issuer: TestIssuer } {
  fx.card.powerOn('contact');
  expect(fx.card.transmit('00A4040008A00000033301010100').sw).toBe(0x9000);
  // GPO
  expect(fx.card.transmit(`80A80000258323${'00000000'}${n12(amount)}${n12(0)}0156${'00'.repeat(5)}01562611220011223344000100`).sw).toBe(0x9000);
  // GAC1 asking ARQC
  const r = fx.card.transmit(`80AE800034${CDOL1(amount)}00`);
  expect(toHex(tag(r.data, '9F27')!)).toBe('80');
  return {
    atc: parseInt(toHex(tag(r.data, '9F36')!), 16),
    arqc: tag(r.data, '9F26')!,
    issuer: new TestIssuer(fx.profile, fx.part.info.pan, fx.part.info.psn),
  };
}

describe('issuer scripts', () => {
  it('EC load: PUT DATA 04 DA 9F 79 0A new balance ‖ MAC → 9000, balance and load log updated', () => {
    const fx = makeCard();
    const { atc, arqc, issuer } = goOnline(fx);
    // issuer script: new balance 800.00
    const script = issuer.script('04DA9F79', n12(80_000), atc, arqc);
    expect(script.slice(0, 10)).toBe('04DA9F790A');
    expect(fx.card.transmit(script).sw).toBe(0x9000);
    expect(toHex(fx.card.transmit('80CA9F7900').data)).toBe(`9F7906${n12(80_000)}`);
    // load log record 1: P1P2 9F79 | before 500.00 | after 800.00 | …
    const log = fx.card.transmit('00B2016400');
    expect(log.sw).toBe(0x9000);
    expect(toHex(log.data).slice(0, 28)).toBe(`9F79${n12(50_000)}${n12(80_000)}`);
    // survives a power cut
    fx.reopen().powerOn('contact');
    fx.card.transmit('00A4040008A00000033301010100');
    expect(toHex(fx.card.transmit('80CA9F7900').data)).toBe(`9F7906${n12(80_000)}`);
  });

  it('a wrong MAC is rejected with 6988 and changes nothing', () => {
    const fx = makeCard();
    const { atc, arqc, issuer } = goOnline(fx);
    expect(fx.card.transmit(issuer.script('04DA9F79', n12(80_000), atc, arqc, true)).sw).toBe(0x6988);
    expect(toHex(fx.card.transmit('80CA9F7900').data)).toBe(`9F7906${n12(50_000)}`);
    // a MAC made for another ATC is wrong too
    expect(fx.card.transmit(issuer.script('04DA9F79', n12(80_000), atc + 1, arqc)).sw).toBe(0x6988);
  });

  it('a load above the balance limit 9F77 is refused (6A80)', () => {
    const fx = makeCard();
    const { atc, arqc, issuer } = goOnline(fx);
    expect(fx.card.transmit(issuer.script('04DA9F79', n12(100_001), atc, arqc)).sw).toBe(0x6a80);
    expect(fx.card.transmit(issuer.script('04DA9F79', n12(100_000), atc, arqc)).sw).toBe(0x9000);
  });

  it('scripts are refused outside an online transaction (6985)', () => {
    const fx = makeCard();
    fx.card.powerOn('contact');
    fx.card.transmit('00A4040008A00000033301010100');
    const issuer = new TestIssuer(fx.profile, fx.part.info.pan, fx.part.info.psn);
    expect(fx.card.transmit(issuer.script('04DA9F79', n12(1), 0, new Uint8Array(8))).sw).toBe(0x6985);
  });

  it('APPLICATION BLOCK → SELECT 6283 and GAC declines; APPLICATION UNBLOCK restores', () => {
    const fx = makeCard();
    let s = goOnline(fx);
    expect(fx.card.transmit(s.issuer.script('841E0000', '', s.atc, s.arqc)).sw).toBe(0x9000);
    fx.card.powerOn('contact');
    const sel = fx.card.transmit('00A4040008A00000033301010100');
    expect(sel.sw).toBe(0x6283);
    expect(toHex(tag(sel.data, '84')!)).toBe('A000000333010101');
    // a blocked application declines: GAC1 asking ARQC → AAC
    fx.card.transmit(`80A80000258323${'00000000'}${n12(1)}${n12(0)}0156${'00'.repeat(5)}01562611220011223344000100`);
    let r = fx.card.transmit(`80AE800034${CDOL1(1)}00`);
    expect(toHex(tag(r.data, '9F27')!)).toBe('00');
    const atc = parseInt(toHex(tag(r.data, '9F36')!), 16);
    // qPBOC declines too
    fx.card.powerOn('contactless');
    fx.card.transmit('00A4040008A00000033301010100');
    r = fx.card.transmit(`80A80000258323${'20000080'}${n12(1)}${n12(0)}0156${'00'.repeat(5)}01562611220011223344000100`);
    expect(toHex(tag(r.data, '9F27')!)).toBe('00');
    // unblock by script after the (declined) first cryptogram of a contact transaction
    fx.card.powerOn('contact');
    fx.card.transmit('00A4040008A00000033301010100');
    fx.card.transmit(`80A80000258323${'00000000'}${n12(1)}${n12(0)}0156${'00'.repeat(5)}01562611220011223344000100`);
    r = fx.card.transmit(`80AE800034${CDOL1(1)}00`);
    const aac = tag(r.data, '9F26')!;
    const atc2 = parseInt(toHex(tag(r.data, '9F36')!), 16);
    expect(atc2).toBe(atc + 2);
    expect(fx.card.transmit(s.issuer.script('84180000', '', atc2, aac)).sw).toBe(0x9000);
    fx.card.powerOn('contact');
    expect(fx.card.transmit('00A4040008A00000033301010100').sw).toBe(0x9000);
    s = goOnline(fx);
    expect(s.atc).toBe(atc2 + 1);
  });

  it('PIN blocked after 3 wrong tries (6983), unblocked by PIN UNBLOCK 84 24 00 00', () => {
    const fx = makeCard();
    fx.card.powerOn('contact');
    fx.card.transmit('00A4040008A00000033301010100');
    expect(fx.card.transmit('002000800826999999FFFFFFFF').sw).toBe(0x63c2);
    expect(fx.card.transmit('002000800826999999FFFFFFFF').sw).toBe(0x63c1);
    expect(fx.card.transmit('002000800826999999FFFFFFFF').sw).toBe(0x6983);
    expect(fx.card.transmit('002000800826123456FFFFFFFF').sw).toBe(0x6983);
    const s = goOnline(fx);
    expect(fx.card.transmit(s.issuer.script('84240000', '', s.atc, s.arqc)).sw).toBe(0x9000);
    expect(toHex(fx.card.transmit('80CA9F1700').data)).toBe('9F170103');
    expect(fx.card.transmit('002000800826123456FFFFFFFF').sw).toBe(0x9000);
    void fromHex;
  });

  it('CARD BLOCK makes the payment applications and directories unselectable (6A81)', () => {
    const fx = makeCard();
    const s = goOnline(fx);
    expect(fx.card.transmit(s.issuer.script('84160000', '', s.atc, s.arqc)).sw).toBe(0x9000);
    fx.card.powerOn('contact');
    expect(fx.card.transmit('00A4040008A00000033301010100').sw).toBe(0x6a81);
    expect(fx.card.transmit('00A404000E315041592E5359532E444446303100').sw).toBe(0x6a81);
  });
});
