/**
 * A reader reached through PC/SC (pcscd; a real reader, or vsmartcard's vpcd serving a simulated card):
 * the card in the reader's slot is what it is, so `connect(iface)` checks that its ATR is of the asked
 * interface (a contactless card shows the PC/SC pseudo-ATR `3B 8n 80 01 …`, PC/SC Part 3 §3.1.3.2.3) and
 * refuses otherwise. The `pcsclite` binding is loaded only when a PC/SC reader is used.
 */
import { toHex } from '../../apdu/bytes.js';
import { TransportError, type Transport } from '../../apdu/transport.js';
import type { CardInterface } from '../../spec/card-interface.js';
import { notConnected, type CardProtocol, type CardReader } from '../reader.js';
import type { PcscConnectOptions, PcscTransport } from '../transports/pcsc.js';

/** Whether an ATR is the PC/SC pseudo-ATR of a contactless (ISO/IEC 14443-4) card. */
export function isContactlessAtr(atr: Uint8Array): boolean {
  return atr.length >= 4 && atr[0] === 0x3b && (atr[1]! & 0xf0) === 0x80 && atr[2] === 0x80 && atr[3] === 0x01;
}

/** A PC/SC reader, chosen by index or (part of) its name. */
export class PcscReader implements CardReader {
  #transport: PcscTransport | undefined;
  #name: string;

  constructor(
    private readonly selector: string | number,
    private readonly options: PcscConnectOptions = {},
  ) {
    this.#name = `reader ${JSON.stringify(String(selector))}`;
  }

  /** The reader's full name once connected, else the selector. */
  get name(): string {
    return this.#name;
  }

  get connected(): boolean {
    return this.#transport !== undefined;
  }

  get interface(): CardInterface | undefined {
    if (!this.#transport) return undefined;
    return isContactlessAtr(this.#transport.atr) ? 'contactless' : 'contact';
  }

  get protocol(): CardProtocol | undefined {
    return this.#transport?.protocol;
  }

  get atr(): Uint8Array {
    return this.#transport?.atr ?? new Uint8Array(0);
  }

  async connect(iface?: CardInterface): Promise<Uint8Array> {
    await this.disconnect();
    const { connectReader } = await import('../transports/pcsc.js');
    const transport = await connectReader(this.selector, this.options);
    this.#name = transport.reader;
    const actual: CardInterface = isContactlessAtr(transport.atr) ? 'contactless' : 'contact';
    if (iface && iface !== actual) {
      await transport.close();
      throw new TransportError(
        `reader "${transport.reader}" holds a ${actual} card (ATR ${toHex(transport.atr)}), not a ${iface} one`,
      );
    }
    this.#transport = transport;
    return transport.atr;
  }

  async reset(): Promise<Uint8Array> {
    if (!this.#transport) throw notConnected(this.#name);
    return this.#transport.reset();
  }

  async disconnect(): Promise<void> {
    const t = this.#transport;
    this.#transport = undefined;
    await t?.close();
  }

  get transport(): Transport {
    if (!this.#transport) throw notConnected(this.#name);
    return this.#transport;
  }
}
