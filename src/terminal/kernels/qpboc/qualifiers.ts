/**
 * Terminal and card transaction qualifiers of qPBOC (JR/T 0025.12 §6.2 and Annex A; DOMAIN.md §2.1 [C]):
 * TTQ 9F66 (terminal → card, 4 bytes) and CTQ 9F6C (card → terminal, 2 bytes), as tables of named bits
 * ([byte index from 0, mask], the form of src/spec/pboc.ts `TTQ`, whose bits the card reads).
 */

export const TTQ_BITS = {
  contactlessMagstripe: [0, 0x80],
  contactlessFullPboc: [0, 0x40],
  qpboc: [0, 0x20],
  contactPboc: [0, 0x10],
  offlineOnly: [0, 0x08],
  onlinePin: [0, 0x04],
  signature: [0, 0x02],
  onlineOda: [0, 0x01],
  onlineCryptogramRequired: [1, 0x80],
  cvmRequired: [1, 0x40],
  issuerScriptUpdate: [2, 0x80],
  fddaV01: [3, 0x80],
} as const satisfies Record<string, readonly [number, number]>;

export const CTQ_BITS = {
  onlinePinRequired: [0, 0x80],
  signatureRequired: [0, 0x40],
  goOnlineIfOdaFails: [0, 0x20],
  switchInterfaceIfOdaFails: [0, 0x10],
  goOnlineIfExpired: [0, 0x08],
  consumerDeviceCvmPerformed: [1, 0x80],
  issuerUpdateSupported: [1, 0x40],
} as const satisfies Record<string, readonly [number, number]>;

export type TtqBit = keyof typeof TTQ_BITS;
export type CtqBit = keyof typeof CTQ_BITS;

/** Whether a qualifier bit is set (absent bytes read as 0). */
export function qualifier(bytes: Uint8Array | undefined, [byte, mask]: readonly [number, number]): boolean {
  return ((bytes?.[byte] ?? 0) & mask) !== 0;
}

/** Sets a qualifier bit in place. */
export function setQualifier(bytes: Uint8Array, [byte, mask]: readonly [number, number]): void {
  bytes[byte]! |= mask;
}

/** Clears a qualifier bit in place. */
export function clearQualifier(bytes: Uint8Array, [byte, mask]: readonly [number, number]): void {
  bytes[byte]! &= ~mask & 0xff;
}
