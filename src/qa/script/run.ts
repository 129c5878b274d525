/**
 * Runs a parsed script (parse.ts) against a card through a `CardReader`: each command is sent as it is
 * written (no GET RESPONSE added unless the reader's transport has the layer, as scriptor sends what
 * the script says), each `reset` resets the card, each expectation is checked against the response
 * (or the ATR) and may capture variables for later lines. The run stops at the first mismatch unless
 * `keepGoing`; a transport failure always stops it. Every step is decoded (command name, fields, status
 * word meaning) for the messages and reports.
 */
import { concat, toHex } from '../../apdu/bytes.js';
import { TransportError } from '../../apdu/transport.js';
import type { CardReader } from '../../terminal/reader.js';
import { ExchangeDecoder, type DecodedExchange } from '../decode/exchange.js';
import { commandTitle, exchangeLines, swText } from '../decode/render.js';
import { matchPattern, UnsetVariableError, type Variables } from './pattern.js';
import type { Script, ScriptStep } from './parse.js';

export type StepOutcome = 'passed' | 'failed' | 'unchecked' | 'error' | 'skipped';

export interface StepResult {
  kind: ScriptStep['kind'];
  /** Line of the command (first line of a continued one). */
  line: number;
  /** The command as sent (hex), for `apdu` steps that ran. */
  command?: string;
  /** The response as received (hex, data ‖ SW1 SW2). */
  response?: string;
  /** The ATR after a reset. */
  atr?: string;
  /** The expectation as written, and its line. */
  expected?: string;
  expectLine?: number;
  outcome: StepOutcome;
  /** One line: why it failed, errored or was skipped. */
  message?: string;
  /** Variables the expectation captured (hex). */
  captured?: Record<string, string>;
  /** Elapsed seconds. */
  seconds: number;
  /** Decoded command and response. */
  decoded?: DecodedExchange;
}

export interface ScriptRun {
  script: string;
  steps: StepResult[];
  passed: number;
  failed: number;
  errors: number;
  unchecked: number;
  skipped: number;
  /** Whether every check held and nothing errored. */
  ok: boolean;
  /** Variables at the end (hex). */
  variables: Record<string, string>;
}

export interface RunOptions {
  /** Go on after a mismatch (the run still fails at the end). */
  keepGoing?: boolean;
  /** Variables given up front (`--var name=HEX`). */
  variables?: Variables;
  /** Monotonic nanoseconds (injectable for tests). */
  clock?: () => bigint;
  /** Called after each step (progress, live output). */
  onStep?: (result: StepResult, step: ScriptStep) => void;
}

function resolve(step: Extract<ScriptStep, { kind: 'apdu' }>, vars: Variables): Uint8Array {
  return concat(
    ...step.parts.map((p) => {
      if (p.kind === 'bytes') return p.bytes;
      const v = vars.get(p.name);
      if (!v) throw new UnsetVariableError(p.name);
      return v;
    }),
  );
}

/** The failure message of a step: line, what was expected, what came, decoded. */
function mismatchMessage(script: string, step: ScriptStep, got: string, reason: string, decoded?: DecodedExchange): string {
  const what = step.kind === 'reset' ? 'ATR' : decoded?.command.label ?? 'response';
  const meaning = decoded?.response ? ` (${swText(decoded.response)})` : '';
  return `${script} line ${step.expect!.line}: ${what} of line ${step.line}: expected "< ${step.expect!.pattern.text}", got ${got || '(nothing)'}${meaning}: ${reason}`;
}

