/**
 * The issuer's master keys, by BIN (the leading digits of the PAN): the issuer master keys IMK-AC,
 * IMK-MAC and IMK-ENC from which every card's UDKs are derived (EMV 4.3 Book 2 Annex A1.4; DOMAIN.md §2),
 * with the card's symmetric algorithm (SM4 or 3DES).
 *
 * Where the keys come from is data, read here with the host's own schema (never the card's profile
 * parser), from either of two JSON shapes:
 * - a card profile (fixtures/profiles/*.json): its `financial` section — `panPrefix` is the BIN,
 *   `algorithm` (default SM4, as docs/pboc.md says) and `masterKeys` {AC, MAC, ENC}; the profile's other
 *   fields are ignored;
 * - an issuer key file: `{ "issuerKeys": [ { "bin": "621234", "algorithm": "SM4",
 *   "masterKeys": { "AC": …, "MAC": …, "ENC": … }, "label": "…" } ] }`.
 * A PAN takes the key set of the longest BIN it starts with. All keys in fixtures are TEST keys.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { z } from 'zod';
import { bytesEqual, fromHex } from '../../../apdu/bytes.js';
import type { PbocAlgorithm } from '../../../crypto/block-cipher.js';
import { pbocUdk } from '../../../crypto/kdf.js';

/** One BIN's key set. */
export interface IssuerKeySet {
  /** Leading PAN digits this key set serves (6 to 15 digits). */
  bin: string;
  algorithm: PbocAlgorithm;
  /** Issuer master keys, 16 bytes each. */
  masterKeys: { AC: Uint8Array; MAC: Uint8Array; ENC: Uint8Array };
  /** Where it was read from (file name, profile name), for messages. */
  source: string;
}

/** The card's unique keys (UDKs) for one PAN and PSN. */
export interface CardKeys {
  algorithm: PbocAlgorithm;
  ac: Uint8Array;
  mac: Uint8Array;
  enc: Uint8Array;
}

/** A key file or profile that cannot be used: the message names the file and every problem. */
export class IssuerKeyError extends Error {
  override name = 'IssuerKeyError';
}

const key16 = z.string().regex(/^[0-9A-Fa-f]{32}$/, 'must be 16 bytes as 32 hex digits');
const masterKeys = z.object({ AC: key16, MAC: key16, ENC: key16 });
const algorithm = z.enum(['SM4', '3DES']);
const bin = z.string().regex(/^[0-9]{6,15}$/, 'must be 6 to 15 digits');

/** The issuer-key part of a card profile. */
const ProfileKeys = z.object({
  name: z.string().optional(),
  financial: z.object({ panPrefix: bin, algorithm: algorithm.default('SM4'), masterKeys }),
});

/** An issuer key file. */
const KeyFile = z.object({
  issuerKeys: z.array(z.object({ bin, algorithm, masterKeys, label: z.string().optional() })).min(1),
});

function toKeySet(b: string, alg: PbocAlgorithm, mk: z.infer<typeof masterKeys>, source: string): IssuerKeySet {
  return { bin: b, algorithm: alg, masterKeys: { AC: fromHex(mk.AC), MAC: fromHex(mk.MAC), ENC: fromHex(mk.ENC) }, source };
}

function problems(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ');
}

/**
 * The key sets of one parsed JSON document (a profile or a key file).
 * @param what the document's name for messages
 * @returns an empty list for a profile without a financial section when `optional` is set
 */
export function keySetsFromJson(json: unknown, what: string, options: { optional?: boolean } = {}): IssuerKeySet[] {
  if (json !== null && typeof json === 'object' && 'issuerKeys' in json) {
    const parsed = KeyFile.safeParse(json);
    if (!parsed.success) throw new IssuerKeyError(`${what}: not a valid issuer key file: ${problems(parsed.error)}`);
    return parsed.data.issuerKeys.map((k) => toKeySet(k.bin, k.algorithm, k.masterKeys, k.label ? `${what} (${k.label})` : what));
  }
  if (options.optional && (json === null || typeof json !== 'object' || !('financial' in json))) return [];
  const parsed = ProfileKeys.safeParse(json);
  if (!parsed.success) throw new IssuerKeyError(`${what}: no usable issuer keys (a profile with a financial section, or {"issuerKeys": […]}): ${problems(parsed.error)}`);
  const f = parsed.data.financial;
  return [toKeySet(f.panPrefix, f.algorithm, f.masterKeys, parsed.data.name ? `profile ${parsed.data.name}` : what)];
}

/** Reads the key sets of a file (profile or key file). */
export function keySetsFromFile(file: string, options: { optional?: boolean } = {}): IssuerKeySet[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new IssuerKeyError(code === 'ENOENT' ? `issuer keys ${file}: no such file` : `issuer keys ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new IssuerKeyError(`issuer keys ${file}: not valid JSON (${(err as Error).message})`);
  }
  return keySetsFromJson(json, basename(file), options);
}

/** The key sets of several BINs; a PAN is served by the longest BIN it starts with. */
export class IssuerKeyring {
  readonly #sets: IssuerKeySet[];

  /** @throws IssuerKeyError when one BIN has two different key sets */
  constructor(sets: readonly IssuerKeySet[]) {
    const byBin = new Map<string, IssuerKeySet>();
    for (const s of sets) {
      const seen = byBin.get(s.bin);
      if (seen && !sameKeys(seen, s)) throw new IssuerKeyError(`BIN ${s.bin} has two different key sets (${seen.source} and ${s.source})`);
      if (!seen) byBin.set(s.bin, s);
    }
    this.#sets = [...byBin.values()].sort((a, b) => b.bin.length - a.bin.length || a.bin.localeCompare(b.bin));
  }

  /** Reads key sets from files (profiles or key files). */
  static fromFiles(files: readonly string[], options: { optional?: boolean } = {}): IssuerKeyring {
    return new IssuerKeyring(files.flatMap((f) => keySetsFromFile(f, options)));
  }

  /** The BINs served, longest first. */
  get bins(): { bin: string; algorithm: PbocAlgorithm; source: string }[] {
    return this.#sets.map((s) => ({ bin: s.bin, algorithm: s.algorithm, source: s.source }));
  }

  /** The key set serving a PAN, or undefined. */
  forPan(pan: string): IssuerKeySet | undefined {
    return this.#sets.find((s) => pan.startsWith(s.bin));
  }

  /**
   * The card's UDKs for a PAN and PSN (kdf.ts `pbocUdk`: EMV Book 2 A1.4.1 option A; SM4 analogue [R]).
   * @returns undefined when no BIN serves the PAN
   */
  cardKeys(pan: string, psn: string): CardKeys | undefined {
    const set = this.forPan(pan);
    if (!set) return undefined;
    const udk = (imk: Uint8Array) => pbocUdk(set.algorithm, imk, pan, psn);
    return { algorithm: set.algorithm, ac: udk(set.masterKeys.AC), mac: udk(set.masterKeys.MAC), enc: udk(set.masterKeys.ENC) };
  }
}

function sameKeys(a: IssuerKeySet, b: IssuerKeySet): boolean {
  const m = a.masterKeys;
  const n = b.masterKeys;
  return a.algorithm === b.algorithm && bytesEqual(m.AC, n.AC) && bytesEqual(m.MAC, n.MAC) && bytesEqual(m.ENC, n.ENC);
}
