/**
 * A transport layer that logs every exchange through pino, one JSON line per exchange:
 * `{ level, time, msg: "apdu", seq, command, response, sw, meaning, micros }` (hex upper case; `micros`
 * is the elapsed time of the exchange). A failed exchange logs `{ msg: "apdu-error", command, error }`.
 * docs/apdu.md describes the record; the trace decoder reads it.
 */
import type { Logger } from '../../log.js';
import { toHex } from '../bytes.js';
import { describeSw } from '../status-word-table.js';
import type { Transport, TransportLayer } from '../transport.js';

/** A monotonic clock in nanoseconds (injectable for tests). */
export type NanoClock = () => bigint;

export interface TraceOptions {
  clock?: NanoClock;
  /** Log level of exchange records (default 'info'). */
  level?: 'trace' | 'debug' | 'info';
}

/** Builds the trace layer over a logger. */
export function traceLayer(log: Logger, options: TraceOptions = {}): TransportLayer {
  const clock = options.clock ?? (() => process.hrtime.bigint());
  const level = options.level ?? 'info';
  let seq = 0;
  return (inner: Transport): Transport => ({
    async transmit(command: Uint8Array): Promise<Uint8Array> {
      const n = ++seq;
      const start = clock();
      try {
        const response = await inner.transmit(command);
        const micros = Number((clock() - start) / 1000n);
        const sw = response.length >= 2 ? (response[response.length - 2]! << 8) | response[response.length - 1]! : undefined;
        log[level](
          {
            seq: n,
            command: toHex(command),
            response: toHex(response),
            sw: sw === undefined ? undefined : sw.toString(16).toUpperCase().padStart(4, '0'),
            meaning: sw === undefined ? undefined : describeSw(sw),
            micros,
          },
          'apdu',
        );
        return response;
      } catch (err) {
        log.warn({ seq: n, command: toHex(command), error: err instanceof Error ? err.message : String(err) }, 'apdu-error');
        throw err;
      }
    },
    close: inner.close?.bind(inner),
  });
}
