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
import { systemClock, systemRandom } from '../env.js';
import { createLogger, silentLogger, type Logger } from '../log.js';
import { SimulatedTransport } from '../card/simulated-transport.js';
import { toHex } from '../apdu/bytes.js';
import { logConnect, recordingLayer } from '../qa/record/recording-reader.js';
import { isContactlessAtr } from '../terminal/readers/pcsc.js';
import { UserError } from './errors.js';

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
  --card <file> [--interface contact|contactless]   a simulated card image, in-process (state is saved)
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
}

/**
 * Makes sure the process ends once a PC/SC command is done. pcsclite runs pcscd calls on native threads;
 * a call abandoned after a timeout (pcscd or a reader hung) can keep the event loop alive forever. This
 * timer does not keep the process alive itself; it only ends one that would otherwise hang.
 */
export function exitWhenDone(graceMs = 1000): void {
  setTimeout(() => process.exit(), graceMs).unref();
}

/** A logger for `--trace`: a JSON-lines file, or silence when not asked. */
export function traceLogger(file: string | undefined): Logger {
  return file ? createLogger({ file, level: 'trace' }) : silentLogger();
}

/** Opens a card image file as a SimulatedCard; clear UserErrors for missing/corrupt files. */
export async function openCardForCli(file: string, log: Logger): Promise<{ card: SimulatedCard; close(): Promise<void> }> {
  try {
    // Loaded on demand: `--reader` use does not need the card OS.
    const { openCardFile } = await import('../card/index.js');
    const opened = await openCardFile(file, { random: systemRandom, clock: systemClock, log });
    const card = opened as SimulatedCard & { close?: () => unknown };
    return { card, close: async () => void (await card.close?.()) };
  } catch (err) {
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException)?.code;
    if (code === 'ENOENT') throw new UserError(`card ${file}: no such file (create one with: sscard card new --profile shanghai --out ${file})`);
    throw new UserError(`card ${file}: ${err instanceof Error ? err.message : String(err)}`, 1);
  }
}

/**
 * Opens the card the options name. Usage errors (neither or both of --card/--reader) are `UserError`
 * with exit code 2; reader failures are `UserError` with exit code 1 and the transport's message.
 */
export async function openTransport(values: TransportOptionValues, log: Logger = silentLogger()): Promise<OpenedCard> {
  if (!values.card && !values.reader) throw new UserError('say which card to use: --card <file> or --reader <name|index>');
  if (values.card && values.reader) throw new UserError('--card and --reader cannot be used together');
  const trace = traceLogger(values.trace);
  // --record: the session on the wire (innermost), with a connect record carrying the ATR
  const record = values.record ? traceLogger(values.record).child({ device: 'card' }) : undefined;
  const layers = [...(record ? [recordingLayer(record)] : []), traceLayer(trace), getResponseLayer()];
  const connected = (atr: Uint8Array, iface: CardInterface, protocol?: string, reader?: string) => {
    if (record) logConnect(record, { atr: toHex(atr), interface: iface, ...(protocol ? { protocol } : {}), ...(reader ? { reader } : {}) });
  };

  if (values.card) {
    const iface = values.interface ?? 'contact';
    const { card, close } = await openCardForCli(values.card, log);
    let sim: SimulatedTransport;
    try {
      sim = new SimulatedTransport(card, { interface: iface, onClose: close });
    } catch (err) {
      await close();
      throw new UserError(`card ${values.card}: ${(err as Error).message}`);
    }
    connected(sim.atr, iface, iface === 'contactless' ? 'T=1' : (card.protocol ?? 'T=1'), `card ${values.card}`);
    return {
      transport: layered(sim, ...layers),
      description: `${values.card} (${iface})`,
      atr: sim.atr,
      close: () => sim.close(),
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
    if (err instanceof TransportError) throw new UserError(err.message, 1);
    throw err;
  }
}
