/**
 * Decodes command/response pairs as a person reads a trace: the command's name (command-names.ts) and
 * what its parameters say, its data and the response data as fields (fields.ts) — BER-TLV trees with
 * EMV/PBOC tag names, SSSE records with the data items' names (src/spec/ssse/data-items.ts), the fixed
 * layouts of the medical debit and the PSAM — and the status word with its meaning.
 *
 * A trace is a conversation: which file a READ RECORD reads and how GPO / GENERATE AC data splits depend
 * on earlier exchanges (the selected application and DF, the PDOL and CDOLs the card gave). An
 * {@link ExchangeDecoder} keeps that context; feed it the exchanges of ONE card in order.
 */
import { toHex } from '../../apdu/bytes.js';
import { ApduFormatError, CommandApdu } from '../../apdu/command-apdu.js';
import { lookupSw, swHex } from '../../apdu/status-word-table.js';
import { decodeTlv, findTag, TlvError } from '../../apdu/tlv/ber-tlv.js';
import { parseDol, type DolEntry } from '../../apdu/tlv/dol.js';
import { parseSsseRecord } from '../../apdu/tlv/ssse-record.js';
import { decodeItemRecord, type ItemFile } from '../../spec/ssse/data-items.js';
import { SSSE_DFS } from '../../spec/ssse/identifiers.js';
import { decodePsamKeySelector } from '../../spec/ssse/psam.js';
import { commandLabel, commandName, type CommandName } from './command-names.js';
import { aidInfo, amount4, bcdDateTime, dolFields, fixedParts, nameFcp, tlvFields, uint, type AidInfo, type Field, type PartSpec } from './fields.js';
import { tagLabel } from './tag-names.js';

export interface DecodedCommand {
  hex: string;
  cla: number;
  ins: number;
  p1: number;
  p2: number;
  /** Lc (data length) and Ne (expected length), when the APDU is well formed. */
  nc?: number;
  ne?: number;
  dataHex: string;
  name?: CommandName;
  /** The name, or `CLA xx INS yy` for an unknown command. */
  label: string;
  /** What the parameters say: "record 1 of SFI 5 (EF05)". */
  summary?: string;
  fields: Field[];
  /** Set for bytes that are not a valid command APDU (ISO/IEC 7816-3 §12.1). */
  error?: string;
}

export interface DecodedResponse {
  hex: string;
  dataHex: string;
  sw: number;
  swHex: string;
  en: string;
  zh?: string;
  /** Whether the status word is in the table (src/apdu/status-word-table.ts). */
  known: boolean;
  fields: Field[];
  /** Why the data could not be decoded the expected way (e.g. "not BER-TLV: … at offset 3"). */
  note?: string;
}

export interface DecodedExchange {
  command: DecodedCommand;
  /** Absent when the exchange failed (no response). */
  response?: DecodedResponse;
}

/** Decodes a status word: its hex, meaning and whether it is known. */
export function decodeSw(sw: number): Pick<DecodedResponse, 'sw' | 'swHex' | 'en' | 'zh' | 'known'> {
  const m = lookupSw(sw);
  return { sw, swHex: swHex(sw), en: m?.en ?? 'unknown status word', ...(m ? { zh: m.zh } : { zh: '未知状态字' }), known: m !== undefined };
}

/** What the decoder remembers between exchanges of one card. */
interface Context {
  app?: AidInfo['app'] | 'mf';
  /** SSSE DF: SSSE, DF01 … DF07. */
  df?: string;
  /** FID of the EF selected last (READ RECORD with SFI 0 reads it). */
  ef?: number;
  dols: Map<string, DolEntry[]>;
  generateAcCount: number;
  /** SFI and format of the PBOC transaction log (9F4D, 9F4F). */
  logSfi?: number;
  /**
   * The command whose answer was 61xx (T=0, ISO/IEC 7816-3 §12.2.2): the data GET RESPONSE fetches is
   * its response, decoded as such.
   */
  chained?: CommandApdu;
}

interface Handler {
  command?(cmd: CommandApdu, ctx: Context): { summary?: string; fields?: Field[] };
  response?(cmd: CommandApdu, data: Uint8Array, ctx: Context): Field[];
  /** Updates the context after a successful exchange. */
  after?(cmd: CommandApdu, data: Uint8Array, ctx: Context): void;
}

