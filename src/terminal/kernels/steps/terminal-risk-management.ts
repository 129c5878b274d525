/**
 * Terminal risk management (EMV 4.3 Book 3 §10.6), done when the AIP asks for it (byte 1 b4):
 * - exception file (§10.6.1): the PAN (and PAN sequence number) on the terminal's hot list;
 * - floor limit (§10.6.1): amount ≥ the terminal floor limit 9F1B;
 * - random transaction selection (§10.6.2): below the floor limit, a random number 1..99 compared with a
 *   percentage that is the target percentage below the threshold and rises linearly to the maximum
 *   target percentage at the floor limit (the random source is injected);
 * - velocity checking (§10.6.3): when the card has the lower and upper consecutive offline limits
 *   9F14/9F23, GET DATA of the ATC 9F36 and the last online ATC register 9F13; ATC − 9F13 above a limit
 *   sets its bit, 9F13 = 0 sets "new card", and either value unavailable sets both limits' bits and
 *   "ICC data missing";
 * - the merchant may force the transaction online (TVR byte 4 b4).
 * TSI: terminal risk management performed.
 */
import { readUintBE, toHex } from '../../../apdu/bytes.js';
import { CommandApdu } from '../../../apdu/command-apdu.js';
import type { KernelContext } from '../context.js';
import { compressedDigits, numericDigits } from '../emv-values.js';

/** Whether the card is on the exception file (PAN and, when the entry has one, sequence number). */
export function onExceptionFile(ctx: KernelContext): boolean {
  const panBytes = ctx.data.card('5A');
  const pan = panBytes ? compressedDigits(panBytes) : undefined;
  if (!pan) return false;
  const psnBytes = ctx.data.card('5F34');
  const psn = psnBytes && psnBytes.length === 1 ? numericDigits(psnBytes) : undefined;
  return ctx.config.exceptionFile.some((e) => e.pan === pan && (e.panSequence === undefined || e.panSequence === psn));
}

/**
 * Whether random selection picks this transaction (§10.6.2).
 * @param draw a random number 1..99
 */
export function randomlySelected(amount: number, floorLimit: number, params: { thresholdAmount: number; targetPercent: number; maxTargetPercent: number }, draw: number): boolean {
  if (amount >= floorLimit) return false;
  let percent: number;
  if (amount < params.thresholdAmount) percent = params.targetPercent;
  else {
    const span = floorLimit - params.thresholdAmount;
    const interpolation = span > 0 ? (amount - params.thresholdAmount) / span : 1;
    percent = params.targetPercent + (params.maxTargetPercent - params.targetPercent) * interpolation;
  }
  return draw <= percent;
}

/** A number 1..99 from the random source (unbiased by rejection). */
export function drawPercent(random: (n: number) => Uint8Array): number {
  for (;;) {
    const b = random(1)[0]!;
    if (b < 198) return (b % 99) + 1;
  }
}

async function getDataCounter(ctx: KernelContext, tag: number): Promise<number | undefined> {
  const r = await ctx.channel.exchange(
    'terminal risk management (velocity)',
    CommandApdu.of({ cla: 0x80, ins: 0xca, p1: tag >> 8, p2: tag & 0xff, ne: 256 }),
  );
  const d = r.data;
  if (!r.ok || d.length !== 5 || d[0] !== tag >> 8 || d[1] !== (tag & 0xff) || d[2] !== 0x02) return undefined;
  return readUintBE(d, 3, 2);
}

/** Book 3 §10.6. */
export async function terminalRiskManagement(ctx: KernelContext, aip: Uint8Array): Promise<void> {
  if ((aip[0]! & 0x08) === 0) {
    ctx.note('terminal risk management not asked for by the card (AIP)');
    return;
  }
  ctx.tsi.set('terminalRiskManagementPerformed');
  if (onExceptionFile(ctx)) {
    ctx.tvr.set('exceptionFile');
    ctx.note('the card is on the exception file');
  }
  const floor = ctx.config.floorLimit;
  if (ctx.amount >= floor) ctx.tvr.set('floorLimitExceeded');
  else if (randomlySelected(ctx.amount, floor, ctx.config.randomSelection, drawPercent(ctx.deps.random))) {
    ctx.tvr.set('randomlySelectedOnline');
    ctx.note('randomly selected for online processing');
  }
  const lower = ctx.data.card('9F14');
  const upper = ctx.data.card('9F23');
  if (lower && upper && lower.length === 1 && upper.length === 1) {
    const atc = await getDataCounter(ctx, 0x9f36);
    const lastOnline = await getDataCounter(ctx, 0x9f13);
    if (atc === undefined || lastOnline === undefined) {
      ctx.tvr.set('lowerOfflineLimitExceeded');
      ctx.tvr.set('upperOfflineLimitExceeded');
      ctx.tvr.set('iccDataMissing');
      ctx.note('velocity checking: ATC or last online ATC register not available');
    } else {
      const since = atc - lastOnline;
      if (since > lower[0]!) ctx.tvr.set('lowerOfflineLimitExceeded');
      if (since > upper[0]!) ctx.tvr.set('upperOfflineLimitExceeded');
      if (lastOnline === 0) ctx.tvr.set('newCard');
      ctx.note(`velocity checking: ATC ${atc}, last online ATC ${lastOnline}, limits ${toHex(lower)}/${toHex(upper)}`);
    }
  }
  if (ctx.request.forceOnline) ctx.tvr.set('merchantForcedOnline');
}
