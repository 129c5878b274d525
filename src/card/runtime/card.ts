/**
 * The card: power, resets, and the processing of one APDU as a transaction.
 *
 * Each APDU runs on a draft copy of the image. When its handler returns normally with 9000 or a
 * warning (61xx/62xx/63xx), or fails with `CardError(sw, { keepChanges: true })` (PIN and key try
 * counters), a changed draft is saved through the store — atomically and durably — before the
 * response leaves the card; otherwise it is discarded. A save that fails answers 6581 and keeps the
 * old state. Anything a handler throws other than CardError answers 6F00.
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
import { CardContext } from './context.js';
import { lookup } from './dispatcher.js';
import { newSession, type Session } from './session.js';
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
}

export class Card implements SimulatedCard {
  #image: CardImage;
  #json: string;
  #session: Session | undefined;
  readonly #store: CardStore | undefined;
  readonly #applications: ReadonlyMap<string, Application>;

  constructor(
    image: CardImage,
    private readonly deps: CardDeps,
    options: CardOptions = {},
  ) {
    this.#image = image;
    this.#json = JSON.stringify(image);
    this.#store = options.store;
    this.#applications = options.applications ?? new Map();
  }

  /** A deep copy of the current image (for inspection; changing it changes nothing). */
  get image(): CardImage {
    return JSON.parse(this.#json) as CardImage;
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
    const response = this.#process(cmd, session);
    return (this.#t0 ? this.#shapeT0(cmd, response, session) : response).encode();
  }

  #process(cmd: CommandApdu, session: Session): ResponseApdu {
    if (this.#image.cardLifeCycle === 'blocked') return ResponseApdu.status(SW.FUNCTION_NOT_SUPPORTED);
    const draft = structuredClone(this.#image);
    const ctx = new CardContext(draft, session, this.deps.random, this.deps.clock, this.deps.log);
    let response: ResponseApdu;
    let keep: boolean;
    try {
      response = this.#dispatch(cmd, ctx);
      keep = commits(response.sw);
    } catch (err) {
      if (err instanceof CardError) {
        response = ResponseApdu.of(err.options.data ?? new Uint8Array(0), err.sw);
        keep = Boolean(err.options.keepChanges);
      } else {
        this.deps.log.error({ err, command: cmd.toHex() }, 'card: unexpected error, state unchanged');
        return ResponseApdu.status(SW.UNKNOWN_ERROR);
      }
    }
    if (keep) {
      const json = JSON.stringify(draft);
      if (json !== this.#json) {
        try {
          this.#store?.save(draft);
        } catch (err) {
          this.deps.log.error({ err }, 'card: saving the image failed, state unchanged');
          return ResponseApdu.status(SW.MEMORY_FAILURE);
        }
        this.#image = draft;
        this.#json = json;
      }
    }
    return response;
  }

  #dispatch(cmd: CommandApdu, ctx: CardContext): ResponseApdu {
    const chain = dfChain(ctx.image.mf, ctx.os.df);
    if (cmd.ins !== 0xa4) {
      for (let depth = chain.length - 1; depth >= 0; depth--) {
        const df: DfImage = chain[depth]!;
        const app = df.application ? this.#applications.get(df.application) : undefined;
        if (!app) continue;
        ctx.currentDf = df;
        ctx.currentDfPath = ctx.os.df.slice(0, depth);
        const answer = app.process(cmd, ctx);
        if (answer) return answer;
        break;
      }
      ctx.currentDf = chain[chain.length - 1]!;
      ctx.currentDfPath = ctx.os.df;
    }
    const blocked = chain.some((df) => df.lifeCycle === 'blocked' || df.lifeCycle === 'terminated');
    return lookup(cmd.cla, cmd.ins, blocked)(cmd, ctx, { applications: this.#applications });
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
