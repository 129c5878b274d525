/**
 * The `ssse` suite: the social-security application as LD/T 32.5-2015 (commands), LD/T 32.3/32.6 (files
 * and data items), LD/T 6001.3-2023 (the record and read/write-security tests) and ISO/IEC 7816-4 describe
 * it, and DOMAIN.md §1 digests it. Every expected status word and value is written here from those
 * texts; none is taken from the card's code.
 */
import { fromHex, toHex } from '../../../apdu/bytes.js';
import { SSSE_AID, SSSE_DFS, SSSE_DIR_SFI, SSSE_PIN_REFERENCE } from '../../../spec/ssse/identifiers.js';
import { encodeInit, decodeInitResponse, INIT_DATA_LENGTH } from '../../../spec/ssse/medical-debit.js';
import { SELECT_SSSE, type CaseContext } from '../context.js';
import { asciiOf, hexOf, REF, ssseRecord, tlvCheck, tlvOf, valueAt, verifyPin, apdu } from '../apdus.js';
import { bcd, cardNumberProblem, citizenIdProblem, dateProblem, ethnicityProblem, parseAtrStructure } from '../checks.js';
import { suiteBuilder, verifyStep } from '../table.js';
import type { ConformanceCase } from '../types.js';

const { steps, flow } = suiteBuilder('ssse');

const SELECT_DF04 = '00A4040006D15600000503';
const OK = { sw: '9000' } as const;

/** The SSSE FCI (DOMAIN.md §1.1 [V]/[C]): 6F { 84 DF name, A5 { 88 SFI of the DIR, 9F0C { 86 algorithm } } }. */
const ssseFci = tlvCheck((nodes) => {
  if (valueAt(nodes, '6F', '84') !== SSSE_AID) return `FCI 6F/84 is ${valueAt(nodes, '6F', '84') ?? 'absent'}, not the SSSE DF name ${SSSE_AID}`;
  const sfi = valueAt(nodes, '6F', 'A5', '88');
  if (sfi !== hexOf(SSSE_DIR_SFI, 1)) return `FCI A5/88 (SFI of the DIR) is ${sfi ?? 'absent'}, not ${hexOf(SSSE_DIR_SFI, 1)}`;
  // 9F0C is primitive (issuer discretionary data); the algorithm is the 86 object inside it [C].
  const discretionary = valueAt(nodes, '6F', 'A5', '9F0C');
  const inner = discretionary ? tlvOf(fromHex(discretionary)) : undefined;
  const alg = inner && typeof inner !== 'string' ? valueAt(inner, '86') : undefined;
  if (!alg || !['01', '02', '03'].includes(alg)) return `algorithm indicator 86 is ${alg ?? 'absent'}, not 01 (DES), 02 (SSF33) or 03 (SM4)`;
  return undefined;
});

/** Reads one SSSE data item record and checks its value. */
function item(tag: number, check: (value: Uint8Array) => string | undefined): (data: Uint8Array) => string | undefined {
  return (data) => {
    const v = ssseRecord(data, tag);
    return typeof v === 'string' ? v : check(v);
  };
}

function anText(value: Uint8Array): string {
  let end = value.length;
  while (end > 0 && value[end - 1] === 0) end--;
  return asciiOf(value.subarray(0, end)) ?? '';
}

async function readItem(t: CaseContext, command: string, tag: number, what: string): Promise<Uint8Array> {
  const data = (await t.send(command, { sw: '9000' }, what)).data;
  const v = ssseRecord(data, tag);
  if (typeof v === 'string') t.fail(`${what}: ${v}`);
  return v;
}

/** The PIN try counter from VERIFY without data (ISO/IEC 7816-4 §7.5.6): 63Cx. */
async function pinTries(t: CaseContext, reference = SSSE_PIN_REFERENCE): Promise<number> {
  const r = await t.send(`002000${hexOf(reference, 1)}`, { sw: '63Cx' }, 'VERIFY (try counter)');
  return r.sw & 0x0f;
}

function otherPin(pin: string): string {
  // a PIN of the same length that differs in every digit
  return pin.replace(/\d/g, (d) => String((Number(d) + 5) % 10));
}

