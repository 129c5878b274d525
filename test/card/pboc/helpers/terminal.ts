/**
 * Test-side terminal and issuer for the financial-application transcripts (the real kernels and issuer
 * host are a later issue). The issuer side derives keys with the crypto API from the profile's master
 * keys with the crypto API (src/crypto/kdf.ts, mac.ts); signatures are verified with `sm-crypto`, an SM2
 * implementation independent of the card's (src/crypto/sm2).
 */
import { concat, fromHex, toHex } from '../../../../src/apdu/bytes.js';
import { pbocApplicationCryptogram, pbocArpc, pbocSessionKey, pbocUdk } from '../../../../src/crypto/kdf.js';
import { pbocScriptMac } from '../../../../src/crypto/mac.js';
import type { FinancialProfile } from '../../../../src/card/apps/pboc/profile.js';
import { buildDolData, decodeTlv, findTag, parseDol, type TlvNode } from '../../../../src/card/apps/pboc/tlv.js';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const smCrypto = require('sm-crypto') as { sm2: { doVerifySignature(msg: string, sig: string, pub: string, opts: object): boolean } };

export { TEST_FINANCIAL_SECTION } from '../../../helpers/pboc-test-section.js';

export interface TxData {
  ttq?: string;
  amount: number;
  currency?: string;
  un?: string;
}

/** n12 BCD of fen, as hex. */
export function n12(fen: number): string {
  return String(fen).padStart(12, '0');
}

/** PDOL data from the card's PDOL (read from the FCI) — the terminal's side of EMV Book 3 §5.4. */
export function pdolData(pdolHex: string, tx: TxData): string {
  const values: Record<string, Uint8Array> = {
    '9F66': fromHex(tx.ttq ?? '28000000'),
    '9F02': fromHex(n12(tx.amount)),
    '9F03': fromHex(n12(0)),
    '9F1A': fromHex('0156'),
    '95': fromHex('0000000000'),
    '5F2A': fromHex(tx.currency ?? '0156'),
    '9A': fromHex('261122'),
    '9C': fromHex('00'),
    '9F37': fromHex(tx.un ?? '11223344'),
    DF60: fromHex('00'),
    DF69: fromHex('01'),
  };
  return toHex(buildDolData(parseDol(pdolHex), values));
}

/** GPO command for PDOL data. */
export function gpoCommand(data: string): string {
  const body = `83${(data.length / 2).toString(16).padStart(2, '0').toUpperCase()}${data}`;
  return `80A80000${(body.length / 2).toString(16).padStart(2, '0').toUpperCase()}${body}00`;
}

/** Decodes a response and finds a tag. */
export function tag(data: Uint8Array | TlvNode[], t: string): Uint8Array | undefined {
  const nodes = data instanceof Uint8Array ? decodeTlv(data) : data;
  return findTag(nodes, t)?.value;
}

/** The issuer host: UDKs derived from the master keys and the card's PAN/PSN. */
export class TestIssuer {
  readonly udk: { ac: Uint8Array; mac: Uint8Array; enc: Uint8Array };
  constructor(
    readonly profile: Pick<FinancialProfile, 'algorithm' | 'masterKeys'>,
    pan: string,
    psn: string,
  ) {
    const alg = profile.algorithm;
    this.udk = {
      ac: pbocUdk(alg, fromHex(profile.masterKeys.AC), pan, psn),
      mac: pbocUdk(alg, fromHex(profile.masterKeys.MAC), pan, psn),
      enc: pbocUdk(alg, fromHex(profile.masterKeys.ENC), pan, psn),
    };
  }

  sk(which: 'ac' | 'mac' | 'enc', atc: number): Uint8Array {
    return pbocSessionKey(this.profile.algorithm, this.udk[which], atc);
  }

  /** Recomputes an AC over terminal data (29 bytes) ‖ extra ‖ AIP ‖ ATC ‖ CVR (docs/pboc.md). */
  ac(atc: number, terminal29: Uint8Array, extra: Uint8Array, aip: Uint8Array, cvr: Uint8Array): Uint8Array {
    const data = concat(terminal29, extra, aip, Uint8Array.of(atc >> 8, atc & 0xff), cvr);
    return pbocApplicationCryptogram(this.profile.algorithm, this.sk('ac', atc), data);
  }

  arpc(atc: number, arqc: Uint8Array, arc: Uint8Array): Uint8Array {
    return pbocArpc(this.profile.algorithm, this.sk('ac', atc), arqc, arc);
  }

  /** An issuer-script command `CLA INS P1 P2 Lc body MAC` (docs/pboc.md "Issuer scripts"). */
  script(header: string, body: string, atc: number, arqc: Uint8Array, badMac = false): string {
    const lc = body.length / 2 + 4;
    const input = concat(fromHex(header), Uint8Array.of(lc), Uint8Array.of(atc >> 8, atc & 0xff), arqc, fromHex(body));
    const mac = pbocScriptMac(this.profile.algorithm, this.sk('mac', atc), input);
    if (badMac) mac[0] ^= 0x01;
    return `${header}${lc.toString(16).padStart(2, '0').toUpperCase()}${body}${toHex(mac)}`;
  }
}

/** SM2 verification with sm-crypto (ID 1234567812345678). */
export function sm2VerifyIndependent(publicKey04: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  return smCrypto.sm2.doVerifySignature(Array.from(message) as unknown as string, toHex(signature).toLowerCase(), toHex(publicKey04).toLowerCase(), {
    hash: true,
    der: false,
    userId: '1234567812345678',
  });
}

/** Parsed SM2 certificate (issuer 90 / ICC 9F46) by the documented layout. */
export function parseSm2Cert(cert: Uint8Array, idLength: number): { format: number; id: Uint8Array; body: Uint8Array; publicKey: Uint8Array; signature: Uint8Array } {
  const keyAt = 1 + idLength + 2 + 3 + 4;
  return {
    format: cert[0]!,
    id: cert.subarray(1, 1 + idLength),
    body: cert.subarray(0, keyAt + 64),
    publicKey: concat(Uint8Array.of(0x04), cert.subarray(keyAt, keyAt + 64)),
    signature: cert.subarray(keyAt + 64, keyAt + 128),
  };
}
