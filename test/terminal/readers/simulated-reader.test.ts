import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../src/apdu/bytes.js';
import { TransportError } from '../../../src/apdu/transport.js';
import { getResponseLayer } from '../../../src/apdu/layers/get-response.js';
import { withLayers } from '../../../src/terminal/reader.js';
import { SimulatedReader } from '../../../src/terminal/readers/simulated.js';
import { FakeCard } from '../../server/fake-vpcd.js';

describe('SimulatedReader', () => {
  it('powers the card on the asked interface, exchanges APDUs, resets and disconnects', async () => {
    const card = new FakeCard();
    const reader = new SimulatedReader(card, { name: 'fake' });
    expect(reader.connected).toBe(false);
    expect(() => reader.transport).toThrow(TransportError);
    const atr = await reader.connect('contact');
    expect(atr.length).toBeGreaterThan(0);
    expect(reader.interface).toBe('contact');
    expect(card.powered).toBe(true);
    const response = await reader.transport.transmit(fromHex('00A4040000'));
    expect(response.length).toBeGreaterThanOrEqual(2);
    expect(toHex(await reader.reset())).toBe(toHex(atr));
    await reader.disconnect();
    expect(card.powered).toBe(false);
    expect(reader.connected).toBe(false);
    expect(() => reader.transport).toThrow(/no card connected/);
  });

  it('says so when the card is not powered any more, and when it is closed', async () => {
    const card = new FakeCard();
    let closed = 0;
    const reader = new SimulatedReader(card, { onClose: () => void closed++ });
    await reader.connect();
    const transport = reader.transport;
    card.powerOff();
    await expect(transport.transmit(fromHex('00A4040000'))).rejects.toThrow(/not powered/);
    await reader.close();
    await reader.close();
    expect(closed).toBe(1);
    await expect(reader.connect()).rejects.toThrow(/closed/);
  });

  it('keeps its layers across resets', async () => {
    const reader = withLayers(new SimulatedReader(new FakeCard()), getResponseLayer());
    await reader.connect();
    const first = reader.transport;
    await reader.reset();
    expect(reader.transport).toBe(first);
  });
});