const selectCases: ConformanceCase[] = [
  flow({
    id: 'ssse.atr.structure',
    title: 'the ATR is well formed and carries the historical bytes T6–TD the keys are diversified with',
    refs: [REF.iso3Atr, REF.t3Atr, REF.dom('1.4')],
    run: async (t) => {
      const s = parseAtrStructure(t.atr);
      if (typeof s === 'string') return t.fail(`ATR ${toHex(t.atr)}: ${s}`);
      t.check(s.historical.length >= 8, `ATR ${toHex(t.atr)}: ${s.historical.length} historical bytes; the card-level key diversification needs T6–TD (8 bytes)`);
      t.check([0x00, 0x10, 0x80].includes(s.historical[0]!), `historical bytes start with ${hexOf(s.historical[0]!, 1)}, not a category indicator 00, 10 or 80 (ISO/IEC 7816-4:2005 §8.1.1)`);
      t.note(`ATR ${toHex(t.atr)}, T=${s.protocols.join('/')}, historical ${toHex(s.historical)}`);
    },
  }),
  steps({
    id: 'ssse.select.by-name',
    title: 'SELECT by DF name "sx1.sh.社会保障" answers the FCI with the DIR SFI and the algorithm indicator',
    refs: [REF.ld5Select, REF.isoSelect, REF.dom('1.1')],
    steps: [{ send: SELECT_SSSE, expect: { sw: '9000', check: ssseFci } }],
  }),
  steps({
    id: 'ssse.select.mf-by-fid',
    title: 'SELECT 3F00 selects the MF, which carries the SSSE application',
    refs: [REF.isoSelect, REF.ld3, 'docs/ssse.md [R] (the MF carries the SSSE DF name)'],
    steps: [{ send: '00A40000023F00', expect: { sw: '9000' } }],
  }),
  ...SSSE_DFS.map((df) =>
    steps({
      id: `ssse.select.${df.df.toLowerCase()}`,
      title: `SELECT ${df.label} by its AID ${df.aid}`,
      refs: [REF.ld5Select, REF.isoSelect, REF.dom('1.1')],
      steps: [
        { send: SELECT_SSSE, expect: OK },
        { send: `00A4040006${df.aid}`, expect: { sw: '9000', check: tlvCheck((n) => (valueAt(n, '6F', '84') === df.aid ? undefined : `FCI 6F/84 is ${valueAt(n, '6F', '84') ?? 'absent'}, not ${df.aid}`)) } },
      ],
    }),
  ),
  steps({
    id: 'ssse.select.ef-by-fid',
    title: 'SELECT EF05 by FID under the SSSE DF (the fallback readers use)',
    refs: [REF.isoSelect, REF.dom('1.1')],
    steps: [
      { send: SELECT_SSSE, expect: OK },
      { send: '00A4020002EF05', expect: OK },
    ],
  }),
  steps({
    id: 'ssse.select.file-not-found',
    title: 'SELECT of a FID the card does not have answers 6A82',
    refs: [REF.isoSelect, REF.ld5Sw],
    steps: [
      { send: SELECT_SSSE, expect: OK },
      { send: '00A4000002EF99', expect: { sw: '6A82' } },
    ],
  }),
  steps({
    id: 'ssse.select.aid-not-found',
    title: 'SELECT of an AID the card does not have answers 6A82',
    refs: [REF.isoSelect, REF.ld5Sw],
    steps: [{ send: '00A4040006D15600000599', expect: { sw: '6A82' } }],
  }),
  steps({
    id: 'ssse.select.wrong-p1',
    title: 'SELECT with an undefined P1 answers 6A86 (incorrect P1-P2)',
    refs: [REF.isoSelect, REF.isoSw, REF.ld5Sw],
    steps: [{ send: '00A4050002EF05', expect: { sw: '6A86' } }],
  }),
  steps({
    id: 'ssse.apdu.lc-mismatch',
    title: 'a command whose Lc announces more data than it carries answers 6700',
    refs: [REF.ld5Format, REF.ld5Sw, REF.isoSw],
    steps: [{ send: '00A4000002EF', expect: { sw: '6700' } }],
  }),
];

