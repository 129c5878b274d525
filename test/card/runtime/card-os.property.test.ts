// Property: any sequence of APDUs (biased towards the card OS's real headers) never throws out of the
// card, always answers a status word of the table, and changes the saved image only through a command
// that answered 9000/61xx/62xx or counted a try down (63Cx, 6983).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKnownSw } from '../../../src/apdu/status-word-table.js';
import { fixedClock, seededRandom } from '../../../src/env.js';
import { silentLogger } from '../../../src/log.js';
import { MemoryCardStore, createMemoryCard } from '../../../src/card/index.js';
import { testImage } from './fixture.js';

const header = fc.record({
  cla: fc.constantFrom(0x00, 0x04, 0x80, 0x84, 0xb0, 0xff),
  ins: fc.constantFrom(0xa4, 0xb0, 0xd6, 0xb2, 0xdc, 0xe2, 0x84, 0x20, 0x5e, 0x24, 0x88, 0x82, 0x1e, 0x18, 0x16, 0xc0, 0x00, 0xca),
  p1: fc.oneof(fc.constantFrom(0, 1, 2, 3, 4, 8, 0x81), fc.integer({ min: 0, max: 255 })),
  p2: fc.oneof(fc.constantFrom(0, 0x0c, 0x04, 0x14, 0x0c, 0x1c, 0x10), fc.integer({ min: 0, max: 255 })),
});

const apdu = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(header, fc.uint8Array({ maxLength: 24 }), fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined })).map(([h, data, le]) => {
    const bytes = [h.cla, h.ins, h.p1, h.p2];
    if (data.length) bytes.push(data.length, ...data);
    if (le !== undefined) bytes.push(le);
    return Uint8Array.from(bytes);
  }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 12 }) },
);

function commitsState(sw: number): boolean {
  const sw1 = sw >> 8;
  return sw === 0x9000 || sw1 === 0x61 || sw1 === 0x62 || (sw & 0xfff0) === 0x63c0 || sw === 0x6983 || sw === 0x6300;
}

describe('card OS under random APDUs', () => {
  for (const protocol of ['T=0', 'T=1'] as const) {
    it(`never throws, answers known status words, changes state only on success (${protocol})`, () => {
      fc.assert(
        fc.property(fc.array(apdu, { maxLength: 40 }), fc.constantFrom('contact', 'contactless'), fc.integer(), (commands, iface, seed) => {
          const store = new MemoryCardStore(testImage(protocol));
          const card = createMemoryCard(store, { random: seededRandom(seed), clock: fixedClock(new Date(0)), log: silentLogger() });
          card.powerOn(iface as 'contact' | 'contactless');
          for (const command of commands) {
            const before = JSON.stringify(store.load());
            const response = card.transmit(command);
            expect(response.length).toBeGreaterThanOrEqual(2);
            const sw = (response[response.length - 2]! << 8) | response[response.length - 1]!;
            expect(isKnownSw(sw), `unknown status word ${sw.toString(16)}`).toBe(true);
            expect(sw, `6F00 (a bug in a handler) for ${Buffer.from(command).toString('hex')}`).not.toBe(0x6f00);
            if (!commitsState(sw)) expect(JSON.stringify(store.load())).toBe(before);
          }
        }),
        { numRuns: 150 },
      );
    });
  }
});
