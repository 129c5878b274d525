/**
 * Fault injection on the terminal side: a `CardReader` wrapper that applies a {@link FaultPlan}
 * (src/spec/faults.ts) to every command the terminal sends — to the in-process card of `sscard
 * conformance --card` or to a card in a PC/SC reader. It plays the reader's part: a removed card
 * makes `connect`/`reset` and commands fail with "no card in the reader"; a mute card makes the
 * reader wait `ms` and give up, deactivating the card (ISO/IEC 7816-3 §7.2: a card that does not
 * answer within the waiting time is deactivated); a forced status word or a truncated answer is what
 * the terminal receives instead of the card's.
 *
 * Faults that need the card itself (power cuts, the card's random source) are the card side's
 * (src/server/faults.ts); the terminal's unpredictable numbers are read from the plan by the
 * conformance runner (`unpredictableSource`).
 */
import { TransportError, type Transport } from '../../apdu/transport.js';
import { seededRandom, type RandomSource } from '../../env.js';
import { FaultPlan, truncateResponse, type FaultAction } from '../../spec/faults.js';
import type { CardInterface } from '../../spec/card-interface.js';
import type { CardProtocol, CardReader } from '../../terminal/reader.js';

/** Time and waiting, injected (tests drive them; the CLI uses the real ones). */
export interface FaultClock {
  /** Milliseconds (any origin). */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realFaultClock: FaultClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** The sentence a terminal sees for each fault's effect (tests and docs quote them). */
export const FAULT_MESSAGES = {
  absent: 'no card in the reader (the card was removed)',
  mute: (ms: number) => `no answer from the card within ${ms} ms (mute card); the reader deactivated it`,
} as const;

/** A reader whose card suffers the faults of `plan`. */
export function withFaults(reader: CardReader, plan: FaultPlan, clock: FaultClock = realFaultClock): CardReader {
  let deactivated = false;
  let lastInterface: CardInterface | undefined;
  const ensurePresent = (what: string) => {
    if (!plan.present(clock.now())) throw new TransportError(`${reader.name}: ${what}: ${FAULT_MESSAGES.absent}`);
  };
  const apply = async (inner: Transport, command: Uint8Array): Promise<Uint8Array> => {
    const action: FaultAction = plan.next(command, clock.now());
    if (action.delayMs > 0) await clock.sleep(action.delayMs);
    switch (action.kind) {
      case 'absent':
        throw new TransportError(`${reader.name}: ${FAULT_MESSAGES.absent}`);
      case 'mute':
        await clock.sleep(action.ms);
        deactivated = true;
        await reader.disconnect().catch(() => undefined);
        throw new TransportError(`${reader.name}: ${FAULT_MESSAGES.mute(action.ms)}`);
      case 'sw':
        return truncateResponse(Uint8Array.of(action.sw >> 8, action.sw & 0xff), action.truncate);
      case 'pass':
        return truncateResponse(await inner.transmit(command), action.truncate);
    }
  };
  let built: { inner: Transport; outer: Transport } | undefined;
  return {
    get name() {
      return reader.name;
    },
    get connected() {
      return reader.connected && !deactivated;
    },
    get interface(): CardInterface | undefined {
      return reader.interface;
    },
    get protocol(): CardProtocol | undefined {
      return reader.protocol;
    },
    get atr() {
      return reader.atr;
    },
    async connect(iface) {
      ensurePresent('connecting');
      const atr = await reader.connect(iface);
      lastInterface = reader.interface ?? iface;
      deactivated = false;
      return atr;
    },
    async reset() {
      ensurePresent('resetting');
      if (deactivated || !reader.connected) {
        const atr = await reader.connect(lastInterface);
        deactivated = false;
        return atr;
      }
      return reader.reset();
    },
    disconnect: () => reader.disconnect(),
    get transport(): Transport {
      if (deactivated) throw new TransportError(`${reader.name}: the card was deactivated (it did not answer); reset it`);
      const inner = reader.transport;
      if (built?.inner !== inner) built = { inner, outer: { transmit: (c) => apply(inner, c), close: inner.close?.bind(inner) } };
      return built.outer;
    },
  };
}

/**
 * The terminal's source of unpredictable numbers (EMV 9F37, challenges it sends) for a plan: seeded or
 * fixed by an `un` fault, else `fallback` (the system's). A fixed value is repeated or cut to the
 * length asked.
 */
export function unpredictableSource(plan: FaultPlan, fallback: RandomSource): RandomSource {
  const un = plan.unpredictable;
  if (!un) return fallback;
  if (un.fixed) {
    const fixed = un.fixed;
    return (n) => Uint8Array.from({ length: n }, (_, i) => fixed[i % fixed.length]!);
  }
  return seededRandom(un.seed!);
}
