/**
 * Security commands of the card OS (DOMAIN.md §1.3, §1.4; ISO/IEC 7816-4 §11.5):
 * GET CHALLENGE, VERIFY, CHANGE PIN (80 5E 01 00), RELOAD PIN (80 5E 00 00), PIN CHANGE/UNBLOCK
 * (84 24 00 00/01), INTERNAL AUTHENTICATE, EXTERNAL AUTHENTICATE.
 * Failed PIN and key attempts count down persistently (the failure is committed: `keepChanges`).
 */
import { concat, constantTimeEqual, fromHex, toHex } from '../../../apdu/bytes.js';
import { ResponseApdu } from '../../../apdu/response-apdu.js';
import { SW, triesLeft } from '../../../apdu/status-words.js';
import { cipherFor } from '../../../crypto/block-cipher.js';
import { decodeSmCryptogram } from '../../../crypto/encipher.js';
import { ssseAuthData, ssseSessionKey } from '../../../crypto/kdf.js';
import { verifyStaticMac } from '../../security/secure-messaging.js';
import { CardError } from '../card-error.js';
import type { CardContext } from '../context.js';
import type { KeyImage, PinImage } from '../types.js';
import type { Handler } from './types.js';
import { RELOAD_PIN_MAC_CLA } from '../../../spec/ssse/pin-commands.js';

/** PIN digits from BCD bytes padded with F (DOMAIN.md §1.3: "PIN, BCD, 2-8 bytes"); undefined if malformed. */
export function pinDigits(bcd: Uint8Array): string | undefined {
  const hex = toHex(bcd).replace(/F+$/, '');
  return /^\d{4,16}$/.test(hex) ? hex : undefined;
}

export const getChallenge: Handler = (cmd, ctx) => {
  if (cmd.p1 !== 0 || cmd.p2 !== 0) throw new CardError(SW.INCORRECT_P1P2);
  if (![4, 8, 16].includes(cmd.ne)) throw new CardError(SW.WRONG_LENGTH);
  const challenge = ctx.random(cmd.ne);
  ctx.os.challenge = challenge;
  return ResponseApdu.of(challenge, SW.OK);
};

type FoundPin = { pin: PinImage; scope: readonly number[] };

function pinByReference(ctx: CardContext, reference: number): FoundPin {
  const found = ctx.findPin((p) => p.reference === reference);
  if (!found) throw new CardError(SW.REFERENCED_DATA_NOT_FOUND);
  return found;
}

/**
 * Compares a presented PIN. The try is charged first and saved (`ctx.checkpoint`), so that no answer
 * about the PIN leaves the card before its counter is durable; a match gives the try back (the counter
 * is as before the command: the caller resets it when the command succeeds). Returns the mutable PIN.
 */
function presentPin(ctx: CardContext, found: FoundPin, digits: string | undefined): PinImage {
  const before = found.pin.triesLeft;
  if (before <= 0) throw new CardError(SW.AUTH_METHOD_BLOCKED);
  if (digits === undefined) throw new CardError(SW.WRONG_DATA);
  ctx.editPin(found).triesLeft = before - 1;
  ctx.checkpoint();
  const pin = ctx.editPin(found);
  if (digits !== pin.value) {
    ctx.os.verifiedPins = ctx.os.verifiedPins.filter((g) => g.id !== pin.id);
    throw new CardError(triesLeft(pin.triesLeft), { keepChanges: true });
  }
  pin.triesLeft = before;
  return pin;
}

function grantPin(ctx: CardContext, found: FoundPin): void {
  const id = found.pin.id;
  ctx.os.verifiedPins = [...ctx.os.verifiedPins.filter((g) => g.id !== id), { id, scope: found.scope }];
}

