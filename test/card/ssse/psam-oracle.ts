/**
 * A terminal-side oracle for the SSSE card tests: what a PSAM computes (DOMAIN.md §1.4), written out here
 * on nothing but a raw block cipher (ECB/CBC), so that the card's keys, cryptograms and MACs are checked
 * against an independent composition — not against the card's own helpers. Test helper, not a test.
 *
 * - diversification, three levels: province "<2 digits>0000sh", city "<6 digits>sx", card ATR T6–TD;
 *   SM4 E_K(D ‖ ¬D) [R], 3DES E_K(D) ‖ E_K(¬D), DES E_K(D);
 * - session key E_K(R ‖ 00…); authentication data E_K(orig) (8-byte block) or left ⊕ right of
 *   E_K(orig ‖ 00×8) (16-byte block);
 * - SSSE MAC: 80 00… padding, CBC (IV zero unless given), last block; DES leftmost 4, SM4 the XOR of the
 *   four words;
 * - medical debit: SK = E_DPK(random ‖ seq ‖ termSeq[2..4]); MAC1 = MAC(amounts ‖ '1' ‖ terminal ‖ time);
 *   MAC2 = MAC(amounts); TAC = MAC under DTK (SM4) or DTK_left ⊕ DTK_right (DES family) over
 *   amounts ‖ '1' ‖ terminal ‖ termSeq ‖ time (the [R] layouts of docs/ssse.md).
 */
import { createBlockCipher, type BlockCipher } from '../../../src/crypto/block-cipher.js';
import type { RandomSource } from '../../../src/env.js';
import type { Profile } from '../../../src/card/personalize/profile.js';
import type { KeyedDf } from '../../../src/spec/ssse/identifiers.js';
import type { KeyKind } from '../../../src/spec/ssse/keys.js';

type Alg = 'SM4' | '3DES' | 'DES';
const enc = new TextEncoder();
const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const not = (d: Uint8Array) => d.map((b) => b ^ 0xff);
const hexBytes = (h: string) => Uint8Array.from(h.match(/../g)!.map((x) => parseInt(x, 16)));
const u32 = (n: number) => Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
const u16 = (n: number) => Uint8Array.of(n >> 8, n & 0xff);

/** A cipher for a key: SM4; DES-family by key length (8 bytes single DES, 16 two-key 3DES). */
function cipher(alg: Alg, key: Uint8Array): BlockCipher {
  if (alg === 'SM4') return createBlockCipher('SM4', key);
  return key.length === 8 ? createBlockCipher('DES', key) : createBlockCipher('3DES', key);
}

function diversifyOnce(alg: Alg, key: Uint8Array, d: Uint8Array): Uint8Array {
  const c = cipher(alg, key);
  if (alg === 'SM4') return c.encrypt(cat(d, not(d)));
  if (alg === 'DES') return c.encrypt(d);
  return cat(c.encrypt(d), c.encrypt(not(d)));
}

function zeroPad(b: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  out.set(b.subarray(0, n));
  return out;
}

export function oracleMac(alg: Alg, key: Uint8Array, data: Uint8Array, iv?: Uint8Array): Uint8Array {
  const c = cipher(alg, key);
  const bs = c.blockSize;
  const padded = new Uint8Array(data.length + bs - (data.length % bs));
  padded.set(data);
  padded[data.length] = 0x80;
  const chain = c.encryptCbc(padded, iv ?? new Uint8Array(bs));
  const last = chain.slice(chain.length - bs);
  if (bs === 8) return last.slice(0, 4);
  const out = last.slice(0, 4);
  for (let w = 4; w < 16; w += 4) for (let i = 0; i < 4; i++) out[i]! ^= last[w + i]!;
  return out;
}

function sessionKey(alg: Alg, key: Uint8Array, r: Uint8Array): Uint8Array {
  const c = cipher(alg, key);
  return c.encrypt(zeroPad(r, c.blockSize));
}

function authData(alg: Alg, key: Uint8Array, orig: Uint8Array): Uint8Array {
  const c = cipher(alg, key);
  if (c.blockSize === 8) return c.encrypt(orig);
  const e = c.encrypt(cat(orig, new Uint8Array(8)));
  return e.slice(0, 8).map((b, i) => b ^ e[8 + i]!);
}

