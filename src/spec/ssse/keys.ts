/**
 * The SSSE key kinds and their references (LD/T 32.4 key management; DOMAIN.md §1.4). [R] The key
 * references are not public; the choice (docs/ssse.md "Keys") lives here only, and both the card and
 * the terminal read it:
 *
 * | kind | usage          | reference | note |
 * |------|----------------|-----------|------|
 * | IRK  | internal-auth  | 00        | INTERNAL AUTHENTICATE P2=00 (trace `0088000010…`) |
 * | DPK  | debit          | 01        | key index of the medical-debit INIT (DF04 only) |
 * | DTK  | tac            | 02        | TAC key of the medical debit (DF04 only) |
 * | UK   | external-auth  | 04        | write key UKx (trace `0082000411…`) |
 * | PUK  | pin-unblock    | 05        | |
 * | RPK  | pin-reload     | 06        | |
 * | RK   | external-auth  | 0A        | read key RKx (trace `0082000A10…`) |
 *
 * Every card key is the issuer's master key diversified in three levels (DOMAIN.md §1.4): province →
 * city → card, the card level using the ATR historical bytes T6–TD (atr-historical.ts).
 */

/** Key kinds an issuer holds a master key for, per DF. */
export const KEY_KINDS = ['IRK', 'RK', 'UK', 'PUK', 'RPK', 'DPK', 'DTK'] as const;
export type KeyKind = (typeof KEY_KINDS)[number];

/** What a key of a kind is used for. */
export type KeyUsage = 'external-auth' | 'internal-auth' | 'debit' | 'tac' | 'pin-unblock' | 'pin-reload';

export interface KeySpec {
  kind: KeyKind;
  usage: KeyUsage;
  /** P2 of INTERNAL/EXTERNAL AUTHENTICATE, key index of the medical-debit INIT. */
  reference: number;
}

/** The key table above. */
export const KEY_SPECS: Readonly<Record<KeyKind, KeySpec>> = {
  IRK: { kind: 'IRK', usage: 'internal-auth', reference: 0x00 },
  DPK: { kind: 'DPK', usage: 'debit', reference: 0x01 },
  DTK: { kind: 'DTK', usage: 'tac', reference: 0x02 },
  UK: { kind: 'UK', usage: 'external-auth', reference: 0x04 },
  PUK: { kind: 'PUK', usage: 'pin-unblock', reference: 0x05 },
  RPK: { kind: 'RPK', usage: 'pin-reload', reference: 0x06 },
  RK: { kind: 'RK', usage: 'external-auth', reference: 0x0a },
};
