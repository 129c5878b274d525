/**
 * PC/SC transport: real (or vpcd-virtual) readers through pcscd, with the optional `pcsclite` binding.
 *
 * `pcsclite` is loaded lazily (`await import('pcsclite')`) so that the rest of sscard works on machines
 * without libpcsclite; an absent binding gives a `TransportError` saying what to install. The binding is
 * event-driven (a `reader` event per reader, then `status` events); every operation here is wrapped in
 * a timeout so that a command never hangs, and every PC/SC error code becomes a sentence
 * (PC/SC part 5 / pcsclite `pcsclite.h` SCARD_E_* / SCARD_W_*).
 */
import { TransportError, type Transport } from '../../apdu/transport.js';
import { toHex } from '../../apdu/bytes.js';

/** A reader as `sscard readers` shows it. */
export interface ReaderInfo {
  index: number;
  name: string;
  cardPresent: boolean;
  /** ATR as upper-case hex, when a card is present. */
  atr: string | null;
}

/** Options shared by the PC/SC operations. */
export interface PcscOptions {
  /**
   * Longest wait for pcscd to answer one operation, in ms (default 15000: real cards may take seconds
   * for an SM2 signature, and a loaded machine slows pcscd down).
   */
  timeoutMs?: number;
}

/** Default of {@link PcscOptions.timeoutMs}. */
export const PCSC_DEFAULT_TIMEOUT_MS = 15_000;

/** T=0 or T=1 as negotiated by the reader. */
export type PcscProtocol = 'T=0' | 'T=1';

// The subset of the pcsclite binding used here (its own typings use `export =`).
interface PcscReaderBinding {
  name: string;
  connected: boolean;
  SCARD_SHARE_SHARED: number;
  SCARD_PROTOCOL_T0: number;
  SCARD_PROTOCOL_T1: number;
  SCARD_STATE_PRESENT: number;
  SCARD_LEAVE_CARD: number;
  SCARD_RESET_CARD: number;
  get_status?(cb: (err: unknown, state: number, atr?: Buffer) => void): void;
  on(type: string, listener: (...args: any[]) => void): unknown;
  removeAllListeners(type?: string): unknown;
  connect(options: { share_mode?: number; protocol?: number }, cb: (err: unknown, protocol: number) => void): void;
  disconnect(disposition: number, cb: (err: unknown) => void): void;
  transmit(data: Buffer, resLen: number, protocol: number, cb: (err: unknown, response: Buffer) => void): void;
  close(): void;
}
interface PcscBinding {
  on(type: string, listener: (...args: any[]) => void): unknown;
  close(): void;
  start?: (cb: (err: unknown, data: Buffer) => void) => void;
}
type PcscFactory = () => PcscBinding;

let factoryPromise: Promise<PcscFactory> | undefined;

/** Message for a missing binding: what to install. */
export const PCSCLITE_MISSING =
  'PC/SC support is not available: the optional "pcsclite" module could not be loaded. ' +
  'Install the PC/SC development library and pcscd (Debian/Ubuntu: apt-get install libpcsclite-dev pcscd; ' +
  'Fedora: dnf install pcsc-lite-devel pcsc-lite), then run npm install (or npm rebuild pcsclite).';

/** Loads the `pcsclite` binding once; throws `TransportError` naming what to install when absent. */
export async function loadPcsclite(): Promise<PcscFactory> {
  factoryPromise ??= import('pcsclite').then(
    (m) => ((m as { default?: unknown }).default ?? m) as PcscFactory,
    (err: unknown) => {
      factoryPromise = undefined;
      const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
      throw new TransportError(`${PCSCLITE_MISSING} (${why})`);
    },
  );
  return factoryPromise;
}

