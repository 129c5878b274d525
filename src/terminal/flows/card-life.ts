/**
 * The card's life at the counter (docs/card-life.md): what a bank or service-window terminal does
 * with the card and the card-management host. No APDU here — the card is read through the kernels:
 *
 * - `readIssuedCard`: the social-security kernel's card check and basic information (EF05, EF06,
 *   EF0D; LD/T 32.7 §5.4) and the bank's read of the financial application (PAN, PSN; EMV Book 3
 *   §6.5.11, src/terminal/hosts/issuer/card-account.ts) — what the host records of a card;
 * - `resetPinAtWindow`: the host checks the card may be served, the kernel's RELOAD PIN (LD/T 32.5,
 *   `80 5E 00 00` with the MAC the PSAM computes under the issuer's reload key), then the host
 *   records it.
 */
import type { CardReader } from '../reader.js';
import { CardAccountError, readCardAccountData } from '../hosts/issuer/card-account.js';
import type { CardManagementHost, ChangeResult } from '../hosts/card-management/card-management-host.js';
import type { IssuedCard, Place } from '../hosts/card-management/model.js';
import { describeOutcome, formatYmd, type SsseReader } from '../kernels/ssse-reader/index.js';
import type { PinOutcome } from '../kernels/ssse-reader/steps/pin.js';

/** A card that cannot be recorded or served (the kernel's outcome in words). */
export class CardReadError extends Error {
  override name = 'CardReadError';
}

/**
 * Reads what the card-management host records of a card: the social-security kernel's card check and
 * basic information, then the financial application's PAN (a card without one has none).
 * @throws CardReadError when the card check refuses the card or the data is incomplete
 */
export async function readIssuedCard(kernel: SsseReader, reader: CardReader): Promise<IssuedCard & { check: 'authentic' | 'unchecked' }> {
  const basic = await kernel.readBasicInformation();
  if (basic.outcome !== 'read') throw new CardReadError(`the card cannot be read: ${describeOutcome(basic)}`);
  const b = basic.basic;
  const missing = (['cardNumber', 'idNumber', 'name'] as const).filter((k) => !b[k]);
  if (missing.length) throw new CardReadError(`the card does not give its ${missing.join(', ')} (EF05/EF06${b.missing.length ? `; missing: ${b.missing.join(', ')}` : ''})`);
  const issued: IssuedCard & { check: 'authentic' | 'unchecked' } = {
    check: basic.check,
    cardSn: b.cardIdentifier,
    cardNumber: b.cardNumber!,
    region: b.region,
    holder: {
      idNumber: b.idNumber!,
      name: b.name!,
      sex: b.sex?.code ?? '9',
      nation: b.nation?.code ?? '01',
      birthplace: b.birthplace ?? '',
      birthDate: b.birthDate ? formatYmd(b.birthDate) : b.idNumber!.slice(6, 14),
      cardCategory: b.cardCategory?.code ?? '3',
      personId: b.personId ?? '',
      firstApplicationRegion: b.firstApplicationRegion ?? '',
    },
    ...(b.issueDate ? { issueDate: formatYmd(b.issueDate) } : {}),
    ...(b.expiryDate ? { expiryDate: formatYmd(b.expiryDate) } : {}),
  };
  try {
    const account = await readCardAccountData(reader);
    issued.pan = account.pan;
    issued.panSequence = account.panSequence;
  } catch (err) {
    // a card without a debit application (a second-generation card) has no financial area to record
    if (!(err instanceof CardAccountError)) throw err;
  }
  return issued;
}

/** What a PIN reset at the window came to. */
export type PinResetResult = { outcome: 'reloaded'; change: ChangeResult } | { outcome: 'refused'; pin: Exclude<PinOutcome, { outcome: 'reloaded' }> | { outcome: string }; message: string };

/**
 * Resets a forgotten PIN at a service window or a bank (DOMAIN.md §5): the card-management host
 * checks that the card may be served (and the ID shown, when given), the kernel sends RELOAD PIN with
 * the MAC the PSAM computes with the issuer's keys, and the host records the reset.
 * @throws CardManagementError when the host refuses to serve the card
 */
export async function resetPinAtWindow(input: { kernel: SsseReader; host: CardManagementHost; cardSn: string; newPin: string; place: Place; idNumber?: string }): Promise<PinResetResult> {
  await input.host.checkPinReset(input.cardSn, input.idNumber);
  const reload = await input.kernel.reloadPin(input.newPin);
  if (reload.outcome !== 'reloaded') return { outcome: 'refused', pin: reload, message: describeOutcome(reload) };
  return { outcome: 'reloaded', change: await input.host.recordPinReset(input.cardSn, input.place) };
}
