/**
 * Personalisation of the financial part (issue 4): from the profile's `financial` section
 * (profile.ts, docs/pboc.md "Profile section") it builds
 * - the debit ADF `A000000333010101` with its record files (SFI 1-3), transaction and load logs (SFI 11, 12),
 * - the PSE `1PAY.SYS.DDF01` (contact) and PPSE `2PAY.SYS.DDF01` (contactless) directories,
 * - the persistent state `CardImage.apps.pboc` (ATC 0, EC balance and limits, PIN, UDKs, ICC SM2 key),
 * - the SM2 certificate chain CA → issuer → ICC from the TEST CA/issuer seeds, and the SSAD.
 *
 * Nothing is shared with the social-security applications: own DFs, own keys (from the section's own
 * master keys), own PIN and counters.
 */
import { fromHex, toHex } from '../../../apdu/bytes.js';
import type { Clock, RandomSource } from '../../../env.js';
import type { CardImage, CardInterface, DfImage, EfImage } from '../../runtime/types.js';
import { DIRECTORY_APP_ID, LOG_RECORDS, PBOC_APP_ID, PPSE_NAME, PSE_NAME, SFI } from './choices.js';
import {
  buildIccCertificate,
  buildIssuerCertificate,
  buildSsad,
  privateKeyFromRandom,
  publicKeyXY,
  testPrivateKey,
} from './certificates.js';
import { pbocCrypto } from './crypto.js';
import { parseFinancialSection, type FinancialProfile } from './profile.js';
import { adfFciProprietary, directoryEntry, staticDataToAuthenticate, staticRecord, trackRecord, type CardData } from './records.js';
import type { PbocState } from './state.js';
import { constructed, tlv } from './tlv.js';