const hex2 = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');

function successful(sw: number): boolean {
  return sw === 0x9000 || sw >> 8 === 0x61 || sw >> 8 === 0x62;
}

/** BER-TLV if the data is BER-TLV, else undefined (with the reason). */
function tryTlv(data: Uint8Array, padding = false): { fields?: Field[]; note?: string } {
  try {
    return { fields: tlvFields(data, { padding }) };
  } catch (err) {
    if (err instanceof TlvError) return { note: `not BER-TLV: ${err.message}` };
    throw err;
  }
}

function tlvOrRaw(what: string): Handler['response'] {
  return (_cmd, data) => {
    const r = tryTlv(data);
    if (r.fields) return r.fields;
    throw new DecodeNote(`${what}: ${r.note}`);
  };
}

/** A decoding that did not work as the command says it should; the response is shown raw with the note. */
class DecodeNote extends Error {
  override name = 'DecodeNote';
}

/** SSSE file names of DOMAIN.md §1.2 (the SSSE DF and DF04). */
const SSSE_FILES: Readonly<Record<string, string>> = {
  'SSSE/EF05': 'EF05 发卡机构数据 issuer data',
  'SSSE/EF06': 'EF06 持卡人基本信息 cardholder data',
  'SSSE/EF07': 'EF07 指纹 fingerprint',
  'SSSE/EF08': 'EF08 照片 photo',
  'MF/EF0D': 'EF0D 人员识别信息',
  'SSSE/EF0D': 'EF0D 人员识别信息',
  'DF04/EF05': 'DF04 EF05 医疗保险信息 medical insurance',
  'DF04/EF06': 'DF04 EF06 脱网结算信息 offline settlement',
  'DF04/EF08': 'DF04 EF08 交易记录 transactions',
  'DF04/EF15': 'DF04 EF15 结算记录 settlements',
};

function ssseFileKey(ctx: Context, sfi: number): string | undefined {
  if (ctx.app !== 'ssse' && ctx.app !== 'mf') return undefined;
  const ef = sfi === 0 ? ctx.ef : 0xef00 | sfi;
  if (ef === undefined) return undefined;
  const name = `EF${hex2(ef & 0xff)}`;
  const where = ctx.app === 'mf' ? 'MF' : (ctx.df ?? 'SSSE');
  return `${where}/${name}`;
}

const FID_NAMES: Readonly<Record<number, string>> = { 0x3f00: 'MF' };

function selectCommand(cmd: CommandApdu, ctx: Context): { summary: string; fields?: Field[] } {
  const data = cmd.data;
  const occurrence = (cmd.p2 & 0x03) === 0x02 ? ', next occurrence' : '';
  if (cmd.p1 === 0x04) {
    const info = aidInfo(toHex(data));
    return { summary: `by DF name ${toHex(data)}${info ? ` "${info.label}"` : ''}${occurrence}` };
  }
  if (data.length === 2) {
    const fid = (data[0]! << 8) | data[1]!;
    const df = ctx.app === 'psam' ? undefined : fidLabel(fid);
    const how = cmd.p1 === 0x02 ? 'EF under the current DF' : cmd.p1 === 0x01 ? 'DF under the current DF' : cmd.p1 === 0x03 ? 'parent DF' : 'by file identifier';
    return { summary: `${how} ${toHex(data)}${df ? ` (${df})` : ''}` };
  }
  return { summary: cmd.p1 === 0x00 && data.length === 0 ? 'the MF' : `P1 ${hex2(cmd.p1)}, ${data.length} bytes` };
}

function fidLabel(fid: number): string | undefined {
  return FID_NAMES[fid] ?? SSSE_DFS.find((d) => d.fid === fid)?.label;
}

function selectAfter(cmd: CommandApdu, _data: Uint8Array, ctx: Context): void {
  if (cmd.p1 === 0x04) {
    const info = aidInfo(toHex(cmd.data));
    ctx.app = info?.app;
    ctx.df = info?.df;
    ctx.ef = undefined;
    ctx.dols.clear();
    ctx.generateAcCount = 0;
    ctx.logSfi = undefined;
    return;
  }
  if (cmd.data.length !== 2) return;
  const fid = (cmd.data[0]! << 8) | cmd.data[1]!;
  if (fid === 0x3f00) {
    ctx.app = 'mf';
    ctx.df = undefined;
    ctx.ef = undefined;
  } else if ((fid & 0xff00) === 0xdf00) {
    if (ctx.app !== 'psam') {
      ctx.app = 'ssse';
      ctx.df = `DF${hex2(fid & 0xff)}`;
    }
    ctx.ef = undefined;
  } else ctx.ef = fid;
}

