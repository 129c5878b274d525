/**
 * Application selection (EMV 4.3 Book 1 §12; JR/T 0025.6 §11 for PBOC; JR/T 0025.12 §6.3 for the PPSE):
 *
 * 1. the candidate list from the payment system directory — PSE `1PAY.SYS.DDF01` read record by record
 *    (contact, §12.3.2), or the PPSE `2PAY.SYS.DDF01` FCI (contactless);
 * 2. when the PSE is absent or gives no candidate (contact only), the terminal's list of AIDs, each
 *    selected in turn, with partial matching and "next occurrence" (§12.3.3);
 * 3. the candidates ordered by their priority indicator 87 (§12.4), those needing a confirmation the
 *    terminal cannot give left out;
 * 4. final selection: SELECT of the first candidate; a blocked application (6283) or any other refusal
 *    removes it and the next one is tried (§12.4). No candidate left ends the transaction.
 *
 * A card that answers 6A81 to SELECT (card blocked or command not supported) ends the transaction (§12.3.2
 * step 1, §12.3.3).
 */
import { fromHex, toHex } from '../../../apdu/bytes.js';
import { CommandApdu } from '../../../apdu/command-apdu.js';
import { findPath, type Tlv } from '../../../apdu/tlv/ber-tlv.js';
import { PPSE_NAME, PSE_NAME } from '../../../spec/pboc.js';
import type { TerminalConfig } from '../../config/terminal-config.js';
import { CardAnswerError, KernelStop, parseCardTlv, swHex } from '../card-channel.js';
import type { KernelContext } from '../context.js';
import { reason } from '../outcome.js';

type TerminalAid = TerminalConfig['aids'][number];

/** A mutually supported application (EMV Book 1 §12.3). */
export interface Candidate {
  /** The card's DF name (ADF name from the directory or the FCI). */
  aid: Uint8Array;
  label?: string;
  /** Priority 1 (highest) .. 15; undefined: no priority. */
  priority?: number;
  confirmationRequired: boolean;
  terminalAid: TerminalAid;
  /** How the candidate was found. */
  source: 'PSE' | 'PPSE' | 'AID list';
}

/** The application chosen by final selection, with its FCI. */
export interface SelectedApplication extends Candidate {
  fci: Tlv[];
  /** PDOL 9F38 (empty when the card has none). */
  pdol: Uint8Array;
}

const SW_OK = 0x9000;
const SW_BLOCKED = 0x6283;
const SW_CARD_BLOCKED = 0x6a81;
const SW_RECORD_NOT_FOUND = 0x6a83;
/** Most directory records / next-occurrence selections the terminal follows (loops are bounded). */
const MAX_ENTRIES = 32;

/** SELECT by DF name, first (P2 00) or next (P2 02) occurrence (ISO/IEC 7816-4 §11.1.1; Book 1 §11.3). */
export function selectCommand(name: Uint8Array, next = false): CommandApdu {
  return CommandApdu.of({ cla: 0x00, ins: 0xa4, p1: 0x04, p2: next ? 0x02 : 0x00, data: name, ne: 256 });
}

/** The terminal AID a card DF name matches (exact, or a longer name when partial matching is allowed). */
export function matchTerminalAid(config: TerminalConfig, aid: Uint8Array): TerminalAid | undefined {
  const hex = toHex(aid);
  return config.aids.find((t) => hex === t.aid || (t.partialMatch && hex.length > t.aid.length && hex.startsWith(t.aid)));
}

function text(node: Tlv | undefined): string | undefined {
  if (!node) return undefined;
  return Array.from(node.value, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '?')).join('');
}

/** Reads a directory entry 61 { 4F, 50, 9F12, 87 } into a candidate (undefined when not supported). */
function candidateOf(entry: Tlv, config: TerminalConfig, source: Candidate['source']): Candidate | undefined {
  const children = entry.children ?? [];
  const aid = children.find((c) => c.tag === '4F')?.value;
  if (!aid || aid.length < 5 || aid.length > 16) return undefined;
  const terminalAid = matchTerminalAid(config, aid);
  if (!terminalAid) return undefined;
  return priorityFields({ aid, source, terminalAid, confirmationRequired: false, ...labelOf(children) }, children);
}

function labelOf(children: Tlv[]): { label?: string } {
  const label = text(children.find((c) => c.tag === '9F12')) ?? text(children.find((c) => c.tag === '50'));
  return label === undefined ? {} : { label };
}

/** Application priority indicator 87: b8 confirmation required, b4-b1 priority (0 = none). */
function priorityFields(candidate: Candidate, children: Tlv[]): Candidate {
  const api = children.find((c) => c.tag === '87')?.value;
  if (!api || api.length !== 1) return candidate;
  const priority = api[0]! & 0x0f;
  return { ...candidate, confirmationRequired: (api[0]! & 0x80) !== 0, ...(priority ? { priority } : {}) };
}

