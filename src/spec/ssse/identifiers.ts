/**
 * Identifiers of the social-security application (SSSE) and of the PSAM that both the card and the
 * terminal use: DF names, sub-application AIDs and FIDs, the algorithm indicator of the FCI and the PIN
 * reference (LD/T 32.2 / 32.5; 《社会保障卡文件结构和数据项(V2.0)》; DOMAIN.md §1.1).
 */
import type { KeyAlgorithm } from '../card-interface.js';

/** SSSE DF name "sx1.sh.社会保障" in GBK (DOMAIN.md §1.1 [V]). */
export const SSSE_AID = '7378312E73682EC9E7BBE1B1A3D5CF';

/** The DFs that hold SSSE keys: the SSSE DDF1 (on the MF) and its sub-applications (DOMAIN.md §1.1). */
export const KEYED_DFS = ['SSSE', 'DF01', 'DF02', 'DF03', 'DF04', 'DF07'] as const;
export type KeyedDf = (typeof KEYED_DFS)[number];

/** A sub-application DF of the SSSE application. */
export interface SsseSubApplication {
  df: Exclude<KeyedDf, 'SSSE'>;
  fid: number;
  aid: string;
  label: string;
}

/** Sub-application DFs and their AIDs (DOMAIN.md §1.1 [V]). */
export const SSSE_DFS: readonly SsseSubApplication[] = [
  { df: 'DF01', fid: 0xdf01, aid: 'D15600000500', label: 'DF01 公共应用' },
  { df: 'DF02', fid: 0xdf02, aid: 'D15600000501', label: 'DF02 就业与失业' },
  { df: 'DF03', fid: 0xdf03, aid: 'D15600000502', label: 'DF03 社会保险1' },
  { df: 'DF04', fid: 0xdf04, aid: 'D15600000503', label: 'DF04 社会保险2 (医疗保险)' },
  { df: 'DF07', fid: 0xdf07, aid: 'D15600000504', label: 'DF07 人事人才' },
];

/** SFI of the SSSE DIR file answered in the FCI (`88 01 1E`, DOMAIN.md §1.1 [C]). */
export const SSSE_DIR_SFI = 0x1e;

/** VERIFY P2 of the SSSE PIN (LD/T 32.5: `00 20 00 00`). */
export const SSSE_PIN_REFERENCE = 0x00;

/** Algorithm indicator in the FCI (9F0C { 86 01 alg }): 01 DES, 02 SSF33, 03 SM4 (DOMAIN.md §1.1 [C]). */
export const ALGORITHM_INDICATOR: Readonly<Record<KeyAlgorithm, number>> = { DES: 0x01, '3DES': 0x01, SM4: 0x03 };

/** PSAM application of the first generation (DES): DF01 AID (DOMAIN.md §1.1 [C]). */
export const PSAM_DES_AID = 'D15600000590';
/** PSAM application of the third generation (SM4): "sx3.sh.社会保障" in GBK, then DF01 (DOMAIN.md §1.1 [C]). */
export const PSAM_SX3_AID = '7378332E73682EC9E7BBE1B1A3D5CF';
/** FID of the PSAM's DF01 below the sx3 application (`00 A4 00 00 02 DF01`, DOMAIN.md §1.1 [C]). */
export const PSAM_DF01_FID = 0xdf01;
