/**
 * What the card remembers between two APDUs of one power-on, and forgets on any reset (ISO/IEC 7816-4
 * §5.4: security status and current files are volatile).
 */
import type { CardInterface } from './types.js';
import type { NodePath } from '../fs/tree.js';

/** A security state obtained in a DF (valid while the current DF stays within it). */
export interface Grant {
  id: string;
  scope: NodePath;
}

export interface Session {
  iface: CardInterface;
  /** Current DF. */
  df: NodePath;
  /** Current EF (path), if any. */
  ef?: NodePath;
  /** Current record number in the current EF (for next/previous). */
  record?: number;
  verifiedPins: Grant[];
  authenticatedKeys: Grant[];
  /** Last GET CHALLENGE answer (consumed by EXTERNAL AUTHENTICATE, used by secure messaging). */
  challenge?: Uint8Array;
  /** T=0: response data waiting for GET RESPONSE. */
  pending?: Uint8Array;
  /** Scratch space of the applications (`ctx.session`), by their own keys. */
  apps: Record<string, unknown>;
}

/** A fresh session after a reset: the MF is current, nothing verified. */
export function newSession(iface: CardInterface): Session {
  return { iface, df: [], verifiedPins: [], authenticatedKeys: [], apps: {} };
}

/**
 * A copy of a session to go back to when a command keeps nothing (failed save, unexpected error).
 * Handlers replace session values rather than change them in place (paths, grant lists, byte arrays),
 * and applications assign the fields of their own session object (`ctx.session[id]`): copying the
 * session, its `apps` map and each application's object is enough to undo a command.
 */
export function snapshotSession(session: Session): Session {
  const apps: Record<string, unknown> = {};
  for (const id in session.apps) {
    const value = session.apps[id];
    apps[id] = typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...value } : value;
  }
  return {
    iface: session.iface,
    df: session.df,
    ef: session.ef,
    record: session.record,
    verifiedPins: session.verifiedPins,
    authenticatedKeys: session.authenticatedKeys,
    challenge: session.challenge,
    pending: session.pending,
    apps,
  };
}
