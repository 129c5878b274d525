/**
 * Response APDU as an immutable value: response data followed by SW1 SW2 (ISO/IEC 7816-4 §5.1.3).
 * A status word is data, not an error: callers decide what a failure is.
 */
import { concat, toHex } from './bytes.js';
import { ApduFormatError } from './command-apdu.js';

export class ResponseApdu {
  readonly sw: number;
  readonly #data: Uint8Array;

  private constructor(data: Uint8Array, sw: number) {
    if (!Number.isInteger(sw) || sw < 0 || sw > 0xffff) throw new RangeError(`ResponseApdu: sw must be 0..0xFFFF, got ${sw}`);
    if (data.length > 65536) throw new RangeError(`ResponseApdu: data is ${data.length} bytes, at most 65536`);
    this.#data = data.slice();
    this.sw = sw;
    Object.freeze(this);
  }

  /** Builds a response from data and a status word. */
  static of(data: Uint8Array, sw: number): ResponseApdu {
    return new ResponseApdu(data, sw);
  }

  /** A response with no data. */
  static status(sw: number): ResponseApdu {
    return new ResponseApdu(new Uint8Array(0), sw);
  }

  /** Parses response bytes. Throws `ApduFormatError` when there is no status word. */
  static parse(bytes: Uint8Array): ResponseApdu {
    if (bytes.length < 2) throw new ApduFormatError(`response APDU: ${bytes.length} byte(s), a status word needs 2`);
    const n = bytes.length;
    return new ResponseApdu(bytes.subarray(0, n - 2), (bytes[n - 2]! << 8) | bytes[n - 1]!);
  }

  get data(): Uint8Array {
    return this.#data.slice();
  }

  get sw1(): number {
    return this.sw >> 8;
  }

  get sw2(): number {
    return this.sw & 0xff;
  }

  /** True for 9000. */
  get ok(): boolean {
    return this.sw === 0x9000;
  }

  encode(): Uint8Array {
    return concat(this.#data, Uint8Array.of(this.sw >> 8, this.sw & 0xff));
  }

  toHex(): string {
    return toHex(this.encode());
  }

  toString(): string {
    return this.toHex();
  }
}
