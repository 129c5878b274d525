/**
 * What a PSAM image holds, for `sscard psam show`: its identity (serial, 终端机编号), the version and
 * algorithm of its master keys, the next terminal transaction sequence number and the list of master keys
 * (names and selectors, never values).
 */
import { fromHex, toHex } from '../../../apdu/bytes.js';
import {
  PSAM_KEY_INFO_SFI,
  PSAM_SERIAL_SFI,
  PSAM_SX3_AID,
  PSAM_TERMINAL_ID_SFI,
  TERMINAL_SEQUENCE_START,
  decodeKeyInfo,
  decodePsamKeySelector,
} from '../../../spec/ssse/psam.js';
import type { CardImage, DfImage, EfImage } from '../../runtime/types.js';
import { MASTER_KEY_USAGE, PSAM_APP_ID, type PsamState } from './psam-app.js';

export interface PsamSummary {
  profile: string;
  protocol: 'T=0' | 'T=1';
  atr: string;
  lifeCycle: 'active' | 'blocked';
  serial: string;
  terminalId: string;
  keyVersion: number;
  algorithm: string;
  /** 终端交易序号 the next MAC1 uses. */
  nextTerminalSequence: number;
  masterKeys: Array<{ id: string; df: string; kind: string; selector: string }>;
}

/** Not a PSAM image (e.g. a user card given to `sscard psam show`). */
export class NotAPsamImageError extends Error {
  override name = 'NotAPsamImageError';
}

function efBySfi(df: DfImage, sfi: number): EfImage | undefined {
  return df.children.find((c): c is EfImage => c.kind === 'ef' && c.sfi === sfi);
}

/** The DF01 that runs the PSAM application, or undefined. */
function psamDf(image: CardImage): DfImage | undefined {
  return image.mf.children.find((c): c is DfImage => c.kind === 'df' && c.application === PSAM_APP_ID);
}

/**
 * Summarises a PSAM image.
 * @throws NotAPsamImageError when the image is no PSAM (no "sx3…" MF with a DF01 running the PSAM)
 */
export function inspectPsam(image: CardImage): PsamSummary {
  const df01 = psamDf(image);
  if (image.mf.aid?.toUpperCase() !== PSAM_SX3_AID || !df01) {
    throw new NotAPsamImageError('not a PSAM image (no "sx3.sh.社会保障" application with DF01); make one with: sscard psam new');
  }
  const data = (ef: EfImage | undefined, what: string) => {
    if (!ef?.data) throw new NotAPsamImageError(`PSAM image without ${what}`);
    return ef.data.toUpperCase();
  };
  const info = decodeKeyInfo(fromHex(data(efBySfi(df01, PSAM_KEY_INFO_SFI), 'EF17 (key information)')), df01.keys?.[0]?.algorithm === 'DES' ? 'DES' : '3DES');
  const state = (image.apps[PSAM_APP_ID] ?? {}) as Partial<PsamState>;
  return {
    profile: image.profile,
    protocol: image.protocol,
    atr: image.atr.contact.toUpperCase(),
    lifeCycle: image.cardLifeCycle,
    serial: data(efBySfi(image.mf, PSAM_SERIAL_SFI), 'EF15 (serial number)'),
    terminalId: data(efBySfi(image.mf, PSAM_TERMINAL_ID_SFI), 'EF16 (terminal number)'),
    keyVersion: info.keyVersion,
    algorithm: info.algorithm,
    nextTerminalSequence: state.terminalSequence ?? TERMINAL_SEQUENCE_START,
    masterKeys: (df01.keys ?? [])
      .filter((k) => k.usage === MASTER_KEY_USAGE)
      .map((k) => {
        const ref = decodePsamKeySelector(k.reference);
        return { id: k.id, df: ref?.df ?? '?', kind: ref?.kind ?? '?', selector: toHex(Uint8Array.of(k.reference)) };
      }),
  };
}
