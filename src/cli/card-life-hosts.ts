/**
 * The three hosts of a state directory, wired for the card's life: the card-management host
 * (`card-management.sqlite`), the bank it pushes the financial area's state to (`issuer.sqlite`) and
 * the medical-insurance centre it pushes the social-security area's state to (`centre.sqlite`).
 * `sscard cards`, `sscard demo` (and any command that asks the card-management host) open them here.
 */
import type { Clock } from '../env.js';
import type { Logger } from '../log.js';
import { bankCardPort, CardManagementError, centreCardPort, openCardManagement, type CardManagementHost } from '../terminal/hosts/card-management/index.js';
import { openIssuerHost, type IssuerHost, type IssuerKeyring } from '../terminal/hosts/issuer/index.js';
import { CentreError, DataFileError, openCentre, type OpenCentre } from '../terminal/hosts/medical-insurance/index.js';
import { DEFAULT_STATE_DIR, StateDatabaseError } from '../terminal/hosts/storage/sqlite.js';
import { CardReadError } from '../terminal/flows/card-life.js';
import { FailureError, UsageError } from './errors.js';

export interface CardLifeHosts {
  cards: CardManagementHost;
  issuer: IssuerHost;
  centre: OpenCentre;
  close(): Promise<void>;
}

/** Opens the hosts of a state directory (default ./.sscard/). */
export function openCardLifeHosts(options: { stateDir?: string; clock: Clock; log: Logger; keyring?: IssuerKeyring }): CardLifeHosts {
  const stateDir = options.stateDir ?? DEFAULT_STATE_DIR;
  const opened: Array<() => Promise<void> | void> = [];
  try {
    const issuer = openIssuerHost({ stateDir, clock: options.clock, log: options.log, ...(options.keyring ? { keyring: options.keyring } : {}) });
    opened.push(() => issuer.close());
    const centre = openCentre({ location: { stateDir }, clock: options.clock, log: options.log });
    opened.push(() => centre.close());
    const cards = openCardManagement({ location: { stateDir }, clock: options.clock, log: options.log, bank: bankCardPort(issuer), centre: centreCardPort(centre.centre) });
    opened.push(() => cards.close());
    return {
      cards,
      issuer,
      centre,
      async close() {
        for (const close of opened.reverse()) await close();
      },
    };
  } catch (err) {
    for (const close of opened.reverse()) void close();
    throw cardLifeUserError(err);
  }
}

/** The one-line user error of a host's refusal (input → exit 2, the rest → exit 1); anything else as it is. */
export function cardLifeUserError(err: unknown): unknown {
  if (err instanceof CardManagementError) return err.kind === 'input' ? new UsageError(err.message) : new FailureError(err.message);
  if (err instanceof CardReadError || err instanceof StateDatabaseError) return new FailureError(err.message);
  if (err instanceof DataFileError) return new UsageError(err.message);
  if (err instanceof CentreError) return new FailureError(err.message);
  return err;
}
