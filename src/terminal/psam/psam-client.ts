/**
 * The terminal's PSAM client: `PsamPort` (psam-port.ts) spoken as APDUs to a PSAM in a reader — the
 * simulated PSAM (`sscard psam new`, in-process or served through vpcd by `sscard serve --psam`) or a
 * PSAM in a SAM slot. The commands and layouts are the shared facts of src/spec/ssse/psam.ts
 * (docs/psam.md); the client computes no cryptogram itself: the PSAM holds every key. What it does is
 * lay out the data (zero-padded blocks, `LD ‖ data ‖ 80…`) and fold a 16-byte block to the 8 bytes of
 * authentication data (DOMAIN.md §1.4, step 3 of the third-generation EXTERNAL AUTHENTICATE).
 *
 * | port operation                       | APDUs |
 * |--------------------------------------|-------|
 * | open                                 | 00A4000002 3F00; 00B0960006 (EF16); 00B095000A (EF15); SELECT "sx3…"; 00A4000002 DF01; 00B0970002 (EF17) |
 * | externalAuthenticationCryptogram     | BF DE 48 sel ‖ card-div ‖ city-div ‖ R‖00…; 80 FA 00 00 R‖00… → fold |
 * | verifyInternalAuthentication         | BF DE 49 sel ‖ … ‖ factor‖00…; 80 FA 00 00 original‖00… → fold, compare |
 * | secureMessagingMac                   | BF DE 49 sel ‖ … ‖ R‖00…; 80 FA 05 00 input → MAC(4) |
 * | encipher                             | BF DE 49 sel ‖ … ‖ R‖00…; 80 FA 00 00 LD‖data‖80… |
 * | keyManagementMac                     | BF DE 48 sel ‖ … ‖ challenge‖00…; 80 FA 05 00 input → MAC(4) |
 * | keyManagementEncipher                | BF DE 48 sel ‖ …; 80 FA 00 00 LD‖data‖80… |
 * | medicalDebitMac1                     | 80 70 00 00 2C … → terminal sequence(4) ‖ MAC1(4) |
 * | verifyMedicalDebit                   | 80 72 00 00 04 MAC2; 80 72 01 00 04 TAC → 9000 / 9302 |
 *
 * T=0 PSAMs answer 61xx: the client fetches the data with GET RESPONSE itself (src/apdu/layers).
 */
import { constantTimeEqual, toHex } from '../../apdu/bytes.js';
import type { CommandApdu } from '../../apdu/command-apdu.js';
import { getResponseLayer } from '../../apdu/layers/get-response.js';
import { ResponseApdu } from '../../apdu/response-apdu.js';
import { describeSw } from '../../apdu/status-word-table.js';
import { SW } from '../../apdu/status-words.js';
import { layered, TransportError } from '../../apdu/transport.js';
import { blockSizeOf } from '../../crypto/block-cipher.js';
import { MEDICAL_DEBIT_TYPE, type DebitAmounts, type InitResponse } from '../../spec/ssse/medical-debit.js';
import {
  PSAM_KEY_INFO_LENGTH,
  PSAM_KEY_INFO_SFI,
  PSAM_SERIAL_LENGTH,
  PSAM_SERIAL_SFI,
  PSAM_TERMINAL_ID_LENGTH,
  PSAM_TERMINAL_ID_SFI,
  challengeIv,
  cityDiversificationData,
  decodeKeyInfo,
  decodeMac1Response,
  deliverKeyCommand,
  encipherCommand,
  encipherInput,
  foldAuthenticationData,
  mac1Command,
  macCommand,
  readBinaryBySfi,
  selectPsamApplication,
  selectPsamDf01,
  selectPsamMf,
  verifyMac2Command,
  verifyTacCommand,
  zeroPadBlock,
  type DeliveryMode,
} from '../../spec/ssse/psam.js';
import type { CardReader } from '../reader.js';
import { PsamError, type CardDiversification, type CardKeyRef, type DebitMac1, type PsamInfo, type PsamPort } from './psam-port.js';

/** A `PsamPort` over a `CardReader` whose card is a PSAM (connected by the caller). */
export class PsamClient implements PsamPort {
  readonly #reader: CardReader;
  #info: PsamInfo | undefined;
  /** The terminal sequence number of the last MAC1, which VERIFY MAC2 / TAC refer to. */
  #lastDebit: Uint8Array | undefined;

  constructor(reader: CardReader) {
    if (!reader || typeof reader.connect !== 'function') throw new TypeError('PsamClient: reader must be a CardReader');
    this.#reader = reader;
  }

