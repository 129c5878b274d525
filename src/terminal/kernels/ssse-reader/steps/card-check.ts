/**
 * The card check of LD/T 32.7 §5.4 (DOMAIN.md §1.4 "Card check flow"):
 *
 * 1. SELECT the SSSE application (select.ts);
 * 2. INTERNAL AUTHENTICATE `00 88 00 <IRK> 10 factor(8) ‖ original(8)` → 8 bytes, the card's proof that
 *    it holds its internal-authentication key IRK (SK = E_IRK(factor), answer = E_SK(original), folded);
 * 3. READ EF05 (发卡机构数据): the card identifier, whose region is the city level of the key
 *    diversification, and the other issuer data;
 * 4. the PSAM checks the answer of step 2 for this card (counterfeit when wrong);
 * 5. the blacklist of the terminal (blacklisted when listed).
 *
 * EXTERNAL AUTHENTICATE with RK or UK, before protected reads and writes, is external-auth.ts.
 * Without a PSAM, steps 2 and 4 are skipped and the card is `unchecked`; the blacklist still applies.
 */
import { CommandApdu } from '../../../../apdu/command-apdu.js';
import { SW } from '../../../../apdu/status-words.js';
import { splitCardIdentifier, type CardIdentifierParts } from '../../../../spec/ssse/card-identifier.js';
import { KEY_SPECS } from '../../../../spec/ssse/keys.js';
import { algorithmsMatch, diversificationOf, openPsam, psamCall, send, type KernelContext } from '../context.js';
import type { Blacklist, BlacklistEntry } from '../blacklist.js';
import { badResponse, isInterruption, unexpectedSw, type CardFault, type Interruption } from '../outcomes.js';
import { readItemFile, type ItemValue } from './records.js';
import { selectSsse } from './select.js';

type Items = Partial<Record<string, ItemValue>>;

export type CardCheckOutcome =
  /** The PSAM verified the card's INTERNAL AUTHENTICATE answer and the card is not blacklisted. */
  | { outcome: 'authentic'; identifier: CardIdentifierParts; ef05: Items }
  /** No PSAM: the card's authenticity was not checked (it is not blacklisted). */
  | { outcome: 'unchecked'; identifier: CardIdentifierParts; ef05: Items; detail: string }
  /** The card's cryptogram is wrong for the key its identity implies. */
  | { outcome: 'counterfeit'; identifier: CardIdentifierParts; detail: string }
  | { outcome: 'blacklisted'; identifier: CardIdentifierParts; entry: BlacklistEntry }
  | { outcome: 'blocked'; scope: 'application' | 'card'; sw: number }
  | { outcome: 'not-ssse'; sw?: number; detail: string }
  /** The PSAM works with another algorithm than the card (SM4 against DES/3DES). */
  | { outcome: 'psam-mismatch'; detail: string }
  | Interruption;

/** The length of the INTERNAL AUTHENTICATE data: factor(8) ‖ original data(8) (DOMAIN.md §1.3). */
const INTERNAL_AUTH_LENGTH = 16;

/**
 * Runs the card check (LD/T 32.7 §5.4). Leaves the SSSE DDF1 selected.
 * @param blacklist the terminal's blacklist (empty: none configured)
 */
export async function checkCard(ctx: KernelContext, blacklist: Blacklist): Promise<CardCheckOutcome> {
  const selected = await selectSsse(ctx);
  if (selected.outcome !== 'selected') return selected;

  let psam;
  if (ctx.psam) {
    psam = await openPsam(ctx);
    if (isInterruption(psam)) return psam;
    if (!algorithmsMatch(ctx.learned.algorithm, psam.info.algorithm)) {
      return { outcome: 'psam-mismatch', detail: `the PSAM works with ${psam.info.algorithm}, the card with ${ctx.learned.algorithm}` };
    }
  }

  // step 2: INTERNAL AUTHENTICATE, before anything else is read (LD/T 32.7 §5.4)
  let challenge: Uint8Array | undefined;
  let answer: Uint8Array | undefined;
  if (psam) {
    const result = await internalAuthenticate(ctx);
    if (isInterruption(result)) return result;
    ({ challenge, answer } = result);
  }

  // step 3: EF05
  const ef05 = await readItemFile(ctx, 'EF05');
  if (isInterruption(ef05)) return ef05;
  if (ef05.outcome === 'absent') return { outcome: 'not-ssse', sw: ef05.sw, detail: 'the card has no EF05 (发卡机构数据)' };
  if (ef05.outcome === 'denied') return unexpectedSw('READ RECORD EF05', '', ef05.sw, 'a free read');
  const id = ef05.items.cardIdentifier;
  const identifier = id ? splitCardIdentifier(id.raw) : undefined;
  if (!identifier) return { outcome: 'not-ssse', detail: 'EF05 holds no card identifier of an SSSE card (city code ‖ D156000005 ‖ …)' };
  ctx.learned.identifier = identifier;

  // step 4: the PSAM checks the cryptogram
  if (psam && challenge && answer) {
    const card = diversificationOf(ctx);
    if (!card) return { outcome: 'not-ssse', detail: 'the ATR has fewer than 8 historical bytes: no card-level diversification data (T6–TD)' };
    const ok = await psamCall(ctx, 'verify INTERNAL AUTHENTICATE', () =>
      psam.port.verifyInternalAuthentication(card, { df: 'SSSE', kind: 'IRK' }, challenge, answer),
    );
    if (isInterruption(ok)) return ok;
    if (ok !== true) return { outcome: 'counterfeit', identifier, detail: 'the card\'s INTERNAL AUTHENTICATE cryptogram is wrong (the PSAM rejected it)' };
  }

  // step 5: blacklist
  const entry = blacklist.find(identifier.region + identifier.rid + identifier.serial + identifier.authCode);
  if (entry) return { outcome: 'blacklisted', identifier, entry };

  if (!psam) return { outcome: 'unchecked', identifier, ef05: ef05.items, detail: 'no PSAM: the card\'s authenticity was not checked' };
  return { outcome: 'authentic', identifier, ef05: ef05.items };
}

/** INTERNAL AUTHENTICATE with the IRK of the SSSE DDF1 (DOMAIN.md §1.3, real trace `0088000010…` → 8 bytes). */
async function internalAuthenticate(ctx: KernelContext): Promise<{ challenge: Uint8Array; answer: Uint8Array } | CardFault> {
  const step = 'INTERNAL AUTHENTICATE';
  const challenge = ctx.random(INTERNAL_AUTH_LENGTH);
  const cmd = CommandApdu.of({ cla: 0x00, ins: 0x88, p1: 0x00, p2: KEY_SPECS.IRK.reference, data: challenge });
  const r = await send(ctx, step, cmd);
  if (isInterruption(r)) return r;
  if (r.sw !== SW.OK) return unexpectedSw(step, cmd.encode(), r.sw);
  if (r.data.length !== 8) return badResponse(step, cmd.encode(), `the answer is ${r.data.length} bytes, expected 8`, r.sw);
  return { challenge, answer: r.data };
}
