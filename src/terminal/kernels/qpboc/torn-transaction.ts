/**
 * The card leaving the field during an electronic-cash purchase (JR/T 0025.12 Annex F; the choice is
 * [R], docs/pboc-kernels.md "Card removed during a qPBOC purchase"). In one place:
 *
 * - When the card is lost (a transport failure) during the qPBOC GET PROCESSING OPTIONS, or after a GPO
 *   that answered an offline approval (TC: the EC balance is already debited) and before the records for
 *   fDDA were read, the kernel keeps a *torn record* (the terminal data of the GPO and, when it came back,
 *   the card's answer) and ends with `TERMINATED` / `CARD_REMOVED` ("present the card again").
 * - When a card is presented again within `contactless.tornLifetimeSeconds`, for the same amount and
 *   currency and the same application, the kernel first recovers, before any GET PROCESSING OPTIONS
 *   (so that the card is never debited twice):
 *   - the TC had come back: the records of its AFL are read (READ RECORD needs no GPO), the PAN is
 *     compared with the torn answer's, and the fDDA of the torn answer is verified against the terminal
 *     data of the torn GPO; the interrupted purchase then completes as an offline approval (its own
 *     transaction ID), cleared at the issuer; another card leaves the torn record alone; records that
 *     cannot be read end in `TERMINATED` / `TORN_NOT_RECOVERED` (no second purchase: the card was debited);
 *   - no answer had come back: the card's transaction log (9F4D, format 9F4F) and ATC (GET DATA 9F36)
 *     show whether it was debited — the newest log record has the torn amount, currency, date and type
 *     and the current ATC. Debited: `TERMINATED` / `TORN_NOT_RECOVERED` (the cryptogram is lost: no second
 *     debit; the cardholder settles with the issuer); not debited: the record is dropped and the purchase
 *     runs normally. A card without a log cannot tell: the purchase runs normally (noted).
 * - A torn record older than the lifetime is dropped.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { z } from 'zod';

export const TornTransactionSchema = z
  .object({
    version: z.literal(1),
    transactionId: z.string(),
    /** ISO time the record was kept. */
    savedAt: z.string(),
    /** The application (AID hex) the purchase ran on. */
    aid: z.string(),
    amount: z.number().int().min(0),
    currency: z.string(),
    /** The terminal data objects of the interrupted GPO (hex by tag). */
    terminal: z.record(z.string(), z.string()),
    /** The value of the GPO answer template 77 (hex), when it came back. */
    gpoAnswer: z.string().optional(),
  })
  .strict();

export type TornTransaction = z.output<typeof TornTransactionSchema>;

/** Where the terminal keeps its one pending torn record. */
export interface TornTransactionStore {
  load(): Promise<TornTransaction | undefined>;
  save(record: TornTransaction): Promise<void>;
  clear(): Promise<void>;
}

/** A store in memory (tests, a terminal process that stays up). */
export class MemoryTornStore implements TornTransactionStore {
  #record: TornTransaction | undefined;
  async load(): Promise<TornTransaction | undefined> {
    return this.#record;
  }
  async save(record: TornTransaction): Promise<void> {
    this.#record = TornTransactionSchema.parse(record);
  }
  async clear(): Promise<void> {
    this.#record = undefined;
  }
}

/** A store in a JSON file (the CLI's state directory: `<dir>/terminal-torn.json`), written atomically. */
export class FileTornStore implements TornTransactionStore {
  constructor(readonly path: string) {}

  /** The store of a state directory. */
  static inStateDir(dir: string): FileTornStore {
    return new FileTornStore(join(dir, 'terminal-torn.json'));
  }

  async load(): Promise<TornTransaction | undefined> {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const parsed = TornTransactionSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`${this.path}: not a torn-transaction record (${parsed.error.issues[0]?.message ?? 'invalid'})`);
    return parsed.data;
  }

  async save(record: TornTransaction): Promise<void> {
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(TornTransactionSchema.parse(record), null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.path);
  }

  async clear(): Promise<void> {
    rmSync(this.path, { force: true });
  }
}

/** The terminal data objects kept with a torn record (what the card's cryptogram and SDAD cover). */
export const TORN_TERMINAL_TAGS = ['9F66', '9F02', '9F03', '9F1A', '95', '5F2A', '9A', '9C', '9F37', '9F21', 'DF60', 'DF69'] as const;

/** Whether a torn record is still recoverable at `now`. */
export function tornIsFresh(record: TornTransaction, now: Date, lifetimeSeconds: number): boolean {
  const saved = Date.parse(record.savedAt);
  return Number.isFinite(saved) && now.getTime() - saved <= lifetimeSeconds * 1000 && now.getTime() >= saved;
}
