// Property: whatever a terminal sends the PSAM — well-formed PSAM commands with random fields, after a
// random delivery or MAC1 or none — the PSAM answers a status word, never 6F00 (which the card runtime
// answers for anything a handler throws other than CardError, i.e. a bug), and a refused command changes
// nothing persistent (the terminal sequence number moves only with a successful MAC1).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { CommandApdu } from '../../../src/apdu/command-apdu.js';
import { fromHex, toHex } from '../../../src/apdu/bytes.js';
import { fixedClock, seededRandom } from '../../../src/env.js';
import { silentLogger } from '../../../src/log.js';
import { createCard } from '../../../src/card/index.js';
import { personalizePsam } from '../../../src/card/apps/psam/index.js';
import { parseProfile } from '../../../src/card/personalize/profile.js';

const profiles = new Map(['shanghai', 'gen2-3des'].map((n) => [n, parseProfile(JSON.parse(readFileSync(new URL(`../../../fixtures/profiles/${n}.json`, import.meta.url), 'utf8')))]));
const CARD = fromHex('8630310000A1B2C3');
const CITY = fromHex('3331303030307378');

const byteOf = (values: number[]) => fc.oneof(fc.constantFrom(...values), fc.integer({ min: 0, max: 255 }));
const cmd = (cla: number, ins: number, p1: number, p2: number, data: Uint8Array, ne = 0) => CommandApdu.of({ cla, ins, p1, p2, data, ne }).encode();
/** A delivery as a terminal would send it (sometimes with a selector the PSAM has no key for). */
const delivery = fc
  .record({ p1: fc.constantFrom(0x48, 0x49), p2: fc.constantFrom(0x10, 0x12, 0x30, 0x70, 0x60, 0x44, 0x61), block: fc.uint8Array({ minLength: 0, maxLength: 17 }) })
  .map((d) => cmd(0xbf, 0xde, d.p1, d.p2, Uint8Array.from([...CARD, ...CITY, ...d.block])));
/** 80 FA with any P1 among the PSAM's and any data length. */
const cipher = fc.record({ p1: byteOf([0x00, 0x05]), data: fc.uint8Array({ maxLength: 40 }) }).map((c) => cmd(0x80, 0xfa, c.p1, 0x00, c.data));
/** A MAC1 body with valid city data and mostly valid type, key version and algorithm. */
const mac1 = fc
  .record({ head: fc.uint8Array({ minLength: 18, maxLength: 18 }), type: byteOf([0x31]), time: fc.uint8Array({ minLength: 7, maxLength: 7 }), kv: byteOf([0x01]), alg: byteOf([0x01, 0x03]) })
  .map((m) => cmd(0x80, 0x70, 0x00, 0x00, Uint8Array.from([...m.head, m.type, ...m.time, m.kv, m.alg, ...CARD, ...CITY]), 256));
const verify = fc.record({ p1: byteOf([0x00, 0x01]), data: fc.uint8Array({ maxLength: 6 }) }).map((v) => cmd(0x80, 0x72, v.p1, 0x00, v.data));
const anything = fc
  .record({
    cla: byteOf([0x00, 0x80, 0xbf, 0x84, 0x04]),
    ins: byteOf([0xde, 0xfa, 0x70, 0x72, 0xa4, 0xb0, 0xc0, 0x84, 0x88]),
    p1: fc.integer({ min: 0, max: 255 }),
    p2: fc.integer({ min: 0, max: 255 }),
    data: fc.uint8Array({ maxLength: 64 }),
    ne: fc.constantFrom(0, 4, 8, 16, 256),
  })
  .map((f) => CommandApdu.of(f).encode());
const command = fc.oneof({ arbitrary: delivery, weight: 3 }, { arbitrary: cipher, weight: 3 }, { arbitrary: mac1, weight: 2 }, { arbitrary: verify, weight: 2 }, { arbitrary: anything, weight: 2 });

describe('PSAM robustness', () => {
  it('answers every command sequence with a status word other than 6F00; refusals leave the terminal sequence alone', () => {
    fc.assert(
      fc.property(fc.constantFrom(...profiles.keys()), fc.array(command, { minLength: 1, maxLength: 10 }), (name, commands) => {
        const psam = createCard(personalizePsam(profiles.get(name)!, { random: seededRandom(1) }), { random: seededRandom(2), clock: fixedClock(new Date(0)), log: silentLogger() });
        psam.powerOn('contact');
        psam.transmit(fromHex('00A4000002DF01'));
        for (const c of commands) {
          const before = JSON.stringify(psam.image.apps);
          const response = psam.transmit(c);
          expect(response.length).toBeGreaterThanOrEqual(2);
          const sw = toHex(response.subarray(response.length - 2));
          expect(sw, `command ${toHex(c)}`).not.toBe('6F00');
          const ok = sw === '9000' || sw.startsWith('61');
          if (!ok) expect(JSON.stringify(psam.image.apps), `command ${toHex(c)} answered ${sw}`).toBe(before);
        }
      }),
      { numRuns: 300 },
    );
  });
});