/** Remembers the DOLs and the log entry the card announces (EMV Book 3 §5.4, JR/T 0025.5 log). */
function rememberDols(data: Uint8Array, ctx: Context): void {
  let nodes;
  try {
    nodes = decodeTlv(data, { padding: true });
  } catch (err) {
    if (err instanceof TlvError) return;
    throw err;
  }
  for (const [tag, name] of [['9F38', 'PDOL'], ['8C', 'CDOL1'], ['8D', 'CDOL2'], ['9F49', 'DDOL'], ['9F4F', 'LOG']] as const) {
    const node = findTag(nodes, tag);
    if (!node) continue;
    try {
      ctx.dols.set(name, parseDol(node.value));
    } catch (err) {
      if (!(err instanceof TlvError)) throw err;
    }
  }
  const log = findTag(nodes, '9F4D');
  if (log && log.value.length === 2) ctx.logSfi = log.value[0];
}

function recordMode(p2: number): string {
  return ({ 0: 'first record with tag', 1: 'last record', 2: 'next record', 3: 'previous record', 4: 'record' } as Record<number, string>)[p2 & 0x07] ?? `mode ${p2 & 0x07}`;
}

function readRecordCommand(cmd: CommandApdu, ctx: Context): { summary: string } {
  const sfi = cmd.p2 >> 3;
  const mode = cmd.p2 & 0x07;
  const file = ssseFileKey(ctx, sfi);
  const where = sfi === 0 ? 'the current EF' : `SFI ${hex2(sfi)}`;
  const fileName = file && SSSE_FILES[file] ? ` (${SSSE_FILES[file]})` : '';
  const what = mode === 4 ? `record ${cmd.p1}` : mode === 0 ? `first record with tag ${hex2(cmd.p1)}` : `${recordMode(cmd.p2)}`;
  return { summary: `${what} of ${where}${fileName}` };
}

/** A record of an SSSE record file: a data item (`tag len value`), a DF04 transaction or settlement record. */
function readRecordResponse(cmd: CommandApdu, data: Uint8Array, ctx: Context): Field[] {
  const sfi = cmd.p2 >> 3;
  const file = ssseFileKey(ctx, sfi);
  if (ctx.app === 'pboc' || ctx.app === 'directory' || ctx.app === undefined) {
    if (ctx.app === 'pboc' && ctx.logSfi !== undefined && sfi === ctx.logSfi && ctx.dols.get('LOG')) {
      const log = dolFields(ctx.dols.get('LOG')!, data);
      if (log) return log;
    }
    const r = tryTlv(data, true);
    if (r.fields) return r.fields;
    if (ctx.app !== undefined) throw new DecodeNote(`record: ${r.note}`);
  }
  if (file === 'DF04/EF08') {
    const parts = fixedParts(data, TRANSACTION_RECORD);
    if (parts) return parts;
  }
  if (file === 'DF04/EF15') {
    const parts = fixedParts(data, SETTLEMENT_RECORD);
    if (parts) return parts;
  }
  return ssseRecordFields(data, file);
}

const ITEM_FILES: Readonly<Record<string, ItemFile>> = {
  'SSSE/EF05': 'EF05',
  'SSSE/EF06': 'EF06',
  'MF/EF0D': 'EF0D',
  // the MF's EF0D, read by SFI while the SSSE DF is selected (as the SSSE reader kernel does)
  'SSSE/EF0D': 'EF0D',
  'DF04/EF05': 'DF04/EF05',
  'DF04/EF06': 'DF04/EF06',
};