/** PC/SC return codes → sentences (pcsclite.h). */
const PCSC_ERRORS: Record<number, string> = {
  0x8010001d: 'pcscd is not running (start it: `pcscd` or `systemctl start pcscd.socket`)',
  0x8010002e: 'no smart-card reader is connected',
  0x80100017: 'the reader is not available (unplugged or its driver failed)',
  0x80100009: 'unknown reader',
  0x8010000b: 'sharing violation: another program holds the card in exclusive mode',
  0x8010000c: 'no card in the reader',
  0x80100069: 'the card was removed',
  0x80100068: 'the card was reset by another program',
  0x80100066: 'the card is not responding (mute card)',
  0x80100067: 'the card is unpowered',
  0x8010000f: 'the card does not support the requested protocol (T=0/T=1)',
  0x8010000a: 'pcscd timed out',
  0x80100002: 'the operation was cancelled',
  0x80100016: 'the card transaction failed',
  0x80100013: 'communication error with the reader',
  0x80100008: 'the response buffer is too small',
  0x80100004: 'invalid parameter',
};

/** Turns an error of the binding ("SCardConnect error: …(0x8010000b)") into a clear TransportError. */
export function pcscError(operation: string, err: unknown): TransportError {
  if (err instanceof TransportError) return err;
  const raw = err instanceof Error ? err.message : String(err);
  const match = /\(0x([0-9a-f]{8})\)/i.exec(raw);
  const code = match ? Number.parseInt(match[1]!, 16) : undefined;
  const sentence = code !== undefined ? PCSC_ERRORS[code] : undefined;
  const codeHex = code !== undefined ? ` [0x${code.toString(16).toUpperCase()}]` : '';
  return new TransportError(`${operation}: ${sentence ?? raw}${sentence ? codeHex : ''}`);
}

function withTimeout<T>(what: string, ms: number, run: (resolve: (v: T) => void, reject: (e: unknown) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      reject(new TransportError(`${what}: no answer from pcscd within ${ms} ms`));
    }, ms);
    const finish = (f: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      f();
    };
    try {
      run(
        (v) => finish(() => resolve(v)),
        (e) => finish(() => reject(e)),
      );
    } catch (e) {
      finish(() => reject(e));
    }
  });
}

/** A PC/SC context with the readers it has seen, each with its first status. */
interface Snapshot {
  context: PcscBinding;
  readers: Array<{ reader: PcscReaderBinding; state: number; atr: Buffer | undefined }>;
}

/**
 * Opens a context and waits until pcscd has listed the readers and reported each one's status.
 * Relies on pcsclite calling its internal `start` callback once with the current reader list.
 */
async function snapshot(timeoutMs: number): Promise<Snapshot> {
  const factory = await loadPcsclite();
  let context: PcscBinding;
  try {
    context = factory();
  } catch (err) {
    throw pcscError('cannot reach pcscd', err);
  }
  try {
    return await withTimeout<Snapshot>('listing readers', timeoutMs, (resolve, reject) => {
      const seen: Snapshot['readers'] = [];
      let listed = false;
      const check = () => {
        if (listed && seen.every((r) => r.state >= 0)) resolve({ context, readers: seen });
      };
      context.on('error', (err: unknown) => reject(pcscError('listing readers', err)));
      context.on('reader', (reader: PcscReaderBinding) => {
        const entry = { reader, state: -1, atr: undefined as Buffer | undefined };
        seen.push(entry);
        reader.on('error', (err: unknown) => reject(pcscError(`reader "${reader.name}"`, err)));
        reader.on('status', (status: { state: number; atr?: Buffer }) => {
          if (entry.state >= 0) return;
          entry.state = status.state;
          entry.atr = status.atr;
          check();
        });
      });
      // pcsclite starts its monitor on the next tick with `start(cb)`; the first callback carries the
      // reader list. Wrap it to learn when that list has been processed (even when it is empty).
      const start = context.start;
      if (typeof start === 'function') {
        context.start = (cb) =>
          start.call(context, (err, data) => {
            cb(err, data);
            if (!listed) {
              listed = true;
              check();
            }
          });
      } else {
        listed = true;
      }
    });
  } catch (err) {
    closeContext(context);
    throw err;
  }
}

