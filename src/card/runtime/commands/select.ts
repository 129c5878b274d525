/**
 * SELECT (ISO/IEC 7816-4 §11.2.2; DOMAIN.md §1.3): P1 00 by FID (3F00 or empty = MF), 01 child DF,
 * 02 EF under the current DF, 03 parent DF, 04 by DF name (longest prefix first), 08 path from the MF,
 * 09 path from the current DF. P2 00 returns the FCI, 0C nothing. Selecting an EF answers 9000 without data.
 * FCI of a DF: the application's own, else `6F { 84 DF-name, A5 { proprietary } }` (DOMAIN.md §1.1), or
 * `6F { 83 FID }` for a DF without a name. A blocked DF is selected and answers 6283.
 */
import { concat, fromHex, readUintBE, toHex } from '../../../apdu/bytes.js';
import { ResponseApdu } from '../../../apdu/response-apdu.js';
import { SW } from '../../../apdu/status-words.js';
import { CardError } from '../card-error.js';
import { dfAt, dfsByName, isWithin, nodeAt, childByFid, pathVisible, type NodePath } from '../../fs/tree.js';
import type { CardContext } from '../context.js';
import type { DfImage } from '../types.js';
import type { Handler, OsEnv } from './types.js';
import { berLength } from './tlv-helpers.js';

function fidsOf(data: Uint8Array): number[] {
  if (data.length % 2 !== 0) throw new CardError(SW.WRONG_LENGTH);
  const fids: number[] = [];
  for (let i = 0; i < data.length; i += 2) fids.push(readUintBE(data, i, 2));
  return fids;
}

/** Resolves a relative path of FIDs starting at a DF. */
function walk(ctx: CardContext, from: NodePath, fids: number[]): NodePath {
  let path = [...from];
  for (const [i, fid] of fids.entries()) {
    const df = nodeAt(ctx.image.mf, path);
    if (!df || df.kind !== 'df') throw new CardError(SW.FILE_NOT_FOUND);
    const index = childByFid(df, fid, ctx.activeInterface);
    if (index < 0) throw new CardError(SW.FILE_NOT_FOUND);
    path = [...path, index];
    if (i < fids.length - 1 && df.children[index]!.kind !== 'df') throw new CardError(SW.FILE_NOT_FOUND);
  }
  return path;
}

/** Selection by FID: a child of the current DF, the current DF itself, its parent, a sibling, or the MF. */
function byFid(ctx: CardContext, fid: number, kind?: 'df' | 'ef'): NodePath {
  const iface = ctx.activeInterface;
  const current = ctx.os.df;
  if (fid === 0x3f00 && kind !== 'ef') return [];
  const here = dfAt(ctx.image.mf, current);
  const child = childByFid(here, fid, iface, kind);
  if (child >= 0) return [...current, child];
  if (kind === 'ef') throw new CardError(SW.FILE_NOT_FOUND);
  if (here.fid === fid) return current;
  if (current.length > 0) {
    const parentPath = current.slice(0, -1);
    const parent = dfAt(ctx.image.mf, parentPath);
    if (parent.fid === fid) return parentPath;
    const sibling = childByFid(parent, fid, iface, 'df');
    if (sibling >= 0) return [...parentPath, sibling];
  }
  const top = childByFid(ctx.image.mf, fid, iface, kind);
  if (top >= 0) return [top];
  throw new CardError(SW.FILE_NOT_FOUND);
}

