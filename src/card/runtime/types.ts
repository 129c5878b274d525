/**
 * The card's contracts: the persisted image (what the chip remembers), the applications that plug into
 * the card OS, and the card as seen from outside (power, reset, APDUs).
 *
 * The names below are relied on by the applications (SSSE, PKI, PBOC), the vpcd server and the terminal.
 */
import type { CommandApdu } from '../../apdu/command-apdu.js';
import type { ResponseApdu } from '../../apdu/response-apdu.js';
import type { Clock, RandomSource } from '../../env.js';
import type { Logger } from '../../log.js';
import type { CardContext } from './context.js';
import type { CardInterface } from '../image/schema.js';

/** Hex string (upper case) used for binary values inside the JSON image. */
export type Hex = string;

/**
 * The persisted image — `CardImage` and its file tree (`DfImage`, `EfImage`, `PinImage`, `KeyImage`,
 * `AccessRule`) — is inferred from the one schema that validates images read from outside
 * (src/card/image/schema.ts): the type and the check cannot disagree.
 */
export type {
  AccessRule,
  CardImage,
  CardInterface,
  DfImage,
  EfImage,
  EfStructure,
  KeyAlgorithm,
  KeyImage,
  PinImage,
} from '../image/schema.js';

/** Dependencies injected into a card. */
export interface CardDeps {
  random: RandomSource;
  clock: Clock;
  log: Logger;
}

/**
 * An application of the card OS (jCardSim/vsmartcard style), routed by the DF it is attached to
 * (`DfImage.application`).
 */
export interface Application {
  readonly id: string;
  /**
   * Proprietary class bytes of its own commands (e.g. B0 of the medical debit), which the card OS's
   * class gate then accepts besides its own 00, 04, 80, 84.
   */
  readonly classes?: readonly number[];
  /**
   * Builds the FCI answered on SELECT of its DF (or undefined for the default FCI). May throw CardError
   * (e.g. 6283 / 9303 when blocked).
   */
  select?(ctx: CardContext): Uint8Array | undefined;
  /**
   * Handles a command while its DF (or a descendant) is current. Returns undefined to let the card OS's
   * ISO handlers take the command. Throws CardError for a status word.
   */
  process(cmd: CommandApdu, ctx: CardContext): ResponseApdu | undefined;
  /** Called when another DF is selected (a reset simply drops the session: nothing is called). */
  deselect?(ctx: CardContext): void;
}

/** The card as the outside world sees it: contacts or RF field. */
export interface SimulatedCard {
  /** Cold reset on an interface; returns the ATR (contact) or PC/SC pseudo-ATR (contactless). */
  powerOn(iface: CardInterface): Uint8Array;
  /** Warm reset on the current interface; clears the session state; returns the ATR. */
  warmReset(): Uint8Array;
  powerOff(): void;
  /** Whether the card is powered. */
  readonly powered: boolean;
  /** Transmission protocol of the contact interface (contactless is always block-oriented). */
  readonly protocol?: 'T=0' | 'T=1';
  /** Current interface (undefined when unpowered). */
  readonly activeInterface: CardInterface | undefined;
  /** Processes one command APDU, returns the response APDU bytes. Never throws for bad input. */
  transmit(command: Uint8Array): Uint8Array;
}
