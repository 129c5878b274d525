/**
 * `sscard serve`: put simulated cards into vsmartcard's virtual readers (vpcd, a pcscd driver) so that
 * any PC/SC program sees them. One process can serve several cards on consecutive vpcd slots; a local
 * control interface inserts and removes them (docs/control.md). `--psam` serves a PSAM image in the slot after
 * the cards, as a reader's SAM slot (docs/psam.md). Stops cleanly on SIGINT/SIGTERM.
 */
import { Option, type Command } from 'commander';
import { layered } from '../../apdu/transport.js';
import { traceLayer } from '../../apdu/layers/trace.js';
import type { CardInterface } from '../../card/runtime/types.js';
import type { Logger } from '../../log.js';
import { loggerFor } from '../logging.js';
import { createControlServer, defaultRoutes, parseControlAddress, type ControlServer } from '../../server/control.js';
import { CardFaults, faultRoutes } from '../../server/faults.js';
import { FAULT_EFFECTS, formatFaultSpec, unsupportedFault, type FaultSpec } from '../../spec/faults.js';
import { parseFaultOptions } from '../fault-options.js';
import { CardSlot, VpcdClient, VPCD_BASE_PORT } from '../../server/vpcd.js';
import { loadQuickAck, type QuickAck } from '../../server/quick-ack.js';
import { SimulatedTransport } from '../../card/simulated-transport.js';
import type { SimulatedCard } from '../../card/runtime/types.js';
import { toHex } from '../../apdu/bytes.js';
import type { Transport } from '../../apdu/transport.js';
import { recordedDevices, ReplayCard, ReplayError, type RecordedDevice } from '../../qa/record/replay.js';
import { readTraceFile, TraceFileError } from '../../qa/trace/trace-file.js';
import { FailureError, UsageError } from '../errors.js';
import { untilSignal } from '../signals.js';
import { openCardForCli, traceLogger } from '../transport-options.js';

interface ServeOptions {
  card: string[];
  /** A session recorded by `sscard record`: its devices are served instead of card images. */
  replay?: string;
  /** Status word for commands the recording does not hold (hex, default 6F00). */
  unrecordedSw?: string;
  /** A PSAM image, served after the cards on the next port (contact). */
  psam?: string;
  host: string;
  port: string;
  interface: CardInterface;
  trace?: string;
  control?: string;
  /** Fault specs (docs/qa-conformance.md "Faults"). */
  fault?: string[];
  logLevel: string;
}

/** One served card and how to stop it. */
interface Served {
  file: string;
  client: VpcdClient;
  /** Its faults (from --fault, and the control routes /cards/:slot/faults). */
  faults: CardFaults;
  close(): Promise<void>;
}

/** Parses --fault values; a spec the served card cannot apply is a usage error. */
export function parseServeFaults(values: readonly string[] = []): FaultSpec[] {
  const specs = parseFaultOptions(values);
  const problem = unsupportedFault(specs, 'card', 'give it to the terminal instead (sscard conformance --fault …)');
  if (problem) throw new UsageError(`--fault: ${problem}`);
  return specs;
}

function parsePort(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 65535) throw new UsageError(`--port: expected 1..65535, got "${text}"`);
  return Number(text);
}

/** Something to put into a vpcd slot: a card image, a PSAM image or a recorded device. */
interface Device {
  file: string;
  iface: CardInterface;
  what: 'card' | 'PSAM' | 'replay';
  /** Opens it; a card image gets the slot's fault hooks (power cuts) and random source. */
  open(log: Logger, faults: CardFaults): Promise<{ card: SimulatedCard; transport: Transport; close(): Promise<void> }>;
}

