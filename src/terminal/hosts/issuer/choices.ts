/**
 * Every reconstructed ([R]) or chosen rule of the bank's issuer host, in one place. docs/issuer-host.md
 * lists the same rules with their reasons; change both together. The facts the host shares with the
 * card (AC input, IAD, script MAC, PIN-change block) are in src/spec/pboc.ts.
 */
import type { ResponseCode } from './issuer-port.js';

/**
 * Most bytes of issuer scripts in one response: 128, the total every EMV terminal must accept
 * (EMV 4.3 Book 4 §6.3.9 [P]). Scripts that do not fit wait for the next online transaction.
 */
export const MAX_SCRIPT_BYTES_PER_RESPONSE = 128;

/**
 * Template of each script command [R]: application and card block go in template 71 (processed before
 * the second GENERATE AC, so that the card already refuses this transaction); everything else in
 * template 72 (after it) — EC load as DOMAIN.md §2 says.
 */
export const SCRIPT_TEMPLATE: Record<ScriptCommandKind, '71' | '72'> = {
  'ec-load': '72',
  'put-data': '72',
  'update-record': '72',
  'application-block': '71',
  'application-unblock': '72',
  'card-block': '71',
  'pin-unblock': '72',
  'pin-change': '72',
};

/** The script commands the host can queue (src/spec/pboc.ts SCRIPT_COMMANDS). */
export type ScriptCommandKind =
  | 'ec-load'
  | 'put-data'
  | 'update-record'
  | 'application-block'
  | 'application-unblock'
  | 'card-block'
  | 'pin-unblock'
  | 'pin-change';

/** Online PIN tries an account gets when opened (the card's offline PIN has its own counter 9F17). */
export const DEFAULT_ONLINE_PIN_TRIES = 3;

/** The online PIN of a new account when none is given: the profiles' default PIN (docs/pboc.md). */
export const DEFAULT_ONLINE_PIN = '123456';

/** EC balance limit 9F77 an account assumes when none is given: 1000 CNY (DOMAIN.md §3) = the profiles' default. */
export const DEFAULT_EC_BALANCE_LIMIT = 100_000;

/** ARC 8A of a response: the two ASCII characters of its response code (ISO 8583 field 39, EMV Book 4 §A). */
export function arcOf(code: ResponseCode): Uint8Array {
  return Uint8Array.of(code.charCodeAt(0), code.charCodeAt(1));
}

/**
 * scrypt parameters of the stored online PIN hash (RFC 7914): N = 2^14, r = 8, p = 1, 32 bytes, 16-byte
 * salt. The PIN itself is never stored (a queued PIN CHANGE keeps the new PIN until it is delivered).
 */
export const PIN_HASH = { N: 1 << 14, r: 8, p: 1, length: 32, saltLength: 16 } as const;
