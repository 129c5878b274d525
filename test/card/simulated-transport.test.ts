/**
 * SimulatedTransport: the in-process "reader" of a simulated card.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedTransport } from '../../src/card/simulated-transport.js';
import { TransportError } from '../../src/apdu/transport.js';
import { FakeCard } from '../server/fake-vpcd.js';

describe('SimulatedTransport', () => {
  it('powers the card on the chosen interface and exposes its ATR', () => {
    const card = new FakeCard();
    const t = new SimulatedTransport(card, { interface: 'contactless' });
    expect(card.activeInterface).toBe('contactless');
    expect([...t.atr]).toEqual([0x3b, 0x80, 0x80, 0x01, 0x01]);
  });

  it('passes APDUs to the card and returns its answer unchanged (a status word is data)', async () => {
    const card = new FakeCard();
    const t = new SimulatedTransport(card);
    expect([...(await t.transmit(Uint8Array.of(0x00, 0x20, 0x00, 0x00)))]).toEqual([0x00, 0x20, 0x00, 0x00, 0x90, 0x00]);
    expect(card.commands).toEqual([[0x00, 0x20, 0x00, 0x00]]);
  });

  it('reset() warm-resets; close() powers off, runs onClose once, and refuses further use', async () => {
    const card = new FakeCard();
    let closed = 0;
    const t = new SimulatedTransport(card, { onClose: () => void closed++ });
    const before = card.resets;
    t.reset();
    expect(card.resets).toBe(before + 1);
    await t.close();
    await t.close();
    expect(card.powered).toBe(false);
    expect(closed).toBe(1);
    await expect(t.transmit(Uint8Array.of(0, 0xb0, 0, 0))).rejects.toBeInstanceOf(TransportError);
  });

  it('an unpowered card is a transport error, not a status word', async () => {
    const card = new FakeCard();
    const t = new SimulatedTransport(card, { powerOn: false });
    await expect(t.transmit(Uint8Array.of(0, 0xb0, 0, 0))).rejects.toThrow(/not powered/);
  });

  it('rejects bad arguments naming them', () => {
    expect(() => new SimulatedTransport({} as never)).toThrow(TypeError);
    expect(() => new SimulatedTransport(new FakeCard(), { interface: 'usb' as never })).toThrow(/interface/);
  });
});
