/**
 * PC/SC transport against a fake `pcsclite` module that behaves like the binding (readers announced by
 * events after `start`, status events, callbacks with "SCardX error: text.(0x8010xxxx)" messages).
 * The real binding through pcscd is exercised in test/e2e.
 */
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';

const PRESENT = 0x20;
const EMPTY = 0x10;

interface FakeReaderSpec {
  name: string;
  present: boolean;
  atr?: number[];
  connectError?: string;
  transmit?: (data: Buffer) => Buffer | string | 'hang';
}

const world: { readers: FakeReaderSpec[]; establishError?: string; closed: number; connected: string[]; shareModes: number[] } = {
  readers: [],
  closed: 0,
  connected: [],
  shareModes: [],
};

class FakeReader extends EventEmitter {
  SCARD_SHARE_SHARED = 2;
  SCARD_SHARE_EXCLUSIVE = 1;
  SCARD_PROTOCOL_T0 = 1;
  SCARD_PROTOCOL_T1 = 2;
  SCARD_STATE_PRESENT = PRESENT;
  SCARD_LEAVE_CARD = 0;
  connected = false;
  constructor(readonly spec: FakeReaderSpec) {
    super();
  }
  get name() {
    return this.spec.name;
  }
  connect(opts: { share_mode: number; protocol: number }, cb: (err: unknown, p?: number) => void) {
    world.shareModes.push(opts.share_mode);
    setImmediate(() => {
      if (this.spec.connectError) return cb(new Error(this.spec.connectError));
      this.connected = true;
      world.connected.push(this.spec.name);
      cb(undefined, opts.protocol & this.SCARD_PROTOCOL_T1 ? this.SCARD_PROTOCOL_T1 : this.SCARD_PROTOCOL_T0);
    });
  }
  transmit(data: Buffer, _len: number, _p: number, cb: (err: unknown, r?: Buffer) => void) {
    const out = this.spec.transmit?.(data) ?? Buffer.from([0x90, 0x00]);
    if (out === 'hang') return;
    setImmediate(() => (typeof out === 'string' ? cb(new Error(out)) : cb(undefined, out)));
  }
  disconnect(_d: number, cb: (err: unknown) => void) {
    this.connected = false;
    setImmediate(() => cb(undefined));
  }
  close() {
    world.closed++;
  }
}

vi.mock('pcsclite', () => ({
  default: () => {
    if (world.establishError) throw new Error(world.establishError);
    const ctx = new EventEmitter() as EventEmitter & { start: (cb: (e: unknown, d: Buffer) => void) => void; close: () => void };
    ctx.start = (cb) => {
      setImmediate(() => {
        // The binding's JS emits one 'reader' per reader inside the start callback, then asks its status.
        for (const spec of world.readers) {
          const r = new FakeReader(spec);
          ctx.emit('reader', r);
          setImmediate(() => r.emit('status', { state: spec.present ? PRESENT : EMPTY, atr: spec.atr ? Buffer.from(spec.atr) : undefined }));
        }
        cb(undefined, Buffer.from(world.readers.map((r) => `${r.name}\0`).join('') + '\0'));
      });
    };
    ctx.close = () => {
      world.closed++;
    };
    process.nextTick(() => ctx.start(() => {}));
    return ctx;
  },
}));

const { listReaders, connectReader, pcscError } = await import('../../../src/terminal/transports/pcsc.js');
const { TransportError } = await import('../../../src/apdu/transport.js');

afterEach(() => {
  world.readers = [];
  world.establishError = undefined;
  world.closed = 0;
  world.connected = [];
  world.shareModes = [];
});

const VPCD = [
  { name: 'Virtual PCD 00 00', present: false },
  { name: 'Virtual PCD 00 01', present: true, atr: [0x3b, 0x02, 0x14, 0x50] },
];

describe('listReaders', () => {
  it('lists readers with presence and ATR, then releases the context', async () => {
    world.readers = VPCD;
    expect(await listReaders()).toEqual([
      { index: 0, name: 'Virtual PCD 00 00', cardPresent: false, atr: null },
      { index: 1, name: 'Virtual PCD 00 01', cardPresent: true, atr: '3B021450' },
    ]);
    expect(world.closed).toBe(3); // two readers and the context
  });

  it('answers an empty list without waiting for a timeout when there is no reader', async () => {
    expect(await listReaders({ timeoutMs: 60_000 })).toEqual([]);
  });

  it('says pcscd is not running when the context cannot be established', async () => {
    world.establishError = 'SCardEstablishContext error: Service not available.(0x8010001d)';
    await expect(listReaders()).rejects.toThrow(/pcscd is not running/);
  });
});