function ssseRecordFields(data: Uint8Array, file: string | undefined): Field[] {
  let record;
  try {
    record = parseSsseRecord(data);
  } catch (err) {
    if (err instanceof TlvError) throw new DecodeNote(`not an SSSE record (tag len value): ${err.message}`);
    throw err;
  }
  const itemFile = file ? ITEM_FILES[file] : undefined;
  const decoded = itemFile ? decodeItemRecord(itemFile, data) : undefined;
  const base = { offset: 0, length: data.length, hex: toHex(data), value: toHex(record.value) };
  if (decoded) {
    // `b` items are shown as their hex; text and digits as what they read
    const text = decoded.item.type === 'b' ? undefined : decoded.value === '' ? '(empty)' : decoded.item.type === 'an' ? JSON.stringify(decoded.value) : decoded.value;
    return [{ key: decoded.item.key, label: `${hex2(decoded.item.tag)} ${decoded.item.en}`, zh: decoded.item.zh, ...base, ...(text !== undefined ? { text } : {}) }];
  }
  return [{ key: `record-${hex2(record.tag)}`, label: `SSSE record, tag ${hex2(record.tag)}`, ...base }];
}

const TRANSACTION_RECORD: readonly PartSpec[] = [
  ['sequence', 'transaction sequence', '交易序号', 2, uint],
  ['type', 'transaction type', '交易类型', 1],
  ['terminalId', 'terminal number', '终端机编号', 6],
  ['time', 'transaction time', '交易时间', 7, bcdDateTime],
  ['account', 'personal account amount', '个人账户金额', 4, amount4],
  ['selfPay', 'self-pay', '个人自付', 4, amount4],
  ['fund', 'pooled fund', '统筹基金', 4, amount4],
];
const SETTLEMENT_RECORD: readonly PartSpec[] = [
  ['sequence', 'transaction sequence', '交易序号', 2, uint],
  ['category', 'settlement category', '结算类别', 1],
];

function readBinaryCommand(cmd: CommandApdu): { summary: string } {
  const le = cmd.ne ? `, ${cmd.ne} bytes` : '';
  if (cmd.p1 & 0x80) return { summary: `SFI ${hex2(cmd.p1 & 0x1f)} (EF${hex2(cmd.p1 & 0x1f)}) from offset ${cmd.p2}${le}` };
  return { summary: `current EF from offset ${(cmd.p1 << 8) | cmd.p2}${le}` };
}

function getDataCommand(cmd: CommandApdu): { summary: string } {
  const tag = `${hex2(cmd.p1)}${hex2(cmd.p2)}`.replace(/^00/, '');
  const { en, zh } = tagLabel(tag);
  return { summary: `${tag} ${en}${zh ? ` ${zh}` : ''}` };
}

function gpoCommand(cmd: CommandApdu, ctx: Context): { summary: string; fields?: Field[] } {
  const data = cmd.data;
  if (data.length >= 2 && data[0] === 0x83 && data[1] === data.length - 2) {
    const pdol = ctx.dols.get('PDOL');
    const split = pdol ? dolFields(pdol, data.subarray(2), 2) : undefined;
    const { en, zh } = tagLabel('83');
    const field: Field = { key: '83', label: en, ...(zh ? { zh } : {}), offset: 0, length: data.length, hex: toHex(data), value: toHex(data.subarray(2)), ...(split ? { children: split } : {}) };
    return { summary: `PDOL data, ${data.length - 2} bytes${pdol && !split ? ' (does not fit the PDOL)' : ''}`, fields: [field] };
  }
  return { summary: `${data.length} bytes (no command template 83)` };
}

const AC_TYPES: Readonly<Record<number, string>> = { 0x00: 'AAC', 0x40: 'TC', 0x80: 'ARQC' };

function generateAcCommand(cmd: CommandApdu, ctx: Context): { summary: string; fields?: Field[] } {
  const type = AC_TYPES[cmd.p1 & 0xc0] ?? 'RFU';
  const cda = cmd.p1 & 0x10 ? ', CDA requested' : '';
  const which = ctx.generateAcCount === 0 ? 'CDOL1' : 'CDOL2';
  const dol = ctx.dols.get(which);
  const fields = dol ? dolFields(dol, cmd.data) : undefined;
  return { summary: `${type} requested${cda}; ${which} data, ${cmd.data.length} bytes`, ...(fields ? { fields } : {}) };
}