export const verify: Handler = (cmd, ctx) => {
  if (cmd.p1 !== 0) throw new CardError(SW.INCORRECT_P1P2);
  const found = pinByReference(ctx, cmd.p2);
  const pin = found.pin;
  if (cmd.nc === 0) {
    // ISO 7816-4 §11.5.6: no data asks for the retry counter
    if (pin.triesLeft <= 0) throw new CardError(SW.AUTH_METHOD_BLOCKED);
    return ResponseApdu.status(ctx.isPinVerified(pin.id) ? SW.OK : triesLeft(pin.triesLeft));
  }
  if (cmd.nc < 2 || cmd.nc > 8) throw new CardError(SW.WRONG_LENGTH);
  const presented = presentPin(ctx, found, pinDigits(cmd.data));
  presented.triesLeft = presented.maxTries;
  grantPin(ctx, found);
  return ResponseApdu.status(SW.OK);
};

/** CHANGE PIN 80 5E 01 00: old PIN ‖ FF ‖ new PIN (DOMAIN.md §1.3). */
export const changeOrReloadPin: Handler = (cmd, ctx) => {
  if (cmd.p1 === 0x01 && cmd.p2 === 0x00) {
    const data = cmd.data;
    const sep = data.indexOf(0xff);
    if (sep < 2 || sep === data.length - 1) throw new CardError(SW.WRONG_DATA);
    const found = pinByReference(ctx, 0x00);
    const pin = presentPin(ctx, found, pinDigits(data.subarray(0, sep)));
    const next = pinDigits(data.subarray(sep + 1));
    // the old PIN matched: its try is given back (kept) even though the new PIN is refused
    if (next === undefined || next.length > 12) throw new CardError(SW.WRONG_DATA, { keepChanges: true });
    pin.value = next;
    pin.triesLeft = pin.maxTries;
    grantPin(ctx, found);
    return ResponseApdu.status(SW.OK);
  }
  if (cmd.p1 === 0x00 && cmd.p2 === 0x00) return reloadPin(cmd, ctx);
  throw new CardError(SW.INCORRECT_P1P2);
};

function keyByUsage(ctx: CardContext, usage: KeyImage['usage']): KeyImage {
  const found = ctx.findKey((k) => k.usage === usage);
  if (!found) throw new CardError(SW.REFERENCED_DATA_NOT_FOUND);
  return found.key;
}

/**
 * RELOAD PIN 80 5E 00 00: new PIN ‖ MAC, MAC under the PIN-reload key with IV = challenge [R]
 * (docs/card-os.md). Sets the PIN and resets its counter.
 */
const reloadPin = (cmd: Parameters<Handler>[0], ctx: CardContext) => {
  const key = keyByUsage(ctx, 'pin-reload');
  const plain = verifyStaticMac(cmd.with({ cla: RELOAD_PIN_MAC_CLA }), key, ctx.os.challenge);
  ctx.os.challenge = undefined;
  const next = pinDigits(plain);
  if (next === undefined) throw new CardError(SW.WRONG_DATA);
  const pin = ctx.editPin(pinByReference(ctx, 0x00));
  pin.value = next;
  pin.triesLeft = pin.maxTries;
  return ResponseApdu.status(SW.OK);
};

/**
 * PIN CHANGE/UNBLOCK 84 24 00 P2 (DOMAIN.md §1.3): P2 = 00 MAC only (unblock: the counter is reset);
 * P2 = 01 enciphered new PIN (LD ‖ PIN ‖ 80…, ECB under the PIN-unblock key) ‖ MAC.
 */
export const pinChangeUnblock: Handler = (cmd, ctx) => {
  if (cmd.p1 !== 0 || cmd.p2 > 1) throw new CardError(SW.INCORRECT_P1P2);
  const key = keyByUsage(ctx, 'pin-unblock');
  const plain = verifyStaticMac(cmd, key, ctx.os.challenge);
  ctx.os.challenge = undefined;
  const pin = ctx.editPin(pinByReference(ctx, 0x00));
  if (cmd.p2 === 0x01) {
    const clear = decodeSmCryptogram(cipherFor(key.algorithm, fromHex(key.value)), plain);
    if (!clear.ok) throw new CardError(SW.SM_DATA_WRONG);
    const next = pinDigits(clear.data);
    if (next === undefined) throw new CardError(SW.WRONG_DATA);
    pin.value = next;
  } else if (plain.length !== 0) {
    throw new CardError(SW.WRONG_LENGTH);
  }
  pin.triesLeft = pin.maxTries;
  return ResponseApdu.status(SW.OK);
};

