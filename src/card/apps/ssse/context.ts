/**
 * The few members of the card OS's `CardContext` the SSSE and PKI applications use, in ONE place: the
 * application logic runs on narrow ports (MedicalDebitPort, PkiPort); this module builds them from the
 * runtime's context.
 */
import type { CardInterface, DfImage } from '../../runtime/types.js';

/** The members of the runtime's CardContext used by the SSSE/PKI adapters. */
export interface ContextLike {
  /** Persistent state of an application (draft: committed with a successful response). */
  appState<T>(appId: string): T;
  setAppState?<T>(appId: string, state: T): void;
  /** Per-session scratch space (cleared on reset). */
  session: Record<string, unknown>;
  activeInterface?: CardInterface;
  random: (n: number) => Uint8Array;
  clock: { now(): Date };
  /** The application's DF in the draft image. */
  currentDf?: DfImage;
  df?: DfImage;
  /** Whether a PIN (by id) is verified in the current session. */
  isPinVerified?(pinId: string): boolean;
  pinVerified?(pinId: string): boolean;
}

export function dfOf(ctx: ContextLike): DfImage | undefined {
  return ctx.currentDf ?? ctx.df;
}

export function pinVerified(ctx: ContextLike, pinId: string): boolean {
  if (typeof ctx.isPinVerified === 'function') return ctx.isPinVerified(pinId);
  if (typeof ctx.pinVerified === 'function') return ctx.pinVerified(pinId);
  return false;
}

export function saveAppState<T>(ctx: ContextLike, appId: string, state: T): void {
  if (typeof ctx.setAppState === 'function') {
    ctx.setAppState(appId, state);
    return;
  }
  const current = ctx.appState<Record<string, unknown>>(appId);
  for (const k of Object.keys(current)) delete current[k];
  Object.assign(current, state);
}
