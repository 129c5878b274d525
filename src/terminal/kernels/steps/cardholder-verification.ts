/**
 * Cardholder verification (EMV 4.3 Book 3 §10.5; CVM list codes Annex C3; JR/T 0025.5 for PBOC): the CVM
 * list 8E (amounts X and Y, then rules `CVM code ‖ condition code`) is walked in order; the first rule
 * whose condition holds is performed; when it fails and its b7 says "apply succeeding CVM rule" the next
 * one is tried, else verification fails.
 *
 * Methods: offline plaintext PIN (VERIFY `00 20 00 80 08 2L PP…FF`, after GET DATA 9F17), online PIN
 * (captured for the issuer), signature, no CVM; plaintext PIN + signature. Enciphered offline PIN is not
 * supported by this terminal. Amount conditions compare in the application currency (9F42, or the PBOC
 * application currency 9F51 when the card has no 9F42 [R]).
 *
 * TVR byte 3: CVM not successful, unrecognised CVM, PIN try limit exceeded, PIN pad absent, PIN not
 * entered, online PIN entered. TSI: cardholder verification performed. CVM results 9F34.
 */
import { fromHex, readUintBE, toHex } from '../../../apdu/bytes.js';
import { CommandApdu } from '../../../apdu/command-apdu.js';
import { CardAnswerError } from '../card-channel.js';
import type { KernelContext } from '../context.js';
import type { CvmPerformed } from '../outcome.js';

/** One rule of the CVM list. */
export interface CvmRule {
  /** The CVM code byte (b7 = apply succeeding rule if this one fails, b6-b1 = method). */
  code: number;
  condition: number;
}

export interface CvmList {
  x: number;
  y: number;
  rules: CvmRule[];
}

/** Decodes a CVM list (Book 3 §10.5): 8 bytes of amounts, then pairs; anything else is a wrong answer. */
export function parseCvmList(bytes: Uint8Array): CvmList {
  if (bytes.length < 10 || (bytes.length - 8) % 2 !== 0) {
    throw new CardAnswerError('CARD_DATA_INVALID', `CVM list (8E) of ${bytes.length} bytes`);
  }
  const rules: CvmRule[] = [];
  for (let i = 8; i < bytes.length; i += 2) rules.push({ code: bytes[i]!, condition: bytes[i + 1]! });
  return { x: readUintBE(bytes, 0, 4), y: readUintBE(bytes, 4, 4), rules };
}

type Method = 'fail' | 'offline-pin' | 'online-pin' | 'offline-pin+signature' | 'enciphered-pin' | 'enciphered-pin+signature' | 'signature' | 'no-cvm' | 'id-document';

/**
 * CVM methods (Annex C3) with the 9F33 byte 2 bits the terminal needs (Book 4 Annex A2); `undefined`
 * support = never supported here. 20 (cardholder ID presentation) is PBOC's [C].
 */
const METHODS: ReadonlyMap<number, { method: Method; support: number | undefined }> = new Map([
  [0x00, { method: 'fail', support: 0 }],
  [0x01, { method: 'offline-pin', support: 0x80 }],
  [0x02, { method: 'online-pin', support: 0x40 }],
  [0x03, { method: 'offline-pin+signature', support: 0x80 | 0x20 }],
  [0x04, { method: 'enciphered-pin', support: undefined }],
  [0x05, { method: 'enciphered-pin+signature', support: undefined }],
  [0x1e, { method: 'signature', support: 0x20 }],
  [0x1f, { method: 'no-cvm', support: 0x08 }],
  [0x20, { method: 'id-document', support: undefined }],
]);

function supported(ctx: KernelContext, code: number): boolean {
  const m = METHODS.get(code & 0x3f);
  if (!m || m.support === undefined) return false;
  const byte2 = fromHex(ctx.config.capabilities)[1]!;
  if (m.method === 'online-pin' && !ctx.config.onlineCapable) return false;
  return (byte2 & m.support) === m.support;
}

