/**
 * Block ciphers of the card: SM4 (GB/T 32907-2016), 3DES (two- or three-key TDEA, NIST SP 800-67) and
 * single DES, with ECB and CBC modes and no padding (padding is `padding.ts`'s job).
 *
 * Built on Node's native OpenSSL ciphers (DOMAIN.md §6.1). One `BlockCipher` holds at most four OpenSSL
 * contexts (ECB/CBC × encrypt/decrypt), each created on first use and reused for every later call:
 * - ECB has no chaining state, so blocks are fed through `update()` and `final()` is never called.
 * - CBC reuses a running `*-cbc` context. Its chaining value after a call is the last ciphertext block,
 *   so a new IV is injected by XOR-ing the first block with `IV ⊕ chainingValue` (encryption: before,
 *   decryption: after); the rest chains natively. One native call per operation, no per-call setup.
 *
 * Single DES: OpenSSL 3 keeps `des-ecb`/`des-cbc` in the legacy provider, which is not loaded; DES is
 * therefore run as two-key 3DES with K1 = K2 (EDE with equal keys is single DES).
 */
import { createCipheriv, createDecipheriv, type Cipher, type Decipher } from 'node:crypto';

/** The block algorithms of DOMAIN.md §1.4 / §2. */
export type BlockAlgorithm = 'SM4' | '3DES' | 'DES';

/** The block algorithms of the PBOC financial application (DOMAIN.md §2). */
export type PbocAlgorithm = 'SM4' | '3DES';

/** A keyed block cipher. All methods take and return whole blocks (no padding). */
export interface BlockCipher {
  readonly algorithm: BlockAlgorithm;
  readonly blockSize: 8 | 16;
  /** ECB encryption; `data.length` must be a multiple of `blockSize` (RangeError otherwise). */
  encrypt(data: Uint8Array): Uint8Array;
  /** ECB decryption; `data.length` must be a multiple of `blockSize` (RangeError otherwise). */
  decrypt(data: Uint8Array): Uint8Array;
  /** CBC encryption with `iv` (`blockSize` bytes). */
  encryptCbc(data: Uint8Array, iv: Uint8Array): Uint8Array;
  /** CBC decryption with `iv` (`blockSize` bytes). */
  decryptCbc(data: Uint8Array, iv: Uint8Array): Uint8Array;
}

interface AlgorithmSpec {
  readonly blockSize: 8 | 16;
  /** Accepted key lengths in bytes. */
  readonly keyLengths: readonly number[];
  /** OpenSSL names and the key OpenSSL gets, by key length. */
  readonly openssl: (key: Uint8Array) => { ecb: string; cbc: string; key: Uint8Array };
}

const ALGORITHMS: Readonly<Record<BlockAlgorithm, AlgorithmSpec>> = {
  SM4: { blockSize: 16, keyLengths: [16], openssl: (key) => ({ ecb: 'sm4-ecb', cbc: 'sm4-cbc', key }) },
  '3DES': {
    blockSize: 8,
    keyLengths: [16, 24],
    openssl: (key) =>
      key.length === 16
        ? { ecb: 'des-ede-ecb', cbc: 'des-ede-cbc', key }
        : { ecb: 'des-ede3-ecb', cbc: 'des-ede3-cbc', key },
  },
  DES: {
    blockSize: 8,
    keyLengths: [8],
    openssl: (key) => {
      const k = new Uint8Array(16);
      k.set(key, 0);
      k.set(key, 8);
      return { ecb: 'des-ede-ecb', cbc: 'des-ede-cbc', key: k };
    },
  },
};

/** Block size of `algorithm` in bytes. */
export function blockSizeOf(algorithm: BlockAlgorithm): 8 | 16 {
  return specOf(algorithm, 'algorithm').blockSize;
}

/** Key lengths `algorithm` accepts, in bytes. */
export function keyLengthsOf(algorithm: BlockAlgorithm): readonly number[] {
  return specOf(algorithm, 'algorithm').keyLengths;
}

/**
 * Creates a keyed block cipher.
 * @param algorithm `SM4` (16-byte key), `3DES` (16-byte two-key or 24-byte three-key), `DES` (8-byte key)
 * @param key the key; DES parity bits are ignored, as OpenSSL does
 * @throws RangeError naming `algorithm` or `key` when they are not valid
 */
export function createBlockCipher(algorithm: BlockAlgorithm, key: Uint8Array): BlockCipher {
  const spec = specOf(algorithm, 'algorithm');
  checkBytes(key, 'key');
  if (!spec.keyLengths.includes(key.length)) {
    throw new RangeError(`key: ${algorithm} needs a key of ${spec.keyLengths.join(' or ')} bytes, got ${key.length}`);
  }
  return new NativeBlockCipher(algorithm, spec.blockSize, spec.openssl(key));
}

/**
 * A cipher for a key of the DES family chosen by the key's length, as the SSSE and purse schemes need:
 * a session key derived under a 3DES key is one 8-byte block, used as a single-DES key
 * (DOMAIN.md §1.4 "DES keeps the leftmost 4 bytes"). So `3DES`/`DES` with 8 bytes → DES, with 16 or 24
 * bytes → 3DES; `SM4` needs 16 bytes.
 * @throws RangeError naming `key` for any other length
 */