function target(ctx: CardContext, p1: number, data: Uint8Array): NodePath {
  switch (p1) {
    case 0x00:
      if (data.length === 0) return [];
      if (data.length !== 2) throw new CardError(SW.WRONG_LENGTH);
      return byFid(ctx, readUintBE(data, 0, 2));
    case 0x01:
      if (data.length !== 2) throw new CardError(SW.WRONG_LENGTH);
      return byFid(ctx, readUintBE(data, 0, 2), 'df');
    case 0x02:
      if (data.length !== 2) throw new CardError(SW.WRONG_LENGTH);
      return byFid(ctx, readUintBE(data, 0, 2), 'ef');
    case 0x03:
      if (data.length !== 0) throw new CardError(SW.WRONG_LENGTH);
      if (ctx.os.df.length === 0) throw new CardError(SW.FILE_NOT_FOUND);
      return ctx.os.df.slice(0, -1);
    case 0x04: {
      if (data.length < 1 || data.length > 16) throw new CardError(SW.WRONG_LENGTH);
      const found = dfsByName(ctx.image.mf, toHex(data), ctx.activeInterface);
      if (found.length === 0) throw new CardError(SW.FILE_NOT_FOUND);
      return found[0]!;
    }
    case 0x08: {
      const fids = fidsOf(data);
      return walk(ctx, [], fids[0] === 0x3f00 ? fids.slice(1) : fids);
    }
    case 0x09:
      return walk(ctx, ctx.os.df, fidsOf(data));
    default:
      throw new CardError(SW.INCORRECT_P1P2);
  }
}

function tlv(tag: number, value: Uint8Array): Uint8Array {
  return concat(Uint8Array.of(tag, ...berLength(value.length)), value);
}

/** Default FCIs of committed (frozen, so unchanging) DFs. */
const FCI_CACHE = new WeakMap<DfImage, Uint8Array>();

/** The default FCI of a DF (DOMAIN.md §1.1). */
export function defaultFci(df: DfImage): Uint8Array {
  const cached = FCI_CACHE.get(df);
  if (cached) return cached;
  let fci: Uint8Array;
  if (!df.aid) fci = tlv(0x6f, tlv(0x83, Uint8Array.of(df.fid! >> 8, df.fid! & 0xff)));
  else fci = tlv(0x6f, concat(tlv(0x84, fromHex(df.aid)), df.fciProprietary ? tlv(0xa5, fromHex(df.fciProprietary)) : new Uint8Array(0)));
  if (Object.isFrozen(df)) FCI_CACHE.set(df, fci);
  return fci;
}

/** Makes a DF current: deselects the previous application, clears out-of-scope security states. */
export function enterDf(ctx: CardContext, env: OsEnv, path: NodePath): void {
  const before = ctx.os.df;
  const same = before.length === path.length && before.every((v, i) => v === path[i]);
  if (!same) {
    const previous = dfAt(ctx.image.mf, before);
    const prevApp = previous.application ? env.applications.get(previous.application) : undefined;
    prevApp?.deselect?.(ctx);
  }
  ctx.os.df = [...path];
  ctx.os.ef = undefined;
  ctx.os.record = undefined;
  if (ctx.os.verifiedPins.some((g) => !isWithin(path, g.scope))) ctx.os.verifiedPins = ctx.os.verifiedPins.filter((g) => isWithin(path, g.scope));
  if (ctx.os.authenticatedKeys.some((g) => !isWithin(path, g.scope))) ctx.os.authenticatedKeys = ctx.os.authenticatedKeys.filter((g) => isWithin(path, g.scope));
  ctx.currentDfPath = ctx.os.df;
}

export const select: Handler = (cmd, ctx, env) => {
  if (![0x00, 0x04, 0x0c].includes(cmd.p2 & 0x0f) || (cmd.p2 & 0xf0) !== 0) throw new CardError(SW.INCORRECT_P1P2);
  const path = target(ctx, cmd.p1, cmd.data);
  if (!pathVisible(ctx.image.mf, path, ctx.activeInterface)) throw new CardError(SW.FILE_NOT_FOUND);
  const node = nodeAt(ctx.image.mf, path)!;
  if (node.kind === 'ef') {
    const dfPath = path.slice(0, -1);
    enterDf(ctx, env, dfPath);
    ctx.os.ef = [...path];
    return ResponseApdu.status(SW.OK);
  }
  enterDf(ctx, env, path);
  const app = node.application ? env.applications.get(node.application) : undefined;
  const fci = app?.select?.(ctx) ?? defaultFci(node);
  const sw = node.lifeCycle === 'blocked' || node.lifeCycle === 'terminated' ? SW.SELECTED_FILE_INVALIDATED : SW.OK;
  return ResponseApdu.of((cmd.p2 & 0x0c) === 0x0c ? new Uint8Array(0) : fci, sw);
};