/** Runs the script on a connected reader. */
export async function runScript(script: Script, reader: CardReader, options: RunOptions = {}): Promise<ScriptRun> {
  const clock = options.clock ?? (() => process.hrtime.bigint());
  const vars = new Map(options.variables ?? []);
  const decoder = new ExchangeDecoder();
  const steps: StepResult[] = [];
  let stopped: string | undefined;

  for (const step of script.steps) {
    const base = { kind: step.kind, line: step.line, ...(step.expect ? { expected: step.expect.pattern.text, expectLine: step.expect.line } : {}) };
    if (stopped) {
      const r: StepResult = { ...base, outcome: 'skipped', message: stopped, seconds: 0 };
      steps.push(r);
      options.onStep?.(r, step);
      continue;
    }
    const start = clock();
    const seconds = () => Number(clock() - start) / 1e9;
    let result: StepResult | undefined;
    let checking = false; // whether the expectation (not the command) is being evaluated
    try {
      if (step.kind === 'reset') {
        const atr = await reader.reset();
        decoder.reset();
        result = { ...base, atr: toHex(atr), outcome: 'unchecked', seconds: 0 };
        if (step.expect) {
          checking = true;
          const m = matchPattern(step.expect.pattern, atr, vars);
          if (m.ok) {
            for (const [k, v] of m.captures) vars.set(k, v);
            result = { ...result, outcome: 'passed', ...(m.captures.size ? { captured: hexRecord(m.captures) } : {}) };
          } else result = { ...result, outcome: 'failed', message: mismatchMessage(script.name, step, toHex(atr), m.reason) };
        }
      } else {
        const command = resolve(step, vars);
        const response = await reader.transport.transmit(command);
        const decoded = decoder.decode(command, response);
        result = { ...base, command: toHex(command), response: toHex(response), outcome: 'unchecked', seconds: 0, decoded };
        if (step.expect) {
          checking = true;
          const m = matchPattern(step.expect.pattern, response, vars);
          if (m.ok) {
            for (const [k, v] of m.captures) vars.set(k, v);
            result = { ...result, outcome: 'passed', ...(m.captures.size ? { captured: hexRecord(m.captures) } : {}) };
          } else result = { ...result, outcome: 'failed', message: mismatchMessage(script.name, step, toHex(response), m.reason, decoded) };
        }
      }
    } catch (err) {
      if (err instanceof UnsetVariableError) {
        result = { ...(checking && result ? result : base), outcome: 'error', message: `${script.name} line ${checking ? step.expect!.line : step.line}: ${err.message}`, seconds: 0 };
      } else if (err instanceof TransportError) {
        result = { ...base, outcome: 'error', message: `${script.name} line ${step.line}: ${reader.name}: ${err.message}`, seconds: 0 };
      } else throw err;
    }
    result!.seconds = seconds();
    steps.push(result!);
    options.onStep?.(result!, step);
    if (result!.outcome === 'error') stopped = `not run: line ${step.line} failed (${result!.message})`;
    else if (result!.outcome === 'failed' && !options.keepGoing) stopped = `not run: stopped at the mismatch of line ${step.expect!.line}`;
  }
  const count = (o: StepOutcome) => steps.filter((s) => s.outcome === o).length;
  return {
    script: script.name,
    steps,
    passed: count('passed'),
    failed: count('failed'),
    errors: count('error'),
    unchecked: count('unchecked'),
    skipped: count('skipped'),
    ok: count('failed') === 0 && count('error') === 0,
    variables: hexRecord(vars),
  };
}

function hexRecord(m: ReadonlyMap<string, Uint8Array>): Record<string, string> {
  return Object.fromEntries([...m].map(([k, v]) => [k, toHex(v)]));
}

/** The lines `sscard script` prints for a step. */
export function stepLines(r: StepResult): string[] {
  const out: string[] = [];
  if (r.kind === 'reset') {
    out.push(`line ${r.line}: RESET`);
    if (r.atr !== undefined) out.push(`  ATR ${r.atr}`);
  } else if (r.decoded) {
    out.push(`line ${r.line}: ${commandTitle(r.decoded)}`);
    out.push(...exchangeLines(r.decoded));
  } else {
    out.push(`line ${r.line}: command`);
  }
  switch (r.outcome) {
    case 'passed':
      out.push(`  ok  < ${r.expected} (line ${r.expectLine})${r.captured ? `  ${Object.entries(r.captured).map(([k, v]) => `{${k}} = ${v}`).join(', ')}` : ''}`);
      break;
    case 'failed':
      out.push(`  MISMATCH  ${r.message}`);
      break;
    case 'error':
      out.push(`  ERROR  ${r.message}`);
      break;
    case 'skipped':
      out.push(`  skipped (${r.message})`);
      break;
    case 'unchecked':
      break;
  }
  return out;
}
