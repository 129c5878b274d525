/**
 * Reads a card image the way `sscard card show` presents it: the cardholder data decoded with the one
 * data-item table, the applications and their states, PIN and key try counters. Pure: never changes the
 * image, never shows key values or the PKI private key.
 */
import { fromHex } from '../../apdu/bytes.js';
import type { CardImage, DfImage, EfImage } from '../runtime/types.js';
import { decodeItemRecord, type ItemFile } from '../../spec/ssse/data-items.js';
import { decodeTransactionRecord } from '../../spec/ssse/medical-debit.js';
import { MEDICAL_APP_ID } from '../apps/ssse/files.js';
import type { MedicalState } from '../apps/ssse/medical-debit.js';
import { SIGN_CERT_FID, type PkiState } from '../apps/pki/pki-app.js';
import { PKI_ADF_FID, PKI_DF_FID } from './pki.js';

export interface ItemView {
  file: ItemFile;
  tag: string;
  key: string;
  en: string;
  zh: string;
  value: string;
}

export interface CardSummary {
  profile: string;
  protocol: string;
  atr: { contact: string; contactless: string };
  lifeCycle: string;
  items: ItemView[];
  applications: Array<{ path: string; aid?: string; label?: string; lifeCycle: string; interfaces: string }>;
  pins: Array<{ path: string; id: string; reference: string; triesLeft: number; maxTries: number; blocked: boolean }>;
  keys: Array<{ path: string; id: string; reference: string; usage: string; algorithm: string; version: number; triesLeft?: number }>;
  medical?: MedicalState & { transactions: Array<{ sequence: number; terminalId: string; time: string; account: number; selfPay: number; fund: number }> };
  pki?: { publicKey: string; signatures: number; certificateBytes: number };
  otherApps: string[];
}

const hex2 = (n: number, w = 2) => n.toString(16).toUpperCase().padStart(w, '0');

function fidName(node: DfImage | EfImage): string {
  if (node.kind === 'df' && node.fid === 0x3f00) return 'MF';
  return node.fid === undefined ? ((node.kind === 'df' ? node.aid : undefined) ?? '?') : hex2(node.fid, 4);
}

type Iface = 'contact' | 'contactless';
const BOTH: Iface[] = ['contact', 'contactless'];

/** Path of the signing certificate below the MF (PKI DF / ADF / EF 0018). */
export const PKI_CERT_PATH = [PKI_DF_FID, PKI_ADF_FID, SIGN_CERT_FID].map((f) => hex2(f, 4)).join('/');

/**
 * Walks the tree, depth first, with the path of each node (`MF/DF04/EF08`) and the interfaces through
 * which it can be reached (its own, intersected with its ancestors').
 */
export function* walk(df: DfImage, path = fidName(df), inherited: Iface[] = BOTH): Generator<{ node: DfImage | EfImage; path: string; interfaces: Iface[] }> {
  const own = inherited.filter((i) => (df.interfaces ?? BOTH).includes(i));
  yield { node: df, path, interfaces: own };
  for (const child of df.children) {
    const p = `${path}/${fidName(child)}`;
    if (child.kind === 'df') yield* walk(child, p, own);
    else yield { node: child, path: p, interfaces: own.filter((i) => (child.interfaces ?? BOTH).includes(i)) };
  }
}

/** Finds a node by path below the MF, e.g. `EF05`, `DF04/EF08`. */
export function findNode(image: CardImage, path: string): DfImage | EfImage | undefined {
  const want = `MF/${path}`.toUpperCase();
  for (const { node, path: p } of walk(image.mf)) if (p.toUpperCase() === want) return node;
  return undefined;
}

/** The decoded summary of a card image. */
export function inspectCard(image: CardImage): CardSummary {
  const items: ItemView[] = [];
  for (const file of ['EF05', 'EF06', 'EF0D', 'DF04/EF05', 'DF04/EF06'] as ItemFile[]) {
    const ef = findNode(image, file);
    if (!ef || ef.kind !== 'ef') continue;
    for (const rec of ef.records ?? []) {
      const d = decodeItemRecord(file, fromHex(rec));
      if (d) items.push({ file, tag: hex2(d.item.tag), key: d.item.key, en: d.item.en, zh: d.item.zh, value: d.value });
    }
  }
  const applications: CardSummary['applications'] = [];
  const pins: CardSummary['pins'] = [];
  const keys: CardSummary['keys'] = [];
  for (const { node, path, interfaces } of walk(image.mf)) {
    if (node.kind !== 'df') continue;
    applications.push({
      path,
      ...(node.aid ? { aid: node.aid } : {}),
      ...(node.label ? { label: node.label } : {}),
      lifeCycle: node.lifeCycle ?? 'active',
      interfaces: interfaces.join('+') || 'none',
    });
    for (const p of node.pins ?? []) {
      pins.push({ path, id: p.id, reference: hex2(p.reference), triesLeft: p.triesLeft, maxTries: p.maxTries, blocked: p.triesLeft === 0 });
    }
    for (const k of node.keys ?? []) {
      keys.push({ path, id: k.id, reference: hex2(k.reference), usage: k.usage, algorithm: k.algorithm, version: k.version, ...(k.triesLeft !== undefined ? { triesLeft: k.triesLeft } : {}) });
    }
  }
  const summary: CardSummary = {
    profile: image.profile,
    protocol: image.protocol,
    atr: image.atr,
    lifeCycle: image.cardLifeCycle,
    items,
    applications,
    pins,
    keys,
    otherApps: Object.keys(image.apps).filter((k) => k !== MEDICAL_APP_ID && k !== 'pki'),
  };
  const medical = image.apps[MEDICAL_APP_ID] as MedicalState | undefined;
  if (medical) {
    const ef08 = findNode(image, 'DF04/EF08');
    const transactions = (ef08?.kind === 'ef' ? (ef08.records ?? []) : []).map((r) => {
      const t = decodeTransactionRecord(fromHex(r));
      const h = (b: Uint8Array) => Array.from(b, (x) => hex2(x)).join('');
      return { sequence: t.sequence, terminalId: h(t.terminalId), time: h(t.time), account: t.account, selfPay: t.selfPay, fund: t.fund };
    });
    summary.medical = { ...medical, transactions };
  }
  const pki = image.apps.pki as PkiState | undefined;
  if (pki) {
    const cert = findNode(image, PKI_CERT_PATH);
    summary.pki = { publicKey: pki.publicKey, signatures: pki.signatures, certificateBytes: cert?.kind === 'ef' ? (cert.data?.length ?? 0) / 2 : 0 };
  }
  return summary;
}
