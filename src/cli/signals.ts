/**
 * Stopping a long-running command (`sscard serve`, `sscard centre serve`): Ctrl-C (SIGINT) or SIGTERM
 * (POSIX.1-2017 <signal.h>), each ending the command cleanly rather than the process at once.
 */

/** Waits for SIGINT or SIGTERM once; returns the signal name. Both handlers are removed when one comes. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