  /** What `open()` read (undefined before). */
  get info(): PsamInfo | undefined {
    return this.#info;
  }

  async open(): Promise<PsamInfo> {
    await this.#send('select the MF', selectPsamMf());
    const terminalId = await this.#send('read the terminal number (EF16)', readBinaryBySfi(PSAM_TERMINAL_ID_SFI, PSAM_TERMINAL_ID_LENGTH), PSAM_TERMINAL_ID_LENGTH);
    const serial = await this.#optional('read the serial number (EF15)', readBinaryBySfi(PSAM_SERIAL_SFI, PSAM_SERIAL_LENGTH), PSAM_SERIAL_LENGTH);
    await this.#send('select the PSAM application', selectPsamApplication());
    await this.#send('select DF01', selectPsamDf01());
    const keyInfo = await this.#send('read the key information (EF17)', readBinaryBySfi(PSAM_KEY_INFO_SFI, PSAM_KEY_INFO_LENGTH), PSAM_KEY_INFO_LENGTH);
    let decoded;
    try {
      decoded = decodeKeyInfo(keyInfo);
    } catch (err) {
      throw new PsamError('read the key information (EF17)', SW.OK, `PSAM EF17: ${(err as Error).message}`);
    }
    this.#info = { algorithm: decoded.algorithm, keyVersion: decoded.keyVersion, terminalId, ...(serial ? { serial } : {}) };
    return this.#info;
  }

  async verifyInternalAuthentication(card: CardDiversification, key: CardKeyRef, challenge: Uint8Array, answer: Uint8Array): Promise<boolean> {
    if (challenge.length !== 16) throw new RangeError(`verifyInternalAuthentication: challenge must be factor(8) ‖ original(8), got ${challenge.length} bytes`);
    const bs = await this.#blockSize();
    await this.#deliver('session-key', card, key, zeroPadBlock(challenge.subarray(0, 8), bs, 'factor'));
    const block = await this.#send('encipher the original data', encipherCommand(zeroPadBlock(challenge.subarray(8, 16), bs, 'original')), bs);
    return answer.length === 8 && constantTimeEqual(foldAuthenticationData(block), answer);
  }

