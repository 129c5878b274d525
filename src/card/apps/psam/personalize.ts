/**
 * A PSAM image from a card profile (`sscard psam new`): the profile's issuer master keys go into the
 * PSAM — the user card holds only the card keys diversified from them (src/card/personalize) — with the
 * PSAM's own identity (serial number, 终端机编号). File tree (src/spec/ssse/psam.ts for the [C]/[R] marks):
 *
 * ```
 * MF 3F00  DF name "sx3.sh.社会保障" (PSAM_SX3_AID)   FCI A5 { 9F0C { 86 01 algorithm } }
 * ├── EF15  SFI 15  PSAM serial number (10)      read free, never updated
 * ├── EF16  SFI 16  终端机编号 (6, BCD)            read free, never updated
 * └── DF01          application "psam"; key file: one master key per DF and kind (selector = P2 of BF DE)
 *     └── EF17 SFI 17  key version ‖ algorithm indicator
 * ```
 * [R] As on the user card (docs/ssse.md), the MF carries the DF name, so that SELECT "sx3…" then
 * `00 A4 00 00 02 DF01` lands in DF01 and EF15/EF16 stay readable by SFI at the MF. The PSAM speaks
 * T=0, as PSAMs in SAM slots do; its ATR's historical bytes are "PSAM" ‖ generation ‖ the serial's last
 * four bytes [R].
 */
import { ascii, concat, fromHex, toHex } from '../../../apdu/bytes.js';
import { contactAtr } from '../../../apdu/atr.js';
import type { RandomSource } from '../../../env.js';
import { ALGORITHM_INDICATOR, KEYED_DFS } from '../../../spec/ssse/identifiers.js';
import { KEY_KINDS } from '../../../spec/ssse/keys.js';
import {
  PSAM_DF01_FID,
  PSAM_KEY_INFO_SFI,
  PSAM_SERIAL_LENGTH,
  PSAM_SERIAL_SFI,
  PSAM_SX3_AID,
  PSAM_TERMINAL_ID_LENGTH,
  PSAM_TERMINAL_ID_SFI,
  TERMINAL_SEQUENCE_START,
  encodeKeyInfo,
  psamKeySelector,
} from '../../../spec/ssse/psam.js';
import type { Profile } from '../../personalize/profile.js';
import type { CardImage, DfImage, EfImage, KeyImage } from '../../runtime/types.js';
import { MASTER_KEY_USAGE, PSAM_APP_ID, type PsamState } from './psam-app.js';
import { masterKeyId } from './psam-keys.js';

export interface PsamPersonalizeOptions {
  random: RandomSource;
  /** 终端机编号, 12 digits (default: the profile's region code ‖ 6 random digits) [R]. */
  terminalId?: string;
  /** Serial number, 20 hex digits (default: the region code as BCD ‖ 7 random bytes) [R]. */
  serial?: string;
}

/** A problem with the PSAM's own data (a bad --terminal-id or --serial). */
export class PsamPersonalizeError extends RangeError {
  override name = 'PsamPersonalizeError';
}

function randomDigits(random: RandomSource, n: number): string {
  return Array.from(random(n), (b) => String(b % 10)).join('');
}

function readOnlyEf(fid: number, sfi: number, label: string, data: Uint8Array): EfImage {
  return { kind: 'ef', fid, sfi, label, structure: 'transparent', size: data.length, data: toHex(data), read: 'free', update: 'never' };
}

/** The master keys of a profile as the PSAM's key file: usage "encryption", reference = the BF DE selector. */
export function psamMasterKeys(profile: Profile): KeyImage[] {
  return KEYED_DFS.flatMap((df) =>
    KEY_KINDS.filter((kind) => profile.masterKeys[df][kind] !== undefined).map(
      (kind): KeyImage => ({
        id: masterKeyId(kind, df),
        reference: psamKeySelector({ df, kind }),
        usage: MASTER_KEY_USAGE,
        algorithm: profile.algorithm,
        version: profile.keyVersion,
        value: profile.masterKeys[df][kind]!,
      }),
    ),
  );
}

/**
 * Builds the PSAM image.
 * @throws PsamPersonalizeError for a malformed `terminalId` or `serial`
 */
export function personalizePsam(profile: Profile, options: PsamPersonalizeOptions): CardImage {
  const terminalId = options.terminalId ?? `${profile.issuer.regionCode}${randomDigits(options.random, 6)}`;
  if (!/^\d{12}$/.test(terminalId)) throw new PsamPersonalizeError(`terminal id must be 12 digits, got ${JSON.stringify(terminalId)}`);
  const serialHex = options.serial ?? `${profile.issuer.regionCode}${toHex(options.random(PSAM_SERIAL_LENGTH - 3))}`;
  if (!new RegExp(`^[0-9A-Fa-f]{${2 * PSAM_SERIAL_LENGTH}}$`).test(serialHex)) {
    throw new PsamPersonalizeError(`serial must be ${2 * PSAM_SERIAL_LENGTH} hex digits, got ${JSON.stringify(serialHex)}`);
  }
  const serial = fromHex(serialHex);
  const terminal = fromHex(terminalId);
  if (terminal.length !== PSAM_TERMINAL_ID_LENGTH) throw new PsamPersonalizeError('terminal id must be 6 bytes');

  const df01: DfImage = {
    kind: 'df',
    fid: PSAM_DF01_FID,
    label: 'DF01 PSAM 应用 (issuer master keys)',
    application: PSAM_APP_ID,
    keys: psamMasterKeys(profile),
    children: [readOnlyEf(0x0017, PSAM_KEY_INFO_SFI, 'EF17 密钥信息 (key version, algorithm)', encodeKeyInfo({ keyVersion: profile.keyVersion, algorithm: profile.algorithm }))],
  };
  const mf: DfImage = {
    kind: 'df',
    fid: 0x3f00,
    aid: PSAM_SX3_AID,
    label: 'MF PSAM sx3.sh.社会保障',
    fciProprietary: toHex(Uint8Array.of(0x9f, 0x0c, 0x03, 0x86, 0x01, ALGORITHM_INDICATOR[profile.algorithm])),
    children: [
      readOnlyEf(0x0015, PSAM_SERIAL_SFI, 'EF15 PSAM 序列号', serial),
      readOnlyEf(0x0016, PSAM_TERMINAL_ID_SFI, 'EF16 终端机编号', terminal),
      df01,
    ],
  };
  const historical = concat(ascii('PSAM'), Uint8Array.of(profile.generation === 3 ? 0x33 : 0x32), serial.subarray(PSAM_SERIAL_LENGTH - 4));
  const state: PsamState = { terminalSequence: TERMINAL_SEQUENCE_START };
  return {
    format: 'sscard-card-image',
    version: 1,
    profile: profile.name,
    protocol: 'T=0',
    atr: { contact: toHex(contactAtr('T=0', historical)), contactless: '' },
    cardLifeCycle: 'active',
    mf,
    apps: { [PSAM_APP_ID]: state },
  };
}
