/**
 * The TVR and TSI layouts of DOMAIN.md §2.1 (EMV 4.3 Book 3 Annex C5/C6), written out here — not imported
 * from src/ — so that a kernel that sets the wrong bit fails its tests.
 */

/** TVR (tag 95): name → [byte 1..5, mask]. */
export const TVR = {
  odaNotPerformed: [1, 0x80],
  sdaFailed: [1, 0x40],
  iccDataMissing: [1, 0x20],
  exceptionFile: [1, 0x10],
  ddaFailed: [1, 0x08],
  cdaFailed: [1, 0x04],
  sdaSelected: [1, 0x02],
  versionsDiffer: [2, 0x80],
  expiredApplication: [2, 0x40],
  notYetEffective: [2, 0x20],
  serviceNotAllowed: [2, 0x10],
  newCard: [2, 0x08],
  cvmNotSuccessful: [3, 0x80],
  unrecognisedCvm: [3, 0x40],
  pinTryLimitExceeded: [3, 0x20],
  pinPadAbsent: [3, 0x10],
  pinNotEntered: [3, 0x08],
  onlinePinEntered: [3, 0x04],
  floorLimitExceeded: [4, 0x80],
  lowerOfflineLimitExceeded: [4, 0x40],
  upperOfflineLimitExceeded: [4, 0x20],
  randomlySelected: [4, 0x10],
  merchantForcedOnline: [4, 0x08],
  defaultTdolUsed: [5, 0x80],
  issuerAuthenticationFailed: [5, 0x40],
  scriptFailedBeforeFinalAc: [5, 0x20],
  scriptFailedAfterFinalAc: [5, 0x10],
} as const;

/** TSI (tag 9B): name → [byte 1..2, mask]. */
export const TSI = {
  odaPerformed: [1, 0x80],
  cvmPerformed: [1, 0x40],
  cardRiskManagementPerformed: [1, 0x20],
  issuerAuthenticationPerformed: [1, 0x10],
  terminalRiskManagementPerformed: [1, 0x08],
  scriptProcessingPerformed: [1, 0x04],
} as const;

function build(length: number, bits: ReadonlyArray<readonly [number, number]>): string {
  const out = new Uint8Array(length);
  for (const [byte, mask] of bits) out[byte - 1]! |= mask;
  return Buffer.from(out).toString('hex').toUpperCase();
}

/** The TVR hex with exactly these bits set. */
export function tvr(...names: Array<keyof typeof TVR>): string {
  return build(5, names.map((n) => TVR[n]));
}

/** The TSI hex with exactly these bits set. */
export function tsi(...names: Array<keyof typeof TSI>): string {
  return build(2, names.map((n) => TSI[n]));
}
