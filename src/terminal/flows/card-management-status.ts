/**
 * The flows' `CardStatusPort` (card-status.ts) over the card-management host
 * (src/terminal/hosts/card-management/): a terminal is at one place — a designated hospital, a
 * pharmacy, a canteen — and the host's answer depends on it: the first use of a new card's
 * social-security area at a designated hospital or pharmacy activates it; a shop activates nothing
 * (docs/card-life.md).
 *
 * ```ts
 * const cardStatus = cardManagementStatus(host, { kind: 'designated-medical', id: bill.fixmedins_code });
 * const flow = new HospitalSettlement({ …, cardStatus });
 * ```
 */
import type { CardManagementHost } from '../hosts/card-management/card-management-host.js';
import type { CardRefusal, Place, RefusalCode } from '../hosts/card-management/model.js';
import type { CardArea, CardRef, CardStatusPort, CardUnusableReason, CardUsability, MedicalSettlementNotice } from './card-status.js';

const REASONS: Readonly<Record<RefusalCode, CardUnusableReason>> = {
  'unknown-card': 'unknown-card',
  'not-activated': 'not-activated',
  'temporarily-lost': 'suspended',
  lost: 'lost',
  deregistered: 'deregistered',
};

/** The port a terminal at `place` uses. */
export function cardManagementStatus(host: CardManagementHost, place: Place): CardStatusPort {
  return {
    async checkUsable(card: CardRef, area: CardArea): Promise<CardUsability> {
      const keys = [card.cardSn, card.pan].filter((k): k is string => typeof k === 'string' && k.length > 0);
      if (keys.length === 0) throw new RangeError('checkUsable: the card reference names neither a card identifier nor a PAN');
      // by the card identifier when the flow read one; by the PAN when that is all it has (contactless)
      let refusal: CardRefusal | undefined;
      for (const key of keys) {
        const use = await host.use(key, area, place);
        if (use.usable) return { usable: true };
        refusal ??= use;
        if (use.code !== 'unknown-card') return { usable: false, reason: REASONS[use.code], detail: use.message };
      }
      return { usable: false, reason: REASONS[refusal!.code], detail: refusal!.message };
    },
    async onMedicalSettlement(cardSn: string, notice: MedicalSettlementNotice): Promise<void> {
      await host.onMedicalSettlement(cardSn, { setlId: notice.settlementId, place });
    },
  };
}
