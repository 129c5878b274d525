/**
 * How every terminal command reaches its card — and, where the command needs one, its PSAM:
 *
 * - `--card <file> [--interface contact|contactless]`: a simulated card image, in-process (its changes
 *   are saved to the file), OR `--reader <name|index>`: a card in a PC/SC reader;
 * - `--psam <file>` (a simulated PSAM image, from `sscard psam new`) OR `--psam-reader <name|index>`
 *   (a PSAM in a second PC/SC reader, as in a reader's SAM slot);
 * - `--trace <file.jsonl>`: every exchange with the card (and the PSAM) as JSON lines.
 *
 * Both ways give a `CardReader`, so the kernels run the same code against either. The card's transport
 * is layered: trace (every exchange on the wire), then GET RESPONSE / 6Cxx handling (ISO/IEC 7816-3
 * §12.2, for T=0 cards).
 */
import { Option, type Command } from 'commander';
import { getResponseLayer } from '../apdu/layers/get-response.js';
import { traceLayer } from '../apdu/layers/trace.js';
import { TransportError } from '../apdu/transport.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import type { CardInterface } from '../spec/card-interface.js';
import { recordingReader } from '../qa/record/recording-reader.js';
import { withLayers, type CardReader } from '../terminal/reader.js';
import { PcscReader } from '../terminal/readers/pcsc.js';
import { SimulatedReader } from '../terminal/readers/simulated.js';
import { UserError } from './errors.js';
import { openCardForCli, recordLogger, traceLogger } from './transport-options.js';

/** The option values `addReaderOptions` declares. */
export interface ReaderOptionValues {
  card?: string;
  reader?: string;
  interface?: CardInterface;
  psam?: string;
  psamReader?: string;
  trace?: string;
  /** Record the session for `sscard serve --replay` (what `sscard record` passes; appends). */
  record?: string;
}

/** Help text on reaching the card (and the PSAM), appended to each terminal command's --help. */
export function readerHelp(withPsam: boolean): string {
  const psam = withPsam
    ? `
  --psam <file>                                     a simulated PSAM image (from: sscard psam new), in-process
  --psam-reader <name|index>                        a PSAM in a PC/SC reader (a SAM slot)`
    : '';
  return `
Reaching the card (one of):
  --card <file> [--interface contact|contactless]   a simulated card image, in-process (state is saved)
  --reader <name|index>                             a card in a PC/SC reader (see: sscard readers)${psam}
  --trace <file.jsonl>                              log every exchange as JSON lines`;
}

/** Declares `--card`, `--interface`, `--reader`, `--trace` and, with `psam`, `--psam`/`--psam-reader`. */
export function addReaderOptions(cmd: Command, options: { psam?: boolean } = {}): Command {
  cmd
    .addOption(new Option('--card <file>', 'simulated card image (from `sscard card new`)').conflicts('reader'))
    .addOption(new Option('--interface <iface>', 'interface to power the card on').choices(['contact', 'contactless']).default('contact'))
    .addOption(new Option('--reader <name|index>', 'PC/SC reader, by index or (part of) its name').conflicts('card'))
    .option('--trace <file.jsonl>', 'write every APDU exchange as JSON lines to this file')
    // what `sscard record` passes to the command it records (docs/qa-scripts.md)
    .addOption(new Option('--record <session.jsonl>', 'record the session (exchanges, ATR) for sscard serve --replay').hideHelp());
  if (options.psam) {
    cmd
      .addOption(new Option('--psam <file>', 'simulated PSAM image (from `sscard psam new`)').conflicts('psamReader'))
      .addOption(new Option('--psam-reader <name|index>', 'PSAM in a PC/SC reader, by index or (part of) its name').conflicts('psam'));
  }
  return cmd;
}

/** The readers a terminal command works with. */
export interface OpenedReaders {
  /** The cardholder's card, connected on the asked interface, transport layered. */
  card: CardReader;
  /** The PSAM, connected (contact), when one was asked for. */
  psam?: CardReader;
  /** Disconnects both and releases the card files. */
  close(): Promise<void>;
}

async function simulatedReader(file: string, what: string, log: Logger): Promise<CardReader & { close(): Promise<void> }> {
  const { card, close } = await openCardForCli(file, log);
  return new SimulatedReader(card, { name: `${what} ${file}`, onClose: close });
}

async function connect(reader: CardReader, iface: CardInterface): Promise<void> {
  try {
    await reader.connect(iface);
  } catch (err) {
    if (err instanceof TransportError) throw new UserError(err.message, 1);
    throw err;
  }
}

/**
 * Opens and connects the card (and the PSAM) the options name; `getResponse: false` leaves the card's
 * transport without the GET RESPONSE layer (the command sends exactly its APDUs). Usage errors (neither or both of
 * --card/--reader; a PSAM required but not named) are `UserError`s with exit code 2; a reader or file
 * that cannot be used is a `UserError` with exit code 1.
 */
export async function openReaders(
  values: ReaderOptionValues,
  options: { log?: Logger; requirePsam?: boolean; getResponse?: boolean } = {},
): Promise<OpenedReaders> {
  const log = options.log ?? silentLogger();
  if (!values.card && !values.reader) throw new UserError('say which card to use: --card <file> or --reader <name|index>');
  if (values.card && values.reader) throw new UserError('--card and --reader cannot be used together');
  if (values.psam && values.psamReader) throw new UserError('--psam and --psam-reader cannot be used together');
  if (options.requirePsam && !values.psam && !values.psamReader) {
    throw new UserError('this command needs a PSAM: --psam <file> (sscard psam new) or --psam-reader <name|index>');
  }
  const trace = traceLogger(values.trace);
  const record = recordLogger(values.record, [values.card, values.psam].filter((f): f is string => f !== undefined));
  const recorded = (reader: CardReader, device: string) => (record ? recordingReader(reader, record.child({ device })) : reader);
  const opened: Array<CardReader & { close?(): Promise<void> }> = [];
  const closeAll = async () => {
    for (const r of opened.reverse()) {
      await r.disconnect().catch(() => undefined);
      await r.close?.();
    }
  };
  try {
    const rawCard = values.card ? await simulatedReader(values.card, 'card', log) : new PcscReader(values.reader!);
    opened.push(rawCard);
    // GET RESPONSE / 6Cxx handling unless the command sends exactly what it is given (sscard script)
    const cardLayers = options.getResponse === false ? [] : [getResponseLayer()];
    const card = withLayers(recorded(rawCard, 'card'), traceLayer(trace.child({ device: 'card' })), ...cardLayers);
    await connect(card, values.interface ?? 'contact');
    let psam: CardReader | undefined;
    if (values.psam || values.psamReader) {
      const rawPsam = values.psam ? await simulatedReader(values.psam, 'PSAM', log) : new PcscReader(values.psamReader!);
      opened.push(rawPsam);
      psam = withLayers(recorded(rawPsam, 'psam'), traceLayer(trace.child({ device: 'psam' })), getResponseLayer());
      await connect(psam, 'contact');
    }
    return { card, ...(psam ? { psam } : {}), close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
