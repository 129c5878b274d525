/**
 * Personalisation: profile + cardholder → a fresh `CardImage` (DOMAIN.md §1; docs/profiles.md).
 *
 * 1. card serial (holder or random) → ATR historical bytes → T6–TD, the card-level diversification data;
 * 2. the SSSE data items (EF05, EF06, EF0D, DF04 EF05/EF06) encoded from the one table of data-items.ts;
 * 3. the SSSE file tree with PIN_SSSE and every DF's keys derived from the profile's master keys;
 * 4. third generation: the PKI application (SM2 key pair, certificate from the profile's test CA chain);
 * 5. the medical account state of DF04;
 * 6. when the profile has a `financial` section: the PBOC personaliser (src/card/apps/pboc/personalize.ts,
 *    or `deps.financial` in tests).
 */
import { fromHex, toHex } from '../../apdu/bytes.js';
import { encodeGbk } from '../../apdu/text/gbk.js';
import type { Clock, RandomSource } from '../../env.js';
import type { Logger } from '../../log.js';
import { ssseCardKey } from '../../crypto/kdf.js';
import { contactAtr, contactlessAtr } from '../../apdu/atr.js';
import type { CardImage, DfImage } from '../runtime/types.js';
import { diversificationBytes, ssseHistoricalBytes } from '../../spec/ssse/atr-historical.js';
import { buildCardIdentifier, buildInitializingBody } from '../apps/ssse/card-identifier.js';
import { encodeFileRecords, type ItemFile } from '../../spec/ssse/data-items.js';
import { buildSsseTree, MEDICAL_APP_ID } from '../apps/ssse/files.js';
import { initialMedicalState } from '../apps/ssse/medical-debit.js';
import { KEY_KINDS, KEYED_DFS, type KeyKind, type KeyedDf, type Profile } from './profile.js';
import type { Holder } from './holder.js';
import { buildPkiApplication } from './pki.js';
import { personalizeFinancial } from '../apps/pboc/personalize.js';

/** The financial part's personaliser (default: src/card/apps/pboc/personalize.ts). */
export type FinancialPersonalizer = (args: {
  profile: Profile;
  holder: Holder;
  image: CardImage;
  random: RandomSource;
  clock: Clock;
}) => void;

export interface PersonalizeDeps {
  random: RandomSource;
  clock: Clock;
  log?: Logger;
  /** Called when the profile has a `financial` section (default: the PBOC personaliser). */
  financial?: FinancialPersonalizer;
}

/** YYYYMMDD of a date (UTC). */
function ymd(d: Date): string {
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
}

/** Adds years to YYYYMMDD (29 Feb → 28 Feb). */
function addYears(date: string, years: number): string {
  const y = Number(date.slice(0, 4)) + years;
  let md = date.slice(4);
  if (md === '0229') md = '0228';
  return `${y}${md}`;
}

/** 姓名 holds 30 GBK bytes; a longer name continues in 姓名扩展 (tag 4E, 20 bytes), split between characters. */
export function splitName(name: string): [string, string] {
  let head = '';
  for (const ch of name) {
    if (encodeGbk(head + ch).length > 30) break;
    head += ch;
  }
  const tail = name.slice(head.length);
  if (encodeGbk(tail).length > 20) throw new RangeError(`holder.name: ${JSON.stringify(name)} is longer than 50 GBK bytes`);
  return [head, tail];
}

