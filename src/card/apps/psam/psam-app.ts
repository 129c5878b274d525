/**
 * The third-generation social-security PSAM as an application of the card OS (DOMAIN.md §1.1, §1.4;
 * LD/T 32.7 / 32.9), attached to the PSAM's DF01 (`DfImage.application` = "psam"). The card OS does
 * everything ISO: SELECT of the MF, of the "sx3…" DF and of DF01, READ BINARY of EF15/EF16/EF17, the
 * class and life-cycle gates. This application adds the proprietary commands of src/spec/ssse/psam.ts:
 *
 * | command             | APDU           | does |
 * |---------------------|----------------|------|
 * | DELIVER KEY         | BF DE 48 sel   | DK = the master key `sel` diversified province → city → card; optional IV block for MAC |
 * | DELIVER SESSION KEY | BF DE 49 sel   | SK = E_DK(factor block) |
 * | CIPHER DATA         | 80 FA 00 00    | E_key(data), ECB, whole blocks |
 * | MAC                 | 80 FA 05 00    | the SSSE MAC of the data under the delivered key (IV: P1 48's block, else 0) |
 * | MAC1                | 80 70 00 00 2C | medical-debit session key from DPK; MAC1; assigns the terminal sequence number |
 * | VERIFY MAC2 / TAC   | 80 72 00/01 00 04 | 9000 or 9302 against the pending debit (TAC under DTK) |
 *
 * Status words: 6700 wrong length; 6A86 unknown P1/P2 or key selector; 6A88 no master key for it;
 * 6A80 malformed city data, transaction type or algorithm; 6985 a debit key asked of DELIVER KEY, or
 * CIPHER DATA / MAC / VERIFY without a key or debit pending; 9403 the card's key version is not the PSAM's;
 * 9402 the terminal sequence number is exhausted; 9302 MAC2 or TAC wrong. The delivered key and the
 * pending debit live in the session: a reset or leaving DF01 forgets them. The terminal sequence number is
 * persistent (`CardImage.apps.psam`), and is incremented by every MAC1.
 */
import { constantTimeEqual, fromHex, toHex, uintBE } from '../../../apdu/bytes.js';
import type { CommandApdu } from '../../../apdu/command-apdu.js';
import { ResponseApdu } from '../../../apdu/response-apdu.js';
import { SW } from '../../../apdu/status-words.js';
import { blockSizeOf, cipherFor } from '../../../crypto/block-cipher.js';
import { ssseSessionKey } from '../../../crypto/kdf.js';
import { ssseMac } from '../../../crypto/mac.js';
import { medicalDebitMac, medicalDebitSessionKey, medicalDebitTac } from '../../../crypto/purse.js';
import type { KeyAlgorithm } from '../../../spec/card-interface.js';
import { ALGORITHM_INDICATOR } from '../../../spec/ssse/identifiers.js';
import { MEDICAL_DEBIT_TYPE, mac1Input, mac2Input, tacInput, type DebitAmounts } from '../../../spec/ssse/medical-debit.js';
import {
  CIPHER_CLA,
  CIPHER_ENCIPHER,
  CIPHER_INS,
  CIPHER_MAC,
  DEBIT_CLA,
  DEBIT_ONLY_KINDS,
  DELIVER_CARD_KEY,
  DELIVER_KEY_CLA,
  DELIVER_KEY_INS,
  DELIVER_SESSION_KEY,
  MAC1_DATA_LENGTH,
  MAC1_INS,
  PSAM_TERMINAL_ID_SFI,
  TERMINAL_SEQUENCE_START,
  VERIFY_DEBIT_INS,
  VERIFY_MAC2,
  VERIFY_TAC,
  decodeMac1Data,
  decodePsamKeySelector,
  encodeMac1Response,
  isCityDiversificationData,
  psamKeySelector,
  type PsamKeyRef,
} from '../../../spec/ssse/psam.js';
import { CardError } from '../../runtime/card-error.js';
import type { CardContext } from '../../runtime/context.js';
import type { Application, EfImage, KeyImage } from '../../runtime/types.js';
import { deriveCardKey } from './psam-keys.js';

/** Application id (`DfImage.application`) and key of its persistent state in `CardImage.apps`. */
export const PSAM_APP_ID = 'psam';

/** Usage of the master keys in DF01's key file: keys for the PSAM's own computations, never an OS command's. */
export const MASTER_KEY_USAGE: KeyImage['usage'] = 'encryption';

/** Persistent state of the PSAM (`CardImage.apps.psam`). */
export interface PsamState {
  /** 终端交易序号 the next MAC1 will use. */
  terminalSequence: number;
}

