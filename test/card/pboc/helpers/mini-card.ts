/**
 * A minimal stand-in for the card OS, used while the runtime (src/card/runtime/card.ts) is not in the
 * tree: SELECT by DF name, READ RECORD by SFI, everything else routed to the financial application with
 * the same commit rules (draft state committed on success or `keepChanges`, discarded otherwise) and a
 * JSON "store" that survives power cuts.
 */
import { fromHex, toHex } from '../../../../src/apdu/bytes.js';
import { CommandApdu } from '../../../../src/apdu/command-apdu.js';
import { ResponseApdu } from '../../../../src/apdu/response-apdu.js';
import { SW } from '../../../../src/apdu/status-words.js';
import { CardError } from '../../../../src/card/runtime/card-error.js';
import type { CardImage, CardInterface, DfImage, EfImage } from '../../../../src/card/runtime/types.js';
import { DIRECTORY_APP_ID, PBOC_APP_ID } from '../../../../src/card/apps/pboc/choices.js';
import { pbocFci, processPboc } from '../../../../src/card/apps/pboc/dispatch.js';
import { directoryFci } from '../../../../src/card/apps/directory/directory.js';
import type { PbocSession, PbocState } from '../../../../src/card/apps/pboc/state.js';
import type { RandomSource } from '../../../../src/env.js';

export class MemoryStore {
  saved = '';
}

export class MiniCard {
  private image: CardImage;
  private current: DfImage | undefined;
  private session: PbocSession = {};
  iface: CardInterface = 'contact';

  constructor(
    readonly store: MemoryStore,
    private readonly random: RandomSource,
    private readonly now: () => Date = () => new Date('2026-11-22T10:00:00Z'),
  ) {
    this.image = JSON.parse(store.saved) as CardImage;
  }

  /** Cold reset: clears the session. */
  powerOn(iface: CardInterface): void {
    this.iface = iface;
    this.current = undefined;
    this.session = {};
  }

  get state(): PbocState {
    return this.image.apps[PBOC_APP_ID] as PbocState;
  }

  transmit(hex: string): ResponseApdu {
    const cmd = CommandApdu.parse(fromHex(hex));
    const draft = structuredClone(this.image);
    try {
      const res = this.dispatch(cmd, draft);
      this.commit(draft);
      return res;
    } catch (err) {
      if (err instanceof CardError) {
        if (err.options.keepChanges) this.commit(draft);
        return ResponseApdu.of(err.options.data ?? new Uint8Array(0), err.sw);
      }
      return ResponseApdu.status(SW.UNKNOWN_ERROR);
    }
  }

  private commit(draft: CardImage): void {
    this.image = draft;
    this.store.saved = JSON.stringify(draft);
    if (this.current) this.current = this.findByAid(this.current.aid!);
  }

  private reachable(node: DfImage | EfImage): boolean {
    return !node.interfaces || node.interfaces.includes(this.iface);
  }

  private findByAid(aid: string, image = this.image): DfImage | undefined {
    return image.mf.children.find((c): c is DfImage => c.kind === 'df' && c.aid === aid && this.reachable(c));
  }

  private dispatch(cmd: CommandApdu, draft: CardImage): ResponseApdu {
    const state = draft.apps[PBOC_APP_ID] as PbocState;
    if (cmd.cla === 0x00 && cmd.ins === 0xa4 && cmd.p1 === 0x04) {
      const df = this.findByAid(toHex(cmd.data), draft);
      if (!df) throw new CardError(SW.FILE_NOT_FOUND);
      this.current = undefined;
      this.session = {};
      this.current = df; // selected even when the FCI comes with a warning (6283)
      let fci: Uint8Array;
      try {
        fci = df.application === PBOC_APP_ID ? pbocFci(state, df.aid!, df.fciProprietary!) : directoryFci(state, df.aid!, df.fciProprietary!);
      } catch (err) {
        if (!(err instanceof CardError && err.options.data)) this.current = undefined;
        throw err;
      }
      return ResponseApdu.of(fci, SW.OK);
    }
    const df = this.current ? this.findByAid(this.current.aid!, draft) : undefined;
    if (!df) throw new CardError(SW.CONDITIONS_NOT_SATISFIED);
    if (cmd.cla === 0x00 && cmd.ins === 0xb2) {
      if ((cmd.p2 & 7) !== 4) throw new CardError(SW.INCORRECT_P1P2);
      const ef = df.children.find((c): c is EfImage => c.kind === 'ef' && c.sfi === cmd.p2 >> 3 && this.reachable(c));
      if (!ef) throw new CardError(SW.FILE_NOT_FOUND);
      const rec = ef.records?.[cmd.p1 - 1];
      if (rec === undefined || cmd.p1 === 0) throw new CardError(SW.RECORD_NOT_FOUND);
      return ResponseApdu.of(fromHex(rec), SW.OK);
    }
    if (df.application !== PBOC_APP_ID) throw new CardError(SW.INS_NOT_SUPPORTED);
    const port = {
      iface: this.iface,
      state,
      session: this.session,
      random: this.random,
      now: this.now,
      records: (sfi: number) => [...((df.children.find((c) => c.kind === 'ef' && c.sfi === sfi) as EfImage | undefined)?.records ?? [])],
      setRecords: (sfi: number, records: string[]) => {
        const ef = df.children.find((c) => c.kind === 'ef' && c.sfi === sfi) as EfImage;
        ef.records = records;
      },
    };
    const res = processPboc(cmd, port);
    if (!res) throw new CardError(SW.INS_NOT_SUPPORTED);
    return res;
  }
}
