/**
 * Card profiles: what an issuer (a province or city) puts on every card it personalises — region codes,
 * issuer, specification generation, algorithm, default PIN, interfaces, issuer master keys (TEST KEYS in
 * the fixtures), the PKI certificate authority and the card validity. DOMAIN.md §1.1–§1.5, docs/profiles.md.
 *
 * `parseProfile(json)` validates a parsed JSON value and returns a typed `Profile`, or throws a
 * `ProfileError` listing every problem with its JSON path (`profile.masterKeys.DF04.UK: …`).
 */
import type { CardInterface, KeyAlgorithm } from '../runtime/types.js';
import { KEYED_DFS, type KeyedDf } from '../../spec/ssse/identifiers.js';
import { KEY_KINDS, type KeyKind } from '../../spec/ssse/keys.js';

export { KEY_KINDS, KEYED_DFS, type KeyKind, type KeyedDf };

/** The data files that may be answered over the contactless interface (DOMAIN.md §1.5). */
export interface ContactlessPolicy {
  /**
   * Paths (names of `SSSE_FILE_PATHS`, e.g. "MF/EF05", "SSSE/EF05", "SSSE/DF04") reachable without
   * contacts. Anything not listed answers 6A82 (file not found) over RF.
   */
  files: string[];
  /** Whether the PKI application answers over RF. */
  pki: boolean;
}

export interface Profile {
  /** Short name (file name without .json), recorded in the card image. */
  name: string;
  description: string;
  /** 2 = second generation (DES/3DES), 3 = third generation (SM4, PKI, contactless). */
  generation: 2 | 3;
  /** 规范版本 (EF05 tag 03): "2.00" or "3.00". */
  specVersion: string;
  issuer: {
    /** 发卡机构名称 (free text, shown by `card show`). */
    name: string;
    /** Region code of the issuing city (6 digits, GB/T 2260), e.g. 310000 Shanghai, 510100 Chengdu. */
    regionCode: string;
    /** 初始化机构编号 parts (DOMAIN.md §1.2). */
    initializingBody: { issuingRegion: string; initializingRegion: string; sequence: number };
  };
  /** Contact protocol. */
  protocol: 'T=0' | 'T=1';
  /** Symmetric algorithm of the SSSE keys. */
  algorithm: KeyAlgorithm;
  /** Default PIN of the SSSE application (and of the PKI application). */
  defaultPin: string;
  pinMaxTries: number;
  /** Interfaces the chip has. */
  interfaces: CardInterface[];
  contactless: ContactlessPolicy;
  /** Issuer master keys, per DF and key kind, hex. TEST KEYS ONLY. */
  masterKeys: Record<KeyedDf, Partial<Record<KeyKind, string>>>;
  /** Key version reported in INIT responses and EXTERNAL AUTHENTICATE (DOMAIN.md §1.4 step 4). */
  keyVersion: number;
  /** The PKI application (generation 3 only). */
  pki?: {
    /** Seed from which the test CA key pairs are derived (deterministic test chain). */
    caSeed: string;
    rootSubject: string;
    issuingSubject: string;
    /** Validity of the card certificate in years. */
    certValidityYears: number;
  };
  /** Card validity (卡有效期 = issue date + years). */
  cardValidityYears: number;
  /** Medical insurance (DF04) defaults. */
  medical: {
    insuranceType: string;
    /** Offline medical account opening balance in fen (分). */
    openingBalance: number;
    /** Offline debit allowed (EF06 tag 90). */
    offlineAllowed: boolean;
  };
  /** Financial (PBOC) section, passed as is to the PBOC personaliser (src/card/apps/pboc/personalize.ts). */
  financial?: Record<string, unknown>;
}

