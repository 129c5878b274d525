/**
 * The EMV / PBOC 3.0 tags sscard meets (DOMAIN.md §2; EMV Book 3 Annex A; JR/T 0025), with their
 * names and formats. Used to build DOL data (format decides padding) and to name tags in traces.
 */

/** EMV data formats: binary, numeric (BCD, right-aligned), compressed numeric (BCD, F-padded), alphanumeric. */
export type TagFormat = 'b' | 'n' | 'cn' | 'an' | 'ans';

/** Who supplies a data object (EMV Book 3 Annex A "Source"). */
export type TagSource = 'card' | 'terminal' | 'issuer';

export interface TagInfo {
  tag: string;
  name: string;
  format: TagFormat;
  /** Allowed value length in bytes (EMV Book 3 Annex A / JR/T 0025), when the dictionary records it. */
  length?: { min: number; max: number };
  /** Who supplies it, when recorded. */
  source?: TagSource;
}

const TAGS: ReadonlyArray<readonly [string, string, TagFormat]> = [
  ['42', 'Issuer Identification Number', 'n'],
  ['4F', 'Application Identifier (AID)', 'b'],
  ['50', 'Application Label', 'ans'],
  ['57', 'Track 2 Equivalent Data', 'b'],
  ['5A', 'Application PAN', 'cn'],
  ['5F20', 'Cardholder Name', 'ans'],
  ['5F24', 'Application Expiration Date', 'n'],
  ['5F25', 'Application Effective Date', 'n'],
  ['5F28', 'Issuer Country Code', 'n'],
  ['5F2A', 'Transaction Currency Code', 'n'],
  ['5F2D', 'Language Preference', 'an'],
  ['5F30', 'Service Code', 'n'],
  ['5F34', 'PAN Sequence Number', 'n'],
  ['61', 'Application Template', 'b'],
  ['6F', 'FCI Template', 'b'],
  ['70', 'Record Template', 'b'],
  ['72', 'Issuer Script Template 2', 'b'],
  ['77', 'Response Message Template Format 2', 'b'],
  ['80', 'Response Message Template Format 1', 'b'],
  ['82', 'Application Interchange Profile', 'b'],
  ['83', 'Command Template', 'b'],
  ['84', 'Dedicated File Name', 'b'],
  ['86', 'Issuer Script Command', 'b'],
  ['87', 'Application Priority Indicator', 'b'],
  ['88', 'Short File Identifier', 'b'],
  ['8A', 'Authorisation Response Code', 'an'],
  ['8C', 'CDOL1', 'b'],
  ['8D', 'CDOL2', 'b'],
  ['8E', 'CVM List', 'b'],
  ['8F', 'CA Public Key Index', 'b'],
  ['90', 'Issuer Public Key Certificate', 'b'],
  ['91', 'Issuer Authentication Data', 'b'],
  ['92', 'Issuer Public Key Remainder', 'b'],
  ['93', 'Signed Static Application Data', 'b'],
  ['94', 'Application File Locator', 'b'],
  ['95', 'Terminal Verification Results', 'b'],
  ['9A', 'Transaction Date', 'n'],
  ['9C', 'Transaction Type', 'n'],
  ['9F02', 'Amount, Authorised', 'n'],
  ['9F03', 'Amount, Other', 'n'],
  ['9F07', 'Application Usage Control', 'b'],
  ['9F08', 'Application Version Number', 'b'],
  ['9F0C', 'Issuer Discretionary Data (SSSE FCI)', 'b'],
  ['9F0D', 'Issuer Action Code - Default', 'b'],
  ['9F0E', 'Issuer Action Code - Denial', 'b'],
  ['9F0F', 'Issuer Action Code - Online', 'b'],
  ['9F10', 'Issuer Application Data', 'b'],
  ['9F11', 'Issuer Code Table Index', 'n'],
  ['9F12', 'Application Preferred Name', 'ans'],
  ['9F13', 'Last Online ATC Register', 'b'],
  ['9F14', 'Lower Consecutive Offline Limit', 'b'],
  ['9F17', 'PIN Try Counter', 'b'],
  ['9F18', 'Issuer Script Identifier', 'b'],
  ['9F1A', 'Terminal Country Code', 'n'],
  ['9F1F', 'Track 1 Discretionary Data', 'ans'],
  ['9F21', 'Transaction Time', 'n'],
  ['9F23', 'Upper Consecutive Offline Limit', 'b'],
  ['9F26', 'Application Cryptogram', 'b'],
  ['9F27', 'Cryptogram Information Data', 'b'],
  ['9F32', 'Issuer Public Key Exponent', 'b'],
  ['9F33', 'Terminal Capabilities', 'b'],
  ['9F34', 'CVM Results', 'b'],
  ['9F35', 'Terminal Type', 'n'],
  ['9F36', 'Application Transaction Counter', 'b'],
  ['9F37', 'Unpredictable Number', 'b'],
  ['9F38', 'PDOL', 'b'],
  ['9F42', 'Application Currency Code', 'n'],
  ['9F44', 'Application Currency Exponent', 'n'],
  ['9F46', 'ICC Public Key Certificate', 'b'],
  ['9F47', 'ICC Public Key Exponent', 'b'],
  ['9F48', 'ICC Public Key Remainder', 'b'],
  ['9F49', 'DDOL', 'b'],
  ['9F4A', 'SDA Tag List', 'b'],
  ['9F4B', 'Signed Dynamic Application Data', 'b'],
  ['9F4C', 'ICC Dynamic Number', 'b'],
  ['9F4D', 'Log Entry', 'b'],
  ['9F4E', 'Merchant Name and Location', 'ans'],
  ['9F4F', 'Log Format', 'b'],
  ['9F51', 'Application Currency Code (PBOC)', 'n'],
  ['9F5D', 'Available Offline Spending Amount', 'n'],
  ['9F63', 'Card Product Identification', 'b'],
  ['9F66', 'Terminal Transaction Qualifiers', 'b'],
  ['9F69', 'Card Authentication Related Data', 'b'],
  ['9F6C', 'Card Transaction Qualifiers', 'b'],
  ['9F6D', 'EC Reset Threshold', 'n'],
  ['9F74', 'EC Issuer Authorization Code', 'an'],
  ['9F77', 'EC Balance Limit', 'n'],
  ['9F78', 'EC Single Transaction Limit', 'n'],
  ['9F79', 'EC Balance', 'n'],
  ['9F7A', 'EC Terminal Support Indicator', 'b'],
  ['9F7B', 'EC Terminal Transaction Limit', 'n'],
  ['A5', 'FCI Proprietary Template', 'b'],
  ['BF0C', 'FCI Issuer Discretionary Data', 'b'],
  ['DF19', 'Contactless Floor Limit', 'n'],
  ['DF20', 'Contactless Transaction Limit', 'n'],
  ['DF21', 'CVM Required Limit', 'n'],
  ['DF4D', 'Load Log Entry', 'b'],
  ['DF4F', 'Load Log Format', 'b'],
  ['DF60', 'CAPP Transaction Indicator', 'b'],
  ['DF61', 'Segmented Fee Indicator', 'b'],
  ['DF62', 'Segmented Fee Limit', 'n'],
  ['DF63', 'Segmented Fee Accumulated', 'n'],
  ['DF69', 'SM Algorithm Indicator', 'b'],
];

