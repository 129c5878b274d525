/**
 * A trace decoded for people (and for `--json`): every exchange named and decoded in the context of its
 * own card (one {@link ExchangeDecoder} per source, so that a PSAM's exchanges interleaved with the
 * card's do not confuse the card's context), connection events with their ATR, offsets in time.
 */
import { toHex } from '../../apdu/bytes.js';
import { ExchangeDecoder, type DecodedExchange } from '../decode/exchange.js';
import type { Trace, TraceEntry, TraceSource } from './trace-file.js';

export interface DecodedItem {
  /** 1-based position in the trace. */
  index: number;
  line: number;
  source: TraceSource;
  kind: TraceEntry['kind'];
  seq?: number;
  /** ms since the first timestamped record. */
  offsetMs?: number;
  micros?: number;
  /** exchange: the decoded command and response; error: the command only. */
  exchange?: DecodedExchange;
  error?: string;
  /** connect / reset. */
  atr?: string;
  interface?: string;
  protocol?: string;
  reader?: string;
}

export interface SourceSummary {
  source: TraceSource;
  exchanges: number;
  errors: number;
  /** Sum of the exchanges' `micros`. */
  micros: number;
  /** ATR of the last connect/reset, when the trace has one. */
  atr?: string;
}

export interface DecodedTrace {
  name: string;
  items: DecodedItem[];
  sources: SourceSummary[];
  /** Lines skipped as not trace records. */
  skipped: number;
}

/** Decodes every entry of a trace. */
export function decodeTrace(trace: Trace): DecodedTrace {
  const decoders = new Map<TraceSource, ExchangeDecoder>();
  const sources = new Map<TraceSource, SourceSummary>();
  const first = trace.entries.find((e) => e.time !== undefined)?.time;
  const items = trace.entries.map((entry, i): DecodedItem => {
    let decoder = decoders.get(entry.source);
    if (!decoder) decoders.set(entry.source, (decoder = new ExchangeDecoder()));
    let summary = sources.get(entry.source);
    if (!summary) sources.set(entry.source, (summary = { source: entry.source, exchanges: 0, errors: 0, micros: 0 }));
    const base: DecodedItem = {
      index: i + 1,
      line: entry.line,
      source: entry.source,
      kind: entry.kind,
      ...(first !== undefined && entry.time !== undefined ? { offsetMs: entry.time - first } : {}),
    };
    switch (entry.kind) {
      case 'exchange':
        summary.exchanges++;
        summary.micros += entry.micros ?? 0;
        return {
          ...base,
          ...(entry.seq === undefined ? {} : { seq: entry.seq }),
          ...(entry.micros === undefined ? {} : { micros: entry.micros }),
          exchange: decoder.decode(entry.command, entry.response),
        };
      case 'error':
        summary.errors++;
        return { ...base, ...(entry.seq === undefined ? {} : { seq: entry.seq }), exchange: decoder.decode(entry.command), error: entry.error };
      case 'connect':
      case 'reset':
        decoder.reset();
        summary.atr = toHex(entry.atr);
        return {
          ...base,
          atr: toHex(entry.atr),
          ...(entry.kind === 'connect' && entry.interface ? { interface: entry.interface } : {}),
          ...(entry.kind === 'connect' && entry.protocol ? { protocol: entry.protocol } : {}),
          ...(entry.kind === 'connect' && entry.reader ? { reader: entry.reader } : {}),
        };
      case 'disconnect':
        decoder.reset();
        return base;
    }
  });
  return { name: trace.name, items, sources: [...sources.values()], skipped: trace.skipped };
}
