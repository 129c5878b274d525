/**
 * The simulated PSAM behind an APDU interface, like a real PSAM in the terminal's SAM slot
 * (DOMAIN.md §1.1, §1.4; third-generation sequence seen in traces):
 *
 * | command                 | APDU                                         | response |
 * |-------------------------|----------------------------------------------|----------|
 * | SELECT PSAM application | 00 A4 04 00 0F 7378332E73682EC9E7BBE1B1A3D5CF ("sx3.sh.社会保障") | 9000 |
 * | SELECT DF01             | 00 A4 00 00 02 DF01                          | 9000 |
 * | DERIVE KEY [R]          | BF DE 48 P2 Lc card-div(8) ‖ city-div(8) [‖ 16 bytes ignored] | 9000 |
 * | ENCRYPT                 | 80 FA 00 00 Lc data (multiple of the block)  | E_DK(data), ECB |
 *
 * The trace: `BFDE481220 ‖ ATR-last-8 ‖ city-div ‖ R ‖ 00×8`, then `80FA000010 ‖ R ‖ 00×8` → 16 bytes,
 * folded by the terminal to the 8-byte EXTERNAL AUTHENTICATE cryptogram. The PSAM derives the card key
 * from its master key: level 1 from the province in city-div, level 2 city-div, level 3 card-div.
 *
 * [R] P2 of DERIVE KEY selects the master key: high nibble the kind (1 UK, 2 RK, 3 IRK, 4 DPK, 5 DTK,
 * 6 PUK, 7 RPK), low nibble the card DF (0 SSSE/MF, 1–4 DF01–DF04, 7 DF07); the trace's 12 is UK of DF02.
 * Status words: 6A82 wrong AID/FID, 6985 ENCRYPT before DERIVE KEY or before SELECT, 6A86 unknown P2,
 * 6700 bad length, 6D00 other INS.
 */
import { bytesEqual, fromHex, toHex } from '../../apdu/bytes.js';
import { CommandApdu } from '../../apdu/command-apdu.js';
import { ResponseApdu } from '../../apdu/response-apdu.js';
import { SW } from '../../apdu/status-words.js';
import { createBlockCipher } from '../../crypto/block-cipher.js';
import { diversify } from '../../crypto/kdf.js';
import type { Transport } from '../../apdu/transport.js';
import type { KeyKind, KeyedDf } from '../../card/personalize/profile.js';
import type { PsamConfig } from './psam.js';

/** Third-generation PSAM application name "sx3.sh.社会保障" (DOMAIN.md §1.1). */
export const PSAM_SX3_AID = '7378332E73682EC9E7BBE1B1A3D5CF';

const KIND_CODES: Record<number, KeyKind> = { 1: 'UK', 2: 'RK', 3: 'IRK', 4: 'DPK', 5: 'DTK', 6: 'PUK', 7: 'RPK' };
const DF_CODES: Record<number, KeyedDf> = { 0: 'SSSE', 1: 'DF01', 2: 'DF02', 3: 'DF03', 4: 'DF04', 7: 'DF07' };

/** P2 of DERIVE KEY for a key (see the table above). [R] */
export function psamKeyP2(df: KeyedDf, kind: KeyKind): number {
  const k = Number(Object.entries(KIND_CODES).find(([, v]) => v === kind)![0]);
  const d = Number(Object.entries(DF_CODES).find(([, v]) => v === df)![0]);
  return (k << 4) | d;
}

class SwError extends Error {
  constructor(readonly sw: number) {
    super(`PSAM status ${sw.toString(16)}`);
  }
}

/** A PSAM answering APDUs (synchronously through `process`, or as a `Transport`). */
export class PsamCard implements Transport {
  #selectedApp = false;
  #selectedDf01 = false;
  #derived: Uint8Array | undefined;

  constructor(private readonly config: PsamConfig) {}

