/**
 * The private pcscd of the tests (test/e2e/private-pcscd.ts, docs/pcsc.md "Tests"): two of them at once
 * with different slot counts, each listing exactly its own readers to an independent PC/SC client
 * (OpenSC's opensc-tool; `sscard readers` where OpenSC is not installed), a card connected to
 * `port(i)` showing up in `readerName(i)` and nowhere else, restart on the same ports, and nothing left
 * behind by stop(). Skipped, with a note, where no private pcscd can run.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { CardSlot, VpcdClient } from '../../src/server/vpcd.js';
import { SimulatedTransport } from '../../src/card/simulated-transport.js';
import { silentLogger } from '../../src/log.js';
import { FakeCard } from '../server/fake-vpcd.js';
import { eventually, run, sscard } from './helpers.js';
import { listeningPorts, onPath, probePcscd, startPrivatePcscd, type TestPcscd } from './private-pcscd.js';

const probe = probePcscd({ slots: 4, mode: 'private' });
if (!probe.ok) console.warn(`[e2e] skipping the private pcscd tests: ${probe.reason}`);

/** Readers and card presence as an independent client sees them: `opensc-tool -l` ("Nr. Card Features Name"). */
async function readers(pcscd: TestPcscd): Promise<Array<{ name: string; card: boolean }>> {
  if (onPath('opensc-tool')) {
    const r = await run('opensc-tool', ['-l'], { env: pcscd.env });
    return r.stdout
      .split('\n')
      .map((l) => /^\s*\d+\s+(Yes|No)\s+(?:\S+\s+)?(Virtual PCD .*\S)\s*$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ name: m[2]!, card: m[1] === 'Yes' }));
  }
  const r = await sscard(['readers', '--json'], { env: pcscd.env });
  return (JSON.parse(r.stdout) as Array<{ name: string; cardPresent: boolean }>).map((x) => ({ name: x.name, card: x.cardPresent }));
}

describe.skipIf(!probe.ok)('a private pcscd per test file', () => {
  const started: TestPcscd[] = [];
  const clients: VpcdClient[] = [];
  afterAll(async () => {
    for (const c of clients) await c.stop();
    for (const p of started) await p.stop();
  });

  it('two at once, each with its own socket, ports and exactly its own readers', async () => {
    const [a, b] = await Promise.all([startPrivatePcscd({ slots: 4 }), startPrivatePcscd({ slots: 2 })]);
    started.push(a, b);
    expect([a.kind, b.kind]).toEqual(['private', 'private']);
    expect(a.socketPath).not.toBe(b.socketPath);
    expect(a.env.PCSCLITE_CSOCK_NAME).toBe(a.socketPath);
    const ports = [0, 1, 2, 3].map((i) => a.port(i));
    expect(ports).toEqual([ports[0], ports[0]! + 1, ports[0]! + 2, ports[0]! + 3]); // consecutive
    expect(ports).not.toContain(b.port(0));
    const open = listeningPorts();
    for (const p of [...ports, b.port(0), b.port(1)]) expect(open.has(p)).toBe(true);
    expect((await readers(a)).map((r) => r.name)).toEqual([0, 1, 2, 3].map((i) => a.readerName(i)));
    expect((await readers(b)).map((r) => r.name)).toEqual([b.readerName(0), b.readerName(1)]);
    expect(() => a.readerName(4)).toThrow(RangeError);
  });

  it('a card connected to port(i) appears in readerName(i) and in no other reader', async () => {
    const a = started[0]!;
    const card = new FakeCard();
    const client = new VpcdClient(new CardSlot(card, 'contact', new SimulatedTransport(card, { powerOn: false })), {
      port: a.port(2),
      log: silentLogger(),
    });
    clients.push(client);
    client.start();
    const seen = await eventually(async () => {
      const list = await readers(a);
      return list.some((r) => r.card) ? list : undefined;
    }, 'the card to appear');
    expect(seen.filter((r) => r.card).map((r) => r.name)).toEqual([a.readerName(2)]);
    // The other pcscd sees nothing.
    expect((await readers(started[1]!)).some((r) => r.card)).toBe(false);
  });

  it('restart() comes back on the same socket and ports, and the card reconnects', async () => {
    const a = started[0]!;
    const before = a.pid;
    await a.restart();
    expect(a.pid).not.toBe(before);
    await eventually(async () => (await readers(a)).find((r) => r.name === a.readerName(2) && r.card), 'the card to be back after the restart', 30_000);
  });

  it('stop() ends pcscd and removes its socket', async () => {
    const b = started.pop()!;
    const socket = b.socketPath!;
    const pid = b.pid!;
    await b.stop();
    expect(existsSync(socket)).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
