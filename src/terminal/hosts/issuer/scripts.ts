/**
 * Issuer script commands as the card receives them (EMV 4.3 Book 3 §10.10; src/spec/pboc.ts
 * SCRIPT_COMMANDS, docs/pboc.md "Issuer scripts"): each one a template 71 or 72 (choices.ts
 * SCRIPT_TEMPLATE) holding the script identifier 9F18 and one command 86 with its MAC.
 *
 * | command | APDU |
 * |---|---|
 * | EC load | `04 DA 9F 79 0A` new balance n12 ‖ MAC |
 * | EC limits | `04 DA 9F 77 / 9F 78 / 9F 6D 0A` n12 ‖ MAC |
 * | UPDATE RECORD | `04 DC rr (SFI<<3 | 4) Lc` record ‖ MAC |
 * | APPLICATION BLOCK / UNBLOCK | `84 1E 00 00 04` MAC / `84 18 00 00 04` MAC |
 * | CARD BLOCK | `84 16 00 00 04` MAC |
 * | PIN UNBLOCK | `84 24 00 00 04` MAC |
 * | PIN CHANGE | `84 24 00 02 Lc` E_SK_ENC(PIN block …) ‖ MAC |
 */
import { fromHex, uintBE } from '../../../apdu/bytes.js';
import { constructed, tlv } from '../../../apdu/tlv/ber-tlv.js';
import { SCRIPT_COMMANDS } from '../../../spec/pboc.js';
import { SCRIPT_TEMPLATE } from './choices.js';
import { encipheredPinBlock, scriptCommand } from './cryptograms.js';
import type { CardKeys } from './keys.js';
import { n12 } from './money.js';
import type { ScriptCommand } from './storage.js';

/** What a script command is signed over in this transaction. */
export interface ScriptSession {
  keys: CardKeys;
  atc: number;
  /** The ARQC (AC of the first GENERATE AC, or the qPBOC ARQC) of this transaction. */
  arqc: Uint8Array;
}

/** A command that cannot be built (bad parameters): the message says which. */
export class ScriptCommandError extends RangeError {
  override name = 'ScriptCommandError';
}

/**
 * The command APDU (with MAC) of a script command.
 * @param ecBalance for `ec-load`: the new absolute EC balance (fen) the card is to hold
 */
export function scriptApdu(session: ScriptSession, command: ScriptCommand, ecBalance?: number): Uint8Array {
  const { keys, atc, arqc } = session;
  const build = (header: readonly number[], body: Uint8Array = new Uint8Array(0)) => scriptCommand(keys, atc, arqc, header, body);
  switch (command.kind) {
    case 'ec-load':
      if (ecBalance === undefined) throw new ScriptCommandError('ec-load: the new EC balance is needed');
      return build([...SCRIPT_COMMANDS.putData, 0x9f, 0x79], n12(ecBalance));
    case 'put-data': {
      const tag = fromHex(command.tag);
      return build([...SCRIPT_COMMANDS.putData, tag[0]!, tag[1]!], n12(command.value));
    }
    case 'update-record': {
      if (!Number.isInteger(command.sfi) || command.sfi < 1 || command.sfi > 30) throw new ScriptCommandError(`update-record: SFI must be 1..30, got ${command.sfi}`);
      if (!Number.isInteger(command.record) || command.record < 1 || command.record > 254) throw new ScriptCommandError(`update-record: record must be 1..254, got ${command.record}`);
      return build([...SCRIPT_COMMANDS.updateRecord, command.record, (command.sfi << 3) | 4], fromHex(command.data, 'update-record data'));
    }
    case 'application-block':
      return build(SCRIPT_COMMANDS.applicationBlock);
    case 'application-unblock':
      return build(SCRIPT_COMMANDS.applicationUnblock);
    case 'card-block':
      return build(SCRIPT_COMMANDS.cardBlock);
    case 'pin-unblock':
      return build(SCRIPT_COMMANDS.pinUnblock);
    case 'pin-change':
      if (command.newPin === null) throw new ScriptCommandError('pin-change: the new PIN was already erased');
      return build(SCRIPT_COMMANDS.pinChange, encipheredPinBlock(keys, atc, command.newPin));
  }
}

/** One script template: `71|72 { 9F18 script ID(4), 86 command }`. */
export function scriptTemplate(kind: ScriptCommand['kind'], scriptId: number, apdu: Uint8Array): Uint8Array {
  return constructed(SCRIPT_TEMPLATE[kind], tlv('9F18', uintBE(scriptId, 4)), tlv('86', apdu));
}
