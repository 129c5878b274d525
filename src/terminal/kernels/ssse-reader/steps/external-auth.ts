/**
 * EXTERNAL AUTHENTICATE with a read key (RK) or a write key (UK) of the current DF, before protected
 * reads and writes (LD/T 32.7 §5.4; LD/T 32.5 GET CHALLENGE / EXTERNAL AUTHENTICATE; DOMAIN.md §1.4,
 * third-generation sequence as seen):
 *
 * 1. card `00 84 00 00 08` → R (8 bytes);
 * 2. the PSAM computes the 8-byte cryptogram of R under the card key (diversified for this card);
 * 3. card `00 82 00 <key ref> 11 cryptogram ‖ R ‖ key version` (SM4, as the trace `0082000411…`), or
 *    `00 82 00 <key ref> 10 cryptogram ‖ R` for DES/3DES cards (as the trace `0082000A10…`).
 *
 * The card counts failures (63Cx, then 6983 blocked).
 */
import { concat } from '../../../../apdu/bytes.js';
import { CommandApdu } from '../../../../apdu/command-apdu.js';
import { SW } from '../../../../apdu/status-words.js';
import type { KeyedDf } from '../../../../spec/ssse/identifiers.js';
import { KEY_SPECS } from '../../../../spec/ssse/keys.js';
import { diversificationOf, openPsam, psamBytes, psamCall, send, type KernelContext } from '../context.js';
import { badResponse, isInterruption, unexpectedSw, type CardFault, type Interruption } from '../outcomes.js';

export type ExternalAuthOutcome =
  | { outcome: 'authenticated'; df: KeyedDf; kind: 'RK' | 'UK' }
  /** The card rejected the cryptogram (63Cx): `triesLeft` before the key blocks. */
  | { outcome: 'rejected'; df: KeyedDf; kind: 'RK' | 'UK'; triesLeft: number }
  /** The key is blocked (6983). */
  | { outcome: 'key-blocked'; df: KeyedDf; kind: 'RK' | 'UK' }
  | Interruption;

/** Length of the card challenge the cryptogram is computed over. */
const CHALLENGE_LENGTH = 8;

/** GET CHALLENGE (LD/T 32.5): `00 84 00 00 Le` → Le random bytes. */
export async function getChallenge(ctx: KernelContext, length = CHALLENGE_LENGTH): Promise<Uint8Array | CardFault> {
  const step = 'GET CHALLENGE';
  const cmd = CommandApdu.of({ cla: 0x00, ins: 0x84, p1: 0x00, p2: 0x00, ne: length });
  const r = await send(ctx, step, cmd);
  if (isInterruption(r)) return r;
  if (r.sw !== SW.OK) return unexpectedSw(step, cmd.encode(), r.sw);
  if (r.data.length !== length) return badResponse(step, cmd.encode(), `the challenge is ${r.data.length} bytes, expected ${length}`, r.sw);
  return r.data;
}

/**
 * Authenticates the terminal to the card with the card key `kind` of `df` (the DF must be current).
 * Needs the card identifier (the card check has read EF05) and a PSAM.
 */
export async function externalAuthenticate(ctx: KernelContext, df: KeyedDf, kind: 'RK' | 'UK'): Promise<ExternalAuthOutcome> {
  const psam = await openPsam(ctx);
  if (isInterruption(psam)) return psam;
  const card = diversificationOf(ctx);
  if (!card) return { outcome: 'psam-required', detail: 'external authentication needs the card check first (EF05 and the ATR historical bytes)' };
  const random = await getChallenge(ctx);
  if (isInterruption(random)) return random;
  const cryptogram = await psamCall(ctx, 'EXTERNAL AUTHENTICATE cryptogram', () => psam.port.externalAuthenticationCryptogram(card, { df, kind }, random));
  if (isInterruption(cryptogram)) return cryptogram;
  const checked = psamBytes('EXTERNAL AUTHENTICATE cryptogram', cryptogram, 8);
  if (isInterruption(checked)) return checked;
  const data = psam.info.algorithm === 'SM4' ? concat(checked, random, Uint8Array.of(psam.info.keyVersion)) : concat(checked, random);
  const step = `EXTERNAL AUTHENTICATE ${kind}_${df}`;
  const cmd = CommandApdu.of({ cla: 0x00, ins: 0x82, p1: 0x00, p2: KEY_SPECS[kind].reference, data });
  const r = await send(ctx, step, cmd);
  if (isInterruption(r)) return r;
  if (r.sw === SW.OK) return { outcome: 'authenticated', df, kind };
  if ((r.sw & 0xfff0) === 0x63c0) return { outcome: 'rejected', df, kind, triesLeft: r.sw & 0x0f };
  if (r.sw === SW.AUTH_METHOD_BLOCKED) return { outcome: 'key-blocked', df, kind };
  return unexpectedSw(step, cmd.encode(), r.sw);
}
