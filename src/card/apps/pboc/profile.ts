/**
 * The `financial` section of a card profile (fixtures/profiles/*.json → `Profile.financial`), validated.
 * docs/pboc.md "Profile section" documents every field; `parseFinancialSection` fills the defaults.
 *
 * Example (the defaults, with TEST KEYS):
 * ```json
 * "financial": {
 *   "label": "PBOC DEBIT", "priority": 1, "algorithm": "SM4",
 *   "panPrefix": "621234", "panLength": 19, "psn": "01",
 *   "pin": "123456", "pinMaxTries": 3,
 *   "masterKeys": { "AC": "…16 bytes…", "MAC": "…", "ENC": "…" },
 *   "oda": { "caIndex": "F1", "caSeed": "sscard TEST PBOC CA", "issuerSeed": "sscard TEST PBOC issuer shanghai" },
 *   "ec": { "balance": 0, "balanceLimit": 100000, "singleLimit": 20000, "resetThreshold": 10000 }
 * }
 * ```
 */
import type { PbocAlgorithm } from './state.js';
import { DEFAULT_RISK, PBOC_AIDS } from './choices.js';

export interface FinancialProfile {
  /** DF name of the debit application (default A000000333010101). */
  aid: string;
  /** Application label 50 (ASCII, ≤ 16). */
  label: string;
  /** Application priority indicator 87 (1..15). */
  priority: number;
  /** Symmetric algorithm of AC, script MAC and encipherment keys. */
  algorithm: PbocAlgorithm;
  /** First digits of the PAN (the IIN/BIN and any fixed digits); the rest is random, then the Luhn digit. */
  panPrefix: string;
  /** PAN length, 16..19 digits. */
  panLength: number;
  /** PAN sequence number 5F34 (2 digits). */
  psn: string;
  /** 5F24 expiry = issue date + years. */
  validityYears: number;
  /** Service code 5F30 (3 digits). */
  serviceCode: string;
  /** Issuer country 5F28 and EC currency 9F51 (n3, 4 digits "0156"). */
  countryCode: string;
  currency: string;
  /** Offline PIN and its try limit (9F17). */
  pin: string;
  pinMaxTries: number;
  /** Issuer master keys (IMK), 16 bytes hex each. TEST KEYS ONLY. */
  masterKeys: { AC: string; MAC: string; ENC: string };
  /** Offline data authentication (SM2). The CA and issuer keys are derived from the seeds (TEST ONLY). */
  oda: { caIndex: string; caSeed: string; issuerSeed: string };
  /** Electronic cash, fen. */
  ec: { balance: number; balanceLimit: number; singleLimit: number; resetThreshold: number; issuerAuthCode: string };
  /** Card risk management parameters (choices.ts DEFAULT_RISK). */
  risk: { consecutiveOfflineLimit: number; offlineAmountLimit: number };
  /** Issuer action codes (5 bytes hex each). */
  iac: { default: string; denial: string; online: string };
  /** CVM list 8E (hex). */
  cvmList: string;
}

/** Defaults of every field but `masterKeys`. */
export const FINANCIAL_DEFAULTS: Omit<FinancialProfile, 'masterKeys'> = {
  aid: PBOC_AIDS.debit,
  label: 'PBOC DEBIT',
  priority: 1,
  algorithm: 'SM4',
  panPrefix: '621234',
  panLength: 19,
  psn: '01',
  validityYears: 10,
  serviceCode: '220',
  countryCode: '0156',
  currency: '0156',
  pin: '123456',
  pinMaxTries: 3,
  oda: { caIndex: 'F1', caSeed: 'sscard TEST PBOC CA', issuerSeed: 'sscard TEST PBOC issuer' },
  ec: { balance: 0, balanceLimit: 100_000, singleLimit: 20_000, resetThreshold: 10_000, issuerAuthCode: 'ECC001' },
  risk: { ...DEFAULT_RISK },
  iac: { default: 'D84000A800', denial: '0010000000', online: 'D84004F800' },
  // offline plaintext PIN (01) if terminal supports CVM (03), else signature (1E), else no CVM (1F)
  cvmList: '000000000000000041031E031F00',
};

/** A financial section that failed validation: every problem with its JSON path. */
export class FinancialProfileError extends RangeError {
  override name = 'FinancialProfileError';
  constructor(readonly problems: string[]) {
    super(`invalid financial profile section:\n  - ${problems.join('\n  - ')}`);
  }
}

const HEX = /^(?:[0-9A-Fa-f]{2})+$/;

/**
 * Validates `profile.financial` and fills the defaults.
 * @throws FinancialProfileError listing every problem
 */
