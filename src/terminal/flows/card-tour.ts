/**
 * A guided tour of a card through its APDUs, as a terminal would drive it: the social-security
 * read (DOMAIN.md §1.3), the PSAM card check (§1.4), the medical-insurance file behind the PIN, the PKI
 * online identity authentication (§1.5: challenge → card signature → certificate chain), and the
 * financial application over the contactless interface (§2). `sscard demo` prints it.
 *
 * Each step reports what it found; every APDU goes through the caller's transport (and its trace).
 */
import { concat, fromHex, readUintBE, toHex, ascii } from '../../apdu/bytes.js';
import { ResponseApdu } from '../../apdu/response-apdu.js';
import { describeSw } from '../../apdu/status-word-table.js';
import { decodeTlv, findTag, type Tlv } from '../../apdu/tlv/ber-tlv.js';
import type { Transport } from '../../apdu/transport.js';
import { decodeItemRecord, type ItemFile } from '../../spec/ssse/data-items.js';
import { PKI_ADF_AID, PKI_AID } from '../../spec/pki.js';
import { SSSE_AID } from '../../spec/ssse/identifiers.js';
import { historicalBytes } from '../../apdu/atr.js';
import { parseCertificate, verifyChain, type ParsedCertificate } from '../../crypto/cert/x509.js';
import { sm2Verify } from '../../crypto/sm2/index.js';
import type { Clock, RandomSource } from '../../env.js';
import { diversificationBytes } from '../../spec/ssse/atr-historical.js';
import type { PsamPort } from '../psam/psam-port.js';

/** A failed step of the tour (a status word other than the expected one). */
export class TourError extends Error {
  override name = 'TourError';
}

export interface TourReport {
  title: string;
  facts: Array<[string, string]>;
}

async function send(t: Transport, hex: string, expect: number[] = [0x9000]): Promise<ResponseApdu> {
  const r = ResponseApdu.parse(await t.transmit(fromHex(hex)));
  if (!expect.includes(r.sw)) throw new TourError(`${hex.slice(0, 10)}… answered ${describeSw(r.sw)}`);
  return r;
}

const select = (aid: string) => `00A40400${(aid.length / 2).toString(16).padStart(2, '0')}${aid}00`;

async function readItems(t: Transport, file: ItemFile, sfi: number, tags: number[], values: Record<string, string> = {}): Promise<Array<[string, string]>> {
  const facts: Array<[string, string]> = [];
  for (const tag of tags) {
    const r = await send(t, `00B2${tag.toString(16).padStart(2, '0')}${((sfi << 3) | 0).toString(16).padStart(2, '0')}00`);
    const item = decodeItemRecord(file, r.data);
    if (item) {
      facts.push([`${item.item.zh} (${item.item.en})`, item.value]);
      values[item.item.key] = item.value;
    }
  }
  return facts;
}

/** Reads a whole transparent EF holding one DER object (length from its header). */
async function readDer(t: Transport): Promise<Uint8Array> {
  const head = (await send(t, '00B0000004')).data;
  if (head[0] !== 0x30 || head[1] !== 0x82) throw new TourError('the certificate file does not start with a DER SEQUENCE');
  const total = 4 + readUintBE(head, 2, 2);
  const parts: Uint8Array[] = [head];
  for (let offset = 4; offset < total; ) {
    const n = Math.min(0xe0, total - offset);
    const chunk = (await send(t, `00B0${offset.toString(16).padStart(4, '0')}${n.toString(16).padStart(2, '0')}`)).data;
    parts.push(chunk);
    offset += chunk.length;
  }
  return concat(...parts);
}

export interface ContactTourInput {
  transport: Transport;
  atr: Uint8Array;
  /** The PSAM of the card check (an opened PsamPort). */
  psam: PsamPort;
  pin: string;
  random: RandomSource;
  clock: Clock;
  /** Trusted root of the PKI chain and the issuing CA certificate (DER). */
  root?: Uint8Array;
  issuing?: Uint8Array;
  /** Called with each step's report as soon as the step is done. */
  onReport?: (report: TourReport) => void;
}

