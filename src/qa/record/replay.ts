/**
 * Replaying a recorded session (`sscard serve --replay session.jsonl`): a card that answers the
 * commands of the recording with the recorded responses, so that a field problem can be reproduced
 * without the card. One {@link ReplayCard} per recorded device (the card, and the PSAM when the
 * recorded command used one); it has the shape of a simulated card, so `sscard serve` puts it into a
 * vpcd slot like any other.
 *
 * The matching rule (docs/qa-scripts.md, "Record and replay"):
 * 1. A command is answered by the first recorded exchange at or after the cursor whose command is the
 *    same once the fields expected to vary are masked (src/qa/trace/volatile.ts — the terminal's random
 *    numbers, dates, MACs: a new run of the same flow sends new ones). The cursor moves past it.
 *    Recorded exchanges jumped over are logged (warn).
 * 2. When no exchange ahead of the cursor matches but one before it does, the recording is taken from
 *    the start again (the command was run a second time); logged (info).
 * 3. A command the recording does not hold is answered with {@link UNRECORDED_SW} (6F00, "no precise
 *    diagnosis": the replay cannot know what the card would say) and logged (warn).
 * Failed exchanges of the recording (no response) are not replayed.
 */
import { toHex } from '../../apdu/bytes.js';
import type { Logger } from '../../log.js';
import type { CardInterface } from '../../spec/card-interface.js';
import { ExchangeDecoder, type DecodedCommand } from '../decode/exchange.js';
import { maskVolatile, rulesFor } from '../trace/volatile.js';
import type { Trace } from '../trace/trace-file.js';

/** Status word answered to a command the recording does not hold: 6F00, no precise diagnosis. */
export const UNRECORDED_SW = 0x6f00;

/** One device of a recording: its ATR and its exchanges in order. */
export interface RecordedDevice {
  source: string;
  atr: Uint8Array;
  interface: CardInterface;
  protocol: 'T=0' | 'T=1';
  exchanges: Array<{ line: number; command: Uint8Array; response: Uint8Array; key: string }>;
}

/** A session file that cannot be replayed. */
export class ReplayError extends Error {
  override name = 'ReplayError';
}

/** The command with its volatile bytes masked (volatile.ts): the matching key. */
export function maskedCommandKey(c: DecodedCommand): string {
  if (c.error) return c.hex;
  return `${c.hex.slice(0, 8)}|${maskVolatile(c.dataHex, c.fields, rulesFor(c, 'command')).masked}|${c.ne ?? ''}`;
}

/** The devices of a session file, in the order they first appear (the card before the PSAM). */
export function recordedDevices(trace: Trace): RecordedDevice[] {
  const devices = new Map<string, RecordedDevice & { decoder: ExchangeDecoder }>();
  for (const e of trace.entries) {
    let d = devices.get(e.source);
    if (e.kind === 'connect' || e.kind === 'reset') {
      if (!d) {
        const protocol = e.kind === 'connect' && e.protocol === 'T=0' ? 'T=0' : 'T=1';
        const iface = e.kind === 'connect' ? (e.interface ?? 'contact') : 'contact';
        devices.set(e.source, (d = { source: e.source, atr: e.atr, interface: iface, protocol, exchanges: [], decoder: new ExchangeDecoder() }));
      }
      d.decoder.reset();
      continue;
    }
    if (e.kind !== 'exchange') continue;
    if (!d) throw new ReplayError(`${trace.name} line ${e.line}: an exchange of ${e.source} before its connect record: not a session file of sscard record (a plain --trace has no ATR)`);
    const decoded = d.decoder.decode(e.command, e.response);
    d.exchanges.push({ line: e.line, command: e.command, response: e.response, key: maskedCommandKey(decoded.command) });
  }
  if (devices.size === 0) throw new ReplayError(`${trace.name}: no recorded card (no connect record; record a session with sscard record)`);
  return [...devices.values()].map(({ decoder: _decoder, ...d }) => d);
}

/** Options of a {@link ReplayCard}. */
export interface ReplayOptions {
  log: Logger;
  /** Status word for unrecorded commands (default {@link UNRECORDED_SW}). */
  unrecordedSw?: number;
}