const recordCases: ConformanceCase[] = [
  steps({
    id: 'ssse.ef05.card-identifier',
    title: 'EF05 record 1: 卡的识别码 = city code ‖ D156000005 ‖ serial ‖ authentication code',
    refs: [REF.t3Record, REF.ld6, REF.dom('1.2')],
    steps: [
      { send: SELECT_SSSE, expect: OK },
      {
        send: '00B2012C00',
        label: 'READ RECORD EF05 record 1',
        expect: { sw: '9000', data: '0110 ?????? D156000005 ????????????????', check: (d) => (bcd(d.subarray(2, 5)) ? undefined : `city code ${toHex(d.subarray(2, 5))} is not BCD`) },
      },
    ],
  }),
  steps({
    id: 'ssse.ef05.card-category',
    title: 'EF05 record 2: 卡的类别 is 1 (preschool) … 4 (elderly)',
    refs: [REF.t3Record, REF.dom('1.2')],
    steps: [
      { send: SELECT_SSSE, expect: OK },
      { send: '00B2022C00', label: 'READ RECORD EF05 record 2', expect: { sw: '9000', check: item(0x02, (v) => (v.length === 1 && v[0]! >= 0x31 && v[0]! <= 0x34 ? undefined : `卡的类别 ${toHex(v)} is not "1".."4"`)) } },
    ],
  }),
  steps({
    id: 'ssse.ef05.spec-version',
    title: 'EF05 record 3: 规范版本 is "1.00", "2.00" or "3.00"',
    refs: [REF.t3Record, REF.dom('1.2')],
    steps: [
      { send: SELECT_SSSE, expect: OK },
      { send: '00B2032C00', label: 'READ RECORD EF05 record 3', expect: { sw: '9000', check: item(0x03, (v) => (/^[123]\.00$/.test(anText(v)) ? undefined : `规范版本 "${anText(v)}" is not 1.00, 2.00 or 3.00`)) } },
    ],
  }),
  steps({
    id: 'ssse.ef05.initializing-body',
    title: 'EF05 record 4: 初始化机构编号 = 9156000002 ‖ issuing region ‖ initializing region ‖ sequence',
    refs: [REF.t3Record, REF.dom('1.2')],
    steps: [
      { send: SELECT_SSSE, expect: OK },
      {
        send: '00B2042C00',
        label: 'READ RECORD EF05 record 4',
        expect: { sw: '9000', data: '040C 9156000002 ?????? ?????? ??', check: (d) => (bcd(d.subarray(7, 13)) ? undefined : `regions ${toHex(d.subarray(7, 13))} are not BCD digits`) },
      },
    ],
  }),
  steps({
    id: 'ssse.ef05.issue-date',
    title: 'EF05 record 5: 发卡日期 is a date (YYYYMMDD, cn 4)',
    refs: [REF.t3Record, REF.dom('1.2')],
    steps: [
      { send: SELECT_SSSE, expect: OK },
      { send: '00B2052C00', label: 'READ RECORD EF05 record 5', expect: { sw: '9000', check: item(0x05, (v) => dateProblem(toHex(v), '发卡日期')) } },
    ],
  }),
  flow({
    id: 'ssse.ef05.expiry-date',
    title: 'EF05 record 6: 卡有效期 is a date after the issue date',
    refs: [REF.t3Record, REF.dom('1.2')],
    run: async (t) => {
      await t.send(SELECT_SSSE, OK);
      const issued = toHex(await readItem(t, '00B2052C00', 0x05, 'READ RECORD EF05 record 5'));
      const expires = toHex(await readItem(t, '00B2062C00', 0x06, 'READ RECORD EF05 record 6'));
      const problem = dateProblem(expires, '卡有效期');
      if (problem) t.fail(problem);
      t.check(expires > issued, `卡有效期 ${expires} is not after 发卡日期 ${issued}`);
    },
  }),
  steps({
    id: 'ssse.ef05.card-number',
    title: 'EF05 record 7 read as the readers do (00B2072C0B): 卡号 with a valid check character',
    refs: [REF.t3Record, REF.ld5ReadRecord, REF.dom('1.2'), REF.dom('1.3')],
    steps: [
      { send: SELECT_SSSE, expect: OK },
      { send: '00B2072C0B', label: 'READ RECORD EF05 record 7', expect: { sw: '9000', length: 11, check: item(0x07, (v) => cardNumberProblem(anText(v))) } },
    ],
  }),
  steps({
    id: 'ssse.ef06.id-number',
    title: 'EF06 by tag (00B2080014): 社会保障号码 with a valid GB 11643 check digit',
    refs: [REF.t3Record, REF.isoReadRecord, REF.dom('1.2'), REF.dom('1.3'), 'GB 11643-1999'],
    steps: [
      { send: SELECT_SSSE, expect: OK },
      { send: '00A4020002EF06', expect: OK },
      { send: '00B2080014', label: 'READ RECORD tag 08', expect: { sw: '9000', check: item(0x08, (v) => citizenIdProblem(anText(v))) } },
    ],
  }),
  steps({
    id: 'ssse.ef06.name',
    title: 'EF06 tag 09: 姓名, 30 bytes, not blank',
    refs: [REF.t3Record, REF.dom('1.2')],
    steps: [
      { send: SELECT_SSSE, expect: OK },
      { send: '00A4020002EF06', expect: OK },
      { send: '00B2090000', label: 'READ RECORD tag 09', expect: { sw: '9000', check: item(0x09, (v) => (v.length !== 30 ? `姓名 is ${v.length} bytes, not 30` : v[0] === 0 ? '姓名 is blank' : undefined)) } },
    ],
  }),
  steps({
    id: 'ssse.ef06.sex',
    title: 'EF06 tag 0A: 性别 is 1, 2 or 9 (GB/T 2261.1)',
    refs: [REF.t3Record, REF.dom('1.2')],
    steps: [
      { send: SELECT_SSSE, expect: OK },
      { send: '00A4020002EF06', expect: OK },
      { send: '00B20A0000', label: 'READ RECORD tag 0A', expect: { sw: '9000', check: item(0x0a, (v) => (['1', '2', '9'].includes(anText(v)) ? undefined : `性别 "${anText(v)}" is not 1, 2 or 9`)) } },
    ],
  }),
  steps({
    id: 'ssse.ef06.ethnicity',
    title: 'EF06 tag 0B: 民族 is a GB 3304 code',
    refs: [REF.t3Record, REF.dom('1.2'), 'GB 3304-1991'],
    steps: [
      { send: SELECT_SSSE, expect: OK },
      { send: '00A4020002EF06', expect: OK },
      { send: '00B20B0000', label: 'READ RECORD tag 0B', expect: { sw: '9000', check: item(0x0b, (v) => ethnicityProblem(toHex(v))) } },
    ],
  }),
  flow({
    id: 'ssse.ef06.birth-date',
    title: 'EF06 tag 0D: 出生日期 is a date and the one inside the 社会保障号码',
    refs: [REF.t3Record, REF.dom('1.2'), 'GB 11643-1999 §6'],
    run: async (t) => {
      await t.send(SELECT_SSSE, OK);
      await t.send('00A4020002EF06', OK);
      const id = anText(await readItem(t, '00B2080014', 0x08, 'READ RECORD tag 08'));
      const birth = toHex(await readItem(t, '00B20D0000', 0x0d, 'READ RECORD tag 0D'));
      const problem = dateProblem(birth, '出生日期');
      if (problem) t.fail(problem);
      t.check(id.slice(6, 14) === birth, `出生日期 ${birth} differs from the birth date ${id.slice(6, 14)} in the ID number ${id}`);
    },
  }),
  flow({
    id: 'ssse.ef0d.person-id',
    title: 'third generation: EF0D tag EA read by SFI and tag (00B2EA68) is 人员识别码, an 12',
    refs: [REF.t3Record, REF.isoReadRecord, REF.dom('1.2')],
    run: async (t) => {
      await t.send(SELECT_SSSE, OK);
      const version = anText(await readItem(t, '00B2032C00', 0x03, 'READ RECORD EF05 record 3'));
      if (version !== '3.00') return t.skip(`EF0D is a third-generation file; this card is of specification version ${version}`);
      const v = await readItem(t, '00B2EA6800', 0xea, 'READ RECORD EF0D tag EA');
      t.check(v.length === 12, `人员识别码 is ${v.length} bytes, not 12`);
    },
  }),
  steps({
    id: 'ssse.ef1e.dir',
    title: 'EF1E (the DIR of the FCI) lists the sub-applications as 61 { 4F AID … } templates',
    refs: [REF.isoDir, REF.dom('1.1')],
    steps: [
      { send: SELECT_SSSE, expect: OK },
      {
        send: `00B201${hexOf((SSSE_DIR_SFI << 3) | 4, 1)}00`,
        label: 'READ RECORD EF1E record 1',
        expect: { sw: '9000', check: tlvCheck((n) => (SSSE_DFS.some((d) => valueAt(n, '61', '4F') === d.aid) ? undefined : `record 1 is no 61 { 4F <SSSE sub-application AID> } template`)) },
      },
    ],
  }),
  steps({
    id: 'ssse.record.not-found',
    title: 'READ RECORD of a record number past the last answers 6A83',
    refs: [REF.isoReadRecord, REF.ld5Sw],
    steps: [
      { send: SELECT_SSSE, expect: OK },
      { send: '00B2202C00', expect: { sw: '6A83' } },
    ],
  }),
  steps({
    id: 'ssse.record.sfi-not-found',
    title: 'READ RECORD with an SFI no file has answers 6A82',
    refs: [REF.isoReadRecord, REF.ld5Sw],
    steps: [
      { send: SELECT_SSSE, expect: OK },
      { send: '00B201DC00', expect: { sw: '6A82' } },
    ],
  }),
  steps({
    id: 'ssse.record.no-current-ef',
    title: 'READ RECORD of the current EF right after selecting a DF answers 6986 (no current EF)',
    refs: [REF.isoReadRecord, REF.isoSw, REF.ld5Sw],
    steps: [
      { send: SELECT_SSSE, expect: OK },
      { send: '00B2010400', expect: { sw: '6986' } },
    ],
  }),
  steps({
    id: 'ssse.record.reserved-mode',
    title: 'READ RECORD with a reserved P2 mode (111) answers 6A86',
    refs: [REF.isoReadRecord, REF.isoSw],
    steps: [
      { send: SELECT_SSSE, expect: OK },
      { send: '00B2012F00', expect: { sw: '6A86' } },
    ],
  }),
  steps({
    id: 'ssse.record.on-transparent-ef',
    title: 'READ RECORD on a transparent EF (EF07) answers 6981 (incompatible with the file structure)',
    refs: [REF.isoReadRecord, REF.isoSw],
    steps: [
      { send: SELECT_SSSE, expect: OK },
      { send: '00A4000002EF07', expect: OK },
      { send: '00B2010400', expect: { sw: '6981' } },
    ],
  }),
  steps({
    id: 'ssse.binary.on-record-ef',
    title: 'READ BINARY on a record EF (EF05) answers 6981',
    refs: [REF.isoReadBinary, REF.isoSw],
    steps: [
      { send: SELECT_SSSE, expect: OK },
      { send: '00A4000002EF05', expect: OK },
      { send: '00B0000010', expect: { sw: '6981' } },
    ],
  }),
];

