/**
 * The card inside pcscd: a client of vsmartcard's `vpcd` reader driver.
 *
 * vpcd (Debian package `vsmartcard-vpcd`) is a pcscd driver that listens on TCP port 35963 + slot
 * ("Virtual PCD 00 00", "Virtual PCD 00 01", …) for a virtual card to connect. The protocol (vsmartcard
 * `virtualsmartcard/src/vpcd/vpcd.c`, `vpcd.h`):
 *
 * - every message, in both directions, is a 2-byte big-endian length followed by that many bytes;
 * - vpcd → card, length 1: a control code — 0 power off, 1 power on, 2 reset, 4 get ATR. Only get ATR
 *   is answered (with the ATR); vpcd does not read an answer to the others;
 * - vpcd → card, any other length: a command APDU, answered with the response APDU (data ‖ SW1 SW2);
 * - an answer of length 0 makes vpcd close the connection and report "no card" (`vicc_transmit` treats
 *   0 bytes read as a failure and ejects) — this is how a removed card is signalled. vpcd reads those
 *   0 bytes with `recv(…, 0, MSG_WAITALL)`, which on Linux waits for more data or EOF, so the empty
 *   answer is followed by closing the connection (measured with pcscd 2.x and vsmartcard-vpcd 3.3).
 *
 * vpcd polls presence with get ATR (`vicc_present`), so get ATR must never disturb the card's session.
 *
 * A dropped link (a card that stops answering in the middle of a command: a power cut, a mute card) must
 * be seen as a removal by pcscd's own reader thread, not only by the client. pcscd (pcsc-lite 1.9–2.x,
 * `eventhandler.c` `EHStatusHandlerThread`) polls presence every 400 ms (`PCSCLITE_STATUS_POLL_RATE`) and
 * changes the reader's state only when what it sees differs from what it saw last; but a client's
 * SCardDisconnect/SCardReconnect with a reset that finds the card gone (`winscard.c`: IFDPowerICC →
 * SCARD_W_REMOVED_CARD) sets the reader's state to SCARD_ABSENT itself. If the card is back before the
 * reader thread polls, that thread never sees a change and the reader stays "no card" (SCARD_E_NO_SMARTCARD)
 * until the card is really removed and inserted again. So after a dropped link the slot answers "no card"
 * to the next {@link DROPPED_LINK_ABSENT_POLLS} get ATRs (one may be the client's own check, the other is
 * then the reader thread's), and only then gives its ATR again.
 * A zero-length frame or an unknown control code is a protocol error on vpcd's side: it is logged and
 * ignored, without an answer, as vsmartcard's own vicc does (`VirtualSmartcard.py`, `run`).
 */
import { connect, type Socket } from 'node:net';
import type { CardInterface, SimulatedCard } from '../card/runtime/types.js';
import { toHex } from '../apdu/bytes.js';
import type { Transport } from '../apdu/transport.js';
import type { Logger } from '../log.js';
import { loadQuickAck, type QuickAck } from './quick-ack.js';

/** vpcd's port for slot 0; slot n listens on `VPCD_BASE_PORT + n` (vpcd.h `VPCDPORT`). */
export const VPCD_BASE_PORT = 35963;

/** Control codes of a 1-byte vpcd message (vpcd.h `VPCD_CTRL_*`). */
export const VpcdControl = {
  powerOff: 0,
  powerOn: 1,
  reset: 2,
  getAtr: 4,
} as const;

/**
 * After a dropped link, how many get ATRs the slot answers "no card" before the card is back: a client's
 * reset may take one of them, pcscd's reader thread must see another (see the module comment).
 */
export const DROPPED_LINK_ABSENT_POLLS = 2;

/** Largest payload a 2-byte length can announce. */
export const VPCD_MAX_PAYLOAD = 0xffff;

/** The PC/SC reader name pcscd gives to vpcd slot `slot` (reader.conf FRIENDLYNAME "Virtual PCD"). */
export function vpcdReaderName(slot: number): string {
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');
  return `Virtual PCD 00 ${hex(slot)}`;
}

