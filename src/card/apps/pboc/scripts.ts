/**
 * Issuer script commands with secure messaging (EMV Book 3 §10.10; DOMAIN.md §2 [C]), accepted after the
 * first cryptogram of the current transaction; every one ends with a 4-byte MAC (choices.ts [R]):
 *
 * | command               | APDU                                  | effect |
 * |-----------------------|---------------------------------------|--------|
 * | PUT DATA              | 04 DA 9F 79 0A new n12 ‖ MAC          | EC load: balance := new (≤ 9F77), load log |
 * |                       | 04 DA 9F 77/9F 78/9F 6D 0A n12 ‖ MAC  | EC limits |
 * | UPDATE RECORD         | 04 DC rr (SFI<<3|4) Lc data ‖ MAC     | replaces a record of SFI 1-3 |
 * | APPLICATION BLOCK     | 84 1E 00 00 04 MAC                    | SELECT → 6283, always AAC |
 * | APPLICATION UNBLOCK   | 84 18 00 00 04 MAC                    | |
 * | CARD BLOCK            | 84 16 00 00 04 MAC                    | payment applications and directories refuse selection |
 * | PIN UNBLOCK           | 84 24 00 00 04 MAC                    | 9F17 := limit |
 * | PIN CHANGE            | 84 24 00 02 Lc E_SK_ENC(PIN block ‖ 80 00…) ‖ MAC | new PIN, 9F17 := limit |
 *
 * Wrong MAC → 6988 and the CVR "script failed" bit (kept for the next cryptogram).
 */
import { concat, constantTimeEqual, fromHex, toHex } from '../../../apdu/bytes.js';
import type { CommandApdu } from '../../../apdu/command-apdu.js';
import { ResponseApdu } from '../../../apdu/response-apdu.js';
import { SW } from '../../../apdu/status-words.js';
import { CardError } from '../../runtime/card-error.js';
import { SCRIPT_MAC_LENGTH, SCRIPT_MAC_WRONG_SW, SFI } from './choices.js';
import { scriptMac, sessionKey } from './cryptogram.js';
import { pbocCrypto } from './crypto.js';
import { fromN12 } from './amounts.js';
import { logLoad } from './logs.js';
import type { PbocPort } from './port.js';
import type { PbocState } from './state.js';
import { decodePinBlock } from './verify.js';

/** EC data objects PUT DATA may write, by tag. */
const EC_OBJECTS: Record<string, keyof PbocState['ec']> = {
  '9F79': 'balance',
  '9F77': 'balanceLimit',
  '9F78': 'singleLimit',
  '9F6D': 'resetThreshold',
};

/** Checks the MAC and returns the data without it. Failures are counted and persisted. */
function unwrap(cmd: CommandApdu, port: PbocPort): Uint8Array {
  const { session } = port;
  if (!session.gac1) throw new CardError(SW.CONDITIONS_NOT_SATISFIED);
  const state = port.edit();
  const data = cmd.data;
  if (data.length < SCRIPT_MAC_LENGTH) throw new CardError(SW.WRONG_LENGTH);
  const body = data.subarray(0, data.length - SCRIPT_MAC_LENGTH);
  const mac = data.subarray(data.length - SCRIPT_MAC_LENGTH);
  const header = Uint8Array.of(cmd.cla, cmd.ins, cmd.p1, cmd.p2);
  const expected = scriptMac(state, session.gac1.atc, header, data.length, fromHex(session.gac1.ac), body);
  state.scriptCommands += 1;
  if (!constantTimeEqual(expected, mac)) {
    state.scriptFailed = true;
    throw new CardError(SCRIPT_MAC_WRONG_SW, { keepChanges: true });
  }
  return body;
}

