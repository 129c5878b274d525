/**
 * The SSSE file tree as data (DOMAIN.md §1.1, §1.2; LD/T 32.2): the card OS enforces the access rules,
 * this module only describes them.
 *
 * ```
 * MF 3F00  DF name 7378312E73682EC9E7BBE1B1A3D5CF "sx1.sh.社会保障" (the SSSE DDF1), PIN_SSSE, keys *_SSSE
 * ├── EF05 发卡机构数据   SFI 05  records 01..07  read free, update UK_SSSE
 * ├── EF06 持卡人基本信息 SFI 06  records 08..0D,4E read free, update UK_SSSE
 * ├── EF07 指纹 (0x300), EF08 照片 (0x1000)  transparent, read RK_SSSE, update UK_SSSE
 * ├── EF0D (3rd gen)      SFI 0D  records EA, EB  read free, update UK_SSSE
 * ├── EF1E DIR            SFI 1E  one 61-template per DF (the 88 01 1E of the FCI)
 * ├── DF01..DF03, DF07    AID D1560000050x; EFs read PIN or RK_DFxx, update UK_DFxx
 * └── DF04 医疗保险        AID D15600000503, application "ssse-medical" (offline debit)
 *     ├── EF05 read PIN or RK_DF04; EF06 read PIN and RK_DF04 (update UK_DF04)
 *     ├── EF08 cyclic 30 × 0x1C, read PIN, never rewritable (the debit appends)
 *     └── EF15 cyclic 8 × 3, read PIN, never rewritable (the debit appends)
 * ```
 * [R] The MF carries the SSSE DF name (readers select the AID and then read EF05 by SFI 5, which needs
 * EF05 in the selected DF). Which files answer over contactless comes from the profile (DOMAIN.md §1.5).
 */
import { toHex } from '../../../apdu/bytes.js';
import type { AccessRule, CardInterface, DfImage, EfImage, KeyAlgorithm, KeyImage, PinImage } from '../../runtime/types.js';
import type { ContactlessPolicy, KeyedDf, KeyKind } from '../../personalize/profile.js';
import { buildDfKeys, keyId } from './keys.js';
import type { ItemFile } from '../../../spec/ssse/data-items.js';
import { ALGORITHM_INDICATOR, SSSE_AID, SSSE_DFS, SSSE_PIN_REFERENCE } from '../../../spec/ssse/identifiers.js';

export { ALGORITHM_INDICATOR, SSSE_AID, SSSE_DFS, SSSE_PIN_REFERENCE };

/** Application id of DF04's offline medical debit (`Application.id`). */
export const MEDICAL_APP_ID = 'ssse-medical';

/** Name of the SSSE PIN in access rules; VERIFY P2 = 00. */
export const SSSE_PIN_ID = 'PIN_SSSE';

/** EF08 (DF04) transaction records: at least 30 of 0x1C bytes. */
export const MEDICAL_LOG_RECORDS = 30;
export const MEDICAL_LOG_RECORD_SIZE = 0x1c;
/** EF15 (DF04) settlement records: at least 8 of 3 bytes (交易序号 b2 ‖ 结算类别 an1). */
export const SETTLEMENT_LOG_RECORDS = 8;
export const SETTLEMENT_LOG_RECORD_SIZE = 3;

export interface SsseTreeInput {
  generation: 2 | 3;
  algorithm: KeyAlgorithm;
  keyVersion: number;
  pin: { value: string; maxTries: number };
  /** Encoded TLV records (hex) of the data-item files. */
  records: Record<ItemFile, string[]>;
  /** Interfaces the chip has; `contactless` is the policy when RF is one of them. */
  interfaces: CardInterface[];
  contactless: ContactlessPolicy;
  /** Master-key kinds available per DF. */
  keyKinds: Record<KeyedDf, KeyKind[]>;
  /** Card key for a DF and kind, hex. */
  deriveKey: (df: KeyedDf, kind: KeyKind) => string;
}

