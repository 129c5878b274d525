/**
 * READ/UPDATE BINARY (ISO/IEC 7816-4 §11.3.3, §11.3.5) and READ/UPDATE/APPEND RECORD (§11.4.3, §11.4.5,
 * §11.4.6; DOMAIN.md §1.3). Records are found by number (P2 mode 100), by their first byte = P1 (the
 * SSSE one-byte tag: mode 000 first, 001 last, 010 next, 011 previous occurrence; P1 = 00 any record),
 * or all from P1 (101). SFI in P2 b8–b4 (0 = current EF). Cyclic files keep record 1 as the newest.
 * Access rules are checked before anything is read or written; CLA 04 carries a secure-messaging MAC
 * that satisfies key rules of the file's write access.
 */
import { concat, fromHex, toHex } from '../../../apdu/bytes.js';
import type { CommandApdu } from '../../../apdu/command-apdu.js';
import { ResponseApdu } from '../../../apdu/response-apdu.js';
import { SW } from '../../../apdu/status-words.js';
import { cipherFor } from '../../../crypto/block-cipher.js';
import { smDecipher } from '../../../crypto/encipher.js';
import { efBySfi, nodeAt } from '../../fs/tree.js';
import { hasSecureMessaging, verifySessionMac } from '../../security/secure-messaging.js';
import { CardError } from '../card-error.js';
import { keysOfRule, type CardContext } from '../context.js';
import type { AccessRule, EfImage, KeyImage } from '../types.js';
import type { Handler } from './types.js';

/** Makes the EF with this SFI (0: the current EF) current and returns it. */
function efFor(ctx: CardContext, sfi: number): EfImage {
  if (sfi === 0) {
    const ef = ctx.currentEf();
    if (!ef) throw new CardError(SW.COMMAND_NOT_ALLOWED_NO_EF);
    return ef;
  }
  const index = efBySfi(ctx.currentDf, sfi, ctx.activeInterface);
  if (index < 0) throw new CardError(SW.FILE_NOT_FOUND);
  const path = [...ctx.os.df, index];
  if (!ctx.os.ef || ctx.os.ef.join() !== path.join()) ctx.os.record = undefined;
  ctx.os.ef = path;
  return nodeAt(ctx.image.mf, path) as EfImage;
}

/**
 * Checks access, unwrapping secure messaging first; returns the command data without the MAC (and
 * deciphered when `enciphered`: such a command must come with secure messaging, else 6987).
 */
function authorize(cmd: CommandApdu, ctx: CardContext, rule: AccessRule, enciphered = false): Uint8Array {
  let data = cmd.data;
  const viaSm = new Set<string>();
  if (enciphered && !hasSecureMessaging(cmd.cla)) throw new CardError(SW.SM_DATA_MISSING);
  if (hasSecureMessaging(cmd.cla)) {
    const candidates = keysOfRule(rule)
      .map((id) => ctx.findKey((k) => k.id === id)?.key)
      .filter((k): k is KeyImage => k !== undefined);
    const { plain, key, sessionKey } = verifySessionMac(cmd, candidates, ctx.os.challenge);
    ctx.os.challenge = undefined;
    viaSm.add(key.id);
    data = enciphered ? decipherData(key, sessionKey, plain) : plain;
  }
  if (!ctx.checkAccess(rule, viaSm)) throw new CardError(SW.SECURITY_STATUS_NOT_SATISFIED);
  return data;
}

function decipherData(key: KeyImage, sessionKey: Uint8Array, data: Uint8Array): Uint8Array {
  try {
    return smDecipher(cipherFor(key.algorithm, sessionKey), data);
  } catch {
    throw new CardError(SW.SM_DATA_WRONG);
  }
}

function requireStructure(ef: EfImage, records: boolean): void {
  if ((ef.structure === 'transparent') === records) throw new CardError(SW.COMMAND_INCOMPATIBLE_WITH_FILE);
}

function contentOf(ef: EfImage): Uint8Array {
  const stored = fromHex(ef.data ?? '');
  const size = ef.size ?? stored.length;
  const out = new Uint8Array(Math.max(size, stored.length));
  out.set(stored);
  return out;
}

/** P1 b8 = 1: SFI in P1 b5–b1 and offset P2; else a 15-bit offset in the current EF. */
function binaryTarget(cmd: CommandApdu, ctx: CardContext): { ef: EfImage; offset: number } {
  if (cmd.p1 & 0x80) {
    if (cmd.p1 & 0x60) throw new CardError(SW.INCORRECT_P1P2);
    return { ef: efFor(ctx, cmd.p1 & 0x1f), offset: cmd.p2 };
  }
  return { ef: efFor(ctx, 0), offset: ((cmd.p1 & 0x7f) << 8) | cmd.p2 };
}

export const readBinary: Handler = (cmd, ctx) => {
  if (cmd.nc !== 0) throw new CardError(SW.WRONG_LENGTH);
  const { ef, offset } = binaryTarget(cmd, ctx);
  requireStructure(ef, false);
  authorize(cmd, ctx, ef.read);
  const content = contentOf(ef);
  if (offset > content.length) throw new CardError(SW.WRONG_P1P2);
  const wanted = cmd.ne === 0 ? 256 : cmd.ne;
  const out = content.subarray(offset, offset + wanted);
  const short = out.length < wanted && cmd.ne !== 256 && cmd.ne !== 65536;
  return ResponseApdu.of(out, short ? SW.END_OF_FILE : SW.OK);
};

