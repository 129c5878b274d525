/**
 * T=0 response handling as a transport layer (ISO/IEC 7816-3 §12.2, 7816-4 §5.1.3):
 * - 61xx: xx more bytes are waiting; fetch them with GET RESPONSE (`CLA C0 00 00 xx`) and append;
 * - 6Cxx: wrong Le; re-issue the same command with Le = xx.
 * Loops are bounded: a card that keeps answering 61xx/6Cxx ends in a TransportError, never a hang.
 */
import { concat } from '../bytes.js';
import { CommandApdu } from '../command-apdu.js';
import { TransportError, type Transport, type TransportLayer } from '../transport.js';

export interface GetResponseOptions {
  /** CLA of GET RESPONSE (default 00). */
  cla?: number;
  /** Most GET RESPONSE commands for one command (default 64: 16 KiB of data). */
  maxChain?: number;
}

/** Builds the layer. */
export function getResponseLayer(options: GetResponseOptions = {}): TransportLayer {
  const cla = options.cla ?? 0x00;
  const maxChain = options.maxChain ?? 64;
  return (inner: Transport): Transport => ({
    async transmit(command: Uint8Array): Promise<Uint8Array> {
      let response = await inner.transmit(command);
      if (response.length < 2) return response;
      let sw1 = response[response.length - 2]!;
      // 6Cxx: re-issue once with the exact Le (a second 6Cxx is passed through as data)
      if (sw1 === 0x6c) {
        const exact = response[response.length - 1]!;
        const cmd = CommandApdu.parse(command).with({ ne: exact === 0 ? 256 : exact });
        response = await inner.transmit(cmd.encode());
        if (response.length < 2) return response;
        sw1 = response[response.length - 2]!;
      }
      const parts: Uint8Array[] = [];
      let chained = 0;
      while (sw1 === 0x61) {
        if (chained++ >= maxChain) throw new TransportError(`GET RESPONSE: card still answers 61xx after ${maxChain} commands`);
        parts.push(response.subarray(0, response.length - 2));
        const le = response[response.length - 1]!;
        response = await inner.transmit(Uint8Array.of(cla, 0xc0, 0x00, 0x00, le));
        if (response.length < 2) throw new TransportError('GET RESPONSE: response without a status word');
        sw1 = response[response.length - 2]!;
      }
      return parts.length === 0 ? response : concat(...parts, response);
    },
    close: inner.close?.bind(inner),
  });
}
