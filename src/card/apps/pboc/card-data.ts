/**
 * Reading the application's own personalised data back from its record files (the records are the one
 * source of Track 2, PSN, … that GPO answers also carry).
 */
import { fromHex } from '../../../apdu/bytes.js';
import { SFI } from './choices.js';
import type { PbocPort } from './port.js';
import { decodeTlv, findTag } from './tlv.js';

/** The value of `tag` in the records of `sfi`, or undefined. */
export function recordValue(port: PbocPort, sfi: number, tag: string): Uint8Array | undefined {
  for (const rec of port.records(sfi)) {
    const hit = findTag(decodeTlv(fromHex(rec)), tag);
    if (hit) return hit.value;
  }
  return undefined;
}

/** Track 2 equivalent data 57 and PSN 5F34 (for qPBOC GPO answers). */
export function trackData(port: PbocPort): { track2: Uint8Array; psn: Uint8Array } {
  return {
    track2: recordValue(port, SFI.track, '57') ?? new Uint8Array(0),
    psn: recordValue(port, SFI.static, '5F34') ?? Uint8Array.of(0),
  };
}
