/**
 * Independent oracles for the symmetric-crypto tests: the `openssl enc` command-line tool (a separate
 * process, its own code path) and the pure-JavaScript sm-crypto package. Test helpers, not tests.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

/** Runs `openssl enc -<cipher> -nopad -K key [-iv iv] [-d]` on `data`; keys and IVs in hex. */
export function opensslEnc(
  cipher: string,
  keyHex: string,
  data: Uint8Array,
  options: { iv?: string; decrypt?: boolean } = {},
): Uint8Array {
  const args = ['enc', `-${cipher}`, '-nopad', '-K', keyHex];
  if (options.iv !== undefined) args.push('-iv', options.iv);
  if (options.decrypt) args.push('-d');
  return new Uint8Array(execFileSync('openssl', args, { input: data, stdio: ['pipe', 'pipe', 'pipe'] }));
}

/** `openssl dgst -sm3` of `data`, hex. */
export function opensslSm3(data: Uint8Array): string {
  const out = execFileSync('openssl', ['dgst', '-sm3', '-r'], { input: data }).toString();
  return out.split(' ')[0]!.trim();
}

/** Single DES through the CLI, as 2-key 3DES with K1 = K2 (`des-ecb` is in OpenSSL 3's legacy provider). */
export function opensslDes(keyHex: string, data: Uint8Array, decrypt = false): Uint8Array {
  return opensslEnc('des-ede', keyHex + keyHex, data, { decrypt });
}

interface SmCrypto {
  sm3(input: string | number[] | Uint8Array): string;
  sm4: {
    encrypt(input: number[] | Uint8Array, key: string, options: Record<string, unknown>): number[];
    decrypt(input: number[] | Uint8Array, key: string, options: Record<string, unknown>): number[];
  };
}

/** The sm-crypto package (pure JavaScript, no types shipped). */
export const smCrypto = createRequire(import.meta.url)('sm-crypto') as SmCrypto;

/** ISO 9797-1 method-2 padding written out independently for the tests. */
export function pad80(data: Uint8Array, block: number): Uint8Array {
  const out = new Uint8Array(data.length + block - (data.length % block));
  out.set(data);
  out[data.length] = 0x80;
  return out;
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase();
export const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s/g, ''), 'hex'));
export const notBytes = (b: Uint8Array): Uint8Array => b.map((x) => x ^ 0xff);

/** Last block of `openssl enc -<cbcCipher>` over the method-2-padded data: an independent CBC-MAC. */
export function opensslCbcMac(cbcCipher: string, keyHex: string, data: Uint8Array, blockSize: number, iv?: string): Uint8Array {
  const out = opensslEnc(cbcCipher, keyHex, pad80(data, blockSize), { iv: iv ?? '00'.repeat(blockSize) });
  return out.slice(out.length - blockSize);
}

/**
 * ISO 9797-1 MAC algorithm 3 from openssl CLI pieces: CBC single DES under K1 (`des-ede-cbc` with
 * K1‖K1), then the last block decrypted under K2 and encrypted under K1.
 */
export function opensslRetailMac(key16Hex: string, data: Uint8Array): Uint8Array {
  const k1 = key16Hex.slice(0, 16);
  const k2 = key16Hex.slice(16, 32);
  const h = opensslCbcMac('des-ede-cbc', k1 + k1, data, 8);
  return opensslDes(k1, opensslDes(k2, h, true));
}
