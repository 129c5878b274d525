/**
 * The PSAM's computations (DOMAIN.md §1.4) composed from the OpenSSL command line: every block operation is
 * an `openssl enc -sm4-ecb|-sm4-cbc|-des-ede-ecb|-des-ede-cbc -nopad` process, and the layouts around it are
 * written out here, in hex, without src/. Test helper of the PSAM vectors and transcripts, not a test.
 *
 * | computation | layout |
 * |-------------|--------|
 * | level 1 (province) | ASCII(region[0..2]) ‖ 30 30 30 30 73 68 |
 * | level 2 (city)     | ASCII(region) ‖ 73 78 |
 * | level 3 (card)     | ATR historical bytes T6–TD |
 * | diversify, SM4     | SM4_K(D ‖ ¬D) [R] |
 * | diversify, 3DES    | 3DES_K(D) ‖ 3DES_K(¬D) |
 * | session key        | E_K(R ‖ 00… to the block) |
 * | fold               | left 8 ⊕ right 8 of a 16-byte block |
 * | SSSE MAC           | data ‖ 80 00… to the block, CBC (IV 0 or given), last block; DES leftmost 4, SM4 w1⊕w2⊕w3⊕w4 |
 * | debit session key  | E_DPK(random(4) ‖ sequence(2) ‖ terminalSeq[2..4] ‖ 00… to the block) |
 * | MAC1 / MAC2 / TAC  | amounts(12) ‖ 31 ‖ terminal(6) ‖ time(7) / amounts(12) / amounts ‖ 31 ‖ terminal ‖ terminalSeq(4) ‖ time |
 * | TAC key            | SM4: DTK; 3DES: single DES under DTK_left ⊕ DTK_right [R] |
 */
import { execFileSync } from 'node:child_process';

export type Alg = 'SM4' | '3DES';

const clean = (h: string) => h.replace(/\s/g, '').toUpperCase();
export const blockOf = (alg: Alg) => (alg === 'SM4' ? 16 : 8);

function openssl(cipher: string, keyHex: string, dataHex: string, iv?: string): string {
  const args = ['enc', `-${cipher}`, '-nopad', '-K', keyHex, ...(iv ? ['-iv', iv] : [])];
  return execFileSync('openssl', args, { input: Buffer.from(clean(dataHex), 'hex') }).toString('hex').toUpperCase();
}

/** The OpenSSL cipher name and key for a key of the algorithm (an 8-byte DES-family key as K ‖ K). */
function cipherOf(alg: Alg, keyHex: string, mode: 'ecb' | 'cbc'): [string, string] {
  if (alg === 'SM4') return [`sm4-${mode}`, keyHex];
  return [`des-ede-${mode}`, keyHex.length === 16 ? keyHex + keyHex : keyHex];
}

export function ecb(alg: Alg, keyHex: string, dataHex: string): string {
  const [c, k] = cipherOf(alg, clean(keyHex), 'ecb');
  return openssl(c, k, dataHex);
}

export function xorHex(a: string, b: string): string {
  const bb = Buffer.from(b, 'hex');
  return Buffer.from(Buffer.from(a, 'hex').map((x, i) => x ^ bb[i]!)).toString('hex').toUpperCase();
}

const notHex = (h: string) => Buffer.from(Buffer.from(h, 'hex').map((x) => x ^ 0xff)).toString('hex').toUpperCase();
const asciiHex = (s: string) => Buffer.from(s, 'ascii').toString('hex').toUpperCase();
export const zeroPad = (h: string, block: number) => clean(h).padEnd(2 * block, '0');

export const level1 = (region: string) => `${asciiHex(region.slice(0, 2))}303030307368`;
export const level2 = (region: string) => `${asciiHex(region)}7378`;

export function diversifyOnce(alg: Alg, keyHex: string, d: string): string {
  if (alg === 'SM4') return ecb(alg, keyHex, d + notHex(d));
  return ecb(alg, keyHex, d) + ecb(alg, keyHex, notHex(d));
}

/** DK: master → province → city → card. */
export function cardKey(alg: Alg, masterHex: string, region: string, cardData: string): string {
  return [level1(region), level2(region), clean(cardData)].reduce((k, d) => diversifyOnce(alg, k, d), clean(masterHex));
}

/** E_K(R ‖ 00…): SM4 16 bytes, 3DES 8 bytes (a single-DES key). */
export function sessionKey(alg: Alg, keyHex: string, r: string): string {
  return ecb(alg, keyHex, zeroPad(r, blockOf(alg)));
}

export function fold(block: string): string {
  return block.length === 16 ? block : xorHex(block.slice(0, 16), block.slice(16, 32));
}

/** Authentication data: fold(E_K(orig ‖ 00×8)) (SM4), E_K(orig) (DES family). */
export function authData(alg: Alg, keyHex: string, orig: string): string {
  return fold(ecb(alg, keyHex, zeroPad(orig, blockOf(alg))));
}

export function ssseMac(alg: Alg, keyHex: string, dataHex: string, ivHex?: string): string {
  const bs = blockOf(alg);
  let padded = `${clean(dataHex)}80`;
  while ((padded.length / 2) % bs !== 0) padded += '00';
  const [c, k] = cipherOf(alg, clean(keyHex), 'cbc');
  const out = openssl(c, k, padded, ivHex ? zeroPad(ivHex, bs) : '00'.repeat(bs));
  const last = out.slice(out.length - 2 * bs);
  if (bs === 8) return last.slice(0, 8);
  return [8, 16, 24].reduce((acc, i) => xorHex(acc, last.slice(i, i + 8)), last.slice(0, 8));
}

const u32 = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');
export const amountsHex = (a: { account: number; selfPay: number; fund: number }) => u32(a.account) + u32(a.selfPay) + u32(a.fund);

export function debitSessionKey(alg: Alg, dpk: string, random: string, sequence: number, terminalSequence: string): string {
  return sessionKey(alg, dpk, `${random}${sequence.toString(16).padStart(4, '0')}${terminalSequence.slice(4, 8)}`);
}

export function tacKey(alg: Alg, dtk: string): string {
  return alg === 'SM4' ? dtk : xorHex(dtk.slice(0, 16), dtk.slice(16, 32));
}