function cardDevices(opts: Pick<ServeOptions, 'card' | 'psam' | 'interface'>): Device[] {
  const image = (file: string, iface: CardInterface, what: 'card' | 'PSAM'): Device => ({
    file,
    iface,
    what,
    async open(log, faults) {
      const { card, close } = await openCardForCli(file, log, { faults: faults.hooks(), random: faults.random });
      try {
        card.powerOn(iface); // refuses an interface the card does not have
        card.powerOff();
      } catch (err) {
        await close();
        throw new UsageError(`${what} ${file}: ${(err as Error).message}`);
      }
      return { card, transport: new SimulatedTransport(card, { interface: iface, powerOn: false }), close };
    },
  });
  return [...opts.card.map((file) => image(file, opts.interface, 'card')), ...(opts.psam ? [image(opts.psam, 'contact', 'PSAM')] : [])];
}

/** The devices of a recorded session (docs/qa-scripts.md, "Record and replay"), each on the interface it was recorded on. */
async function replayDevices(opts: Pick<ServeOptions, 'replay' | 'unrecordedSw'>, log: Logger): Promise<Device[]> {
  const file = opts.replay!;
  let unrecordedSw: number | undefined;
  if (opts.unrecordedSw !== undefined) {
    if (!/^[0-9A-Fa-f]{4}$/.test(opts.unrecordedSw)) throw new UsageError(`--unrecorded-sw: expected a status word in hex (e.g. 6D00), got "${opts.unrecordedSw}"`);
    unrecordedSw = parseInt(opts.unrecordedSw, 16);
  }
  let recorded: RecordedDevice[];
  try {
    recorded = recordedDevices(await readTraceFile(file));
  } catch (err) {
    if (err instanceof TraceFileError || err instanceof ReplayError) throw new FailureError(err.message);
    throw err;
  }
  log.info({ session: file, devices: recorded.map((d) => ({ device: d.source, exchanges: d.exchanges.length, atr: toHex(d.atr) })) }, `replaying ${file}: ${recorded.map((d) => `${d.source} (${d.exchanges.length} exchanges)`).join(', ')}`);
  return recorded.map((device) => ({
    file: `${file} (${device.source})`,
    iface: device.interface,
    what: 'replay' as const,
    async open(deviceLog) {
      const card = new ReplayCard(device, { log: deviceLog, ...(unrecordedSw !== undefined ? { unrecordedSw } : {}) });
      return { card, transport: { transmit: async (command: Uint8Array) => card.transmit(command) }, close: async () => undefined };
    },
  }));
}