function closeContext(context: PcscBinding): void {
  try {
    context.close();
  } catch {
    /* already closed */
  }
}

function closeReaders(snap: Snapshot, keep?: PcscReaderBinding): void {
  for (const { reader } of snap.readers) {
    if (reader === keep) continue;
    reader.removeAllListeners('status');
    try {
      reader.close();
    } catch {
      /* already closed */
    }
  }
}

function isPresent(entry: Snapshot['readers'][number]): boolean {
  return (entry.state & entry.reader.SCARD_STATE_PRESENT) !== 0;
}

/** Lists the PC/SC readers with card presence and ATR. */
export async function listReaders(options: PcscOptions = {}): Promise<ReaderInfo[]> {
  const snap = await snapshot(options.timeoutMs ?? PCSC_DEFAULT_TIMEOUT_MS);
  try {
    return snap.readers.map((entry, index) => {
      const present = isPresent(entry);
      return {
        index,
        name: entry.reader.name,
        cardPresent: present,
        atr: present && entry.atr && entry.atr.length > 0 ? toHex(entry.atr) : null,
      };
    });
  } finally {
    closeReaders(snap);
    closeContext(snap.context);
  }
}

/** Options of {@link connectReader}. */
export interface PcscConnectOptions extends PcscOptions {
  /** Protocols to accept (default both). */
  protocols?: PcscProtocol[];
}

/**
 * Connects to a card in shared mode. `selector` is a reader index (number or digits), an exact reader
 * name, or a unique substring of one.
 */
export async function connectReader(selector: string | number, options: PcscConnectOptions = {}): Promise<PcscTransport> {
  const timeoutMs = options.timeoutMs ?? PCSC_DEFAULT_TIMEOUT_MS;
  const snap = await snapshot(timeoutMs);
  let entry: Snapshot['readers'][number];
  try {
    entry = pickReader(snap, selector);
    if (!isPresent(entry)) throw new TransportError(`reader "${entry.reader.name}": no card in the reader`);
  } catch (err) {
    closeReaders(snap);
    closeContext(snap.context);
    throw err;
  }
  closeReaders(snap, entry.reader);
  const reader = entry.reader;
  reader.removeAllListeners('status');
  const wanted = options.protocols ?? ['T=0', 'T=1'];
  const mask = wanted.reduce((m, p) => m | (p === 'T=0' ? reader.SCARD_PROTOCOL_T0 : reader.SCARD_PROTOCOL_T1), 0);
  try {
    const protocol = await withTimeout<number>(`connecting to "${reader.name}"`, timeoutMs, (resolve, reject) => {
      reader.connect({ share_mode: reader.SCARD_SHARE_SHARED, protocol: mask }, (err, p) =>
        err ? reject(pcscError(`connecting to "${reader.name}"`, err)) : resolve(p),
      );
    });
    return new PcscTransport(snap.context, reader, protocol, entry.atr ?? Buffer.alloc(0), timeoutMs);
  } catch (err) {
    try {
      reader.close();
    } catch {
      /* ignore */
    }
    closeContext(snap.context);
    throw err;
  }
}

function pickReader(snap: Snapshot, selector: string | number): Snapshot['readers'][number] {
  const names = snap.readers.map((r) => r.reader.name);
  if (snap.readers.length === 0) throw new TransportError('no smart-card reader is connected (is pcscd running with a reader driver?)');
  const list = names.map((n, i) => `  ${i}: ${n}`).join('\n');
  const text = String(selector).trim();
  if (/^\d+$/.test(text)) {
    const i = Number(text);
    const hit = snap.readers[i];
    if (!hit) throw new TransportError(`no reader with index ${i}; readers:\n${list}`);
    return hit;
  }
  const exact = snap.readers.find((r) => r.reader.name === text);
  if (exact) return exact;
  const partial = snap.readers.filter((r) => r.reader.name.toLowerCase().includes(text.toLowerCase()));
  if (partial.length === 1) return partial[0]!;
  if (partial.length > 1) throw new TransportError(`reader "${text}" is ambiguous; readers:\n${list}`);
  throw new TransportError(`no reader named "${text}"; readers:\n${list}`);
}

