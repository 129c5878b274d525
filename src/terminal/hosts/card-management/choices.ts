/**
 * The card-management host's choices where the public material is silent ([R] in DOMAIN.md's marks;
 * docs/card-life.md "Choices"). Everything the host decides by rule is a table here, in one place.
 *
 * What the seeds say (DOMAIN.md §5) and this module makes precise:
 * - "the social-security area is activated at first use in a designated hospital or pharmacy, or at a
 *   bank; the financial area is activated at the bank. A new card works only once activated";
 * - "temporary loss report (临时挂失) suspends both areas for 7 days and lapses by itself unless made
 *   formal; formal loss report (正式挂失) with replacement; a temporary report can be lifted";
 * - "after the new card is activated and used once for a medical payment, the old card is deregistered
 *   automatically and its personal-account balance moves to the new card".
 */
import type { CardArea, PlaceKind } from './model.js';

/**
 * How long a temporary loss report suspends the card [R]: 7 × 24 hours from the moment of the report
 * (not "7 calendar days to midnight"): at report time + 168 h the card is usable again by itself.
 */
export const TEMPORARY_LOSS_MS = 7 * 24 * 3600 * 1000;

/**
 * Where each area may be activated [R]. `explicit`: by an operator's activation (`sscard cards
 * activate`); `firstUse`: the first use of the area there activates it (a designated hospital or
 * pharmacy activates the social-security area when the card is first used for a medical purpose).
 * The financial area is activated only by the bank, explicitly: no use activates it.
 */
export const ACTIVATION_PLACES: Readonly<Record<CardArea, { explicit: readonly PlaceKind[]; firstUse: readonly PlaceKind[] }>> = {
  'social-security': { explicit: ['designated-medical', 'bank', 'service-window'], firstUse: ['designated-medical'] },
  financial: { explicit: ['bank'], firstUse: [] },
};

/**
 * A formal loss report is final [R]: it is not lifted; the holder gets a replacement card (new card
 * number, new card identifier). A temporary report is lifted, made formal, or lapses.
 */
export const FORMAL_LOSS_LIFTABLE = false;

/**
 * A card under a temporary loss report is not replaced until the report is made formal or lifted [R]:
 * a replacement would otherwise leave a card that restores itself beside its successor.
 */
export const REPLACE_NEEDS_FORMAL_LOSS_WHEN_SUSPENDED = true;

/**
 * The DF04 offline medical purse (卡内脱网结算余额, DOMAIN.md §1.4) is not moved to the new card [R]:
 * the personal account is the centre's, per person (docs/medical-insurance-centre.md), and that is
 * what "moves" — it is reachable through the new card from the moment the old one is deregistered.
 * The card's purse is issued by the card profile (`medical.openingBalance`) and spent offline; the
 * host never sees those debits, and a lost card cannot be read, so the new card gets its profile's
 * opening purse and the old card's purse ends with the card (terminals refuse the deregistered card
 * through the blacklist the host exports).
 */
export const OFFLINE_PURSE_MOVES_WITH_REPLACEMENT = false;