/** The key BF DE delivered, for CIPHER DATA and MAC. */
interface DeliveredKey {
  algorithm: KeyAlgorithm;
  key: Uint8Array;
  /** IV of MAC (the P1 48 block, else zeros). */
  iv: Uint8Array;
}

/** The debit whose MAC1 was computed, for VERIFY MAC2 / TAC. */
interface PendingDebit {
  algorithm: KeyAlgorithm;
  sessionKey: Uint8Array;
  dtk: Uint8Array;
  amounts: DebitAmounts;
  terminalId: Uint8Array;
  terminalSequence: Uint8Array;
  time: Uint8Array;
}

interface PsamSession {
  delivered?: DeliveredKey;
  debit?: PendingDebit;
}

/** The session state, never mutated in place (the runtime copies it shallowly to undo a failed command). */
function session(ctx: CardContext): PsamSession {
  return (ctx.session[PSAM_APP_ID] as PsamSession | undefined) ?? {};
}

function setSession(ctx: CardContext, next: PsamSession): void {
  ctx.session[PSAM_APP_ID] = next;
}

function masterKey(ctx: CardContext, ref: PsamKeyRef): KeyImage {
  const selector = psamKeySelector(ref);
  const found = ctx.findKey((k) => k.usage === MASTER_KEY_USAGE && k.reference === selector);
  if (!found) throw new CardError(SW.REFERENCED_DATA_NOT_FOUND);
  return found.key;
}

function requireP2Zero(cmd: CommandApdu): void {
  if (cmd.p2 !== 0x00) throw new CardError(SW.INCORRECT_P1P2);
}

/** BF DE 48/49 sel: card-div(8) ‖ city-div(8) [‖ block]. */
function deliverKey(cmd: CommandApdu, ctx: CardContext): ResponseApdu {
  if (cmd.p1 !== DELIVER_CARD_KEY && cmd.p1 !== DELIVER_SESSION_KEY) throw new CardError(SW.INCORRECT_P1P2);
  const ref = decodePsamKeySelector(cmd.p2);
  if (!ref) throw new CardError(SW.INCORRECT_P1P2);
  if (DEBIT_ONLY_KINDS.includes(ref.kind)) throw new CardError(SW.CONDITIONS_NOT_SATISFIED);
  const master = masterKey(ctx, ref);
  const bs = blockSizeOf(master.algorithm);
  const withBlock = cmd.nc === 16 + bs;
  if (!withBlock && (cmd.nc !== 16 || cmd.p1 === DELIVER_SESSION_KEY)) throw new CardError(SW.WRONG_LENGTH);
  const data = cmd.data;
  const cardData = data.subarray(0, 8);
  const cityData = data.subarray(8, 16);
  if (!isCityDiversificationData(cityData)) throw new CardError(SW.WRONG_DATA);
  const block = withBlock ? data.slice(16) : new Uint8Array(bs);
  const dk = deriveCardKey(master, cardData, cityData);
  const delivered: DeliveredKey =
    cmd.p1 === DELIVER_CARD_KEY
      ? { algorithm: master.algorithm, key: dk, iv: block }
      : { algorithm: master.algorithm, key: ssseSessionKey(master.algorithm, dk, block), iv: new Uint8Array(bs) };
  setSession(ctx, { ...session(ctx), delivered });
  return ResponseApdu.status(SW.OK);
}

/** 80 FA 00 00 (encipher) and 80 FA 05 00 (MAC). */
function cipherData(cmd: CommandApdu, ctx: CardContext): ResponseApdu {
  requireP2Zero(cmd);
  if (cmd.p1 !== CIPHER_ENCIPHER && cmd.p1 !== CIPHER_MAC) throw new CardError(SW.INCORRECT_P1P2);
  const delivered = session(ctx).delivered;
  if (!delivered) throw new CardError(SW.CONDITIONS_NOT_SATISFIED);
  const cipher = cipherFor(delivered.algorithm, delivered.key);
  if (cmd.nc === 0) throw new CardError(SW.WRONG_LENGTH);
  if (cmd.p1 === CIPHER_MAC) return ResponseApdu.of(ssseMac(cipher, cmd.data, delivered.iv.subarray(0, cipher.blockSize)), SW.OK);
  if (cmd.nc % cipher.blockSize !== 0) throw new CardError(SW.WRONG_LENGTH);
  return ResponseApdu.of(cipher.encrypt(cmd.data), SW.OK);
}

/** 终端机编号 from the MF's EF16. */
function terminalId(ctx: CardContext): Uint8Array {
  const ef = ctx.image.mf.children.find((c): c is EfImage => c.kind === 'ef' && c.sfi === PSAM_TERMINAL_ID_SFI);
  if (!ef?.data) throw new CardError(SW.REFERENCED_DATA_NOT_FOUND);
  return fromHex(ef.data);
}

