/**
 * Validation of a card image read from outside: the format tag, the version this sscard reads, and the
 * shape of the file tree. Errors say where the problem is.
 */
import type { CardImage, DfImage, EfImage } from '../runtime/types.js';
import { CardImageError } from './store.js';

/** The image format version this sscard reads and writes. */
export const CARD_IMAGE_VERSION = 1;

const HEX = /^(?:[0-9A-Fa-f]{2})*$/;

function fail(where: string, message: string): never {
  throw new CardImageError(`${where}: ${message}`);
}

function checkEf(ef: EfImage, path: string, where: string): void {
  if (typeof ef.fid !== 'number') fail(where, `${path}: EF without a numeric fid`);
  if (!['transparent', 'linear-fixed', 'linear-variable', 'cyclic'].includes(ef.structure)) fail(where, `${path}: unknown EF structure ${JSON.stringify(ef.structure)}`);
  if (ef.data !== undefined && (typeof ef.data !== 'string' || !HEX.test(ef.data))) fail(where, `${path}: data is not hex`);
  if (ef.records !== undefined && (!Array.isArray(ef.records) || ef.records.some((r) => typeof r !== 'string' || !HEX.test(r)))) {
    fail(where, `${path}: records are not a list of hex strings`);
  }
  if (ef.read === undefined || ef.update === undefined) fail(where, `${path}: missing access rules`);
}

function checkDf(df: DfImage, path: string, where: string): void {
  if (df.kind !== 'df') fail(where, `${path}: expected a DF`);
  if (!Array.isArray(df.children)) fail(where, `${path}: DF without children`);
  if (df.aid !== undefined && (typeof df.aid !== 'string' || !HEX.test(df.aid))) fail(where, `${path}: aid is not hex`);
  for (const pin of df.pins ?? []) {
    if (typeof pin.id !== 'string' || !/^\d{2,16}$/.test(pin.value) || !Number.isInteger(pin.triesLeft)) fail(where, `${path}: malformed PIN ${JSON.stringify(pin.id)}`);
  }
  for (const key of df.keys ?? []) {
    if (typeof key.id !== 'string' || typeof key.value !== 'string' || !HEX.test(key.value)) fail(where, `${path}: malformed key ${JSON.stringify(key.id)}`);
  }
  df.children.forEach((child, i) => {
    const childPath = `${path}/${child.kind === 'df' ? (child.label ?? child.fid?.toString(16) ?? i) : (child.fid?.toString(16) ?? i)}`;
    if (child.kind === 'df') checkDf(child, childPath, where);
    else if (child.kind === 'ef') checkEf(child, childPath, where);
    else fail(where, `${path}: child ${i} is neither a DF nor an EF`);
  });
}

/**
 * Checks that `value` is a card image this sscard can use.
 * @param where the file (or other source) named in errors
 */
export function validateImage(value: unknown, where: string): CardImage {
  if (typeof value !== 'object' || value === null) fail(where, 'not a card image (not a JSON object)');
  const image = value as Partial<CardImage>;
  if (image.format !== 'sscard-card-image') fail(where, 'not a card image (format is not "sscard-card-image")');
  if (image.version !== CARD_IMAGE_VERSION) {
    fail(where, `card image version ${JSON.stringify(image.version)} is not supported (this sscard reads version ${CARD_IMAGE_VERSION}); the file was left untouched`);
  }
  if (image.protocol !== 'T=0' && image.protocol !== 'T=1') fail(where, 'protocol must be "T=0" or "T=1"');
  if (!image.atr || typeof image.atr.contact !== 'string' || !HEX.test(image.atr.contact)) fail(where, 'missing contact ATR');
  if (typeof image.atr.contactless !== 'string' || !HEX.test(image.atr.contactless)) fail(where, 'contactless ATR is not hex');
  if (image.cardLifeCycle !== 'active' && image.cardLifeCycle !== 'blocked') fail(where, 'cardLifeCycle must be "active" or "blocked"');
  if (typeof image.apps !== 'object' || image.apps === null) fail(where, 'missing apps state');
  if (!image.mf) fail(where, 'missing MF');
  checkDf(image.mf, 'MF', where);
  return image as CardImage;
}
