/**
 * Laws of the financial application under random command sequences (fast-check, modest run counts):
 * - the ATC strictly increases with every GPO and never goes back, also across power cuts;
 * - the EC balance stays within [0, limit] after any sequence of purchases, loads and power cuts;
 * - no response ever contains key bytes (UDKs, session keys, the ICC private key);
 * - commands of the financial application never change anything outside its own DFs and state.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../src/apdu/bytes.js';
import { pbocSessionKey } from '../../../src/crypto/kdf.js';
import type { PbocState } from '../../../src/card/apps/pboc/state.js';
import type { CardImage } from '../../../src/card/runtime/types.js';
import { makeCard, type Fixture } from './helpers/setup.js';
import { TestIssuer, n12, tag } from './helpers/terminal.js';

type Step =
  | { kind: 'qpboc'; amount: number; ttq: string }
  | { kind: 'contact'; amount: number; p1: number }
  | { kind: 'load'; balance: number; badMac: boolean }
  | { kind: 'powerCut' }
  | { kind: 'random'; apdu: Uint8Array };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('qpboc' as const), amount: fc.integer({ min: 0, max: 60_000 }), ttq: fc.constantFrom('20000080', '28000080', '20800080', '20000000') }),
  fc.record({ kind: fc.constant('contact' as const), amount: fc.integer({ min: 0, max: 60_000 }), p1: fc.constantFrom(0x00, 0x40, 0x80) }),
  fc.record({ kind: fc.constant('load' as const), balance: fc.integer({ min: 0, max: 120_000 }), badMac: fc.boolean() }),
  fc.record({ kind: fc.constant('powerCut' as const) }),
  fc.record({
    kind: fc.constant('random' as const),
    apdu: fc.tuple(fc.constantFrom(0x00, 0x80, 0x84, 0x04), fc.constantFrom(0xa8, 0xae, 0xca, 0x20, 0x82, 0x88, 0xda, 0xdc, 0x1e, 0x18, 0x24, 0xb2), fc.uint8Array({ minLength: 2, maxLength: 40 })).map(
      ([cla, ins, rest]) => Uint8Array.of(cla, ins, ...rest),
    ),
  }),
);

const PDOL = (ttq: string, amount: number) => `${ttq}${n12(amount)}${n12(0)}0156${'00'.repeat(5)}01562611220011223344000100`;
const CDOL1 = (amount: number) => `${n12(amount)}${n12(0)}0156${'00'.repeat(5)}015626112200AABBCCDD103000${'20'.repeat(20)}`;

/** Runs a step; returns every response (hex) and how many GPOs answered 9000. */
function run(fx: Fixture, s: Step): string[] {
  return runCounting(fx, s).responses;
}

function runCounting(fx: Fixture, s: Step): { responses: string[]; gpoOk: number } {
  const out: string[] = [];
  let gpoOk = 0;
  const tx = (h: string) => {
    const r = fx.card.transmit(h);
    // 6F00 is the card's answer to a bug in a handler: a failure here, never an accepted status word
    expect(r.sw, `6F00 for ${h}`).not.toBe(0x6f00);
    out.push(r.toHex());
    return r;
  };
  switch (s.kind) {
    case 'powerCut':
      fx.reopen();
      break;
    case 'qpboc':
      fx.card.powerOn('contactless');
      tx('00A4040008A00000033301010100');
      if (tx(`80A80000258323${PDOL(s.ttq, s.amount)}00`)?.ok) gpoOk++;
      break;
    case 'contact': {
      fx.card.powerOn('contact');
      tx('00A4040008A00000033301010100');
      if (tx(`80A80000258323${PDOL('00000000', s.amount)}00`)?.ok) gpoOk++;
      tx(`80AE${s.p1.toString(16).padStart(2, '0')}0034${CDOL1(s.amount)}00`);
      break;
    }
    case 'load': {
      fx.card.powerOn('contact');
      tx('00A4040008A00000033301010100');
      if (tx(`80A80000258323${PDOL('00000000', 0)}00`)?.ok) gpoOk++;
      const r = tx(`80AE800034${CDOL1(0)}00`);
      if (!r || !r.ok) break;
      const atc = parseInt(toHex(tag(r.data, '9F36')!), 16);
      const issuer = new TestIssuer(fx.profile, fx.part.info.pan, fx.part.info.psn);
      tx(issuer.script('04DA9F79', n12(s.balance), atc, tag(r.data, '9F26')!, s.badMac));
      break;
    }
    case 'random': {
      if (!fx.card.card.powered) fx.card.powerOn('contact');
      const r = tx(toHex(s.apdu));
      if (r?.ok && s.apdu[1] === 0xa8) gpoOk++;
      break;
    }
  }
  return { responses: out, gpoOk };
}

const stateOf = (fx: Fixture) => fx.saved().apps.pboc as PbocState;

describe('financial application laws', () => {
  it('ATC strictly increases with every GPO and survives power cuts; EC balance within [0, limit]', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), (steps) => {
        const fx = makeCard();
        let lastAtc = stateOf(fx).atc;
        for (const s of steps) {
          const before = stateOf(fx).atc;
          const { gpoOk } = runCounting(fx, s);
          const st = stateOf(fx);
          // every successful GPO moved the ATC by exactly one; nothing else moves it
          expect(st.atc).toBe(before + gpoOk);
          if (gpoOk > 0) expect(st.atc).toBeGreaterThan(lastAtc);
          lastAtc = st.atc;
          expect(st.ec.balance).toBeGreaterThanOrEqual(0);
          expect(st.ec.balance).toBeLessThanOrEqual(st.ec.balanceLimit);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('no response reveals a key (UDKs, session keys of the ATCs used, ICC private key)', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 10 }), (steps) => {
        const fx = makeCard();
        const responses = steps.flatMap((s) => run(fx, s));
        const st = stateOf(fx);
        const secrets = [st.keys.ac, st.keys.mac, st.keys.enc, st.keys.iccPrivate];
        for (let atc = 0; atc <= st.atc; atc++) {
          for (const k of [st.keys.ac, st.keys.mac, st.keys.enc]) secrets.push(toHex(pbocSessionKey(st.algorithm, fromHex(k), atc)));
        }
        // any 8-byte window of a key would be a leak
        const windows = secrets.flatMap((k) => Array.from({ length: k.length / 2 - 7 }, (_, i) => k.slice(2 * i, 2 * i + 16)));
        for (const r of responses) for (const w of windows) expect(r.includes(w) && r.indexOf(w) % 2 === 0).toBe(false);
      }),
      { numRuns: 25 },
    );
  });

  it('financial commands change nothing outside the financial DFs and state', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 10 }), (steps) => {
        const fx = makeCard();
        // a foreign DF (stands for the SSSE tree) and foreign app state
        const image = fx.saved();
        image.mf.children.push({ kind: 'df', aid: 'D15600000501', label: 'foreign', children: [{ kind: 'ef', fid: 5, sfi: 5, structure: 'linear-fixed', records: ['0102'], read: 'free', update: 'never' }], pins: [{ id: 'PIN_SSSE', reference: 0, value: '123456', triesLeft: 3, maxTries: 3 }] });
        image.apps.other = { counter: 7 };
        fx.replace(image);
        const foreign = (img: CardImage) => JSON.stringify([img.mf.children.filter((c) => c.label === 'foreign'), img.apps.other, img.cardLifeCycle]);
        const before = foreign(image);
        for (const s of steps) run(fx, s);
        expect(foreign(fx.saved())).toBe(before);
      }),
      { numRuns: 20 },
    );
  });
});
