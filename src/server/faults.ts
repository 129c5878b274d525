/**
 * Fault injection on the card side: the fault model of src/spec/faults.ts applied to a served card
 * (`sscard serve --fault`, the control routes `/cards/:slot/faults`) and to the in-process card of
 * `sscard conformance --card` (its power cuts and random source).
 *
 * - Per-command faults act where a reader would see them: on the vpcd link. A removed card is taken out
 *   of its slot (pcscd sees a removal; it comes back after `for` ms); a mute card does not answer and,
 *   after `ms`, the link is dropped — the reader gives up on it and pcscd reports the card gone, as a
 *   real reader deactivates a card that does not answer; a forced status word answers instead of the
 *   card; a truncated answer is cut; a delay holds the answer back.
 * - Power cuts use the card runtime's fault points (`CardOptions.faults`, docs/card-os.md "Fault
 *   points"): the card loses power in the middle of its Nth state-changing command (counted from when the
 *   fault is installed), its state rolls back as the runtime guarantees, and it answers nothing: the link
 *   is dropped, pcscd sees the card removed, and it is back, unpowered, once pcscd's reader thread has
 *   seen it gone (a dropped link: `CardSlot.loseContact` in vpcd.ts).
 * - `random:<seed>` makes the card's random source (challenges, nonces, keys) a seeded one.
 */
import { systemRandom, seededRandom, type RandomSource } from '../env.js';
import type { FaultHooks, FaultPoint } from '../card/index.js';
import {
  FaultPlan,
  FaultSpecError,
  faultSpecsFromJson,
  formatFaultSpec,
  truncateResponse,
  unsupportedFault,
  type FaultSpec,
  type PowerCutStage,
} from '../spec/faults.js';
import type { ControlRoute } from './control.js';
import type { SlotApduHook } from './vpcd.js';

/**
 * Power cuts counted across every card object it hands hooks to (the conformance runner opens fresh
 * copies of an image; a served card has one object): the Nth state-changing command since the cut was
 * installed.
 */
export class PowerCutSchedule {
  #commands = 0;
  readonly #cuts: { at: number; stage: PowerCutStage; base: number; done: boolean; text: string }[] = [];
  /** Cuts that happened, for reports. */
  readonly happened: { fault: string; point: FaultPoint }[] = [];

  add(at: number, stage: PowerCutStage, text: string): void {
    this.#cuts.push({ at, stage, base: this.#commands, done: false, text });
  }

  clear(): void {
    this.#cuts.length = 0;
  }

  /** The hooks of one card object (`CardOptions.faults`). */
  hooks(): FaultHooks {
    let last = 0;
    return {
      powerCut: (point) => {
        if (point.command !== last) {
          last = point.command;
          this.#commands++;
        }
        const cut = this.#cuts.find((c) => !c.done && c.stage === point.stage && this.#commands - c.base === c.at);
        if (!cut) return false;
        cut.done = true;
        this.happened.push({ fault: cut.text, point });
        return true;
      },
    };
  }
}

/** What the faults of a served slot act on (a `CardSlot`). */
export interface FaultSlot {
  remove(): void;
  insert(): void;
  /** Deactivates the card (a reader giving up on a mute card). */
  powerOff(): void;
}

/** Injected time. */
export interface ServerFaultClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Runs `f` after `ms` (returns a cancel function). */
  later(ms: number, f: () => void): () => void;
}

export const realServerClock: ServerFaultClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  later: (ms, f) => {
    const timer = setTimeout(f, ms);
    return () => clearTimeout(timer);
  },
};

/** Why a spec cannot be used on the card side (the terminal's unpredictable numbers). */
const CARD_SIDE_HINT = 'give it to the terminal (sscard conformance --fault …), not to the served card';

/** The faults of one card: transport-level plan, power cuts and the random source. */
export class CardFaults implements SlotApduHook {
  readonly plan: FaultPlan;
  readonly powerCuts = new PowerCutSchedule();
  #random: RandomSource;
  #slot: FaultSlot | undefined;
  readonly #cancels = new Set<() => void>();
  readonly #fallbackRandom: RandomSource;

  constructor(
    specs: readonly FaultSpec[] = [],
    private readonly clock: ServerFaultClock = realServerClock,
    fallbackRandom: RandomSource = systemRandom,
  ) {
    this.#fallbackRandom = fallbackRandom;
    this.#random = fallbackRandom;
    this.plan = new FaultPlan([], clock.now());
    this.add(specs);
  }

  /** The slot removals and insertions act on (a served card; none in-process). */
  attach(slot: FaultSlot): void {
    this.#slot = slot;
    if (!this.plan.present(this.clock.now())) this.#takeOut();
  }

