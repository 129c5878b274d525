// The issue-3 property on a fully personalised card (SSSE + PKI + PBOC, both interfaces): any sequence
// of APDUs — real headers of every application, real AIDs, random data — never throws out of the card,
// always answers a status word of the table, and changes the saved image only through a command that
// succeeded or counted a try down.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../src/apdu/bytes.js';
import { isKnownSw } from '../../src/apdu/status-word-table.js';
import { fixedClock, seededRandom } from '../../src/env.js';
import { silentLogger } from '../../src/log.js';
import { MemoryCardStore, createMemoryCard } from '../../src/card/index.js';
import { parseProfile } from '../../src/card/personalize/profile.js';
import { personalize } from '../../src/card/personalize/personalize.js';
import type { Holder } from '../../src/card/personalize/holder.js';

const load = (p: string) => JSON.parse(readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8'));
const clock = fixedClock(new Date('2026-11-22T10:00:00Z'));
const image = personalize(parseProfile(load('fixtures/profiles/shanghai.json')), load('fixtures/holders/shanghai-li.json') as Holder, { random: seededRandom(3), clock });
const json = JSON.stringify(image);

const SELECTS = [
  '00A404000F7378312E73682EC9E7BBE1B1A3D5CF', // SSSE
  '00A4000002DF04',
  '00A404000C504B492EC9E7BBE1B1A3D5CF', // PKI
  '00A404000E325041592E5359532E4444463031', // PPSE
  '00A404000E315041592E5359532E4444463031', // PSE
  '00A4040008A000000333010101', // debit
  '0020000003123456',
  '002000800826123456FFFFFFFF', // PBOC offline plaintext PIN
  '0084000008',
].map((h) => fromHex(h));

const header = fc.record({
  cla: fc.constantFrom(0x00, 0x04, 0x80, 0x84, 0xb0),
  ins: fc.constantFrom(0xa4, 0xb0, 0xd6, 0xb2, 0xdc, 0x84, 0x20, 0x88, 0x82, 0xa8, 0xae, 0xca, 0xda, 0x2a, 0x28, 0x2c, 0x26, 0x1e, 0x18, 0x16, 0x24, 0xc9),
  p1: fc.integer({ min: 0, max: 255 }),
  p2: fc.integer({ min: 0, max: 255 }),
});
const random = fc.tuple(header, fc.uint8Array({ maxLength: 40 }), fc.boolean()).map(([h, data, le]) => {
  const bytes = [h.cla, h.ins, h.p1, h.p2];
  if (data.length) bytes.push(data.length, ...data);
  if (le) bytes.push(0);
  return Uint8Array.from(bytes);
});
const apdu = fc.oneof({ weight: 1, arbitrary: fc.constantFrom(...SELECTS) }, { weight: 3, arbitrary: random });

const commits = (sw: number) => {
  const sw1 = sw >> 8;
  return sw === 0x9000 || sw1 === 0x61 || sw1 === 0x62 || sw1 === 0x63 || sw === 0x6983;
};

describe('a personalised card under random APDUs', () => {
  it('never throws, answers known status words, changes state only on success or a counted try', () => {
    fc.assert(
      fc.property(fc.array(apdu, { maxLength: 30 }), fc.constantFrom('contact', 'contactless'), fc.integer(), (commands, iface, seed) => {
        const store = new MemoryCardStore(JSON.parse(json));
        const card = createMemoryCard(store, { random: seededRandom(seed), clock, log: silentLogger() });
        card.powerOn(iface as 'contact' | 'contactless');
        for (const command of commands) {
          const before = store.saves;
          const response = card.transmit(command);
          const sw = (response[response.length - 2]! << 8) | response[response.length - 1]!;
          expect(isKnownSw(sw), `unknown status word ${sw.toString(16)}`).toBe(true);
          expect(sw, `6F00 (a bug in a handler) for ${Buffer.from(command).toString('hex')}`).not.toBe(0x6f00);
          if (!commits(sw)) expect(store.saves, `state saved after ${sw.toString(16)}`).toBe(before);
        }
      }),
      { numRuns: 60 },
    );
  });
});
