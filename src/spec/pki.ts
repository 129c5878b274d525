/**
 * The third-generation PKI application as both sides see it (DOMAIN.md §1.5 [C, one vendor's COS];
 * ISO/IEC 7816-8 §5.4 PSO COMPUTE DIGITAL SIGNATURE; GM/T 0009 SM2 with the default user ID).
 */
import { fromHex } from '../apdu/bytes.js';
import { sm3 } from '../crypto/sm3.js';

/** "PKI.社会保障" in GBK. */
export const PKI_AID = '504B492EC9E7BBE1B1A3D5CF';
/** "SS.CERT.ADF1". */
export const PKI_ADF_AID = '53532E434552542E41444631';
/** VERIFY P2 of the PKI PIN (the vendor trace verifies with 00 20 01 81). */
export const PKI_PIN_REFERENCE = 0x81;
/** EF of the signing certificate (DER X.509, SM2/SM3). */
export const SIGN_CERT_FID = 0x0018;
/** EF of the encryption certificate. */
export const ENCRYPTION_CERT_FID = 0x0019;
/** P1 P2 of PSO COMPUTE DIGITAL SIGNATURE (`00 2A 9E 9A`, ISO/IEC 7816-8 §5.4). */
export const PSO_CDS_P1P2 = [0x9e, 0x9a] as const;
/** The vendor's public-key read `80 C9 82 80` → 04 ‖ X ‖ Y (DOMAIN.md §1.5). */
export const GET_PUBLIC_KEY_HEADER = [0x80, 0xc9, 0x82, 0x80] as const;

/**
 * Key of the vendor's enciphered user-PIN verification (DOMAIN.md §1.5 [C]): the first 16 bytes of
 * SM3(PIN as BCD). The terminal sends `00 20 01 81 10 ‖ SM4-ECB(K, challenge(8) ‖ 00×8)` after GET CHALLENGE.
 * For PIN 123456: 3DE741F445DD357BEA4E6C3FE6437036 [V].
 */
export function pkiPinKey(pin: string): Uint8Array {
  if (!/^\d{1,16}F?$/.test(pin) || pin.length % 2 !== 0) throw new RangeError(`pkiPinKey: pin must be an even number of digits (2..16), got ${pin.length} characters`);
  return sm3(fromHex(pin)).slice(0, 16);
}
