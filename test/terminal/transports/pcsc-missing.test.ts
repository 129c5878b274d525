/**
 * Without the native binding, PC/SC operations fail with a message that says what to install, and the
 * module itself still loads (the rest of sscard works).
 */
import { describe, expect, it, vi } from 'vitest';

vi.mock('pcsclite', () => {
  throw new Error('libpcsclite.so.1: cannot open shared object file: No such file or directory');
});

describe('pcsclite absent', () => {
  it('gives a TransportError naming what to install', async () => {
    const { listReaders } = await import('../../../src/terminal/transports/pcsc.js');
    const { TransportError } = await import('../../../src/apdu/transport.js');
    const err = await listReaders().catch((e) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(err.message).toMatch(/libpcsclite-dev/);
    expect(err.message).toMatch(/pcscd/);
  });
});