export function parseFinancialSection(raw: unknown): FinancialProfile {
  const problems: string[] = [];
  const obj = (v: unknown, path: string): Record<string, unknown> => {
    if (v === undefined) return {};
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      problems.push(`${path}: must be an object`);
      return {};
    }
    return v as Record<string, unknown>;
  };
  const r = obj(raw, 'financial');
  const str = (o: Record<string, unknown>, key: string, path: string, dflt: string | undefined, re?: RegExp): string => {
    const v = o[key] ?? dflt;
    if (typeof v !== 'string') {
      problems.push(`${path}.${key}: ${v === undefined ? 'missing' : 'must be a string'}`);
      return '';
    }
    if (re && !re.test(v)) problems.push(`${path}.${key}: ${JSON.stringify(v)} does not match ${re.source}`);
    return v;
  };
  const int = (o: Record<string, unknown>, key: string, path: string, dflt: number, min: number, max: number): number => {
    const v = o[key] ?? dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      problems.push(`${path}.${key}: must be an integer ${min}..${max}, got ${JSON.stringify(v)}`);
      return dflt;
    }
    return v;
  };
  const d = FINANCIAL_DEFAULTS;
  const p = 'financial';
  const algorithm = str(r, 'algorithm', p, d.algorithm, /^(SM4|3DES)$/) as PbocAlgorithm;
  const mk = obj(r.masterKeys, `${p}.masterKeys`);
  const oda = obj(r.oda, `${p}.oda`);
  const ec = obj(r.ec, `${p}.ec`);
  const risk = obj(r.risk, `${p}.risk`);
  const iac = obj(r.iac, `${p}.iac`);
  const key16 = /^[0-9A-Fa-f]{32}$/;
  const out: FinancialProfile = {
    aid: str(r, 'aid', p, d.aid, /^[0-9A-Fa-f]{10,32}$/).toUpperCase(),
    label: str(r, 'label', p, d.label, /^[\x20-\x7e]{1,16}$/),
    priority: int(r, 'priority', p, d.priority, 1, 15),
    algorithm,
    panPrefix: str(r, 'panPrefix', p, d.panPrefix, /^[0-9]{6,15}$/),
    panLength: int(r, 'panLength', p, d.panLength, 16, 19),
    psn: str(r, 'psn', p, d.psn, /^[0-9]{2}$/),
    validityYears: int(r, 'validityYears', p, d.validityYears, 1, 30),
    serviceCode: str(r, 'serviceCode', p, d.serviceCode, /^[0-9]{3}$/),
    countryCode: str(r, 'countryCode', p, d.countryCode, /^[0-9]{4}$/),
    currency: str(r, 'currency', p, d.currency, /^[0-9]{4}$/),
    pin: str(r, 'pin', p, d.pin, /^[0-9]{4,12}$/),
    pinMaxTries: int(r, 'pinMaxTries', p, d.pinMaxTries, 1, 15),
    masterKeys: {
      AC: str(mk, 'AC', `${p}.masterKeys`, undefined, key16).toUpperCase(),
      MAC: str(mk, 'MAC', `${p}.masterKeys`, undefined, key16).toUpperCase(),
      ENC: str(mk, 'ENC', `${p}.masterKeys`, undefined, key16).toUpperCase(),
    },
    oda: {
      caIndex: str(oda, 'caIndex', `${p}.oda`, d.oda.caIndex, /^[0-9A-Fa-f]{2}$/).toUpperCase(),
      caSeed: str(oda, 'caSeed', `${p}.oda`, d.oda.caSeed),
      issuerSeed: str(oda, 'issuerSeed', `${p}.oda`, d.oda.issuerSeed),
    },
    ec: {
      balance: int(ec, 'balance', `${p}.ec`, d.ec.balance, 0, 999_999_999_999),
      balanceLimit: int(ec, 'balanceLimit', `${p}.ec`, d.ec.balanceLimit, 0, 999_999_999_999),
      singleLimit: int(ec, 'singleLimit', `${p}.ec`, d.ec.singleLimit, 0, 999_999_999_999),
      resetThreshold: int(ec, 'resetThreshold', `${p}.ec`, d.ec.resetThreshold, 0, 999_999_999_999),
      issuerAuthCode: str(ec, 'issuerAuthCode', `${p}.ec`, d.ec.issuerAuthCode, /^[\x20-\x7e]{6}$/),
    },
    risk: {
      consecutiveOfflineLimit: int(risk, 'consecutiveOfflineLimit', `${p}.risk`, d.risk.consecutiveOfflineLimit, 0, 255),
      offlineAmountLimit: int(risk, 'offlineAmountLimit', `${p}.risk`, d.risk.offlineAmountLimit, 0, 999_999_999_999),
    },
    iac: {
      default: str(iac, 'default', `${p}.iac`, d.iac.default, /^[0-9A-Fa-f]{10}$/).toUpperCase(),
      denial: str(iac, 'denial', `${p}.iac`, d.iac.denial, /^[0-9A-Fa-f]{10}$/).toUpperCase(),
      online: str(iac, 'online', `${p}.iac`, d.iac.online, /^[0-9A-Fa-f]{10}$/).toUpperCase(),
    },
    cvmList: str(r, 'cvmList', p, d.cvmList, HEX).toUpperCase(),
  };
  if (out.ec.balance > out.ec.balanceLimit) problems.push(`${p}.ec.balance: ${out.ec.balance} exceeds balanceLimit ${out.ec.balanceLimit}`);
  if (out.panPrefix.length >= out.panLength) problems.push(`${p}.panPrefix: longer than panLength - 1`);
  if (problems.length > 0) throw new FinancialProfileError(problems);
  return out;
}
