/**
 * The fault model of sscard's QA tools: ONE list of fault specs, read by both faces —
 *
 * - the terminal side (`src/qa/faults/`): a reader wrapper and transport layer around any `CardReader`
 *   (the in-process card of `sscard conformance --card`, or a PC/SC reader), and
 * - the card side (`src/server/faults.ts`): `sscard serve --fault` and the control routes
 *   `/cards/:slot/faults`, which act on the served card and its vpcd link (power cuts, the card's
 *   random source).
 *
 * Commercial card-test tools offer the same family (mute card, delayed answer, forced status word,
 * torn transactions, forced unpredictable numbers); the semantics below are sscard's own and are
 * documented in docs/qa-conformance.md "Faults". Both faces call {@link FaultPlan.next} once per
 * command APDU, so that "the Nth command" means the same thing everywhere.
 *
 * Text syntax: `kind[:main][,name=value…]` (or `kind:name=value,…`), e.g.
 *
 * | spec | effect |
 * |---|---|
 * | `remove`, `remove:at=5,for=1500` | the card is taken out at once / before the 5th command; put back 1500 ms later (no `for`: it stays out) |
 * | `mute:at=3`, `mute:ins=88,ms=500` | the card does not answer; the reader gives up after `ms` (default 2000) and deactivates it |
 * | `delay:200`, `delay:ms=50,ins=B0` | every (matching) answer comes `ms` later |
 * | `sw:6A82,at=4`, `sw:6581,ins=DC,count=2` | the command does not reach the card; it answers that status word |
 * | `truncate:at=2`, `truncate:3,ins=B2` | the answer is cut to its first `keep` bytes (default: all but the last) |
 * | `powercut:3`, `powercut:1,stage=answer` | the card loses power in the middle of its 3rd state-changing command (card side only) |
 * | `random:42` | the card's random source is seeded (card side only) |
 * | `un:7`, `un:fixed=11223344` | the terminal's unpredictable numbers are seeded or fixed (terminal side only) |
 *
 * Selectors of the per-command kinds: `at=N` (the Nth command since the fault was installed, 1-based),
 * `ins=XX` (commands with that INS), `count=K` (how many matching commands it applies to; default 1 with
 * `at`, unlimited otherwise). `slot=N` picks the served card (`sscard serve` only).
 */
import { fromHex, toHex } from '../apdu/bytes.js';

/** Where in a state-changing command a power cut happens (the card runtime's write stages). */
export type PowerCutStage = 'try-counter' | 'commit' | 'answer';
export const POWER_CUT_STAGES: readonly PowerCutStage[] = ['try-counter', 'commit', 'answer'];

/** Which commands a per-command fault applies to. */
export interface CommandMatch {
  /** The Nth command (1-based) since the fault was installed. */
  at?: number;
  /** Commands with this INS byte. */
  ins?: number;
  /** How many matching commands (default 1 with `at`, unlimited otherwise). */
  count?: number;
}

interface Common {
  /** Served card slot (`sscard serve` only; default every card). */
  slot?: number;
}

/** One fault. */
export type FaultSpec =
  | (Common & { kind: 'remove'; at?: number; forMs?: number })
  | (Common & { kind: 'mute'; match: CommandMatch; ms: number })
  | (Common & { kind: 'delay'; match: CommandMatch; ms: number })
  | (Common & { kind: 'sw'; match: CommandMatch; sw: number })
  | (Common & { kind: 'truncate'; match: CommandMatch; keep?: number })
  | (Common & { kind: 'powercut'; at: number; stage: PowerCutStage })
  | (Common & { kind: 'random'; seed: number })
  | (Common & { kind: 'un'; seed?: number; fixed?: Uint8Array });

export type FaultKind = FaultSpec['kind'];

/** Which face can apply a kind: the terminal's reader wrapper, the card side, or both. */
export const FAULT_SIDES: Readonly<Record<FaultKind, 'both' | 'card' | 'terminal'>> = {
  remove: 'both',
  mute: 'both',
  delay: 'both',
  sw: 'both',
  truncate: 'both',
  powercut: 'card',
  random: 'card',
  un: 'terminal',
};

/** What each kind does, one line (help texts, docs). */
export const FAULT_EFFECTS: Readonly<Record<FaultKind, string>> = {
  remove: 'the card is taken out of the reader (before command `at`, back after `for` ms)',
  mute: 'the card does not answer; the reader gives up after `ms` ms (default 2000)',
  delay: 'the answer comes `ms` ms late',
  sw: 'the command does not reach the card, which answers the status word',
  truncate: 'the answer is cut to its first `keep` bytes (default: all but the last)',
  powercut: 'the card loses power in the middle of its `at`th state-changing command, at `stage` (try-counter, commit, answer)',
  random: "the card's random source is seeded (challenges, keys, nonces repeat from run to run)",
  un: "the terminal's unpredictable numbers are seeded (`un:<seed>`) or fixed (`un:fixed=<hex>`)",
};