/** Encodes one vpcd message: 2-byte big-endian length ‖ payload. Throws `RangeError` above 65535 bytes. */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  if (!(payload instanceof Uint8Array)) throw new TypeError('encodeFrame: payload must be a Uint8Array');
  if (payload.length > VPCD_MAX_PAYLOAD) {
    throw new RangeError(`encodeFrame: payload is ${payload.length} bytes, at most ${VPCD_MAX_PAYLOAD}`);
  }
  const out = new Uint8Array(payload.length + 2);
  out[0] = payload.length >> 8;
  out[1] = payload.length & 0xff;
  out.set(payload, 2);
  return out;
}

/**
 * Incremental decoder of the vpcd byte stream. A TCP read is not a message: `push` accumulates bytes and
 * returns every frame completed so far (payloads only, in order); an incomplete tail waits for the next
 * push. It never throws and never returns a frame before all its announced bytes arrived. A zero-length
 * frame is returned as an empty payload (the caller decides it is malformed).
 *
 * Linear in the bytes received however they are split: a frame's buffer is allocated once its length
 * is known (at most 65535 bytes) and filled in place, so a peer dribbling a 64 KiB frame one byte per
 * segment costs 64 KiB of copying, not 2 GiB.
 */
export class FrameDecoder {
  #header = 0;
  /** Header bytes seen of the frame being read (0, 1; 2 means the payload is being filled). */
  #headerBytes = 0;
  #frame: Uint8Array | undefined;
  #filled = 0;

  /** Bytes received but not yet part of a complete frame. */
  get pending(): number {
    return this.#headerBytes === 2 ? 2 + this.#filled : this.#headerBytes;
  }

  /** Feeds received bytes; returns the frames they complete. */
  push(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.#headerBytes < 2) {
        this.#header = (this.#header << 8) | chunk[i++]!;
        if (++this.#headerBytes < 2) continue;
        const length = this.#header & 0xffff;
        if (length === 0) {
          frames.push(new Uint8Array(0));
          this.reset();
          continue;
        }
        this.#frame = new Uint8Array(length);
        this.#filled = 0;
        continue;
      }
      const frame = this.#frame!;
      const n = Math.min(frame.length - this.#filled, chunk.length - i);
      frame.set(chunk.subarray(i, i + n), this.#filled);
      this.#filled += n;
      i += n;
      if (this.#filled === frame.length) {
        frames.push(frame);
        this.reset();
      }
    }
    return frames;
  }

  /** Drops any partial frame (after a reconnect the stream starts afresh). */
  reset(): void {
    this.#header = 0;
    this.#headerBytes = 0;
    this.#frame = undefined;
    this.#filled = 0;
  }
}

/** A decoded vpcd message. */
export type VpcdMessage =
  | { kind: 'control'; code: number }
  | { kind: 'apdu'; apdu: Uint8Array }
  | { kind: 'malformed'; reason: string };

/** Classifies a frame payload: 1 byte is a control code, 0 bytes is malformed, anything else an APDU. */
export function classifyFrame(payload: Uint8Array): VpcdMessage {
  if (payload.length === 0) return { kind: 'malformed', reason: 'zero-length frame' };
  if (payload.length === 1) return { kind: 'control', code: payload[0]! };
  return { kind: 'apdu', apdu: payload };
}

/** Serialisable state of a slot (control interface, logs). */
export interface SlotState {
  slot: number;
  /** The reader name pcscd shows, when known (vpcd's default configuration); null otherwise. */
  reader: string | null;
  host: string;
  port: number;
  interface: CardInterface;
  inserted: boolean;
  powered: boolean;
  connected: boolean;
  atr: string | null;
}

/**
 * A card sitting in a virtual reader: the card, the interface it is used through, whether it is
 * inserted, and the (traced) transport its APDUs go through. Insert/remove are what the control
 * interface changes; power/reset/get ATR are what vpcd asks for.
 */
export class CardSlot {
  #inserted = true;
  #atr: Uint8Array | undefined;
  /** get ATRs still to be answered "no card" after the card lost contact ({@link CardSlot.loseContact}). */
  #absentPolls = 0;
  /** Fault injection on this slot's APDUs (src/server/faults.ts), when installed. */
  faults: SlotApduHook | undefined;

