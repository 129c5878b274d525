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
  const df = ctx.currentDf;
  const sessions = ctx.session as { pboc?: PbocSession };
  sessions.pboc ??= {};
  const ef = (sfi: number) => df.children.find((c): c is EfImage => c.kind === 'ef' && c.sfi === sfi);
  return {
    iface: ctx.activeInterface,
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
