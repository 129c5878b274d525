/**
 * The SSSE key set of one card: which keys each DF holds, their references and usages, and the names the
 * access rules use. [R] The key references are not public; the choice (docs/ssse.md "Keys") lives here only:
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
 * Every card key is the profile's master key diversified in three levels (DOMAIN.md §1.4):
 * province → city → card, the card level using the ATR historical bytes T6–TD.
 */
import type { KeyAlgorithm, KeyImage } from '../../runtime/types.js';
import type { KeyedDf, KeyKind } from '../../personalize/profile.js';

export interface KeySpec {
  kind: KeyKind;
  usage: KeyImage['usage'];
  reference: number;
}

export const KEY_SPECS: Readonly<Record<KeyKind, KeySpec>> = {
  IRK: { kind: 'IRK', usage: 'internal-auth', reference: 0x00 },
  DPK: { kind: 'DPK', usage: 'debit', reference: 0x01 },
  DTK: { kind: 'DTK', usage: 'tac', reference: 0x02 },
  UK: { kind: 'UK', usage: 'external-auth', reference: 0x04 },
  PUK: { kind: 'PUK', usage: 'pin-unblock', reference: 0x05 },
  RPK: { kind: 'RPK', usage: 'pin-reload', reference: 0x06 },
  RK: { kind: 'RK', usage: 'external-auth', reference: 0x0a },
};

/** Name of a key in access rules and in the image: `UK_SSSE`, `RK_DF04`, … */
export function keyId(kind: KeyKind, df: KeyedDf): string {
  return `${kind}_${df}`;
}

/** Maximum failed EXTERNAL AUTHENTICATE attempts before a key is blocked. [R] */
export const EXTERNAL_AUTH_MAX_TRIES = 15;

/**
 * Builds the KeyImages of one DF.
 * @param derive returns the card key (hex) for a kind; called only for kinds the profile has a master key for
 */
export function buildDfKeys(
  df: KeyedDf,
  kinds: KeyKind[],
  algorithm: KeyAlgorithm,
  version: number,
  derive: (kind: KeyKind) => string,
): KeyImage[] {
  return kinds.map((kind) => {
    const spec = KEY_SPECS[kind];
    const key: KeyImage = {
      id: keyId(kind, df),
      reference: spec.reference,
      usage: spec.usage,
      algorithm,
      version,
      value: derive(kind),
    };
    if (spec.usage === 'external-auth') {
      key.triesLeft = EXTERNAL_AUTH_MAX_TRIES;
      key.maxTries = EXTERNAL_AUTH_MAX_TRIES;
    }
    return key;
  });
}
