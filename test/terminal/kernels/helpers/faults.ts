/**
 * The card leaving the field, as a transport layer: at the first command whose hex starts with `prefix`
 * the layer fails with a `TransportError` — `before` the card sees the command, or `after` it processed
 * it (the answer is lost on the way back). Every later command fails too (the card is gone).
 */
import { toHex } from '../../../../src/apdu/bytes.js';
import { TransportError, type Transport, type TransportLayer } from '../../../../src/apdu/transport.js';

export function cardLeavesField(prefix: string, when: 'before' | 'after'): TransportLayer & { fired: () => boolean } {
  let gone = false;
  const layer = ((inner: Transport): Transport => ({
    async transmit(command: Uint8Array): Promise<Uint8Array> {
      if (gone) throw new TransportError('the card left the field');
      if (toHex(command).startsWith(prefix)) {
        gone = true;
        if (when === 'after') await inner.transmit(command);
        throw new TransportError('the card left the field');
      }
      return inner.transmit(command);
    },
  })) as TransportLayer & { fired: () => boolean };
  layer.fired = () => gone;
  return layer;
}
