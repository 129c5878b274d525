/**
 * What a command handler — of the card OS or of an application — works with: the draft image of this
 * APDU (changes are committed with the response), the session, the injected randomness, clock and logger.
 * docs/card-os.md "For application developers".
 */
import type { Clock, RandomSource } from '../../env.js';
import type { Logger } from '../../log.js';
import { dfAt, dfChain, isWithin, nodeAt, type NodePath } from '../fs/tree.js';
import type { Session } from './session.js';
import type { Draft, Key } from './transaction.js';
import type { AccessRule, CardImage, CardInterface, DfImage, EfImage, KeyImage, PinImage } from './types.js';

const EMPTY: object = Object.freeze({});

/** What the runtime lends a command's context beyond the draft (docs/card-os.md). */
export interface TransactionControl {
  /**
   * Saves the changes made so far durably, before the command goes on (a PIN or key try is charged
   * before the comparison). Throws when the save fails; the runtime then answers 6581 and keeps nothing.
   */
  checkpoint(): void;
}

/** Keys from the image root to the node at a path of child indices. */
export function nodeKeys(path: NodePath): Key[] {
  const keys: Key[] = ['mf'];
  for (const i of path) keys.push('children', i);
  return keys;
}

export class CardContext {
  /** Path of `currentDf`: the DF of the application handling the command (for the OS: the current DF). */
  currentDfPath: NodePath;

  constructor(
    /** The command's draft over the committed image. */
    readonly draft: Draft<CardImage>,
    readonly os: Session,
    readonly random: RandomSource,
    readonly clock: Clock,
    readonly log: Logger,
    readonly control: TransactionControl = { checkpoint() {} },
  ) {
    this.currentDfPath = os.df;
  }

  /**
   * The image as it stands in this command (read only: parts not edited are the committed, frozen
   * objects). Change it through `editNode`, `editPin`, `editKey`, `editImage`, `editAppState`.
   */
  get image(): CardImage {
    return this.draft.current;
  }

  /**
   * The DF of the application handling the command (for the OS's own handlers: the current DF), as it
   * stands now (read only; `editNode(ctx.currentDfPath)` to change it).
   */
  get currentDf(): DfImage {
    return dfAt(this.draft.current.mf, this.currentDfPath);
  }

  /** A mutable DF or EF of the draft at a path of child indices. */
  editNode<T extends DfImage | EfImage>(path: NodePath): T {
    return this.draft.edit<T>(nodeKeys(path));
  }

  /** The mutable image root (card life cycle). */
  editImage(): CardImage {
    return this.draft.edit<CardImage>([]);
  }

  /** The mutable PIN found by `findPin`. */
  editPin(found: { pin: PinImage; scope: NodePath }): PinImage {
    const df = dfAt(this.image.mf, found.scope);
    const i = (df.pins ?? []).findIndex((p) => p.id === found.pin.id);
    if (i < 0) throw new Error(`editPin: no PIN ${found.pin.id}`);
    return this.draft.edit<PinImage>([...nodeKeys(found.scope), 'pins', i]);
  }

  /** The mutable key found by `findKey`. */
  editKey(found: { key: KeyImage; scope: NodePath }): KeyImage {
    const df = dfAt(this.image.mf, found.scope);
    const i = (df.keys ?? []).findIndex((k) => k.id === found.key.id);
    if (i < 0) throw new Error(`editKey: no key ${found.key.id}`);
    return this.draft.edit<KeyImage>([...nodeKeys(found.scope), 'keys', i]);
  }

  /**
   * Charges a PIN or key try durably before the comparison (`TransactionControl.checkpoint`). What the
   * command edited so far becomes committed and frozen: edit again to change more.
   */
  checkpoint(): void {
    this.control.checkpoint();
  }

  /** Alias of `currentDf`. */
  get df(): DfImage {
    return this.currentDf;
  }

  /** The interface the command arrived on. */
  get activeInterface(): CardInterface {
    return this.os.iface;
  }

  /** Alias of `activeInterface`. */
  get iface(): CardInterface {
    return this.os.iface;
  }

  /** Per-power-on scratch space of the applications (cleared by any reset). */
  get session(): Record<string, unknown> {
    return this.os.apps;
  }