/** UPDATE RECORD of a record with its own value (so that a card that wrongly accepts loses nothing). */
async function rewriteUnchanged(t: CaseContext, read: string, tag: number, sfi: number, expectSw: string): Promise<void> {
  const record = (await t.send(read, { sw: '9000' }, `READ RECORD tag ${hexOf(tag, 1)}`)).data;
  const p2 = hexOf(sfi << 3, 1); // mode 000: the first record whose tag is P1 (the observed 00DC0528… form)
  await t.send(apdu(`00DC${hexOf(tag, 1)}${p2}`, record), { sw: expectSw }, `UPDATE RECORD tag ${hexOf(tag, 1)} (same value)`);
}

const accessCases: ConformanceCase[] = [
  steps({
    id: 'ssse.access.ef07-read-needs-rk',
    title: 'EF07 (fingerprint) cannot be read without RK_SSSE: 6982',
    refs: [REF.t3Safety, REF.isoReadBinary, REF.dom('1.2')],
    steps: [
      { send: SELECT_SSSE, expect: OK },
      { send: '00A4000002EF07', expect: OK },
      { send: '00B0000010', expect: { sw: '6982' } },
    ],
  }),
  steps({
    id: 'ssse.access.ef08-read-needs-rk',
    title: 'EF08 (photo) cannot be read without RK_SSSE: 6982',
    refs: [REF.t3Safety, REF.isoReadBinary, REF.dom('1.2')],
    steps: [
      { send: SELECT_SSSE, expect: OK },
      { send: '00A4000002EF08', expect: OK },
      { send: '00B0000010', expect: { sw: '6982' } },
    ],
  }),
  flow({
    id: 'ssse.access.ef05-update-needs-uk',
    title: 'EF05 cannot be updated without UK_SSSE: 6982 (the record is written back with its own value)',
    refs: [REF.t3Safety, REF.ld5UpdateRecord, REF.isoUpdateRecord, REF.dom('1.2')],
    run: async (t) => {
      await t.send(SELECT_SSSE, OK);
      await rewriteUnchanged(t, '00B2052800', 0x05, 0x05, '6982');
    },
  }),
  flow({
    id: 'ssse.access.ef06-update-needs-uk',
    title: 'EF06 cannot be updated without UK_SSSE: 6982',
    refs: [REF.t3Safety, REF.ld5UpdateRecord, REF.dom('1.2')],
    run: async (t) => {
      await t.send(SELECT_SSSE, OK);
      await rewriteUnchanged(t, '00B20A3000', 0x0a, 0x06, '6982');
    },
  }),
  steps({
    id: 'ssse.access.df04-ef05-needs-pin',
    title: 'DF04 EF05 (medical insurance data) cannot be read without the PIN or RK_DF04: 6982',
    refs: [REF.t3DfSafety('DF04'), REF.dom('1.2')],
    steps: [
      { send: SELECT_DF04, expect: OK },
      { send: '00B2812800', label: 'READ RECORD DF04 EF05 tag 81', expect: { sw: '6982' } },
    ],
  }),
  steps({
    id: 'ssse.access.df04-ef05-with-pin',
    title: 'after VERIFY, DF04 EF05 tag 81 reads: 险种类型 310, 390 or 391',
    refs: [REF.t3Df04Record, REF.t3DfSafety('DF04'), REF.dom('1.2')],
    steps: [
      { send: SELECT_DF04, expect: OK },
      verifyStep('ssse'),
      { send: '00B2812800', label: 'READ RECORD DF04 EF05 tag 81', expect: { sw: '9000', check: item(0x81, (v) => (/^(310|390|391)/.test(anText(v)) ? undefined : `险种类型 "${anText(v)}" is not 310, 390 or 391`)) } },
    ],
  }),
  steps({
    id: 'ssse.access.df04-ef06-needs-rk',
    title: 'DF04 EF06 (offline settlement) needs the PIN AND RK_DF04: with the PIN only, 6982',
    refs: [REF.t3DfSafety('DF04'), REF.dom('1.2')],
    steps: [
      { send: SELECT_DF04, expect: OK },
      verifyStep('ssse'),
      { send: '00B2013400', label: 'READ RECORD DF04 EF06 record 1', expect: { sw: '6982' } },
    ],
  }),
  ...SSSE_DFS.filter((d) => d.df !== 'DF04').map((df) =>
    steps({
      id: `ssse.access.${df.df.toLowerCase()}-needs-pin`,
      title: `${df.label}: EF05 cannot be read without the PIN or RK_${df.df}: 6982`,
      refs: [REF.t3DfSafety(df.df), REF.dom('1.2')],
      steps: [
        { send: `00A4040006${df.aid}`, expect: OK },
        { send: '00B2012C00', label: `READ RECORD ${df.df} EF05`, expect: { sw: '6982' } },
      ],
    }),
  ),
  steps({
    id: 'ssse.access.df01-opens-with-pin',
    title: 'after VERIFY the PIN satisfies DF01\'s "PIN or RK" rule (an empty record answers 6A83, not 6982)',
    refs: [REF.t3DfSafety('DF01'), REF.dom('1.2')],
    steps: [
      { send: '00A4040006D15600000500', expect: OK },
      verifyStep('ssse'),
      { send: '00B2012C00', label: 'READ RECORD DF01 EF05', expect: { sw: ['9000', '6A83'] } },
    ],
  }),
  flow({
    id: 'ssse.access.reset-clears-pin',
    title: 'a reset clears the verified PIN: DF04 EF05 answers 6982 again',
    refs: [REF.isoSecurityStatus, REF.ld4, REF.t3DfSafety('DF04')],
    run: async (t) => {
      await t.send(SELECT_DF04, OK);
      await t.verifyPin('ssse');
      await t.send('00B2812800', OK, 'READ RECORD DF04 EF05 tag 81');
      await t.reset();
      await t.send(SELECT_DF04, OK);
      await t.send('00B2812800', { sw: '6982' }, 'READ RECORD DF04 EF05 tag 81 after the reset');
    },
  }),
];

