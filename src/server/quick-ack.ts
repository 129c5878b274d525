/**
 * TCP_QUICKACK for the vpcd link: without it every exchange through pcscd waits ~40 ms.
 *
 * vsmartcard's vpcd sends each message as two `send()` calls (the 2-byte length, then the payload) on a
 * socket with Nagle's algorithm on: the payload leaves only once the card side has acknowledged the
 * length, and Linux delays that acknowledgement (delayed ACK, up to ~40 ms; RFC 1122 §4.2.3.2,
 * RFC 9293 §3.8.6.3). `TCP_QUICKACK` (Linux `tcp(7)`) makes the card side acknowledge at once; it is not
 * sticky — the kernel may fall back to delayed ACKs after any read — so it is set again before every read
 * (in practice: on connect and in every 'data' handler). Measured on this project's machine
 * (../shared/spec/DOMAIN.md §6.2; BENCHMARKS.md "pcscd").
 *
 * Node's `net` has no TCP_QUICKACK; the `sockopt` package (an N-API `setsockopt(2)` binding with
 * prebuilt binaries, loaded through node-gyp-build) sets it on the socket's file descriptor. Where the
 * binding cannot be loaded, or on systems without TCP_QUICKACK, {@link QuickAck.available} is false and
 * {@link QuickAck.reason} says why: the card still works, only slowly.
 */
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

/** `IPPROTO_TCP` (<netinet/in.h>, RFC 1700 protocol number 6). */
export const IPPROTO_TCP = 6;
/** `TCP_QUICKACK` (Linux <netinet/tcp.h> / include/uapi/linux/tcp.h). */
export const TCP_QUICKACK = 12;

/** Sets TCP_QUICKACK on a socket, or says why it cannot. */
export interface QuickAck {
  readonly available: boolean;
  /** Why TCP_QUICKACK is not available (undefined when it is). */
  readonly reason: string | undefined;
  /**
   * Arms TCP_QUICKACK on a connected socket (a no-op when unavailable or when the socket has no file
   * descriptor any more). Returns an error message when setsockopt failed on this socket.
   */
  arm(socket: Socket): string | undefined;
}

/** A setsockopt(fd-bearing socket, level, option, value) function, as `sockopt` exports it. */
export type SetSockOpt = (socket: Socket, level: number, option: number, value: number) => void;

/** The socket's file descriptor, when libuv has one (Node keeps it on the TCP handle). */
function fdOf(socket: Socket): number | undefined {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

/** Builds a {@link QuickAck} over a setsockopt function (tests inject one). */
export function quickAckWith(setsockopt: SetSockOpt): QuickAck {
  return {
    available: true,
    reason: undefined,
    arm(socket: Socket): string | undefined {
      if (fdOf(socket) === undefined) return undefined; // closed, or not yet connected
      try {
        setsockopt(socket, IPPROTO_TCP, TCP_QUICKACK, 1);
        return undefined;
      } catch (err) {
        return `setsockopt(TCP_QUICKACK) failed: ${err instanceof Error ? err.message : String(err)}`;
      }
    },
  };
}

/** A {@link QuickAck} that does nothing and says why. */
export function quickAckUnavailable(reason: string): QuickAck {
  return { available: false, reason, arm: () => undefined };
}

/**
 * Loads the `sockopt` binding. `load` is the module loader (default: Node's `require`); a failure to
 * load becomes an unavailable {@link QuickAck} whose reason names the cause.
 */
export function loadQuickAck(load: (id: string) => unknown = createRequire(import.meta.url), platform: NodeJS.Platform = process.platform): QuickAck {
  if (platform !== 'linux') return quickAckUnavailable(`TCP_QUICKACK exists only on Linux (this is ${platform})`);
  let binding: unknown;
  try {
    binding = load('sockopt');
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    return quickAckUnavailable(`the setsockopt binding "sockopt" could not be loaded (${message}); reinstall it with \`npm install sockopt\``);
  }
  const setsockopt = (binding as { setsockopt?: unknown }).setsockopt;
  if (typeof setsockopt !== 'function') return quickAckUnavailable('the "sockopt" module has no setsockopt function');
  return quickAckWith(setsockopt as SetSockOpt);
}
