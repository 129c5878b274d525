// Mutated card responses (fast-check): whatever the card answers — truncated, lengthened, bytes flipped,
// an unexpected status word, no answer at all (the transport fails), or an answer that never comes —
// every kernel flow ends in an outcome (an object naming it) or a TransportError, never another
// exception and never a hang. The unmutated card itself must never answer 6F00 (that would be a card
// bug hidden by the mutations), and an approved debit must be one the card really made.
// Runs: SSCARD_FUZZ_RUNS (default 60 per flow).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TransportError, type TransportLayer } from '../../../../src/apdu/transport.js';
import { testCaChain } from '../../../../src/card/personalize/pki.js';
import { withLayers } from '../../../../src/terminal/reader.js';
import { buildTrustStore, SsseReader } from '../../../../src/terminal/kernels/ssse-reader/index.js';
import { clock, connectCard, holders, psamOf, kernelRandom, profileNamed } from './helpers.js';

const RUNS = Number(process.env.SSCARD_FUZZ_RUNS ?? 60);

type Mutation =
  | { kind: 'none' }
  | { kind: 'truncate'; by: number }
  | { kind: 'extend'; bytes: number[] }
  | { kind: 'flip'; at: number; mask: number }
  | { kind: 'sw'; sw: number }
  | { kind: 'drop' }
  | { kind: 'hang' };

const SWS = [0x9000, 0x6100, 0x6110, 0x6c05, 0x6c00, 0x6282, 0x6283, 0x63c0, 0x63c5, 0x6700, 0x6982, 0x6983, 0x6985, 0x6a81, 0x6a82, 0x6a83, 0x6a86, 0x6b00, 0x6d00, 0x6f00, 0x9302, 0x9401, 0x9406];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 40 }).map((by) => ({ kind: 'truncate' as const, by })) },
  { weight: 1, arbitrary: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 }).map((bytes) => ({ kind: 'extend' as const, bytes })) },
  { weight: 2, arbitrary: fc.record({ at: fc.nat(300), mask: fc.integer({ min: 1, max: 255 }) }).map((m) => ({ kind: 'flip' as const, ...m })) },
  { weight: 2, arbitrary: fc.oneof(fc.constantFrom(...SWS), fc.integer({ min: 0, max: 0xffff })).map((sw) => ({ kind: 'sw' as const, sw })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'drop' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'hang' as const }) },
);

/**
 * Where the mutations fall: one to three exchanges of the flow (the n-th exchange with the card, up to
 * the 70th), so that every step of a long flow — the DEBIT answer, the signature — is reached.
 */
const schedule: fc.Arbitrary<Mutation[]> = fc
  .array(fc.tuple(fc.nat(70), mutation), { minLength: 1, maxLength: 3 })
  .map((hits) => {
    const out: Mutation[] = Array.from({ length: 71 }, () => ({ kind: 'none' as const }));
    for (const [at, m] of hits) out[at] = m;
    return out;
  });

/** The mutating layer, above a check that the real card never answers 6F00. */
function mutating(schedule: Mutation[], cardBugs: string[]): TransportLayer {
  let i = 0;
  return (inner) => ({
    async transmit(command) {
      const m = schedule[i++] ?? { kind: 'none' };
      if (m.kind === 'drop') throw new TransportError('mutated: the card was removed');
      if (m.kind === 'hang') return new Promise<Uint8Array>(() => undefined);
      const real = await inner.transmit(command);
      if (real.length >= 2 && real[real.length - 2] === 0x6f && real[real.length - 1] === 0x00) cardBugs.push(Buffer.from(command).toString('hex'));
      const r = Uint8Array.from(real);
      switch (m.kind) {
        case 'none':
          return r;
        case 'truncate':
          return r.subarray(0, Math.max(0, r.length - m.by));
        case 'extend':
          return Uint8Array.from([...r.subarray(0, r.length - 2), ...m.bytes, ...r.subarray(r.length - 2)]);
        case 'flip':
          if (r.length > 0) r[m.at % r.length] ^= m.mask;
          return r;
        case 'sw':
          return Uint8Array.from([...r.subarray(0, Math.max(0, r.length - 2)), m.sw >> 8, m.sw & 0xff]);
      }
    },
  });
}