export function cipherFor(algorithm: BlockAlgorithm, key: Uint8Array): BlockCipher {
  specOf(algorithm, 'algorithm');
  if (algorithm === 'SM4') return createBlockCipher('SM4', key);
  checkBytes(key, 'key');
  if (key.length === 8) return createBlockCipher('DES', key);
  if (key.length === 16 || key.length === 24) return createBlockCipher('3DES', key);
  throw new RangeError(`key: a ${algorithm} key must be 8, 16 or 24 bytes, got ${key.length}`);
}

function specOf(algorithm: BlockAlgorithm, what: string): AlgorithmSpec {
  const spec = Object.hasOwn(ALGORITHMS, algorithm) ? ALGORITHMS[algorithm] : undefined;
  if (!spec) throw new RangeError(`${what}: unknown block algorithm ${JSON.stringify(algorithm)} (SM4, 3DES or DES)`);
  return spec;
}

function checkBytes(value: unknown, what: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${what}: must be a Uint8Array`);
}

function view(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

class NativeBlockCipher implements BlockCipher {
  readonly #names: { ecb: string; cbc: string; key: Uint8Array };
  #ecbEnc: Cipher | undefined;
  #ecbDec: Decipher | undefined;
  #cbcEnc: Cipher | undefined;
  #cbcDec: Decipher | undefined;
  /** The chaining value the running CBC contexts hold (last ciphertext block they saw). */
  readonly #cbcEncState: Uint8Array;
  readonly #cbcDecState: Uint8Array;

  constructor(
    readonly algorithm: BlockAlgorithm,
    readonly blockSize: 8 | 16,
    names: { ecb: string; cbc: string; key: Uint8Array },
  ) {
    this.#names = { ...names, key: Uint8Array.from(names.key) };
    this.#cbcEncState = new Uint8Array(blockSize);
    this.#cbcDecState = new Uint8Array(blockSize);
  }

  encrypt(data: Uint8Array): Uint8Array {
    this.#checkData(data, 'data');
    if (data.length === 0) return new Uint8Array(0);
    this.#ecbEnc ??= withoutPadding(createCipheriv(this.#names.ecb, this.#names.key, null));
    return view(this.#ecbEnc.update(data));
  }

  decrypt(data: Uint8Array): Uint8Array {
    this.#checkData(data, 'data');
    if (data.length === 0) return new Uint8Array(0);
    this.#ecbDec ??= withoutPadding(createDecipheriv(this.#names.ecb, this.#names.key, null));
    return view(this.#ecbDec.update(data));
  }

  encryptCbc(data: Uint8Array, iv: Uint8Array): Uint8Array {
    this.#checkData(data, 'data');
    this.#checkIv(iv);
    const n = data.length;
    if (n === 0) return new Uint8Array(0);
    const bs = this.blockSize;
    this.#cbcEnc ??= withoutPadding(createCipheriv(this.#names.cbc, this.#names.key, this.#cbcEncState));
    // first block: P1 ⊕ IV ⊕ S, so that the context's own "⊕ S" leaves P1 ⊕ IV
    const input = Uint8Array.from(data);
    const state = this.#cbcEncState;
    for (let i = 0; i < bs; i++) input[i]! ^= iv[i]! ^ state[i]!;
    const out = view(this.#cbcEnc.update(input));
    state.set(out.subarray(n - bs, n));
    return out;
  }

  decryptCbc(data: Uint8Array, iv: Uint8Array): Uint8Array {
    this.#checkData(data, 'data');
    this.#checkIv(iv);
    const n = data.length;
    if (n === 0) return new Uint8Array(0);
    const bs = this.blockSize;
    this.#cbcDec ??= withoutPadding(createDecipheriv(this.#names.cbc, this.#names.key, this.#cbcDecState));
    // the context computes D(C1) ⊕ S for the first block; turn it into D(C1) ⊕ IV
    const out = view(this.#cbcDec.update(data));
    const state = this.#cbcDecState;
    for (let i = 0; i < bs; i++) out[i]! ^= iv[i]! ^ state[i]!;
    state.set(data.subarray(n - bs, n));
    return out;
  }

  #checkData(data: Uint8Array, what: string): void {
    checkBytes(data, what);
    if (data.length % this.blockSize !== 0) {
      throw new RangeError(
        `${what}: ${this.algorithm} needs a multiple of ${this.blockSize} bytes, got ${data.length} (pad first)`,
      );
    }
  }

  #checkIv(iv: Uint8Array): void {
    checkBytes(iv, 'iv');
    if (iv.length !== this.blockSize) {
      throw new RangeError(`iv: ${this.algorithm} needs a ${this.blockSize}-byte IV, got ${iv.length}`);
    }
  }
}

function withoutPadding<T extends Cipher | Decipher>(c: T): T {
  c.setAutoPadding(false);
  return c;
}