/** A connected card in a PC/SC reader. */
export class PcscTransport implements Transport {
  readonly reader: string;
  #protocolCode: number;
  #atr: Uint8Array;
  #closed = false;

  constructor(
    private readonly context: PcscBinding,
    private readonly binding: PcscReaderBinding,
    protocolCode: number,
    atr: Uint8Array,
    private readonly timeoutMs: number,
  ) {
    this.reader = binding.name;
    this.#protocolCode = protocolCode;
    this.#atr = new Uint8Array(atr);
    binding.on('error', () => {
      /* reported through the failing operation */
    });
    binding.on('status', (status: { atr?: Buffer }) => {
      if (status?.atr && status.atr.length > 0) this.#atr = new Uint8Array(status.atr);
    });
  }

  /** T=0 or T=1, as negotiated by the last connection. */
  get protocol(): PcscProtocol {
    return this.#protocolCode === this.binding.SCARD_PROTOCOL_T0 ? 'T=0' : 'T=1';
  }

  /** ATR of the last connection or reset. */
  get atr(): Uint8Array {
    return this.#atr.slice();
  }

  /**
   * Warm reset (PC/SC Part 5 SCardReconnect with SCARD_RESET_CARD, done by the binding as a disconnect
   * with reset and a new connection). Returns the ATR read back from the reader.
   */
  async reset(): Promise<Uint8Array> {
    if (this.#closed) throw new TransportError(`reader "${this.reader}": the connection is closed`);
    const name = this.reader;
    await withTimeout<void>(`resetting the card in "${name}"`, this.timeoutMs, (resolve, reject) => {
      this.binding.disconnect(this.binding.SCARD_RESET_CARD, (err) => (err ? reject(pcscError(`resetting the card in "${name}"`, err)) : resolve()));
    });
    const mask = this.binding.SCARD_PROTOCOL_T0 | this.binding.SCARD_PROTOCOL_T1;
    this.#protocolCode = await withTimeout<number>(`reconnecting to "${name}"`, this.timeoutMs, (resolve, reject) => {
      this.binding.connect({ share_mode: this.binding.SCARD_SHARE_SHARED, protocol: mask }, (err, p) =>
        err ? reject(pcscError(`reconnecting to "${name}"`, err)) : resolve(p),
      );
    });
    // The ATR comes from the reader's status events (the binding's one status thread, started when the
    // reader was listed). Calling get_status here would start one more native status thread per reset
    // (node-pcsclite CardReader::GetStatus creates a thread each call); hundreds of them on one context
    // stall pcsc-lite's context lock and, with it, later operations (seen with sscard conformance --reader).
    return this.atr;
  }

  async transmit(command: Uint8Array): Promise<Uint8Array> {
    if (this.#closed) throw new TransportError(`reader "${this.reader}": the connection is closed`);
    if (!(command instanceof Uint8Array)) throw new TypeError('transmit: command must be a Uint8Array');
    const what = `transmitting to "${this.reader}"`;
    const response = await withTimeout<Buffer>(what, this.timeoutMs, (resolve, reject) => {
      this.binding.transmit(Buffer.from(command), 65538, this.#protocolCode, (err, data) =>
        err ? reject(pcscError(what, err)) : resolve(data),
      );
    });
    if (response.length < 2) throw new TransportError(`${what}: response of ${response.length} byte(s), no status word`);
    return new Uint8Array(response);
  }

  /** Disconnects, leaving the card powered (other programs may share it), and releases the context. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await withTimeout<void>(`disconnecting from "${this.reader}"`, this.timeoutMs, (resolve) => {
        this.binding.disconnect(this.binding.SCARD_LEAVE_CARD, () => resolve());
      });
    } catch {
      /* the card or reader may be gone already */
    } finally {
      try {
        this.binding.close();
      } catch {
        /* ignore */
      }
      closeContext(this.context);
    }
  }
}