describe('connectReader / PcscTransport', () => {
  it('connects by index in shared mode and transmits', async () => {
    world.readers = [{ ...VPCD[1]!, transmit: (d) => Buffer.from([...d.subarray(0, 2), 0x90, 0x00]) }];
    const t = await connectReader(0);
    expect(world.shareModes).toEqual([2]);
    expect(t.reader).toBe('Virtual PCD 00 01');
    expect(t.protocol).toBe('T=1');
    expect([...t.atr]).toEqual([0x3b, 0x02, 0x14, 0x50]);
    expect([...(await t.transmit(Uint8Array.of(0x00, 0x84, 0x00, 0x00, 0x08)))]).toEqual([0x00, 0x84, 0x90, 0x00]);
    await t.close();
    await expect(t.transmit(Uint8Array.of(0, 0, 0, 0))).rejects.toThrow(/closed/);
  });

  it('selects by exact name or unique part of a name; lists readers when none matches', async () => {
    world.readers = VPCD.map((r) => ({ ...r, present: true }));
    const a = await connectReader('Virtual PCD 00 01');
    expect(a.reader).toBe('Virtual PCD 00 01');
    await a.close();
    const b = await connectReader('00 00');
    expect(b.reader).toBe('Virtual PCD 00 00');
    await b.close();
    await expect(connectReader('Virtual')).rejects.toThrow(/ambiguous/);
    await expect(connectReader('ACR122')).rejects.toThrow(/no reader named "ACR122"[\s\S]*1: Virtual PCD 00 01/);
    await expect(connectReader(5)).rejects.toThrow(/no reader with index 5/);
  });

  it('reports no reader and no card clearly', async () => {
    await expect(connectReader(0)).rejects.toThrow(/no smart-card reader/);
    world.readers = VPCD;
    await expect(connectReader(0)).rejects.toThrow(/no card in the reader/);
  });

  it('maps a sharing violation and a card removed mid-transaction to sentences', async () => {
    world.readers = [{ ...VPCD[1]!, connectError: 'SCardConnect error: Sharing violation.(0x8010000b)' }];
    await expect(connectReader(0)).rejects.toThrow(/another program holds the card in exclusive mode/);
    world.readers = [{ ...VPCD[1]!, transmit: () => 'SCardTransmit error: Card was removed.(0x80100069)' }];
    const t = await connectReader(0);
    const err = await t.transmit(Uint8Array.of(0x00, 0xb0, 0x00, 0x00, 0x00)).catch((e) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(err.message).toMatch(/the card was removed/);
    await t.close();
  });

  it('never hangs: a transmit with no answer times out with a TransportError', async () => {
    world.readers = [{ ...VPCD[1]!, transmit: () => 'hang' }];
    const t = await connectReader(0, { timeoutMs: 200 });
    await expect(t.transmit(Uint8Array.of(0x00, 0x84, 0x00, 0x00, 0x08))).rejects.toThrow(/no answer from pcscd within 200 ms/);
    await t.close();
  });

  it('a response without a status word is a transport error', async () => {
    world.readers = [{ ...VPCD[1]!, transmit: () => Buffer.from([0x90]) }];
    const t = await connectReader(0);
    await expect(t.transmit(Uint8Array.of(0x00, 0x84, 0x00, 0x00, 0x08))).rejects.toThrow(/no status word/);
    await t.close();
  });
});

describe('pcscError', () => {
  it('keeps unknown messages and codes readable', () => {
    expect(pcscError('x', new Error('weird')).message).toBe('x: weird');
    expect(pcscError('x', new Error('SCardConnect error: Unknown.(0x80100099)')).message).toBe('x: SCardConnect error: Unknown.(0x80100099)');
    expect(pcscError('x', new Error('E.(0x8010000c)')).message).toBe('x: no card in the reader [0x8010000C]');
  });
});