/**
 * A card that answers from a recording. It has the shape of the card runtime's `SimulatedCard`
 * (power on/off, warm reset, transmit), so that the vpcd server serves it like a simulated card.
 */
export class ReplayCard {
  readonly protocol: 'T=0' | 'T=1';
  readonly #device: RecordedDevice;
  readonly #log: Logger;
  readonly #unrecorded: Uint8Array;
  #cursor = 0;
  #powered = false;
  #interface: CardInterface | undefined;
  #decoder = new ExchangeDecoder();
  /** Counts, for logs and tests. */
  readonly stats = { answered: 0, unrecorded: 0, skipped: 0, rewound: 0 };

  constructor(device: RecordedDevice, options: ReplayOptions) {
    this.#device = device;
    this.protocol = device.protocol;
    this.#log = options.log;
    const sw = options.unrecordedSw ?? UNRECORDED_SW;
    this.#unrecorded = Uint8Array.of(sw >> 8, sw & 0xff);
  }

  /** The interface the card was recorded on (the one it is served on). */
  get recordedInterface(): CardInterface {
    return this.#device.interface;
  }

  get powered(): boolean {
    return this.#powered;
  }

  get activeInterface(): CardInterface | undefined {
    return this.#interface;
  }

  /** Powers on: the recorded ATR. The recording's cursor stays where it is (pcscd powers cards on at will). */
  powerOn(iface: CardInterface): Uint8Array {
    if (iface !== this.#device.interface) throw new ReplayError(`the session was recorded on the ${this.#device.interface} interface, not ${iface}`);
    this.#powered = true;
    this.#interface = iface;
    this.#decoder.reset();
    return this.#device.atr.slice();
  }

  warmReset(): Uint8Array {
    this.#decoder.reset();
    return this.#device.atr.slice();
  }

  powerOff(): void {
    this.#powered = false;
    this.#interface = undefined;
  }

  /** Answers a command by the matching rule. */
  transmit(command: Uint8Array): Uint8Array {
    const decoded = this.#decoder.decode(command).command;
    const key = maskedCommandKey(decoded);
    const exchanges = this.#device.exchanges;
    let at = exchanges.findIndex((e, i) => i >= this.#cursor && e.key === key);
    if (at < 0) {
      const behind = exchanges.findIndex((e, i) => i < this.#cursor && e.key === key);
      if (behind >= 0) {
        this.stats.rewound++;
        this.#log.info({ command: toHex(command), line: exchanges[behind]!.line }, `replay: ${decoded.label} ${toHex(command)} was recorded before this point: starting the recording again from the start`);
        this.#cursor = 0;
        at = behind;
      }
    }
    if (at < 0) {
      this.stats.unrecorded++;
      this.#log.warn({ command: toHex(command), sw: toHex(this.#unrecorded) }, `replay: unrecorded command ${decoded.label} ${toHex(command)}: answered ${toHex(this.#unrecorded)}`);
      this.#decoder.decode(command, this.#unrecorded);
      return this.#unrecorded.slice();
    }
    if (at > this.#cursor) {
      this.stats.skipped += at - this.#cursor;
      this.#log.warn(
        { command: toHex(command), from: exchanges[this.#cursor]!.line, to: exchanges[at - 1]!.line },
        `replay: ${decoded.label} ${toHex(command)} matches line ${exchanges[at]!.line}: ${at - this.#cursor} recorded exchange${at - this.#cursor === 1 ? '' : 's'} skipped (lines ${exchanges[this.#cursor]!.line}-${exchanges[at - 1]!.line})`,
      );
    }
    const e = exchanges[at]!;
    if (toHex(e.command) !== toHex(command)) this.#log.debug({ command: toHex(command), recorded: toHex(e.command), line: e.line }, 'replay: matched with volatile fields differing');
    this.#cursor = at + 1;
    this.stats.answered++;
    // the decoder follows the conversation (selected application, DOLs) as it did in the recording
    this.#decoder.decode(command, e.response);
    return e.response.slice();
  }
}