/** GENERATE AC / INTERNAL AUTHENTICATE response format 1 (EMV Book 3 §6.5.5.4): 80 { CID ATC AC IAD }. */
function cryptogramResponse(_cmd: CommandApdu, data: Uint8Array): Field[] {
  const r = tryTlv(data);
  if (!r.fields) throw new DecodeNote(r.note!);
  const f80 = r.fields.length === 1 && r.fields[0]!.key === '80' ? r.fields[0]! : undefined;
  if (f80 && f80.length - 2 >= 11 && !f80.children) {
    const value = data.subarray(data.length - (f80.length - 2));
    const parts = fixedParts(
      value,
      [
        ['9F27', tagLabel('9F27').en, tagLabel('9F27').zh, 1, (b) => AC_TYPES[b[0]! & 0xc0] ?? 'RFU'],
        ['9F36', tagLabel('9F36').en, tagLabel('9F36').zh, 2, uint],
        ['9F26', tagLabel('9F26').en, tagLabel('9F26').zh, 8],
        ['9F10', tagLabel('9F10').en, tagLabel('9F10').zh, -1],
      ],
      data.length - value.length,
    );
    if (parts) f80.children = parts;
  }
  return r.fields;
}

function verifyCommand(cmd: CommandApdu): { summary: string } {
  return { summary: `PIN reference ${hex2(cmd.p2)}, ${cmd.data.length} bytes of PIN data` };
}

function internalAuthCommand(cmd: CommandApdu, ctx: Context): { summary: string; fields?: Field[] } {
  if (ctx.app === 'pboc') {
    const ddol = ctx.dols.get('DDOL');
    const fields = ddol ? dolFields(ddol, cmd.data) : undefined;
    return { summary: `DDOL data, ${cmd.data.length} bytes`, ...(fields ? { fields } : {}) };
  }
  const fields = fixedParts(cmd.data, [
    ['factor', 'diversification factor / random', '分散因子', 8],
    ['original', 'original data', '原始数据', 8],
    ['keyVersion', 'key version', '密钥版本', -1],
  ]);
  return { summary: `${cmd.data.length} bytes`, ...(fields ? { fields } : {}) };
}

function externalAuthCommand(cmd: CommandApdu, ctx: Context): { summary: string; fields?: Field[] } {
  if (ctx.app === 'pboc') {
    const fields = fixedParts(cmd.data, [
      ['ARPC', 'ARPC', '授权响应密文', 8],
      ['8A', tagLabel('8A').en, tagLabel('8A').zh, -1],
    ]);
    return { summary: 'issuer authentication', ...(fields ? { fields } : {}) };
  }
  const fields = fixedParts(cmd.data, [
    ['authData', 'authentication data', '认证数据', 8],
    ['original', 'original data (the challenge)', '原始数据', 8],
    ['keyVersion', 'key version', '密钥版本', -1],
  ]);
  return { summary: `key ${hex2(cmd.p2)}`, ...(fields ? { fields } : {}) };
}

function deliverKeyCommand(cmd: CommandApdu): { summary: string; fields?: Field[] } {
  const ref = decodePsamKeySelector(cmd.p2);
  const fields = fixedParts(cmd.data, [
    ['cardDiv', 'card diversification data (ATR historical bytes)', '卡片分散因子', 8],
    ['cityDiv', 'city diversification data', '城市分散因子', 8, (b) => JSON.stringify(String.fromCharCode(...b))],
    ['block', cmd.p1 === 0x49 ? 'session factor block' : 'IV block', undefined, -1],
  ]);
  return { summary: `master key ${ref ? `${ref.kind} of ${ref.df}` : `selector ${hex2(cmd.p2)} (unknown)`}`, ...(fields ? { fields } : {}) };
}

function mac1Command(cmd: CommandApdu): { summary: string; fields?: Field[] } {
  const fields = fixedParts(cmd.data, [
    ['random', 'card random', '卡片随机数', 4],
    ['sequence', 'card offline sequence', '脱机交易序号', 2, uint],
    ['account', 'personal account amount', '个人账户金额', 4, amount4],
    ['selfPay', 'self-pay', '个人自付', 4, amount4],
    ['fund', 'pooled fund', '统筹基金', 4, amount4],
    ['type', 'transaction type', '交易类型', 1],
    ['time', 'transaction time', '交易时间', 7, bcdDateTime],
    ['keyVersion', 'key version', '密钥版本', 1],
    ['algorithm', 'algorithm', '算法标识', 1],
    ['cardDiv', 'card diversification data', '卡片分散因子', 8],
    ['cityDiv', 'city diversification data', '城市分散因子', 8],
  ]);
  return { summary: 'medical debit MAC1', ...(fields ? { fields } : {}) };
}

