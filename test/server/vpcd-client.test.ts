/**
 * The vpcd client against a fake vpcd (a TCP server in the test speaking vpcd.c's protocol): power on,
 * get ATR, APDUs, reset, malformed frames, reconnection after vpcd restarts, and card removal.
 * Expected bytes come from vpcd.h (control codes) and the fake card's documented behaviour.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CardSlot, VpcdClient, vpcdReaderName } from '../../src/server/vpcd.js';
import { SimulatedTransport } from '../../src/card/simulated-transport.js';
import { silentLogger } from '../../src/log.js';
import { FakeCard, FakeVpcd } from './fake-vpcd.js';

const CONTACT_ATR = [0x3b, 0x02, 0x14, 0x50];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Polls a condition (no timing assertion: only waits for an event that must happen). */
async function waitFor(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function setup(iface: 'contact' | 'contactless' = 'contact') {
  const vpcd = new FakeVpcd();
  const port = await vpcd.listen();
  const card = new FakeCard();
  const slot = new CardSlot(card, iface, new SimulatedTransport(card, { interface: iface, powerOn: false }));
  const client = new VpcdClient(slot, { port, log: silentLogger(), minBackoffMs: 20, maxBackoffMs: 200 });
  cleanups.push(async () => {
    await client.stop();
    await vpcd.close();
  });
  client.start();
  await vpcd.accepted();
  await waitFor(() => client.connected, 'the client to connect');
  return { vpcd, card, slot, client, port };
}

describe('VpcdClient', () => {
  it('answers get ATR (control 4) with the ATR and APDUs with the card response', async () => {
    const { vpcd, card } = await setup();
    vpcd.send([0x01]); // power on: not answered
    vpcd.send([0x04]); // get ATR
    expect(await vpcd.receive()).toEqual(CONTACT_ATR);
    expect(card.powered).toBe(true);
    vpcd.send([0x00, 0xa4, 0x04, 0x00, 0x02, 0x3f, 0x00]);
    expect(await vpcd.receive()).toEqual([0x00, 0xa4, 0x04, 0x00, 0x02, 0x3f, 0x00, 0x90, 0x00]);
    vpcd.send([0x00]); // power off: not answered
    vpcd.send([0x04]);
    expect(await vpcd.receive()).toEqual(CONTACT_ATR);
  });

  it('answers with the contactless pseudo-ATR when serving the contactless interface', async () => {
    const { vpcd, card } = await setup('contactless');
    vpcd.send([0x04]);
    expect(await vpcd.receive()).toEqual([0x3b, 0x80, 0x80, 0x01, 0x01]);
    expect(card.activeInterface).toBe('contactless');
  });

  it('get ATR while powered does not reset the session; control 2 does', async () => {
    const { vpcd, card } = await setup();
    vpcd.send([0x01]);
    vpcd.send([0x04]);
    await vpcd.receive();
    const resets = card.resets;
    vpcd.send([0x04]);
    expect(await vpcd.receive()).toEqual(CONTACT_ATR);
    expect(card.resets).toBe(resets);
    vpcd.send([0x02]); // reset
    vpcd.send([0x04]);
    await vpcd.receive();
    expect(card.resets).toBe(resets + 1);
  });

  it('accumulates a frame delivered in pieces and several frames in one read', async () => {
    const { vpcd } = await setup();
    vpcd.sendRaw([0x00]);
    await new Promise((r) => setTimeout(r, 30));
    vpcd.sendRaw([0x05, 0x00, 0xb0]);
    await new Promise((r) => setTimeout(r, 30));
    vpcd.sendRaw([0x85, 0x00, 0x04, /* next frame: */ 0x00, 0x01, 0x04]);
    expect(await vpcd.receive()).toEqual([0x00, 0xb0, 0x85, 0x00, 0x04, 0x90, 0x00]);
    expect(await vpcd.receive()).toEqual(CONTACT_ATR);
  });

  it('ignores a zero-length frame and an unknown control code without answering or crashing', async () => {
    const { vpcd, client } = await setup();
    vpcd.send([]); // zero length
    vpcd.send([0x03]); // unknown control code
    vpcd.send([0xff]);
    vpcd.send([0x04]);
    // The first answer is the ATR: nothing was sent for the malformed frames.
    expect(await vpcd.receive()).toEqual(CONTACT_ATR);
    expect(vpcd.unread).toBe(0);
    expect(client.connected).toBe(true);
  });

  it('reconnects after vpcd restarts and keeps the card state', async () => {
    const { vpcd, card, client, port } = await setup();
    vpcd.send([0x01]);
    vpcd.send([0x80, 0x01, 0x00, 0x00]); // counter++
    expect(await vpcd.receive()).toEqual([0x90, 0x00]);
    await vpcd.close(); // pcscd/vpcd goes away
    const restarted = new FakeVpcd();
    // Let the client fail a few times against the closed port (back-off) before vpcd comes back.
    await new Promise((r) => setTimeout(r, 150));
    await restarted.listen(port);
    cleanups.push(() => restarted.close());
    await restarted.accepted();
    await waitFor(() => client.connected, 'the client to reconnect');
    expect(client.connections).toBeGreaterThanOrEqual(2);
    restarted.send([0x01]);
    restarted.send([0x80, 0x02, 0x00, 0x00, 0x00]); // read counter
    expect(await restarted.receive()).toEqual([0x01, 0x90, 0x00]);
    expect(card.counter).toBe(1);
  });

  it('a removed card answers get ATR with an empty frame and ends the link; after insertion the ATR is back', async () => {
    const { vpcd, slot, client, card } = await setup();
    vpcd.send([0x01]);
    vpcd.send([0x04]);
    expect(await vpcd.receive()).toEqual(CONTACT_ATR);
    slot.remove();
    expect(card.powered).toBe(false);
    expect(client.state()).toMatchObject({ inserted: false, atr: null });
    vpcd.send([0x04]);
    expect(await vpcd.receive()).toEqual([]); // length 0: vpcd reports "no card"
    // ...and the card ends the connection so that vpcd's recv(…, 0, MSG_WAITALL) returns (EOF).
    expect(await vpcd.receive()).toBeNull();
    const before = client.connections;
    await vpcd.accepted(); // the client comes back for the next presence poll
    await waitFor(() => client.connections > before, 'the client to reconnect');
    vpcd.send([0x01]); // power on a removed card: still no card
    vpcd.send([0x04]);
    expect(await vpcd.receive()).toEqual([]);
    expect(await vpcd.receive()).toBeNull();
    const again = client.connections;
    slot.insert();
    await waitFor(() => client.connections > again && client.connected, 'the client to reconnect');
    await vpcd.accepted();
    vpcd.send([0x04]);
    expect(await vpcd.receive()).toEqual(CONTACT_ATR);
  });

  it('an APDU for a removed card closes the link rather than inventing an answer', async () => {
    const { vpcd, slot } = await setup();
    slot.remove();
    vpcd.send([0x00, 0x84, 0x00, 0x00, 0x08]);
    expect(await vpcd.receive()).toBeNull();
  });

  it('a dropped link (the card answered nothing) makes the next two presence polls "no card", then the card is back unpowered', async () => {
    // pcscd's reader thread only changes a reader's state when a presence poll differs from the previous
    // one (pcsc-lite eventhandler.c); a client's reset that found the card gone has already marked the
    // reader empty (winscard.c SCardDisconnect). A card back at the very next poll would leave it empty.
    const { vpcd, slot, client, card } = await setup();
    let drops = 1;
    slot.faults = { apdu: async (command, transmit) => (drops-- > 0 ? 'drop' : transmit(command)) };
    vpcd.send([0x01]);
    vpcd.send([0x00, 0x20, 0x00, 0x00, 0x03, 0x12, 0x34, 0x56]);
    expect(await vpcd.receive()).toBeNull(); // the link is dropped: vpcd ejects the card
    expect(card.powered).toBe(false);
    expect(client.state()).toMatchObject({ inserted: true, powered: false, atr: null });
    for (const poll of [1, 2]) {
      const before = client.connections;
      await vpcd.accepted();
      await waitFor(() => client.connections > before && client.connected, `the client to reconnect before poll ${poll}`);
      vpcd.send([0x01]); // power on while absent: still no card
      vpcd.send([0x04]);
      expect(await vpcd.receive()).toEqual([]);
      expect(await vpcd.receive()).toBeNull();
      expect(card.powered).toBe(false);
    }
    const before = client.connections;
    await vpcd.accepted();
    await waitFor(() => client.connections > before && client.connected, 'the client to reconnect after the absence');
    vpcd.send([0x04]);
    expect(await vpcd.receive()).toEqual(CONTACT_ATR);
    vpcd.send([0x00, 0xa4, 0x04, 0x00, 0x02, 0x3f, 0x00]);
    expect(await vpcd.receive()).toEqual([0x00, 0xa4, 0x04, 0x00, 0x02, 0x3f, 0x00, 0x90, 0x00]);
  });

  it('reports its state with the vpcd reader name', async () => {
    const { client, port } = await setup();
    expect(client.state()).toMatchObject({ port, host: '127.0.0.1', inserted: true, connected: true, interface: 'contact' });
    expect(vpcdReaderName(0)).toBe('Virtual PCD 00 00');
    expect(vpcdReaderName(1)).toBe('Virtual PCD 00 01');
  });

  it('stop() closes the connection and does not reconnect', async () => {
    const { vpcd, client } = await setup();
    await client.stop();
    expect(await vpcd.receive()).toBeNull();
    await new Promise((r) => setTimeout(r, 100));
    expect(client.connected).toBe(false);
    expect(client.connections).toBe(1);
  });
});

describe('VpcdClient with a failing card', () => {
  it('answers get ATR with "no card" and an APDU with 6F00 when the card throws', async () => {
    const vpcd = new FakeVpcd();
    const port = await vpcd.listen();
    const card = new FakeCard();
    card.powerOn = () => {
      throw new Error('this card has no contactless interface');
    };
    card.transmit = () => {
      throw new Error('store failed');
    };
    const slot = new CardSlot(card, 'contactless', { transmit: async (c) => card.transmit(c) });
    const client = new VpcdClient(slot, { port, log: silentLogger(), minBackoffMs: 20, maxBackoffMs: 200 });
    cleanups.push(async () => {
      await client.stop();
      await vpcd.close();
    });
    client.start();
    await vpcd.accepted();
    await waitFor(() => client.connected, 'connection');
    vpcd.send([0x04]);
    expect(await vpcd.receive()).toEqual([]);
    expect(await vpcd.receive()).toBeNull();
    await waitFor(() => client.connections >= 2 && client.connected, 'reconnection');
    await vpcd.accepted();
    Object.defineProperty(card, 'powered', { get: () => true });
    vpcd.send([0x00, 0xb0, 0x00, 0x00, 0x00]);
    expect(await vpcd.receive()).toEqual([0x6f, 0x00]);
  });
});

describe('VpcdClient with an oversized response', () => {
  it('answers 6F00 instead of a frame whose length does not fit in 2 bytes, and keeps serving', async () => {
    const vpcd = new FakeVpcd();
    const port = await vpcd.listen();
    const card = new FakeCard();
    card.powerOn('contact');
    const slot = new CardSlot(card, 'contact', { transmit: async () => new Uint8Array(0x10002) });
    const client = new VpcdClient(slot, { port, log: silentLogger() });
    cleanups.push(async () => {
      await client.stop();
      await vpcd.close();
    });
    client.start();
    await vpcd.accepted();
    vpcd.send([0x00, 0xb0, 0x00, 0x00, 0x00]);
    expect(await vpcd.receive()).toEqual([0x6f, 0x00]);
    vpcd.send([0x04]);
    expect(await vpcd.receive()).toEqual(CONTACT_ATR);
  });
});