const free: AccessRule = 'free';
const never: AccessRule = 'never';
const pin: AccessRule = { pin: SSSE_PIN_ID };
const key = (kind: KeyKind, df: KeyedDf): AccessRule => ({ key: keyId(kind, df) });

/** Record EF helper. */
function recordEf(
  fid: number,
  label: string,
  structure: EfImage['structure'],
  recordSize: number,
  maxRecords: number,
  records: string[],
  read: AccessRule,
  update: AccessRule,
): EfImage {
  return { kind: 'ef', fid, sfi: fid & 0x1f, label, structure, recordSize, maxRecords, records, read, update };
}

function transparentEf(fid: number, label: string, size: number, read: AccessRule, update: AccessRule): EfImage {
  return { kind: 'ef', fid, sfi: fid & 0x1f, label, structure: 'transparent', size, data: '00'.repeat(size), read, update };
}

/** Sub-DF record files without content (DOMAIN.md §1.2 "Other DFs"), as empty linear-variable files. */
const OTHER_DF_FILES: Record<'DF01' | 'DF02' | 'DF03' | 'DF07', { records: number[]; transparent: number[] }> = {
  DF01: { records: [0xef05, 0xef06, 0xef07, 0xef08, 0xef09, 0xef0a, 0xef15], transparent: [0xef16, 0xef17, 0xef18, 0xef19, 0xef1a] },
  DF02: { records: [0xef05, 0xef06, 0xef07, 0xef09, 0xef15, 0xef16], transparent: [] },
  DF03: { records: [0xef05, 0xef06, 0xef07, 0xef15, 0xef16, 0xef17, 0xef18, 0xef19], transparent: [] },
  DF07: { records: [0xef05], transparent: [] },
};

function hexFid(fid: number): string {
  return fid.toString(16).toUpperCase().padStart(4, '0');
}

/** Directory record of a DF in EF1E: 61 { 4F aid, 50 label } (EMV-style; [R]). */
function dirRecord(aid: string, label: string): string {
  const aidBytes = aid.length / 2;
  const labelHex = toHex(new TextEncoder().encode(label));
  const labelBytes = labelHex.length / 2;
  const inner = `4F${aidBytes.toString(16).padStart(2, '0')}${aid}50${labelBytes.toString(16).padStart(2, '0')}${labelHex}`;
  return `61${(inner.length / 2).toString(16).padStart(2, '0')}${inner}`.toUpperCase();
}

/**
 * Builds the MF with the SSSE tree. Other applications (PKI, PBOC) are appended to `children` by the
 * personaliser.
 */
