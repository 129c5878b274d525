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

/** The two interfaces of the one chip. */
export type CardInterface = 'contact' | 'contactless';

/** Hex string (upper case) used for binary values inside the JSON image. */
export type Hex = string;

/**
 * Who may perform an operation on a file (LD/T 32.5: free, PIN, external authentication with a key).
 * `{ pin }` names a PIN of the enclosing DF chain; `{ key }` names a key whose EXTERNAL AUTHENTICATE
 * succeeded in the current session.
 */
export type AccessRule =
  | 'free'
  | 'never'
  | { pin: string }
  | { key: string }
  | { anyOf: AccessRule[] }
  | { allOf: AccessRule[] };

export type EfStructure = 'transparent' | 'linear-fixed' | 'linear-variable' | 'cyclic';

export interface EfImage {
  kind: 'ef';
  fid: number;
  sfi?: number;
  /** Human label for `card show` and traces (e.g. "EF05 发卡机构数据"). */
  label?: string;
  structure: EfStructure;
  /** Transparent: maximum size in bytes. */
  size?: number;
  /** Record files: record length (fixed/cyclic) or maximum record length (variable). */
  recordSize?: number;
  /** Record files: number of records the file can hold. */
  maxRecords?: number;
  /** Transparent content. */
  data?: Hex;
  /** Record contents, record 1 first. Cyclic: record 1 is the most recent. */
  records?: Hex[];
  read: AccessRule;
  update: AccessRule;
  /**
   * Updates must come with secure messaging and enciphered data: CLA 04, data = E_SK(LD ‖ data ‖ 80…)
   * ‖ MAC (DOMAIN.md §1.4 "Encryption"), SK the session key of the MAC.
   */
  enciphered?: boolean;
  /** Interfaces through which the file can be reached (default: both). */
  interfaces?: CardInterface[];
}

export interface PinImage {
  /** Name used by access rules, e.g. "PIN_SSSE". */
  id: string;
  /** Reference in P2 of VERIFY (00 for the SSSE PIN). */
  reference: number;
  /** PIN digits as text ("123456"). */
  value: string;
  triesLeft: number;
  maxTries: number;
}

export type KeyAlgorithm = 'SM4' | '3DES' | 'DES';

export interface KeyImage {
  /** Name used by access rules, e.g. "UK_SSSE", "RK1_DF04". */
  id: string;
  /** Reference in P2 of EXTERNAL AUTHENTICATE / key index in commands. */
  reference: number;
  usage: 'external-auth' | 'internal-auth' | 'maintenance' | 'pin-unblock' | 'pin-reload' | 'debit' | 'tac' | 'mac' | 'encryption';
  algorithm: KeyAlgorithm;
  version: number;
  value: Hex;
  /** Remaining failed authentications before the key is blocked (absent: unlimited). */
  triesLeft?: number;
  maxTries?: number;
}

export interface DfImage {
  kind: 'df';
  /** MF is 3F00. */
  fid?: number;
  /** DF name for SELECT by name. */
  aid?: Hex;
  label?: string;
  /** Id of the `Application` that handles this DF's proprietary commands and FCI. */
  application?: string;
  /** Proprietary FCI template content (A5 …) returned on SELECT, when no application builds it. */
  fciProprietary?: Hex;
  lifeCycle?: 'active' | 'blocked' | 'terminated';
  interfaces?: CardInterface[];
  pins?: PinImage[];
  keys?: KeyImage[];
  children: Array<DfImage | EfImage>;
}

/** The whole persisted card. Versioned; every change is committed atomically after each APDU. */
export interface CardImage {
  format: 'sscard-card-image';
  version: 1;
  /** Profile the card was personalised from (name). */
  profile: string;
  /** T=0 or T=1 on the contact interface. */
  protocol: 'T=0' | 'T=1';
  atr: { contact: Hex; contactless: Hex };
  cardLifeCycle: 'active' | 'blocked';
  mf: DfImage;
  /** Per-application persistent state (PBOC ATC and EC balance, PKI private key, …), by application id. */
  apps: Record<string, unknown>;
}

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
  /** Current interface (undefined when unpowered). */
  readonly activeInterface: CardInterface | undefined;
  /** Processes one command APDU, returns the response APDU bytes. Never throws for bad input. */
  transmit(command: Uint8Array): Uint8Array;
}
