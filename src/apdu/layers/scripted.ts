/**
 * A transport that plays a script: it expects given commands in order and answers the given responses,
 * failing (TransportError) on any unexpected command or after the script ends — the emulated reader of
 * emv-utils' tests. For tests of layers and terminal kernels.
 */
import { fromHex, toHex } from '../bytes.js';
import { TransportError, type Transport } from '../transport.js';

export interface ScriptStep {
  /** Expected command (hex; spaces allowed). */
  command: string;
  /** Response to give (hex, data ‖ SW). */
  response: string;
}

export class ScriptedTransport implements Transport {
  #next = 0;
  readonly sent: string[] = [];

  constructor(private readonly steps: readonly ScriptStep[]) {}

  async transmit(command: Uint8Array): Promise<Uint8Array> {
    const hex = toHex(command);
    this.sent.push(hex);
    const step = this.steps[this.#next];
    if (!step) throw new TransportError(`scripted transport: unexpected command ${hex} after the end of the script`);
    const expected = toHex(fromHex(step.command));
    if (expected !== hex) throw new TransportError(`scripted transport: step ${this.#next + 1} expected ${expected}, got ${hex}`);
    this.#next++;
    return fromHex(step.response);
  }

  /** Whether every step was played. */
  get done(): boolean {
    return this.#next === this.steps.length;
  }
}
