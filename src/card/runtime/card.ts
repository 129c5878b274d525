/**
 * The card: power, resets, and the processing of one APDU as a transaction.
 *
 * The committed image is deeply frozen; each APDU runs on a copy-on-write draft of it
 * (`transaction.ts`): reads copy nothing, a change copies only the nodes on its path. When the handler
 * returns 9000 or a warning (61xx/62xx/63xx), or fails with `CardError(sw, { keepChanges: true })` (PIN
 * and key try counters), a changed draft is saved through the store — atomically and durably — before
 * the response leaves the card; otherwise it is dropped. Whether it changed is decided by comparing the
 * copied paths with the committed image, never by serialising it.
 *
 * A save that fails keeps nothing of the command: not the image, not the session (verified PINs,
 * authenticated keys, the challenge, pending GET RESPONSE data, the applications' session state such as
 * a pending GENERATE AC); the card answers 6581. PIN and key tries are charged by a save before the
 * comparison (`CardContext.checkpoint`), and while saves fail the PIN commands are refused (6581) until
 * a save of the committed image succeeds again. Anything a handler throws other than CardError answers
 * 6F00 and keeps nothing either.
 *
 * Before any application sees a command, the OS's gates run (dispatcher.ts `gate`): card life cycle,
 * class byte, DF life cycle. Fault points for QA: faults.ts.
 *
 * T=0 on the contact interface (ISO/IEC 7816-3 §12.2): response data of a command with a data field
 * waits for GET RESPONSE behind 61xx; a case-2 command whose Le differs from the data length answers
 * 6Cxx. T=1 and contactless return the data directly.
 */
import { ApduFormatError, CommandApdu } from '../../apdu/command-apdu.js';
import { ResponseApdu } from '../../apdu/response-apdu.js';
import { SW, bytesAvailable, wrongLe } from '../../apdu/status-words.js';
import { fromHex } from '../../apdu/bytes.js';
import { dfChain } from '../fs/tree.js';
import type { CardStore } from '../image/store.js';
import { CardError } from './card-error.js';
import { CardContext, type TransactionControl } from './context.js';
import { OS_CLASSES, PIN_COMMANDS, gate, lookup } from './dispatcher.js';
import { CardPowerLostError, type FaultHooks, type WriteStage } from './faults.js';
import { newSession, snapshotSession, type Session } from './session.js';
import { Draft, deepFreeze } from './transaction.js';
import type { Application, CardDeps, CardImage, CardInterface, DfImage, SimulatedCard } from './types.js';

/** Status words after which a normally returned command's changes are committed. */
function commits(sw: number): boolean {
  const sw1 = sw >> 8;
  return sw === SW.OK || sw1 === 0x61 || sw1 === 0x62 || sw1 === 0x63;
}

export interface CardOptions {
  /** Where changes are saved (default: nowhere — an in-memory card). */
  store?: CardStore;
  applications?: ReadonlyMap<string, Application>;
  /** Fault points for QA (power cuts at write points); faults.ts. */
  faults?: FaultHooks;
}

/** A save failed: the command keeps nothing (internal to the runtime). */
class SaveFailed extends Error {
  override name = 'SaveFailed';
}

export class Card implements SimulatedCard {
  /** The committed image (deeply frozen). */
  #image: CardImage;
  #session: Session | undefined;
  readonly #store: CardStore | undefined;
  readonly #applications: ReadonlyMap<string, Application>;
  readonly #classes: ReadonlySet<number>;
  readonly #faults: FaultHooks | undefined;
  /** The last save failed: PIN commands wait for a successful save. */
  #saveFailing = false;
  /** State-changing commands so far (the ordinal of fault points). */
  #stateChanges = 0;
  /** The command being processed (one at a time: the card is synchronous). */
  #run: { draft: Draft<CardImage>; apdu: Uint8Array; counted: boolean } | undefined;
  readonly #control: TransactionControl = { checkpoint: () => this.#checkpoint() };