const pinCases: ConformanceCase[] = [
  steps({
    id: 'ssse.pin.verify',
    title: 'VERIFY PIN_SSSE (00 20 00 00) with the right PIN answers 9000',
    refs: [REF.ld5Verify, REF.isoVerify, REF.dom('1.3')],
    steps: [
      { send: SELECT_SSSE, expect: OK },
      verifyStep('ssse'),
    ],
  }),
  flow({
    id: 'ssse.pin.try-counter',
    title: 'VERIFY without data answers the try counter 63Cx (x ≥ 1 on a usable card)',
    refs: [REF.isoVerify, REF.ld5Sw],
    run: async (t) => {
      await t.send(SELECT_SSSE, OK);
      const tries = await pinTries(t);
      t.check(tries >= 1, 'VERIFY without data answered 63C0: PIN_SSSE has no try left');
      t.note(`PIN_SSSE: ${tries} tries left`);
    },
  }),
  flow({
    id: 'ssse.pin.wrong-then-right',
    title: 'a wrong PIN answers 63Cx with one try fewer; the right one answers 9000 and gives the tries back',
    refs: [REF.ld5Verify, REF.isoVerify, REF.ld5Sw, REF.dom('1.4')],
    risk: 'restores',
    run: async (t) => {
      t.requirePin('ssse');
      await t.send(SELECT_SSSE, OK);
      const before = await pinTries(t);
      t.check(before >= 2, `only ${before} PIN tries left: not trying a wrong PIN`);
      await t.send(verifyPin(SSSE_PIN_REFERENCE, otherPin(t.settings.pin)), { sw: `63C${hexOf(before - 1, 1).slice(1)}` }, 'VERIFY wrong PIN');
      await t.verifyPin('ssse');
      await t.reset();
      await t.send(SELECT_SSSE, OK);
      const after = await pinTries(t);
      t.check(after === before, `after the right PIN the counter is ${after}, it was ${before}`);
    },
  }),
  steps({
    id: 'ssse.pin.wrong-length',
    title: 'VERIFY with a PIN of 1 or 9 bytes answers 6700 (BCD, 2–8 bytes)',
    refs: [REF.ld5Verify, REF.ld5Sw, REF.dom('1.3')],
    steps: [
      { send: SELECT_SSSE, expect: OK },
      { send: '002000000112', expect: { sw: '6700' } },
      { send: '00200000091234567812345678FF', expect: { sw: '6700' } },
    ],
  }),
  steps({
    id: 'ssse.pin.unknown-reference',
    title: 'VERIFY of a PIN reference the card does not have answers 6A88',
    refs: [REF.isoVerify, REF.isoSw],
    steps: [
      { send: SELECT_SSSE, expect: OK },
      { send: (t) => verifyPin(0x03, t.settings.pin), label: 'VERIFY reference 03', expect: { sw: '6A88' } },
    ],
  }),
  flow({
    id: 'ssse.pin.change',
    title: 'CHANGE PIN (80 5E 01 00 old ‖ FF ‖ new) changes it; changed back afterwards',
    refs: [REF.ld5ChangePin, REF.t3ChangePin, REF.dom('1.3')],
    risk: 'restores',
    run: async (t) => {
      t.requirePin('ssse');
      const pin = t.settings.pin;
      const next = otherPin(pin);
      const change = (from: string, to: string) => apdu('805E0100', `${from.length % 2 ? `${from}F` : from}FF${to.length % 2 ? `${to}F` : to}`);
      await t.send(SELECT_SSSE, OK);
      await t.send(change(pin, next), OK, 'CHANGE PIN');
      await t.send(verifyPin(SSSE_PIN_REFERENCE, next), OK, 'VERIFY the new PIN');
      await t.send(change(next, pin), OK, 'CHANGE PIN back');
      await t.verifyPin('ssse');
    },
  }),
  flow({
    id: 'ssse.pin.change-wrong-old',
    title: 'CHANGE PIN with a wrong old PIN answers 63Cx and changes nothing',
    refs: [REF.ld5ChangePin, REF.t3ChangePin, REF.ld5Sw],
    risk: 'restores',
    run: async (t) => {
      t.requirePin('ssse');
      const pin = t.settings.pin;
      const wrong = otherPin(pin);
      await t.send(SELECT_SSSE, OK);
      const before = await pinTries(t);
      t.check(before >= 2, `only ${before} PIN tries left: not trying a wrong PIN`);
      const data = `${wrong.length % 2 ? `${wrong}F` : wrong}FF${wrong.length % 2 ? `${wrong}F` : wrong}`;
      await t.send(apdu('805E0100', data), { sw: '63Cx' }, 'CHANGE PIN with a wrong old PIN');
      await t.verifyPin('ssse');
    },
  }),
  flow({
    id: 'ssse.pin.exhaustion',
    title: 'wrong PINs count down 63Cx to 63C0; then even the right PIN answers 6983 (blocked)',
    refs: [REF.ld5Verify, REF.ld5Sw, REF.isoVerify, REF.dom('1.4')],
    risk: 'blocks',
    riskNote: 'blocks PIN_SSSE',
    run: async (t) => {
      t.requirePin('ssse');
      await t.send(SELECT_SSSE, OK);
      let tries = await pinTries(t);
      const wrong = otherPin(t.settings.pin);
      while (tries > 0) {
        tries--;
        await t.send(verifyPin(SSSE_PIN_REFERENCE, wrong), { sw: `63C${hexOf(tries, 1).slice(1)}` }, `VERIFY wrong PIN (${tries} left)`);
      }
      await t.send(verifyPin(SSSE_PIN_REFERENCE, t.settings.pin), { sw: '6983' }, 'VERIFY right PIN on a blocked PIN');
      await t.send('00200000', { sw: ['6983', '63C0'] }, 'VERIFY (try counter) of a blocked PIN');
    },
  }),
];

