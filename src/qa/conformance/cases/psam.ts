/**
 * The `psam` suite: what the card does with a terminal that has a PSAM (the terminal-side secure access
 * module of LD/T 32.7 / LD/T 32.9, DOMAIN.md §1.4): the card check, external authentication with the
 * read and write keys and the access rules they open, secure messaging, PIN reload and unblock, the
 * offline medical debit with MAC1/MAC2/TAC, and the life-cycle commands. The PSAM computes every
 * cryptogram (src/terminal/psam/psam-client.ts); the cases check what the card answers to them.
 */
import { concat, toHex, xor } from '../../../apdu/bytes.js';
import type { KeyedDf } from '../../../spec/ssse/identifiers.js';
import { SSSE_PIN_REFERENCE } from '../../../spec/ssse/identifiers.js';
import { KEY_SPECS, type KeyKind } from '../../../spec/ssse/keys.js';
import { decodeInitResponse, decodeTransactionRecord, encodeDebit, encodeInit, MEDICAL_DEBIT_TYPE } from '../../../spec/ssse/medical-debit.js';
import type { CardDiversification, PsamPort } from '../../../terminal/psam/psam-port.js';
import { SELECT_SSSE, type CaseContext } from '../context.js';
import { apdu, hexOf, join, REF, ssseRecord, verifyPin } from '../apdus.js';
import { suiteBuilder } from '../table.js';
import type { ConformanceCase } from '../types.js';

const { flow } = suiteBuilder('psam');
const OK = { sw: '9000' } as const;
const NEEDS = { psam: true } as const;
const SELECT_DF04 = '00A4040006D15600000503';

/** A byte string with its first bit flipped (a wrong cryptogram / MAC). */
function flipped(b: Uint8Array): Uint8Array {
  return xor(b, concat(Uint8Array.of(0x01), new Uint8Array(b.length - 1)));
}

async function setup(t: CaseContext): Promise<{ psam: PsamPort; card: CardDiversification; keyVersion: number }> {
  const psam = await t.psam();
  const info = await psam.open();
  const card = await t.diversification();
  return { psam, card, keyVersion: info.keyVersion };
}

/**
 * EXTERNAL AUTHENTICATE with a card key (LD/T 32.5-2015 §7.4; the third-generation flow of DOMAIN.md
 * §1.4): GET CHALLENGE 8 → the PSAM's cryptogram → `00 82 00 ref 11 cryptogram ‖ R ‖ key version`.
 */
async function externalAuth(t: CaseContext, df: KeyedDf, kind: KeyKind, expectSw = '9000', tamper = false): Promise<void> {
  const { psam, card, keyVersion } = await setup(t);
  const r = (await t.send('0084000008', { sw: '9000', length: 8 }, 'GET CHALLENGE')).data;
  let cryptogram = await psam.externalAuthenticationCryptogram(card, { df, kind }, r);
  if (tamper) cryptogram = flipped(cryptogram);
  await t.send(apdu(`008200${hexOf(KEY_SPECS[kind].reference, 1)}`, join(cryptogram, r, Uint8Array.of(keyVersion))), { sw: expectSw }, `EXTERNAL AUTHENTICATE ${kind}_${df}${tamper ? ' (wrong cryptogram)' : ''}`);
}

/** The key-management MAC of a command (static key, IV = the card's challenge; DOMAIN.md §1.4). */
async function keyManagementCommand(t: CaseContext, df: KeyedDf, kind: KeyKind, header: string, data: Uint8Array, options: { macCla?: number; tamper?: boolean } = {}): Promise<Uint8Array> {
  const { psam, card } = await setup(t);
  const challenge = (await t.send('0084000008', { sw: '9000', length: 8 }, 'GET CHALLENGE')).data;
  const head = Uint8Array.from(Buffer.from(header, 'hex'));
  const lc = Uint8Array.of(data.length + 4);
  const macHead = options.macCla !== undefined ? concat(Uint8Array.of(options.macCla), head.subarray(1)) : head;
  let mac = await psam.keyManagementMac(card, { df, kind }, challenge, concat(macHead, lc, data));
  if (options.tamper) mac = flipped(mac);
  return concat(head, lc, data, mac);
}

