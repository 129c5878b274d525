/**
 * The control interface (docs/control.md): route table dispatch, and the HTTP endpoint on TCP and on a
 * Unix socket inserting/removing a served card.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createControlServer,
  defaultRoutes,
  dispatchControl,
  parseControlAddress,
  type ControlRoute,
  type ControlServer,
} from '../../src/server/control.js';
import { CardSlot, VpcdClient } from '../../src/server/vpcd.js';
import { SimulatedTransport } from '../../src/card/simulated-transport.js';
import { silentLogger } from '../../src/log.js';
import { FakeCard } from './fake-vpcd.js';

function target(port: number) {
  const card = new FakeCard();
  const slot = new CardSlot(card, 'contact', new SimulatedTransport(card, { powerOn: false }));
  // Never started: only its state and slot are used.
  return new VpcdClient(slot, { port, log: silentLogger() });
}

const servers: ControlServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

function http(
  opts: { port?: number; socketPath?: string },
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', ...opts, method, path }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('control route table', () => {
  const targets = [
    { slotNumber: 0, ...bind(target(35963)) },
    { slotNumber: 1, ...bind(target(35964)) },
  ];
  function bind(c: VpcdClient) {
    return { state: () => c.state(), insert: () => c.slot.insert(), remove: () => c.slot.remove() };
  }

  it('lists the cards with reader names', async () => {
    const r = await dispatchControl(defaultRoutes, targets, 'GET', '/cards', undefined);
    expect(r.status).toBe(200);
    expect((r.body as any).cards.map((c: any) => c.reader)).toEqual(['Virtual PCD 00 00', 'Virtual PCD 00 01']);
  });

  it('removes and inserts by slot', async () => {
    let r = await dispatchControl(defaultRoutes, targets, 'POST', '/cards/1/remove', undefined);
    expect(r).toMatchObject({ status: 200, body: { slot: 1, inserted: false } });
    r = await dispatchControl(defaultRoutes, targets, 'GET', '/cards/0', undefined);
    expect(r).toMatchObject({ status: 200, body: { slot: 0, inserted: true } });
    r = await dispatchControl(defaultRoutes, targets, 'POST', '/cards/1/insert/', undefined);
    expect(r).toMatchObject({ status: 200, body: { slot: 1, inserted: true } });
  });

  it('answers 404 for an unknown slot or path and 405 for a wrong method', async () => {
    expect((await dispatchControl(defaultRoutes, targets, 'POST', '/cards/7/remove', undefined)).status).toBe(404);
    expect((await dispatchControl(defaultRoutes, targets, 'POST', '/cards/x/remove', undefined)).status).toBe(404);
    expect((await dispatchControl(defaultRoutes, targets, 'GET', '/nothing', undefined)).status).toBe(404);
    const r = await dispatchControl(defaultRoutes, targets, 'GET', '/cards/0/remove', undefined);
    expect(r).toMatchObject({ status: 405, body: { allow: ['POST'] } });
  });

  it('takes extra routes (how the QA tooling extends it)', async () => {
    const extra: ControlRoute = {
      method: 'POST',
      path: '/cards/:slot/faults',
      describe: 'test',
      handle: ({ target: t, body }) => ({ status: 202, body: { slot: t!.slotNumber, got: body } }),
    };
    const r = await dispatchControl([...defaultRoutes, extra], targets, 'POST', '/cards/0/faults', { mute: true });
    expect(r).toEqual({ status: 202, body: { slot: 0, got: { mute: true } } });
  });

  it('parses --control', () => {
    expect(parseControlAddress('8080')).toEqual({ port: 8080 });
    expect(parseControlAddress('/tmp/x.sock')).toEqual({ socket: '/tmp/x.sock' });
    expect(() => parseControlAddress('70000')).toThrow(RangeError);
  });
});

describe('control HTTP endpoint', () => {
  it('serves the routes on 127.0.0.1', async () => {
    const c = target(35964);
    const server = await createControlServer(
      [{ slotNumber: 1, state: () => c.state(), insert: () => c.slot.insert(), remove: () => c.slot.remove() }],
      { port: 0 },
      { log: silentLogger() },
    );
    servers.push(server);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await http({ port: server.port }, 'POST', '/cards/1/remove');
    expect(r).toMatchObject({ status: 200, json: { slot: 1, inserted: false } });
    expect(c.slot.inserted).toBe(false);
    const bad = await http({ port: server.port }, 'POST', '/cards/1/insert', '{not json');
    expect(bad.status).toBe(400);
    const list = await http({ port: server.port }, 'GET', '/cards');
    expect(list.json.cards[0]).toMatchObject({ slot: 1, reader: 'Virtual PCD 00 01', inserted: false });
  });

  it('serves on a Unix socket and removes the socket file when closed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sscard-control-'));
    const socketPath = join(dir, 'control.sock');
    const c = target(35963);
    const server = await createControlServer(
      [{ slotNumber: 0, state: () => c.state(), insert: () => c.slot.insert(), remove: () => c.slot.remove() }],
      { socket: socketPath },
      { log: silentLogger() },
    );
    expect(server.url).toBe(`unix:${socketPath}`);
    const r = await http({ socketPath }, 'POST', '/cards/0/remove');
    expect(r.json).toMatchObject({ slot: 0, inserted: false });
    await server.close();
    expect(existsSync(socketPath)).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });
});