/** Orders by priority (1 first, none last; the directory's order otherwise) and drops what cannot be confirmed (§12.4). */
export function orderCandidates(candidates: Candidate[], config: TerminalConfig): Candidate[] {
  return candidates
    .filter((c) => config.cardholderConfirmation || !c.confirmationRequired)
    .map((c, i) => ({ c, i }))
    .sort((a, b) => (a.c.priority ?? 16) - (b.c.priority ?? 16) || a.i - b.i)
    .map(({ c }) => c);
}

function cardBlocked(where: string): KernelStop {
  return new KernelStop('TERMINATED', reason('CARD_BLOCKED', `${where}: SELECT answered 6A81`));
}

/**
 * Candidate list from the PSE (Book 1 §12.3.2). Returns undefined when the PSE cannot be used (absent,
 * no SFI, a directory record that is not valid): the caller then uses the list of AIDs.
 */
export async function candidatesFromPse(ctx: KernelContext): Promise<Candidate[] | undefined> {
  const step = 'application selection (PSE)';
  const r = await ctx.channel.exchange(step, selectCommand(fromHex(PSE_NAME)));
  if (r.sw === SW_CARD_BLOCKED) throw cardBlocked('PSE');
  if (r.sw !== SW_OK) {
    ctx.note(`PSE not usable (SELECT ${swHex(r.sw)}): list of AIDs`);
    return undefined;
  }
  const fci = tryTlv(r.data);
  const sfi = fci && findPath(fci, '6F', 'A5', '88')?.value;
  if (!sfi || sfi.length !== 1 || sfi[0]! < 1 || sfi[0]! > 10) {
    ctx.note('PSE FCI without a valid directory SFI (88): list of AIDs');
    return undefined;
  }
  const candidates: Candidate[] = [];
  for (let record = 1; record <= MAX_ENTRIES; record++) {
    const rr = await ctx.channel.exchange(step, CommandApdu.of({ cla: 0x00, ins: 0xb2, p1: record, p2: (sfi[0]! << 3) | 0x04, ne: 256 }));
    if (rr.sw === SW_RECORD_NOT_FOUND) break;
    if (rr.sw !== SW_OK) {
      ctx.note(`PSE directory record ${record}: ${swHex(rr.sw)}: list of AIDs`);
      return undefined;
    }
    const nodes = tryTlv(rr.data);
    if (!nodes || nodes.length !== 1 || nodes[0]!.tag !== '70') {
      ctx.note(`PSE directory record ${record} is not a 70 template: list of AIDs`);
      return undefined;
    }
    for (const entry of nodes[0]!.children ?? []) {
      if (entry.tag !== '61') continue; // DDF entries (9D) and others are not followed
      const candidate = candidateOf(entry, ctx.config, 'PSE');
      if (candidate) candidates.push(candidate);
    }
  }
  return candidates;
}

/** Candidate list from the PPSE FCI (JR/T 0025.12 §6.3; EMV Book B §3.3). */
export async function candidatesFromPpse(ctx: KernelContext): Promise<Candidate[]> {
  const step = 'application selection (PPSE)';
  const r = await ctx.channel.exchange(step, selectCommand(fromHex(PPSE_NAME)));
  if (r.sw === SW_CARD_BLOCKED) throw cardBlocked('PPSE');
  if (r.sw !== SW_OK) {
    throw new KernelStop('TRY_ANOTHER_INTERFACE', reason('CONTACTLESS_NOT_SUPPORTED', `SELECT PPSE answered ${swHex(r.sw)}`));
  }
  const fci = parseCardTlv(r.data, 'PPSE FCI', { expect: '6F' });
  const directory = findPath(fci, '6F', 'A5', 'BF0C');
  if (!directory) throw new KernelStop('TRY_ANOTHER_INTERFACE', reason('CONTACTLESS_NOT_SUPPORTED', 'PPSE FCI without a directory (BF0C)'));
  return (directory.children ?? []).filter((e) => e.tag === '61').flatMap((e) => candidateOf(e, ctx.config, 'PPSE') ?? []);
}

