/**
 * Application selection (LD/T 32.3 application selection; LD/T 32.5 SELECT; DOMAIN.md §1.1): the SSSE
 * DDF1 by its DF name `sx1.sh.社会保障`, its FCI `6F { 84 DF-name, A5 { 88 SFI, 9F0C { 86 alg } } }`, the
 * algorithm indicator (01 DES/3DES, 02 SSF33, 03 SM4); the fallback `00A4020002EF05` of readers whose
 * cards answer 6A82; the sub-application DF04 by its AID.
 */
import { bytesEqual, fromHex } from '../../../../apdu/bytes.js';
import { CommandApdu } from '../../../../apdu/command-apdu.js';
import { SW } from '../../../../apdu/status-words.js';
import { decodeTlv, findPath, TlvError } from '../../../../apdu/tlv/ber-tlv.js';
import { SSSE_AID, SSSE_DFS } from '../../../../spec/ssse/identifiers.js';
import { ITEM_FILE_LOCATIONS } from '../../../../spec/ssse/files.js';
import { send, type KernelContext, type LearnedFacts } from '../context.js';
import { badResponse, isInterruption, unexpectedSw, type CardFault } from '../outcomes.js';

/** The algorithm indicator of the FCI (DOMAIN.md §1.1 [C]). */
const ALGORITHMS: Readonly<Record<number, NonNullable<LearnedFacts['algorithm']>>> = { 0x01: 'DES/3DES', 0x02: 'SSF33', 0x03: 'SM4' };

export type SelectSsseOutcome =
  | { outcome: 'selected'; fci: Uint8Array; algorithm?: LearnedFacts['algorithm']; via: 'df-name' | 'ef05' }
  /** 6283 (the application is blocked), 6A81 (the card is blocked: every command refused), 9303 (locked for good). */
  | { outcome: 'blocked'; scope: 'application' | 'card'; sw: number }
  | { outcome: 'not-ssse'; sw?: number; detail: string }
  | CardFault;

/** Status words of SELECT that say the card or the application is blocked ([R] 6A81: docs/ssse-reader.md). */
const BLOCKED: Readonly<Record<number, 'application' | 'card'>> = {
  [SW.SELECTED_FILE_INVALIDATED]: 'application',
  [SW.APPLICATION_LOCKED]: 'application',
  [SW.FUNCTION_NOT_SUPPORTED]: 'card',
};

/**
 * Selects the SSSE application and reads its FCI (LD/T 32.3; DOMAIN.md §1.1). On 6A82 tries the
 * readers' fallback SELECT EF05; whether the card is an SSSE card is then decided by EF05's card
 * identifier (card-check.ts).
 */
export async function selectSsse(ctx: KernelContext): Promise<SelectSsseOutcome> {
  const step = 'SELECT SSSE';
  const cmd = CommandApdu.of({ cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: fromHex(SSSE_AID), ne: 256 });
  const r = await send(ctx, step, cmd);
  if (isInterruption(r)) return r;
  const blocked = BLOCKED[r.sw];
  if (blocked) return { outcome: 'blocked', scope: blocked, sw: r.sw };
  if (r.sw === SW.FILE_NOT_FOUND) return selectEf05Fallback(ctx, r.sw);
  if (r.sw !== SW.OK) return { outcome: 'not-ssse', sw: r.sw, detail: 'the card does not answer SELECT of the SSSE application' };
  const fci = parseFci(step, cmd, r.data);
  if ('outcome' in fci) return fci;
  ctx.learned.algorithm = fci.algorithm;
  ctx.learned.inSsse = true;
  return { outcome: 'selected', fci: r.data, ...(fci.algorithm ? { algorithm: fci.algorithm } : {}), via: 'df-name' };
}

async function selectEf05Fallback(ctx: KernelContext, firstSw: number): Promise<SelectSsseOutcome> {
  const step = 'SELECT EF05 (fallback)';
  const r = await send(ctx, step, selectEfCommand(ITEM_FILE_LOCATIONS.EF05.fid));
  if (isInterruption(r)) return r;
  if (r.sw !== SW.OK) return { outcome: 'not-ssse', sw: firstSw, detail: 'the card has no SSSE application (SELECT answered 6A82, and there is no EF05)' };
  ctx.learned.inSsse = true;
  return { outcome: 'selected', fci: new Uint8Array(0), via: 'ef05' };
}

