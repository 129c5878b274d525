/**
 * The historical bytes of the contact ATR of an SSSE card (DOMAIN.md §1.4). Their last eight (T6–TD) are
 * the card-level diversification data of every SSSE key, and carry the card serial.
 *
 * Real third-generation cards: `00 81 4A 44 46 86 60 51 99 00 00 01 AC` and
 * `00 81 54 4C 97 86 84 32 02 AD 93 2A 48` (serial AD932A48 of card identifier 320200D156000005AD932A48…,
 * city 3202). Layout used here ([R] for T3–T5 and T7, which vary between vendors):
 *
 * | byte  | value                                             |
 * |-------|---------------------------------------------------|
 * | T1    | 00 (category indicator)                           |
 * | T2    | 81                                                |
 * | T3-T5 | 53 53 43 "SSC" (chip/COS vendor code) [R]         |
 * | T6    | 86                                                |
 * | T7    | generation: 30 third, 20 second [R]               |
 * | T8-T9 | first four digits of the issuer's region code, BCD|
 * | TA-TD | card serial (4 bytes)                             |
 */
import { concat, fromHex } from '../../apdu/bytes.js';

/** Builds the 13 historical bytes. */
export function ssseHistoricalBytes(generation: 2 | 3, regionCode: string, serial: Uint8Array): Uint8Array {
  if (!/^\d{6}$/.test(regionCode)) throw new RangeError(`ssseHistoricalBytes: regionCode must be 6 digits, got ${JSON.stringify(regionCode)}`);
  if (serial.length !== 4) throw new RangeError(`ssseHistoricalBytes: serial must be 4 bytes, got ${serial.length}`);
  return concat(
    Uint8Array.of(0x00, 0x81, 0x53, 0x53, 0x43, 0x86, generation === 3 ? 0x30 : 0x20),
    fromHex(regionCode.slice(0, 4)),
    serial,
  );
}

/** T6–TD: the last 8 historical bytes (the card-level diversification data). */
export function diversificationBytes(historical: Uint8Array): Uint8Array {
  if (historical.length < 8) throw new RangeError(`diversificationBytes: ${historical.length} historical bytes, need at least 8`);
  return historical.slice(historical.length - 8);
}
