/**
 * Builds a card image holding only the financial part (the SSSE personaliser adds the rest on real
 * cards) and a MiniCard over it.
 */
import { fixedClock, seededRandom } from '../../../../src/env.js';
import { buildFinancial, type FinancialPart } from '../../../../src/card/apps/pboc/personalize.js';
import { parseFinancialSection, type FinancialProfile } from '../../../../src/card/apps/pboc/profile.js';
import type { CardImage } from '../../../../src/card/runtime/types.js';
import { MemoryStore, MiniCard } from './mini-card.js';
import { TEST_FINANCIAL_SECTION } from './terminal.js';

export interface Fixture {
  profile: FinancialProfile;
  part: FinancialPart;
  store: MemoryStore;
  card: MiniCard;
  /** Simulates a power cut: a new card over the same store. */
  reopen(): MiniCard;
}

export function makeCard(overrides: Record<string, unknown> = {}, seed = 7): Fixture {
  const profile = parseFinancialSection({ ...TEST_FINANCIAL_SECTION, ...overrides });
  const random = seededRandom(seed);
  const part = buildFinancial(profile, { random, clock: fixedClock(new Date('2026-11-22T10:00:00Z')) });
  const image: CardImage = {
    format: 'sscard-card-image',
    version: 1,
    profile: 'pboc-test',
    protocol: 'T=1',
    atr: { contact: '', contactless: '' },
    cardLifeCycle: 'active',
    mf: { kind: 'df', fid: 0x3f00, children: [...part.dfs] },
    apps: { pboc: part.state },
  };
  const store = new MemoryStore();
  store.saved = JSON.stringify(image);
  const fx: Fixture = {
    profile,
    part,
    store,
    card: new MiniCard(store, random),
    reopen() {
      fx.card = new MiniCard(store, random);
      return fx.card;
    },
  };
  return fx;
}