/** Starts serving; returns the running pieces (exported for tests driving it in-process). */
export async function startServing(
  opts: Omit<ServeOptions, 'logLevel'>,
  log: Logger,
  deps: { quickAck?: QuickAck } = {},
): Promise<{ served: Served[]; control: ControlServer | undefined; stop(): Promise<void> }> {
  const basePort = parsePort(opts.port);
  if (opts.replay && (opts.card.length > 0 || opts.psam)) throw new UsageError('--replay serves a recorded session: it cannot be combined with --card or --psam');
  if (!opts.replay && opts.card.length === 0) throw new UsageError('--card <file> is required (repeat it to serve several cards), or --replay <session.jsonl>');
  const faultSpecs = parseServeFaults(opts.fault);
  const devices = opts.replay ? await replayDevices(opts, log) : cardDevices(opts);
  if (basePort + devices.length - 1 > 65535) throw new UsageError('--port: not enough ports for all cards');
  const trace = traceLogger(opts.trace, [...opts.card, ...(opts.psam ? [opts.psam] : [])]);
  const quickAck = deps.quickAck ?? loadQuickAck();
  if (!quickAck.available) {
    // Said once per process: the cards still work, every exchange through pcscd just takes ~40 ms.
    log.warn(`slow link to vpcd: TCP_QUICKACK is not available (${quickAck.reason}); every exchange through pcscd will take about 40 ms (docs/pcsc.md, "Speed")`);
  }
  const served: Served[] = [];
  let control: ControlServer | undefined;
  const stop = async () => {
    await control?.close();
    for (const s of served) await s.close();
  };
  try {
    // The cards on consecutive ports from --port, then the PSAM (always contact) on the next one.
    const slotNumbers = devices.map((_, i) => (basePort + i >= VPCD_BASE_PORT ? basePort + i - VPCD_BASE_PORT : i));
    const unknownSlot = faultSpecs.find((f) => f.slot !== undefined && !slotNumbers.includes(f.slot));
    if (unknownSlot) throw new UsageError(`--fault ${formatFaultSpec(unknownSlot)}: no card is served in slot ${unknownSlot.slot} (slots: ${slotNumbers.join(', ')})`);
    for (const [i, device] of devices.entries()) {
      const { file, iface, what } = device;
      const port = basePort + i;
      const slotNumber = slotNumbers[i]!;
      // A fault without slot= goes to every card (not the PSAM); slot=N to the device in that slot.
      const faults = new CardFaults(faultSpecs.filter((f) => (f.slot === undefined ? what !== 'PSAM' : f.slot === slotNumber)));
      const { card, transport: raw, close } = await device.open(log.child({ card: file }), faults);
      // Every exchange goes through the trace layer: to --trace's file, else to the log at debug level.
      const tracing = opts.trace
        ? traceLayer(trace.child({ slot: slotNumber, card: file }))
        : traceLayer(log.child({ slot: slotNumber }), { level: 'debug' });
      const transport = layered(raw, tracing);
      const slot = new CardSlot(card, iface, transport);
      slot.faults = faults;
      faults.attach({ remove: () => slot.remove(), insert: () => slot.insert(), powerOff: () => slot.powerOff() });
      if (faults.plan.specs.length > 0) log.info({ slot: slotNumber, faults: faults.plan.list().map((f) => f.fault) }, `faults on slot ${slotNumber}: ${faults.plan.list().map((f) => f.fault).join(' ')}`);
      const client = new VpcdClient(slot, { host: opts.host, port, slot: slotNumber, log: log.child({ slot: slotNumber }), quickAck });
      served.push({
        file,
        client,
        faults,
        close: async () => {
          faults.dispose();
          await client.stop();
          if (card.powered) card.powerOff();
          await close();
        },
      });
      client.start();
      const reader = client.readerName;
      const name = what === 'PSAM' ? `the PSAM ${file}` : what === 'replay' ? `the recorded ${file}` : file;
      log.info(
        { [what === 'PSAM' ? 'psam' : 'card']: file, reader, slot: slotNumber, host: opts.host, port, interface: iface },
        reader
          ? `serving ${name} as reader "${reader}" (vpcd ${opts.host}:${port}, ${iface})`
          : `serving ${name} in slot ${slotNumber} (vpcd ${opts.host}:${port}, ${iface}; reader name from your reader.conf)`,
      );
    }
    if (opts.control) {
      let address;
      try {
        address = parseControlAddress(opts.control);
      } catch (err) {
        throw new UsageError(`--control: ${(err as Error).message}`);
      }
      control = await createControlServer(
        served.map((s) => ({
          slotNumber: s.client.slotNumber,
          state: () => ({ ...s.client.state(), card: s.file }),
          insert: () => {
            s.faults.plan.insert();
            s.client.slot.insert();
          },
          remove: () => s.client.slot.remove(),
        })),
        address,
        { log, routes: [...defaultRoutes, ...faultRoutes((n) => served.find((s) => s.client.slotNumber === n)?.faults)] },
      ).catch((err: Error) => {
        throw new FailureError(`--control ${opts.control}: ${err.message}`);
      });
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { served, control, stop };
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve simulated cards to pcscd through vsmartcard vpcd (readers "Virtual PCD 00 0n")')
    .option('--card <file>', 'card image to serve; repeat for several cards on consecutive ports', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--psam <file>', 'PSAM image (from `sscard psam new`) to serve in the vpcd slot after the cards, as a reader\'s SAM slot')
    .option('--replay <session.jsonl>', 'serve a session recorded by `sscard record` instead of card images: answers the recorded commands (docs/qa-scripts.md)')
    .option('--unrecorded-sw <hex>', 'with --replay: status word for commands the session does not hold', '6F00')
    .option('--host <host>', 'host where vpcd (pcscd) listens', '127.0.0.1')
    .option('--port <port>', `vpcd port of the first card (${VPCD_BASE_PORT} = slot 0, ${VPCD_BASE_PORT + 1} = slot 1)`, String(VPCD_BASE_PORT))
    .addOption(new Option('--interface <iface>', 'interface pcscd sees').choices(['contact', 'contactless']).default('contact'))
    .option('--trace <file.jsonl>', 'write every APDU exchange as JSON lines to this file')
    .option('--control <port|socket>', 'control interface: TCP port on 127.0.0.1 or a Unix socket path (docs/control.md)')
    .option('--fault <spec>', 'inject a fault (repeatable; e.g. sw:6A82,ins=B2  mute:at=3  powercut:2  random:42; see below)', (v: string, prev: string[] = []) => [...prev, v])
    .addOption(new Option('--log-level <level>', 'log level on stderr').choices(['trace', 'debug', 'info', 'warn', 'error', 'silent']).default('info'))
    .addHelpText(
      'after',
      `
Needs pcscd with vsmartcard's vpcd driver (Debian: apt-get install pcscd vsmartcard-vpcd). The card's
state is saved to its file after every command; it survives pcscd restarts (sscard reconnects) and
restarts of sscard. While served, a card file is locked: another sscard command on it is refused with
the PID of this one. Stop with Ctrl-C (SIGINT) or SIGTERM.

Examples:
  sscard card new --profile shanghai --out card.json
  sscard serve --card card.json                              # reader "Virtual PCD 00 00"
  sscard serve --card card.json --port 35964 --interface contactless --trace trace.jsonl
  sscard serve --card a.json --card b.json --control 7000    # slots 0 and 1, control on 127.0.0.1:7000
  curl -X POST http://127.0.0.1:7000/cards/1/remove           # take card b out
  scriptor -r "Virtual PCD 00 00"                             # then type APDUs
  sscard psam new --profile shanghai --out psam.json
  sscard serve --card card.json --psam psam.json             # card "Virtual PCD 00 00", PSAM "Virtual PCD 00 01"
  sscard apdu --reader "Virtual PCD 00 01" 00B0960006         # the PSAM's 终端机编号 (EF16)
  sscard record --card card.json --out s.jsonl -- read --psam psam.json
  sscard serve --replay s.jsonl                              # the recorded card (and PSAM) answer as recorded

Faults (--fault, repeatable; or POST /cards/:slot/faults on the control interface; docs/qa-conformance.md):
  spec = kind[:main][,name=value…]; at=N the Nth command from now, ins=XX commands with that INS,
  count=K how many times, slot=N which card (default: every --card).
${Object.entries(FAULT_EFFECTS)
  .filter(([k]) => k !== 'un')
  .map(([k, e]) => `  ${k.padEnd(9)}${e}`)
  .join('\n')}
  sscard serve --card card.json --fault sw:6A82,ins=B2          # every READ RECORD answers 6A82
  sscard serve --card card.json --fault powercut:1 --fault random:42
  curl -X POST http://127.0.0.1:7000/cards/0/faults -d '"mute:at=2"'
  curl -X DELETE http://127.0.0.1:7000/cards/0/faults

With --replay, each recorded device (the card, then the PSAM if the session used one) gets a slot, on
the interface and with the ATR it was recorded with. A command is answered by the next recorded
exchange with the same command (fields that vary between runs, such as terminal random numbers, are
not compared); a command the session does not hold gets 6F00 (--unrecorded-sw) and a warning.`,
    )
    .action(async (opts: ServeOptions, cmd: Command) => {
      if (opts.replay && cmd.getOptionValueSource('interface') === 'cli') {
        throw new UsageError('--interface: a replayed session is served on the interface it was recorded on');
      }
      const log = loggerFor(cmd);
      // Listen for the signals first: one that arrives while the cards are being opened stops the server
      // as soon as it is up, instead of being lost.
      const stopRequested = untilSignal();
      const running = await startServing(opts, log);
      if (running.control) log.info({ control: running.control.url }, `control interface on ${running.control.url}`);
      const signal = await stopRequested;
      log.info({ signal }, 'stopping');
      await running.stop();
      log.info('stopped');
    });
}
