/**
 * The financial application and the payment directories as card-OS `Application`s (types.ts), routed by
 * `DfImage.application` = `pboc` / `pboc-directory`.
 *
 * PENDING: the runtime's `CardContext` was not in the tree when this was written; `ContextLike` states
 * the few members used (per the card-OS developer's announced design: draft image, `appState`, session,
 * interface, random, clock). Adjust this adapter only when the real type lands.
 */
import type { CommandApdu } from '../../../apdu/command-apdu.js';
import type { ResponseApdu } from '../../../apdu/response-apdu.js';
import type { Application, CardInterface, DfImage, EfImage } from '../../runtime/types.js';
import { directoryFci } from '../directory/directory.js';
import { DIRECTORY_APP_ID, PBOC_APP_ID } from './choices.js';
import { pbocFci, processPboc } from './dispatch.js';
import type { PbocPort } from './port.js';
import type { PbocSession, PbocState } from './state.js';

/** The members of the runtime's CardContext this adapter uses. */
export interface ContextLike {
  appState<T>(appId: string): T;
  session: Record<string, unknown>;
  activeInterface?: CardInterface;
  iface?: CardInterface;
  random: (n: number) => Uint8Array;
  clock: { now(): Date };
  /** The DF the command is addressed to (the application's DF) in the draft image. */
  currentDf?: DfImage;
  df?: DfImage;
}

function portOf(ctx: ContextLike): PbocPort {
  const df = ctx.currentDf ?? ctx.df;
  const sessions = ctx.session as { pboc?: PbocSession };
  sessions.pboc ??= {};
  const ef = (sfi: number) => df?.children.find((c): c is EfImage => c.kind === 'ef' && c.sfi === sfi);
  return {
    iface: ctx.activeInterface ?? ctx.iface ?? 'contact',
    state: ctx.appState<PbocState>(PBOC_APP_ID),
    session: sessions.pboc,
    random: ctx.random,
    now: () => ctx.clock.now(),
    records: (sfi) => [...(ef(sfi)?.records ?? [])],
    setRecords: (sfi, records) => {
      const file = ef(sfi);
      if (file) file.records = records;
    },
  };
}

/** The debit/EC application A000000333010101. */
export const pbocApplication: Application = {
  id: PBOC_APP_ID,
  select(ctx: unknown): Uint8Array | undefined {
    const c = ctx as ContextLike;
    const df = c.currentDf ?? c.df;
    if (!df?.aid) return undefined;
    (c.session as { pboc?: PbocSession }).pboc = {};
    return pbocFci(c.appState<PbocState>(PBOC_APP_ID), df.aid, df.fciProprietary ?? '');
  },
  process(cmd: CommandApdu, ctx: unknown): ResponseApdu | undefined {
    return processPboc(cmd, portOf(ctx as ContextLike));
  },
};

/** PSE / PPSE. READ RECORD of the PSE directory EF is the OS's. */
export const directoryApplication: Application = {
  id: DIRECTORY_APP_ID,
  select(ctx: unknown): Uint8Array | undefined {
    const c = ctx as ContextLike;
    const df = c.currentDf ?? c.df;
    if (!df?.aid) return undefined;
    return directoryFci(c.appState<PbocState | undefined>(PBOC_APP_ID), df.aid, df.fciProprietary ?? '');
  },
  process(): ResponseApdu | undefined {
    return undefined;
  },
};