/** The FCI of the SSSE DDF1: 6F { 84 = the SSSE DF name, A5 { … 9F0C { 86 01 alg } } }, strictly. */
function parseFci(step: string, cmd: CommandApdu, fci: Uint8Array): { algorithm?: LearnedFacts['algorithm'] } | CardFault {
  const bad = (detail: string) => badResponse(step, cmd.encode(), `FCI: ${detail}`, SW.OK);
  if (fci.length === 0) return {};
  let nodes;
  try {
    nodes = decodeTlv(fci);
  } catch (err) {
    if (err instanceof TlvError) return bad(err.message);
    throw err;
  }
  if (nodes.length !== 1 || nodes[0]!.tag !== '6F') return bad('not one 6F template');
  const name = findPath(nodes, '6F', '84');
  if (!name || !bytesEqual(name.value, fromHex(SSSE_AID))) return bad('the DF name (84) is not the SSSE application');
  const discretionary = findPath(nodes, '6F', 'A5', '9F0C');
  if (!discretionary) return {};
  let inner;
  try {
    inner = decodeTlv(discretionary.value);
  } catch (err) {
    if (err instanceof TlvError) return bad(`9F0C: ${err.message}`);
    throw err;
  }
  const indicator = inner.find((n) => n.tag === '86');
  if (!indicator) return {};
  if (indicator.value.length !== 1) return bad('the algorithm indicator (86) is not one byte');
  const algorithm = ALGORITHMS[indicator.value[0]!];
  if (!algorithm) return bad(`unknown algorithm indicator ${indicator.value[0]!.toString(16).padStart(2, '0')}`);
  return { algorithm };
}

/** SELECT of an EF by FID under the current DF (`00 A4 02 00 02 FID`, as in the real trace). */
export function selectEfCommand(fid: number): CommandApdu {
  return CommandApdu.of({ cla: 0x00, ins: 0xa4, p1: 0x02, p2: 0x00, data: Uint8Array.of(fid >> 8, fid & 0xff) });
}

export type SelectDfOutcome = { outcome: 'selected' } | { outcome: 'unavailable'; sw: number } | { outcome: 'blocked'; sw: number } | CardFault;

/**
 * Selects the sub-application DF04 (医疗保险) by its AID D15600000503 (DOMAIN.md §1.1). 6A82 means the
 * DF is not reachable (a second-generation card without it, or the contactless interface).
 */
export async function selectDf04(ctx: KernelContext): Promise<SelectDfOutcome> {
  const step = 'SELECT DF04';
  const aid = SSSE_DFS.find((d) => d.df === 'DF04')!.aid;
  const cmd = CommandApdu.of({ cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: fromHex(aid), ne: 256 });
  const r = await send(ctx, step, cmd);
  if (isInterruption(r)) return r;
  ctx.learned.inSsse = false;
  if (r.sw === SW.OK) return { outcome: 'selected' };
  if (r.sw === SW.FILE_NOT_FOUND) return { outcome: 'unavailable', sw: r.sw };
  if (BLOCKED[r.sw]) return { outcome: 'blocked', sw: r.sw };
  return unexpectedSw(step, cmd.encode(), r.sw);
}

/** Makes the SSSE DDF1 current again after a sub-DF or another application. */
export async function reselectSsse(ctx: KernelContext): Promise<{ outcome: 'selected' } | CardFault> {
  if (ctx.learned.inSsse) return { outcome: 'selected' };
  const step = 'SELECT SSSE';
  const cmd = CommandApdu.of({ cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: fromHex(SSSE_AID), ne: 256 });
  const r = await send(ctx, step, cmd);
  if (isInterruption(r)) return r;
  if (r.sw !== SW.OK) return unexpectedSw(step, cmd.encode(), r.sw);
  ctx.learned.inSsse = true;
  return { outcome: 'selected' };
}
