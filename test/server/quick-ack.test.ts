/**
 * TCP_QUICKACK on the vpcd link (src/server/quick-ack.ts): the binding loads here and really sets the
 * option (read back with getsockopt on a real socket: Linux tcp(7) reports the quick-ack mode), the
 * client arms it on connect and before every read, and where it cannot load the card is still served and
 * `sscard serve` says once why it is slow. Constants from Linux <netinet/in.h> / <netinet/tcp.h>.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { connect, createServer, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { IPPROTO_TCP, TCP_QUICKACK, loadQuickAck, quickAckUnavailable, quickAckWith, type QuickAck } from '../../src/server/quick-ack.js';
import { CardSlot, VpcdClient } from '../../src/server/vpcd.js';
import { SimulatedTransport } from '../../src/card/simulated-transport.js';
import { silentLogger } from '../../src/log.js';
import { startServing } from '../../src/cli/commands/serve.js';
import { sscard } from '../e2e/helpers.js';
import { FakeCard, FakeVpcd } from './fake-vpcd.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function connectedPair(): Promise<Socket> {
  const server = createServer(() => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const socket = connect((server.address() as { port: number }).port, '127.0.0.1');
  await new Promise<void>((r) => socket.once('connect', () => r()));
  cleanups.push(() => {
    socket.destroy();
    server.close();
  });
  return socket;
}

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('TCP_QUICKACK binding', () => {
  it('uses the Linux option numbers', () => {
    expect(IPPROTO_TCP).toBe(6);
    expect(TCP_QUICKACK).toBe(12);
  });

  it.runIf(process.platform === 'linux')('loads the sockopt binding and sets TCP_QUICKACK on a real socket', async () => {
    const quickAck = loadQuickAck();
    expect(quickAck.reason).toBeUndefined();
    expect(quickAck.available).toBe(true);
    const socket = await connectedPair();
    const { getsockopt } = createRequire(import.meta.url)('sockopt') as { getsockopt: (s: Socket, l: number, o: number) => number };
    expect(quickAck.arm(socket)).toBeUndefined();
    expect(getsockopt(socket, IPPROTO_TCP, TCP_QUICKACK)).not.toBe(0);
  });

  it('an unloadable binding gives a reason that names it, and arming does nothing', async () => {
    const q = loadQuickAck(() => {
      throw new Error("Cannot find module 'sockopt'\nRequire stack: …");
    });
    expect(q.available).toBe(false);
    expect(q.reason).toMatch(/"sockopt" could not be loaded \(Cannot find module 'sockopt'\)/);
    expect(q.arm(await connectedPair())).toBeUndefined();
    expect(loadQuickAck(() => ({}), 'linux').reason).toMatch(/no setsockopt/);
    expect(loadQuickAck(undefined, 'darwin').reason).toMatch(/only on Linux/);
  });

  it('a failing setsockopt is reported, not thrown; a socket without descriptor is skipped', async () => {
    const q = quickAckWith(() => {
      throw new Error('EBADF');
    });
    expect(q.arm(await connectedPair())).toMatch(/setsockopt\(TCP_QUICKACK\) failed: EBADF/);
    const closed = await connectedPair();
    closed.destroy();
    await new Promise((r) => setImmediate(r));
    expect(q.arm(closed)).toBeUndefined();
  });
});

describe('VpcdClient and TCP_QUICKACK', () => {
  it('arms it on connect and again in every data handler (before the next read)', async () => {
    const calls: Array<[number, number, number]> = [];
    const quickAck = quickAckWith((_s, level, option, value) => void calls.push([level, option, value]));
    const vpcd = new FakeVpcd();
    const port = await vpcd.listen();
    const card = new FakeCard();
    const client = new VpcdClient(new CardSlot(card, 'contact', new SimulatedTransport(card, { powerOn: false })), { port, log: silentLogger(), quickAck });
    cleanups.push(async () => {
      await client.stop();
      await vpcd.close();
    });
    client.start();
    await vpcd.accepted();
    await waitFor(() => calls.length >= 1, 'the arm on connect');
    expect(calls[0]).toEqual([6, 12, 1]);
    for (let i = 0; i < 5; i++) {
      vpcd.send([0x04]); // one read each: the answer comes only after the data handler ran
      expect(await vpcd.receive()).toEqual([0x3b, 0x02, 0x14, 0x50]);
    }
    expect(calls.length).toBeGreaterThanOrEqual(6);
    expect(calls.every((c) => c.join() === '6,12,1')).toBe(true);
  });

  it('serves without it (slowly) when it is unavailable', async () => {
    const vpcd = new FakeVpcd();
    const port = await vpcd.listen();
    const card = new FakeCard();
    const client = new VpcdClient(new CardSlot(card, 'contact', new SimulatedTransport(card, { powerOn: false })), {
      port,
      log: silentLogger(),
      quickAck: quickAckUnavailable('test'),
    });
    cleanups.push(async () => {
      await client.stop();
      await vpcd.close();
    });
    client.start();
    await vpcd.accepted();
    expect(client.quickAck).toBe(false);
    vpcd.send([0x01]);
    vpcd.send([0x00, 0x02, 0x00, 0x00, 0x00]);
    expect(await vpcd.receive()).toEqual([0x00, 0x90, 0x00]);
  });
});

describe('sscard serve without TCP_QUICKACK', () => {
  it('serves every card and says once, as a warning, why exchanges are slow', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sscard-quickack-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const files = [join(dir, 'a.json'), join(dir, 'b.json')];
    for (const f of files) {
      const made = await sscard(['card', 'new', '--profile', 'shanghai', '--seed', '1', '--out', f]);
      expect(made.code, made.stderr).toBe(0);
    }
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(...String(chunk).trim().split('\n'));
        done();
      },
    });
    const log = pino({ level: 'info' }, sink);
    const unavailable: QuickAck = quickAckUnavailable('the setsockopt binding "sockopt" could not be loaded (test)');
    const running = await startServing({ card: files, host: '127.0.0.1', port: '1', interface: 'contact' }, log, { quickAck: unavailable });
    cleanups.push(() => running.stop());
    expect(running.served).toHaveLength(2);
    const warnings = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => /TCP_QUICKACK/.test(l.msg));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.level).toBe(40); // pino "warn"
    expect(warnings[0]!.msg).toMatch(/could not be loaded \(test\).*about 40 ms/);
  });
});
