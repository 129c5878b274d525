/**
 * Reading the data-item files (LD/T 32.5 READ RECORD; 《社会保障卡文件结构和数据项》; DOMAIN.md §1.2, §1.3).
 *
 * Real cards answer different READ RECORD forms, so the kernel tries them in order and remembers the
 * one that works (docs/ssse-reader.md "Real cards vary"):
 *
 * 1. `00 B2 <tag> <SFI‖000> 00` — the first record whose identifier (the SSSE tag) is P1, file by SFI;
 * 2. `00 B2 <record> <SFI‖100> 00` — by record number (the item's number in the data-item table), when
 *    the card refuses the identifier form (6A86 / 6B00);
 * 3. `00 A4 02 00 02 <FID>` then `00 B2 <tag> 00 00` — select the EF and read by identifier in the
 *    current EF with P2=00, as in the real trace of DOMAIN.md §1.4, when the card knows no SFI (6A82).
 *
 * Every record is decoded strictly: one `tag len value` record, the item's tag, a value no longer than
 * the item (exactly its length for `b` items), `an` valid GBK, `cn` decimal digits.
 */
import { CommandApdu } from '../../../../apdu/command-apdu.js';
import { SW } from '../../../../apdu/status-words.js';
import { TlvError } from '../../../../apdu/tlv/ber-tlv.js';
import { decodeSsseField, parseSsseRecord } from '../../../../apdu/tlv/ssse-record.js';
import { itemsOf, type DataItem, type ItemFile } from '../../../../spec/ssse/data-items.js';
import { ITEM_FILE_LOCATIONS, READ_RECORD_MODE, recordP2, type FileLocation } from '../../../../spec/ssse/files.js';
import { send, type KernelContext, type ReadForm } from '../context.js';
import { badResponse, isInterruption, unexpectedSw, type CardFault } from '../outcomes.js';
import { selectEfCommand } from './select.js';

/** One data item as read. */
export interface ItemValue {
  item: DataItem;
  /** The value without padding: text for `an`, digits for `cn`, hex for `b`. */
  value: string;
  raw: Uint8Array;
}

export type FileReadOutcome =
  | { outcome: 'read'; file: ItemFile; items: Partial<Record<string, ItemValue>> }
  /** The file is not on the card or not reachable on this interface (6A82). */
  | { outcome: 'absent'; file: ItemFile; sw: number }
  /** The file is protected and its condition is not met (6982). */
  | { outcome: 'denied'; file: ItemFile; sw: number }
  | CardFault;

/** Forms to fall back to, in order, when the card refuses one (6A86/6B00: this P1/P2 form is not supported). */
const NEXT_FORM: Readonly<Record<ReadForm, ReadForm | undefined>> = {
  'sfi-identifier': 'sfi-number',
  'sfi-number': 'select-identifier',
  'select-identifier': undefined,
};

const FORM_REFUSED = new Set<number>([SW.INCORRECT_P1P2, SW.WRONG_P1P2]);

function readCommand(form: ReadForm, item: DataItem, loc: FileLocation): CommandApdu {
  switch (form) {
    case 'sfi-identifier':
      return CommandApdu.of({ cla: 0x00, ins: 0xb2, p1: item.tag, p2: recordP2(loc.sfi, READ_RECORD_MODE.firstWithIdentifier), ne: 256 });
    case 'sfi-number':
      return CommandApdu.of({ cla: 0x00, ins: 0xb2, p1: item.record, p2: recordP2(loc.sfi, READ_RECORD_MODE.byNumber), ne: 256 });
    case 'select-identifier':
      return CommandApdu.of({ cla: 0x00, ins: 0xb2, p1: item.tag, p2: recordP2(0, READ_RECORD_MODE.firstWithIdentifier), ne: 256 });
  }
}

/**
 * Reads the items of a data-item file (all of them, or the keys given) in the current DF. The caller
 * selects the DF that holds the file (the SSSE DDF1, or DF04).
 */
export async function readItemFile(ctx: KernelContext, file: ItemFile, keys?: readonly string[]): Promise<FileReadOutcome> {
  const loc = ITEM_FILE_LOCATIONS[file];
  const wanted = itemsOf(file).filter((i) => !keys || keys.includes(i.key));
  const items: Partial<Record<string, ItemValue>> = {};
  // the form for this file: the session's, or select-identifier once the card said it has no such SFI
  let form: ReadForm = ctx.learned.readForm;
  let selected = false;
  for (const item of wanted) {
    const step = `READ RECORD ${file} tag ${item.tag.toString(16).toUpperCase().padStart(2, '0')}`;
    for (;;) {
      if (form === 'select-identifier' && !selected) {
        const sel = selectEfCommand(loc.fid);
        const s = await send(ctx, `SELECT ${file}`, sel);
        if (isInterruption(s)) return s;
        if (s.sw === SW.FILE_NOT_FOUND) return { outcome: 'absent', file, sw: s.sw };
        if (s.sw !== SW.OK) return unexpectedSw(`SELECT ${file}`, sel.encode(), s.sw);
        selected = true;
      }
      const cmd = readCommand(form, item, loc);
      const r = await send(ctx, step, cmd);
      if (isInterruption(r)) return r;
      if (r.sw === SW.OK) {
        const decoded = decodeItem(item, r.data);
        if (typeof decoded === 'string') return badResponse(step, cmd.encode(), decoded, r.sw);
        items[item.key] = decoded;
        break;
      }
      if (r.sw === SW.RECORD_NOT_FOUND) break; // the item is not on this card
      if (r.sw === SW.SECURITY_STATUS_NOT_SATISFIED) return { outcome: 'denied', file, sw: r.sw };
      if (r.sw === SW.FILE_NOT_FOUND && form !== 'select-identifier') {
        // no EF with this SFI: the card may still have the file by FID (selected, then P2=00)
        form = 'select-identifier';
        continue;
      }
      const next = NEXT_FORM[form];
      if (FORM_REFUSED.has(r.sw) && next) {
        form = next;
        if (next !== 'select-identifier') ctx.learned.readForm = next;
        continue;
      }
      return unexpectedSw(step, cmd.encode(), r.sw);
    }
  }
  return { outcome: 'read', file, items };
}

/** Strict decoding of one data-item record; a string says what is wrong. */
export function decodeItem(item: DataItem, data: Uint8Array): ItemValue | string {
  let record;
  try {
    record = parseSsseRecord(data);
  } catch (err) {
    if (err instanceof TlvError) return `bad record: ${err.message}`;
    throw err;
  }
  const tagHex = (t: number) => t.toString(16).toUpperCase().padStart(2, '0');
  if (record.tag !== item.tag) return `the record has tag ${tagHex(record.tag)}, expected ${tagHex(item.tag)} (${item.zh})`;
  const raw = record.value;
  if (item.type === 'b' ? raw.length !== item.length : raw.length > item.length) {
    return `${item.zh} (${tagHex(item.tag)}) is ${raw.length} bytes, ${item.type === 'b' ? 'expected' : 'at most'} ${item.length}`;
  }
  let value: string;
  try {
    value = decodeSsseField(item.type, raw);
  } catch (err) {
    if (err instanceof RangeError) return `${item.zh} (${tagHex(item.tag)}): ${err.message}`;
    throw err;
  }
  if (item.type === 'cn' && !/^\d*$/.test(value)) return `${item.zh} (${tagHex(item.tag)}) is not cn digits: ${value}`;
  if (item.type === 'an' && /[\u0000-\u001f\u007f]/.test(value)) return `${item.zh} (${tagHex(item.tag)}) holds control characters`;
  return { item, value, raw };
}
