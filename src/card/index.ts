/**
 * The card, from outside: build one from an image (in memory) or open an image file (every change saved).
 */
import { applicationRegistry } from './apps/index.js';
import { FileCardStore, MemoryCardStore, type CardStore } from './image/store.js';
import { Card, type CardOptions } from './runtime/card.js';
import type { CardDeps, CardImage } from './runtime/types.js';
import { validateImage } from './image/validate.js';

export { Card } from './runtime/card.js';
export { CardError } from './runtime/card-error.js';
export { CardPowerLostError, powerCutAt, type FaultHooks, type WritePoint, type WriteStage } from './runtime/faults.js';
export { CardContext } from './runtime/context.js';
export { FileCardStore, MemoryCardStore, CardImageError, writeFileAtomic, type CardStore } from './image/store.js';
export type * from './runtime/types.js';

/**
 * A card running on an image with the standard applications. Without `options.store` its changes stay
 * in memory.
 */
export function createCard(image: CardImage, deps: CardDeps, options: CardOptions = {}): Card {
  return new Card(validateImage(image, options.store?.description ?? 'image'), deps, {
    applications: options.applications ?? applicationRegistry(),
    ...(options.store ? { store: options.store } : {}),
    ...(options.faults ? { faults: options.faults } : {}),
  });
}

/** A card whose image lives in a file: every state change is saved atomically before the response. */
export function openCardFile(path: string, deps: CardDeps, options: Omit<CardOptions, 'store'> = {}): Card {
  const store: CardStore = new FileCardStore(path);
  return createCard(store.load(), deps, { ...options, store });
}

/** A card over an in-memory store (tests that reopen the "same" card after a power cut). */
export function createMemoryCard(store: MemoryCardStore, deps: CardDeps, options: Omit<CardOptions, 'store'> = {}): Card {
  return createCard(store.load(), deps, { ...options, store });
}
