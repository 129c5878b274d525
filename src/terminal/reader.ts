/**
 * The terminal's view of a card reader (PC/SC Part 1 §2: an IFD with one slot; ISO/IEC 7816-3 §6 cold
 * and warm reset; ISO/IEC 14443-4 activation for contactless): power the card on an interface and get
 * its ATR, reset it, power it off, and exchange APDUs through its {@link Transport}.
 *
 * Every terminal kernel takes a `CardReader`, so that the same code runs against the in-process card
 * (`readers/simulated.ts`) and a card in a real or vpcd reader (`readers/pcsc.ts`). A PSAM in the
 * terminal's SAM slot is a card in a reader too.
 */
import type { Transport, TransportLayer } from '../apdu/transport.js';
import { layered, TransportError } from '../apdu/transport.js';
import type { CardInterface } from '../spec/card-interface.js';

/** T=0 or T=1 (contact, ISO/IEC 7816-3 §10/§11); contactless cards are block-oriented like T=1. */
export type CardProtocol = 'T=0' | 'T=1';

export interface CardReader {
  /** What the reader is, for messages and traces: `card.json`, `Virtual PCD 00 00`. */
  readonly name: string;
  /** Whether a card is powered and the transport usable. */
  readonly connected: boolean;
  /** Interface of the current connection (undefined when not connected). */
  readonly interface: CardInterface | undefined;
  /** Protocol of the current connection (undefined when not connected). */
  readonly protocol: CardProtocol | undefined;
  /** ATR of the last reset (contact) or PC/SC pseudo-ATR (contactless); empty when not connected. */
  readonly atr: Uint8Array;
  /**
   * Powers the card on (cold reset) on an interface and returns its ATR. A reader that cannot choose
   * (PC/SC: the card in the field is what it is) rejects an interface it does not have with a
   * `TransportError`.
   */
  connect(iface?: CardInterface): Promise<Uint8Array>;
  /** Warm reset on the current interface (the card forgets its session); returns the new ATR. */
  reset(): Promise<Uint8Array>;
  /** Powers the card off / releases it. Safe to call twice. */
  disconnect(): Promise<void>;
  /** The APDU transport of the current connection. Throws `TransportError` when not connected. */
  readonly transport: Transport;
}

/**
 * A reader whose transport is wrapped in layers (trace, GET RESPONSE, faults …), innermost first. The
 * layers are built once per connection, so that a reset keeps them.
 */
export function withLayers(reader: CardReader, ...layers: TransportLayer[]): CardReader {
  let built: { inner: Transport; outer: Transport } | undefined;
  return {
    get name() {
      return reader.name;
    },
    get connected() {
      return reader.connected;
    },
    get interface() {
      return reader.interface;
    },
    get protocol() {
      return reader.protocol;
    },
    get atr() {
      return reader.atr;
    },
    connect: (iface) => reader.connect(iface),
    reset: () => reader.reset(),
    disconnect: () => reader.disconnect(),
    get transport() {
      const inner = reader.transport;
      if (built?.inner !== inner) built = { inner, outer: layered(inner, ...layers) };
      return built.outer;
    },
  };
}

/** The error a reader throws for use while not connected. */
export function notConnected(name: string): TransportError {
  return new TransportError(`${name}: no card connected (connect first)`);
}
