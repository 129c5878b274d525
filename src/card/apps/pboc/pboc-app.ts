/**
 * The financial application and the payment directories as card-OS `Application`s (types.ts), routed by
 * `DfImage.application` = `pboc` / `pboc-directory`. The runtime's `CardContext` is adapted to the
 * application's narrow `PbocPort` here and nowhere else.
 */
import type { CommandApdu } from '../../../apdu/command-apdu.js';
import type { ResponseApdu } from '../../../apdu/response-apdu.js';
import type { CardContext } from '../../runtime/context.js';
import type { Application, EfImage } from '../../runtime/types.js';
import { directoryFci } from '../directory/directory.js';
import { DIRECTORY_APP_ID, PBOC_APP_ID } from './choices.js';
import { pbocFci, processPboc } from './dispatch.js';
import type { PbocPort } from './port.js';
import type { PbocSession, PbocState } from './state.js';

function portOf(ctx: CardContext): PbocPort {
  const sessions = ctx.session as { pboc?: PbocSession };
  sessions.pboc ??= {};
  const efIndex = (sfi: number) => ctx.currentDf.children.findIndex((c) => c.kind === 'ef' && c.sfi === sfi);
  return {
    iface: ctx.activeInterface,
    get state() {
      return ctx.appState<PbocState>(PBOC_APP_ID);
    },
    edit: () => ctx.editAppState<PbocState>(PBOC_APP_ID),
    checkpoint: () => ctx.checkpoint(),
    session: sessions.pboc,
    random: ctx.random,
    now: () => ctx.clock.now(),
    records: (sfi) => {
      const i = efIndex(sfi);
      return i < 0 ? [] : [...((ctx.currentDf.children[i] as EfImage).records ?? [])];
    },
    setRecords: (sfi, records) => {
      const i = efIndex(sfi);
      if (i >= 0) ctx.editNode<EfImage>([...ctx.currentDfPath, i]).records = records;
    },
  };
}

/** The debit/EC application A000000333010101. */
export const pbocApplication: Application = {
  id: PBOC_APP_ID,
  select(ctx: CardContext): Uint8Array | undefined {
    const df = ctx.currentDf;
    if (!df.aid) return undefined;
    (ctx.session as { pboc?: PbocSession }).pboc = {};
    return pbocFci(ctx.appState<PbocState>(PBOC_APP_ID), df.aid, df.fciProprietary ?? '');
  },
  process(cmd: CommandApdu, ctx: CardContext): ResponseApdu | undefined {
    return processPboc(cmd, portOf(ctx));
  },
  deselect(ctx: CardContext): void {
    delete (ctx.session as { pboc?: PbocSession }).pboc;
  },
};

/** PSE / PPSE. READ RECORD of the PSE directory EF is the OS's. */
export const directoryApplication: Application = {
  id: DIRECTORY_APP_ID,
  select(ctx: CardContext): Uint8Array | undefined {
    const df = ctx.currentDf;
    if (!df.aid) return undefined;
    return directoryFci(ctx.image.apps[PBOC_APP_ID] as PbocState | undefined, df.aid, df.fciProprietary ?? '');
  },
  process(): ResponseApdu | undefined {
    return undefined;
  },
};