  async externalAuthenticationCryptogram(card: CardDiversification, key: CardKeyRef, random: Uint8Array): Promise<Uint8Array> {
    const bs = await this.#blockSize();
    const original = zeroPadBlock(zeroPadBlock(random, 8, 'random'), bs, 'random');
    await this.#deliver('card-key', card, key, original);
    return foldAuthenticationData(await this.#send('encipher the challenge', encipherCommand(original), bs));
  }

  async secureMessagingMac(card: CardDiversification, key: CardKeyRef, random: Uint8Array, macInput: Uint8Array): Promise<Uint8Array> {
    await this.#deliver('session-key', card, key, zeroPadBlock(random, await this.#blockSize(), 'random'));
    return this.#send('compute the MAC', macCommand(macInput), 4);
  }

  async encipher(card: CardDiversification, key: CardKeyRef, random: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
    const bs = await this.#blockSize();
    await this.#deliver('session-key', card, key, zeroPadBlock(random, bs, 'random'));
    const input = encipherInput(data, bs);
    return this.#send('encipher the data', encipherCommand(input), input.length);
  }

  async keyManagementMac(card: CardDiversification, key: CardKeyRef, challenge: Uint8Array, macInput: Uint8Array): Promise<Uint8Array> {
    await this.#deliver('card-key', card, key, challengeIv(challenge, await this.#blockSize()));
    return this.#send('compute the MAC', macCommand(macInput), 4);
  }

  async keyManagementEncipher(card: CardDiversification, key: CardKeyRef, data: Uint8Array): Promise<Uint8Array> {
    const bs = await this.#blockSize();
    await this.#deliver('card-key', card, key);
    const input = encipherInput(data, bs);
    return this.#send('encipher the data', encipherCommand(input), input.length);
  }

  async medicalDebitMac1(card: CardDiversification, init: InitResponse, amounts: DebitAmounts, time: Uint8Array): Promise<DebitMac1> {
    await this.#ensureOpen();
    const { cardData, cityData } = diversification(card);
    const command = mac1Command({
      random: init.random,
      sequence: init.sequence,
      ...amounts,
      type: MEDICAL_DEBIT_TYPE,
      time,
      keyVersion: init.keyVersion,
      algorithm: init.algorithm,
      cardData,
      cityData,
    });
    const result = decodeMac1Response(await this.#send('compute MAC1', command, 8));
    this.#lastDebit = result.terminalSequence;
    return result;
  }

  async verifyMedicalDebit(
    _card: CardDiversification,
    _amounts: DebitAmounts,
    mac1: DebitMac1,
    _time: Uint8Array,
    answer: { tac: Uint8Array; mac2: Uint8Array },
  ): Promise<{ mac2: boolean; tac: boolean }> {
    // The PSAM checks against the debit of its last MAC1 (it keeps the session key and the TAC input).
    if (!this.#lastDebit || !constantTimeEqual(this.#lastDebit, mac1.terminalSequence)) {
      throw new RangeError(`verifyMedicalDebit: terminal sequence ${toHex(mac1.terminalSequence)} is not the one of the last MAC1 of this PSAM`);
    }
    // A MAC2 or TAC of the wrong length is wrong: it is not sent.
    const mac2 = answer.mac2.length === 4 && (await this.#check('verify MAC2', verifyMac2Command(answer.mac2)));
    const tac = answer.tac.length === 4 && (await this.#check('verify the TAC', verifyTacCommand(answer.tac)));
    return { mac2, tac };
  }

  // -------------------------------------------------------------------------------------------------

  async #ensureOpen(): Promise<PsamInfo> {
    return this.#info ?? this.open();
  }

  async #blockSize(): Promise<number> {
    return blockSizeOf((await this.#ensureOpen()).algorithm);
  }

  async #deliver(mode: DeliveryMode, card: CardDiversification, key: CardKeyRef, block?: Uint8Array): Promise<void> {
    await this.#ensureOpen();
    const { cardData, cityData } = diversification(card);
    await this.#send(`deliver the ${key.kind} key of ${key.df}`, deliverKeyCommand({ mode, key, cardData, cityData, ...(block ? { block } : {}) }), 0);
  }

  /** Sends a command; anything but 9000 is a PsamError; `length` (when given) is the data length required. */
  async #send(operation: string, command: CommandApdu, length?: number): Promise<Uint8Array> {
    const response = await this.#exchange(command);
    if (response.sw !== SW.OK) throw new PsamError(operation, response.sw, `PSAM: ${operation}: ${describeSw(response.sw)}`);
    if (length !== undefined && response.data.length !== length) {
      throw new PsamError(operation, response.sw, `PSAM: ${operation}: answered ${response.data.length} bytes, expected ${length}`);
    }
    return response.data;
  }

  /** Like `#send`, but a missing file (6A82) is undefined. */
  async #optional(operation: string, command: CommandApdu, length: number): Promise<Uint8Array | undefined> {
    const response = await this.#exchange(command);
    if (response.sw === SW.FILE_NOT_FOUND) return undefined;
    if (response.sw !== SW.OK) throw new PsamError(operation, response.sw, `PSAM: ${operation}: ${describeSw(response.sw)}`);
    if (response.data.length !== length) throw new PsamError(operation, response.sw, `PSAM: ${operation}: answered ${response.data.length} bytes, expected ${length}`);
    return response.data;
  }

  /** A check the PSAM answers with 9000 (right) or 9302 (wrong MAC); anything else is a PsamError. */
  async #check(operation: string, command: CommandApdu): Promise<boolean> {
    const response = await this.#exchange(command);
    if (response.sw === SW.OK || response.sw === SW.MAC_WRONG) return response.sw === SW.OK;
    throw new PsamError(operation, response.sw, `PSAM: ${operation}: ${describeSw(response.sw)}`);
  }

  async #exchange(command: CommandApdu): Promise<ResponseApdu> {
    const bytes = await layered(this.#reader.transport, getResponseLayer()).transmit(command.encode());
    if (bytes.length < 2) throw new TransportError(`${this.#reader.name}: the PSAM answered ${bytes.length} byte(s), no status word`);
    return ResponseApdu.parse(bytes);
  }
}

/** The card-level and city-level diversification data of a card (DOMAIN.md §1.4). */
function diversification(card: CardDiversification): { cardData: Uint8Array; cityData: Uint8Array } {
  if (!(card.cardData instanceof Uint8Array) || card.cardData.length !== 8) {
    throw new RangeError(`card.cardData: the ATR historical bytes T6–TD are 8 bytes, got ${card.cardData?.length}`);
  }
  return { cardData: card.cardData, cityData: cityDiversificationData(card.region) };
}