const shanghai = profileNamed('shanghai');
const ca = testCaChain(shanghai);
const trust = buildTrustStore({ roots: { text: ca.root.pem, source: 'root' }, intermediates: { text: ca.issuing.pem, source: 'ca' } });

type Flow = (k: SsseReader) => Promise<{ outcome: string }>;
const FLOWS: Record<string, Flow> = {
  'basic information': (k) => k.readBasicInformation(),
  'DF04 with the PIN': (k) => k.readMedical('123456'),
  'PIN change': (k) => k.changePin('123456', '654321'),
  'PIN reload': (k) => k.reloadPin('654321'),
  'write EF06': (k) => k.updateItem('EF06', 'birthplace', '310105'),
  'online identity': (k) => k.authenticateIdentity(trust, '123456'),
};

async function runFlow(schedule: Mutation[], flow: Flow, protocol: 'T=0' | 'T=1'): Promise<{ cardBugs: string[]; result?: { outcome: string }; error?: unknown }> {
  const profile = protocol === 'T=1' ? shanghai : profileNamed('shanghai', (p) => void (p.protocol = 'T=0'));
  const { reader } = await connectCard(profile, holders.shanghai());
  const cardBugs: string[] = [];
  const k = new SsseReader(withLayers(reader, mutating(schedule, cardBugs)), { random: kernelRandom(), clock, psam: await psamOf(shanghai), timeoutMs: 5 });
  try {
    return { cardBugs, result: await flow(k) };
  } catch (error) {
    return { cardBugs, error };
  }
}

function expectOutcomeOrTransportError(r: { result?: { outcome: string }; error?: unknown }): void {
  if (r.error !== undefined) {
    expect(r.error, String((r.error as Error)?.stack ?? r.error)).toBeInstanceOf(TransportError);
    return;
  }
  expect(typeof r.result?.outcome).toBe('string');
  if (r.result!.outcome === 'card-error') {
    const f = r.result as unknown as { step: unknown; detail: unknown };
    expect(typeof f.step).toBe('string');
    expect(typeof f.detail).toBe('string');
  }
}

describe('mutated card responses end in an outcome or a TransportError', () => {
  for (const [name, flow] of Object.entries(FLOWS)) {
    it(name, async () => {
      await fc.assert(
        fc.asyncProperty(schedule, fc.constantFrom('T=0' as const, 'T=1' as const), async (plan, protocol) => {
          const r = await runFlow(plan, flow, protocol);
          expect(r.cardBugs, 'the unmutated card answered 6F00').toEqual([]);
          expectOutcomeOrTransportError(r);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('medical debit: and an approved debit is one the card made (its balance is the one reported)', async () => {
    await fc.assert(
      fc.asyncProperty(schedule, async (plan) => {
        const { reader, card } = await connectCard(shanghai, holders.shanghai());
        const cardBugs: string[] = [];
        const k = new SsseReader(withLayers(reader, mutating(plan, cardBugs)), { random: kernelRandom(), clock, psam: await psamOf(shanghai), timeoutMs: 5 });
        let result: { outcome: string; balanceAfter?: number } | undefined;
        let error: unknown;
        try {
          result = await k.medicalDebit({ account: 1250, selfPay: 0, fund: 0 }, '123456');
        } catch (e) {
          error = e;
        }
        expect(cardBugs).toEqual([]);
        expectOutcomeOrTransportError({ ...(result ? { result } : {}), error });
        if (result?.outcome === 'approved') {
          const state = card.image.apps['ssse-medical'] as { balance: number };
          expect(result.balanceAfter).toBe(state.balance);
          expect(state.balance).toBe(100000 - 1250);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('the unmutated flows succeed (the mutations are what the property varies)', async () => {
    for (const [name, flow] of Object.entries(FLOWS)) {
      const r = await runFlow([{ kind: 'none' }], flow, 'T=0');
      expect(r.error, name).toBeUndefined();
      expect(['read', 'changed', 'reloaded', 'written', 'authenticated'], `${name}: ${JSON.stringify(r.result)}`).toContain(r.result!.outcome);
    }
  });
});
