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
import { decodeSmCryptogram } from '../../../crypto/encipher.js';
import { efBySfi, type NodePath } from '../../fs/tree.js';
import { hasSecureMessaging, verifySessionMac } from '../../security/secure-messaging.js';
import { CardError } from '../card-error.js';
import { keysOfRule, type CardContext } from '../context.js';
import type { AccessRule, EfImage, KeyImage } from '../types.js';
import type { Handler } from './types.js';

/** Makes the EF with this SFI (0: the current EF) current and returns it (read only) with its path. */
function efFor(ctx: CardContext, sfi: number): { ef: EfImage; path: NodePath } {
  if (sfi === 0) {
    const ef = ctx.currentEf();
    if (!ef || !ctx.os.ef) throw new CardError(SW.COMMAND_NOT_ALLOWED_NO_EF);
    return { ef, path: ctx.os.ef };
  }
  const index = efBySfi(ctx.currentDf, sfi, ctx.activeInterface);
  if (index < 0) throw new CardError(SW.FILE_NOT_FOUND);
  const current = ctx.os.ef;
  const df = ctx.os.df;
  const same = current !== undefined && current.length === df.length + 1 && current[df.length] === index && df.every((v, i) => current[i] === v);
  if (!same) {
    ctx.os.record = undefined;
    ctx.os.ef = [...df, index];
  }
  return { ef: ctx.currentDf.children[index] as EfImage, path: ctx.os.ef! };
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

/** Deciphers `E_SK(LD ‖ data ‖ 80…)` strictly; a malformed cryptogram answers 6988 (SM data wrong). */
function decipherData(key: KeyImage, sessionKey: Uint8Array, data: Uint8Array): Uint8Array {
  const result = decodeSmCryptogram(cipherFor(key.algorithm, sessionKey), data);
  if (!result.ok) throw new CardError(SW.SM_DATA_WRONG);
  return result.data;
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
function binaryTarget(cmd: CommandApdu, ctx: CardContext): { ef: EfImage; path: NodePath; offset: number } {
  if (cmd.p1 & 0x80) {
    if (cmd.p1 & 0x60) throw new CardError(SW.INCORRECT_P1P2);
    return { ...efFor(ctx, cmd.p1 & 0x1f), offset: cmd.p2 };
  }
  return { ...efFor(ctx, 0), offset: ((cmd.p1 & 0x7f) << 8) | cmd.p2 };
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
  const { ef, path, offset } = binaryTarget(cmd, ctx);
  requireStructure(ef, false);
  const data = authorize(cmd, ctx, ef.update, ef.enciphered);
  if (data.length === 0) throw new CardError(SW.WRONG_LENGTH);
  const content = contentOf(ef);
  if (offset > content.length) throw new CardError(SW.WRONG_P1P2);
  if (offset + data.length > content.length) throw new CardError(SW.NOT_ENOUGH_SPACE);
  content.set(data, offset);
  ctx.editNode<EfImage>(path).data = toHex(content);
  return ResponseApdu.status(SW.OK);
};

/** The first byte of a hex record (its SSSE tag), or -1 for an empty record. */
function firstByte(record: string): number {
  return record.length >= 2 ? parseInt(record.slice(0, 2), 16) : -1;
}

/**
 * Finds a record by identifier (first byte) relative to the current record; returns its number.
 * Modes (P2 b3-b1): 0 first, 1 last, 2 next after the current, 3 previous before the current.
 */
function findByTag(records: readonly string[], tag: number, mode: number, current: number | undefined): number {
  const matches = (n: number) => tag === 0 || firstByte(records[n - 1]!) === tag;
  const count = records.length;
  let found: number | undefined;
  if (mode === 0 || mode === 2) {
    for (let n = mode === 0 ? 1 : (current ?? 0) + 1; n <= count && found === undefined; n++) if (n >= 1 && matches(n)) found = n;
  } else {
    for (let n = mode === 1 ? count : (current ?? count + 1) - 1; n >= 1 && found === undefined; n--) if (n <= count && matches(n)) found = n;
  }
  if (found === undefined) throw new CardError(SW.RECORD_NOT_FOUND);
  return found;
}

export const readRecord: Handler = (cmd, ctx) => {
  if (cmd.nc !== 0) throw new CardError(SW.WRONG_LENGTH);
  const mode = cmd.p2 & 0x07;
  if (mode > 5) throw new CardError(SW.INCORRECT_P1P2);
  const { ef } = efFor(ctx, cmd.p2 >> 3);
  requireStructure(ef, true);
  authorize(cmd, ctx, ef.read);
  const records = ef.records ?? [];
  if (mode === 4 || mode === 5) {
    const first = cmd.p1 === 0 ? ctx.os.record : cmd.p1;
    if (first === undefined || first < 1 || first > records.length) throw new CardError(SW.RECORD_NOT_FOUND);
    ctx.os.record = first;
    const data = mode === 4 ? fromHex(records[first - 1]!) : concat(...records.slice(first - 1).map((r) => fromHex(r)));
    return ResponseApdu.of(data, SW.OK);
  }
  const n = findByTag(records, cmd.p1, mode, ctx.os.record);
  ctx.os.record = n;
  return ResponseApdu.of(fromHex(records[n - 1]!), SW.OK);
};

function checkRecordLength(ef: EfImage, data: Uint8Array): void {
  const size = ef.recordSize;
  if (data.length === 0) throw new CardError(SW.WRONG_LENGTH);
  if (size === undefined) return;
  const fixed = ef.structure === 'linear-fixed' || ef.structure === 'cyclic';
  if (fixed ? data.length !== size : data.length > size) throw new CardError(SW.WRONG_LENGTH);
}

/** The records after appending `data` (cyclic: it becomes record 1, the oldest falls off). */
function appended(ef: EfImage, data: Uint8Array): string[] {
  const records = ef.records ?? [];
  const max = ef.maxRecords ?? Number.MAX_SAFE_INTEGER;
  if (ef.structure === 'cyclic') return [toHex(data), ...records].slice(0, max);
  if (records.length >= max) throw new CardError(SW.NOT_ENOUGH_SPACE);
  return [...records, toHex(data)];
}

export const updateRecord: Handler = (cmd, ctx) => {
  const mode = cmd.p2 & 0x07;
  const { ef, path } = efFor(ctx, cmd.p2 >> 3);
  requireStructure(ef, true);
  const data = authorize(cmd, ctx, ef.update, ef.enciphered);
  checkRecordLength(ef, data);
  const records = ef.records ?? [];
  if (ef.structure === 'cyclic' && mode === 3) {
    ctx.editNode<EfImage>(path).records = appended(ef, data);
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
  ctx.editNode<EfImage>(path).records = records.map((r, i) => (i === n - 1 ? toHex(data) : r));
  ctx.os.record = n;
  return ResponseApdu.status(SW.OK);
};

export const appendRecord: Handler = (cmd, ctx) => {
  if (cmd.p1 !== 0 || (cmd.p2 & 0x07) !== 0) throw new CardError(SW.INCORRECT_P1P2);
  const { ef, path } = efFor(ctx, cmd.p2 >> 3);
  requireStructure(ef, true);
  const data = authorize(cmd, ctx, ef.update, ef.enciphered);
  checkRecordLength(ef, data);
  const records = appended(ef, data);
  ctx.editNode<EfImage>(path).records = records;
  ctx.os.record = ef.structure === 'cyclic' ? 1 : records.length;
  return ResponseApdu.status(SW.OK);
};
