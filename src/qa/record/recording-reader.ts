/**
 * Recording a session (`sscard record`, `--record <file>`): a reader wrapper that writes, as JSON lines
 * in the trace format (docs/apdu.md, "Trace record"), every exchange on the wire — through the trace
 * layer, innermost, so GET RESPONSE exchanges are recorded as the card saw them — and the connection
 * events a replay needs: `connect` (ATR, interface, protocol, reader name), `reset` (the new ATR) and
 * `disconnect`. `sscard trace` reads the file like any trace; `sscard serve --replay` serves it.
 */
import { toHex } from '../../apdu/bytes.js';
import { traceLayer } from '../../apdu/layers/trace.js';
import type { Transport } from '../../apdu/transport.js';
import type { Logger } from '../../log.js';
import { withLayers, type CardReader } from '../../terminal/reader.js';

/** The `connect` record. */
export interface ConnectRecord {
  atr: string;
  interface?: string;
  protocol?: string;
  reader?: string;
}

/** Writes the `connect` record of a card opened some other way than through a `CardReader`. */
export function logConnect(log: Logger, record: ConnectRecord): void {
  log.info(record, 'connect');
}

/** The exchange-recording transport layer (the trace layer at info level). */
export function recordingLayer(log: Logger): (inner: Transport) => Transport {
  return traceLayer(log, { level: 'info' });
}

/**
 * Wraps a reader so that its session is recorded to `log` (a child logger carrying `device`: `card`,
 * `psam`). The wrapper is the innermost layer: put trace and GET RESPONSE layers outside it.
 */
export function recordingReader(reader: CardReader, log: Logger): CardReader {
  const layered = withLayers(reader, recordingLayer(log));
  const connectRecord = (): ConnectRecord => ({
    atr: toHex(reader.atr),
    ...(reader.interface ? { interface: reader.interface } : {}),
    ...(reader.protocol ? { protocol: reader.protocol } : {}),
    reader: reader.name,
  });
  // The layered reader reads name, state and transport through; only the power operations are recorded.
  const recorded: Pick<CardReader, 'connect' | 'reset' | 'disconnect'> = {
    async connect(iface) {
      const atr = await reader.connect(iface);
      logConnect(log, connectRecord());
      return atr;
    },
    async reset() {
      const atr = await reader.reset();
      log.info({ atr: toHex(atr) }, 'reset');
      return atr;
    },
    async disconnect() {
      const was = reader.connected;
      await reader.disconnect();
      if (was) log.info({}, 'disconnect');
    },
  };
  return Object.assign(layered, recorded);
}
