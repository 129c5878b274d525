/**
 * Injected sources of non-determinism. Nothing in sscard reads the clock or a random generator directly:
 * it receives these, so that tests and transcripts are repeatable.
 */
import { randomBytes } from 'node:crypto';

/** Returns `n` random bytes. */
export type RandomSource = (n: number) => Uint8Array;

/** A clock. */
export interface Clock {
  now(): Date;
}

/** Cryptographically secure randomness from the operating system. */
export const systemRandom: RandomSource = (n) => new Uint8Array(randomBytes(n));

/** The wall clock. */
export const systemClock: Clock = { now: () => new Date() };

/**
 * A deterministic random source for tests and reproducible demos (SplitMix32-style; NOT secure).
 * @param seed any 32-bit integer
 */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      out[i] = (z ^ (z >>> 16)) & 0xff;
    }
    return out;
  };
}

/** A clock fixed at one instant (tests). */
export function fixedClock(at: Date): Clock {
  return { now: () => new Date(at.getTime()) };
}
