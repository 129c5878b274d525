/**
 * The state one run of the kernel carries from step to step: the card's transport (with the T=0
 * GET RESPONSE / 6Cxx layer and a bound on how long the card may take), what the ATR said, the PSAM,
 * and what the steps have learned about the card (its algorithm, its card identifier and region, the
 * READ RECORD form it answers).
 */
import { diversificationBytes } from '../../../spec/ssse/atr-historical.js';
import { ResponseApdu } from '../../../apdu/response-apdu.js';
import type { CommandApdu } from '../../../apdu/command-apdu.js';
import { getResponseLayer } from '../../../apdu/layers/get-response.js';
import { timeoutLayer } from '../../../apdu/layers/timeout.js';
import { layered, type Transport } from '../../../apdu/transport.js';
import { historicalBytes } from '../../../apdu/atr.js';
import type { Clock, RandomSource } from '../../../env.js';
import type { Logger } from '../../../log.js';
import { silentLogger } from '../../../log.js';
import type { CardInterface, KeyAlgorithm } from '../../../spec/card-interface.js';
import type { CardIdentifierParts } from '../../../spec/ssse/card-identifier.js';
import type { CardReader } from '../../reader.js';
import { PsamError, type CardDiversification, type PsamInfo, type PsamPort } from '../../psam/psam-port.js';
import { badResponse, type CardFault, type PsamRefusal, type PsamRequired } from './outcomes.js';

/** How the kernel addresses the records of a data-item file (LD/T 32.5 READ RECORD; docs/ssse-reader.md). */
export type ReadForm =
  /** `00 B2 <tag> <SFI‖000>`: the first record with this identifier, file by SFI. */
  | 'sfi-identifier'
  /** `00 B2 <record> <SFI‖100>`: by record number, file by SFI. */
  | 'sfi-number'
  /** `00 A4 02 00 02 <FID>`, then `00 B2 <tag> 00`: the real trace of DOMAIN.md §1.4. */
  | 'select-identifier';

/** What the kernel needs besides the card. */
export interface KernelDeps {
  random: RandomSource;
  clock: Clock;
  log?: Logger;
}

/** Options of a kernel run. */
export interface KernelOptions extends KernelDeps {
  /** The PSAM (card check, protected reads, writes, PIN reload/unblock, the medical debit). */
  psam?: PsamPort;
  /** First READ RECORD form to try (default `sfi-identifier`; the kernel falls back on a refusal). */
  readForm?: ReadForm;
  /** Longest wait for one answer of the card, ms (default 30 000). */
  timeoutMs?: number;
}

/** The card-level facts of one connection. */
export interface CardFacts {
  atr: Uint8Array;
  historical: Uint8Array;
  interface: CardInterface;
}

/** What the steps learn about the card. */
export interface LearnedFacts {
  /** From the SSSE FCI's algorithm indicator (undefined: the card gave none). */
  algorithm?: 'SM4' | 'DES/3DES' | 'SSF33';
  identifier?: CardIdentifierParts;
  readForm: ReadForm;
  /** The SSSE DDF1 is the current DF (false after a sub-DF or another application was selected). */
  inSsse: boolean;
}

