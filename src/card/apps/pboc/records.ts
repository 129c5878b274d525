/**
 * The application's record files and FCI at personalisation (choices.ts SFI layout [R]).
 */
import { ascii, concat, fromHex } from '../../../apdu/bytes.js';
import { AIP, CDOL1, CDOL2, DDOL, LOG_RECORDS, PDOL, SDA_TAG_LIST, SFI } from './choices.js';
import { bcd } from './amounts.js';
import type { FinancialProfile } from './profile.js';
import { constructed, tlv } from './tlv.js';

/** Card data fixed at personalisation. */
export interface CardData {
  pan: string;
  psn: string;
  /** YYMMDD. */
  effective: string;
  expiry: string;
}

/** Track 2 equivalent data 57: PAN ‖ D ‖ YYMM ‖ service code ‖ discretionary 0… ‖ F pad. */
export function track2(profile: FinancialProfile, card: CardData): Uint8Array {
  return bcd(`${card.pan}D${card.expiry.slice(0, 4)}${profile.serviceCode}0000000000`, 'F');
}

/** SFI 1 record 1: Track 2. */
export function trackRecord(profile: FinancialProfile, card: CardData): Uint8Array {
  return constructed('70', tlv('57', track2(profile, card)));
}

/**
 * SFI 2 record 1: the static data signed for SDA/DDA (its value, without 70 L, enters the static data to
 * be authenticated — EMV Book 3 §10.3).
 */
export function staticRecord(profile: FinancialProfile, card: CardData): Uint8Array {
  return constructed(
    '70',
    tlv('5A', bcd(card.pan, 'F')),
    tlv('5F34', bcd(card.psn)),
    tlv('5F24', bcd(card.expiry)),
    tlv('5F25', bcd(card.effective)),
    tlv('5F28', fromHex(profile.countryCode)),
    tlv('5F30', bcd('0' + profile.serviceCode)),
    tlv('9F07', fromHex('FF00')),
    tlv('9F08', fromHex('0030')),
    tlv('8E', fromHex(profile.cvmList)),
    tlv('9F0D', fromHex(profile.iac.default)),
    tlv('9F0E', fromHex(profile.iac.denial)),
    tlv('9F0F', fromHex(profile.iac.online)),
    tlv('8C', fromHex(CDOL1)),
    tlv('8D', fromHex(CDOL2)),
    tlv('9F49', fromHex(DDOL)),
    tlv('9F4A', fromHex(SDA_TAG_LIST)),
    tlv('9F51', fromHex(profile.currency)),
    tlv('9F74', ascii(profile.ec.issuerAuthCode)),
  );
}

/** Static data to be authenticated: the SFI 2 record value ‖ the AIP (9F4A = 82). */
export function staticDataToAuthenticate(staticRec: Uint8Array): Uint8Array {
  // the record is 70 L V; L may be one or two bytes (81 xx)
  const skip = staticRec[1]! === 0x81 ? 3 : staticRec[1]! === 0x82 ? 4 : 2;
  return concat(staticRec.subarray(skip), fromHex(AIP));
}

/** FCI proprietary template A5 content of the ADF. */
export function adfFciProprietary(profile: FinancialProfile): Uint8Array {
  return concat(
    tlv('50', ascii(profile.label)),
    tlv('87', Uint8Array.of(profile.priority)),
    tlv('9F38', fromHex(PDOL)),
    tlv('5F2D', ascii('zhen')),
    tlv('9F11', Uint8Array.of(0x01)),
    tlv('9F12', ascii(profile.label)),
    constructed(
      'BF0C',
      tlv('9F4D', Uint8Array.of(SFI.transactionLog, LOG_RECORDS.transaction)),
      tlv('DF4D', Uint8Array.of(SFI.loadLog, LOG_RECORDS.load)),
    ),
  );
}

/** The directory entry 61 of the application (PSE record, PPSE FCI). */
export function directoryEntry(profile: FinancialProfile): Uint8Array {
  return constructed('61', tlv('4F', fromHex(profile.aid)), tlv('50', ascii(profile.label)), tlv('87', Uint8Array.of(profile.priority)));
}