/** The contact-interface part of the tour. */
export async function contactTour(input: ContactTourInput): Promise<TourReport[]> {
  const t = input.transport;
  const reports: TourReport[] = [];
  const done = (r: TourReport) => {
    reports.push(r);
    input.onReport?.(r);
  };

  const fci = await send(t, select(SSSE_AID));
  const algorithm = findTag(decodeTlv(fci.data), '9F0C')?.value;
  const ef05: Record<string, string> = {};
  done({
    title: 'Social-security application (SSSE) — free-read data',
    facts: [
      ['SSSE FCI', toHex(fci.data)],
      ['algorithm indicator', algorithm && algorithm[2] === 0x03 ? 'SM4' : algorithm ? 'DES/3DES' : 'default'],
      ...(await readItems(t, 'EF05', 5, [0x01, 0x02, 0x03, 0x05, 0x06, 0x07], ef05)),
      ...(await readItems(t, 'EF06', 6, [0x08, 0x09, 0x0a, 0x0b, 0x0d])),
    ],
  });

  const challenge = input.random(16);
  const answer = (await send(t, `0088000010${toHex(challenge)}`)).data;
  // the card's keys are diversified by its region (the first 6 digits of 卡的识别码) and ATR T6–TD
  const region = (ef05.cardIdentifier ?? '').slice(0, 6);
  const card = { cardData: diversificationBytes(historicalBytes(input.atr)), region };
  const authentic = await input.psam.verifyInternalAuthentication(card, { df: 'SSSE', kind: 'IRK' }, challenge, answer);
  if (!authentic) throw new TourError('the PSAM rejected the card\'s INTERNAL AUTHENTICATE answer');
  done({ title: 'Card check with the PSAM (INTERNAL AUTHENTICATE)', facts: [['card authentic', 'yes (IRK cryptogram verified by the PSAM)']] });

  const denied = await send(t, '00A4000002DF04', [0x9000]).then(() => send(t, '00B2012C00', [0x6982]));
  const pinHex = input.pin.length % 2 ? `${input.pin}F` : input.pin;
  await send(t, `00200000${(pinHex.length / 2).toString(16).padStart(2, '0')}${pinHex}`);
  done({
    title: 'Medical insurance (DF04) behind the PIN',
    facts: [['before VERIFY', describeSw(denied.sw)], ['after VERIFY', 'PIN accepted'], ...(await readItems(t, 'DF04/EF05', 5, [0x81, 0x84, 0x8c]))],
  });

  if ((await send(t, select(PKI_AID), [0x9000, 0x6a82])).sw === 0x6a82) {
    done({ title: 'PKI application', facts: [['PKI', 'not on this card (second generation)']] });
    return reports;
  }
  await send(t, select(PKI_ADF_AID));
  await send(t, '00A40000020018');
  const certDer = await readDer(t);
  const cert = parseCertificate(certDer);
  const pkiPinHex = pinHex;
  await send(t, `00200081${(pkiPinHex.length / 2).toString(16).padStart(2, '0')}${pkiPinHex}`);
  const nonce = concat(ascii('sscard-auth:'), input.random(16));
  const signature = (await send(t, `002A9E9A${nonce.length.toString(16).padStart(2, '0')}${toHex(nonce)}00`)).data;
  const signatureOk = sm2Verify(cert.publicKey, nonce, signature);
  let chain = 'not checked (no CA given)';
  if (input.root && input.issuing) {
    const root: ParsedCertificate = parseCertificate(input.root);
    verifyChain([cert, parseCertificate(input.issuing)], root, input.clock.now());
    chain = `valid: ${cert.subject} ← ${parseCertificate(input.issuing).subject} ← ${root.subject}`;
  }
  if (!signatureOk) throw new TourError('the card\'s SM2 signature does not verify with its certificate');
  done({
    title: 'PKI online identity authentication (SM2)',
    facts: [
      ['certificate', `${cert.subject}, serial ${cert.serialHex}, ${certDer.length} bytes`],
      ['challenge signed', `${nonce.length} bytes → r‖s ${toHex(signature).slice(0, 16)}…`],
      ['signature', 'verified with the certificate\'s public key (SM3 with Z_A, ID 1234567812345678)'],
      ['certificate chain', chain],
    ],
  });
  return reports;
}

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
