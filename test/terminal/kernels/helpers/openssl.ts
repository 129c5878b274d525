/**
 * PBOC symmetric computations by the OpenSSL CLI (`openssl enc -sm4-ecb/-sm4-cbc`, OpenSSL 3.0) over the
 * layouts written here (DOMAIN.md §2 and docs/pboc.md, [R] for SM4): an implementation independent of
 * src/crypto, for the ARQC, ARPC and script-MAC vectors of the kernel tests.
 *
 * - UDK = SM4_IMK(D ‖ ¬D), D = the BCD of the rightmost 16 digits of PAN ‖ PSN;
 * - SK = SM4_UDK(00×6 ‖ ATC ‖ 00×6 ‖ ¬ATC);
 * - MAC = leftmost 8 bytes of the last block of SM4-CBC (zero IV) over data ‖ 80 00… (ISO 9797-1 method 2);
 * - ARPC = leftmost 8 bytes of SM4_SK((ARQC ⊕ (ARC ‖ 00×6)) ‖ 00×8);
 * - script MAC = leftmost 4 bytes of MAC(SK_MAC, CLA INS P1 P2 Lc ‖ ATC ‖ ARQC ‖ data).
 */
import { spawnSync } from 'node:child_process';

const hex = (b: Uint8Array | Buffer) => Buffer.from(b).toString('hex').toUpperCase();
const bytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));

/** Whether the OpenSSL CLI with SM4 is available. */
export function opensslHasSm4(): boolean {
  const r = spawnSync('openssl', ['enc', '-sm4-ecb', '-K', '00'.repeat(16), '-nopad'], { input: Buffer.alloc(16) });
  return r.status === 0 && r.stdout.length === 16;
}

function sm4(mode: 'ecb' | 'cbc', key: string, data: Uint8Array): Uint8Array {
  const args = ['enc', `-sm4-${mode}`, '-K', key, '-nopad', ...(mode === 'cbc' ? ['-iv', '00'.repeat(16)] : [])];
  const r = spawnSync('openssl', args, { input: Buffer.from(data) });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr.toString()}`);
  return new Uint8Array(r.stdout);
}

const not = (b: Uint8Array) => b.map((x) => x ^ 0xff);

export function udk(imk: string, pan: string, psn: string): string {
  const digits = (pan + psn.padStart(2, '0')).padStart(16, '0').slice(-16);
  const d = bytes(digits);
  return hex(sm4('ecb', imk, Uint8Array.from([...d, ...not(d)])));
}

export function sessionKey(udkHex: string, atc: number): string {
  const block = new Uint8Array(16);
  block[6] = atc >> 8;
  block[7] = atc & 0xff;
  block[14] = ~atc >> 8 & 0xff;
  block[15] = ~atc & 0xff;
  return hex(sm4('ecb', udkHex, block));
}

export function mac(key: string, data: Uint8Array, length = 8): string {
  const padded = new Uint8Array(Math.ceil((data.length + 1) / 16) * 16);
  padded.set(data);
  padded[data.length] = 0x80;
  const out = sm4('cbc', key, padded);
  return hex(out.subarray(out.length - 16, out.length - 16 + length));
}

export function arpc(key: string, arqc: string, arc: string): string {
  const x = bytes(arqc);
  const a = bytes(arc);
  x[0]! ^= a[0]!;
  x[1]! ^= a[1]!;
  return hex(sm4('ecb', key, Uint8Array.from([...x, ...new Uint8Array(8)])).subarray(0, 8));
}

export { bytes as hexBytes, hex as toHexString };
