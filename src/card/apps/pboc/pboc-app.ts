/**
 * The financial application and the payment directories as card-OS `Application`s (types.ts), routed by
 * `DfImage.application` = `pboc` / `pboc-directory`. The runtime's `CardContext` is adapted to the
 * application's narrow `PbocPort` here and nowhere else.
 */
import type { CommandApdu } from '../../../apdu/command-apdu.js';
import type { RandomSource } from '../../../env.js';
import type { ResponseApdu } from '../../../apdu/response-apdu.js';
import type { CardContext } from '../../runtime/context.js';
import type { Application, CardInterface, EfImage } from '../../runtime/types.js';
import { directoryFci } from '../directory/directory.js';
import { DIRECTORY_APP_ID, PBOC_APP_ID } from './choices.js';
import { pbocFci, processPboc } from './dispatch.js';
import type { PbocPort } from './port.js';
import type { PbocSession, PbocState } from './state.js';

/** The runtime's context as the application's port (a class: no closures made per command). */
class ContextPort implements PbocPort {
  readonly session: PbocSession;
  /** The card's random source itself (handlers pass it on as a function). */
  readonly random: RandomSource;

  constructor(private readonly ctx: CardContext) {
    this.random = ctx.random;
    const sessions = ctx.session as { pboc?: PbocSession };
    sessions.pboc ??= {};
    this.session = sessions.pboc;
  }

  get iface(): CardInterface {
    return this.ctx.activeInterface;
  }

  get state(): PbocState {
    return this.ctx.appState<PbocState>(PBOC_APP_ID);
  }

  edit(): PbocState {
    return this.ctx.editAppState<PbocState>(PBOC_APP_ID);
  }

  editFields(): PbocState {
    return this.ctx.editAppStateFields<PbocState>(PBOC_APP_ID);
  }

  checkpoint(): void {
    this.ctx.checkpoint();
  }

  now(): Date {
    return this.ctx.clock.now();
  }

  #efIndex(sfi: number): number {
    return this.ctx.currentDf.children.findIndex((c) => c.kind === 'ef' && c.sfi === sfi);
  }

  records(sfi: number): string[] {
    const i = this.#efIndex(sfi);
    return i < 0 ? [] : [...((this.ctx.currentDf.children[i] as EfImage).records ?? [])];
  }

  setRecords(sfi: number, records: string[]): void {
    const i = this.#efIndex(sfi);
    if (i >= 0) this.ctx.editNode<EfImage>([...this.ctx.currentDfPath, i]).records = records;
  }
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
    return processPboc(cmd, new ContextPort(ctx));
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
