/**
 * Independent SM2 oracles for the tests: the `sm-crypto` package and the `openssl` CLI (3.0), each run on
 * temp files in os.tmpdir(). Expected values come from these, never from src/crypto/sm2.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromHex, toHex } from '../../src/apdu/bytes.js';

const require = createRequire(import.meta.url);

interface SmCrypto {
  sm2: {
    generateKeyPairHex(): { privateKey: string; publicKey: string };
    getPublicKeyFromPrivateKey(priv: string): string;
    doSignature(msg: number[], priv: string, opts: { hash: boolean; userId?: string; der?: boolean }): string;
    doVerifySignature(msg: number[], sig: string, pub: string, opts: { hash: boolean; userId?: string; der?: boolean }): boolean;
    doEncrypt(msg: number[], pub: string, cipherMode: number): string;
    doDecrypt(enc: string, priv: string, cipherMode: number, opts: { output: 'array' }): number[];
  };
}

/** sm-crypto's sm2 with bytes in and out (ID 1234567812345678 unless given; C1C3C2). */
export const smCrypto = (() => {
  const { sm2 } = require('sm-crypto') as SmCrypto;
  const hex = (b: Uint8Array) => toHex(b).toLowerCase();
  return {
    publicKey: (priv: Uint8Array) => fromHex(sm2.getPublicKeyFromPrivateKey(hex(priv))),
    sign: (priv: Uint8Array, msg: Uint8Array, userId = '1234567812345678') =>
      fromHex(sm2.doSignature(Array.from(msg), hex(priv), { hash: true, userId })),
    verify: (pub: Uint8Array, msg: Uint8Array, sig: Uint8Array, userId = '1234567812345678') =>
      sm2.doVerifySignature(Array.from(msg), hex(sig), hex(pub), { hash: true, userId }),
    /** C1 ‖ C3 ‖ C2 with the 04 of C1 (sm-crypto itself leaves it out). */
    encrypt: (pub: Uint8Array, msg: Uint8Array) => fromHex('04' + sm2.doEncrypt(Array.from(msg), hex(pub), 1)),
    /** Takes C1 ‖ C3 ‖ C2 with the 04 of C1. Returns [] when sm-crypto rejects the ciphertext. */
    decrypt: (priv: Uint8Array, c1c3c2: Uint8Array) => {
      if (c1c3c2[0] !== 4) throw new Error('expected 04 prefix');
      return Uint8Array.from(sm2.doDecrypt(hex(c1c3c2.subarray(1)), hex(priv), 1, { output: 'array' }));
    },
  };
})();

/** The distid option value OpenSSL needs for the standard ID. */
export const DISTID = 'distid:1234567812345678';

/** A scratch directory with helpers to write/read files and run openssl in it. */
export class OpensslDir {
  readonly dir = mkdtempSync(join(tmpdir(), 'sscard-sm2-'));

  path(name: string): string {
    return join(this.dir, name);
  }

  write(name: string, data: Uint8Array | string): string {
    writeFileSync(this.path(name), data);
    return this.path(name);
  }

  read(name: string): Uint8Array {
    return new Uint8Array(readFileSync(this.path(name)));
  }

  readText(name: string): string {
    return readFileSync(this.path(name), 'utf8');
  }

  /** Runs openssl with args (file names relative to the directory); returns stdout; throws with stderr. */
  run(...args: string[]): string {
    try {
      return execFileSync('openssl', args, { cwd: this.dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      const err = e as { stderr?: string; stdout?: string; status?: number };
      throw new Error(`openssl ${args.join(' ')} failed (exit ${err.status}): ${err.stdout ?? ''}${err.stderr ?? ''}`);
    }
  }

  /** Like run, but returns whether it succeeded (exit 0) and its output. */
  tryRun(...args: string[]): { ok: boolean; out: string } {
    try {
      return { ok: true, out: this.run(...args) };
    } catch (e) {
      return { ok: false, out: (e as Error).message };
    }
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