const MAC1_RESPONSE: readonly PartSpec[] = [
  ['terminalSequence', 'terminal transaction sequence', '终端交易序号', 4, uint],
  ['mac1', 'MAC1', undefined, 4],
];

const INIT_COMMAND: readonly PartSpec[] = [
  ['keyIndex', 'key index', '密钥索引', 1],
  ['account', 'personal account amount', '个人账户金额', 4, amount4],
  ['selfPay', 'self-pay', '个人自付', 4, amount4],
  ['fund', 'pooled fund', '统筹基金', 4, amount4],
  ['terminalId', 'terminal number', '终端机编号', 6],
];
const INIT_RESPONSE: readonly PartSpec[] = [
  ['balance', 'balance', '余额', 4, amount4],
  ['selfPayAccumulated', 'self-pay accumulated', '个人自付累计', 4, amount4],
  ['fundAccumulated', 'pooled fund accumulated', '统筹基金累计', 4, amount4],
  ['year', 'accumulation year', '累计年度', 2],
  ['sequence', 'offline sequence', '脱机交易序号', 2, uint],
  ['keyVersion', 'key version', '密钥版本', 1],
  ['algorithm', 'algorithm', '算法标识', 1],
  ['random', 'card random', '卡片随机数', 4],
];
const DEBIT_COMMAND: readonly PartSpec[] = [
  ['terminalSequence', 'terminal transaction sequence', '终端交易序号', 4, uint],
  ['time', 'transaction time', '交易时间', 7, bcdDateTime],
  ['mac1', 'MAC1', undefined, 4],
];
const TAC_MAC2: readonly PartSpec[] = [
  ['tac', 'TAC', '交易验证码', 4],
  ['mac2', 'MAC2', undefined, 4],
];

const parts =
  (spec: readonly PartSpec[], summary?: (cmd: CommandApdu) => string): NonNullable<Handler['command']> =>
  (cmd) => {
    const fields = fixedParts(cmd.data, spec);
    return { ...(summary ? { summary: summary(cmd) } : {}), ...(fields ? { fields } : {}) };
  };

const responseParts =
  (spec: readonly PartSpec[]): NonNullable<Handler['response']> =>
  (_cmd, data) => {
    const fields = fixedParts(data, spec);
    if (!fields) throw new DecodeNote(`${data.length} bytes, not the expected layout`);
    return fields;
  };

/** Commands whose data ends in a 4-byte MAC (secure messaging, LD/T 32.4; EMV Book 2 §9.2 for scripts). */
const macTail =
  (what: string): NonNullable<Handler['command']> =>
  (cmd) => {
    const n = cmd.data.length;
    if (n === 0) return {};
    const spec: PartSpec[] = n > 4 ? [['value', what, undefined, n - 4], ['mac', 'MAC', undefined, 4]] : [['mac', 'MAC', undefined, n]];
    const fields = fixedParts(cmd.data, spec);
    return { summary: `${n} bytes`, ...(fields ? { fields } : {}) };
  };

const one = (key: string, label: string, zh?: string): NonNullable<Handler['response']> => (_cmd, data) => [
  { key, label, ...(zh ? { zh } : {}), offset: 0, length: data.length, hex: toHex(data) },
];