export interface KernelContext {
  readonly transport: Transport;
  readonly card: CardFacts;
  readonly psam: PsamPort | undefined;
  psamInfo: PsamInfo | undefined;
  readonly random: RandomSource;
  readonly clock: Clock;
  readonly log: Logger;
  readonly learned: LearnedFacts;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** A kernel context over a connected reader. */
export function createContext(reader: CardReader, options: KernelOptions): KernelContext {
  const atr = reader.atr;
  let historical: Uint8Array;
  try {
    historical = historicalBytes(atr);
  } catch {
    historical = new Uint8Array(0);
  }
  return {
    transport: layered(reader.transport, timeoutLayer(options.timeoutMs ?? DEFAULT_TIMEOUT_MS), getResponseLayer()),
    card: { atr, historical, interface: reader.interface ?? 'contact' },
    psam: options.psam,
    psamInfo: undefined,
    random: options.random,
    clock: options.clock,
    log: (options.log ?? silentLogger()).child({ module: 'ssse-reader' }),
    learned: { readForm: options.readForm ?? 'sfi-identifier', inSsse: false },
  };
}

/**
 * Sends one command. A response without a status word is a {@link CardFault}; a `TransportError`
 * (the card cannot be reached) propagates.
 */
export async function send(ctx: KernelContext, step: string, command: CommandApdu): Promise<ResponseApdu | CardFault> {
  const bytes = command.encode();
  const raw = await ctx.transport.transmit(bytes);
  if (!(raw instanceof Uint8Array) || raw.length < 2) return badResponse(step, bytes, 'the card answered without a status word');
  const response = ResponseApdu.parse(raw);
  ctx.log.debug({ step, command: command.toHex(), sw: response.sw }, 'exchange');
  return response;
}

/** The PSAM, opened (its application selected, its identity read) once per run. */
export async function openPsam(ctx: KernelContext): Promise<{ port: PsamPort; info: PsamInfo } | PsamRefusal | PsamRequired> {
  if (!ctx.psam) return { outcome: 'psam-required', detail: 'this needs a PSAM: --psam <file> or --psam-reader <name|index>' };
  if (!ctx.psamInfo) {
    const info = await psamCall(ctx, 'open', () => ctx.psam!.open());
    if (isPsamRefusal(info)) return info;
    if (!(info.terminalId instanceof Uint8Array) || info.terminalId.length !== 6) {
      return { outcome: 'psam-error', operation: 'open', detail: 'the PSAM gave a terminal number that is not 6 bytes' };
    }
    ctx.psamInfo = info;
  }
  return { port: ctx.psam, info: ctx.psamInfo };
}

/** Runs a PSAM operation; the PSAM's refusal (`PsamError`) becomes a {@link PsamRefusal}. */
export async function psamCall<T>(ctx: KernelContext, operation: string, fn: () => Promise<T>): Promise<T | PsamRefusal> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof PsamError)) throw err;
    ctx.log.warn({ operation, sw: err.sw }, 'the PSAM refused');
    return { outcome: 'psam-error', operation, sw: err.sw, detail: err.message };
  }
}

function isPsamRefusal(x: unknown): x is PsamRefusal {
  return typeof x === 'object' && x !== null && (x as { outcome?: unknown }).outcome === 'psam-error';
}

/** Checks the length of what the PSAM computed. */
export function psamBytes(operation: string, value: Uint8Array, length: number): Uint8Array | PsamRefusal {
  if (!(value instanceof Uint8Array) || value.length !== length) {
    return { outcome: 'psam-error', operation, detail: `the PSAM answered ${value instanceof Uint8Array ? value.length : 'no'} bytes, expected ${length}` };
  }
  return value;
}

/**
 * The card's diversification data for the PSAM: ATR historical bytes T6–TD and the region of the card
 * identifier (DOMAIN.md §1.4). Undefined when the ATR has fewer than 8 historical bytes or EF05 was
 * not read yet.
 */
export function diversificationOf(ctx: KernelContext): CardDiversification | undefined {
  if (!ctx.learned.identifier || ctx.card.historical.length < 8) return undefined;
  return { cardData: diversificationBytes(ctx.card.historical), region: ctx.learned.identifier.region };
}

/** Whether the PSAM's algorithm can serve the card's (FCI indicator 03 SM4, 01 DES/3DES). */
export function algorithmsMatch(card: LearnedFacts['algorithm'], psam: KeyAlgorithm): boolean {
  if (card === undefined) return true;
  if (card === 'SSF33') return false;
  return card === 'SM4' ? psam === 'SM4' : psam === 'DES' || psam === '3DES';
}
