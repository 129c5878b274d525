/**
 * A card-management port for the flow tests: areas refused as the test says, settlements recorded.
 * (The card-management host is the real implementation; these tests show the flows' side of the port.)
 */
import type { CardArea, CardRef, CardStatusPort, CardUsability, MedicalSettlementNotice } from '../../../../src/terminal/flows/card-status.js';

export class TestCardStatus implements CardStatusPort {
  readonly told: Array<{ cardSn: string; notice: MedicalSettlementNotice }> = [];
  readonly asked: Array<{ card: CardRef; area: CardArea }> = [];
  constructor(readonly refuse: Partial<Record<CardArea, Extract<CardUsability, { usable: false }>>> = {}) {}
  async checkUsable(card: CardRef, area: CardArea): Promise<CardUsability> {
    this.asked.push({ card, area });
    return this.refuse[area] ?? { usable: true };
  }
  async onMedicalSettlement(cardSn: string, notice: MedicalSettlementNotice): Promise<void> {
    this.told.push({ cardSn, notice });
  }
}