/** The text values of every data item, by key. */
export function holderItemValues(profile: Profile, holder: Holder, cardIdentifier: string, issueDate: string): Record<ItemFile, Record<string, string>> {
  const [name, nameExtension] = splitName(holder.name);
  const medical = holder.medical ?? {};
  return {
    EF05: {
      cardIdentifier,
      cardCategory: holder.cardCategory,
      specVersion: profile.specVersion,
      initializingBody: buildInitializingBody(
        profile.issuer.initializingBody.issuingRegion,
        profile.issuer.initializingBody.initializingRegion,
        profile.issuer.initializingBody.sequence,
      ),
      issueDate,
      expiryDate: addYears(issueDate, profile.cardValidityYears),
      cardNumber: holder.cardNumber,
    },
    EF06: {
      idNumber: holder.idNumber,
      name,
      sex: holder.sex,
      ethnicity: holder.ethnicity,
      birthplace: holder.birthplace,
      birthDate: holder.birthDate,
      nameExtension,
    },
    EF0D: { personId: holder.personId, firstApplicationRegion: holder.firstApplicationRegion },
    'DF04/EF05': {
      insuranceType: medical.insuranceType ?? profile.medical.insuranceType,
      insuredRegion: medical.region ?? profile.issuer.regionCode,
      healthRecordNumber: '',
      personCategory: medical.personCategory ?? '11',
      accountOpenDate: issueDate,
      personalAccount: medical.account ?? holder.idNumber,
      medicalCertificate: '',
      designatedInstitution1: '',
      designatedInstitution2: '',
      designatedInstitution3: '',
      cardUse: '1',
    },
    'DF04/EF06': { offlineAllowed: profile.medical.offlineAllowed ? '1' : '0', offlineAmount: '00000000', offlineCount: '0000' },
  };
}

/**
 * Personalises a card.
 * @throws RangeError when holder data does not fit the items (validate with parseHolder first)
 */
export function personalize(profile: Profile, holder: Holder, deps: PersonalizeDeps): CardImage {
  const log = deps.log?.child({ module: 'personalize' });
  const serial = holder.serial ? fromHex(holder.serial, 'holder.serial') : deps.random(4);
  const historical = ssseHistoricalBytes(profile.generation, profile.issuer.regionCode, serial);
  const div8 = diversificationBytes(historical);
  const cardIdentifier = buildCardIdentifier(profile.issuer.regionCode, serial, holder.authCode ? fromHex(holder.authCode) : undefined);
  const issueDate = holder.issueDate ?? ymd(deps.clock.now());

  const values = holderItemValues(profile, holder, cardIdentifier, issueDate);
  const records = Object.fromEntries(
    (Object.keys(values) as ItemFile[]).map((file) => [file, encodeFileRecords(file, values[file])]),
  ) as Record<ItemFile, string[]>;

  const keyKinds = Object.fromEntries(
    KEYED_DFS.map((df) => [df, KEY_KINDS.filter((k) => profile.masterKeys[df][k] !== undefined)]),
  ) as Record<KeyedDf, KeyKind[]>;
  const deriveKey = (df: KeyedDf, kind: KeyKind): string =>
    toHex(ssseCardKey(profile.algorithm, fromHex(profile.masterKeys[df][kind]!), profile.issuer.regionCode, div8));

  const mf: DfImage = buildSsseTree({
    generation: profile.generation,
    algorithm: profile.algorithm,
    keyVersion: profile.keyVersion,
    pin: { value: profile.defaultPin, maxTries: profile.pinMaxTries },
    records,
    interfaces: profile.interfaces,
    contactless: profile.contactless,
    keyKinds,
    deriveKey,
  });

  const image: CardImage = {
    format: 'sscard-card-image',
    version: 1,
    profile: profile.name,
    protocol: profile.protocol,
    atr: {
      contact: toHex(contactAtr(profile.protocol, historical)),
      contactless: profile.interfaces.includes('contactless') ? toHex(contactlessAtr(historical)) : '',
    },
    cardLifeCycle: 'active',
    mf,
    apps: {
      [MEDICAL_APP_ID]: initialMedicalState(profile.medical.openingBalance, Number(issueDate.slice(0, 4))),
    },
  };

  if (profile.generation === 3 && profile.pki) {
    const { df, state } = buildPkiApplication(profile, holder, { random: deps.random, issueDate, interfaces: profile.interfaces });
    mf.children.push(df);
    image.apps.pki = state;
  }

  if (profile.financial) {
    (deps.financial ?? personalizeFinancial)({ profile, holder, image, random: deps.random, clock: deps.clock });
  }

  log?.info({ profile: profile.name, cardNumber: holder.cardNumber, cardIdentifier }, 'card personalised');
  return image;
}
