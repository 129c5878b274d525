// Property: whatever a PSAM answers — truncated, lengthened, with another status word, or nothing — every
// PsamClient operation either resolves or rejects with a PsamError (a status word or a wrong length) or a
// TransportError (no status word at all); it never throws anything else and never hangs.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fromHex } from '../../../src/apdu/bytes.js';
import { TransportError, type Transport } from '../../../src/apdu/transport.js';
import { fixedClock, seededRandom } from '../../../src/env.js';
import { silentLogger } from '../../../src/log.js';
import { createCard } from '../../../src/card/index.js';
import { personalizePsam } from '../../../src/card/apps/psam/index.js';
import { parseProfile } from '../../../src/card/personalize/profile.js';
import { withLayers } from '../../../src/terminal/reader.js';
import { SimulatedReader } from '../../../src/terminal/readers/simulated.js';
import { PsamClient } from '../../../src/terminal/psam/psam-client.js';
import { PsamError } from '../../../src/terminal/psam/psam-port.js';

const profile = parseProfile(JSON.parse(readFileSync(new URL('../../../fixtures/profiles/shanghai.json', import.meta.url), 'utf8')));
const card = { cardData: fromHex('8630310000A1B2C3'), region: '310000' };

type Mutation = { kind: 'truncate'; keep: number } | { kind: 'append'; bytes: Uint8Array } | { kind: 'sw'; sw: number } | { kind: 'empty' };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat({ max: 20 }) }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('sw' as const), sw: fc.oneof(fc.constantFrom(0x6a82, 0x6985, 0x9302, 0x6110, 0x6c08, 0x6f00), fc.integer({ min: 0, max: 0xffff })) }),
  fc.record({ kind: fc.constant('empty' as const) }),
);

function mutate(response: Uint8Array, m: Mutation): Uint8Array {
  if (m.kind === 'truncate') return response.slice(0, Math.min(m.keep, response.length - 1));
  if (m.kind === 'append') return Uint8Array.from([...response.subarray(0, -2), ...m.bytes, ...response.subarray(-2)]);
  if (m.kind === 'sw') return Uint8Array.from([...response.subarray(0, -2), m.sw >> 8, m.sw & 0xff]);
  return new Uint8Array(0);
}

const operations: Array<(p: PsamClient) => Promise<unknown>> = [
  (p) => p.open(),
  (p) => p.externalAuthenticationCryptogram(card, { df: 'SSSE', kind: 'UK' }, fromHex('1122334455667788')),
  (p) => p.verifyInternalAuthentication(card, { df: 'SSSE', kind: 'IRK' }, fromHex('32D9E876ADB31BBFDBF7A936D0D18C9E'), fromHex('B6AE22CDE7298152')),
  (p) => p.secureMessagingMac(card, { df: 'SSSE', kind: 'UK' }, fromHex('0102030405060708'), fromHex('04DC05280A050420270101')),
  (p) => p.encipher(card, { df: 'SSSE', kind: 'UK' }, fromHex('0102030405060708'), fromHex('050420270101')),
  (p) => p.keyManagementMac(card, { df: 'SSSE', kind: 'RPK' }, fromHex('A1A2A3A4'), fromHex('845E000007123456')),
  (p) => p.keyManagementEncipher(card, { df: 'SSSE', kind: 'PUK' }, fromHex('654321')),
  async (p) => {
    const init = { balance: 0, selfPayAccumulated: 0, fundAccumulated: 0, year: 2026, sequence: 1, keyVersion: 1, algorithm: 3, random: fromHex('CAFEBABE') };
    const amounts = { account: 1, selfPay: 2, fund: 3 };
    const mac1 = await p.medicalDebitMac1(card, init, amounts, fromHex('20260315093000'));
    return p.verifyMedicalDebit(card, amounts, mac1, fromHex('20260315093000'), { mac2: fromHex('00000000'), tac: fromHex('00000000') });
  },
];

describe('PsamClient against a misbehaving PSAM', () => {
  it('rejects only with PsamError or TransportError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: operations.length - 1 }), fc.nat({ max: 12 }), mutation, async (op, at, m) => {
        const reader = new SimulatedReader(createCard(personalizePsam(profile, { random: seededRandom(1) }), { random: seededRandom(2), clock: fixedClock(new Date(0)), log: silentLogger() }));
        await reader.connect('contact');
        let n = 0;
        const faulty = (inner: Transport): Transport => ({ transmit: async (c) => (n++ === at ? mutate(await inner.transmit(c), m) : inner.transmit(c)) });
        const psam = new PsamClient(withLayers(reader, faulty));
        try {
          await operations[op]!(psam);
        } catch (err) {
          expect(err instanceof PsamError || err instanceof TransportError, String(err)).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });
});
