/**
 * The SSSE key set of one card: which keys each DF holds and the names the access rules use. The kinds
 * and references are protocol facts shared with the terminal (src/spec/ssse/keys.ts, [R] choice there);
 * this module builds the card's `KeyImage`s from them.
 */
import type { KeyAlgorithm, KeyImage } from '../../runtime/types.js';
import type { KeyedDf } from '../../../spec/ssse/identifiers.js';
import { KEY_SPECS, type KeyKind } from '../../../spec/ssse/keys.js';

export { KEY_SPECS };

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