/** 80 70 00 00 2C: MAC1 of an offline medical debit. */
function mac1(cmd: CommandApdu, ctx: CardContext): ResponseApdu {
  if (cmd.p1 !== 0x00) throw new CardError(SW.INCORRECT_P1P2);
  requireP2Zero(cmd);
  if (cmd.nc !== MAC1_DATA_LENGTH) throw new CardError(SW.WRONG_LENGTH);
  const m = decodeMac1Data(cmd.data);
  if (m.type !== MEDICAL_DEBIT_TYPE || !isCityDiversificationData(m.cityData)) throw new CardError(SW.WRONG_DATA);
  const dpkMaster = masterKey(ctx, { df: 'DF04', kind: 'DPK' });
  const dtkMaster = masterKey(ctx, { df: 'DF04', kind: 'DTK' });
  if (m.keyVersion !== dpkMaster.version) throw new CardError(SW.KEY_INDEX_NOT_SUPPORTED);
  const algorithm = dpkMaster.algorithm;
  if (m.algorithm !== ALGORITHM_INDICATOR[algorithm]) throw new CardError(SW.WRONG_DATA);
  const state = ctx.appState<Partial<PsamState>>(PSAM_APP_ID);
  const number = state.terminalSequence ?? TERMINAL_SEQUENCE_START;
  if (number > 0xffffffff) throw new CardError(SW.TRANSACTION_COUNTER_LIMIT);
  const terminalSequence = uintBE(number, 4);
  const dpk = deriveCardKey(dpkMaster, m.cardData, m.cityData);
  const sessionKey = medicalDebitSessionKey(algorithm, dpk, m.random, uintBE(m.sequence, 2), terminalSequence);
  const amounts: DebitAmounts = { account: m.account, selfPay: m.selfPay, fund: m.fund };
  const id = terminalId(ctx);
  const mac = medicalDebitMac(algorithm, sessionKey, mac1Input(amounts, id, m.time));
  ctx.setAppState<PsamState>(PSAM_APP_ID, { ...state, terminalSequence: number + 1 });
  const dtk = deriveCardKey(dtkMaster, m.cardData, m.cityData);
  setSession(ctx, { ...session(ctx), debit: { algorithm, sessionKey, dtk, amounts, terminalId: id, terminalSequence, time: m.time } });
  ctx.log.debug({ terminalSequence: toHex(terminalSequence) }, 'psam: MAC1 computed');
  return ResponseApdu.of(encodeMac1Response(terminalSequence, mac), SW.OK);
}

/** 80 72 00 00 04 MAC2 / 80 72 01 00 04 TAC. */
function verifyDebit(cmd: CommandApdu, ctx: CardContext): ResponseApdu {
  requireP2Zero(cmd);
  if (cmd.p1 !== VERIFY_MAC2 && cmd.p1 !== VERIFY_TAC) throw new CardError(SW.INCORRECT_P1P2);
  if (cmd.nc !== 4) throw new CardError(SW.WRONG_LENGTH);
  const debit = session(ctx).debit;
  if (!debit) throw new CardError(SW.CONDITIONS_NOT_SATISFIED);
  const expected =
    cmd.p1 === VERIFY_MAC2
      ? medicalDebitMac(debit.algorithm, debit.sessionKey, mac2Input(debit.amounts))
      : medicalDebitTac(debit.algorithm, debit.dtk, tacInput(debit.amounts, debit.terminalId, debit.terminalSequence, debit.time));
  return ResponseApdu.status(constantTimeEqual(expected, cmd.data) ? SW.OK : SW.MAC_WRONG);
}

type Handler = (cmd: CommandApdu, ctx: CardContext) => ResponseApdu;

/** The PSAM's commands by CLA ‖ INS. */
const COMMANDS: ReadonlyMap<number, Handler> = new Map<number, Handler>([
  [(DELIVER_KEY_CLA << 8) | DELIVER_KEY_INS, deliverKey],
  [(CIPHER_CLA << 8) | CIPHER_INS, cipherData],
  [(DEBIT_CLA << 8) | MAC1_INS, mac1],
  [(DEBIT_CLA << 8) | VERIFY_DEBIT_INS, verifyDebit],
]);

/** The PSAM application (DF01 of the "sx3…" DF). */
export const psamApplication: Application & { readonly classes: readonly number[] } = {
  id: PSAM_APP_ID,
  /** BF is the PSAM's own class byte (DELIVER KEY); 80 is the card OS's proprietary class. */
  classes: [DELIVER_KEY_CLA],
  process(cmd: CommandApdu, ctx: CardContext): ResponseApdu | undefined {
    return COMMANDS.get((cmd.cla << 8) | cmd.ins)?.(cmd, ctx);
  },
  deselect(ctx: CardContext): void {
    setSession(ctx, {});
  },
};

