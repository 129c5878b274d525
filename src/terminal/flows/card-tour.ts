/**
 * A guided tour of a card as a terminal drives it, for `sscard demo`:
 *
 * - the social-security application through the SSSE reader kernel (src/terminal/kernels/ssse-reader):
 *   the card check of LD/T 32.7 §5.4 with the PSAM, the basic information and the iReadCardBas line, the
 *   medical-insurance files behind the PIN, an offline medical debit, the PKI online identity
 *   authentication against the terminal's trusted root;
 * - the financial application over the contactless interface (DOMAIN.md §2: PPSE, the EC balance).
 *
 * Each step reports what it found; every APDU goes through the caller's reader or transport (and its
 * trace). A step whose outcome is not a success ends the tour with that outcome in words.
 */
import { fromHex, toHex } from '../../apdu/bytes.js';
import { ResponseApdu } from '../../apdu/response-apdu.js';
import { describeSw } from '../../apdu/status-word-table.js';
import { decodeTlv, findTag, type Tlv } from '../../apdu/tlv/ber-tlv.js';
import type { Transport } from '../../apdu/transport.js';
import { describeOutcome, formatFen, isoDate, type SsseReader, type TrustStore } from '../kernels/ssse-reader/index.js';

/** A failed step of the contactless tour (a status word other than the expected one). */
export class TourError extends Error {
  override name = 'TourError';
}

export interface TourReport {
  title: string;
  facts: Array<[string, string]>;
}

export interface SsseTourInput {
  kernel: SsseReader;
  pin: string;
  /** The terminal's trust (the PKI step is skipped without it). */
  trust?: TrustStore;
  /** Amount of the demonstration debit, fen (default 100: 1.00 CNY). */
  debitFen?: number;
  /** Called with each step's report as soon as the step is done. */
  onReport?: (report: TourReport) => void;
}

/** The tour of the social-security application through the kernel; `failed` says why it stopped early. */
export async function ssseTour(input: SsseTourInput): Promise<{ reports: TourReport[]; failed?: string }> {
  const { kernel } = input;
  const reports: TourReport[] = [];
  const done = (r: TourReport) => {
    reports.push(r);
    input.onReport?.(r);
  };
  const stop = (title: string, outcome: { outcome: string }) => {
    const failed = describeOutcome(outcome);
    done({ title, facts: [['outcome', failed]] });
    return { reports, failed };
  };

  const check = await kernel.checkCard();
  if (check.outcome !== 'authentic') return stop('Card check (LD/T 32.7 §5.4)', check);
  done({
    title: 'Card check with the PSAM (LD/T 32.7 §5.4: INTERNAL AUTHENTICATE → EF05 → blacklist)',
    facts: [
      ['card authentic', 'yes (IRK cryptogram verified by the PSAM; not blacklisted)'],
      ['卡识别码 card identifier', `${check.identifier.region}${check.identifier.rid}${check.identifier.serial}${check.identifier.authCode}`],
    ],
  });

  const basic = await kernel.readBasicInformation();
  if (basic.outcome !== 'read') return stop('Basic information', basic);
  const b = basic.basic;
  done({
    title: 'Basic information (EF05, EF06, EF0D)',
    facts: [
      ['姓名 name', b.name ?? ''],
      ['社会保障号码 social security number', b.idNumber ?? ''],
      ['性别 sex', b.sex ? `${b.sex.code} ${b.sex.zh}` : ''],
      ['民族 nation', b.nation ? `${b.nation.code} ${b.nation.zh}` : ''],
      ['出生日期 birth date', b.birthDate ? isoDate(b.birthDate) : ''],
      ['卡号 card number', b.cardNumber ?? ''],
      ['有效期 expiry date', b.expiryDate ? isoDate(b.expiryDate) : ''],
      ['iReadCardBas', basic.iReadCardBas],
    ],
  });

  const medical = await kernel.readMedical(input.pin);
  if (medical.outcome !== 'read') return stop('Medical insurance (DF04)', medical);
  const m = medical.medical;
  done({
    title: 'Medical insurance (DF04) behind the PIN (EF06 also behind RK_DF04)',
    facts: [
      ['PIN', 'verified'],
      ['险种类型 insurance type', m.insuranceType ? `${m.insuranceType.code} ${m.insuranceType.zh}` : ''],
      ['参保人员类别 person category', m.personCategory ? `${m.personCategory.code} ${m.personCategory.zh}` : ''],
      ['准许脱网 offline allowed', medical.offline ? (medical.offline.allowed ? 'yes' : 'no') : (medical.offlineUnavailable ?? '')],
    ],
  });

  const debit = await kernel.medicalDebit({ account: input.debitFen ?? 100, selfPay: 0, fund: 0 }, input.pin);
  if (debit.outcome !== 'approved') return stop('Offline medical debit', debit);
  done({
    title: 'Offline medical debit (INIT → MAC1 from the PSAM → DEBIT → MAC2/TAC checked by the PSAM)',
    facts: [
      ['debited', `${formatFen(debit.transaction.account)} CNY, balance ${formatFen(debit.balanceBefore)} → ${formatFen(debit.balanceAfter)}`],
      ['交易序号 sequence', String(debit.sequence)],
      ['TAC / MAC2', `${debit.tac} / ${debit.mac2} (verified)`],
      ['EF08 record 1', `sequence ${debit.transaction.sequence}, terminal ${debit.transaction.terminalId}`],
    ],
  });

  if (!input.trust) {
    done({ title: 'PKI online identity authentication', facts: [['PKI', 'skipped: no trusted root configured (a profile without a PKI CA)']] });
    return { reports };
  }
  const id = await kernel.authenticateIdentity(input.trust, input.pin);
  if (id.outcome === 'unavailable') {
    done({ title: 'PKI application', facts: [['PKI', id.detail]] });
    return { reports };
  }
  if (id.outcome !== 'authenticated') return stop('PKI online identity authentication', id);
  done({
    title: 'PKI online identity authentication (SM2)',
    facts: [
      ['certificate', `${id.certificate.subject}, serial ${id.certificate.serial}`],
      ['challenge signed', `${id.challenge.length / 2} bytes → r‖s ${id.signature.slice(0, 16)}…`],
      ['signature', 'verified with the certificate\'s public key (SM3 with Z_A, ID 1234567812345678)'],
      ['certificate chain', `valid: ${id.chain.join(' ← ')} (the root is the terminal's own)`],
    ],
  });
  return { reports };
}

