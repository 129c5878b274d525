/**
 * SM2 (GM/T 0003) for sscard: keys, Z_A, signatures, encryption, DER and PEM forms (DOMAIN.md §1.5, §2, §6).
 * Built on `@noble/curves` v2 `weierstrass()` with the recommended curve; docs/crypto-sm2.md.
 */
export {
  SM2_CURVE,
  SM2_CURVE_OID,
  SM2_CURVE_PARAMS,
  createSm2Curve,
  type Sm2Curve,
  type Sm2CurveParams,
  type Sm2Point,
} from './curve.js';
export {
  SM2_DEFAULT_ID,
  sm2AssertPublicKey,
  sm2GenerateKeyPair,
  sm2PrivateScalar,
  sm2PublicKeyFromPrivate,
  sm2Za,
  type Sm2KeyPair,
} from './keys.js';
export {
  sm2MessageDigest,
  sm2Sign,
  sm2SignatureComponents,
  sm2SignatureFromDer,
  sm2SignatureToDer,
  sm2Verify,
  type Sm2SignOptions,
  type Sm2VerifyOptions,
} from './sign.js';
export { sm2CiphertextFromDer, sm2CiphertextToDer, sm2Decrypt, sm2Encrypt, sm2Kdf } from './encrypt.js';
export {
  EC_PUBLIC_KEY_OID,
  pemDecode,
  pemEncode,
  sm2PrivateKeyFromPem,
  sm2PrivateKeyToPem,
  sm2PrivateKeyToPkcs8,
  sm2PrivateKeyToSec1,
  sm2PublicKeyFromSpki,
  sm2PublicKeyToPem,
  sm2PublicKeyToSpki,
} from './pem.js';
export { derivedRandom } from './nonce.js';