  /** Processes one command APDU; never throws for bad input. */
  process(command: Uint8Array): Uint8Array {
    try {
      const cmd = CommandApdu.parse(command);
      return this.#dispatch(cmd).encode();
    } catch (err) {
      if (err instanceof SwError) return ResponseApdu.status(err.sw).encode();
      if (err instanceof Error && err.name === 'ApduFormatError') return ResponseApdu.status(SW.WRONG_LENGTH).encode();
      return ResponseApdu.status(SW.UNKNOWN_ERROR).encode();
    }
  }

  async transmit(command: Uint8Array): Promise<Uint8Array> {
    return this.process(command);
  }

  #dispatch(cmd: CommandApdu): ResponseApdu {
    if (cmd.ins === 0xa4 && cmd.cla === 0x00) return this.#select(cmd);
    if (cmd.cla === 0xbf && cmd.ins === 0xde) return this.#derive(cmd);
    if (cmd.cla === 0x80 && cmd.ins === 0xfa) return this.#encrypt(cmd);
    throw new SwError(SW.INS_NOT_SUPPORTED);
  }

  #select(cmd: CommandApdu): ResponseApdu {
    if (cmd.p1 === 0x04) {
      if (toHex(cmd.data) !== PSAM_SX3_AID) throw new SwError(SW.FILE_NOT_FOUND);
      this.#selectedApp = true;
      this.#selectedDf01 = false;
      this.#derived = undefined;
      return ResponseApdu.status(SW.OK);
    }
    if (cmd.p1 === 0x00 && bytesEqual(cmd.data, Uint8Array.of(0xdf, 0x01))) {
      if (!this.#selectedApp) throw new SwError(SW.FILE_NOT_FOUND);
      this.#selectedDf01 = true;
      this.#derived = undefined;
      return ResponseApdu.status(SW.OK);
    }
    throw new SwError(SW.FILE_NOT_FOUND);
  }

  #derive(cmd: CommandApdu): ResponseApdu {
    if (!this.#selectedDf01) throw new SwError(SW.CONDITIONS_NOT_SATISFIED);
    if (cmd.p1 !== 0x48) throw new SwError(SW.INCORRECT_P1P2);
    const kind = KIND_CODES[cmd.p2 >> 4];
    const df = DF_CODES[cmd.p2 & 0x0f];
    if (!kind || !df) throw new SwError(SW.INCORRECT_P1P2);
    if (cmd.nc !== 16 && cmd.nc !== 32) throw new SwError(SW.WRONG_LENGTH);
    const master = this.config.masterKeys[df]?.[kind];
    if (!master) throw new SwError(SW.REFERENCED_DATA_NOT_FOUND);
    const data = cmd.data;
    const cardDiv = data.subarray(0, 8);
    const cityDiv = data.subarray(8, 16);
    // level 1: the first two characters of the region (province) ‖ "0000sh"
    const provinceDiv = Uint8Array.of(cityDiv[0]!, cityDiv[1]!, 0x30, 0x30, 0x30, 0x30, 0x73, 0x68);
    const alg = this.config.algorithm;
    const k1 = diversify(alg, fromHex(master), provinceDiv);
    const k2 = diversify(alg, k1, cityDiv);
    this.#derived = diversify(alg, k2, cardDiv);
    return ResponseApdu.status(SW.OK);
  }

  #encrypt(cmd: CommandApdu): ResponseApdu {
    if (!this.#derived) throw new SwError(SW.CONDITIONS_NOT_SATISFIED);
    if (cmd.p1 !== 0x00 || cmd.p2 !== 0x00) throw new SwError(SW.INCORRECT_P1P2);
    const cipher = createBlockCipher(this.config.algorithm, this.#derived);
    if (cmd.nc === 0 || cmd.nc % cipher.blockSize !== 0) throw new SwError(SW.WRONG_LENGTH);
    return ResponseApdu.of(cipher.encrypt(cmd.data), SW.OK);
  }
}
