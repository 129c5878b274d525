/**
 * The vpcd client under a hostile or broken peer (docs/robustness.md, "vpcd and pcscd"): garbage
 * streams, oversized and maximum lengths, a peer that floods without reading, and abrupt disconnects
 * (FIN and RST, mid-frame and mid-command). Whatever happens the client never throws, keeps its memory
 * bounded, reconnects, and the card behind it keeps its state and answers correctly afterwards.
 *
 * The peer is a fake vpcd (vpcd.c framing written in the test, fake-vpcd.ts) or a raw TCP server; the
 * expected answers come from DOMAIN.md §1.1-1.3 (SSSE FCI, EF06 record 08) and the holder fixture.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CardSlot, VpcdClient } from '../../src/server/vpcd.js';
import { SimulatedTransport } from '../../src/card/simulated-transport.js';
import { openCardForCli } from '../../src/cli/transport-options.js';
import { silentLogger } from '../../src/log.js';
import type { SimulatedCard } from '../../src/card/runtime/types.js';
import { REPO, sscard } from '../e2e/helpers.js';
import { FakeCard, FakeVpcd } from './fake-vpcd.js';

const SELECT_SSSE = [0x00, 0xa4, 0x04, 0x00, 0x0f, ...Buffer.from('7378312E73682EC9E7BBE1B1A3D5CF', 'hex')];
const SELECT_EF06 = [0x00, 0xa4, 0x02, 0x00, 0x02, 0xef, 0x06];
const READ_ID = [0x00, 0xb2, 0x08, 0x00, 0x14]; // READ RECORD, first record with tag 08 (DOMAIN.md §1.2)
const holder = JSON.parse(readFileSync(join(REPO, 'fixtures/holders/shanghai-li.json'), 'utf8')) as { idNumber: string };
const ID_RECORD = [0x08, 0x12, ...Buffer.from(holder.idNumber, 'ascii'), 0x90, 0x00];

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function serve(card: SimulatedCard, port: number, transmit?: (c: Uint8Array) => Promise<Uint8Array>) {
  const slot = new CardSlot(card, 'contact', transmit ? { transmit } : new SimulatedTransport(card, { interface: 'contact', powerOn: false }));
  const client = new VpcdClient(slot, { port, log: silentLogger(), minBackoffMs: 5, maxBackoffMs: 50 });
  client.start();
  cleanups.push(() => client.stop());
  return client;
}

/** The probe after an ordeal: power up, ATR, SSSE select, the ID record — on a fresh connection. */
async function probe(vpcd: FakeVpcd, atr: number[]): Promise<void> {
  vpcd.send([0x01]);
  vpcd.send([0x04]);
  expect(await vpcd.receive()).toEqual(atr);
  vpcd.send(SELECT_SSSE);
  expect((await vpcd.receive())!.slice(-2)).toEqual([0x90, 0x00]);
  vpcd.send(SELECT_EF06);
  expect(await vpcd.receive()).toEqual([0x90, 0x00]);
  vpcd.send(READ_ID);
  expect(await vpcd.receive()).toEqual(ID_RECORD);
}

