/** BER length octets (ISO/IEC 8825-1 §8.1.3), minimal form. */
export function berLength(length: number): number[] {
  if (length < 0x80) return [length];
  if (length < 0x100) return [0x81, length];
  if (length < 0x10000) return [0x82, length >> 8, length & 0xff];
  throw new RangeError(`berLength: ${length} too long`);
}