  /**
   * @param card the simulated card (its own store persists every state change)
   * @param iface the interface pcscd sees (contact: the card's ATR; contactless: the PC/SC pseudo-ATR)
   * @param transport the card's APDU path (usually a simulated transport wrapped in the trace layer)
   */
  constructor(
    readonly card: SimulatedCard,
    readonly iface: CardInterface,
    readonly transport: Transport,
  ) {}

  get inserted(): boolean {
    return this.#inserted;
  }

  /** Whether vpcd finds a card: inserted, and not in the absence that follows a lost contact. */
  get present(): boolean {
    return this.#inserted && this.#absentPolls === 0;
  }

  /**
   * The card lost contact in the middle of a command (the link to vpcd was dropped): it is unpowered and
   * answers "no card" to the next `polls` get ATRs (counting those of a removal), so that pcscd's reader
   * thread sees it gone before it is back. The card stays inserted.
   */
  loseContact(polls: number = DROPPED_LINK_ABSENT_POLLS): void {
    this.powerOff();
    this.#absentPolls = Math.max(this.#absentPolls, polls);
  }

  /** Puts the card back into the reader (unpowered: pcscd will power it up). */
  insert(): void {
    this.#inserted = true;
  }

  /** Takes the card out: power is cut, the next get ATR answers empty (pcscd: card removed). */
  remove(): void {
    if (this.card.powered) this.card.powerOff();
    this.#inserted = false;
  }

