/**
 * Status words (ISO/IEC 7816-4 §5.1.3; LD/T 32.5 as listed in DOMAIN.md §1.3).
 * Names used across the card and the terminal. The table of meanings (English and Chinese) and
 * `describeSw` live in `status-word-table.ts`.
 */
export const SW = {
  OK: 0x9000,
  // 61xx and 6Cxx are families: build them with bytesAvailable() / wrongLe()
  WARNING_NV_UNCHANGED: 0x6200,
  END_OF_FILE: 0x6282,
  SELECTED_FILE_INVALIDATED: 0x6283,
  // 63Cx: verification failed, x tries left — build with triesLeft()
  MEMORY_FAILURE: 0x6581,
  WRONG_LENGTH: 0x6700,
  COMMAND_NOT_ACCEPTED: 0x6901, // invalid state
  CLA_FUNCTION_NOT_SUPPORTED: 0x6800,
  LOGICAL_CHANNEL_NOT_SUPPORTED: 0x6881,
  SECURE_MESSAGING_NOT_SUPPORTED: 0x6882,
  COMMAND_INCOMPATIBLE_WITH_FILE: 0x6981,
  SECURITY_STATUS_NOT_SATISFIED: 0x6982,
  AUTH_METHOD_BLOCKED: 0x6983,
  REFERENCE_DATA_INVALIDATED: 0x6984,
  CONDITIONS_NOT_SATISFIED: 0x6985,
  COMMAND_NOT_ALLOWED_NO_EF: 0x6986,
  SM_DATA_MISSING: 0x6987,
  SM_DATA_WRONG: 0x6988,
  WRONG_DATA: 0x6a80,
  FUNCTION_NOT_SUPPORTED: 0x6a81,
  FILE_NOT_FOUND: 0x6a82,
  RECORD_NOT_FOUND: 0x6a83,
  NOT_ENOUGH_SPACE: 0x6a84,
  INCORRECT_P1P2: 0x6a86,
  REFERENCED_DATA_NOT_FOUND: 0x6a88,
  WRONG_P1P2: 0x6b00,
  INS_NOT_SUPPORTED: 0x6d00,
  CLA_NOT_SUPPORTED: 0x6e00,
  UNKNOWN_ERROR: 0x6f00,
  MAC_WRONG: 0x9302,
  APPLICATION_LOCKED: 0x9303,
  INSUFFICIENT_FUNDS: 0x9401,
  TRANSACTION_COUNTER_LIMIT: 0x9402,
  KEY_INDEX_NOT_SUPPORTED: 0x9403,
  MAC_NOT_AVAILABLE: 0x9406,
} as const;

export type SwName = keyof typeof SW;

/** 61xx: `available` more bytes can be fetched with GET RESPONSE (0 means 256). */
export function bytesAvailable(available: number): number {
  return 0x6100 | (available & 0xff);
}

/** 6Cxx: wrong Le, `exact` is the length to ask for (0 means 256). */
export function wrongLe(exact: number): number {
  return 0x6c00 | (exact & 0xff);
}

/** 63Cx: verification failed, `tries` left (0..15). */
export function triesLeft(tries: number): number {
  return 0x63c0 | Math.max(0, Math.min(15, tries));
}