/** Default of `mute`'s `ms`: how long the reader waits for a mute card. */
export const DEFAULT_MUTE_MS = 2000;

/** A fault spec that cannot be read; the message names the spec and the field. */
export class FaultSpecError extends RangeError {
  override name = 'FaultSpecError';
}

/** The main (positional) parameter of each kind, if it has one. */
const MAIN: Partial<Record<FaultKind, string>> = { sw: 'sw', delay: 'ms', truncate: 'keep', powercut: 'at', random: 'seed', un: 'seed' };

/** The parameters each kind takes (besides `slot`). */
const PARAMS: Readonly<Record<FaultKind, readonly string[]>> = {
  remove: ['at', 'for'],
  mute: ['at', 'ins', 'count', 'ms'],
  delay: ['ms', 'at', 'ins', 'count'],
  sw: ['sw', 'at', 'ins', 'count'],
  truncate: ['keep', 'at', 'ins', 'count'],
  powercut: ['at', 'stage'],
  random: ['seed'],
  un: ['seed', 'fixed'],
};

const KINDS = Object.keys(PARAMS) as FaultKind[];

function fail(spec: string, message: string): never {
  throw new FaultSpecError(`fault "${spec}": ${message}`);
}

function integer(spec: string, name: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text)) fail(spec, `${name}: expected an integer ${min}..${max}, got "${text}"`);
  const n = Number(text);
  if (n < min || n > max) fail(spec, `${name}: expected ${min}..${max}, got ${text}`);
  return n;
}

function hexByte(spec: string, name: string, text: string): number {
  if (!/^[0-9A-Fa-f]{2}$/.test(text)) fail(spec, `${name}: expected one byte in hex (e.g. B2), got "${text}"`);
  return parseInt(text, 16);
}

function match(spec: string, p: Map<string, string>): CommandMatch {
  const m: CommandMatch = {};
  if (p.has('at')) m.at = integer(spec, 'at', p.get('at')!, 1, 1_000_000);
  if (p.has('ins')) m.ins = hexByte(spec, 'ins', p.get('ins')!);
  if (p.has('count')) m.count = integer(spec, 'count', p.get('count')!, 1, 1_000_000);
  if (m.at !== undefined && m.ins !== undefined) fail(spec, 'give at=N or ins=XX, not both');
  return m;
}

/**
 * Parses one fault spec in the text syntax above.
 * @throws FaultSpecError naming the spec and what is wrong with it
 */
