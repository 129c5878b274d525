/** The shape of a card-OS command handler. */
import type { CommandApdu } from '../../../apdu/command-apdu.js';
import type { ResponseApdu } from '../../../apdu/response-apdu.js';
import type { CardContext } from '../context.js';
import type { Application } from '../types.js';

/** What handlers may need beyond the context. */
export interface OsEnv {
  applications: ReadonlyMap<string, Application>;
}

export type Handler = (cmd: CommandApdu, ctx: CardContext, env: OsEnv) => ResponseApdu;

/** One entry of the INS table: the CLA values it accepts and its handler. */
export interface CommandEntry {
  name: string;
  classes: readonly number[];
  handle: Handler;
}
