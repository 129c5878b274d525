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

/** A DF with a name, its path and the interfaces it is visible on (every DF on the path). */
interface NamedDf {
  aid: string;
  path: NodePath;
  contact: boolean;
  contactless: boolean;
}

/** Named DFs of committed (frozen, so unchanging) trees, in depth-first order. */
const NAME_INDEX = new WeakMap<DfImage, NamedDf[]>();

function namedDfs(mf: DfImage): NamedDf[] {
  const cached = NAME_INDEX.get(mf);
  if (cached) return cached;
  const out: NamedDf[] = [];
  const visit = (df: DfImage, path: number[], contact: boolean, contactless: boolean): void => {
    const c = contact && visibleOn(df, 'contact');
    const cl = contactless && visibleOn(df, 'contactless');
    if (!c && !cl) return;
    if (df.aid) out.push({ aid: df.aid.toUpperCase(), path, contact: c, contactless: cl });
    df.children.forEach((child, i) => {
      if (child.kind === 'df') visit(child, [...path, i], c, cl);
    });
  };
  visit(mf, [], true, true);
  if (Object.isFrozen(mf)) NAME_INDEX.set(mf, out);
  return out;
}

/**
 * Every DF visible over `iface` whose name starts with `name` (hex), depth first, exact matches first
 * (ISO 7816-4 §7.1.1 selection by DF name). A DF is visible when every DF on its path is.
 */
export function dfsByName(mf: DfImage, name: string, iface: CardInterface): NodePath[] {
  const wanted = name.toUpperCase();
  const exact: NodePath[] = [];
  const prefix: NodePath[] = [];
  for (const df of namedDfs(mf)) {
    if (!(iface === 'contact' ? df.contact : df.contactless) || !df.aid.startsWith(wanted)) continue;
    (df.aid.length === wanted.length ? exact : prefix).push(df.path);
  }
  return exact.length === 0 ? prefix : prefix.length === 0 ? exact : [...exact, ...prefix];
}

/** Whether `inner` lies within (or equals) `outer`. */
export function isWithin(inner: NodePath, outer: NodePath): boolean {
  return outer.length <= inner.length && outer.every((v, i) => inner[i] === v);
}
