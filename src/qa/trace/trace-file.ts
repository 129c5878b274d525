/**
 * Reading trace files: the JSON lines the trace layer writes (src/apdu/layers/trace.ts, docs/apdu.md
 * "Trace record") for `--trace` and `sscard serve --trace`, and the session files of `sscard record`,
 * which add `connect`, `reset` and `disconnect` records (src/qa/record/recording-reader.ts).
 *
 * Strict where it matters: a line that is not JSON, or an `apdu` record whose command or response is not
 * hex, is an error naming the file and line. Records with other messages (a log file that also holds
 * other lines) are skipped and counted.
 */
import { z } from 'zod';
import { fromHex } from '../../apdu/bytes.js';

const hex = z.string().regex(/^(?:[0-9A-Fa-f]{2})*$/, 'not hex');
const source = {
  device: z.string().optional(),
  slot: z.number().int().optional(),
  card: z.string().optional(),
  time: z.number().optional(),
};
const apduRecord = z.object({ msg: z.literal('apdu'), seq: z.number().int().optional(), command: hex.min(2), response: hex, micros: z.number().nonnegative().optional(), ...source });
const apduErrorRecord = z.object({ msg: z.literal('apdu-error'), seq: z.number().int().optional(), command: hex.min(2), error: z.string(), ...source });
const connectRecord = z.object({
  msg: z.literal('connect'),
  atr: hex,
  interface: z.enum(['contact', 'contactless']).optional(),
  protocol: z.string().optional(),
  reader: z.string().optional(),
  ...source,
});
const resetRecord = z.object({ msg: z.literal('reset'), atr: hex, ...source });
const disconnectRecord = z.object({ msg: z.literal('disconnect'), ...source });

/** Where an entry came from: the card or the PSAM of a terminal command, or a slot of `sscard serve`. */
export type TraceSource = string;

interface EntryBase {
  /** Line number in the file (1-based). */
  line: number;
  source: TraceSource;
  /** pino timestamp, ms since the epoch, when present. */
  time?: number;
}

export interface ExchangeEntry extends EntryBase {
  kind: 'exchange';
  seq?: number;
  command: Uint8Array;
  response: Uint8Array;
  /** Elapsed time of the exchange, µs. */
  micros?: number;
}

export interface ErrorEntry extends EntryBase {
  kind: 'error';
  seq?: number;
  command: Uint8Array;
  error: string;
}

export interface ConnectEntry extends EntryBase {
  kind: 'connect';
  atr: Uint8Array;
  interface?: 'contact' | 'contactless';
  protocol?: string;
  reader?: string;
}

export interface ResetEntry extends EntryBase {
  kind: 'reset';
  atr: Uint8Array;
}

export interface DisconnectEntry extends EntryBase {
  kind: 'disconnect';
}

export type TraceEntry = ExchangeEntry | ErrorEntry | ConnectEntry | ResetEntry | DisconnectEntry;

export interface Trace {
  /** The file's name as given (for messages). */
  name: string;
  entries: TraceEntry[];
  /** Lines whose record is not a trace record (other log messages). */
  skipped: number;
}

/** A trace file that cannot be read: names the file and the line. */
export class TraceFileError extends Error {
  override name = 'TraceFileError';
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

function sourceOf(r: { device?: string | undefined; slot?: number | undefined; card?: string | undefined }): TraceSource {
  if (r.device) return r.device;
  if (r.slot !== undefined) return `slot ${r.slot}`;
  return 'card';
}

function time(r: { time?: number | undefined }): { time?: number } {
  return r.time === undefined ? {} : { time: r.time };
}

/** Parses the text of a trace file. */
export function parseTrace(text: string, name = 'trace'): Trace {
  const entries: TraceEntry[] = [];
  let skipped = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '') continue;
    const line = i + 1;
    const where = `${name} line ${line}`;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new TraceFileError(`${where}: not a JSON line (${(err as Error).message})`, line);
    }
    const msg = typeof value === 'object' && value !== null ? (value as { msg?: unknown }).msg : undefined;
    const parse = <T>(schema: z.ZodType<T>): T => {
      const r = schema.safeParse(value);
      if (!r.success) {
        const issue = r.error.issues[0]!;
        throw new TraceFileError(`${where}: ${String(msg)} record: "${issue.path.join('.')}" ${issue.message}`, line);
      }
      return r.data;
    };
    switch (msg) {
      case 'apdu': {
        const r = parse(apduRecord);
        entries.push({
          kind: 'exchange',
          line,
          source: sourceOf(r),
          ...time(r),
          ...(r.seq === undefined ? {} : { seq: r.seq }),
          command: fromHex(r.command),
          response: fromHex(r.response),
          ...(r.micros === undefined ? {} : { micros: r.micros }),
        });
        break;
      }
      case 'apdu-error': {
        const r = parse(apduErrorRecord);
        entries.push({ kind: 'error', line, source: sourceOf(r), ...time(r), ...(r.seq === undefined ? {} : { seq: r.seq }), command: fromHex(r.command), error: r.error });
        break;
      }
      case 'connect': {
        const r = parse(connectRecord);
        entries.push({
          kind: 'connect',
          line,
          source: sourceOf(r),
          ...time(r),
          atr: fromHex(r.atr),
          ...(r.interface ? { interface: r.interface } : {}),
          ...(r.protocol ? { protocol: r.protocol } : {}),
          ...(r.reader ? { reader: r.reader } : {}),
        });
        break;
      }
      case 'reset': {
        const r = parse(resetRecord);
        entries.push({ kind: 'reset', line, source: sourceOf(r), ...time(r), atr: fromHex(r.atr) });
        break;
      }
      case 'disconnect': {
        const r = parse(disconnectRecord);
        entries.push({ kind: 'disconnect', line, source: sourceOf(r), ...time(r) });
        break;
      }
      default:
        skipped++;
    }
  }
  return { name, entries, skipped };
}

/** Reads and parses a trace file; a missing or unreadable file is a `TraceFileError`. */
export async function readTraceFile(file: string): Promise<Trace> {
  const { readFile } = await import('node:fs/promises');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TraceFileError(`${file}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  return parseTrace(text, file);
}