describe('a real card behind a vpcd peer that sends garbage', () => {
  let dir: string;
  let file: string;
  let opened: Awaited<ReturnType<typeof openCardForCli>>;
  let atr: number[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sscard-vpcd-garbage-'));
    file = join(dir, 'card.json');
    const made = await sscard(['card', 'new', '--profile', 'shanghai', '--holder', 'fixtures/holders/shanghai-li.json', '--seed', '7', '--out', file]);
    expect(made.code, made.stderr).toBe(0);
    atr = [...Buffer.from((JSON.parse(readFileSync(file, 'utf8')) as { atr: { contact: string } }).atr.contact, 'hex')];
    opened = await openCardForCli(file, silentLogger());
  });
  afterAll(async () => {
    await opened?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('survives random byte streams, cut anywhere, and answers correctly on the next connection', async () => {
    const vpcd = new FakeVpcd();
    const port = await vpcd.listen();
    cleanups.push(() => vpcd.close());
    const client = serve(opened.card, port);
    // Garbage: random bytes (random lengths, oversized headers up to FFFF, control codes, APDUs), mixed
    // with well-formed frames of random payloads, delivered in random pieces.
    const frame = fc.uint8Array({ maxLength: 64 }).map((p) => [p.length >> 8, p.length & 0xff, ...p]);
    const junk = fc.uint8Array({ minLength: 1, maxLength: 200 }).map((b) => [...b]);
    const stream = fc.array(fc.oneof(frame, junk), { minLength: 1, maxLength: 12 }).map((parts) => parts.flat());
    await fc.assert(
      fc.asyncProperty(stream, fc.array(fc.nat({ max: 2000 }), { maxLength: 8 }), async (bytes, cuts) => {
        await vpcd.accepted();
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        let prev = 0;
        for (const p of [...points, bytes.length]) {
          if (p > prev) vpcd.sendRaw(bytes.slice(prev, p));
          prev = p;
          await new Promise((r) => setImmediate(r));
        }
        const before = client.connections;
        vpcd.dropConnection(); // a partial frame may be pending: the next connection starts clean
        await waitFor(() => client.connections > before && client.connected, 'the client to reconnect');
        await vpcd.accepted();
        await probe(vpcd, atr);
        vpcd.dropConnection();
      }),
      { numRuns: 40 },
    );
    await client.stop();
    // The image on disk is still a valid card with the same holder (validation runs on open; the
    // card file is locked while open, so the first opener lets go first and the next tests use the new one).
    await opened.close();
    opened = await openCardForCli(file, silentLogger());
    const t = new SimulatedTransport(opened.card, { interface: 'contact' });
    expect([...(await t.transmit(Uint8Array.from(SELECT_SSSE)))].slice(-2)).toEqual([0x90, 0x00]);
    await t.transmit(Uint8Array.from(SELECT_EF06));
    expect([...(await t.transmit(Uint8Array.from(READ_ID)))]).toEqual(ID_RECORD);
    await t.close();
  });

  it('answers a maximum-size frame (65535 bytes) with a status word and goes on', async () => {
    const vpcd = new FakeVpcd();
    const port = await vpcd.listen();
    cleanups.push(() => vpcd.close());
    serve(opened.card, port);
    await vpcd.accepted();
    const big = new Array<number>(0xffff).fill(0x41);
    big.splice(0, 4, 0x00, 0xd6, 0x00, 0x00); // UPDATE BINARY, Lc = 0x41: the length does not match
    vpcd.send(big);
    const answer = await vpcd.receive();
    expect(answer).toHaveLength(2); // a status word, nothing else
    expect(answer![0]).toBeGreaterThanOrEqual(0x62); // an error SW (ISO/IEC 7816-4 §5.6), not 9000
    await probe(vpcd, atr);
  });

  it('waits for the rest of an announced length, however slowly it comes, and never answers early', async () => {
    const vpcd = new FakeVpcd();
    const port = await vpcd.listen();
    cleanups.push(() => vpcd.close());
    serve(opened.card, port);
    await vpcd.accepted();
    const apdu = [0x00, 0xb2, 0x08, 0x00, 0x14];
    const bytes = [0x00, apdu.length, ...apdu];
    vpcd.send([0x01]);
    vpcd.send(SELECT_SSSE);
    await vpcd.receive();
    vpcd.send(SELECT_EF06);
    await vpcd.receive();
    for (const b of bytes.slice(0, -1)) {
      vpcd.sendRaw([b]); // one byte per segment
      await new Promise((r) => setTimeout(r, 2));
    }
    await new Promise((r) => setTimeout(r, 20));
    expect(vpcd.unread).toBe(0); // nothing answered before the last byte
    vpcd.sendRaw(bytes.slice(-1));
    expect(await vpcd.receive()).toEqual(ID_RECORD);
  });
});

/** A raw TCP peer: the test decides when it reads. */
async function rawPeer(): Promise<{ server: Server; port: number; next(): Promise<Socket> }> {
  const sockets: Socket[] = [];
  const waiters: Array<(s: Socket) => void> = [];
  const server = createServer((s) => {
    s.on('error', () => {});
    const w = waiters.shift();
    if (w) w(s);
    else sockets.push(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return {
    server,
    port: (server.address() as { port: number }).port,
    next: () => (sockets.length ? Promise.resolve(sockets.shift()!) : new Promise((r) => waiters.push(r))),
  };
}

function frames(payload: number[], count: number): Buffer {
  const one = Buffer.from([payload.length >> 8, payload.length & 0xff, ...payload]);
  return Buffer.concat(Array.from({ length: count }, () => one));
}

describe('a vpcd peer that floods or disconnects', () => {
  it('stops reading while a flooding peer does not read its answers, and then answers every frame in order', async () => {
    const peer = await rawPeer();
    const card = new FakeCard();
    card.powerOn('contact');
    let handled = 0;
    // Every command is answered with itself and 9000: 8 KiB answers fill the socket buffers quickly.
    serve(card, peer.port, async (c) => {
      handled++;
      const answer = new Uint8Array(c.length + 2);
      answer.set(c);
      answer.set([0x90, 0x00], c.length);
      return answer;
    });
    const socket = await peer.next();
    socket.pause(); // the peer does not read
    const total = 4000;
    const command = [0x00, 0x03, 0x00, 0x00, ...new Array<number>(8192).fill(0x5a)];
    socket.write(frames(command, total)); // 32 MiB of answers if all were produced
    // Wait until the client stops making progress: with back-pressure it stops long before the end.
    let last = -1;
    let stable = 0;
    await waitFor(() => {
      stable = handled === last ? stable + 1 : 0;
      last = handled;
      return stable > 40 || handled === total;
    }, 'the client to stop reading', 30_000);
    expect(handled).toBeLessThan(total);
    // Now the peer reads: every frame is answered, in order, exactly once.
    const answerLength = 2 + command.length + 2;
    let received = 0;
    let checked = 0;
    let pending = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      received += d.length;
      pending = Buffer.concat([pending, d]);
      while (pending.length >= answerLength) {
        const a = pending.subarray(0, answerLength);
        if (a.readUInt16BE(0) !== command.length + 2 || a[3] !== 0x03 || a[answerLength - 2] !== 0x90) throw new Error(`answer ${checked} is wrong`);
        checked++;
        pending = pending.subarray(answerLength);
      }
    });
    socket.resume();
    await waitFor(() => received >= total * answerLength, 'all answers', 60_000);
    expect(received).toBe(total * answerLength);
    expect(checked).toBe(total);
    expect(handled).toBe(total);
  });

  it('a reset (RST) in the middle of a frame: reconnects and decodes the next connection from scratch', async () => {
    const peer = await rawPeer();
    const card = new FakeCard();
    const client = serve(card, peer.port);
    const first = await peer.next();
    first.write(Buffer.from([0x00, 0x10, 0x00, 0xa4])); // 16 bytes announced, 2 sent
    await new Promise((r) => setTimeout(r, 20));
    first.resetAndDestroy();
    const second = await peer.next();
    await waitFor(() => client.connections >= 2, 'the second connection');
    let got = Buffer.alloc(0);
    second.on('data', (d) => (got = Buffer.concat([got, d])));
    second.write(Buffer.from([0x00, 0x01, 0x04])); // get ATR
    await waitFor(() => got.length >= 6, 'the ATR');
    expect([...got]).toEqual([0x00, 0x04, 0x3b, 0x02, 0x14, 0x50]);
  });

  it('a peer gone while the card is working: the answer is dropped, the command counted once, the link comes back', async () => {
    const peer = await rawPeer();
    const card = new FakeCard();
    card.powerOn('contact');
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    let calls = 0;
    const client = serve(card, peer.port, async (c) => {
      calls++;
      if (calls === 1) await gate; // the first command takes long: the peer leaves meanwhile
      return card.transmit(c);
    });
    const first = await peer.next();
    first.write(frames([0x00, 0x01, 0x00, 0x00], 1)); // counter++
    await waitFor(() => calls === 1, 'the command to reach the card');
    first.resetAndDestroy();
    await waitFor(() => !client.connected, 'the client to notice');
    release();
    const second = await peer.next();
    let got = Buffer.alloc(0);
    second.on('data', (d) => (got = Buffer.concat([got, d])));
    second.write(frames([0x00, 0x02, 0x00, 0x00, 0x00], 1)); // read counter
    await waitFor(() => got.length >= 5, 'the counter');
    expect([...got]).toEqual([0x00, 0x03, 0x01, 0x90, 0x00]); // the first command ran exactly once
    expect(card.counter).toBe(1);
  });

  it('a peer that closes while a large answer is being written: no crash, next connection fine', async () => {
    const peer = await rawPeer();
    const card = new FakeCard();
    card.powerOn('contact');
    const client = serve(card, peer.port, async () => {
      const big = new Uint8Array(0xfff0).fill(0x77);
      big[big.length - 2] = 0x90;
      big[big.length - 1] = 0x00;
      return big;
    });
    const first = await peer.next();
    first.pause();
    first.write(frames([0x00, 0xb0, 0x00, 0x00, 0x00], 50));
    await new Promise((r) => setTimeout(r, 50));
    first.destroy();
    const second = await peer.next();
    await waitFor(() => client.connections >= 2, 'the second connection');
    let got = Buffer.alloc(0);
    second.on('data', (d) => (got = Buffer.concat([got, d])));
    second.write(Buffer.from([0x00, 0x01, 0x04]));
    await waitFor(() => got.length >= 6, 'the ATR');
    expect([...got.subarray(0, 6)]).toEqual([0x00, 0x04, 0x3b, 0x02, 0x14, 0x50]);
  });
});
