// Issue 8 item 3: when a save fails, nothing of the command survives — not the image, not the session
// (verified PINs, a pending GENERATE AC, the ATC, the challenge, T=0 pending data) — and a PIN try is
// never free: the try is charged by a save before the comparison, and while saves fail the PIN commands
// (VERIFY of every application, CHANGE/RELOAD PIN, PIN CHANGE/UNBLOCK) are refused (6581, ISO/IEC 7816-4
// "memory failure") without touching any counter. The store here is one whose save throws on demand.
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../src/apdu/bytes.js';
import { seededRandom } from '../../../src/env.js';
import { silentLogger } from '../../../src/log.js';
import { createCard, type Card, type CardStore } from '../../../src/card/index.js';
import type { CardImage } from '../../../src/card/runtime/types.js';
import { foldedAuth } from './fixture.js';
import { cdol1Data, clock, dfByAid, keyOf, kmMac, personalised, type ProfileName } from './personalised.js';

const SSSE = '7378312E73682EC9E7BBE1B1A3D5CF';
const DF04 = 'D15600000503';
const PKI = '504B492EC9E7BBE1B1A3D5CF';
const DEBIT = 'A000000333010101';
const PDOL_DATA = `28000000${'000000012345'}${'0'.repeat(12)}0156${'00'.repeat(5)}0156261122001122334400` + '01';
const GPO = `80A80000${(PDOL_DATA.length / 2 + 2).toString(16).toUpperCase()}83${(PDOL_DATA.length / 2).toString(16).toUpperCase()}${PDOL_DATA}00`;
const tx = (card: Card, hex: string) => toHex(card.transmit(fromHex(hex)));