function authData(cmd: { data: Uint8Array; nc: number }): { first: Uint8Array; second: Uint8Array; version?: number } {
  if (cmd.nc !== 16 && cmd.nc !== 17) throw new CardError(SW.WRONG_LENGTH);
  const data = cmd.data;
  return { first: data.subarray(0, 8), second: data.subarray(8, 16), version: cmd.nc === 17 ? data[16] : undefined };
}

function keyByReference(ctx: CardContext, reference: number, usage: KeyImage['usage']): { key: KeyImage; scope: readonly number[] } {
  const found = ctx.findKey((k) => k.usage === usage && k.reference === reference);
  if (!found) throw new CardError(SW.REFERENCED_DATA_NOT_FOUND);
  return found;
}

/**
 * INTERNAL AUTHENTICATE 00 88 00 ref: factor(8) ‖ original(8) [‖ key version] → E_SK(original), SK = E_IRK(factor)
 * (DOMAIN.md §1.4 card check; 16-byte ciphers fold the block to 8 bytes).
 */
export const internalAuthenticate: Handler = (cmd, ctx) => {
  if (cmd.p1 !== 0) throw new CardError(SW.INCORRECT_P1P2);
  const { first: factor, second: original, version } = authData(cmd);
  const { key } = keyByReference(ctx, cmd.p2, 'internal-auth');
  if (version !== undefined && version !== key.version) throw new CardError(SW.KEY_INDEX_NOT_SUPPORTED);
  const sk = ssseSessionKey(key.algorithm, fromHex(key.value), factor);
  return ResponseApdu.of(ssseAuthData(key.algorithm, sk, original), SW.OK);
};

/**
 * EXTERNAL AUTHENTICATE 00 82 00 keyID: auth data(8) ‖ original data(8) [‖ key version]; the original
 * data must be the last challenge, the auth data E_K(original) folded (DOMAIN.md §1.4). Failures count
 * down the key's tries (63Cx, then 6983).
 */
export const externalAuthenticate: Handler = (cmd, ctx) => {
  if (cmd.p1 !== 0) throw new CardError(SW.INCORRECT_P1P2);
  const { first: cryptogram, second: original, version } = authData(cmd);
  const found = keyByReference(ctx, cmd.p2, 'external-auth');
  const { key, scope } = found;
  if (version !== undefined && version !== key.version) throw new CardError(SW.KEY_INDEX_NOT_SUPPORTED);
  if (key.triesLeft !== undefined && key.triesLeft <= 0) throw new CardError(SW.AUTH_METHOD_BLOCKED);
  const challenge = ctx.os.challenge;
  ctx.os.challenge = undefined;
  if (!challenge) throw new CardError(SW.CONDITIONS_NOT_SATISFIED);
  // a counted key's try is charged (and saved) before the comparison, as a PIN's
  if (key.triesLeft !== undefined) {
    ctx.editKey(found).triesLeft = key.triesLeft - 1;
    ctx.checkpoint();
  }
  const counted = key.triesLeft !== undefined ? ctx.editKey(found) : undefined;
  const expected = ssseAuthData(key.algorithm, fromHex(key.value), original);
  const ok = constantTimeEqual(original, concat(challenge, new Uint8Array(8)).subarray(0, 8)) && constantTimeEqual(expected, cryptogram);
  if (!ok) {
    if (!counted) throw new CardError(0x6300);
    throw new CardError(triesLeft(counted.triesLeft!), { keepChanges: true });
  }
  if (counted) counted.triesLeft = key.maxTries ?? key.triesLeft;
  ctx.os.authenticatedKeys = [...ctx.os.authenticatedKeys.filter((g) => g.id !== key.id), { id: key.id, scope }];
  return ResponseApdu.status(SW.OK);
};