/** 7 bytes BCD YYYYMMDDhhmmss in China time (UTC+8) of a date. */
function chinaTime(d: Date): Uint8Array {
  const c = new Date(d.getTime() + 8 * 3600_000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const text = `${p(c.getUTCFullYear(), 4)}${p(c.getUTCMonth() + 1)}${p(c.getUTCDate())}${p(c.getUTCHours())}${p(c.getUTCMinutes())}${p(c.getUTCSeconds())}`;
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

function u32(b: Uint8Array): number {
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

async function balanceOf(t: CaseContext): Promise<number> {
  return u32((await t.send('B026000004', { sw: '9000', length: 4 }, 'GET BALANCE')).data);
}

/** One offline medical debit of `amount` fen through the PSAM; returns what the card answered. */
async function medicalDebit(t: CaseContext, amount: number, options: { tamperMac1?: boolean } = {}) {
  const { psam, card } = await setup(t);
  const info = await psam.open();
  await t.send(SELECT_DF04, OK);
  await t.verifyPin('ssse');
  const before = await balanceOf(t);
  t.check(before >= amount, `the medical account holds ${before} fen, less than the ${amount} fen of the debit`);
  const amounts = { account: amount, selfPay: 0, fund: 0 };
  const init = decodeInitResponse((await t.send(apdu('B0280101', encodeInit({ keyIndex: KEY_SPECS.DPK.reference, ...amounts, terminalId: info.terminalId })), { sw: '9000', length: 22 }, 'INIT')).data);
  const time = chinaTime(t.clock.now());
  const mac1 = await psam.medicalDebitMac1(card, init, amounts, time);
  const sentMac1 = options.tamperMac1 ? flipped(mac1.mac1) : mac1.mac1;
  const debit = apdu('B02C0100', encodeDebit({ terminalSequence: mac1.terminalSequence, time, mac1: sentMac1 }));
  return { psam, card, info, init, amounts, time, mac1, before, debit };
}

const cases: ConformanceCase[] = [
  flow({
    id: 'psam.open',
    title: "the PSAM's algorithm is the card's (FCI algorithm indicator) and its terminal number is 6 BCD bytes",
    refs: [REF.dom('1.1'), REF.dom('1.4'), 'docs/psam.md'],
    needs: NEEDS,
    run: async (t) => {
      const psam = await t.psam();
      const info = await psam.open();
      t.check(/^\d{12}$/.test(toHex(info.terminalId)), `终端机编号 ${toHex(info.terminalId)} is not 12 BCD digits`);
      const fci = (await t.send(SELECT_SSSE, OK)).data;
      const alg = toHex(fci).match(/8601(0[1-3])/)?.[1];
      const expected = info.algorithm === 'SM4' ? '03' : '01';
      t.check(alg === expected, `the card's algorithm indicator is ${alg ?? 'absent'}, the PSAM's keys are ${info.algorithm} (${expected})`);
    },
  }),
  flow({
    id: 'psam.card-check',
    title: 'card check: the PSAM verifies the INTERNAL AUTHENTICATE answer under IRK_SSSE',
    refs: [REF.ld7CardCheck, REF.ld5IntAuth, REF.dom('1.4')],
    needs: NEEDS,
    run: async (t) => {
      const { psam, card } = await setup(t);
      const challenge = t.random(16);
      const answer = (await t.send(apdu('00880000', challenge), { sw: '9000', length: 8 }, 'INTERNAL AUTHENTICATE')).data;
      t.check(await psam.verifyInternalAuthentication(card, { df: 'SSSE', kind: 'IRK' }, challenge, answer), `the PSAM rejects the card's authentication data ${toHex(answer)}: the card is not genuine for these keys`);
    },
  }),
  flow({
    id: 'psam.card-check-tampered',
    title: 'card check: an altered answer is rejected (the check is not vacuous)',
    refs: [REF.ld7CardCheck, REF.dom('1.4')],
    needs: NEEDS,
    run: async (t) => {
      const { psam, card } = await setup(t);
      const challenge = t.random(16);
      const answer = (await t.send(apdu('00880000', challenge), { sw: '9000', length: 8 }, 'INTERNAL AUTHENTICATE')).data;
      t.check(!(await psam.verifyInternalAuthentication(card, { df: 'SSSE', kind: 'IRK' }, challenge, flipped(answer))), 'the PSAM accepted an altered authentication answer');
    },
  }),
  flow({
    id: 'psam.external-auth-uk',
    title: 'EXTERNAL AUTHENTICATE with UK_SSSE (0082000411 … ‖ key version) answers 9000',
    refs: [REF.ld5ExtAuth, REF.isoExtAuth, REF.dom('1.4')],
    needs: NEEDS,
    run: async (t) => {
      await t.send(SELECT_SSSE, OK);
      await externalAuth(t, 'SSSE', 'UK');
    },
  }),
  flow({
    id: 'psam.rk-opens-ef07',
    title: 'after EXTERNAL AUTHENTICATE with RK_SSSE (reference 0A) EF07 reads',
    refs: [REF.ld5ExtAuth, REF.t3Safety, REF.dom('1.2')],
    needs: NEEDS,
    run: async (t) => {
      await t.send(SELECT_SSSE, OK);
      await externalAuth(t, 'SSSE', 'RK');
      await t.send('00A4000002EF07', OK);
      await t.send('00B0000010', { sw: '9000', length: 16 }, 'READ BINARY EF07');
    },
  }),
  flow({
    id: 'psam.rk-does-not-write',
    title: 'the read key does not open writing: after RK_SSSE, UPDATE RECORD EF05 still answers 6982',
    refs: [REF.t3Safety, REF.ld5UpdateRecord, REF.dom('1.2')],
    needs: NEEDS,
    run: async (t) => {
      await t.send(SELECT_SSSE, OK);
      await externalAuth(t, 'SSSE', 'RK');
      const record = (await t.send('00B2052800', OK, 'READ RECORD tag 05')).data;
      await t.send(apdu('00DC0528', record), { sw: '6982' }, 'UPDATE RECORD tag 05 (same value)');
    },
  }),
  flow({
    id: 'psam.uk-opens-update',
    title: 'after EXTERNAL AUTHENTICATE with UK_SSSE, UPDATE RECORD EF05 answers 9000 (written back with its own value)',
    refs: [REF.ld5UpdateRecord, REF.t3Safety, REF.dom('1.3')],
    risk: 'restores',
    needs: NEEDS,
    run: async (t) => {
      await t.send(SELECT_SSSE, OK);
      const record = (await t.send('00B2052800', OK, 'READ RECORD tag 05')).data;
      await externalAuth(t, 'SSSE', 'UK');
      await t.send(apdu('00DC0528', record), OK, 'UPDATE RECORD tag 05 (same value)');
      const again = (await t.send('00B2052800', OK, 'READ RECORD tag 05')).data;
      t.check(toHex(again) === toHex(record), `the record reads ${toHex(again)} after writing ${toHex(record)}`);
    },
  }),
  flow({
    id: 'psam.external-auth-wrong',
    title: 'EXTERNAL AUTHENTICATE with a wrong cryptogram answers 63Cx; the right one then answers 9000',
    refs: [REF.ld5ExtAuth, REF.ld5Sw, REF.dom('1.3')],
    risk: 'restores',
    riskNote: 'uses one of the key\'s tries',
    needs: NEEDS,
    run: async (t) => {
      await t.send(SELECT_SSSE, OK);
      await externalAuth(t, 'SSSE', 'UK', '63Cx', true);
      await externalAuth(t, 'SSSE', 'UK');
    },
  }),
  flow({
    id: 'psam.external-auth-replay',
    title: 'a challenge is single use: the same cryptogram a second time is refused',
    refs: [REF.ld5ExtAuth, REF.ld5Challenge, REF.isoExtAuth],
    risk: 'restores',
    riskNote: 'uses one of the key\'s tries',
    needs: NEEDS,
    run: async (t) => {
      const { psam, card, keyVersion } = await setup(t);
      await t.send(SELECT_SSSE, OK);
      const r = (await t.send('0084000008', { sw: '9000', length: 8 }, 'GET CHALLENGE')).data;
      const command = apdu('00820004', join(await psam.externalAuthenticationCryptogram(card, { df: 'SSSE', kind: 'UK' }, r), r, Uint8Array.of(keyVersion)));
      await t.send(command, OK, 'EXTERNAL AUTHENTICATE UK_SSSE');
      await t.send(command, { sw: '!9000' }, 'the same EXTERNAL AUTHENTICATE again');
      await externalAuth(t, 'SSSE', 'UK');
    },
  }),
  flow({
    id: 'psam.secure-messaging-update',
    title: 'UPDATE RECORD with secure messaging (04 DC … ‖ MAC under the session key) answers 9000',
    refs: [REF.isoSm, REF.ld4, REF.dom('1.4')],
    risk: 'restores',
    needs: NEEDS,
    run: async (t) => {
      const { psam, card } = await setup(t);
      await t.send(SELECT_SSSE, OK);
      const record = (await t.send('00B2052800', OK, 'READ RECORD tag 05')).data;
      const r = (await t.send('0084000008', { sw: '9000', length: 8 }, 'GET CHALLENGE')).data;
      const input = concat(Uint8Array.of(0x04, 0xdc, 0x05, 0x28, record.length + 4), record);
      const mac = await psam.secureMessagingMac(card, { df: 'SSSE', kind: 'UK' }, r, input);
      await t.send(concat(input, mac), OK, 'UPDATE RECORD with MAC');
    },
  }),
  flow({
    id: 'psam.secure-messaging-wrong-mac',
    title: 'UPDATE RECORD with a wrong MAC answers 6988 (secure messaging data objects incorrect)',
    refs: [REF.isoSm, REF.isoSw, REF.dom('1.3')],
    needs: NEEDS,
    run: async (t) => {
      const { psam, card } = await setup(t);
      await t.send(SELECT_SSSE, OK);
      const record = (await t.send('00B2052800', OK, 'READ RECORD tag 05')).data;
      const r = (await t.send('0084000008', { sw: '9000', length: 8 }, 'GET CHALLENGE')).data;
      const input = concat(Uint8Array.of(0x04, 0xdc, 0x05, 0x28, record.length + 4), record);
      const mac = await psam.secureMessagingMac(card, { df: 'SSSE', kind: 'UK' }, r, input);
      await t.send(concat(input, flipped(mac)), { sw: '6988' }, 'UPDATE RECORD with a wrong MAC');
    },
  }),
  flow({
    id: 'psam.secure-messaging-single-use',
    title: 'a secure-messaging MAC works once: the same command again (its challenge used) answers 6988',
    refs: [REF.isoSm, REF.ld5Challenge],
    risk: 'restores',
    needs: NEEDS,
    run: async (t) => {
      const { psam, card } = await setup(t);
      await t.send(SELECT_SSSE, OK);
      const record = (await t.send('00B2052800', OK, 'READ RECORD tag 05')).data;
      const r = (await t.send('0084000008', { sw: '9000', length: 8 }, 'GET CHALLENGE')).data;
      const input = concat(Uint8Array.of(0x04, 0xdc, 0x05, 0x28, record.length + 4), record);
      const command = concat(input, await psam.secureMessagingMac(card, { df: 'SSSE', kind: 'UK' }, r, input));
      await t.send(command, OK, 'UPDATE RECORD with MAC');
      await t.send(command, { sw: '6988' }, 'the same command again');
    },
  }),
  flow({
    id: 'psam.df04-ef06-with-pin-and-rk',
    title: 'with the PIN and RK_DF04, DF04 EF06 reads: 准许脱网标识 (tag 90) is "0" or "1"',
    refs: [REF.t3DfSafety('DF04'), REF.t3Df04Record, REF.dom('1.2')],
    needs: NEEDS,
    run: async (t) => {
      await setup(t);
      await t.send(SELECT_DF04, OK);
      await t.verifyPin('ssse');
      await externalAuth(t, 'DF04', 'RK');
      const data = (await t.send('00B2903000', OK, 'READ RECORD DF04 EF06 tag 90')).data;
      const v = ssseRecord(data, 0x90);
      if (typeof v === 'string') return t.fail(`DF04 EF06 tag 90: ${v}`);
      t.check(v.length === 1 && (v[0] === 0x30 || v[0] === 0x31), `准许脱网标识 ${toHex(v)} is not "0" or "1"`);
    },
  }),
  flow({
    id: 'psam.df04-update-with-uk',
    title: 'with UK_DF04, UPDATE RECORD of DF04 EF05 (用卡方式, tag 8F) answers 9000 (same value)',
    refs: [REF.t3DfSafety('DF04'), REF.ld5UpdateRecord],
    risk: 'restores',
    needs: NEEDS,
    run: async (t) => {
      await setup(t);
      await t.send(SELECT_DF04, OK);
      await t.verifyPin('ssse');
      const record = (await t.send('00B28F2800', OK, 'READ RECORD DF04 EF05 tag 8F')).data;
      await externalAuth(t, 'DF04', 'UK');
      await t.send(apdu('00DC8F28', record), OK, 'UPDATE RECORD tag 8F (same value)');
    },
  }),
  flow({
    id: 'psam.pin-reload',
    title: 'RELOAD PIN (80 5E 00 00 PIN ‖ MAC under RPK) answers 9000; the PIN verifies (reloaded with its own value)',
    refs: [REF.ld5ReloadPin, REF.dom('1.3'), REF.dom('1.4'), 'docs/card-os.md [R] (the MAC input uses CLA 84)'],
    risk: 'restores',
    needs: NEEDS,
    run: async (t) => {
      await setup(t);
      await t.send(SELECT_SSSE, OK);
      const pin = Uint8Array.from(Buffer.from(t.settings.pin.length % 2 ? `${t.settings.pin}F` : t.settings.pin, 'hex'));
      await t.send(await keyManagementCommand(t, 'SSSE', 'RPK', '805E0000', pin, { macCla: 0x84 }), OK, 'RELOAD PIN');
      await t.verifyPin('ssse');
    },
  }),
  flow({
    id: 'psam.pin-reload-wrong-mac',
    title: 'RELOAD PIN with a wrong MAC answers 9302',
    refs: [REF.ld5ReloadPin, REF.dom('1.3')],
    needs: NEEDS,
    run: async (t) => {
      await setup(t);
      await t.send(SELECT_SSSE, OK);
      const pin = Uint8Array.from(Buffer.from(t.settings.pin.length % 2 ? `${t.settings.pin}F` : t.settings.pin, 'hex'));
      await t.send(await keyManagementCommand(t, 'SSSE', 'RPK', '805E0000', pin, { macCla: 0x84, tamper: true }), { sw: '9302' }, 'RELOAD PIN with a wrong MAC');
    },
  }),
  flow({
    id: 'psam.pin-unblock-counter',
    title: 'PIN CHANGE/UNBLOCK 84 24 00 00 (MAC under PUK) gives a PIN its tries back after a wrong one',
    refs: [REF.ld5PinUnblock, REF.dom('1.3')],
    risk: 'restores',
    needs: NEEDS,
    run: async (t) => {
      t.requirePin('ssse');
      await setup(t);
      await t.send(SELECT_SSSE, OK);
      const max = (await t.send('00200000', { sw: '63Cx' }, 'VERIFY (try counter)')).sw & 0x0f;
      t.check(max >= 2, `only ${max} PIN tries left: not trying a wrong PIN`);
      const wrong = t.settings.pin.replace(/\d/g, (d) => String((Number(d) + 5) % 10));
      await t.send(verifyPin(SSSE_PIN_REFERENCE, wrong), { sw: '63Cx' }, 'VERIFY wrong PIN');
      await t.send(await keyManagementCommand(t, 'SSSE', 'PUK', '84240000', new Uint8Array(0)), OK, 'PIN UNBLOCK (MAC only)');
      const after = (await t.send('00200000', { sw: '63Cx' }, 'VERIFY (try counter)')).sw & 0x0f;
      t.check(after >= max, `after the unblock the counter is ${after}, it was ${max} before the wrong PIN`);
    },
  }),
  flow({
    id: 'psam.pin-unblock-wrong-mac',
    title: 'PIN UNBLOCK with a wrong MAC answers 9302',
    refs: [REF.ld5PinUnblock, REF.dom('1.3')],
    needs: NEEDS,
    run: async (t) => {
      await setup(t);
      await t.send(SELECT_SSSE, OK);
      await t.send(await keyManagementCommand(t, 'SSSE', 'PUK', '84240000', new Uint8Array(0), { tamper: true }), { sw: '9302' }, 'PIN UNBLOCK with a wrong MAC');
    },
  }),
  flow({
    id: 'psam.pin-unblock-blocked',
    title: 'a blocked PIN (6983) is unblocked by 84 24 00 01 with the new PIN enciphered under PUK',
    refs: [REF.ld5PinUnblock, REF.ld5Verify, REF.dom('1.3'), REF.dom('1.4')],
    risk: 'blocks',
    riskNote: 'blocks PIN_SSSE before unblocking it',
    needs: NEEDS,
    run: async (t) => {
      t.requirePin('ssse');
      const { psam, card } = await setup(t);
      await t.send(SELECT_SSSE, OK);
      const wrong = t.settings.pin.replace(/\d/g, (d) => String((Number(d) + 5) % 10));
      for (let i = 0; i < 15; i++) {
        const r = await t.send(verifyPin(SSSE_PIN_REFERENCE, wrong), { sw: ['63Cx', '6983'] }, 'VERIFY wrong PIN');
        if (r.sw === 0x6983 || r.sw === 0x63c0) break;
      }
      await t.send(verifyPin(SSSE_PIN_REFERENCE, t.settings.pin), { sw: '6983' }, 'VERIFY the right PIN on the blocked PIN');
      const pin = Uint8Array.from(Buffer.from(t.settings.pin.length % 2 ? `${t.settings.pin}F` : t.settings.pin, 'hex'));
      const enciphered = await psam.keyManagementEncipher(card, { df: 'SSSE', kind: 'PUK' }, pin);
      await t.send(await keyManagementCommand(t, 'SSSE', 'PUK', '84240001', enciphered), OK, 'PIN UNBLOCK with the new PIN');
      await t.verifyPin('ssse');
    },
  }),
  flow({
    id: 'psam.medical-debit',
    title: 'offline medical debit: INIT → MAC1 (PSAM) → DEBIT; MAC2 and TAC verified by the PSAM; balance and EF08 follow',
    refs: [REF.ld5Debit, REF.t5Debit, REF.dom('1.2'), REF.dom('1.4')],
    risk: 'spends',
    riskNote: 'debits the medical account (1 fen by default, --amount)',
    needs: NEEDS,
    run: async (t) => {
      const d = await medicalDebit(t, t.settings.amount);
      const out = (await t.send(d.debit, { sw: '9000', length: 8 }, 'DEBIT')).data;
      const checked = await d.psam.verifyMedicalDebit(d.card, d.amounts, d.mac1, d.time, { tac: out.subarray(0, 4), mac2: out.subarray(4, 8) });
      t.check(checked.mac2, `the PSAM rejects MAC2 ${toHex(out.subarray(4, 8))}`);
      t.check(checked.tac, `the PSAM rejects the TAC ${toHex(out.subarray(0, 4))}`);
      const after = await balanceOf(t);
      t.check(after === d.before - t.settings.amount, `balance ${after} after debiting ${t.settings.amount} from ${d.before}`);
      const rec = decodeTransactionRecord((await t.send('00B2014400', { sw: '9000', length: 0x1c }, 'READ RECORD DF04 EF08 record 1')).data);
      t.check(rec.sequence === d.init.sequence, `EF08 record 1 has 交易序号 ${rec.sequence}, the debit used ${d.init.sequence}`);
      t.check(rec.type === MEDICAL_DEBIT_TYPE && rec.account === t.settings.amount, `EF08 record 1 is not this debit (type ${hexOf(rec.type, 1)}, 个人账户 ${rec.account})`);
      t.check(toHex(rec.terminalId) === toHex(d.info.terminalId) && toHex(rec.time) === toHex(d.time), 'EF08 record 1 does not carry the terminal number and time of the debit');
    },
  }),
  flow({
    id: 'psam.medical-debit-proof',
    title: 'GET PROOF (B0 2E) of the last debit answers its TAC ‖ MAC2 again',
    refs: [REF.ld5Debit, REF.dom('1.3')],
    risk: 'spends',
    riskNote: 'debits the medical account (1 fen by default, --amount)',
    needs: NEEDS,
    run: async (t) => {
      const d = await medicalDebit(t, t.settings.amount);
      const out = (await t.send(d.debit, { sw: '9000', length: 8 }, 'DEBIT')).data;
      const proof = (await t.send(apdu('B02E0000', hexOf(d.init.sequence, 2)), { sw: '9000', length: 8 }, 'GET PROOF')).data;
      t.check(toHex(proof) === toHex(out), `GET PROOF answered ${toHex(proof)}, the DEBIT answered ${toHex(out)}`);
    },
  }),
  flow({
    id: 'psam.medical-debit-wrong-mac1',
    title: 'a DEBIT with a wrong MAC1 answers 9302 and the balance stays',
    refs: [REF.ld5Debit, REF.dom('1.3')],
    needs: NEEDS,
    run: async (t) => {
      const d = await medicalDebit(t, t.settings.amount, { tamperMac1: true });
      await t.send(d.debit, { sw: '9302' }, 'DEBIT with a wrong MAC1');
      const after = await balanceOf(t);
      t.check(after === d.before, `the balance moved from ${d.before} to ${after} on a refused debit`);
    },
  }),
  flow({
    id: 'psam.application-block',
    title: 'APPLICATION BLOCK of DF04 (84 1E, MAC under UK_DF04): SELECT answers 6283 and commands are refused; UNBLOCK (84 18) restores it',
    refs: [REF.ld5AppBlock, REF.isoSw, REF.dom('1.3')],
    risk: 'blocks',
    riskNote: 'blocks the medical-insurance application DF04 before unblocking it',
    needs: NEEDS,
    run: async (t) => {
      await setup(t);
      await t.send(SELECT_DF04, OK);
      await t.send(await keyManagementCommand(t, 'DF04', 'UK', '841E0000', new Uint8Array(0)), OK, 'APPLICATION BLOCK');
      await t.send(SELECT_DF04, { sw: '6283' }, 'SELECT DF04 (blocked)');
      await t.send(verifyPin(SSSE_PIN_REFERENCE, t.settings.pin), { sw: ['6985', '6A81', '9303'] }, 'VERIFY in the blocked DF04');
      await t.send('B026000004', { sw: ['6985', '6A81', '9303'] }, 'GET BALANCE in the blocked DF04');
      await t.send(await keyManagementCommand(t, 'DF04', 'UK', '84180000', new Uint8Array(0)), OK, 'APPLICATION UNBLOCK');
      await t.send(SELECT_DF04, OK, 'SELECT DF04 (unblocked)');
      await t.verifyPin('ssse');
      await t.send('B026000004', { sw: '9000', length: 4 }, 'GET BALANCE');
    },
  }),
  flow({
    id: 'psam.card-block',
    title: 'CARD BLOCK (84 16, MAC under UK_SSSE) answers 9000; afterwards every command answers 6A81',
    refs: [REF.ld5CardBlock, REF.dom('1.3')],
    risk: 'blocks',
    riskNote: 'makes the card permanently unusable',
    final: true,
    needs: NEEDS,
    run: async (t) => {
      await setup(t);
      await t.send(SELECT_SSSE, OK);
      await t.send(await keyManagementCommand(t, 'SSSE', 'UK', '84160000', new Uint8Array(0)), OK, 'CARD BLOCK');
      await t.send(SELECT_SSSE, { sw: '6A81' }, 'SELECT SSSE after CARD BLOCK');
      await t.reset();
      await t.send('0084000008', { sw: '6A81' }, 'GET CHALLENGE after a reset');
    },
  }),
];

/** Every case of the suite, in run order. */
export const PSAM_CASES: readonly ConformanceCase[] = cases;
