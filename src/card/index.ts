/**
 * The card, from outside: build one from an image (in memory) or open an image file (every change saved).
 */
import { applicationRegistry } from './apps/index.js';
import { FileCardStore, MemoryCardStore, type SaveHooks } from './image/store.js';
import { Card, type CardOptions } from './runtime/card.js';
import type { CardDeps, CardImage } from './runtime/types.js';
import { validateImage } from './image/validate.js';

export { Card } from './runtime/card.js';
export { CardError } from './runtime/card-error.js';
export { CardPowerLostError, powerCutAt, type FaultHooks, type FaultPoint, type WriteStage } from './runtime/faults.js';
export { CardContext } from './runtime/context.js';
export {
  FileCardStore,
  MemoryCardStore,
  CardImageError,
  CardInUseError,
  CardSaveError,
  WRITE_POINTS,
  readCardImageFile,
  writeFileAtomic,
  type CardStore,
  type SaveHooks,
  type WritePoint,
} from './image/store.js';
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

export interface OpenCardFileOptions extends Omit<CardOptions, 'store'> {
  /** The command line a second opener is told holds the card (default: this process's arguments). */
  command?: string;
  /** Save hooks (power-cut tests). */
  hooks?: SaveHooks;
}

/**
 * A card whose image lives in a file: every state change is saved atomically before the response. The
 * file is locked until `card.close()`; a second opener gets `CardInUseError` naming this process.
 */
export function openCardFile(path: string, deps: CardDeps, options: OpenCardFileOptions = {}): Card {
  const { command, hooks, ...cardOptions } = options;
  const store = FileCardStore.open(path, { ...hooks, ...(command ? { command } : {}) });
  try {
    return createCard(store.load(), deps, { ...cardOptions, store });
  } catch (err) {
    store.close();
    throw err;
  }
}

/** A card over an in-memory store (tests that reopen the "same" card after a power cut). */
export function createMemoryCard(store: MemoryCardStore, deps: CardDeps, options: Omit<CardOptions, 'store'> = {}): Card {
  return createCard(store.load(), deps, { ...options, store });
}
export { SimulatedTransport, type SimulatedTransportOptions } from './simulated-transport.js';