/** How each named command is decoded, by its name in command-names.ts. */
const HANDLERS: Readonly<Record<string, Handler>> = {
  SELECT: {
    command: selectCommand,
    response: (_cmd, data) => {
      const r = tryTlv(data);
      if (r.fields) return nameFcp(r.fields);
      throw new DecodeNote(`FCI ${r.note}`);
    },
    after: (cmd, data, ctx) => {
      selectAfter(cmd, data, ctx);
      rememberDols(data, ctx);
    },
  },
  'READ RECORD': { command: readRecordCommand, response: readRecordResponse, after: (_c, data, ctx) => (ctx.app === 'pboc' ? rememberDols(data, ctx) : undefined) },
  // CLA 04: the data ends in a secure-messaging MAC (LD/T 32.4; EMV Book 2 §9.2 for issuer scripts)
  'UPDATE RECORD': { command: (cmd, ctx) => ({ ...(cmd.cla & 0x04 ? macTail('record')(cmd, ctx) : {}), summary: readRecordCommand(cmd, ctx).summary }) },
  'APPEND RECORD': { command: (cmd) => ({ summary: `SFI ${hex2(cmd.p2 >> 3)}, ${cmd.data.length} bytes` }) },
  'READ BINARY': { command: readBinaryCommand },
  'UPDATE BINARY': { command: readBinaryCommand },
  'GET CHALLENGE': { command: (cmd) => ({ summary: `${cmd.ne} bytes` }), response: one('challenge', 'challenge', '随机数') },
  VERIFY: { command: verifyCommand },
  'INTERNAL AUTHENTICATE': {
    command: internalAuthCommand,
    // PBOC (EMV Book 3 §6.5.9): 80 { SDAD } or 77 { 9F4B … }; SSSE (LD/T 32.5): 8 bytes of authentication data
    response: (cmd, data, ctx) => (ctx.app === 'pboc' ? tlvOrRaw('INTERNAL AUTHENTICATE')!(cmd, data, ctx) : one('authData', 'authentication data', '认证数据')(cmd, data, ctx)),
  },
  'EXTERNAL AUTHENTICATE': { command: externalAuthCommand },
  'GET RESPONSE': { command: (cmd) => ({ summary: `${cmd.ne} bytes` }) },
  'GET DATA': { command: getDataCommand, response: tlvOrRaw('GET DATA') },
  'PUT DATA': { command: macTail('new value') },
  'GET PROCESSING OPTIONS': { command: gpoCommand, response: tlvOrRaw('GPO response'), after: (_c, data, ctx) => rememberDols(data, ctx) },
  'GENERATE AC': {
    command: generateAcCommand,
    response: cryptogramResponse,
    after: (_c, _d, ctx) => {
      ctx.generateAcCount++;
    },
  },
  'CHANGE PIN': { command: (cmd) => ({ summary: `old PIN ‖ FF ‖ new PIN, ${cmd.data.length} bytes` }) },
  'RELOAD PIN': { command: (cmd) => ({ summary: `${cmd.data.length} bytes` }) },
  'PIN CHANGE/UNBLOCK': { command: macTail(`PIN data`) },
  'APPLICATION BLOCK': { command: macTail('data') },
  'APPLICATION UNBLOCK': { command: macTail('data') },
  'CARD BLOCK': { command: macTail('data') },
  'INITIALIZE MEDICAL DEBIT': { command: parts(INIT_COMMAND, (c) => `key index ${hex2(c.data[0] ?? 0)}`), response: responseParts(INIT_RESPONSE) },
  'MEDICAL DEBIT': { command: parts(DEBIT_COMMAND), response: responseParts(TAC_MAC2) },
  'GET BALANCE': { response: responseParts([['balance', 'balance', '余额', 4, amount4]]) },
  'GET TRANSACTION PROOF': { command: parts([['sequence', 'offline sequence', '脱机交易序号', 2, uint]]), response: responseParts(TAC_MAC2) },
  'DELIVER KEY': { command: deliverKeyCommand },
  'DELIVER SESSION KEY': { command: deliverKeyCommand },
  'CIPHER DATA': { command: (cmd) => ({ summary: `${cmd.data.length} bytes to encipher` }), response: one('cipher', 'enciphered data', '密文') },
  MAC: { command: (cmd) => ({ summary: `MAC over ${cmd.data.length} bytes` }), response: one('mac', 'MAC') },
  MAC1: { command: mac1Command, response: responseParts(MAC1_RESPONSE) },
  'VERIFY MAC2': { command: parts([['mac2', 'MAC2', undefined, 4]]) },
  'VERIFY TAC': { command: parts([['tac', 'TAC', '交易验证码', 4]]) },
  'PSO: COMPUTE DIGITAL SIGNATURE': {
    command: (cmd) => ({ summary: `sign ${cmd.data.length} bytes (SM2 with SM3)` }),
    response: responseParts([
      ['r', 'signature r', undefined, 32],
      ['s', 'signature s', undefined, 32],
    ]),
  },
  'GET PUBLIC KEY': {
    response: responseParts([
      ['format', 'point format (04 uncompressed)', undefined, 1],
      ['x', 'public key x', undefined, 32],
      ['y', 'public key y', undefined, 32],
    ]),
  },
};

