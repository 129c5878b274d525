/**
 * Online identity authentication with the third-generation PKI application (DOMAIN.md §1.5; LD/T
 * 6001.5-2023 PKI_SignData / PKI_VerifySign):
 *
 * 1. SELECT `PKI.社会保障` then the ADF `SS.CERT.ADF1`; SELECT EF 0018 and READ BINARY the signing
 *    certificate (DER, its length from its own header);
 * 2. the path from that certificate to a root the TERMINAL trusts (trust.ts; the card presents no root
 *    and none it could present is trusted), every certificate within its validity, none revoked;
 * 3. the certificate's subject serialNumber is the SSSE 社会保障号码 of EF06 (the certificate is this
 *    cardholder's);
 * 4. the PKI PIN: GET CHALLENGE → `00 20 01 81 10 SM4-ECB(K, challenge ‖ 00×8)`, K = the first 16 bytes
 *    of SM3(PIN as BCD) (DOMAIN.md §1.5 [C]);
 * 5. the terminal's challenge (32 random bytes) signed by the card: PSO COMPUTE DIGITAL SIGNATURE
 *    `00 2A 9E 9A` → r ‖ s, verified with the certificate's SM2 key (SM3 with Z_A, ID 1234567812345678).
 *
 * Any refusal is the outcome `untrusted` with its reason.
 */
import { concat, fromHex, readUintBE, toHex } from '../../../../apdu/bytes.js';
import { CommandApdu } from '../../../../apdu/command-apdu.js';
import { SW } from '../../../../apdu/status-words.js';
import { createBlockCipher } from '../../../../crypto/block-cipher.js';
import { verifyCrlSignature } from '../../../../crypto/cert/crl.js';
import { CertificateError, parseCertificate, verifyChain, type ParsedCertificate } from '../../../../crypto/cert/x509.js';
import { sm2Verify } from '../../../../crypto/sm2/index.js';
import { PKI_ADF_AID, PKI_AID, PKI_PIN_REFERENCE, PSO_CDS_P1P2, SIGN_CERT_FID, pkiPinKey } from '../../../../spec/pki.js';
import { isValidPin } from '../../../../spec/ssse/pin-commands.js';
import { send, type KernelContext } from '../context.js';
import { badResponse, isInterruption, unexpectedSw, type CardFault, type Interruption } from '../outcomes.js';
import { buildPath, checkRevocation, checkValidity, type PathProblem, type TrustStore } from '../trust.js';
import { getChallenge } from './external-auth.js';
import { selectEfCommand } from './select.js';

export type IdentityRefusal = PathProblem | 'bad-certificate' | 'bad-signature' | 'identity-mismatch';

/** The card's certificate, as shown. */
export interface CertificateView {
  subject: string;
  issuer: string;
  serial: string;
  notBefore: Date;
  notAfter: Date;
}

export type IdentityOutcome =
  | {
      outcome: 'authenticated';
      certificate: CertificateView;
      /** Subjects from the card's certificate to the trusted root. */
      chain: string[];
      challenge: string;
      signature: string;
    }
  /** The terminal refuses the card's identity. */
  | { outcome: 'untrusted'; reason: IdentityRefusal; detail: string; certificate?: CertificateView }
  /** The card has no PKI application (second generation), or not on this interface. */
  | { outcome: 'unavailable'; detail: string }
  | { outcome: 'wrong-pin'; triesLeft: number }
  | { outcome: 'pin-blocked' }
  | Interruption;

/** Longest certificate the kernel reads (a sanity bound, far above a real SM2 certificate). */
const MAX_CERTIFICATE = 4096;
/** READ BINARY chunk. */
const CHUNK = 0xe0;
const CHALLENGE_LENGTH = 32;

function selectByName(aid: string, ne = 256): CommandApdu {
  return CommandApdu.of({ cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: fromHex(aid), ne });
}

