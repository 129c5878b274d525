/**
 * A Transport over an in-process {@link SimulatedCard}: the terminal talks to the card exactly as it
 * would to a reader, without pcscd. The card is powered on the chosen interface when the transport is
 * opened (cold reset, ISO/IEC 7816-3 §6.2.2 / ISO 14443-4 activation for contactless).
 */
import type { CardInterface, SimulatedCard } from './runtime/types.js';
import { TransportError, type Transport } from '../apdu/transport.js';

/** Options of {@link SimulatedTransport}. */
export interface SimulatedTransportOptions {
  /** Interface to power the card on (default contact). */
  interface?: CardInterface;
  /** Power the card on at construction (default true). When false the card must already be powered. */
  powerOn?: boolean;
  /** Called by `close()` after the card is powered off (e.g. closing the card's file store). */
  onClose?: () => void | Promise<void>;
}

/** A transport whose "reader" is a simulated card in the same process. */
export class SimulatedTransport implements Transport {
  readonly card: SimulatedCard;
  readonly interface: CardInterface;
  #atr: Uint8Array;
  #closed = false;
  readonly #onClose: (() => void | Promise<void>) | undefined;

  constructor(card: SimulatedCard, options: SimulatedTransportOptions = {}) {
    if (!card || typeof card.transmit !== 'function') {
      throw new TypeError('SimulatedTransport: card must be a SimulatedCard');
    }
    const iface = options.interface ?? 'contact';
    if (iface !== 'contact' && iface !== 'contactless') {
      throw new RangeError(`SimulatedTransport: interface must be contact or contactless, got ${String(iface)}`);
    }
    this.card = card;
    this.interface = iface;
    this.#onClose = options.onClose;
    this.#atr = options.powerOn === false ? new Uint8Array(0) : card.powerOn(iface);
  }

  /** The ATR (contact) or PC/SC pseudo-ATR (contactless) of the last reset. */
  get atr(): Uint8Array {
    return this.#atr.slice();
  }

  /** Warm reset; returns the new ATR. */
  reset(): Uint8Array {
    this.#ensureOpen();
    this.#atr = this.card.powered ? this.card.warmReset() : this.card.powerOn(this.interface);
    return this.atr;
  }

  async transmit(command: Uint8Array): Promise<Uint8Array> {
    this.#ensureOpen();
    if (!(command instanceof Uint8Array)) throw new TypeError('transmit: command must be a Uint8Array');
    if (!this.card.powered) throw new TransportError('the simulated card is not powered');
    return this.card.transmit(command);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.card.powered) this.card.powerOff();
    await this.#onClose?.();
  }

  #ensureOpen(): void {
    if (this.#closed) throw new TransportError('the simulated card transport is closed');
  }
}