export const updateBinary: Handler = (cmd, ctx) => {
  const { ef, offset } = binaryTarget(cmd, ctx);
  requireStructure(ef, false);
  const data = authorize(cmd, ctx, ef.update, ef.enciphered);
  if (data.length === 0) throw new CardError(SW.WRONG_LENGTH);
  const content = contentOf(ef);
  if (offset > content.length) throw new CardError(SW.WRONG_P1P2);
  if (offset + data.length > content.length) throw new CardError(SW.NOT_ENOUGH_SPACE);
  content.set(data, offset);
  ef.data = toHex(content);
  return ResponseApdu.status(SW.OK);
};

function recordsOf(ef: EfImage): Uint8Array[] {
  return (ef.records ?? []).map((r) => fromHex(r));
}

/** Finds a record by identifier (first byte) relative to the current record; returns its number. */
function findByTag(records: Uint8Array[], tag: number, mode: number, current: number | undefined): number {
  const matches = (n: number) => records[n - 1] !== undefined && (tag === 0 || records[n - 1]![0] === tag);
  const numbers = records.map((_, i) => i + 1);
  const pick = {
    0: () => numbers.find(matches),
    1: () => [...numbers].reverse().find(matches),
    2: () => numbers.find((n) => n > (current ?? 0) && matches(n)),
    3: () => [...numbers].reverse().find((n) => n < (current ?? records.length + 1) && matches(n)),
  }[mode as 0 | 1 | 2 | 3];
  const found = pick?.();
  if (found === undefined) throw new CardError(SW.RECORD_NOT_FOUND);
  return found;
}

export const readRecord: Handler = (cmd, ctx) => {
  if (cmd.nc !== 0) throw new CardError(SW.WRONG_LENGTH);
  const mode = cmd.p2 & 0x07;
  if (mode > 5) throw new CardError(SW.INCORRECT_P1P2);
  const ef = efFor(ctx, cmd.p2 >> 3);
  requireStructure(ef, true);
  authorize(cmd, ctx, ef.read);
  const records = recordsOf(ef);
  if (mode === 4 || mode === 5) {
    const first = cmd.p1 === 0 ? ctx.os.record : cmd.p1;
    if (first === undefined || first < 1 || first > records.length) throw new CardError(SW.RECORD_NOT_FOUND);
    ctx.os.record = first;
    const data = mode === 4 ? records[first - 1]! : concat(...records.slice(first - 1));
    return ResponseApdu.of(data, SW.OK);
  }
  const n = findByTag(records, cmd.p1, mode, ctx.os.record);
  ctx.os.record = n;
  return ResponseApdu.of(records[n - 1]!, SW.OK);
};

function checkRecordLength(ef: EfImage, data: Uint8Array): void {
  const size = ef.recordSize;
  if (data.length === 0) throw new CardError(SW.WRONG_LENGTH);
  if (size === undefined) return;
  const fixed = ef.structure === 'linear-fixed' || ef.structure === 'cyclic';
  if (fixed ? data.length !== size : data.length > size) throw new CardError(SW.WRONG_LENGTH);
}

function appendTo(ef: EfImage, data: Uint8Array): void {
  const records = ef.records ?? [];
  const max = ef.maxRecords ?? Number.MAX_SAFE_INTEGER;
  if (ef.structure === 'cyclic') {
    ef.records = [toHex(data), ...records].slice(0, max);
    return;
  }
  if (records.length >= max) throw new CardError(SW.NOT_ENOUGH_SPACE);
  ef.records = [...records, toHex(data)];
}

export const updateRecord: Handler = (cmd, ctx) => {
  const mode = cmd.p2 & 0x07;
  const ef = efFor(ctx, cmd.p2 >> 3);
  requireStructure(ef, true);
  const data = authorize(cmd, ctx, ef.update, ef.enciphered);
  checkRecordLength(ef, data);
  const records = recordsOf(ef);
  if (ef.structure === 'cyclic' && mode === 3) {
    appendTo(ef, data);
    ctx.os.record = 1;
    return ResponseApdu.status(SW.OK);
  }
  let n: number;
  if (mode === 4) {
    n = cmd.p1 === 0 ? (ctx.os.record ?? 0) : cmd.p1;
    if (n < 1 || n > records.length) throw new CardError(SW.RECORD_NOT_FOUND);
  } else if (mode <= 3) {
    n = findByTag(records, cmd.p1, mode, ctx.os.record);
    if (cmd.p1 !== 0 && data[0] !== cmd.p1) throw new CardError(SW.WRONG_DATA);
  } else {
    throw new CardError(SW.INCORRECT_P1P2);
  }
  ef.records = records.map((r, i) => toHex(i === n - 1 ? data : r));
  ctx.os.record = n;
  return ResponseApdu.status(SW.OK);
};

export const appendRecord: Handler = (cmd, ctx) => {
  if (cmd.p1 !== 0 || (cmd.p2 & 0x07) !== 0) throw new CardError(SW.INCORRECT_P1P2);
  const ef = efFor(ctx, cmd.p2 >> 3);
  requireStructure(ef, true);
  const data = authorize(cmd, ctx, ef.update, ef.enciphered);
  checkRecordLength(ef, data);
  appendTo(ef, data);
  ctx.os.record = ef.structure === 'cyclic' ? 1 : ef.records!.length;
  return ResponseApdu.status(SW.OK);
};