const view = (c: ParsedCertificate): CertificateView => ({ subject: c.subject, issuer: c.issuer, serial: c.serialHex, notBefore: c.notBefore, notAfter: c.notAfter });

/** READ BINARY of the current EF holding one DER object: the length from its header, then chunks. */
async function readDerFile(ctx: KernelContext, what: string): Promise<Uint8Array | CardFault> {
  const step = `READ BINARY ${what}`;
  const headCmd = CommandApdu.of({ cla: 0x00, ins: 0xb0, p1: 0x00, p2: 0x00, ne: 4 });
  const head = await send(ctx, step, headCmd);
  if (isInterruption(head)) return head;
  if (head.sw !== SW.OK) return unexpectedSw(step, headCmd.encode(), head.sw);
  const h = head.data;
  if (h.length !== 4 || h[0] !== 0x30 || (h[1] !== 0x81 && h[1] !== 0x82)) {
    return badResponse(step, headCmd.encode(), 'the file does not start with a DER SEQUENCE of a certificate', head.sw);
  }
  const total = h[1] === 0x81 ? 3 + h[2]! : 4 + readUintBE(h, 2, 2);
  if (total > MAX_CERTIFICATE || total < 4) return badResponse(step, headCmd.encode(), `a certificate of ${total} bytes is not plausible`, head.sw);
  const parts: Uint8Array[] = [h.subarray(0, Math.min(4, total))];
  for (let offset = 4; offset < total; ) {
    const n = Math.min(CHUNK, total - offset);
    const cmd = CommandApdu.of({ cla: 0x00, ins: 0xb0, p1: offset >> 8, p2: offset & 0xff, ne: n });
    const r = await send(ctx, step, cmd);
    if (isInterruption(r)) return r;
    if (r.sw !== SW.OK) return unexpectedSw(step, cmd.encode(), r.sw);
    if (r.data.length === 0 || r.data.length > n) return badResponse(step, cmd.encode(), `${r.data.length} bytes answered, ${n} asked`, r.sw);
    parts.push(r.data);
    offset += r.data.length;
  }
  return concat(...parts);
}

/** The value of the serialNumber attribute of a subject (RFC 4514 text), if any. */
function subjectSerialNumber(subject: string): string | undefined {
  const m = /(?:^|, )serialNumber=([^,]+)/.exec(subject);
  return m?.[1];
}

/**
 * Authenticates the cardholder online (DOMAIN.md §1.5).
 * @param expectedIdNumber the 社会保障号码 read from EF06, which the certificate must name
 * @throws RangeError when `pin` is not 4–12 digits
 */
