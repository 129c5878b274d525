/**
 * The third-generation PKI application (DOMAIN.md §1.5): AID `504B492EC9E7BBE1B1A3D5CF` ("PKI.社会保障"),
 * ADF `53532E434552542E41444631` ("SS.CERT.ADF1") holding the signing certificate in EF 0018, an SM2 key
 * pair generated at personalisation (the private key lives only in the application's persistent state:
 * no command reads it) and PIN_PKI.
 *
 * Commands handled here (everything else — SELECT, READ BINARY of EF 0018, VERIFY of PIN_PKI with
 * P2=81 — is the card OS's):
 *
 * | command                         | APDU                      | response |
 * |---------------------------------|---------------------------|----------|
 * | PSO: COMPUTE DIGITAL SIGNATURE  | 00 2A 9E 9A Lc data [00]  | r ‖ s (64 bytes) = SM2 over SM3(Z_A ‖ data), ID 1234567812345678 |
 * | GET PUBLIC KEY [vendor]         | 80 C9 82 80 00            | 04 ‖ X ‖ Y (65 bytes) |
 *
 * Why PSO CDS (ISO 7816-8 §5.4) and not INTERNAL AUTHENTICATE: the SSSE application already gives
 * INTERNAL AUTHENTICATE (00 88) a symmetric meaning (factor ‖ data → 8-byte cryptogram, DOMAIN.md §1.3);
 * PSO CDS is the ISO command whose only meaning is "sign this", so a terminal cannot confuse the two.
 * The vendor key-generation and public-key commands of DOMAIN.md §1.5 are personalisation commands of
 * one vendor's COS; only the public-key read (80 C9 82 80) is answered. docs/pki.md.
 *
 * The data field is the message itself (the card hashes Z_A ‖ data with SM3), at most 255 bytes in a
 * short APDU or up to the extended-length limit.
 */
import type { CommandApdu } from '../../../apdu/command-apdu.js';
import { ResponseApdu } from '../../../apdu/response-apdu.js';
import { SW } from '../../../apdu/status-words.js';
import { CardError } from '../../runtime/card-error.js';
import { PKI_ADF_AID, PKI_AID, PKI_PIN_REFERENCE, SIGN_CERT_FID, pkiPinKey } from '../../../spec/pki.js';

export { PKI_ADF_AID, PKI_AID, PKI_PIN_REFERENCE, SIGN_CERT_FID, pkiPinKey };
/** `Application.id` of the PKI application. */
export const PKI_APP_ID = 'pki';
export const PKI_PIN_ID = 'PIN_PKI';

/** Persistent state of the PKI application (CardImage.apps.pki), inferred from the image schema (`pkiStateSchema`). */
import type { PkiState } from '../../image/schema.js';
export type { PkiState };

/** What the PKI application needs from the card OS. */
export interface PkiPort {
  pinVerified(): boolean;
  loadState(): PkiState;
  saveState(state: PkiState): void;
  /** SM2 signature r ‖ s over SM3(Z_A ‖ message) with the default ID. */
  sign(privateKey: string, message: Uint8Array): Uint8Array;
}

function computeSignature(cmd: CommandApdu, port: PkiPort): ResponseApdu {
  if (cmd.p1 !== 0x9e || cmd.p2 !== 0x9a) throw new CardError(SW.INCORRECT_P1P2);
  if (cmd.nc === 0) throw new CardError(SW.WRONG_LENGTH);
  if (!port.pinVerified()) throw new CardError(SW.SECURITY_STATUS_NOT_SATISFIED);
  const state = port.loadState();
  const signature = port.sign(state.privateKey, cmd.data);
  port.saveState({ ...state, signatures: state.signatures + 1 });
  return ResponseApdu.of(signature, SW.OK);
}

function getPublicKey(cmd: CommandApdu, port: PkiPort): ResponseApdu {
  if (cmd.p1 !== 0x82 || cmd.p2 !== 0x80) throw new CardError(SW.INCORRECT_P1P2);
  const hex = port.loadState().publicKey;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return ResponseApdu.of(out, SW.OK);
}

const HANDLERS: Record<string, (cmd: CommandApdu, port: PkiPort) => ResponseApdu> = {
  '00:2A': computeSignature,
  '80:C9': getPublicKey,
};

/** Processes a PKI command; undefined for commands the card OS handles. */
export function processPki(cmd: CommandApdu, port: PkiPort): ResponseApdu | undefined {
  const key = `${cmd.cla.toString(16).padStart(2, '0')}:${cmd.ins.toString(16).padStart(2, '0')}`.toUpperCase();
  const handler = HANDLERS[key];
  return handler ? handler(cmd, port) : undefined;
}