/** Luhn check digit of a digit string. */
export function luhnDigit(digits: string): string {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

function yymmdd(d: Date): string {
  return `${String(d.getUTCFullYear()).slice(2)}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
}

function recordEf(sfi: number, label: string, records: Uint8Array[], interfaces: CardInterface[]): EfImage {
  return { kind: 'ef', fid: sfi, sfi, label, structure: 'linear-variable', recordSize: 255, maxRecords: records.length, records: records.map(toHex), read: 'free', update: 'never', interfaces };
}

function logEf(sfi: number, label: string, max: number, recordSize: number, interfaces: CardInterface[]): EfImage {
  return { kind: 'ef', fid: sfi, sfi, label, structure: 'cyclic', recordSize, maxRecords: max, records: [], read: 'free', update: 'never', interfaces };
}

/** What `buildFinancial` returns: DFs to append under the MF and the application state. */
export interface FinancialPart {
  dfs: DfImage[];
  state: PbocState;
  /** Public data for tests and `card show`: PAN, PSN, dates, the CA public key (04 ‖ X ‖ Y) and index. */
  info: { pan: string; psn: string; effective: string; expiry: string; caIndex: string; caPublicKey: string };
}

/**
 * Builds the financial part from a validated section.
 * @param options.pan a fixed PAN (tests); default: prefix + random digits + Luhn digit
 */
export function buildFinancial(
  profile: FinancialProfile,
  deps: { random: RandomSource; clock: Clock; interfaces?: CardInterface[]; pan?: string },
): FinancialPart {
  const interfaces = deps.interfaces ?? ['contact', 'contactless'];
  const now = deps.clock.now();
  let pan = deps.pan;
  if (!pan) {
    const body = Array.from(deps.random(profile.panLength - 1 - profile.panPrefix.length), (b) => String(b % 10)).join('');
    pan = profile.panPrefix + body;
    pan += luhnDigit(pan);
  }
  const effective = yymmdd(now);
  const expiry = `${String((now.getUTCFullYear() + profile.validityYears) % 100).padStart(2, '0')}${effective.slice(2, 4)}${effective.slice(2, 4) === '02' ? '28' : effective.slice(4)}`;
  const card: CardData = { pan, psn: profile.psn, effective, expiry };

  // keys
  const alg = profile.algorithm;
  const udk = (imk: string) => toHex(pbocCrypto.udk(alg, fromHex(imk), pan!, profile.psn));
  const caPrivate = testPrivateKey(profile.oda.caSeed);
  const issuerPrivate = testPrivateKey(profile.oda.issuerSeed);
  const iccPrivate = privateKeyFromRandom(deps.random(32));

  // records and certificates
  const staticRec = staticRecord(profile, card);
  const sda = staticDataToAuthenticate(staticRec);
  const issuerCert = buildIssuerCertificate({ caPrivateKey: caPrivate, issuerId: pan.slice(0, 8), expiry, serial: deps.random(3), issuerPublicKey: publicKeyXY(issuerPrivate), random: deps.random });
  const iccCert = buildIccCertificate({ issuerPrivateKey: issuerPrivate, pan, expiry, serial: deps.random(3), iccPublicKey: publicKeyXY(iccPrivate), staticData: sda, random: deps.random });
  const ssad = buildSsad({ issuerPrivateKey: issuerPrivate, dac: deps.random(2), staticData: sda, random: deps.random });
  const odaRecords = [
    constructed('70', tlv('8F', fromHex(profile.oda.caIndex)), tlv('90', issuerCert)),
    constructed('70', tlv('9F46', iccCert)),
    constructed('70', tlv('93', ssad)),
  ];

  const adf: DfImage = {
    kind: 'df',
    aid: profile.aid,
    label: `PBOC debit ${profile.label}`,
    application: PBOC_APP_ID,
    fciProprietary: toHex(adfFciProprietary(profile)),
    lifeCycle: 'active',
    interfaces,
    children: [
      recordEf(SFI.track, 'PBOC track 2', [trackRecord(profile, card)], interfaces),
      recordEf(SFI.static, 'PBOC static data (signed)', [staticRec], interfaces),
      recordEf(SFI.oda, 'PBOC certificates', odaRecords, interfaces),
      logEf(SFI.transactionLog, 'PBOC transaction log', LOG_RECORDS.transaction, 45, interfaces),
      logEf(SFI.loadLog, 'PBOC EC load log', LOG_RECORDS.load, 44, interfaces),
    ],
  };
  const dfs: DfImage[] = [adf];
  if (interfaces.includes('contact')) {
    dfs.unshift({
      kind: 'df',
      aid: PSE_NAME,
      label: 'PSE 1PAY.SYS.DDF01',
      application: DIRECTORY_APP_ID,
      fciProprietary: toHex(tlv('88', Uint8Array.of(1))),
      interfaces: ['contact'],
      children: [recordEf(1, 'PSE directory', [constructed('70', directoryEntry(profile))], ['contact'])],
    });
  }
  if (interfaces.includes('contactless')) {
    dfs.unshift({
      kind: 'df',
      aid: PPSE_NAME,
      label: 'PPSE 2PAY.SYS.DDF01',
      application: DIRECTORY_APP_ID,
      fciProprietary: toHex(constructed('BF0C', directoryEntry(profile))),
      interfaces: ['contactless'],
      children: [],
    });
  }

  const state: PbocState = {
    format: 'sscard-pboc-state',
    version: 1,
    algorithm: alg,
    pan,
    psn: profile.psn,
    atc: 0,
    lastOnlineAtc: 0,
    onlineInProgress: false,
    lastIssuerAuthFailed: false,
    pin: { value: profile.pin, triesLeft: profile.pinMaxTries, maxTries: profile.pinMaxTries },
    blocked: false,
    cardBlocked: false,
    ec: { ...profile.ec, currency: profile.currency },
    risk: { ...profile.risk },
    keys: { ac: udk(profile.masterKeys.AC), mac: udk(profile.masterKeys.MAC), enc: udk(profile.masterKeys.ENC), iccPrivate: toHex(iccPrivate) },
    scriptCommands: 0,
    scriptFailed: false,
  };
  const info = { pan, psn: profile.psn, effective, expiry, caIndex: profile.oda.caIndex, caPublicKey: toHex(pbocCrypto.sm2PublicKey(caPrivate)) };
  return { dfs, state, info };
}

/**
 * The hook the card personaliser calls (src/card/personalize/personalize.ts `FinancialPersonalizer`):
 * validates `profile.financial`, appends the financial DFs under the MF and sets `image.apps.pboc`.
 * @throws FinancialProfileError (a RangeError) listing every problem of the section
 */
export function personalizeFinancial(args: {
  profile: { financial?: Record<string, unknown>; interfaces: CardInterface[] };
  holder?: unknown;
  image: CardImage;
  random: RandomSource;
  clock: Clock;
}): void {
  const section = parseFinancialSection(args.profile.financial);
  const part = buildFinancial(section, { random: args.random, clock: args.clock, interfaces: args.profile.interfaces });
  args.image.mf.children.push(...part.dfs);
  args.image.apps[PBOC_APP_ID] = part.state;
}

export default personalizeFinancial;