  /**
   * Installs faults (their `at` counts from now).
   * @throws FaultSpecError for a spec the card side cannot apply (`un`)
   */
  add(specs: readonly FaultSpec[]): void {
    const problem = unsupportedFault(specs, 'card', CARD_SIDE_HINT);
    if (problem) throw new FaultSpecError(problem);
    for (const s of specs) {
      const wasPresent = this.plan.present(this.clock.now());
      this.plan.add(s, this.clock.now());
      if (s.kind === 'powercut') this.powerCuts.add(s.at, s.stage, formatFaultSpec(s));
      if (s.kind === 'random') this.#random = seededRandom(s.seed);
      if (s.kind === 'remove' && wasPresent && !this.plan.present(this.clock.now())) this.#takeOut();
    }
  }

  /** Removes every fault; a card taken out by one is put back. */
  clear(): void {
    const out = !this.plan.present(this.clock.now());
    this.plan.clear();
    this.powerCuts.clear();
    this.#random = this.#fallbackRandom;
    for (const cancel of this.#cancels) cancel();
    this.#cancels.clear();
    if (out) this.#slot?.insert();
  }

  /** The card's random source (delegates to the current one: a `random` fault may arrive later). */
  readonly random: RandomSource = (n) => this.#random(n);

  /** The card's fault hooks (`CardOptions.faults`). */
  hooks(): FaultHooks {
    return this.powerCuts.hooks();
  }

  /** The installed faults, for the control interface. */
  describe(): { faults: { fault: string; applied: number; seen: number }[]; commands: number; present: boolean; powerCuts: { fault: string; command: number; stage: string }[] } {
    return {
      faults: this.plan.list(),
      commands: this.plan.commands,
      present: this.plan.present(this.clock.now()),
      powerCuts: this.powerCuts.happened.map((h) => ({ fault: h.fault, command: h.point.command, stage: h.point.stage })),
    };
  }

  /** Stops pending reinsertions (server shutdown). */
  dispose(): void {
    for (const cancel of this.#cancels) cancel();
    this.#cancels.clear();
  }

  async apdu(command: Uint8Array, transmit: (command: Uint8Array) => Promise<Uint8Array>): Promise<Uint8Array | 'drop'> {
    const wasPresent = this.plan.present(this.clock.now());
    const action = this.plan.next(command, this.clock.now());
    if (action.delayMs > 0) await this.clock.sleep(action.delayMs);
    switch (action.kind) {
      case 'absent':
        if (wasPresent) this.#takeOut();
        return 'drop';
      case 'mute':
        await this.clock.sleep(action.ms);
        this.#slot?.powerOff();
        return 'drop';
      case 'sw':
        return truncateResponse(Uint8Array.of(action.sw >> 8, action.sw & 0xff), action.truncate);
      case 'pass': {
        let response: Uint8Array;
        try {
          response = await transmit(command);
        } catch (err) {
          // A power cut at a fault point: the card answers nothing and is unpowered (the link drops).
          if ((err as Error)?.name === 'CardPowerLostError') return 'drop';
          throw err;
        }
        return truncateResponse(response, action.truncate);
      }
    }
  }

  /** Takes the card out and schedules its return when the fault says when. */
  #takeOut(): void {
    this.#slot?.remove();
    const removal = this.plan.specs.find((s): s is Extract<FaultSpec, { kind: 'remove' }> => s.kind === 'remove' && s.forMs !== undefined);
    if (!removal || removal.forMs === undefined || !this.#slot) return;
    const cancel = this.clock.later(removal.forMs, () => {
      this.#cancels.delete(cancel);
      if (this.plan.present(this.clock.now())) this.#slot?.insert();
    });
    this.#cancels.add(cancel);
  }
}

/**
 * The control routes of fault injection (docs/control.md, docs/qa-conformance.md):
 * `GET|POST|DELETE /cards/:slot/faults`. `faultsOf` finds a slot's faults.
 */
export function faultRoutes(faultsOf: (slot: number) => CardFaults | undefined): ControlRoute[] {
  const of = (slot: number) => faultsOf(slot);
  return [
    {
      method: 'GET',
      path: '/cards/:slot/faults',
      describe: 'the faults installed on a card and how often each applied',
      handle: ({ target }) => ({ status: 200, body: { slot: target!.slotNumber, ...of(target!.slotNumber)!.describe() } }),
    },
    {
      method: 'POST',
      path: '/cards/:slot/faults',
      describe: 'install faults: a spec ("sw:6A82,at=3"), a list of specs, or {"faults": [...]}; `at` counts from now',
      handle: ({ target, body }) => {
        const faults = of(target!.slotNumber)!;
        let specs: FaultSpec[];
        try {
          specs = faultSpecsFromJson(body);
          faults.add(specs);
        } catch (err) {
          if (err instanceof FaultSpecError) return { status: 400, body: { error: err.message } };
          throw err;
        }
        return { status: 200, body: { slot: target!.slotNumber, ...faults.describe() } };
      },
    },
    {
      method: 'DELETE',
      path: '/cards/:slot/faults',
      describe: 'remove every fault of a card (a card a fault took out is put back)',
      handle: ({ target }) => {
        const faults = of(target!.slotNumber)!;
        faults.clear();
        return { status: 200, body: { slot: target!.slotNumber, ...faults.describe() } };
      },
    },
  ];
}