export function buildSsseTree(input: SsseTreeInput): DfImage {
  const rf = input.interfaces.includes('contactless');
  const allowed = new Set(input.contactless.files.map((p) => p.toUpperCase()));
  const ifaces = (path: string): CardInterface[] | undefined => (rf && !allowed.has(path.toUpperCase()) ? ['contact'] : undefined);
  const withIfaces = <T extends DfImage | EfImage>(path: string, node: T): T => {
    const i = ifaces(path);
    return i ? { ...node, interfaces: i } : node;
  };
  const keysOf = (df: KeyedDf): KeyImage[] =>
    buildDfKeys(df, input.keyKinds[df], input.algorithm, input.keyVersion, (kind) => input.deriveKey(df, kind));

  const subDfs: DfImage[] = SSSE_DFS.map(({ df, fid, aid, label }) => {
    const children: EfImage[] =
      df === 'DF04'
        ? [
            withIfaces('DF04/EF05', recordEf(0xef05, 'EF05 医疗保险基本信息', 'linear-variable', 0x20, input.records['DF04/EF05'].length, input.records['DF04/EF05'],
              { anyOf: [pin, key('RK', df)] }, key('UK', df))),
            withIfaces('DF04/EF06', recordEf(0xef06, 'EF06 脱网结算信息', 'linear-variable', 0x10, input.records['DF04/EF06'].length, input.records['DF04/EF06'],
              { allOf: [pin, key('RK', df)] }, key('UK', df))),
            withIfaces('DF04/EF08', recordEf(0xef08, 'EF08 交易记录', 'cyclic', MEDICAL_LOG_RECORD_SIZE, MEDICAL_LOG_RECORDS, [], pin, never)),
            withIfaces('DF04/EF15', recordEf(0xef15, 'EF15 结算记录', 'cyclic', SETTLEMENT_LOG_RECORD_SIZE, SETTLEMENT_LOG_RECORDS, [], pin, never)),
          ]
        : [
            ...OTHER_DF_FILES[df].records.map((f) =>
              withIfaces(`${df}/EF${hexFid(f).slice(2)}`, recordEf(f, `EF${hexFid(f).slice(2)}`, 'linear-variable', 0x40, 8, [],
                { anyOf: [pin, key('RK', df)] }, key('UK', df))),
            ),
            ...OTHER_DF_FILES[df].transparent.map((f) =>
              withIfaces(`${df}/EF${hexFid(f).slice(2)}`, transparentEf(f, `EF${hexFid(f).slice(2)}`, 0x100, { anyOf: [pin, key('RK', df)] }, key('UK', df))),
            ),
          ];
    const dfImage: DfImage = {
      kind: 'df',
      fid,
      aid,
      label,
      lifeCycle: 'active',
      keys: keysOf(df),
      children,
      ...(df === 'DF04' ? { application: MEDICAL_APP_ID } : {}),
    };
    return withIfaces(df, dfImage);
  });

  const mfFiles: EfImage[] = [
    withIfaces('EF05', recordEf(0xef05, 'EF05 发卡机构数据', 'linear-variable', 0x12, input.records.EF05.length, input.records.EF05, free, key('UK', 'SSSE'))),
    withIfaces('EF06', recordEf(0xef06, 'EF06 持卡人基本信息', 'linear-variable', 0x20, input.records.EF06.length, input.records.EF06, free, key('UK', 'SSSE'))),
    withIfaces('EF07', transparentEf(0xef07, 'EF07 指纹', 0x300, key('RK', 'SSSE'), key('UK', 'SSSE'))),
    withIfaces('EF08', transparentEf(0xef08, 'EF08 照片', 0x1000, key('RK', 'SSSE'), key('UK', 'SSSE'))),
  ];
  if (input.generation === 3) {
    mfFiles.push(withIfaces('EF0D', recordEf(0xef0d, 'EF0D 人员识别信息', 'linear-variable', 0x0e, input.records.EF0D.length, input.records.EF0D, free, key('UK', 'SSSE'))));
  }
  mfFiles.push(
    withIfaces('EF1E', recordEf(0xef1e, 'EF1E DIR', 'linear-variable', 0x40, SSSE_DFS.length, SSSE_DFS.map((d) => dirRecord(d.aid, d.df)), free, key('UK', 'SSSE'))),
  );

  const pins: PinImage[] = [
    { id: SSSE_PIN_ID, reference: SSSE_PIN_REFERENCE, value: input.pin.value, triesLeft: input.pin.maxTries, maxTries: input.pin.maxTries },
  ];
  return {
    kind: 'df',
    fid: 0x3f00,
    aid: SSSE_AID,
    label: 'MF / SSSE DDF1 sx1.sh.社会保障',
    fciProprietary: ssseFciProprietary(input.algorithm),
    lifeCycle: 'active',
    pins,
    keys: keysOf('SSSE'),
    children: [...mfFiles, ...subDfs],
  };
}

/**
 * Content of the A5 template of the SSSE FCI: `88 01 1E` (SFI of the DIR) `9F0C 03 { 86 01 alg }`
 * (DOMAIN.md §1.1: the real answer is `6F1C 840F 7378…D5CF A509 8801 1E 9F0C03 860103 9000`).
 */
export function ssseFciProprietary(algorithm: KeyAlgorithm): string {
  return `88011E9F0C038601${ALGORITHM_INDICATOR[algorithm].toString(16).padStart(2, '0').toUpperCase()}`;
}
