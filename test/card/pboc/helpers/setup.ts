/**
 * Builds a card image holding only the financial part (the SSSE personaliser adds the rest on real
 * cards) and the real card runtime over it.
 */
import { fixedClock, seededRandom } from '../../../../src/env.js';
import { buildFinancial, type FinancialPart } from '../../../../src/card/apps/pboc/personalize.js';
import { parseFinancialSection, type FinancialProfile } from '../../../../src/card/apps/pboc/profile.js';
import type { CardImage } from '../../../../src/card/runtime/types.js';
import { MemoryCardStore } from '../../../../src/card/image/store.js';
import { TestCard } from './real-card.js';
import { TEST_FINANCIAL_SECTION } from './terminal.js';

export interface Fixture {
  profile: FinancialProfile;
  part: FinancialPart;
  store: MemoryCardStore;
  card: TestCard;
  /** Simulates a power cut: a new card over the same store. */
  reopen(): TestCard;
  /** The committed image. */
  saved(): CardImage;
  /** Replaces the committed image (test set-up), then reopens. */
  replace(image: CardImage): TestCard;
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
    atr: { contact: '3B6D000000814A444686605199000001AC', contactless: '3B8880010000000000000000' },
    cardLifeCycle: 'active',
    mf: { kind: 'df', fid: 0x3f00, children: [...part.dfs] },
    apps: { pboc: part.state },
  };
  const store = new MemoryCardStore(image);
  const fx: Fixture = {
    profile,
    part,
    store,
    card: new TestCard(store, random),
    reopen() {
      fx.card = new TestCard(store, random);
      return fx.card;
    },
    saved: () => store.load(),
    replace(img: CardImage) {
      store.save(img);
      return fx.reopen();
    },
  };
  return fx;
}
