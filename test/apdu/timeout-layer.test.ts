// The timeout layer: a transport that never answers becomes a TransportError (a card that stops
// answering ends the kernel's flow instead of hanging it); an answer in time passes; a late answer is dropped.
import { describe, expect, it } from 'vitest';
import { timeoutLayer } from '../../src/apdu/layers/timeout.js';
import { TransportError, type Transport } from '../../src/apdu/transport.js';

/** A timer the test fires by hand. */
function manualTimer() {
  const pending = new Map<number, () => void>();
  let next = 1;
  return {
    set: (fn: () => void) => {
      pending.set(next, fn);
      return next++;
    },
    clear: (h: unknown) => void pending.delete(h as number),
    fire: () => [...pending.values()].forEach((fn) => fn()),
    get size() {
      return pending.size;
    },
  };
}

describe('timeoutLayer', () => {
  it('rejects with a TransportError when the inner transport never answers', async () => {
    const timer = manualTimer();
    const silent: Transport = { transmit: () => new Promise(() => undefined) };
    const t = timeoutLayer(1000, { timer, what: 'card' })(silent);
    const p = t.transmit(Uint8Array.of(0, 0xa4, 4, 0));
    timer.fire();
    await expect(p).rejects.toThrow(TransportError);
    await expect(p).rejects.toThrow('the card did not answer within 1000 ms');
  });

  it('passes an answer in time and clears its timer; passes the inner error through', async () => {
    const timer = manualTimer();
    const echo: Transport = { transmit: async () => Uint8Array.of(0x90, 0x00) };
    expect(await timeoutLayer(1000, { timer })(echo).transmit(Uint8Array.of(0, 0, 0, 0))).toEqual(Uint8Array.of(0x90, 0x00));
    expect(timer.size).toBe(0);
    const broken: Transport = { transmit: async () => Promise.reject(new TransportError('removed')) };
    await expect(timeoutLayer(1000, { timer })(broken).transmit(Uint8Array.of(0, 0, 0, 0))).rejects.toThrow('removed');
  });

  it('drops an answer that comes after the timeout', async () => {
    const timer = manualTimer();
    let answer!: (b: Uint8Array) => void;
    const late: Transport = { transmit: () => new Promise((r) => (answer = r)) };
    const p = timeoutLayer(10, { timer })(late).transmit(Uint8Array.of(0, 0, 0, 0));
    timer.fire();
    answer(Uint8Array.of(0x90, 0x00));
    await expect(p).rejects.toThrow(TransportError);
  });

  it('wants a positive time', () => {
    expect(() => timeoutLayer(0)).toThrow(RangeError);
  });
});