/** A profile that failed validation: every problem, one per line, with its JSON path. */
export class ProfileError extends Error {
  override name = 'ProfileError';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid profile ${source}:\n  - ${problems.join('\n  - ')}`);
  }
}

/** Paths below the MF that `contactless.files` may name. */
const CONTACTLESS_PATH = /^(EF(05|06|07|08|0D|1E)|DF0[1-47](\/EF[0-9A-F]{2})?)$/i;

const KEY_LENGTH: Record<KeyAlgorithm, number> = { SM4: 16, '3DES': 16, DES: 8 };

class Checker {
  readonly problems: string[] = [];
  constructor(private readonly root: unknown) {}

  at(path: string): unknown {
    let v: unknown = this.root;
    for (const part of path.split('.').slice(1)) {
      if (v === null || typeof v !== 'object') return undefined;
      v = (v as Record<string, unknown>)[part];
    }
    return v;
  }

  fail(path: string, message: string): void {
    this.problems.push(`${path}: ${message}`);
  }

  string(path: string, re?: RegExp, hint?: string): string {
    const v = this.at(path);
    if (typeof v !== 'string') {
      this.fail(path, v === undefined ? 'missing (a string)' : `must be a string, got ${JSON.stringify(v)}`);
      return '';
    }
    if (re && !re.test(v)) this.fail(path, `${JSON.stringify(v)} is not ${hint ?? re.source}`);
    return v;
  }

  int(path: string, min: number, max: number): number {
    const v = this.at(path);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.fail(path, `must be an integer ${min}..${max}, got ${JSON.stringify(v)}`);
      return min;
    }
    return v;
  }

  bool(path: string): boolean {
    const v = this.at(path);
    if (typeof v !== 'boolean') {
      this.fail(path, `must be true or false, got ${JSON.stringify(v)}`);
      return false;
    }
    return v;
  }

  oneOf<T extends string | number>(path: string, values: readonly T[]): T {
    const v = this.at(path);
    if (!values.includes(v as T)) {
      this.fail(path, `must be one of ${values.map((x) => JSON.stringify(x)).join(', ')}, got ${JSON.stringify(v)}`);
      return values[0]!;
    }
    return v as T;
  }

  object(path: string): Record<string, unknown> | undefined {
    const v = this.at(path);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      this.fail(path, v === undefined ? 'missing (an object)' : 'must be an object');
      return undefined;
    }
    return v as Record<string, unknown>;
  }
}

/**
 * Validates a parsed JSON profile.
 * @param json the parsed JSON value
 * @param source where it came from (file name), for error messages
 * @throws ProfileError listing every problem
 */
export function parseProfile(json: unknown, source = 'profile'): Profile {
  const c = new Checker(json);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new ProfileError(source, ['profile: must be a JSON object']);
  }
  const name = c.string('profile.name', /^[a-z0-9][a-z0-9-]*$/, 'a lower-case name (a-z, 0-9, -)');
  const description = c.string('profile.description');
  const generation = c.oneOf('profile.generation', [2, 3] as const);
  const specVersion = c.string('profile.specVersion', /^\d\.\d\d$/, 'a version like "3.00"');
  c.object('profile.issuer');
  const issuerName = c.string('profile.issuer.name');
  const regionCode = c.string('profile.issuer.regionCode', /^\d{6}$/, 'a 6-digit region code');
  c.object('profile.issuer.initializingBody');
  const issuingRegion = c.string('profile.issuer.initializingBody.issuingRegion', /^\d{6}$/, 'a 6-digit region code');
  const initializingRegion = c.string('profile.issuer.initializingBody.initializingRegion', /^\d{6}$/, 'a 6-digit region code');
  const sequence = c.int('profile.issuer.initializingBody.sequence', 0, 99);
  const protocol = c.oneOf('profile.protocol', ['T=0', 'T=1'] as const);
  const algorithm = c.oneOf('profile.algorithm', ['SM4', '3DES', 'DES'] as const);
  if (generation === 3 && algorithm !== 'SM4') c.fail('profile.algorithm', 'a third-generation card uses SM4');
  const defaultPin = c.string('profile.defaultPin', /^\d{4,16}$/, '4 to 16 digits');
  const pinMaxTries = c.int('profile.pinMaxTries', 1, 15);
  const interfacesRaw = c.at('profile.interfaces');
  let interfaces: CardInterface[] = ['contact'];
  if (!Array.isArray(interfacesRaw) || interfacesRaw.length === 0 || interfacesRaw.some((x) => x !== 'contact' && x !== 'contactless')) {
    c.fail('profile.interfaces', 'must be a non-empty list of "contact" and "contactless"');
  } else {
    interfaces = [...new Set(interfacesRaw as CardInterface[])];
    if (!interfaces.includes('contact')) c.fail('profile.interfaces', 'must include "contact"');
  }
  c.object('profile.contactless');
  const filesRaw = c.at('profile.contactless.files');
  let files: string[] = [];
  if (!Array.isArray(filesRaw) || filesRaw.some((f) => typeof f !== 'string')) {
    c.fail('profile.contactless.files', 'must be a list of file paths such as "SSSE/EF05"');
  } else {
    files = filesRaw as string[];
    files.forEach((f, i) => {
      if (!CONTACTLESS_PATH.test(f)) c.fail(`profile.contactless.files.${i}`, `${JSON.stringify(f)} is not a file path such as "EF05", "DF04" or "DF04/EF05"`);
    });
  }
  const contactlessPki = c.bool('profile.contactless.pki');

  const masterKeys = {} as Profile['masterKeys'];
  const mk = c.object('profile.masterKeys');
  const keyLength = KEY_LENGTH[algorithm];
  if (mk) {
    for (const df of Object.keys(mk)) {
      if (!(KEYED_DFS as readonly string[]).includes(df)) c.fail(`profile.masterKeys.${df}`, `unknown DF (expected ${KEYED_DFS.join(', ')})`);
    }
    for (const df of KEYED_DFS) {
      const keys = c.object(`profile.masterKeys.${df}`);
      masterKeys[df] = {};
      if (!keys) continue;
      for (const [kind, value] of Object.entries(keys)) {
        const path = `profile.masterKeys.${df}.${kind}`;
        if (!(KEY_KINDS as readonly string[]).includes(kind)) {
          c.fail(path, `unknown key kind (expected ${KEY_KINDS.join(', ')})`);
          continue;
        }
        if (typeof value !== 'string' || !/^[0-9A-Fa-f]*$/.test(value) || value.length !== 2 * keyLength) {
          c.fail(path, `must be ${keyLength} bytes of hex (${2 * keyLength} digits) for ${algorithm}`);
          continue;
        }
        masterKeys[df][kind as KeyKind] = value.toUpperCase();
      }
      for (const kind of ['IRK', 'RK', 'UK'] as const) {
        if (!keys[kind]) c.fail(`profile.masterKeys.${df}.${kind}`, 'missing (every DF needs IRK, RK and UK)');
      }
    }
    for (const kind of ['DPK', 'DTK'] as const) {
      if (mk.DF04 && !(mk.DF04 as Record<string, unknown>)[kind]) {
        c.fail(`profile.masterKeys.DF04.${kind}`, 'missing (the medical debit needs DPK and DTK)');
      }
    }
  }
  const keyVersion = c.int('profile.keyVersion', 0, 255);

  let pki: Profile['pki'];
  if (c.at('profile.pki') !== undefined) {
    c.object('profile.pki');
    pki = {
      caSeed: c.string('profile.pki.caSeed', /^.{8,}$/, 'at least 8 characters'),
      rootSubject: c.string('profile.pki.rootSubject', /^CN=/, 'a subject like "CN=…, O=…, C=CN"'),
      issuingSubject: c.string('profile.pki.issuingSubject', /^CN=/, 'a subject like "CN=…, O=…, C=CN"'),
      certValidityYears: c.int('profile.pki.certValidityYears', 1, 30),
    };
  } else if (generation === 3) {
    c.fail('profile.pki', 'missing (a third-generation card has the PKI application)');
  }
  const cardValidityYears = c.int('profile.cardValidityYears', 1, 50);
  c.object('profile.medical');
  const medical = {
    insuranceType: c.oneOf('profile.medical.insuranceType', ['310', '390', '391'] as const),
    openingBalance: c.int('profile.medical.openingBalance', 0, 0xffffffff),
    offlineAllowed: c.bool('profile.medical.offlineAllowed'),
  };
  const financialRaw = c.at('profile.financial');
  if (financialRaw !== undefined) c.object('profile.financial');

  if (c.problems.length > 0) throw new ProfileError(source, c.problems);
  return {
    name,
    description,
    generation,
    specVersion,
    issuer: { name: issuerName, regionCode, initializingBody: { issuingRegion, initializingRegion, sequence } },
    protocol,
    algorithm,
    defaultPin,
    pinMaxTries,
    interfaces,
    contactless: { files, pki: contactlessPki },
    masterKeys,
    keyVersion,
    ...(pki ? { pki } : {}),
    cardValidityYears,
    medical,
    ...(financialRaw !== undefined ? { financial: financialRaw as Record<string, unknown> } : {}),
  };
}