  constructor(
    image: CardImage,
    private readonly deps: CardDeps,
    options: CardOptions = {},
  ) {
    this.#image = deepFreeze(structuredClone(image));
    this.#store = options.store;
    this.#applications = options.applications ?? new Map();
    this.#faults = options.faults;
    this.#classes = new Set([...OS_CLASSES, ...[...this.#applications.values()].flatMap((a) => a.classes ?? [])]);
  }

  /** A deep copy of the current image (for inspection; changing it changes nothing). */
  get image(): CardImage {
    return structuredClone(this.#image);
  }

  get powered(): boolean {
    return this.#session !== undefined;
  }

  get activeInterface(): CardInterface | undefined {
    return this.#session?.iface;
  }

  /** Transmission protocol of the contact interface (ISO/IEC 7816-3 §10 T=0, §11 T=1). */
  get protocol(): 'T=0' | 'T=1' {
    return this.#image.protocol;
  }

  /** Interfaces this card has (the contactless one only when it has a contactless ATR). */
  get interfaces(): CardInterface[] {
    return this.#image.atr.contactless ? ['contact', 'contactless'] : ['contact'];
  }

  powerOn(iface: CardInterface): Uint8Array {
    if (!this.interfaces.includes(iface)) throw new Error(`this card has no ${iface} interface`);
    this.#session = newSession(iface);
    return this.#atr(iface);
  }

  warmReset(): Uint8Array {
    const iface = this.#session?.iface ?? 'contact';
    return this.powerOn(iface);
  }

  powerOff(): void {
    this.#session = undefined;
  }

  /** Releases the card (nothing is pending: every change is already saved) and its store (a file's lock). */
  async close(): Promise<void> {
    this.powerOff();
    this.#store?.close?.();
  }

  #atr(iface: CardInterface): Uint8Array {
    return fromHex(iface === 'contact' ? this.#image.atr.contact : this.#image.atr.contactless);
  }

  get #t0(): boolean {
    return this.#image.protocol === 'T=0' && this.#session?.iface === 'contact';
  }