async function send(t: Transport, hex: string, expect: number[] = [0x9000]): Promise<ResponseApdu> {
  const r = ResponseApdu.parse(await t.transmit(fromHex(hex)));
  if (!expect.includes(r.sw)) throw new TourError(`${hex.slice(0, 10)}… answered ${describeSw(r.sw)}`);
  return r;
}

const select = (aid: string) => `00A40400${(aid.length / 2).toString(16).padStart(2, '0')}${aid}00`;

function aidsOf(fci: Tlv[]): string[] {
  const out: string[] = [];
  const walk = (nodes: Tlv[]) => {
    for (const n of nodes) {
      if (n.tag === '4F') out.push(toHex(n.value));
      if (n.children) walk(n.children);
    }
  };
  walk(fci);
  return out;
}

/** The contactless part: PPSE, the debit/EC application, its electronic-cash balance. */
export async function contactlessTour(t: Transport): Promise<TourReport> {
  const ppse = await send(t, select('325041592E5359532E4444463031'), [0x9000, 0x6a82]);
  if (ppse.sw !== 0x9000) return { title: 'Financial application (contactless)', facts: [['PPSE', 'not on this card']] };
  const aids = aidsOf(decodeTlv(ppse.data));
  const facts: Array<[string, string]> = [['PPSE lists', aids.join(', ')]];
  const debit = aids.find((a) => a.startsWith('A000000333'));
  if (debit) {
    const fci = await send(t, select(debit));
    const label = findTag(decodeTlv(fci.data), '50')?.value;
    if (label) facts.push(['application label', new TextDecoder().decode(label)]);
    const ec = await send(t, '80CA9F7900', [0x9000, 0x6a88]);
    const balance = ec.sw === 0x9000 ? findTag(decodeTlv(ec.data), '9F79')?.value : undefined;
    if (balance) facts.push(['electronic-cash balance (9F79)', `${(Number(toHex(balance)) / 100).toFixed(2)} CNY`]);
  }
  return { title: 'Financial application over the contactless interface', facts };
}
