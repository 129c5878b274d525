/**
 * The financial application's state. `PbocState` persists in `CardImage.apps.pboc` (one state for both
 * interfaces: one ATC, one EC balance — issue 4); `PbocSession` lives in the card OS's session and is
 * cleared by every reset. Amounts are integers in fen (分).
 */
import type { CardInterface, Hex } from '../../runtime/types.js';
import type { CryptogramType } from './choices.js';

/**
 * The persistent state and its algorithm type are inferred from the card image schema
 * (src/card/image/schema.ts `pbocStateSchema`, with the field documentation and the checks).
 */
export type { PbocAlgorithm, PbocState } from '../../image/schema.js';

/** What the card remembers within one transaction (cleared on reset). */
export interface PbocSession {
  /** Set by GPO. */
  gpo?: {
    iface: CardInterface;
    path: 'contact' | 'qpboc';
    atc: number;
    /** Transaction data from the PDOL (hex, by tag). */
    pdol: Record<string, Hex>;
  };
  pinVerified?: boolean;
  pinFailed?: boolean;
  /** First GENERATE AC (or the qPBOC cryptogram) of this transaction. */
  gac1?: { type: CryptogramType; ac: Hex; atc: number; cdol1: Record<string, Hex> };
  gac2?: { type: CryptogramType };
  /** EXTERNAL AUTHENTICATE / tag 91 result. */
  issuerAuth?: 'ok' | 'failed';
  arc?: Hex;
}

/** Highest ATC (2 bytes). At the limit GPO answers 6985 (the card is at end of life). */
export const ATC_MAX = 0xffff;