function putData(cmd: CommandApdu, port: PbocPort): ResponseApdu {
  const tag = toHex(Uint8Array.of(cmd.p1, cmd.p2));
  const field = EC_OBJECTS[tag];
  if (!field) throw new CardError(SW.REFERENCED_DATA_NOT_FOUND);
  const body = unwrap(cmd, port);
  const value = body.length === 6 ? fromN12(body) : undefined;
  if (value === undefined) throw new CardError(SW.WRONG_DATA);
  const ec = port.edit().ec;
  const next = { ...ec, [field]: value };
  if (next.balance > next.balanceLimit) throw new CardError(SW.WRONG_DATA);
  if (field === 'balance') {
    logLoad(port, Uint8Array.of(cmd.p1, cmd.p2), ec.balance, value, port.session.gac1!.cdol1, port.session.gac1!.atc);
  }
  Object.assign(ec, next);
  return ResponseApdu.status(SW.OK);
}

function updateRecord(cmd: CommandApdu, port: PbocPort): ResponseApdu {
  const sfi = cmd.p2 >> 3;
  if ((cmd.p2 & 0x07) !== 0x04 || cmd.p1 === 0) throw new CardError(SW.INCORRECT_P1P2);
  if (![SFI.track, SFI.static, SFI.oda].includes(sfi as 1)) throw new CardError(SW.FILE_NOT_FOUND);
  const body = unwrap(cmd, port);
  const records = port.records(sfi);
  if (cmd.p1 > records.length) throw new CardError(SW.RECORD_NOT_FOUND);
  records[cmd.p1 - 1] = toHex(body);
  port.setRecords(sfi, records);
  return ResponseApdu.status(SW.OK);
}

function simple(effect: (state: PbocState) => void): (cmd: CommandApdu, port: PbocPort) => ResponseApdu {
  return (cmd, port) => {
    if (cmd.p1 !== 0x00 || cmd.p2 !== 0x00) throw new CardError(SW.INCORRECT_P1P2);
    if (unwrap(cmd, port).length !== 0) throw new CardError(SW.WRONG_LENGTH);
    effect(port.edit());
    return ResponseApdu.status(SW.OK);
  };
}

function pinChangeUnblock(cmd: CommandApdu, port: PbocPort): ResponseApdu {
  if (cmd.p1 !== 0x00 || (cmd.p2 !== 0x00 && cmd.p2 !== 0x02)) throw new CardError(SW.INCORRECT_P1P2);
  const body = unwrap(cmd, port);
  const pin = port.edit().pin;
  if (cmd.p2 === 0x00) {
    if (body.length !== 0) throw new CardError(SW.WRONG_LENGTH);
  } else {
    // the enciphered PIN block: whole cipher blocks, at least the 8-byte PIN block
    const blockSize = port.state.algorithm === 'SM4' ? 16 : 8;
    if (body.length === 0 || body.length % blockSize !== 0) throw new CardError(SW.WRONG_LENGTH);
    const key = sessionKey(port.state, 'enc', port.session.gac1!.atc);
    const plain = pbocCrypto.decrypt(port.state.algorithm, key, body);
    const value = decodePinBlock(plain.subarray(0, 8));
    if (value === undefined) throw new CardError(SW.WRONG_DATA);
    pin.value = value;
  }
  pin.triesLeft = pin.maxTries;
  return ResponseApdu.status(SW.OK);
}

/** Script handlers by `CLA:INS`. */
export const SCRIPT_HANDLERS: Record<string, (cmd: CommandApdu, port: PbocPort) => ResponseApdu> = {
  '04:DA': putData,
  '04:DC': updateRecord,
  '84:1E': simple((s) => {
    s.blocked = true;
  }),
  '84:18': simple((s) => {
    s.blocked = false;
  }),
  '84:16': simple((s) => {
    s.cardBlocked = true;
    s.blocked = true;
  }),
  '84:24': pinChangeUnblock,
};

/** Encrypts a new PIN for PIN CHANGE (issuer side; exported for the test helper). */
export function encipherPinBlock(state: Pick<PbocState, 'algorithm'>, key: Uint8Array, block: Uint8Array): Uint8Array {
  const size = state.algorithm === 'SM4' ? 16 : 8;
  const padded = block.length % size === 0 ? block : concat(block, Uint8Array.of(0x80), new Uint8Array(size - 1 - (block.length % size)));
  return pbocCrypto.encrypt(state.algorithm, key, padded);
}