export function parseFaultSpec(text: string): FaultSpec {
  const spec = text.trim();
  if (!spec) throw new FaultSpecError('fault: empty spec (e.g. sw:6A82,at=3; see docs/qa-conformance.md)');
  const colon = spec.indexOf(':');
  const kindText = (colon < 0 ? spec : spec.slice(0, colon)).toLowerCase();
  if (!KINDS.includes(kindText as FaultKind)) fail(spec, `unknown kind "${kindText}"; kinds: ${KINDS.join(', ')}`);
  const kind = kindText as FaultKind;
  const params = new Map<string, string>();
  const rest = colon < 0 ? '' : spec.slice(colon + 1);
  const parts = rest === '' ? [] : rest.split(',');
  parts.forEach((part, i) => {
    const eq = part.indexOf('=');
    let name: string;
    let value: string;
    if (eq < 0) {
      const main = MAIN[kind];
      if (i !== 0 || !main) fail(spec, `"${part}" needs a name (name=value); ${kind} takes ${[...PARAMS[kind], 'slot'].join(', ')}`);
      name = main;
      value = part.trim();
    } else {
      name = part.slice(0, eq).trim().toLowerCase();
      value = part.slice(eq + 1).trim();
    }
    if (name !== 'slot' && !PARAMS[kind].includes(name)) fail(spec, `${kind} takes no "${name}"; it takes ${[...PARAMS[kind], 'slot'].join(', ')}`);
    if (params.has(name)) fail(spec, `${name} given twice`);
    params.set(name, value);
  });
  const common: Common = params.has('slot') ? { slot: integer(spec, 'slot', params.get('slot')!, 0, 65535) } : {};
  switch (kind) {
    case 'remove': {
      const at = params.has('at') ? integer(spec, 'at', params.get('at')!, 1, 1_000_000) : undefined;
      const forMs = params.has('for') ? integer(spec, 'for', params.get('for')!, 1, 3_600_000) : undefined;
      return { ...common, kind, ...(at !== undefined ? { at } : {}), ...(forMs !== undefined ? { forMs } : {}) };
    }
    case 'mute': {
      const ms = params.has('ms') ? integer(spec, 'ms', params.get('ms')!, 1, 600_000) : DEFAULT_MUTE_MS;
      return { ...common, kind, match: match(spec, params), ms };
    }
    case 'delay': {
      if (!params.has('ms')) fail(spec, 'delay needs a time in ms, e.g. delay:200');
      return { ...common, kind, match: match(spec, params), ms: integer(spec, 'ms', params.get('ms')!, 0, 600_000) };
    }
    case 'sw': {
      const sw = params.get('sw');
      if (sw === undefined) fail(spec, 'sw needs a status word, e.g. sw:6A82');
      if (!/^[0-9A-Fa-f]{4}$/.test(sw)) fail(spec, `sw: expected 4 hex digits (e.g. 6A82), got "${sw}"`);
      return { ...common, kind, match: match(spec, params), sw: parseInt(sw, 16) };
    }
    case 'truncate': {
      const keep = params.has('keep') ? integer(spec, 'keep', params.get('keep')!, 1, 65535) : undefined;
      return { ...common, kind, match: match(spec, params), ...(keep !== undefined ? { keep } : {}) };
    }
    case 'powercut': {
      if (!params.has('at')) fail(spec, 'powercut needs the number of the state-changing command, e.g. powercut:3');
      const stage = (params.get('stage') ?? 'commit') as PowerCutStage;
      if (!POWER_CUT_STAGES.includes(stage)) fail(spec, `stage: expected ${POWER_CUT_STAGES.join(', ')}, got "${params.get('stage')}"`);
      return { ...common, kind, at: integer(spec, 'at', params.get('at')!, 1, 1_000_000), stage };
    }
    case 'random': {
      if (!params.has('seed')) fail(spec, 'random needs a seed, e.g. random:42');
      return { ...common, kind, seed: integer(spec, 'seed', params.get('seed')!, 0, 0xffffffff) };
    }
    case 'un': {
      const seed = params.has('seed') ? integer(spec, 'seed', params.get('seed')!, 0, 0xffffffff) : undefined;
      const fixedText = params.get('fixed');
      if (seed === undefined && fixedText === undefined) fail(spec, 'un needs a seed (un:7) or fixed bytes (un:fixed=11223344)');
      if (seed !== undefined && fixedText !== undefined) fail(spec, 'give a seed or fixed bytes, not both');
      let fixed: Uint8Array | undefined;
      if (fixedText !== undefined) {
        if (!/^([0-9A-Fa-f]{2}){1,32}$/.test(fixedText)) fail(spec, `fixed: expected 1 to 32 bytes in hex, got "${fixedText}"`);
        fixed = fromHex(fixedText);
      }
      return { ...common, kind, ...(seed !== undefined ? { seed } : {}), ...(fixed ? { fixed } : {}) };
    }
  }
}

function matchText(m: CommandMatch): string[] {
  const out: string[] = [];
  if (m.at !== undefined) out.push(`at=${m.at}`);
  if (m.ins !== undefined) out.push(`ins=${m.ins.toString(16).toUpperCase().padStart(2, '0')}`);
  if (m.count !== undefined) out.push(`count=${m.count}`);
  return out;
}

/** The canonical text of a spec (parses back to the same spec). */
export function formatFaultSpec(f: FaultSpec): string {
  const parts: string[] = [];
  switch (f.kind) {
    case 'remove':
      if (f.at !== undefined) parts.push(`at=${f.at}`);
      if (f.forMs !== undefined) parts.push(`for=${f.forMs}`);
      break;
    case 'mute':
      parts.push(...matchText(f.match), `ms=${f.ms}`);
      break;
    case 'delay':
      parts.push(`ms=${f.ms}`, ...matchText(f.match));
      break;
    case 'sw':
      parts.push(`sw=${f.sw.toString(16).toUpperCase().padStart(4, '0')}`, ...matchText(f.match));
      break;
    case 'truncate':
      if (f.keep !== undefined) parts.push(`keep=${f.keep}`);
      parts.push(...matchText(f.match));
      break;
    case 'powercut':
      parts.push(`at=${f.at}`, `stage=${f.stage}`);
      break;
    case 'random':
      parts.push(`seed=${f.seed}`);
      break;
    case 'un':
      parts.push(f.fixed ? `fixed=${toHex(f.fixed)}` : `seed=${f.seed}`);
      break;
  }
  if (f.slot !== undefined) parts.push(`slot=${f.slot}`);
  return parts.length ? `${f.kind}:${parts.join(',')}` : f.kind;
}