  transmit(command: Uint8Array): Uint8Array {
    const session = this.#session;
    if (!session) throw new Error('the card is not powered');
    let cmd: CommandApdu;
    try {
      cmd = CommandApdu.parse(command);
    } catch (err) {
      if (err instanceof ApduFormatError) return ResponseApdu.status(SW.WRONG_LENGTH).encode();
      throw err;
    }
    if (this.#t0 && cmd.ins === 0xc0 && cmd.cla === 0x00) return this.#getResponse(cmd, session).encode();
    session.pending = undefined;
    const response = this.#process(cmd, session, command);
    const now = this.#session;
    return (this.#t0 && now ? this.#shapeT0(cmd, response, now) : response).encode();
  }

  #process(cmd: CommandApdu, session: Session, bytes: Uint8Array): ResponseApdu {
    const chain = dfChain(this.#image.mf, session.df);
    try {
      gate(this.#image, chain, cmd.cla, cmd.ins, this.#classes);
    } catch (err) {
      if (err instanceof CardError) return ResponseApdu.status(err.sw);
      throw err;
    }
    if (this.#saveFailing && PIN_COMMANDS.has(cmd.ins) && !this.#probeStore()) return ResponseApdu.status(SW.MEMORY_FAILURE);

    const before = snapshotSession(session);
    const draft = new Draft(this.#image);
    this.#run = { draft, apdu: bytes, counted: false };
    const ctx = new CardContext(draft, session, this.deps.random, this.deps.clock, this.deps.log, this.#control);
    let response: ResponseApdu;
    try {
      let keep: boolean;
      try {
        response = this.#dispatch(cmd, ctx, chain);
        keep = commits(response.sw);
      } catch (err) {
        if (!(err instanceof CardError)) throw err;
        response = ResponseApdu.of(err.options.data ?? new Uint8Array(0), err.sw);
        keep = Boolean(err.options.keepChanges);
      }
      if (keep && draft.changed()) {
        this.#commit('commit');
        this.#writePoint('answer');
      }
    } catch (err) {
      if (err instanceof CardPowerLostError) throw err;
      this.#session = before;
      if (err instanceof SaveFailed) return ResponseApdu.status(SW.MEMORY_FAILURE);
      this.deps.log.error({ err, command: cmd.toHex() }, 'card: unexpected error, nothing of the command kept');
      return ResponseApdu.status(SW.UNKNOWN_ERROR);
    } finally {
      this.#run = undefined;
    }
    return response;
  }

  /** A write point of the running command: counts it as state-changing, asks the fault hook. */
  #writePoint(stage: WriteStage): void {
    const run = this.#run!;
    if (!run.counted) {
      run.counted = true;
      this.#stateChanges++;
    }
    const point = { command: this.#stateChanges, stage, apdu: run.apdu };
    if (this.#faults?.powerCut?.(point)) {
      this.#session = undefined;
      throw new CardPowerLostError(point);
    }
  }

  /** Saves the running command's draft and makes it the committed image. */
  #commit(stage: WriteStage): void {
    const draft = this.#run!.draft;
    this.#writePoint(stage);
    this.#save(draft.current);
    this.#image = draft.rebase();
  }

  /** `CardContext.checkpoint`: saves what the running command changed so far (a charged try). */
  #checkpoint(): void {
    if (this.#run?.draft.changed()) this.#commit('try-counter');
  }

  /** Saves an image through the store; a failure is remembered and thrown as `SaveFailed`. */
  #save(image: CardImage): void {
    if (!this.#store) return;
    try {
      this.#store.save(image);
    } catch (err) {
      this.#saveFailing = true;
      this.deps.log.error({ err }, 'card: saving the image failed, nothing of the command kept');
      throw new SaveFailed('save failed');
    }
    this.#saveFailing = false;
  }

  /** After a failed save: saves the committed image again; true when the store works again. */
  #probeStore(): boolean {
    try {
      this.#save(this.#image);
      return true;
    } catch (err) {
      if (err instanceof SaveFailed) return false;
      throw err;
    }
  }

  #dispatch(cmd: CommandApdu, ctx: CardContext, chain: readonly DfImage[]): ResponseApdu {
    if (cmd.ins !== 0xa4) {
      for (let depth = chain.length - 1; depth >= 0; depth--) {
        const df: DfImage = chain[depth]!;
        const app = df.application ? this.#applications.get(df.application) : undefined;
        if (!app) continue;
        ctx.currentDfPath = ctx.os.df.slice(0, depth);
        const answer = app.process(cmd, ctx);
        if (answer) return answer;
        break;
      }
      ctx.currentDfPath = ctx.os.df;
    }
    return lookup(cmd.cla, cmd.ins)(cmd, ctx, { applications: this.#applications });
  }

  #shapeT0(cmd: CommandApdu, response: ResponseApdu, session: Session): ResponseApdu {
    const data = response.data;
    if (data.length === 0 || response.sw !== SW.OK) return response;
    if (cmd.nc > 0 || cmd.ne === 0) {
      session.pending = data;
      return ResponseApdu.status(bytesAvailable(Math.min(data.length, 256)));
    }
    if (cmd.ne !== data.length && data.length <= 256) return ResponseApdu.status(wrongLe(data.length));
    return response;
  }

  #getResponse(cmd: CommandApdu, session: Session): ResponseApdu {
    const pending = session.pending;
    if (!pending) return ResponseApdu.status(SW.CONDITIONS_NOT_SATISFIED);
    if (cmd.p1 !== 0 || cmd.p2 !== 0) return ResponseApdu.status(SW.INCORRECT_P1P2);
    const wanted = cmd.ne === 0 ? 256 : cmd.ne;
    if (wanted > pending.length) return ResponseApdu.status(wrongLe(pending.length));
    const chunk = pending.subarray(0, wanted);
    const rest = pending.subarray(wanted);
    session.pending = rest.length > 0 ? rest : undefined;
    return ResponseApdu.of(chunk, rest.length > 0 ? bytesAvailable(Math.min(rest.length, 256)) : SW.OK);
  }
}