export async function authenticateIdentity(ctx: KernelContext, trust: TrustStore, pin: string, expectedIdNumber?: string): Promise<IdentityOutcome> {
  if (!isValidPin(pin)) throw new RangeError('authenticateIdentity: a PIN is 4 to 12 digits');
  ctx.learned.inSsse = false;
  const pki = await send(ctx, 'SELECT PKI', selectByName(PKI_AID));
  if (isInterruption(pki)) return pki;
  if (pki.sw === SW.FILE_NOT_FOUND) {
    return { outcome: 'unavailable', detail: `the card has no PKI application${ctx.card.interface === 'contactless' ? ' on the contactless interface' : ' (a second-generation card)'}` };
  }
  if (pki.sw !== SW.OK) return unexpectedSw('SELECT PKI', selectByName(PKI_AID).encode(), pki.sw);
  const adf = await send(ctx, 'SELECT PKI ADF', selectByName(PKI_ADF_AID));
  if (isInterruption(adf)) return adf;
  if (adf.sw !== SW.OK) return unexpectedSw('SELECT PKI ADF', selectByName(PKI_ADF_AID).encode(), adf.sw);
  const ef = await send(ctx, 'SELECT EF 0018', selectEfCommand(SIGN_CERT_FID));
  if (isInterruption(ef)) return ef;
  if (ef.sw !== SW.OK) return unexpectedSw('SELECT EF 0018', selectEfCommand(SIGN_CERT_FID).encode(), ef.sw);

  // 1. the certificate
  const der = await readDerFile(ctx, 'EF 0018 (signing certificate)');
  if (isInterruption(der)) return der;
  let cert: ParsedCertificate;
  try {
    cert = parseCertificate(der);
  } catch (err) {
    if (err instanceof RangeError) return { outcome: 'untrusted', reason: 'bad-certificate', detail: `the card's certificate cannot be read: ${err.message}` };
    throw err;
  }
  const certificate = view(cert);

  // 2. the path to a trusted root, validity, revocation
  const now = ctx.clock.now();
  const path = buildPath(cert, trust);
  if (!path.ok) return { outcome: 'untrusted', reason: path.reason, detail: path.detail, certificate };
  const invalid = checkValidity(path.path, path.root, now) ?? checkRevocation(path.path, path.root, trust, now, verifyCrlSignature);
  if (invalid && !invalid.ok) return { outcome: 'untrusted', reason: invalid.reason, detail: invalid.detail, certificate };
  try {
    verifyChain(path.path, path.root, now);
  } catch (err) {
    if (err instanceof CertificateError) return { outcome: 'untrusted', reason: 'bad-chain', detail: err.message, certificate };
    throw err;
  }

  // 3. whose certificate
  const named = subjectSerialNumber(cert.subject);
  if (expectedIdNumber !== undefined && named !== undefined && named !== expectedIdNumber) {
    return { outcome: 'untrusted', reason: 'identity-mismatch', detail: `the certificate names ${named}, the card's 社会保障号码 is ${expectedIdNumber}`, certificate };
  }

  // 4. the PKI PIN, enciphered under the card's challenge
  const challenge = await getChallenge(ctx, 8);
  if (isInterruption(challenge)) return challenge;
  const key = pkiPinKey(pin.length % 2 ? `${pin}F` : pin);
  const block = createBlockCipher('SM4', key).encrypt(concat(challenge, new Uint8Array(8)));
  const verifyCmd = CommandApdu.of({ cla: 0x00, ins: 0x20, p1: 0x01, p2: PKI_PIN_REFERENCE, data: block });
  const v = await send(ctx, 'VERIFY (PKI PIN)', verifyCmd);
  if (isInterruption(v)) return v;
  if ((v.sw & 0xfff0) === 0x63c0) return { outcome: 'wrong-pin', triesLeft: v.sw & 0x0f };
  if (v.sw === SW.AUTH_METHOD_BLOCKED) return { outcome: 'pin-blocked' };
  if (v.sw !== SW.OK) return unexpectedSw('VERIFY (PKI PIN)', verifyCmd.encode(), v.sw);

  // 5. the card signs the terminal's challenge
  const nonce = ctx.random(CHALLENGE_LENGTH);
  const signCmd = CommandApdu.of({ cla: 0x00, ins: 0x2a, p1: PSO_CDS_P1P2[0], p2: PSO_CDS_P1P2[1], data: nonce, ne: 256 });
  const s = await send(ctx, 'PSO COMPUTE DIGITAL SIGNATURE', signCmd);
  if (isInterruption(s)) return s;
  if (s.sw !== SW.OK) return unexpectedSw('PSO COMPUTE DIGITAL SIGNATURE', signCmd.encode(), s.sw);
  if (s.data.length !== 64) return badResponse('PSO COMPUTE DIGITAL SIGNATURE', signCmd.encode(), `the signature is ${s.data.length} bytes, expected 64 (r ‖ s)`, s.sw);
  if (!sm2Verify(cert.publicKey, nonce, s.data)) {
    return { outcome: 'untrusted', reason: 'bad-signature', detail: 'the card\'s SM2 signature of the challenge does not verify with its certificate\'s key', certificate };
  }
  return {
    outcome: 'authenticated',
    certificate,
    chain: [...path.path, path.root].map((c) => c.subject),
    challenge: toHex(nonce),
    signature: toHex(s.data),
  };
}