/**
 * Length constraints and sources (EMV Book 3 Annex A; PBOC tags from JR/T 0025): [tag, min, max, source].
 * Tags absent here have no recorded constraint.
 */
const LIMITS: ReadonlyArray<readonly [string, number, number, TagSource]> = [
  ['4F', 5, 16, 'card'],
  ['50', 1, 16, 'card'],
  ['57', 1, 19, 'card'],
  ['5A', 1, 10, 'card'],
  ['5F20', 2, 26, 'card'],
  ['5F24', 3, 3, 'card'],
  ['5F25', 3, 3, 'card'],
  ['5F28', 2, 2, 'card'],
  ['5F2A', 2, 2, 'terminal'],
  ['5F2D', 2, 8, 'card'],
  ['5F30', 2, 2, 'card'],
  ['5F34', 1, 1, 'card'],
  ['82', 2, 2, 'card'],
  ['84', 5, 16, 'card'],
  ['87', 1, 1, 'card'],
  ['88', 1, 1, 'card'],
  ['8A', 2, 2, 'issuer'],
  ['8C', 0, 252, 'card'],
  ['8D', 0, 252, 'card'],
  ['8E', 10, 252, 'card'],
  ['8F', 1, 1, 'card'],
  ['91', 8, 16, 'issuer'],
  ['94', 4, 252, 'card'],
  ['95', 5, 5, 'terminal'],
  ['9A', 3, 3, 'terminal'],
  ['9C', 1, 1, 'terminal'],
  ['9F02', 6, 6, 'terminal'],
  ['9F03', 6, 6, 'terminal'],
  ['9F07', 2, 2, 'card'],
  ['9F08', 2, 2, 'card'],
  ['9F0D', 5, 5, 'card'],
  ['9F0E', 5, 5, 'card'],
  ['9F0F', 5, 5, 'card'],
  ['9F10', 0, 32, 'card'],
  ['9F11', 1, 1, 'card'],
  ['9F12', 1, 16, 'card'],
  ['9F13', 2, 2, 'card'],
  ['9F14', 1, 1, 'card'],
  ['9F17', 1, 1, 'card'],
  ['9F1A', 2, 2, 'terminal'],
  ['9F21', 3, 3, 'terminal'],
  ['9F23', 1, 1, 'card'],
  ['9F26', 8, 8, 'card'],
  ['9F27', 1, 1, 'card'],
  ['9F33', 3, 3, 'terminal'],
  ['9F34', 3, 3, 'terminal'],
  ['9F35', 1, 1, 'terminal'],
  ['9F36', 2, 2, 'card'],
  ['9F37', 4, 4, 'terminal'],
  ['9F42', 2, 2, 'card'],
  ['9F44', 1, 1, 'card'],
  ['9F4C', 2, 8, 'card'],
  ['9F51', 2, 2, 'card'],
  ['9F5D', 6, 6, 'card'],
  ['9F66', 4, 4, 'terminal'],
  ['9F6C', 2, 2, 'card'],
  ['9F6D', 6, 6, 'card'],
  ['9F77', 6, 6, 'card'],
  ['9F78', 6, 6, 'card'],
  ['9F79', 6, 6, 'card'],
  ['9F7A', 1, 1, 'terminal'],
  ['9F7B', 6, 6, 'terminal'],
  ['DF60', 1, 1, 'terminal'],
  ['DF69', 1, 1, 'terminal'],
];

const LIMIT_BY_TAG: ReadonlyMap<string, Pick<TagInfo, 'length' | 'source'>> = new Map(
  LIMITS.map(([tag, min, max, source]) => [tag, { length: { min, max }, source }]),
);

const BY_TAG: ReadonlyMap<string, TagInfo> = new Map(
  TAGS.map(([tag, name, format]) => [tag, Object.freeze({ tag, name, format, ...LIMIT_BY_TAG.get(tag) })]),
);

/** The dictionary entry of a tag (hex, any case), if known. */
export function tagInfo(tag: string): TagInfo | undefined {
  return BY_TAG.get(tag.toUpperCase());
}

/** The dictionary name of a tag, or the tag itself when unknown (traces). */
export function tagName(tag: string): string {
  return tagInfo(tag)?.name ?? tag.toUpperCase();
}

/** Every known tag. */
export const KNOWN_TAGS: readonly TagInfo[] = [...BY_TAG.values()];
