/**
 * The real card runtime (src/card/runtime/card.ts) with the registered applications, behind the small
 * façade the transcripts use: `powerOn`, `transmit(hex) → ResponseApdu`, and a store that survives
 * power cuts (a new Card over `store.load()`).
 */
import { pino } from 'pino';
import { fromHex } from '../../../../src/apdu/bytes.js';
import { ResponseApdu } from '../../../../src/apdu/response-apdu.js';
import { applicationRegistry } from '../../../../src/card/apps/index.js';
import { MemoryCardStore } from '../../../../src/card/image/store.js';
import { Card } from '../../../../src/card/runtime/card.js';
import type { CardImage, CardInterface } from '../../../../src/card/runtime/types.js';
import { fixedClock, type RandomSource } from '../../../../src/env.js';

export class TestCard {
  readonly card: Card;
  constructor(
    readonly store: MemoryCardStore,
    random: RandomSource,
  ) {
    this.card = new Card(store.load(), { random, clock: fixedClock(new Date('2026-11-22T10:00:00Z')), log: pino({ level: 'silent' }) }, { store, applications: applicationRegistry() });
  }

  powerOn(iface: CardInterface): void {
    this.card.powerOn(iface);
  }

  transmit(hex: string): ResponseApdu {
    return ResponseApdu.parse(this.card.transmit(fromHex(hex)));
  }

  /** The committed image (what the store holds). */
  image(): CardImage {
    return this.store.load();
  }
}
