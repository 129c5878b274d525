/**
 * Command APDU as an immutable value (ISO/IEC 7816-3 §12.1, 7816-4 §5.1).
 *
 * | case | body                         |
 * |------|------------------------------|
 * | 1    | (empty)                      |
 * | 2S   | Le(1)                        |
 * | 3S   | Lc(1) data                   |
 * | 4S   | Lc(1) data Le(1)             |
 * | 2E   | 00 Le(2)                     |
 * | 3E   | 00 Lc(2) data                |
 * | 4E   | 00 Lc(2) data Le(2)          |
 *
 * Le = 00 (short) means 256, Le = 0000 (extended) means 65536. `ne` is the expected length as a number;
 * 0 means no Le field.
 */
import { toHex } from './bytes.js';

export type ApduCase = '1' | '2S' | '3S' | '4S' | '2E' | '3E' | '4E';

/** An error in the bytes of an APDU: names what is wrong. */
export class ApduFormatError extends Error {
  override name = 'ApduFormatError';
}

export interface CommandApduFields {
  cla: number;
  ins: number;
  p1: number;
  p2: number;
  data?: Uint8Array;
  /** Expected response length Ne: 0 (absent) .. 65536. */
  ne?: number;
  /** Force extended length encoding even when short would do. */
  extended?: boolean;
}

const EMPTY = new Uint8Array(0);

function checkByte(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new RangeError(`CommandApdu: ${name} must be a byte, got ${v}`);
}

export class CommandApdu {
  readonly cla: number;
  readonly ins: number;
  readonly p1: number;
  readonly p2: number;
  readonly ne: number;
  readonly extended: boolean;
  readonly #data: Uint8Array;

  // positional, so that every construction has one shape (parse is on the card's hot path)
  private constructor(cla: number, ins: number, p1: number, p2: number, data: Uint8Array, ne: number, extended: boolean) {
    checkByte('cla', cla);
    checkByte('ins', ins);
    checkByte('p1', p1);
    checkByte('p2', p2);
    if (data.length > 65535) throw new RangeError(`CommandApdu: data is ${data.length} bytes, at most 65535`);
    if (!Number.isInteger(ne) || ne < 0 || ne > 65536) throw new RangeError(`CommandApdu: ne must be 0..65536, got ${ne}`);
    this.cla = cla;
    this.ins = ins;
    this.p1 = p1;
    this.p2 = p2;
    this.#data = data.slice();
    this.ne = ne;
    // A case-1 command has no length field, so it cannot be extended (ISO 7816-3 §12.1.2): normalise,
    // so that parse(encode(x)) equals x.
    const hasBody = data.length > 0 || ne > 0;
    this.extended = hasBody && (extended || data.length > 255 || ne > 256);
    Object.freeze(this);
  }

  /** Builds a command APDU from its fields. */
  static of(fields: CommandApduFields): CommandApdu {
    return new CommandApdu(fields.cla, fields.ins, fields.p1, fields.p2, fields.data ?? EMPTY, fields.ne ?? 0, Boolean(fields.extended));
  }

  /** Parses the bytes of a command APDU (all seven cases). Throws `ApduFormatError` on malformed input. */
  static parse(bytes: Uint8Array): CommandApdu {
    if (bytes.length < 4) throw new ApduFormatError(`command APDU: ${bytes.length} byte(s), a header needs 4`);
    const cla = bytes[0]!;
    const ins = bytes[1]!;
    const p1 = bytes[2]!;
    const p2 = bytes[3]!;
    const body = bytes.subarray(4);
    if (body.length === 0) return new CommandApdu(cla, ins, p1, p2, EMPTY, 0, false); // case 1
    if (body.length === 1) return new CommandApdu(cla, ins, p1, p2, EMPTY, body[0] === 0 ? 256 : body[0]!, false); // 2S
    if (body[0] !== 0) {
      const lc = body[0]!;
      if (body.length === 1 + lc) return new CommandApdu(cla, ins, p1, p2, body.subarray(1), 0, false); // 3S
      if (body.length === 2 + lc) {
        const le = body[1 + lc]!;
        return new CommandApdu(cla, ins, p1, p2, body.subarray(1, 1 + lc), le === 0 ? 256 : le, false); // 4S
      }
      throw new ApduFormatError(
        `command APDU: Lc=${lc} (0x${lc.toString(16).padStart(2, '0')}) but the body after Lc has ${body.length - 1} byte(s); expected ${lc} or ${lc + 1}`,
      );
    }
    // body[0] == 0 and body.length >= 2: extended length
    if (body.length === 3) {
      const le = (body[1]! << 8) | body[2]!;
      return new CommandApdu(cla, ins, p1, p2, EMPTY, le === 0 ? 65536 : le, true); // 2E
    }
    if (body.length < 3) throw new ApduFormatError(`command APDU: extended length field truncated (${body.length} byte(s) after the header)`);
    const lc = (body[1]! << 8) | body[2]!;
    if (lc === 0) throw new ApduFormatError('command APDU: extended Lc is 0000');
    if (body.length === 3 + lc) return new CommandApdu(cla, ins, p1, p2, body.subarray(3), 0, true); // 3E
    if (body.length === 5 + lc) {
      const le = (body[3 + lc]! << 8) | body[4 + lc]!;
      return new CommandApdu(cla, ins, p1, p2, body.subarray(3, 3 + lc), le === 0 ? 65536 : le, true); // 4E
    }
    throw new ApduFormatError(
      `command APDU: extended Lc=${lc} but the body after Lc has ${body.length - 3} byte(s); expected ${lc} or ${lc + 2}`,
    );
  }

  /** The command data field (a copy). */
  get data(): Uint8Array {
    return this.#data.slice();
  }

  /** Length of the data field (Nc). */
  get nc(): number {
    return this.#data.length;
  }

  /** The ISO 7816-3 case of this command. */
  get case(): ApduCase {
    const hasData = this.#data.length > 0;
    const hasLe = this.ne > 0;
    const suffix = this.extended ? 'E' : 'S';
    if (!hasData && !hasLe) return '1';
    if (!hasData) return `2${suffix}`;
    if (!hasLe) return `3${suffix}`;
    return `4${suffix}`;
  }

  /** Encodes to bytes. */
  encode(): Uint8Array {
    const header = [this.cla, this.ins, this.p1, this.p2];
    const data = this.#data;
    const parts: number[] = [...header];
    if (!this.extended) {
      if (data.length > 0) parts.push(data.length, ...data);
      if (this.ne > 0) parts.push(this.ne === 256 ? 0 : this.ne);
      return Uint8Array.from(parts);
    }
    const le = this.ne === 65536 ? 0 : this.ne;
    if (data.length > 0) {
      parts.push(0, data.length >> 8, data.length & 0xff, ...data);
      if (this.ne > 0) parts.push(le >> 8, le & 0xff);
    } else if (this.ne > 0) {
      parts.push(0, le >> 8, le & 0xff);
    }
    return Uint8Array.from(parts);
  }

  /** Returns a copy with some fields replaced. */
  with(fields: Partial<CommandApduFields>): CommandApdu {
    return CommandApdu.of({
      cla: this.cla,
      ins: this.ins,
      p1: this.p1,
      p2: this.p2,
      data: this.#data,
      ne: this.ne,
      extended: this.extended && fields.extended !== false,
      ...fields,
    });
  }

  /** Upper-case hex of the encoding. */
  toHex(): string {
    return toHex(this.encode());
  }

  toString(): string {
    return this.toHex();
  }
}