const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

interface Amounts {
  account: number;
  selfPay: number;
  fund: number;
}
const amountBytes = (a: Amounts) => cat(u32(a.account), u32(a.selfPay), u32(a.fund));

/** The card the oracle works for: its ATR historical bytes (or just T6–TD). */
export interface OracleCard {
  historical: Uint8Array;
}

/** The oracle, loaded with a profile's master keys. */
export class TestPsam {
  private constructor(
    private readonly profile: Profile,
    private readonly random: RandomSource,
  ) {}

  static fromProfile(profile: Profile, random: RandomSource): TestPsam {
    return new TestPsam(profile, random);
  }

  private get alg(): Alg {
    return this.profile.algorithm;
  }

  cardKey(df: KeyedDf, kind: KeyKind, card: OracleCard): Uint8Array {
    const master = this.profile.masterKeys[df]?.[kind];
    if (!master) throw new RangeError(`TestPsam: no master key ${kind} for ${df}`);
    const region = this.profile.issuer.regionCode;
    let key: Uint8Array = hexBytes(master);
    for (const d of [enc.encode(`${region.slice(0, 2)}0000sh`), enc.encode(`${region}sx`), card.historical.slice(-8)]) key = diversifyOnce(this.alg, key, d);
    return key;
  }

  internalAuthChallenge(): Uint8Array {
    return this.random(16);
  }

  verifyInternalAuth(df: KeyedDf, card: OracleCard, challenge: Uint8Array, answer: Uint8Array): boolean {
    const sk = sessionKey(this.alg, this.cardKey(df, 'IRK', card), challenge.subarray(0, 8));
    return equal(authData(this.alg, sk, challenge.subarray(8, 16)), answer);
  }

  /** `00 82 00 ref 11 fold(E_K(R ‖ 00…)) ‖ R ‖ key version`. */
  externalAuthenticateApdu(df: KeyedDf, kind: 'UK' | 'RK', card: OracleCard, r: Uint8Array): Uint8Array {
    const data = cat(authData(this.alg, this.cardKey(df, kind, card), r), r, Uint8Array.of(this.profile.keyVersion));
    return cat(Uint8Array.of(0x00, 0x82, 0x00, kind === 'UK' ? 0x04 : 0x0a, data.length), data);
  }

  /** A case-3 command with its secure-messaging MAC appended (Lc counting the MAC). */
  secureMessaging(df: KeyedDf, kind: KeyKind, card: OracleCard, challenge: Uint8Array, command: Uint8Array): Uint8Array {
    const lc = command[4]! + 4;
    const input = cat(command.subarray(0, 4), Uint8Array.of(lc), command.subarray(5));
    const mac = oracleMac(this.alg, sessionKey(this.alg, this.cardKey(df, kind, card), challenge), input);
    return cat(input, mac);
  }

  debitMac1(
    card: OracleCard,
    init: { random: Uint8Array; sequence: number },
    amounts: Amounts,
    terminalId: Uint8Array,
    terminalSequence: Uint8Array,
    time: Uint8Array,
  ): { mac1: Uint8Array; sessionKey: Uint8Array } {
    const sk = sessionKey(this.alg, this.cardKey('DF04', 'DPK', card), cat(init.random, u16(init.sequence), terminalSequence.subarray(2, 4)));
    return { mac1: oracleMac(this.alg, sk, cat(amountBytes(amounts), Uint8Array.of(0x31), terminalId, time)), sessionKey: sk };
  }

  verifyDebitMac2(sk: Uint8Array, amounts: Amounts, mac2: Uint8Array): boolean {
    return equal(oracleMac(this.alg, sk, amountBytes(amounts)), mac2);
  }

  verifyDebitTac(card: OracleCard, amounts: Amounts, terminalId: Uint8Array, terminalSequence: Uint8Array, time: Uint8Array, tac: Uint8Array): boolean {
    const dtk = this.cardKey('DF04', 'DTK', card);
    const key = this.alg === 'SM4' || dtk.length === 8 ? dtk : dtk.slice(0, 8).map((b, i) => b ^ dtk[8 + i]!);
    return equal(oracleMac(this.alg, key, cat(amountBytes(amounts), Uint8Array.of(0x31), terminalId, terminalSequence, time)), tac);
  }
}
