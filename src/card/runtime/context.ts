/**
 * What a command handler — of the card OS or of an application — works with: the draft image of this
 * APDU (changes are committed with the response), the session, the injected randomness, clock and logger.
 * docs/card-os.md "For application developers".
 */
import type { Clock, RandomSource } from '../../env.js';
import type { Logger } from '../../log.js';
import { dfAt, dfChain, isWithin, nodeAt, type NodePath } from '../fs/tree.js';
import type { Session } from './session.js';
import type { AccessRule, CardImage, CardInterface, DfImage, EfImage, KeyImage, PinImage } from './types.js';

export class CardContext {
  /**
   * The DF of the application handling the command (for the OS's own handlers: the current DF).
   * Applications read and change their files through it (it is part of the draft).
   */
  currentDf: DfImage;
  /** Path of `currentDf`. */
  currentDfPath: NodePath;

  constructor(
    /** The draft image: changes are saved when the command succeeds. */
    readonly image: CardImage,
    readonly os: Session,
    readonly random: RandomSource,
    readonly clock: Clock,
    readonly log: Logger,
  ) {
    this.currentDfPath = os.df;
    this.currentDf = dfAt(image.mf, os.df);
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

  /** The persistent state of an application (`image.apps[id]`, created empty on first use). */
  appState<T>(appId: string): T {
    this.image.apps[appId] ??= {};
    return this.image.apps[appId] as T;
  }

  /** Replaces the persistent state of an application. */
  setAppState<T>(appId: string, state: T): void {
    this.image.apps[appId] = state;
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