/** Whether the transaction is cash, attended, with cashback (for conditions 01, 02, 04, 05). */
function kind(ctx: KernelContext): { cash: boolean; attended: boolean; cashback: boolean } {
  const typeDigit = Number.parseInt(ctx.config.terminalType[1]!, 16);
  return { cash: ctx.transactionType === 0x01, attended: typeDigit >= 1 && typeDigit <= 3, cashback: ctx.transactionType === 0x09 || ctx.otherAmount > 0 };
}

function inApplicationCurrency(ctx: KernelContext): boolean {
  const currency = ctx.data.card('9F42') ?? ctx.data.card('9F51');
  return currency !== undefined && toHex(currency) === ctx.config.currencyCode;
}

/** Condition codes (Annex C3). A code not in the table is never satisfied. */
type Condition = (ctx: KernelContext, list: CvmList, code: number) => boolean;
const CONDITIONS: ReadonlyMap<number, Condition> = new Map<number, Condition>([
  [0x00, () => true],
  [0x01, (ctx) => kind(ctx).cash && !kind(ctx).attended],
  [0x02, (ctx) => !kind(ctx).cash && !kind(ctx).cashback],
  [0x03, (ctx, _l, code) => supported(ctx, code)],
  [0x04, (ctx) => kind(ctx).cash && kind(ctx).attended],
  [0x05, (ctx) => kind(ctx).cashback],
  [0x06, (ctx, l) => inApplicationCurrency(ctx) && ctx.amount < l.x],
  [0x07, (ctx, l) => inApplicationCurrency(ctx) && ctx.amount > l.x],
  [0x08, (ctx, l) => inApplicationCurrency(ctx) && ctx.amount < l.y],
  [0x09, (ctx, l) => inApplicationCurrency(ctx) && ctx.amount > l.y],
]);

/** ISO 9564-1 format 2 PIN block: `2L PPPP…FF` (8 bytes). */
export function pinBlock(pin: string): Uint8Array {
  const nibbles = `2${pin.length.toString(16)}${pin}`.padEnd(16, 'F');
  return fromHex(nibbles);
}

const PIN_FORMAT = /^[0-9]{4,12}$/;

type Attempt = { ok: true; performed: CvmPerformed; result: number } | { ok: false };

/** Offline plaintext PIN (Book 3 §10.5.1). */
async function offlinePin(ctx: KernelContext): Promise<Attempt> {
  const step = 'cardholder verification (offline PIN)';
  const pad = ctx.deps.pinPad;
  if (!pad || !ctx.config.pinPad) {
    ctx.tvr.set('pinPadAbsent');
    return { ok: false };
  }
  let triesLeft: number | undefined;
  const counter = await ctx.channel.exchange(step, CommandApdu.of({ cla: 0x80, ins: 0xca, p1: 0x9f, p2: 0x17, ne: 256 }));
  const value = counter.ok ? counter.data : undefined;
  if (value && value.length === 4 && value[0] === 0x9f && value[1] === 0x17 && value[2] === 0x01) triesLeft = value[3]!;
  if (triesLeft === 0) {
    ctx.tvr.set('pinTryLimitExceeded');
    ctx.note('offline PIN: the PIN try counter (9F17) is 0');
    return { ok: false };
  }
  for (let attempt = 1; attempt <= 16; attempt++) {
    const pin = await pad.enterPin({ kind: 'offline', attempt, ...(triesLeft !== undefined ? { triesLeft } : {}) });
    if (pin === undefined || !PIN_FORMAT.test(pin)) {
      ctx.tvr.set('pinNotEntered');
      ctx.note(pin === undefined ? 'offline PIN: not entered' : 'offline PIN: the PIN pad gave no valid PIN (4 to 12 digits)');
      return { ok: false };
    }
    const r = await ctx.channel.exchange(step, CommandApdu.of({ cla: 0x00, ins: 0x20, p1: 0x00, p2: 0x80, data: pinBlock(pin) }));
    if (r.ok) return { ok: true, performed: 'offline-pin', result: 0x02 };
    if ((r.sw & 0xfff0) === 0x63c0 && (r.sw & 0x0f) > 0) {
      triesLeft = r.sw & 0x0f;
      ctx.note(`offline PIN: wrong PIN, ${triesLeft} tries left`);
      continue;
    }
    if ((r.sw & 0xfff0) === 0x63c0 || r.sw === 0x6983 || r.sw === 0x6984) {
      ctx.tvr.set('pinTryLimitExceeded');
      ctx.note(`offline PIN: PIN try limit exceeded (${r.sw.toString(16).toUpperCase()})`);
      return { ok: false };
    }
    ctx.note(`offline PIN: VERIFY answered ${r.sw.toString(16).toUpperCase()}`);
    return { ok: false };
  }
  return { ok: false };
}

