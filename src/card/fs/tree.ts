/**
 * Navigation in the card's file tree (ISO/IEC 7816-4 §7.1). Positions are paths of child indices from
 * the MF, so that they stay valid across the per-APDU copies of the image.
 */
import type { CardInterface, DfImage, EfImage } from '../runtime/types.js';

/** A path of child indices from the MF; [] is the MF. */
export type NodePath = readonly number[];

/** The node at a path (undefined when the path no longer exists). */
export function nodeAt(mf: DfImage, path: NodePath): DfImage | EfImage | undefined {
  let node: DfImage | EfImage = mf;
  for (const i of path) {
    if (node.kind !== 'df') return undefined;
    const next: DfImage | EfImage | undefined = node.children[i];
    if (!next) return undefined;
    node = next;
  }
  return node;
}

/** The DF at a path (throws when it is not a DF: an internal error). */
export function dfAt(mf: DfImage, path: NodePath): DfImage {
  const node = nodeAt(mf, path);
  if (!node || node.kind !== 'df') throw new Error(`no DF at path [${path.join(',')}]`);
  return node;
}

/** The DFs from the MF down to the node at `path` (the node itself included when it is a DF). */
export function dfChain(mf: DfImage, path: NodePath): DfImage[] {
  const chain: DfImage[] = [mf];
  let node: DfImage | EfImage = mf;
  for (const i of path) {
    if (node.kind !== 'df') break;
    node = node.children[i]!;
    if (node?.kind === 'df') chain.push(node);
  }
  return chain;
}

/** Whether a node can be reached over an interface (absent `interfaces`: both). */
export function visibleOn(node: DfImage | EfImage, iface: CardInterface): boolean {
  return !node.interfaces || node.interfaces.includes(iface);
}

/** Whether every node along the path is visible over the interface. */
export function pathVisible(mf: DfImage, path: NodePath, iface: CardInterface): boolean {
  let node: DfImage | EfImage = mf;
  if (!visibleOn(node, iface)) return false;
  for (const i of path) {
    if (node.kind !== 'df') return false;
    node = node.children[i]!;
    if (!node || !visibleOn(node, iface)) return false;
  }
  return true;
}

/** Index of the child with this FID among a DF's visible children (-1 if none). */
export function childByFid(df: DfImage, fid: number, iface: CardInterface, kind?: 'df' | 'ef'): number {
  return df.children.findIndex((c) => c.fid === fid && visibleOn(c, iface) && (!kind || c.kind === kind));
}

/** Index of the EF with this SFI among a DF's visible children (-1 if none). */
export function efBySfi(df: DfImage, sfi: number, iface: CardInterface): number {
  return df.children.findIndex((c) => c.kind === 'ef' && c.sfi === sfi && visibleOn(c, iface));
}

/** Depth-first search of every visible DF whose name starts with `name` (ISO 7816-4 §7.1.1 selection by DF name). */
export function dfsByName(mf: DfImage, name: string, iface: CardInterface): NodePath[] {
  const found: NodePath[] = [];
  const walk = (df: DfImage, path: number[]) => {
    if (!visibleOn(df, iface)) return;
    if (df.aid && df.aid.toUpperCase().startsWith(name.toUpperCase())) found.push(path);
    df.children.forEach((c, i) => {
      if (c.kind === 'df') walk(c, [...path, i]);
    });
  };
  walk(mf, []);
  // exact matches first
  return found.sort((a, b) => Number(dfAt(mf, b).aid?.length === name.length) - Number(dfAt(mf, a).aid?.length === name.length));
}

/** Whether `inner` lies within (or equals) `outer`. */
export function isWithin(inner: NodePath, outer: NodePath): boolean {
  return outer.length <= inner.length && outer.every((v, i) => inner[i] === v);
}