  /** The persistent state of an application (`image.apps[id]`), read only (empty when it has none). */
  appState<T>(appId: string): T {
    return (this.image.apps[appId] ?? EMPTY) as T;
  }

  /** The persistent state of an application as a mutable deep copy (made once per command). */
  editAppState<T>(appId: string): T {
    if (this.image.apps[appId] === undefined) this.draft.put(['apps', appId], {});
    return this.draft.editDeep<T & object>(['apps', appId]);
  }

  /**
   * The persistent state of an application as a mutable shallow copy: its own fields can be assigned,
   * the objects inside it stay frozen (use `editAppState` to change those).
   */
  editAppStateFields<T>(appId: string): T {
    if (this.image.apps[appId] === undefined) this.draft.put(['apps', appId], {});
    return this.draft.edit<T & object>(['apps', appId]);
  }

  /** Replaces the persistent state of an application. */
  setAppState<T>(appId: string, state: T): void {
    this.draft.put(['apps', appId], state);
  }

  /** The DFs from the MF to the OS's current DF. */
  dfChain(): DfImage[] {
    return dfChain(this.image.mf, this.os.df);
  }

  /** The current EF, if any. */
  currentEf(): EfImage | undefined {
    if (!this.os.ef) return undefined;
    const node = nodeAt(this.image.mf, this.os.ef);
    return node?.kind === 'ef' ? node : undefined;
  }

  /** The nearest PIN (current DF first, then its ancestors) matching the predicate, with its DF path. */
  findPin(match: (pin: PinImage) => boolean): { pin: PinImage; scope: NodePath } | undefined {
    const found = this.#nearest((df) => df.pins?.find(match));
    return found && { pin: found.item, scope: found.scope };
  }

  /** The nearest key (current DF first, then its ancestors) matching the predicate, with its DF path. */
  findKey(match: (key: KeyImage) => boolean): { key: KeyImage; scope: NodePath } | undefined {
    const found = this.#nearest((df) => df.keys?.find(match));
    return found && { key: found.item, scope: found.scope };
  }

  #nearest<T>(pick: (df: DfImage) => T | undefined): { item: T; scope: NodePath } | undefined {
    const path = this.os.df;
    for (let depth = path.length; depth >= 0; depth--) {
      const scope = path.slice(0, depth);
      const item = pick(dfAt(this.image.mf, scope));
      if (item) return { item, scope };
    }
    return undefined;
  }

  /** Whether the PIN with this id was verified in this session and is still in scope. */
  isPinVerified(pinId: string): boolean {
    return this.os.verifiedPins.some((g) => g.id === pinId && isWithin(this.os.df, g.scope));
  }

  /** Alias of `isPinVerified`. */
  pinVerified(pinId: string): boolean {
    return this.isPinVerified(pinId);
  }

  /** Whether EXTERNAL AUTHENTICATE with this key succeeded in this session and is still in scope. */
  isKeyAuthenticated(keyId: string): boolean {
    return this.os.authenticatedKeys.some((g) => g.id === keyId && isWithin(this.os.df, g.scope));
  }

  /**
   * Whether an access rule is satisfied now.
   * @param viaSecureMessaging key ids whose secure-messaging MAC this command carried
   */
  checkAccess(rule: AccessRule, viaSecureMessaging: ReadonlySet<string> = new Set()): boolean {
    if (rule === 'free') return true;
    if (rule === 'never') return false;
    if ('pin' in rule) return this.isPinVerified(rule.pin);
    if ('key' in rule) return this.isKeyAuthenticated(rule.key) || viaSecureMessaging.has(rule.key);
    if ('anyOf' in rule) return rule.anyOf.some((r) => this.checkAccess(r, viaSecureMessaging));
    return rule.allOf.every((r) => this.checkAccess(r, viaSecureMessaging));
  }
}

/** The key ids an access rule names (the keys that may MAC a command under secure messaging). */
export function keysOfRule(rule: AccessRule): string[] {
  if (rule === 'free' || rule === 'never') return [];
  if ('pin' in rule) return [];
  if ('key' in rule) return [rule.key];
  if ('anyOf' in rule) return rule.anyOf.flatMap(keysOfRule);
  return rule.allOf.flatMap(keysOfRule);
}