const commandCases: ConformanceCase[] = [
  flow({
    id: 'ssse.challenge.lengths',
    title: 'GET CHALLENGE answers 4, 8 or 16 random bytes as Le asks',
    refs: [REF.ld5Challenge, REF.isoChallenge, REF.dom('1.3')],
    run: async (t) => {
      await t.send(SELECT_SSSE, OK);
      for (const le of [4, 8, 16]) await t.send(`008400${'00'}${hexOf(le, 1)}`, { sw: '9000', length: le }, `GET CHALLENGE ${le}`);
    },
  }),
  flow({
    id: 'ssse.challenge.fresh',
    title: 'two challenges differ (a challenge is not repeated)',
    refs: [REF.ld5Challenge, REF.isoChallenge],
    run: async (t) => {
      await t.send(SELECT_SSSE, OK);
      const a = toHex((await t.send('0084000008', { sw: '9000', length: 8 })).data);
      const b = toHex((await t.send('0084000008', { sw: '9000', length: 8 })).data);
      t.check(a !== b, `GET CHALLENGE answered ${a} twice`);
    },
  }),
  steps({
    id: 'ssse.challenge.wrong-le',
    title: 'GET CHALLENGE with Le 05 answers 6700 (04, 08 or 10 only)',
    refs: [REF.ld5Challenge, REF.ld5Sw, REF.dom('1.3')],
    steps: [
      { send: SELECT_SSSE, expect: OK },
      { send: '0084000005', expect: { sw: '6700' } },
    ],
  }),
  steps({
    id: 'ssse.challenge.wrong-p1p2',
    title: 'GET CHALLENGE with P1 ≠ 00 answers 6A86',
    refs: [REF.ld5Challenge, REF.isoSw],
    steps: [
      { send: SELECT_SSSE, expect: OK },
      { send: '0084010008', expect: { sw: '6A86' } },
    ],
  }),
  flow({
    id: 'ssse.internal-auth.answer',
    title: 'INTERNAL AUTHENTICATE (factor ‖ data) answers 8 bytes, the same for the same input',
    refs: [REF.ld5IntAuth, REF.isoIntAuth, REF.dom('1.3'), REF.dom('1.4')],
    run: async (t) => {
      await t.send(SELECT_SSSE, OK);
      const input = t.random(16);
      const a = toHex((await t.send(apdu('00880000', input), { sw: '9000', length: 8 })).data);
      const b = toHex((await t.send(apdu('00880000', input), { sw: '9000', length: 8 })).data);
      t.check(a === b, `the same challenge gave ${a} then ${b}: the authentication data must be E_SK(data) (DOMAIN.md §1.4)`);
      const c = toHex((await t.send(apdu('00880000', t.random(16)), { sw: '9000', length: 8 })).data);
      t.check(c !== a, `another challenge gave the same answer ${a}`);
    },
  }),
  steps({
    id: 'ssse.internal-auth.wrong-length',
    title: 'INTERNAL AUTHENTICATE with 15 bytes answers 6700',
    refs: [REF.ld5IntAuth, REF.ld5Sw],
    steps: [
      { send: SELECT_SSSE, expect: OK },
      { send: '008800000F000102030405060708090A0B0C0D0E', expect: { sw: '6700' } },
    ],
  }),
  steps({
    id: 'ssse.internal-auth.unknown-key',
    title: 'INTERNAL AUTHENTICATE with a key reference the card does not have answers 6A88',
    refs: [REF.ld5IntAuth, REF.isoSw],
    steps: [
      { send: SELECT_SSSE, expect: OK },
      { send: '0088000910000102030405060708090A0B0C0D0E0F', expect: { sw: '6A88' } },
    ],
  }),
  steps({
    id: 'ssse.external-auth.unknown-key',
    title: 'EXTERNAL AUTHENTICATE with a key reference the card does not have answers 6A88',
    refs: [REF.ld5ExtAuth, REF.isoExtAuth, REF.isoSw],
    steps: [
      { send: SELECT_SSSE, expect: OK },
      { send: '0084000008', expect: { sw: '9000' } },
      { send: '0082000910000102030405060708090A0B0C0D0E0F', expect: { sw: '6A88' } },
    ],
  }),
  steps({
    id: 'ssse.external-auth.wrong-length',
    title: 'EXTERNAL AUTHENTICATE with 15 bytes answers 6700',
    refs: [REF.ld5ExtAuth, REF.ld5Sw],
    steps: [
      { send: SELECT_SSSE, expect: OK },
      { send: '008200040F000102030405060708090A0B0C0D0E', expect: { sw: '6700' } },
    ],
  }),
  steps({
    id: 'ssse.cla.not-supported',
    title: 'a class byte the card does not know (10) answers 6E00',
    refs: [REF.isoCla, REF.ld5Sw],
    steps: [
      { send: SELECT_SSSE, expect: OK },
      { send: '10B2012C00', expect: { sw: '6E00' } },
    ],
  }),
  steps({
    id: 'ssse.cla.proprietary-on-iso-command',
    title: 'READ RECORD with the proprietary class 80 is not the ISO command: 6E00 or 6D00',
    refs: [REF.isoCla, REF.ld5Sw],
    steps: [
      { send: SELECT_SSSE, expect: OK },
      { send: '80B2012C00', expect: { sw: ['6E00', '6D00'] } },
    ],
  }),
  steps({
    id: 'ssse.ins.not-supported',
    title: 'instructions the card does not implement answer 6D00 (INS 50, E4 DELETE FILE, B1)',
    refs: [REF.isoIns, REF.ld5Sw],
    steps: [
      { send: SELECT_SSSE, expect: OK },
      { send: '00500000', expect: { sw: '6D00' } },
      { send: '00E40000', expect: { sw: '6D00' } },
      { send: '00B1000000', expect: { sw: '6D00' } },
    ],
  }),
  flow({
    id: 'ssse.t0.get-response',
    title: 'T=0: a command with data and an answer gets 61xx; GET RESPONSE (00 C0) delivers the FCI',
    refs: [REF.ld5GetResponse, REF.iso3T0],
    needs: { protocol: 'T=0' },
    run: async (t) => {
      const r = await t.sendRaw(SELECT_SSSE, { sw: '61xx' }, 'SELECT SSSE (raw)');
      await t.sendRaw(`00C00000${hexOf(r.sw & 0xff, 1)}`, { sw: '9000', check: ssseFci }, 'GET RESPONSE');
    },
  }),
  flow({
    id: 'ssse.t0.wrong-le',
    title: 'T=0: READ RECORD with a wrong Le answers 6Cxx, xx the record length',
    refs: [REF.ld5ReadRecord, REF.iso3T0, REF.dom('1.3')],
    needs: { protocol: 'T=0' },
    run: async (t) => {
      await t.send(SELECT_SSSE, OK);
      const r = await t.sendRaw('00B2012C05', { sw: '6Cxx' }, 'READ RECORD EF05 record 1, Le 05 (raw)');
      const le = r.sw & 0xff;
      await t.sendRaw(`00B2012C${hexOf(le, 1)}`, { sw: '9000', length: le }, `READ RECORD EF05 record 1, Le ${hexOf(le, 1)} (raw)`);
    },
  }),
];

