/**
 * Test doubles for the vpcd client: a fake vpcd (a TCP server speaking vpcd.c's framing, written here
 * without the decoder under test) and a tiny fake SimulatedCard.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { CardInterface, SimulatedCard } from '../../src/card/runtime/types.js';

/** A fake vpcd: accepts one card connection at a time and lets the test send frames and read answers. */
export class FakeVpcd {
  #server: Server | undefined;
  #socket: Socket | undefined;
  #buffer = Buffer.alloc(0);
  #waiters: Array<() => void> = [];
  #connectWaiters: Array<(s: Socket) => void> = [];
  port = 0;

  async listen(port = 0): Promise<number> {
    this.#server = createServer((socket) => {
      this.#socket = socket;
      this.#buffer = Buffer.alloc(0);
      socket.on('data', (d) => {
        this.#buffer = Buffer.concat([this.#buffer, d]);
        for (const w of this.#waiters.splice(0)) w();
      });
      socket.on('close', () => {
        for (const w of this.#waiters.splice(0)) w();
      });
      socket.on('error', () => {});
      for (const w of this.#connectWaiters.splice(0)) w(socket);
    });
    await new Promise<void>((resolve, reject) => {
      this.#server!.once('error', reject);
      this.#server!.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.#server.address() as { port: number }).port;
    return this.port;
  }

  /** Waits until the card has connected. */
  async accepted(): Promise<void> {
    if (this.#socket && !this.#socket.destroyed && !this.#socket.readableEnded) return;
    await new Promise<Socket>((resolve) => this.#connectWaiters.push(resolve));
  }

  get socket(): Socket | undefined {
    return this.#socket;
  }

  /** Sends raw bytes (tests of splitting). */
  sendRaw(bytes: number[]): void {
    this.#socket!.write(Buffer.from(bytes));
  }

  /** Sends one framed message. */
  send(payload: number[]): void {
    this.sendRaw([payload.length >> 8, payload.length & 0xff, ...payload]);
  }

  /** Reads one framed answer (2-byte length, then payload), or null if the card closed the link. */
  async receive(timeoutMs = 3000): Promise<number[] | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.#buffer.length >= 2) {
        const n = this.#buffer.readUInt16BE(0);
        if (this.#buffer.length >= 2 + n) {
          const out = [...this.#buffer.subarray(2, 2 + n)];
          this.#buffer = this.#buffer.subarray(2 + n);
          return out;
        }
      }
      if (!this.#socket || this.#socket.destroyed || this.#socket.readableEnded) return null;
      if (Date.now() > deadline) throw new Error('fake vpcd: no answer from the card');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Bytes received and not yet consumed by `receive`. */
  get unread(): number {
    return this.#buffer.length;
  }

  /** Drops the card connection (as vpcd does after an empty ATR). */
  dropConnection(): void {
    this.#socket?.destroy();
    this.#socket = undefined;
  }

  async close(): Promise<void> {
    this.#socket?.destroy();
    this.#socket = undefined;
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
    this.#server = undefined;
  }
}

/**
 * A minimal card: ATR 3B 02 14 50 (contact) / 3B 80 80 01 01 (contactless); INS 01 increments a
 * persistent counter, INS 02 returns it, anything else echoes the command bytes followed by 9000.
 * Power state and session are tracked like a real card's.
 */
export class FakeCard implements SimulatedCard {
  counter = 0;
  resets = 0;
  #iface: CardInterface | undefined;
  readonly commands: number[][] = [];

  get powered(): boolean {
    return this.#iface !== undefined;
  }
  get activeInterface(): CardInterface | undefined {
    return this.#iface;
  }
  powerOn(iface: CardInterface): Uint8Array {
    this.#iface = iface;
    this.resets++;
    return iface === 'contact' ? Uint8Array.of(0x3b, 0x02, 0x14, 0x50) : Uint8Array.of(0x3b, 0x80, 0x80, 0x01, 0x01);
  }
  warmReset(): Uint8Array {
    return this.powerOn(this.#iface ?? 'contact');
  }
  powerOff(): void {
    this.#iface = undefined;
  }
  transmit(command: Uint8Array): Uint8Array {
    this.commands.push([...command]);
    if (!this.powered) return Uint8Array.of(0x6f, 0x00);
    if (command[1] === 0x01) {
      this.counter++;
      return Uint8Array.of(0x90, 0x00);
    }
    if (command[1] === 0x02) return Uint8Array.of(this.counter, 0x90, 0x00);
    return Uint8Array.of(...command, 0x90, 0x00);
  }
}
