/**
 * Cards personalised for the kernel tests: the real personaliser of the financial application
 * (src/card/apps/pboc/personalize.ts — usable from tests) with a TEST section written here, the real
 * card runtime (src/card/index.ts) and the in-process reader. Variations (expiry, PIN tries, blocked
 * application, EC balance, tampered certificate, extra records) are made on the card the way an issuer
 * would personalise it, or by editing its image before it is powered.
 */
import { pino } from 'pino';
import { fromHex, toHex } from '../../../../src/apdu/bytes.js';
import { buildFinancial, type FinancialPart } from '../../../../src/card/apps/pboc/personalize.js';
import { parseFinancialSection } from '../../../../src/card/apps/pboc/profile.js';
import type { PbocState } from '../../../../src/card/apps/pboc/state.js';
import { createCard, MemoryCardStore, type CardImage, type DfImage, type EfImage } from '../../../../src/card/index.js';
import { fixedClock, seededRandom } from '../../../../src/env.js';
import { SimulatedReader } from '../../../../src/terminal/readers/simulated.js';
import { TEST_FINANCIAL_SECTION } from '../../../helpers/pboc-test-section.js';

/** TEST master keys and data of the financial section used by the kernel tests (not any issuer's keys). */
export const KERNEL_TEST_SECTION = TEST_FINANCIAL_SECTION;

/** The date the test cards are personalised on, and the terminal's clock. */
export const ISSUE_DATE = new Date('2026-11-22T10:00:00Z');
export const TODAY = new Date('2026-12-01T09:30:00Z');

export interface CardOptions {
  /** Overrides of the financial section (deep for `ec`, `risk`, `iac`). */
  section?: Record<string, unknown>;
  issued?: Date;
  seed?: number;
  /** Edits the image before the card is powered (records, state). */
  edit?: (image: CardImage, part: FinancialPart) => void;
}

export interface TestCard {
  part: FinancialPart;
  store: MemoryCardStore;
  /** A fresh in-process reader over the card's current image (a card inserted again). */
  reader(): SimulatedReader;
  /** The card's financial state as committed. */
  state(): PbocState;
  pan: string;
}

/** The ADF of the financial application in an image. */
export function adfOf(image: CardImage): DfImage {
  return image.mf.children.find((c): c is DfImage => c.kind === 'df' && c.aid === 'A000000333010101')!;
}

/** A record file of the ADF by SFI. */
export function recordFile(image: CardImage, sfi: number): EfImage {
  return adfOf(image).children.find((c): c is EfImage => c.kind === 'ef' && c.sfi === sfi)!;
}

/** Personalises a card. */
export function makeTestCard(options: CardOptions = {}): TestCard {
  const s = options.section ?? {};
  const base = KERNEL_TEST_SECTION as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...base, ...s };
  for (const k of ['ec', 'risk', 'iac', 'oda']) if (s[k]) merged[k] = { ...((base[k] as object) ?? {}), ...(s[k] as object) };
  const profile = parseFinancialSection(merged);
  const random = seededRandom(options.seed ?? 7);
  const part = buildFinancial(profile, { random, clock: fixedClock(options.issued ?? ISSUE_DATE) });
  const image: CardImage = {
    format: 'sscard-card-image',
    version: 1,
    profile: 'pboc-kernel-test',
    protocol: 'T=1',
    atr: { contact: '3B6D000000814A444686605199000001AC', contactless: '3B8880010000000000000000' },
    cardLifeCycle: 'active',
    mf: { kind: 'df', fid: 0x3f00, children: [...part.dfs] },
    apps: { pboc: part.state },
  };
  options.edit?.(image, part);
  const store = new MemoryCardStore(image);
  const cardRandom = seededRandom((options.seed ?? 7) + 1000);
  return {
    part,
    store,
    pan: part.info.pan,
    state: () => store.load().apps.pboc as PbocState,
    reader: () =>
      new SimulatedReader(createCard(store.load(), { random: cardRandom, clock: fixedClock(TODAY), log: pino({ level: 'silent' }) }, { store }), { name: 'test card' }),
  };
}

/** Replaces one TLV value inside a record (hex search of `tag ‖ len`), keeping the length. */
export function flipByteInRecord(image: CardImage, sfi: number, record: number, tagHex: string, offsetInValue: number): void {
  const file = recordFile(image, sfi);
  const records = file.records ?? [];
  const bytes = fromHex(records[record - 1]!);
  const at = toHex(bytes).indexOf(tagHex);
  if (at < 0 || at % 2 !== 0) throw new Error(`tag ${tagHex} not in record ${record} of SFI ${sfi}`);
  const tagLen = tagHex.length / 2;
  const lengthByte = bytes[at / 2 + tagLen]!;
  const valueStart = at / 2 + tagLen + (lengthByte === 0x81 ? 2 : lengthByte === 0x82 ? 3 : 1);
  bytes[valueStart + offsetInValue]! ^= 0x01;
  records[record - 1] = toHex(bytes);
  file.records = records;
}