/** The INIT data of the medical debit (DOMAIN.md §1.4): key index ‖ amounts ‖ terminal id. */
function initData(keyIndex: number, account: number, terminalId = '000000000000'): string {
  return toHex(encodeInit({ keyIndex, account, selfPay: 0, fund: 0, terminalId: Uint8Array.from(Buffer.from(terminalId, 'hex')) }));
}

const debitCases: ConformanceCase[] = [
  steps({
    id: 'ssse.debit.needs-pin',
    title: 'GET BALANCE (B0 26) of the medical account without the PIN answers 6982',
    refs: [REF.ld5Debit, REF.dom('1.3')],
    steps: [
      { send: SELECT_DF04, expect: OK },
      { send: 'B026000004', expect: { sw: '6982' } },
    ],
  }),
  steps({
    id: 'ssse.debit.balance',
    title: 'after VERIFY, GET BALANCE answers the 4-byte balance',
    refs: [REF.ld5Debit, REF.dom('1.3')],
    steps: [
      { send: SELECT_DF04, expect: OK },
      verifyStep('ssse'),
      { send: 'B026000004', expect: { sw: '9000', length: 4 } },
    ],
  }),
  flow({
    id: 'ssse.debit.init-answer',
    title: 'INIT (B0 28 01 01) answers balance ‖ accumulators ‖ year ‖ sequence ‖ key version ‖ algorithm ‖ random',
    refs: [REF.ld5Debit, REF.dom('1.4')],
    run: async (t) => {
      await t.send(SELECT_DF04, OK);
      await t.verifyPin('ssse');
      const balance = (await t.send('B026000004', { sw: '9000', length: 4 })).data;
      const r = await t.send(apdu('B0280101', initData(1, 1)), { sw: '9000', length: 22 }, 'INIT');
      const init = decodeInitResponse(r.data);
      t.check(toHex(r.data.subarray(0, 4)) === toHex(balance), `INIT balance ${toHex(r.data.subarray(0, 4))} differs from GET BALANCE ${toHex(balance)}`);
      t.check(bcd(r.data.subarray(12, 14)) !== undefined, `year ${toHex(r.data.subarray(12, 14))} is not BCD`);
      t.check([0x01, 0x03].includes(init.algorithm), `algorithm ${hexOf(init.algorithm, 1)} is neither 01 (DES/3DES) nor 03 (SM4)`);
      t.check(init.sequence >= 1, `sequence ${init.sequence}: the next debit's number starts at 1`);
    },
  }),
  steps({
    id: 'ssse.debit.init-unknown-key',
    title: 'INIT with a key index the card does not have answers 9403',
    refs: [REF.ld5Debit, REF.dom('1.3')],
    steps: [
      { send: SELECT_DF04, expect: OK },
      verifyStep('ssse'),
      { send: apdu('B0280101', initData(7, 1)), label: 'INIT key index 07', expect: { sw: '9403' } },
    ],
  }),
  flow({
    id: 'ssse.debit.init-insufficient',
    title: 'INIT for more than the balance answers 9401 (insufficient funds)',
    refs: [REF.ld5Debit, REF.dom('1.3')],
    run: async (t) => {
      await t.send(SELECT_DF04, OK);
      await t.verifyPin('ssse');
      const balance = (await t.send('B026000004', { sw: '9000', length: 4 })).data;
      const n = ((balance[0]! << 24) | (balance[1]! << 16) | (balance[2]! << 8) | balance[3]!) >>> 0;
      t.check(n < 0xffffffff, 'the balance is at its maximum');
      await t.send(apdu('B0280101', initData(1, n + 1)), { sw: '9401' }, 'INIT for balance + 1');
    },
  }),
  steps({
    id: 'ssse.debit.init-wrong-length',
    title: `INIT with ${INIT_DATA_LENGTH - 1} bytes instead of ${INIT_DATA_LENGTH} answers 6700`,
    refs: [REF.ld5Debit, REF.ld5Sw],
    steps: [
      { send: SELECT_DF04, expect: OK },
      verifyStep('ssse'),
      { send: apdu('B0280101', initData(1, 1).slice(0, -2)), label: 'INIT (18 bytes)', expect: { sw: '6700' } },
    ],
  }),
  steps({
    id: 'ssse.debit.debit-without-init',
    title: 'DEBIT (B0 2C) without a preceding INIT answers 6901',
    refs: [REF.ld5Debit, REF.dom('1.3')],
    steps: [
      { send: SELECT_DF04, expect: OK },
      verifyStep('ssse'),
      { send: 'B02C01000F000000012026120110000000000000', label: 'DEBIT', expect: { sw: '6901' } },
    ],
  }),
  steps({
    id: 'ssse.debit.get-proof-unknown',
    title: 'GET PROOF (B0 2E) for a sequence no debit used answers 9406',
    refs: [REF.ld5Debit, REF.dom('1.3')],
    steps: [
      { send: SELECT_DF04, expect: OK },
      verifyStep('ssse'),
      { send: 'B02E000002FFFF', label: 'GET PROOF FFFF', expect: { sw: '9406' } },
    ],
  }),
];

const contactlessCases: ConformanceCase[] = [
  steps({
    id: 'ssse.contactless.basic-info',
    title: 'over the contactless interface the SSSE application and EF05 answer (card number)',
    refs: [REF.dom('1.5'), REF.t3Record],
    needs: { interface: 'contactless' },
    steps: [
      { send: SELECT_SSSE, expect: { sw: '9000', check: ssseFci } },
      { send: '00B2072C0B', label: 'READ RECORD EF05 record 7', expect: { sw: '9000', check: item(0x07, (v) => cardNumberProblem(anText(v))) } },
    ],
  }),
  steps({
    id: 'ssse.contactless.partial',
    title: 'over the contactless interface the medical-insurance DF04 is not reachable (partial data without a PSAM)',
    refs: [REF.dom('1.5'), 'docs/ssse.md [R] (contactless files)'],
    needs: { interface: 'contactless' },
    steps: [{ send: SELECT_DF04, expect: { sw: '6A82' } }],
  }),
];

/** Every case of the suite, in run order. */
export const SSSE_CASES: readonly ConformanceCase[] = [...selectCases, ...recordCases, ...accessCases, ...pinCases, ...commandCases, ...debitCases, ...contactlessCases];