  /**
   * The ATR for vpcd's get ATR. Empty when the card is removed or has just lost contact (each empty answer
   * counts towards the absence that follows a lost contact). When the card is powered the cached ATR of
   * its last reset is returned without touching the session (vpcd polls presence with get ATR); otherwise
   * the card is powered up to learn it.
   */
  atr(): Uint8Array {
    if (!this.present) {
      if (this.#absentPolls > 0) this.#absentPolls--;
      return new Uint8Array(0);
    }
    if (!this.card.powered || this.#atr === undefined) this.#atr = this.card.powerOn(this.iface);
    return this.#atr;
  }

  powerOn(): void {
    if (!this.present) return;
    this.#atr = this.card.powerOn(this.iface);
  }

  powerOff(): void {
    if (this.card.powered) this.card.powerOff();
  }

  reset(): void {
    if (!this.present) return;
    this.#atr = this.card.powered ? this.card.warmReset() : this.card.powerOn(this.iface);
  }

  /** The cached ATR as hex (for state reports), null when none is known or the card is absent. */
  atrHex(): string | null {
    return this.present && this.#atr ? toHex(this.#atr) : null;
  }
}

/**
 * A hook around a slot's APDUs (fault injection, src/server/faults.ts): it answers through `transmit`
 * (the card) or instead of it, or asks for the link to be dropped ('drop': the card answers nothing).
 */
export interface SlotApduHook {
  apdu(command: Uint8Array, transmit: (command: Uint8Array) => Promise<Uint8Array>): Promise<Uint8Array | 'drop'>;
}

/** Options of a {@link VpcdClient}. */
export interface VpcdClientOptions {
  host?: string;
  port?: number;
  /** vpcd slot number, for names and state (default: port − 35963). */
  slot?: number;
  /**
   * The name pcscd gives this slot's reader. Default: vsmartcard's default configuration
   * (reader.conf FRIENDLYNAME "Virtual PCD", slot n on port 35963 + n) for ports from 35963 on, else
   * null: below 35963 the port belongs to a reader.conf of its own, whose names sscard cannot know.
   */
  readerName?: string | null;
  log: Logger;
  /** First reconnection delay in ms (default 100). */
  minBackoffMs?: number;
  /** Longest reconnection delay in ms (default 2000). */
  maxBackoffMs?: number;
  /**
   * TCP_QUICKACK on the vpcd socket (default: the `sockopt` binding, {@link loadQuickAck}). Without it
   * each exchange waits for Linux's delayed ACK (~40 ms); see quick-ack.ts.
   */
  quickAck?: QuickAck;
}

/** Frames read but not yet answered beyond which the client stops reading (vpcd itself has one). */
const MAX_FRAMES_WAITING = 32;
/** Reading resumes once the card has caught up to this many. */
const RESUME_FRAMES_WAITING = 4;

/** Status word answered when the card path fails unexpectedly (6F00: no precise diagnosis). */
const SW_NO_DIAGNOSIS = Uint8Array.of(0x6f, 0x00);

/**
 * Connects a {@link CardSlot} to vpcd and answers its messages. Reconnects with exponential back-off
 * whenever the connection fails or closes (vpcd or pcscd restarted, card removed); the card object and
 * so its state live across reconnections. Frames are handled strictly in order.
 */
export class VpcdClient {
  readonly host: string;
  readonly port: number;
  readonly slotNumber: number;
  readonly readerName: string | null;
  readonly #log: Logger;
  readonly #minBackoff: number;
  readonly #maxBackoff: number;
  #backoff: number;
  #socket: Socket | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = true;
  #connected = false;
  #queue: Promise<void> = Promise.resolve();
  #connections = 0;
  #warnedUnreachable = false;
  readonly #quickAck: QuickAck;
  #warnedQuickAck = false;
  readonly #listeners = new Set<(event: VpcdEvent) => void>();

  constructor(
    readonly slot: CardSlot,
    options: VpcdClientOptions,
  ) {
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port ?? VPCD_BASE_PORT;
    if (!Number.isInteger(this.port) || this.port < 1 || this.port > 65535) {
      throw new RangeError(`VpcdClient: port must be 1..65535, got ${options.port}`);
    }
    this.slotNumber = options.slot ?? Math.max(0, this.port - VPCD_BASE_PORT);
    this.readerName = options.readerName !== undefined ? options.readerName : this.port >= VPCD_BASE_PORT ? vpcdReaderName(this.port - VPCD_BASE_PORT) : null;
    this.#log = options.log.child({ vpcd: `${this.host}:${this.port}` });
    this.#minBackoff = options.minBackoffMs ?? 100;
    this.#maxBackoff = options.maxBackoffMs ?? 2000;
    this.#backoff = this.#minBackoff;
    this.#quickAck = options.quickAck ?? loadQuickAck();
  }

  /** Whether TCP_QUICKACK is set on the vpcd link (false: every exchange waits for delayed ACKs). */
  get quickAck(): boolean {
    return this.#quickAck.available;
  }

  /** Whether a TCP connection to vpcd is open. */
  get connected(): boolean {
    return this.#connected;
  }

  /** Number of connections established so far. */
  get connections(): number {
    return this.#connections;
  }

  /** Subscribes to connection events (tests, the serve command's messages). Returns an unsubscribe. */
  on(listener: (event: VpcdEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts connecting (idempotent). */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#connect();
  }

  /** Closes the connection, stops reconnecting and waits for the frame in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) {
      await new Promise<void>((resolve) => {
        if (socket.destroyed) return resolve();
        socket.once('close', () => resolve());
        socket.destroy();
      });
    }
    await this.#queue;
  }

  /** The slot's state as the control interface reports it. */
  state(): SlotState {
    return {
      slot: this.slotNumber,
      reader: this.readerName,
      host: this.host,
      port: this.port,
      interface: this.slot.iface,
      inserted: this.slot.inserted,
      powered: this.slot.card.powered,
      connected: this.#connected,
      atr: this.slot.atrHex(),
    };
  }

  #emit(event: VpcdEvent): void {
    for (const l of this.#listeners) l(event);
  }

  /**
   * Re-arms TCP_QUICKACK: Linux may return to delayed ACKs after any read, so this runs on connect and
   * before the next read, i.e. in every 'data' handler (quick-ack.ts).
   */
  #armQuickAck(socket: Socket): void {
    const failure = this.#quickAck.arm(socket);
    if (failure && !this.#warnedQuickAck) {
      this.#warnedQuickAck = true;
      this.#log.warn(`${failure}: exchanges through pcscd will wait for delayed ACKs (~40 ms each)`);
    }
  }

  #connect(): void {
    if (this.#stopped) return;
    const socket = connect({ host: this.host, port: this.port });
    // vpcd waits for every answer: send it at once (no Nagle), in one write (encodeFrame), and
    // acknowledge vpcd's segments at once (TCP_QUICKACK), or its second send() stalls ~40 ms.
    socket.setNoDelay(true);
    this.#socket = socket;
    const decoder = new FrameDecoder();
    let receivedFrame = false;
    let lastError: string | undefined;
    socket.on('connect', () => {
      this.#armQuickAck(socket);
      this.#warnedUnreachable = false;
      this.#connected = true;
      this.#connections++;
      // While the card is out (or just lost contact), vpcd drops the link after every presence poll: that churn is debug.
      this.#log[this.slot.present ? 'info' : 'debug']('connected to vpcd');
      this.#emit({ type: 'connected' });
    });
    // Back-pressure: vpcd sends one message and waits for its answer, so more than a few frames waiting
    // means a peer that floods (garbage, or not vpcd): stop reading until the card has caught up, and
    // while the peer does not read our answers. Memory stays bounded whatever arrives.
    let waiting = 0;
    const flow = () => {
      if (socket.destroyed) return;
      const hold = waiting > MAX_FRAMES_WAITING || socket.writableNeedDrain;
      if (hold && !socket.isPaused()) socket.pause();
      else if (!hold && waiting <= RESUME_FRAMES_WAITING && socket.isPaused()) socket.resume();
    };
    socket.on('drain', flow);
    socket.on('data', (chunk: Buffer) => {
      this.#armQuickAck(socket);
      for (const frame of decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length))) {
        receivedFrame = true;
        waiting++;
        this.#queue = this.#queue
          .then(() => this.#handle(socket, frame))
          // #handle answers every failure of the card itself; anything escaping it is a bug of this
          // client: log it, and keep the chain (and so the card) serving.
          .catch((err: unknown) => this.#log.error({ err }, 'vpcd client failed on a frame'))
          .finally(() => {
            waiting--;
            flow();
          });
      }
      flow();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      lastError = err.code ?? err.message;
      this.#log.debug({ code: err.code }, `vpcd connection: ${err.message}`);
    });
    socket.on('close', () => {
      const wasConnected = this.#connected;
      this.#connected = false;
      if (this.#socket === socket) this.#socket = undefined;
      if (wasConnected) {
        this.#log[this.slot.present ? 'info' : 'debug'](this.#stopped ? 'disconnected from vpcd' : 'vpcd closed the connection');
        this.#emit({ type: 'disconnected' });
      }
      if (this.#stopped) return;
      if (!wasConnected && !this.#warnedUnreachable) {
        this.#warnedUnreachable = true;
        this.#log.warn(
          `cannot reach vpcd at ${this.host}:${this.port} (${lastError ?? 'closed'}): is pcscd running with vsmartcard-vpcd? retrying`,
        );
      }
      // A connection that carried traffic was healthy (vpcd closes after an empty ATR, or restarted):
      // come back quickly. Otherwise back off up to the maximum.
      if (receivedFrame) this.#backoff = this.#minBackoff;
      const delay = this.#backoff;
      this.#backoff = Math.min(this.#backoff * 2, this.#maxBackoff);
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#connect();
      }, delay);
    });
  }

  async #handle(socket: Socket, frame: Uint8Array): Promise<void> {
    if (socket.destroyed) return;
    const message = classifyFrame(frame);
    let answer = await this.#answer(message);
    if (answer === 'drop') {
      // vpcd ejects the card when the link drops; pcscd's reader thread must see it gone (module comment).
      if (this.slot.present) this.#log.info('the card answered nothing: link to vpcd dropped; the card is back once pcscd has seen it gone');
      this.slot.loseContact();
      socket.destroy();
      return;
    }
    if (!answer || socket.destroyed) return;
    if (answer.length > VPCD_MAX_PAYLOAD) {
      // A vpcd message cannot carry it (2-byte length): never crash, answer "no precise diagnosis".
      this.#log.error({ bytes: answer.length }, 'response too long for a vpcd message; answering 6F00');
      answer = SW_NO_DIAGNOSIS;
    }
    socket.write(encodeFrame(answer));
    if (answer.length === 0) {
      // An empty answer means "no card". vpcd then reads 0 bytes with MSG_WAITALL, which on Linux
      // blocks until more data or EOF arrives (and pcscd's reader thread with it): end the connection so
      // that vpcd sees EOF, ejects, and reports the card absent. We reconnect for the next presence poll.
      socket.end();
    }
  }