/**
 * Reads faults given as JSON (the control routes' body): a spec string, a list of them, or
 * `{ "faults": [...] }`. Each entry is a text spec (`"sw:6A82,at=3"`) or an object with the same
 * names (`{ "kind": "sw", "sw": "6A82", "at": 3 }`).
 * @throws FaultSpecError for anything else
 */
export function faultSpecsFromJson(body: unknown): FaultSpec[] {
  const list = typeof body === 'object' && body !== null && !Array.isArray(body) && 'faults' in body ? (body as { faults: unknown }).faults : body;
  const entries = Array.isArray(list) ? list : [list];
  if (entries.length === 0) throw new FaultSpecError('faults: the list is empty');
  return entries.map((entry, i) => {
    if (typeof entry === 'string') return parseFaultSpec(entry);
    if (typeof entry === 'object' && entry !== null && !Array.isArray(entry)) {
      const { kind, ...rest } = entry as Record<string, unknown>;
      if (typeof kind !== 'string') throw new FaultSpecError(`faults[${i}]: "kind" must be a string (${KINDS.join(', ')})`);
      const pairs = Object.entries(rest).map(([k, v]) => {
        if (typeof v !== 'string' && typeof v !== 'number') throw new FaultSpecError(`faults[${i}].${k}: must be a string or a number`);
        return `${k}=${v}`;
      });
      return parseFaultSpec(pairs.length ? `${kind}:${pairs.join(',')}` : kind);
    }
    throw new FaultSpecError(`faults[${i}]: expected a spec string (e.g. "sw:6A82,at=3") or an object with "kind"`);
  });
}

/** What a face does with one command. */
export type FaultAction =
  /** The card is not in the reader: the command fails (the card was removed). */
  | { kind: 'absent'; delayMs: number; fault: string }
  /** The card does not answer; the reader gives up after `ms`. */
  | { kind: 'mute'; ms: number; delayMs: number; fault: string }
  /** The command does not reach the card; the answer is this status word. */
  | { kind: 'sw'; sw: number; delayMs: number; truncate?: number; fault: string }
  /** The command reaches the card; its answer is delayed and maybe truncated. */
  | { kind: 'pass'; delayMs: number; truncate?: number; faults: string[] };

interface Installed {
  spec: FaultSpec;
  text: string;
  /** Commands seen since it was installed. */
  seen: number;
  /** Times it applied. */
  applied: number;
  /** For `remove`: when the card was taken out (ms), to put it back `forMs` later. */
  removedAt?: number;
}

/** `keep` of a truncation: the spec's, else all but the last byte. */
export function truncatedLength(responseLength: number, keep: number | undefined): number {
  return Math.max(0, Math.min(responseLength, keep ?? responseLength - 1));
}

/**
 * The faults installed on one card, and the command count they refer to. Pure: time comes in as
 * `now` (ms). Both faces call `next(command, now)` once per command APDU, before it goes to the card.
 */
export class FaultPlan {
  readonly #faults: Installed[] = [];
  /** Removed by a fault (until `forMs` passes or `insert()`). */
  #removed = false;
  /** Commands since the plan was made. */
  #commands = 0;

  constructor(specs: readonly FaultSpec[] = [], now = 0) {
    for (const s of specs) this.add(s, now);
  }

  /**
   * Installs a fault; its `at` counts commands from now. A `remove` without `at` takes the card out at
   * once (at `now`, ms).
   */
  add(spec: FaultSpec, now = 0): void {
    const f: Installed = { spec, text: formatFaultSpec(spec), seen: 0, applied: 0 };
    if (spec.kind === 'remove' && spec.at === undefined) {
      f.applied = 1;
      f.removedAt = now;
      this.#removed = true;
    }
    this.#faults.push(f);
  }

  /** Removes every fault (the card is inserted again if a fault had taken it out). */
  clear(): void {
    this.#faults.length = 0;
    this.#removed = false;
  }

  /** The installed faults as text, with how often each applied. */
  list(): { fault: string; applied: number; seen: number }[] {
    return this.#faults.map((f) => ({ fault: f.text, applied: f.applied, seen: f.seen }));
  }

  get specs(): FaultSpec[] {
    return this.#faults.map((f) => f.spec);
  }

  /** Commands offered to the plan so far. */
  get commands(): number {
    return this.#commands;
  }

