/**
 * ISO/IEC 9797-1 padding method 2 (DOMAIN.md §1.4: "pad 80 00…, a full final block gets a whole pad
 * block"), used by every MAC and by SSSE encryption (`LD ‖ data ‖ 80 00…`).
 */

/**
 * Appends `80` and then `00` bytes up to the next multiple of `blockSize`. Always adds at least one byte,
 * so data that already fills its last block gets a whole block `80 00 … 00`.
 * @throws RangeError when `blockSize` is not a positive integer
 */
export function padIso9797M2(data: Uint8Array, blockSize: number): Uint8Array {
  if (!(data instanceof Uint8Array)) throw new TypeError('data: must be a Uint8Array');
  if (!Number.isInteger(blockSize) || blockSize <= 0 || blockSize > 256) {
    throw new RangeError(`blockSize: must be an integer from 1 to 256, got ${blockSize}`);
  }
  const out = new Uint8Array((Math.floor(data.length / blockSize) + 1) * blockSize);
  out.set(data);
  out[data.length] = 0x80;
  return out;
}

/**
 * Removes method-2 padding: trailing `00` bytes and the `80` before them.
 * @param blockSize when given, `data` must be a whole number of blocks and the padding at most one block
 * @throws RangeError when the padding is malformed (no `80` marker, or longer than a block)
 */
export function unpadIso9797M2(data: Uint8Array, blockSize?: number): Uint8Array {
  if (!(data instanceof Uint8Array)) throw new TypeError('data: must be a Uint8Array');
  if (blockSize !== undefined) {
    if (!Number.isInteger(blockSize) || blockSize <= 0) {
      throw new RangeError(`blockSize: must be a positive integer, got ${blockSize}`);
    }
    if (data.length === 0 || data.length % blockSize !== 0) {
      throw new RangeError(`data: padded data must be a non-empty multiple of ${blockSize} bytes, got ${data.length}`);
    }
  }
  let i = data.length - 1;
  while (i >= 0 && data[i] === 0) i--;
  if (i < 0 || data[i] !== 0x80) throw new RangeError('data: bad ISO 9797-1 method-2 padding (no 80 marker)');
  if (blockSize !== undefined && data.length - i > blockSize) {
    throw new RangeError(`data: bad ISO 9797-1 method-2 padding (${data.length - i} bytes, more than a block)`);
  }
  return data.slice(0, i);
}
