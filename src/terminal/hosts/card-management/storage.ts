/**
 * The card-management host's storage port: what its domain logic (card-management-host.ts) asks of a
 * database. No SQL here: `sqlite-storage.ts` implements it over `card-management.sqlite` in the state
 * directory (or an in-memory SQLite database for tests). Every read and write happens inside
 * `transaction(work)`: all of it or nothing, one unit at a time.
 */
import type { CardEvent, CardRecord, NewCardEvent } from './model.js';

/** The operations of one transaction. */
export interface CardStore {
  card(cardSn: string): Promise<CardRecord | undefined>;
  cardByNumber(cardNumber: string): Promise<CardRecord | undefined>;
  cardByPan(pan: string): Promise<CardRecord | undefined>;
  /** Every card of a person (by 社会保障号码), oldest first. */
  cardsOf(idNumber: string): Promise<CardRecord[]>;
  /** Every card, oldest first. */
  cards(): Promise<CardRecord[]>;
  /** Cards whose temporary loss report lapses at or before `at` (ISO time) and is still recorded. */
  suspensionsEndingBy(at: string): Promise<CardRecord[]>;
  /** Cards whose state the other hosts have not been told yet. */
  pendingPushes(): Promise<CardRecord[]>;
  /** @throws when the card identifier, the card number or the PAN is taken */
  insertCard(card: CardRecord): Promise<void>;
  updateCard(card: CardRecord): Promise<void>;
  appendEvent(event: NewCardEvent): Promise<CardEvent>;
  /** The latest events of a card, newest first. */
  events(cardSn: string, limit: number): Promise<CardEvent[]>;
  /** The card a medical settlement was told for, if it was told before. */
  settlementNotice(settlementId: string): Promise<string | undefined>;
  recordSettlementNotice(settlementId: string, cardSn: string, at: string): Promise<void>;
}

/** A database behind the port. */
export interface CardStorage {
  /** Runs `work` atomically: every write it made, or none if it throws. Transactions do not nest. */
  transaction<T>(work: (store: CardStore) => Promise<T>): Promise<T>;
  /** Where the data lives, for messages. */
  readonly description: string;
  close(): Promise<void>;
}