  /** Puts back a card a fault had taken out (the control interface's insert). */
  insert(): void {
    this.#removed = false;
    for (const f of this.#faults) if (f.spec.kind === 'remove') f.removedAt = undefined;
  }

  /**
   * Whether the card is in the reader at `now`: false once a `remove` fault fired and until its `for`
   * ms have passed (then the card is back) or `insert()`.
   */
  present(now: number): boolean {
    if (!this.#removed) return true;
    for (const f of this.#faults) {
      if (f.spec.kind !== 'remove' || f.removedAt === undefined) continue;
      if (f.spec.forMs !== undefined && now - f.removedAt >= f.spec.forMs) {
        f.removedAt = undefined;
      } else return false;
    }
    this.#removed = false;
    return true;
  }

  /** The card's random seed, when a `random` fault is installed (the last one wins). */
  get cardSeed(): number | undefined {
    let seed: number | undefined;
    for (const f of this.#faults) if (f.spec.kind === 'random') seed = f.spec.seed;
    return seed;
  }

  /** The terminal's unpredictable-number setting, when an `un` fault is installed (the last one wins). */
  get unpredictable(): { seed?: number; fixed?: Uint8Array } | undefined {
    let un: { seed?: number; fixed?: Uint8Array } | undefined;
    for (const f of this.#faults) if (f.spec.kind === 'un') un = { ...(f.spec.seed !== undefined ? { seed: f.spec.seed } : {}), ...(f.spec.fixed ? { fixed: f.spec.fixed } : {}) };
    return un;
  }

  /** The power cuts installed. */
  get powerCuts(): { at: number; stage: PowerCutStage; text: string }[] {
    return this.#faults.flatMap((f) => (f.spec.kind === 'powercut' ? [{ at: f.spec.at, stage: f.spec.stage, text: f.text }] : []));
  }

  /** Decides what happens to the next command. */
  next(command: Uint8Array, now: number): FaultAction {
    this.#commands++;
    const ins = command.length >= 2 ? command[1]! : -1;
    let delayMs = 0;
    let truncate: number | undefined;
    let outcome: FaultAction | undefined;
    const passing: string[] = [];
    for (const f of this.#faults) {
      f.seen++;
      const s = f.spec;
      if (s.kind === 'remove') {
        if (s.at !== undefined && f.seen === s.at && f.applied === 0) {
          f.applied++;
          f.removedAt = now;
          this.#removed = true;
        }
        continue;
      }
      if (s.kind !== 'mute' && s.kind !== 'delay' && s.kind !== 'sw' && s.kind !== 'truncate') continue;
      if (!this.#matches(f, s.match, ins)) continue;
      f.applied++;
      if (s.kind === 'delay') {
        delayMs += s.ms;
        passing.push(f.text);
      } else if (s.kind === 'truncate') {
        truncate = s.keep ?? -1;
        passing.push(f.text);
      } else if (s.kind === 'mute') outcome ??= { kind: 'mute', ms: s.ms, delayMs: 0, fault: f.text };
      else outcome ??= { kind: 'sw', sw: s.sw, delayMs: 0, fault: f.text };
    }
    if (!this.present(now)) return { kind: 'absent', delayMs: 0, fault: this.#faults.find((f) => f.removedAt !== undefined)?.text ?? 'remove' };
    const cut = truncate !== undefined ? { truncate } : {};
    if (outcome?.kind === 'mute') return { ...outcome, delayMs };
    if (outcome?.kind === 'sw') return { ...outcome, delayMs, ...cut };
    return { kind: 'pass', delayMs, ...cut, faults: passing };
  }

  #matches(f: Installed, m: CommandMatch, ins: number): boolean {
    if (m.at !== undefined) {
      const count = m.count ?? 1;
      return f.seen >= m.at && f.seen < m.at + count;
    }
    if (m.ins !== undefined && ins !== m.ins) return false;
    return m.count === undefined || f.applied < m.count;
  }
}

/**
 * Applies a `truncate` decision to a response: `-1` means "all but the last byte", any other number
 * the bytes to keep.
 */
export function truncateResponse(response: Uint8Array, truncate: number | undefined): Uint8Array {
  if (truncate === undefined) return response;
  return response.subarray(0, truncatedLength(response.length, truncate < 0 ? undefined : truncate));
}

/** Checks that every spec can be applied by a face; returns the message of the first that cannot. */
export function unsupportedFault(specs: readonly FaultSpec[], face: 'card' | 'terminal', hint: string): string | undefined {
  for (const s of specs) {
    const side = FAULT_SIDES[s.kind];
    if (side !== 'both' && side !== face) return `fault "${formatFaultSpec(s)}" acts on the ${side} side: ${hint}`;
  }
  return undefined;
}
