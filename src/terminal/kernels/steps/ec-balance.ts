/**
 * The electronic-cash balance (JR/T 0025.13 §10 GET DATA; DOMAIN.md §2): GET DATA `80 CA 9F 79 00`
 * answers `9F79 06 n12`. Read before the first GENERATE AC of a contact transaction so that the issuer
 * knows the card's balance (an EC load sets an absolute balance), and after a script that loaded it.
 */
import { CommandApdu } from '../../../apdu/command-apdu.js';
import type { KernelContext } from '../context.js';
import { numericValue } from '../emv-values.js';

/**
 * Reads 9F79 into the transaction data; undefined when the card has no EC balance (any status word but
 * 9000, or an answer that is not `9F79 06 n12`).
 */
export async function readEcBalance(ctx: KernelContext, step = 'EC balance'): Promise<number | undefined> {
  const r = await ctx.channel.exchange(step, CommandApdu.of({ cla: 0x80, ins: 0xca, p1: 0x9f, p2: 0x79, ne: 256 }));
  const d = r.data;
  if (!r.ok || d.length !== 9 || d[0] !== 0x9f || d[1] !== 0x79 || d[2] !== 0x06) return undefined;
  const balance = numericValue(d.subarray(3));
  if (balance !== undefined) ctx.data.setCard('9F79', d.slice(3));
  return balance;
}
