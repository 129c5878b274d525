/**
 * The card-management host from outside (docs/card-life.md):
 *
 * ```ts
 * const cards = openCardManagement({ location: { stateDir: '.sscard' }, clock, bank: bankCardPort(issuer), centre: centreCardPort(centre.centre) });
 * const use = await cards.use(cardSn, 'social-security', { kind: 'designated-medical', id: 'H31010400123' });
 * if (!use.usable) … use.message …
 * await cards.close();
 * ```
 */
import type { Clock } from '../../../env.js';
import type { Logger } from '../../../log.js';
import type { StateLocation } from '../storage/sqlite.js';
import { CardManagementHost } from './card-management-host.js';
import type { BankCardPort, CentreCardPort } from './push-ports.js';
import { SqliteCardStorage } from './sqlite-storage.js';
import type { CardStorage } from './storage.js';

export {
  CardManagementHost,
  CardManagementError,
  areaState,
  placeLabel,
  shownTime,
  type CardManagementErrorKind,
  type CardView,
  type ChangeResult,
  type BlacklistLine,
} from './card-management-host.js';
export { SqliteCardStorage, CARD_MANAGEMENT_DATABASE, CARD_MANAGEMENT_MIGRATIONS } from './sqlite-storage.js';
export { bankCardPort, centreCardPort } from './adapters.js';
export * from './model.js';
export * as cardLifeChoices from './choices.js';
export type * from './push-ports.js';
export type * from './storage.js';

export interface OpenCardManagementOptions {
  /** State directory (card-management.sqlite inside) or memory; ignored with `storage`. */
  location?: StateLocation;
  storage?: CardStorage;
  clock: Clock;
  bank?: BankCardPort;
  centre?: CentreCardPort;
  log?: Logger;
}

/** Opens the host over its storage. Close it with `host.close()`. */
export function openCardManagement(options: OpenCardManagementOptions): CardManagementHost {
  const storage = options.storage ?? new SqliteCardStorage(options.location ?? { stateDir: '.sscard' });
  return new CardManagementHost({
    storage,
    clock: options.clock,
    ...(options.bank ? { bank: options.bank } : {}),
    ...(options.centre ? { centre: options.centre } : {}),
    ...(options.log ? { log: options.log.child({ host: 'card-management' }) } : {}),
  });
}
