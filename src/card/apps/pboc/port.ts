/**
 * What the financial application needs from the card OS, as a narrow port (the application is a pure
 * function of a command and this port; `pboc-app.ts` adapts the runtime's `CardContext` to it).
 */
import type { CardInterface } from '../../runtime/types.js';
import type { Logger } from '../../../log.js';
import type { PbocSession, PbocState } from './state.js';

export interface PbocPort {
  /** Interface the command arrived on. */
  readonly iface: CardInterface;
  /** The persistent state as it stands in this command (read only: frozen until `edit` is called). */
  readonly state: PbocState;
  /**
   * The persistent state, mutable (a copy made once per command: changes are committed with the
   * response, or discarded on error). After `edit`, `state` is this copy too.
   */
  edit(): PbocState;
  /**
   * The persistent state with only its own fields mutable (atc, flags, counters); the objects inside
   * (ec, pin, keys, risk) stay frozen — `edit` for those. Cheaper than `edit` for a GPO.
   */
  editFields(): PbocState;
  /**
   * Saves the changes made so far before going on (the PIN try is charged before the comparison); the
   * state returned by `edit` before is frozen afterwards: call `edit` again.
   */
  checkpoint(): void;
  /** The per-transaction state, cleared on reset. */
  readonly session: PbocSession;
  random(n: number): Uint8Array;
  now(): Date;
  /** Records (hex, record 1 first) of the record EF with this SFI in the application's DF. */
  records(sfi: number): string[];
  /** Replaces the records of the EF with this SFI (UPDATE RECORD script, logs). */
  setRecords(sfi: number, records: string[]): void;
  /** Blocks / unblocks every payment application and directory (CARD BLOCK). */
  readonly log?: Logger;
}