/** Online PIN (Book 3 §10.5.2): captured here, verified by the issuer. */
async function onlinePin(ctx: KernelContext): Promise<Attempt> {
  const pad = ctx.deps.pinPad;
  if (!pad || !ctx.config.pinPad) {
    ctx.tvr.set('pinPadAbsent');
    return { ok: false };
  }
  const pin = await pad.enterPin({ kind: 'online', attempt: 1 });
  if (pin === undefined || !PIN_FORMAT.test(pin)) {
    ctx.tvr.set('pinNotEntered');
    return { ok: false };
  }
  ctx.onlinePin = pin;
  ctx.tvr.set('onlinePinEntered');
  return { ok: true, performed: 'online-pin', result: 0x00 };
}

const PERFORM: Record<Method, (ctx: KernelContext) => Promise<Attempt>> = {
  fail: async () => ({ ok: false }),
  'offline-pin': offlinePin,
  'online-pin': onlinePin,
  'offline-pin+signature': async (ctx) => {
    const r = await offlinePin(ctx);
    if (r.ok) ctx.signatureRequired = true;
    return r.ok ? { ok: true, performed: 'offline-pin', result: 0x00 } : r;
  },
  'enciphered-pin': async () => ({ ok: false }),
  'enciphered-pin+signature': async () => ({ ok: false }),
  signature: async (ctx) => {
    ctx.signatureRequired = true;
    return { ok: true, performed: 'signature', result: 0x00 };
  },
  'no-cvm': async () => ({ ok: true, performed: 'no-cvm', result: 0x02 }),
  'id-document': async () => ({ ok: false }),
};

/** Book 3 §10.5. */
export async function cardholderVerification(ctx: KernelContext, aip: Uint8Array): Promise<void> {
  if ((aip[0]! & 0x10) === 0) {
    ctx.data.setTerminal('9F34', fromHex('3F0000'));
    ctx.note('cardholder verification not supported by the card (AIP)');
    return;
  }
  ctx.tsi.set('cvmPerformed');
  const raw = ctx.data.card('8E');
  if (!raw) {
    ctx.tvr.set('iccDataMissing');
    ctx.data.setTerminal('9F34', fromHex('3F0000'));
    ctx.note('no CVM list (8E)');
    return;
  }
  const list = parseCvmList(raw);
  let last: CvmRule | undefined;
  for (const rule of list.rules) {
    const condition = CONDITIONS.get(rule.condition);
    if (!condition || !condition(ctx, list, rule.code)) continue;
    last = rule;
    const entry = METHODS.get(rule.code & 0x3f);
    let attempt: Attempt;
    if (!entry) {
      ctx.tvr.set('unrecognisedCvm');
      attempt = { ok: false };
    } else if (!supported(ctx, rule.code) && entry.method !== 'fail') {
      ctx.note(`CVM ${entry.method} not supported by the terminal`);
      // a PIN method the terminal cannot do for want of a PIN pad is the "PIN pad absent" case (§10.5.1)
      if (entry.method.includes('pin') && !ctx.config.pinPad) ctx.tvr.set('pinPadAbsent');
      attempt = { ok: false };
    } else {
      attempt = await PERFORM[entry.method](ctx);
    }
    if (attempt.ok) {
      ctx.cvm = attempt.performed;
      ctx.data.setTerminal('9F34', Uint8Array.of(rule.code, rule.condition, attempt.result));
      return;
    }
    if ((rule.code & 0x40) === 0) break;
  }
  ctx.tvr.set('cvmNotSuccessful');
  ctx.cvm = 'failed';
  ctx.data.setTerminal('9F34', last ? Uint8Array.of(last.code, last.condition, 0x01) : fromHex('3F0001'));
}
