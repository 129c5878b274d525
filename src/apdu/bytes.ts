/**
 * Byte helpers. Inside sscard every binary value is a `Uint8Array`; hex appears only at the edges
 * (CLI, files, logs).
 */

const HEX_DIGITS = '0123456789ABCDEF';

/** Encodes bytes as upper-case hex without separators. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += HEX_DIGITS[b >> 4] + HEX_DIGITS[b & 15];
  return out;
}

/**
 * Decodes hex. Whitespace and colons between digits are ignored; anything else that is not a hex digit,
 * or an odd number of digits, is a `RangeError` that names the offending position.
 * @param text hex such as `00A40400 0E` or `00:A4`
 * @param what the name of the argument, used in error messages
 */
export function fromHex(text: string, what = 'hex'): Uint8Array {
  const clean = text.replace(/[\s:]/g, '');
  if (clean.length % 2 !== 0) {
    throw new RangeError(`${what}: odd number of hex digits (${clean.length})`);
  }
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexValue(clean.charCodeAt(2 * i));
    const lo = hexValue(clean.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) {
      const bad = hi < 0 ? clean[2 * i] : clean[2 * i + 1];
      throw new RangeError(`${what}: '${bad}' is not a hex digit (digit ${hi < 0 ? 2 * i : 2 * i + 1})`);
    }
    out[i] = (hi << 4) | lo;
  }
  return out;
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Byte-wise equality (not constant time). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Constant-time equality for MACs and cryptograms. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** XOR of two equal-length arrays. */
export function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length !== b.length) throw new RangeError(`xor: lengths differ (${a.length} and ${b.length})`);
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** Big-endian unsigned integer of `width` bytes. */
export function uintBE(value: number, width: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0 || value >= 2 ** (8 * width)) {
    throw new RangeError(`uintBE: ${value} does not fit in ${width} byte(s)`);
  }
  const out = new Uint8Array(width);
  let v = value;
  for (let i = width - 1; i >= 0; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return out;
}

/** Reads a big-endian unsigned integer (up to 6 bytes). */
export function readUintBE(bytes: Uint8Array, offset = 0, width = bytes.length - offset): number {
  if (width > 6) throw new RangeError(`readUintBE: ${width} bytes exceed a safe integer`);
  if (offset + width > bytes.length) throw new RangeError('readUintBE: not enough bytes');
  let v = 0;
  for (let i = 0; i < width; i++) v = v * 256 + bytes[offset + i]!;
  return v;
}

/** ASCII text to bytes (throws on non-ASCII). */
export function ascii(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) throw new RangeError(`ascii: character ${JSON.stringify(text[i])} at ${i} is not ASCII`);
    out[i] = c;
  }
  return out;
}
