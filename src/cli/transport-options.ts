/**
 * The terminal's way to reach a card, shared by every terminal command: `--card <file>
 * [--interface contact|contactless]` (the simulated card, in-process) OR `--reader <name|index>` (PC/SC),
 * plus `--trace <file.jsonl>`. The result is one `Transport`, layered: the raw transport, then the trace
 * layer (every exchange on the wire, GET RESPONSE included), then GET RESPONSE / 6Cxx handling.
 *
 * This module is also the one place where the CLI opens a card file for the server (`openCardForCli`).
 */
import { Option, type Command } from 'commander';
import { layered, TransportError, type Transport } from '../apdu/transport.js';
import { getResponseLayer } from '../apdu/layers/get-response.js';
import { traceLayer } from '../apdu/layers/trace.js';
import type { CardInterface, SimulatedCard } from '../card/runtime/types.js';
import { systemClock, systemRandom, type RandomSource } from '../env.js';
import type { FaultHooks } from '../card/index.js';
import { createLogger, silentLogger, type Logger } from '../log.js';
import { SimulatedTransport } from '../card/simulated-transport.js';
import { toHex } from '../apdu/bytes.js';
import { logConnect, recordingLayer } from '../qa/record/recording-reader.js';
import { isContactlessAtr } from '../terminal/readers/pcsc.js';
import { FailureError, UsageError, UserError } from './errors.js';
import { openOutputFile } from './output-files.js';

/** The option values `addTransportOptions` declares. */
export interface TransportOptionValues {
  card?: string;
  reader?: string;
  interface?: CardInterface;
  trace?: string;
  /** Record the session for `sscard serve --replay` (what `sscard record` passes; appends). */
  record?: string;
}

/** Help text listing the two ways to reach a card (appended to each terminal command's --help). */
export const TRANSPORT_HELP = `
Reaching the card (one of):
  --card <file> [--interface contact|contactless]   a simulated card image, in-process (every change is
                                                    saved; the file is locked while in use)
  --reader <name|index>                             a card in a PC/SC reader (see: sscard readers)
  --trace <file.jsonl>                              log every exchange as pino JSON lines`;

/** Declares `--card`, `--interface`, `--reader`, `--trace` on a command. */
export function addTransportOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--card <file>', 'simulated card image (from `sscard card new`)').conflicts('reader'))
    .addOption(
      new Option('--interface <iface>', 'interface of the simulated card').choices(['contact', 'contactless']).default('contact'),
    )
    .addOption(new Option('--reader <name|index>', 'PC/SC reader, by index or (part of) its name').conflicts('card'))
    .option('--trace <file.jsonl>', 'write every APDU exchange as JSON lines to this file')
    // what `sscard record` passes to the command it records (docs/qa-scripts.md)
    .addOption(new Option('--record <session.jsonl>', 'record the session (exchanges, ATR) for sscard serve --replay').hideHelp());
}

/** A card opened through the options, ready to use. */
export interface OpenedCard {
  /** Layered transport (trace, GET RESPONSE). */
  transport: Transport;
  /** What was opened, for messages: `card.json (contact)` or `reader "…" (T=1)`. */
  description: string;
  /** ATR of the reset that opened it. */
  atr: Uint8Array;
  /** Closes the transport (and the card's file store / the PC/SC context). */
  close(): Promise<void>;
  /** A simulated card's last failed save (the file kept the state before it), if any. */
  saveError?(): Error | undefined;
}

/**
 * Makes sure the process ends once the command is done (called by the `sscard` entry point after `main`
 * returned, for every command). pcsclite runs pcscd calls on native threads; a call abandoned after a
 * timeout (pcscd or a reader hung), or its status thread, can keep the event loop alive forever. This
 * timer does not keep the process alive itself; it only ends one that would otherwise hang.
 */
export function exitWhenDone(graceMs = 1000): void {
  setTimeout(() => process.exit(), graceMs).unref();
}

/**
 * A logger for `--trace`: a JSON-lines file opened now (an unusable path fails at once; a card file of
 * the command is refused), or silence when not asked.
 */
export function traceLogger(file: string | undefined, cardFiles: readonly string[] = []): Logger {
  return file ? createLogger({ fd: openOutputFile(file, '--trace', cardFiles), level: 'trace' }) : silentLogger();
}

/**
 * A logger for `--record` (what `sscard record` passes): the session file, opened now like a trace file
 * (never a card file of the command), or undefined when not asked.
 */
