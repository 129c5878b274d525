// serializeImage equals JSON.stringify(value, null, 1) + "\n" (the expected value comes from the
// platform's JSON.stringify, not from the code under test), for any JSON value, frozen or not, and for
// a card's image after every command of a session (the memo of frozen subtrees never goes stale).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../../src/apdu/bytes.js';
import { seededRandom } from '../../../src/env.js';
import { silentLogger } from '../../../src/log.js';
import { createCard, type CardImage, type CardStore } from '../../../src/card/index.js';
import { serializeImage } from '../../../src/card/runtime/serialize.js';
import { deepFreeze } from '../../../src/card/runtime/transaction.js';
import { clock, personalised } from './personalised.js';

describe('serializeImage', () => {
  it('is JSON.stringify(v, null, 1) + newline for any JSON value, frozen or not, twice in a row', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, freeze) => {
        const v = freeze ? deepFreeze(structuredClone(value)) : value;
        const expected = `${JSON.stringify(v, null, 1)}\n`;
        expect(serializeImage(v as object)).toBe(expected);
        expect(serializeImage(v as object)).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('follows a card image through state-changing commands (memoised subtrees shared with older images)', () => {
    const saved: CardImage[] = [];
    const store: CardStore = { description: 'capture', load: () => personalised('shanghai'), save: (image) => void saved.push(image) };
    const card = createCard(personalised('shanghai'), { random: seededRandom(4), clock, log: silentLogger() }, { store });
    card.powerOn('contact');
    const PDOL_DATA = `00000000${'000000012345'}${'0'.repeat(12)}0156${'00'.repeat(5)}0156261122001122334400` + '01';
    card.transmit(fromHex('00A4040008A000000333010101'));
    for (let i = 0; i < 5; i++) card.transmit(fromHex(`80A8000025${'8323'}${PDOL_DATA}00`));
    card.transmit(fromHex('00A404000F7378312E73682EC9E7BBE1B1A3D5CF'));
    card.transmit(fromHex('0020000003999999'));
    card.transmit(fromHex('0020000003123456'));
    expect(saved.length).toBeGreaterThanOrEqual(7);
    for (const image of saved) expect(serializeImage(image)).toBe(`${JSON.stringify(image, null, 1)}\n`);
  });
});
