/**
 * A reader whose card is a simulated card in the same process: the terminal talks to it exactly as to a
 * PC/SC reader, without pcscd. Connecting powers the card on the chosen interface (cold reset, ISO/IEC
 * 7816-3 §6.2.2; ISO/IEC 14443-4 activation for contactless).
 *
 * This is the one terminal module that may use the card's public entry (`src/card/index.ts`): it holds
 * a `SimulatedCard` as a reader holds a card, and nothing deeper.
 */
import { TransportError, type Transport } from '../../apdu/transport.js';
import type { CardPowerLostError, SimulatedCard } from '../../card/index.js';
import type { CardInterface } from '../../spec/card-interface.js';
import { notConnected, type CardProtocol, type CardReader } from '../reader.js';

/** Options of {@link SimulatedReader}. */
export interface SimulatedReaderOptions {
  /** Name shown in messages (default "simulated card"). */
  name?: string;
  /** Interfaces the card has (default both; the card refuses one it lacks at power-on). */
  interfaces?: readonly CardInterface[];
  /** Protocol of the contact interface (default: the card's own, else T=1). */
  contactProtocol?: CardProtocol;
  /** Called once by `close()` (e.g. releasing the card's file store and lock). */
  onClose?: () => void | Promise<void>;
}

/** A simulated card inserted in a virtual reader. */
export class SimulatedReader implements CardReader {
  readonly name: string;
  readonly #card: SimulatedCard;
  readonly #contactProtocol: CardProtocol;
  readonly #onClose: (() => void | Promise<void>) | undefined;
  #interface: CardInterface | undefined;
  #atr: Uint8Array = new Uint8Array(0);
  #closed = false;
  readonly #transport: Transport;

  constructor(card: SimulatedCard, options: SimulatedReaderOptions = {}) {
    if (!card || typeof card.transmit !== 'function') throw new TypeError('SimulatedReader: card must be a SimulatedCard');
    this.#card = card;
    this.name = options.name ?? 'simulated card';
    this.#contactProtocol = options.contactProtocol ?? card.protocol ?? 'T=1';
    this.#onClose = options.onClose;
    this.#transport = {
      transmit: async (command: Uint8Array) => {
        if (!(command instanceof Uint8Array)) throw new TypeError('transmit: command must be a Uint8Array');
        if (!this.connected) throw notConnected(this.name);
        if (!this.#card.powered) throw new TransportError(`${this.name}: the card is not powered (it was reset or removed)`);
        try {
          return this.#card.transmit(command);
        } catch (err) {
          // A power cut at a fault point (QA, docs/card-os.md "Fault points"): the card answers nothing,
          // as a card that lost power in the reader; the reader reports it like any lost card.
          // (Recognised by name: a value import would load the whole card OS for PC/SC users too.)
          if ((err as CardPowerLostError)?.name === 'CardPowerLostError') throw new TransportError(`${this.name}: the ${(err as Error).message}; it did not answer`);
          throw err;
        }
      },
    };
  }

  get connected(): boolean {
    return this.#interface !== undefined && !this.#closed;
  }

  get interface(): CardInterface | undefined {
    return this.#interface;
  }

  get protocol(): CardProtocol | undefined {
    if (!this.#interface) return undefined;
    return this.#interface === 'contact' ? this.#contactProtocol : 'T=1';
  }

  get atr(): Uint8Array {
    return this.#atr.slice();
  }

  async connect(iface: CardInterface = 'contact'): Promise<Uint8Array> {
    this.#ensureOpen();
    if (iface !== 'contact' && iface !== 'contactless') throw new RangeError(`connect: interface must be contact or contactless, got ${String(iface)}`);
    try {
      this.#atr = this.#card.powerOn(iface);
    } catch (err) {
      throw new TransportError(`${this.name}: ${(err as Error).message}`);
    }
    this.#interface = iface;
    return this.atr;
  }

  async reset(): Promise<Uint8Array> {
    this.#ensureOpen();
    if (!this.#interface) throw notConnected(this.name);
    this.#atr = this.#card.powered ? this.#card.warmReset() : this.#card.powerOn(this.#interface);
    return this.atr;
  }

  async disconnect(): Promise<void> {
    if (this.#card.powered) this.#card.powerOff();
    this.#interface = undefined;
    this.#atr = new Uint8Array(0);
  }

  /** Disconnects and releases the card (its file store). The reader cannot be used afterwards. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.disconnect();
    this.#closed = true;
    await this.#onClose?.();
  }

  get transport(): Transport {
    if (!this.connected) throw notConnected(this.name);
    return this.#transport;
  }

  #ensureOpen(): void {
    if (this.#closed) throw new TransportError(`${this.name}: the reader is closed`);
  }
}
