/**
 * A transport layer that bounds how long one exchange may take: a card (or reader) that stops answering
 * becomes a `TransportError` after `ms` milliseconds instead of a terminal that waits for ever. The
 * inner exchange is not cancelled (a PC/SC transmit cannot be); its late answer is dropped.
 */
import { TransportError, type Transport, type TransportLayer } from '../transport.js';

export interface TimeoutOptions {
  /** Timer (injected in tests); default the global setTimeout/clearTimeout. */
  timer?: { set(fn: () => void, ms: number): unknown; clear(handle: unknown): void };
  /** What the transport is, for the message (default "card"). */
  what?: string;
}

const systemTimer = {
  set: (fn: () => void, ms: number) => setTimeout(fn, ms),
  clear: (handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Builds the layer. `ms` must be a positive number of milliseconds. */
export function timeoutLayer(ms: number, options: TimeoutOptions = {}): TransportLayer {
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`timeoutLayer: ms must be a positive number, got ${ms}`);
  const timer = options.timer ?? systemTimer;
  const what = options.what ?? 'card';
  return (inner: Transport): Transport => ({
    transmit(command: Uint8Array): Promise<Uint8Array> {
      return new Promise<Uint8Array>((resolve, reject) => {
        let settled = false;
        const handle = timer.set(() => {
          if (settled) return;
          settled = true;
          reject(new TransportError(`the ${what} did not answer within ${ms} ms`));
        }, ms);
        inner.transmit(command).then(
          (response) => {
            if (settled) return;
            settled = true;
            timer.clear(handle);
            resolve(response);
          },
          (err: unknown) => {
            if (settled) return;
            settled = true;
            timer.clear(handle);
            reject(err);
          },
        );
      });
    },
    close: inner.close?.bind(inner),
  });
}