/** A store whose save throws while `failing`; `saved()` is the last image written. */
class FlakyStore implements CardStore {
  readonly description = 'flaky test store';
  failing = false;
  #json: string;
  constructor(image: CardImage) {
    this.#json = JSON.stringify(image);
  }
  load(): CardImage {
    return JSON.parse(this.#json) as CardImage;
  }
  save(image: CardImage): void {
    if (this.failing) throw new Error('EROFS: read-only file system');
    this.#json = JSON.stringify(image);
  }
  saved(): CardImage {
    return this.load();
  }
}

function open(profile: ProfileName) {
  const image = personalised(profile);
  const store = new FlakyStore(image);
  const card = createCard(store.load(), { random: seededRandom(9), clock, log: silentLogger() }, { store });
  card.powerOn('contact');
  return { card, store, image };
}

/** The value of a one-byte-tag or two-byte-tag primitive inside a GENERATE AC answer (77 template). */
function atcOf(answer: string): number {
  const i = answer.indexOf('9F3602');
  return parseInt(answer.slice(i + 6, i + 10), 16);
}

describe('a failed save keeps nothing of the command', () => {
  it('wrong and right SSSE PINs while saves fail: 6581 each, no counter moves, the right PIN opens nothing; afterwards the counter is as before', () => {
    const { card, store } = open('shanghai');
    tx(card, `00A404000F${SSSE}`);
    tx(card, `00A4040006${DF04}`);
    store.failing = true;
    for (let i = 0; i < 5; i++) expect(tx(card, '0020000003999999')).toBe('6581');
    expect(tx(card, '0020000003123456')).toBe('6581'); // before issue 8: 9000 (an oracle for free guesses)
    expect(tx(card, '0020000000')).toBe('6581'); // PIN commands are refused while saves fail
    expect(tx(card, '00B2012C00')).toBe('6982'); // and the right PIN verified nothing
    store.failing = false;
    expect(tx(card, '0020000000')).toBe('63C3');
    expect(store.saved().mf.pins?.find((p) => p.id === 'PIN_SSSE')?.triesLeft).toBe(3);
    expect(tx(card, '0020000003999999')).toBe('63C2');
    expect(tx(card, '0020000003123456')).toBe('9000');
    expect(tx(card, '00B2012C00').slice(-4)).toBe('9000');
  });

  it('a save that fails after the PIN matched (the try given back) answers 6581 and leaves the PIN unverified and the try charged', () => {
    const { card, store } = open('shanghai');
    tx(card, `00A404000F${SSSE}`);
    tx(card, `00A4040006${DF04}`);
    let saves = 0;
    const save = store.save.bind(store);
    store.save = (image) => {
      saves++;
      if (saves === 2) throw new Error('ENOSPC: no space left on device'); // the second save: giving the try back
      save(image);
    };
    expect(tx(card, '0020000003123456')).toBe('6581');
    expect(tx(card, '00B2012C00')).toBe('6982');
    expect(store.saved().mf.pins?.find((p) => p.id === 'PIN_SSSE')?.triesLeft).toBe(2);
    expect(tx(card, '0020000003123456')).toBe('9000');
    expect(store.saved().mf.pins?.find((p) => p.id === 'PIN_SSSE')?.triesLeft).toBe(3);
  });

  it('PBOC offline PIN, PKI PIN and RELOAD PIN are refused while saves fail and no counter moves', () => {
    const { card, store, image } = open('shanghai');
    tx(card, `00A4040008${DEBIT}`);
    expect(tx(card, '80CA9F1700')).toBe('9F1701039000');
    store.failing = true;
    expect(tx(card, '002000800826999999FFFFFFFFFF')).toBe('6581');
    expect(tx(card, '002000800826123456FFFFFFFFFF')).toBe('6581');
    expect(tx(card, `00A404000C${PKI}`).slice(-4)).toBe('9000');
    expect(tx(card, '0020008103999999')).toBe('6581');
    expect(tx(card, '0020008103123456')).toBe('6581');
    expect(tx(card, '002A9E9A0411223344')).toBe('6982');
    // RELOAD PIN of the SSSE PIN with a valid MAC (RPK_SSSE, MAC input with CLA 84 [R]): refused too
    tx(card, `00A404000F${SSSE}`);
    const rpk = keyOf(image.mf, 'RPK_SSSE');
    const challenge = tx(card, '0084000004').slice(0, 8);
    expect(tx(card, `805E000007111111${kmMac(rpk, challenge, '845E000007111111')}`)).toBe('6581');
    store.failing = false;
    const saved = store.saved();
    expect((saved.apps.pboc as { pin: { triesLeft: number } }).pin.triesLeft).toBe(3);
    expect(dfByAid(saved, PKI).pins?.[0]?.triesLeft).toBe(3);
    expect(saved.mf.pins?.[0]?.value).toBe('123456');
    tx(card, `00A4040008${DEBIT}`);
    expect(tx(card, '80CA9F1700')).toBe('9F1701039000');
  });

  it('a failed GPO leaves no ATC behind: every cryptogram answered carries a durable ATC, and no ATC is answered twice', () => {
    const { card, store } = open('shanghai');
    const issued: number[] = [];
    const durableAtc = () => (store.saved().apps.pboc as { atc: number }).atc;
    const generateAac = () => {
      const r = tx(card, `80AE000034${cdol1Data(100, 'A1B2C3D4')}00`);
      if (r.endsWith('9000')) {
        const atc = atcOf(r);
        expect(atc, 'cryptogram at an ATC that is not saved').toBeLessThanOrEqual(durableAtc());
        issued.push(atc);
      }
      return r.slice(-4);
    };
    tx(card, `00A4040008${DEBIT}`);
    expect(tx(card, GPO).slice(-4)).toBe('9000');
    expect(generateAac()).toBe('9000');
    store.failing = true;
    expect(tx(card, GPO)).toBe('6581');
    generateAac(); // the failed GPO started no transaction
    expect(tx(card, GPO)).toBe('6581');
    store.failing = false;
    expect(tx(card, GPO).slice(-4)).toBe('9000');
    expect(generateAac()).toBe('9000');
    expect(new Set(issued).size).toBe(issued.length);
    expect(issued).toEqual([...issued].sort((a, b) => a - b));
  });

  it('a failed EXTERNAL AUTHENTICATE keeps nothing: the key counter is untouched and the challenge is still the card’s', () => {
    const { card, store, image } = open('sichuan');
    const uk = keyOf(image.mf, 'UK_SSSE');
    expect(uk.algorithm).toBe('SM4');
    tx(card, `00A404000F${SSSE}`);
    const r = tx(card, '0084000008');
    expect(r.slice(-4)).toBe('9000');
    const challenge = r.slice(0, 16);
    store.failing = true;
    expect(tx(card, `0082000410${'00'.repeat(8)}${challenge}`)).toBe('6581');
    store.failing = false;
    expect(keyOf(store.saved().mf, 'UK_SSSE').triesLeft).toBe(uk.triesLeft);
    expect(tx(card, `0082000410${foldedAuth(uk.value, challenge)}${challenge}`)).toBe('9000');
  });

  it('T=0: a state-changing command whose save fails leaves no data waiting for GET RESPONSE', () => {
    const { card, store } = open('sichuan');
    tx(card, `00A4040008${DEBIT}`);
    store.failing = true;
    expect(tx(card, GPO)).toBe('6581');
    expect(tx(card, '00C0000000')).toBe('6985');
    store.failing = false;
    expect(tx(card, GPO).slice(0, 2)).toBe('61');
  });
});
