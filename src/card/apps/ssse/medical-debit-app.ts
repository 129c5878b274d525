/**
 * The offline medical debit as a card-OS `Application` attached to DF04 (`DfImage.application` =
 * "ssse-medical"): adapts the runtime's context to `MedicalDebitPort` (medical-debit.ts has the logic).
 * The DF04 files are changed in the draft image: EF08/EF15 are cyclic (record 1 the most recent), EF06
 * tags 92/93 accumulate the offline amount and count.
 */
import { fromHex, toHex } from '../../../apdu/bytes.js';
import type { CommandApdu } from '../../../apdu/command-apdu.js';
import type { ResponseApdu } from '../../../apdu/response-apdu.js';
import type { Application, EfImage } from '../../runtime/types.js';
import type { CardContext } from '../../runtime/context.js';
import { decodeItemRecord, encodeItemRecord, itemByKey } from '../../../spec/ssse/data-items.js';
import { MEDICAL_APP_ID, SSSE_PIN_ID } from './files.js';
import { MEDICAL_CLA, processMedicalDebit, type MedicalDebitPort, type MedicalState } from './medical-debit.js';

/** Index of the EF with this FID in the application's DF (-1 when absent). */
function efIndex(ctx: CardContext, fid: number): number {
  return ctx.currentDf.children.findIndex((c) => c.kind === 'ef' && c.fid === fid);
}

function ef(ctx: CardContext, fid: number): EfImage | undefined {
  const i = efIndex(ctx, fid);
  return i < 0 ? undefined : (ctx.currentDf.children[i] as EfImage);
}

/** The mutable EF with this FID in the application's DF (undefined when absent). */
function editEf(ctx: CardContext, fid: number): EfImage | undefined {
  const i = efIndex(ctx, fid);
  return i < 0 ? undefined : ctx.editNode<EfImage>([...ctx.currentDfPath, i]);
}

function appendCyclic(file: EfImage | undefined, record: Uint8Array): void {
  if (!file) return;
  const records = [toHex(record), ...(file.records ?? [])];
  file.records = records.slice(0, file.maxRecords ?? records.length);
}

/** Reads an item of DF04 EF06 (undefined when absent). */
function ef06Item(file: EfImage | undefined, key: string): string | undefined {
  const tag = itemByKey(key).tag;
  for (const r of file?.records ?? []) {
    const d = decodeItemRecord('DF04/EF06', fromHex(r));
    if (d && d.item.tag === tag) return d.value;
  }
  return undefined;
}

/** Sets an item of DF04 EF06 (a mutable EF: its record list is replaced). */
function setEf06Item(file: EfImage | undefined, key: string, value: string): void {
  if (!file?.records) return;
  const item = itemByKey(key);
  const tagHex = item.tag.toString(16).toUpperCase().padStart(2, '0');
  const i = file.records.findIndex((r) => r.toUpperCase().startsWith(tagHex));
  const rec = toHex(encodeItemRecord(item, value));
  file.records = i >= 0 ? file.records.map((r, j) => (j === i ? rec : r)) : [...file.records, rec];
}

function portOf(ctx: CardContext): MedicalDebitPort {
  const session = ctx.session as { medical?: ReturnType<MedicalDebitPort['getSession']> };
  return {
    pinVerified: () => ctx.isPinVerified(SSSE_PIN_ID),
    key: (usage, reference) => ctx.currentDf.keys?.find((k) => k.usage === usage && k.reference === reference),
    loadState: () => ({ ...ctx.appState<MedicalState>(MEDICAL_APP_ID) }),
    saveState: (s) => ctx.setAppState(MEDICAL_APP_ID, s),
    offlineAllowed: () => ef06Item(ef(ctx, 0xef06), 'offlineAllowed') === '1',
    writeDebit: (ef08Record, ef15Record, amount) => {
      appendCyclic(editEf(ctx, 0xef08), ef08Record);
      appendCyclic(editEf(ctx, 0xef15), ef15Record);
      const ef06 = editEf(ctx, 0xef06);
      const total = Number(ef06Item(ef06, 'offlineAmount') || '0') + amount;
      const count = Number(ef06Item(ef06, 'offlineCount') || '0') + 1;
      setEf06Item(ef06, 'offlineAmount', String(Math.min(total, 99_999_999)).padStart(8, '0'));
      setEf06Item(ef06, 'offlineCount', String(Math.min(count, 9999)).padStart(4, '0'));
    },
    random: (n) => ctx.random(n),
    now: () => ctx.clock.now(),
    getSession: () => session.medical,
    setSession: (s) => {
      session.medical = s;
    },
  };
}

/** DF04's offline medical debit (B0 28 / 2C / 26 / 2E). */
export const medicalDebitApplication: Application = {
  id: MEDICAL_APP_ID,
  classes: [MEDICAL_CLA],
  process(cmd: CommandApdu, ctx: CardContext): ResponseApdu | undefined {
    return processMedicalDebit(cmd, portOf(ctx));
  },
  deselect(ctx: CardContext): void {
    const session = ctx.session as { medical?: unknown };
    if (session) delete session.medical;
  },
};
