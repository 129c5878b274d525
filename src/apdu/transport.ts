/**
 * The transport: bytes in, bytes out. Everything that talks to a card (in-process card, PC/SC reader)
 * is a Transport; GET RESPONSE chaining, tracing and secure messaging are layers that wrap one.
 */

export interface Transport {
  /** Sends one command APDU and returns the response APDU bytes (data ‖ SW1 SW2). I/O failure throws. */
  transmit(command: Uint8Array): Promise<Uint8Array>;
  /** Releases the underlying resource. */
  close?(): Promise<void>;
}

/** A function that wraps a transport in a layer. */
export type TransportLayer = (inner: Transport) => Transport;

/** Applies layers innermost first: `layered(t, a, b)` is `b(a(t))`. */
export function layered(inner: Transport, ...layers: TransportLayer[]): Transport {
  return layers.reduce<Transport>((t, layer) => layer(t), inner);
}

/** A transport failure (reader gone, card removed, protocol error) — never a status word. */
export class TransportError extends Error {
  override name = 'TransportError';
}