/** Decodes the exchanges of one card in order, keeping the context a trace reader keeps in mind. */
export class ExchangeDecoder {
  #ctx: Context = { dols: new Map(), generateAcCount: 0 };

  /** Forgets the session (a reset or a new connection: nothing is selected any more). */
  reset(): void {
    this.#ctx = { dols: new Map(), generateAcCount: 0 };
  }

  /** Decodes one exchange and updates the context. `response` is absent for a failed exchange. */
  decode(command: Uint8Array, response?: Uint8Array): DecodedExchange {
    const decodedCommand = this.#decodeCommand(command);
    if (!response) return { command: decodedCommand.decoded };
    return { command: decodedCommand.decoded, response: this.#decodeResponse(decodedCommand.apdu, decodedCommand.decoded, response) };
  }

  #decodeCommand(bytes: Uint8Array): { decoded: DecodedCommand; apdu?: CommandApdu } {
    const header = { hex: toHex(bytes), cla: bytes[0] ?? 0, ins: bytes[1] ?? 0, p1: bytes[2] ?? 0, p2: bytes[3] ?? 0 };
    let apdu: CommandApdu;
    try {
      apdu = CommandApdu.parse(bytes);
    } catch (err) {
      if (!(err instanceof ApduFormatError)) throw err;
      const name = bytes.length >= 4 ? commandName(header.cla, header.ins, header.p1) : undefined;
      return {
        decoded: {
          ...header,
          dataHex: '',
          ...(name ? { name } : {}),
          label: bytes.length >= 4 ? commandLabel(header.cla, header.ins, header.p1) : 'malformed command',
          fields: [],
          error: err.message,
        },
      };
    }
    const name = commandName(apdu.cla, apdu.ins, apdu.p1);
    const handler = name ? HANDLERS[name.name] : undefined;
    const described = handler?.command?.(apdu, this.#ctx) ?? {};
    return {
      apdu,
      decoded: {
        ...header,
        nc: apdu.nc,
        ne: apdu.ne,
        dataHex: toHex(apdu.data),
        ...(name ? { name } : {}),
        label: commandLabel(apdu.cla, apdu.ins, apdu.p1),
        ...(described.summary ? { summary: described.summary } : {}),
        fields: described.fields ?? [],
      },
    };
  }

  #decodeResponse(apdu: CommandApdu | undefined, command: DecodedCommand, bytes: Uint8Array): DecodedResponse {
    if (bytes.length < 2) {
      return { hex: toHex(bytes), dataHex: toHex(bytes), sw: -1, swHex: '', en: 'no status word (fewer than 2 bytes)', known: false, fields: [], note: 'a response has at least SW1 SW2' };
    }
    const sw = (bytes[bytes.length - 2]! << 8) | bytes[bytes.length - 1]!;
    const data = bytes.subarray(0, bytes.length - 2);
    const base: DecodedResponse = { hex: toHex(bytes), dataHex: toHex(data), ...decodeSw(sw), fields: [] };
    // GET RESPONSE fetches the answer of the command that got 61xx: decode it as that command's answer
    const isGetResponse = command.name?.name === 'GET RESPONSE';
    const answering = isGetResponse && this.#ctx.chained ? this.#ctx.chained : apdu;
    const answeringName = answering ? commandName(answering.cla, answering.ins, answering.p1) : undefined;
    const handler = answeringName ? HANDLERS[answeringName.name] : undefined;
    if (answering && data.length > 0) {
      const decode = handler?.response ?? unknownResponse;
      try {
        base.fields = decode(answering, data, this.#ctx);
      } catch (err) {
        if (!(err instanceof DecodeNote)) throw err;
        base.note = err.message;
      }
    }
    if (answering && successful(sw)) handler?.after?.(answering, data, this.#ctx);
    if (sw >> 8 === 0x61) this.#ctx.chained = answering;
    else this.#ctx.chained = undefined;
    return base;
  }
}

/** A command the table does not know: TLV when it decodes as TLV with known tags only, else raw. */
function unknownResponse(_cmd: CommandApdu, data: Uint8Array): Field[] {
  const r = tryTlv(data);
  const allKnown = (fs: Field[]): boolean => fs.every((f) => !f.label.startsWith('tag ') && (!f.children || allKnown(f.children)));
  return r.fields && allKnown(r.fields) ? r.fields : [];
}