export function recordLogger(file: string | undefined, cardFiles: readonly string[] = []): Logger | undefined {
  return file ? createLogger({ fd: openOutputFile(file, '--record', cardFiles), level: 'trace' }) : undefined;
}

/** A card image file opened for use by the CLI. */
export interface CliCard {
  card: SimulatedCard;
  /** The last save that failed (the file kept the state before it), if any. */
  saveError(): Error | undefined;
  /** Closes the card and releases the file's lock. */
  close(): Promise<void>;
}

/** QA options of a card opened by the CLI (fault injection, src/server/faults.ts). */
export interface OpenCardOptions {
  /** The card runtime's fault points (power cuts). */
  faults?: FaultHooks;
  /** The card's random source (default: the system's). */
  random?: RandomSource;
}

/**
 * Opens a card image file as a SimulatedCard, locked for this process until `close()`. Every problem is
 * a one-line FailureError naming the file: missing, not a regular file, corrupt or impossible state (with
 * the first bad field), in use by another process (with its PID and command).
 */
export async function openCardForCli(file: string, log: Logger, options: OpenCardOptions = {}): Promise<CliCard> {
  // Loaded on demand: `--reader` use does not need the card OS.
  const { CardImageError, FileCardStore, createCard } = await import('../card/index.js');
  let store: InstanceType<typeof FileCardStore> | undefined;
  try {
    store = FileCardStore.open(file);
    const card = createCard(store.load(), { random: options.random ?? systemRandom, clock: systemClock, log }, { store, ...(options.faults ? { faults: options.faults } : {}) });
    const opened = store;
    return { card, saveError: () => opened.lastSaveError, close: () => card.close() };
  } catch (err) {
    store?.close();
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException)?.code;
    if (code === 'ENOENT') throw new FailureError(`card ${file}: no such file (create one with: sscard card new --profile shanghai --out ${file})`);
    if (err instanceof CardImageError) throw new FailureError(err.message.startsWith(file) ? `card ${err.message}` : `card ${file}: ${err.message}`);
    throw new FailureError(`card ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Opens the card the options name. Usage errors (neither or both of --card/--reader) are `UserError`
 * with exit code 2; reader failures are `UserError` with exit code 1 and the transport's message.
 */
export async function openTransport(values: TransportOptionValues, log: Logger = silentLogger()): Promise<OpenedCard> {
  if (!values.card && !values.reader) throw new UsageError('say which card to use: --card <file> or --reader <name|index>');
  if (values.card && values.reader) throw new UsageError('--card and --reader cannot be used together');
  const trace = traceLogger(values.trace, values.card ? [values.card] : []);
  // --record: the session on the wire (innermost), with a connect record carrying the ATR
  const record = recordLogger(values.record, values.card ? [values.card] : [])?.child({ device: 'card' });
  const layers = [...(record ? [recordingLayer(record)] : []), traceLayer(trace), getResponseLayer()];
  const connected = (atr: Uint8Array, iface: CardInterface, protocol?: string, reader?: string) => {
    if (record) logConnect(record, { atr: toHex(atr), interface: iface, ...(protocol ? { protocol } : {}), ...(reader ? { reader } : {}) });
  };

  if (values.card) {
    const iface = values.interface ?? 'contact';
    const { card, close, saveError } = await openCardForCli(values.card, log);
    let sim: SimulatedTransport;
    try {
      sim = new SimulatedTransport(card, { interface: iface, onClose: close });
    } catch (err) {
      await close();
      throw new UsageError(`card ${values.card}: ${(err as Error).message}`);
    }
    connected(sim.atr, iface, iface === 'contactless' ? 'T=1' : (card.protocol ?? 'T=1'), `card ${values.card}`);
    return {
      transport: layered(sim, ...layers),
      description: `${values.card} (${iface})`,
      atr: sim.atr,
      close: () => sim.close(),
      saveError,
    };
  }

  const { connectReader } = await import('../terminal/transports/pcsc.js');
  try {
    const pcsc = await connectReader(values.reader!);
    connected(pcsc.atr, isContactlessAtr(pcsc.atr) ? 'contactless' : 'contact', pcsc.protocol, pcsc.reader);
    return {
      transport: layered(pcsc, ...layers),
      description: `reader "${pcsc.reader}" (${pcsc.protocol})`,
      atr: pcsc.atr,
      close: () => pcsc.close(),
    };
  } catch (err) {
    if (err instanceof TransportError) throw new FailureError(err.message);
    throw err;
  }
}
