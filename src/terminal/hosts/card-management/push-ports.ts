/**
 * What the card-management host tells the other hosts, where they keep a state of their own for the
 * card (docs/card-life.md "Who enforces what"):
 *
 * - the bank (issuer host) blocks the card at the host — authorisations answer 62 — while its financial
 *   area is not usable (not activated, under a loss report, lost, deregistered);
 * - the medical-insurance centre binds the card to the insured person when its social-security area
 *   is activated, and deregisters it when it is formally lost or retired by its replacement. The
 *   centre has no card-level suspension, so a temporary loss report is not pushed there: sscard's flows
 *   ask the card-management host (CardStatusPort) before every use, and terminals get the blacklist.
 *
 * The host is the system of record: its own state is committed first, then pushed; a push that fails
 * is retried by the next run of the host (`pushPending`). Adapters over the real hosts: adapters.ts.
 */

/** The bank's side. */
export interface BankCardPort {
  /** Whether the bank blocks the card (62); undefined when the bank has no account for the PAN. */
  cardBlocked(pan: string): Promise<boolean | undefined>;
  setCardBlocked(pan: string, blocked: boolean): Promise<void>;
}

/** The centre's side. */
export interface CentreCardPort {
  /** The centre's state of the card; undefined when it does not know the card. */
  cardStatus(cardSn: string): 'active' | 'deregistered' | undefined;
  /** Binds the card to the insured person with this 社会保障号码; false when the person is not insured there. */
  bindCard(idNumber: string, card: { cardSn: string; cardNumber: string }): boolean;
  deregisterCard(cardSn: string): void;
  /** The person's personal-account balance, fen; undefined when not insured there. */
  accountBalance(idNumber: string): number | undefined;
}

/** One push and what came of it. */
export interface PushReport {
  target: 'bank' | 'centre';
  cardSn: string;
  /** What was done, in words ("card blocked at the bank (62)", "card bound at the centre"). */
  action: string;
  ok: boolean;
  /** The error's message when `ok` is false. */
  error?: string;
}