  /** What to send back for a message: bytes, nothing, or 'drop' (close the connection). */
  async #answer(message: VpcdMessage): Promise<Uint8Array | undefined | 'drop'> {
    const slot = this.slot;
    try {
      switch (message.kind) {
        case 'malformed':
          this.#log.warn(`ignoring malformed vpcd frame: ${message.reason}`);
          return undefined;
        case 'control': {
          const handler = CONTROL_HANDLERS[message.code];
          if (!handler) {
            this.#log.warn({ code: message.code }, 'ignoring unknown vpcd control code');
            return undefined;
          }
          this.#log.debug({ control: handler.name }, 'vpcd control');
          const atr = handler.run(slot);
          if (handler.name === 'get-atr') this.#emit({ type: 'atr', atr: atr ?? new Uint8Array(0) });
          return atr;
        }
        case 'apdu': {
          if (!slot.present) {
            // vpcd only sends APDUs to a present card; a removed card cannot answer: drop the link.
            // vpcd then ejects the card (its next presence poll reports it removed); the client's
            // SCardTransmit itself gets SCARD_S_SUCCESS with an empty response (vpcd.c
            // vicc_transmit returns 0 bytes, IFDHTransmitToICC IFD_SUCCESS) — no status word.
            this.#log.warn('APDU for a removed card: closing the connection');
            return 'drop';
          }
          if (!slot.card.powered) slot.powerOn();
          if (slot.faults) return await slot.faults.apdu(message.apdu, (c) => slot.transport.transmit(c));
          return await slot.transport.transmit(message.apdu);
        }
      }
    } catch (err) {
      this.#log.error({ err }, 'card failed while answering vpcd');
      if (message.kind === 'apdu') return SW_NO_DIAGNOSIS;
      // vpcd waits for an answer to get ATR: a card that cannot give one is absent.
      if (message.kind === 'control' && message.code === VpcdControl.getAtr) return new Uint8Array(0);
      return undefined;
    }
  }
}

/** Events of a {@link VpcdClient}. */
export type VpcdEvent = { type: 'connected' } | { type: 'disconnected' } | { type: 'atr'; atr: Uint8Array };

/** Control code → action; only get ATR returns an answer. */
const CONTROL_HANDLERS: Record<number, { name: string; run: (slot: CardSlot) => Uint8Array | undefined }> = {
  [VpcdControl.powerOff]: { name: 'power-off', run: (s) => void s.powerOff() },
  [VpcdControl.powerOn]: { name: 'power-on', run: (s) => void s.powerOn() },
  [VpcdControl.reset]: { name: 'reset', run: (s) => void s.reset() },
  [VpcdControl.getAtr]: { name: 'get-atr', run: (s) => s.atr() },
};