/** Candidate list by the terminal's list of AIDs (Book 1 §12.3.3). */
export async function candidatesFromAidList(ctx: KernelContext): Promise<Candidate[]> {
  const step = 'application selection (list of AIDs)';
  const out: Candidate[] = [];
  for (const terminalAid of ctx.config.aids) {
    let next = false;
    for (let n = 0; n < MAX_ENTRIES; n++) {
      const r = await ctx.channel.exchange(step, selectCommand(fromHex(terminalAid.aid), next));
      if (r.sw === SW_CARD_BLOCKED && !next) throw cardBlocked(`SELECT ${terminalAid.aid}`);
      if (r.sw !== SW_OK && r.sw !== SW_BLOCKED) break;
      const fci = tryTlv(r.data);
      const name = fci && findPath(fci, '6F', '84')?.value;
      if (!name) break;
      const hex = toHex(name);
      const matches = hex === terminalAid.aid || (terminalAid.partialMatch && hex.startsWith(terminalAid.aid));
      if (r.sw === SW_BLOCKED) ctx.note(`application ${hex} is blocked (6283): not a candidate`);
      else if (matches) {
        const proprietary = findPath(fci, '6F', 'A5')?.children ?? [];
        out.push(priorityFields({ aid: name, source: 'AID list', terminalAid, confirmationRequired: false, ...labelOf(proprietary) }, proprietary));
      }
      if (!terminalAid.partialMatch || hex === terminalAid.aid) break;
      next = true;
    }
  }
  return out;
}

function tryTlv(bytes: Uint8Array): Tlv[] | undefined {
  try {
    return parseCardTlv(bytes, 'SELECT');
  } catch (err) {
    // a directory that does not decode makes the PSE unusable (Book 1 §12.3.2); the caller says so
    if (err instanceof CardAnswerError) return undefined;
    throw err;
  }
}

/** The application candidates of a run, consumed by final selection (and again after a GPO 6985). */
export class CandidateList {
  #blocked = 0;
  constructor(readonly remaining: Candidate[]) {}

  /**
   * Final selection (Book 1 §12.4): selects the first remaining candidate; a refusal removes it and the
   * next is tried. Ends the transaction (`KernelStop`) when none is left.
   */
  async selectNext(ctx: KernelContext): Promise<SelectedApplication> {
    const step = 'final selection';
    while (this.remaining.length > 0) {
      const candidate = this.remaining.shift()!;
      const r = await ctx.channel.exchange(step, selectCommand(candidate.aid));
      if (r.sw === SW_BLOCKED) {
        this.#blocked++;
        ctx.note(`application ${toHex(candidate.aid)} is blocked (6283)`);
        continue;
      }
      if (r.sw === SW_CARD_BLOCKED) throw cardBlocked(`SELECT ${toHex(candidate.aid)}`);
      if (r.sw !== SW_OK) {
        ctx.note(`application ${toHex(candidate.aid)} refused selection (${swHex(r.sw)})`);
        continue;
      }
      const fci = parseCardTlv(r.data, `FCI of ${toHex(candidate.aid)}`, { expect: '6F' });
      const name = findPath(fci, '6F', '84')?.value;
      if (!name || toHex(name) !== toHex(candidate.aid)) {
        ctx.note(`application ${toHex(candidate.aid)}: the FCI names ${name ? toHex(name) : 'no DF'}`);
        continue;
      }
      const proprietary = findPath(fci, '6F', 'A5');
      if (!proprietary) {
        ctx.note(`application ${toHex(candidate.aid)}: FCI without proprietary template A5`);
        continue;
      }
      const pdol = findPath(fci, '6F', 'A5', '9F38')?.value ?? new Uint8Array(0);
      ctx.data.addCardNodes(fci, 'FCI', 'answer');
      ctx.data.setTerminal('9F06', fromHex(candidate.terminalAid.aid));
      ctx.data.setTerminal('9F09', fromHex(candidate.terminalAid.applicationVersion));
      const fromFci = labelOf(proprietary.children ?? []);
      return { ...candidate, ...fromFci, fci, pdol };
    }
    throw this.#blocked > 0
      ? new KernelStop('TERMINATED', reason('APPLICATION_BLOCKED', 'every matching application is blocked'))
      : new KernelStop('TERMINATED', reason('NO_APPLICATION'));
  }
}

/**
 * Builds the candidate list of the contact interface: PSE first, the list of AIDs when the PSE is
 * absent, fails or yields nothing (Book 1 §12.3).
 */
export async function buildContactCandidates(ctx: KernelContext): Promise<CandidateList> {
  const fromPse = await candidatesFromPse(ctx);
  const found = fromPse && fromPse.length > 0 ? fromPse : await candidatesFromAidList(ctx);
  return new CandidateList(orderCandidates(found, ctx.config));
}

/** Builds the candidate list of the contactless interface (PPSE only; JR/T 0025.12 §6.3). */
export async function buildContactlessCandidates(ctx: KernelContext): Promise<CandidateList> {
  return new CandidateList(orderCandidates(await candidatesFromPpse(ctx), ctx.config));
}
