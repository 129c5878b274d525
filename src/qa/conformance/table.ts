/**
 * Building cases from tables: a case is either a list of steps (an APDU and what the standard expects
 * of its answer) or a flow (a function over the context, for what needs computation: PSAM cryptograms,
 * signatures, cryptogram checks). Both are data in `cases/*.ts`.
 */
import type { CaseContext, PinKind } from './context.js';
import type { Expect } from './expect.js';
import type { ConformanceCase, Needs, Risk, SuiteName } from './types.js';

/** One step of a table case: a command and what its answer must be, or an action of the context. */
export type Step =
  | {
      /** The command: hex, or computed from the context. */
      send: string | Uint8Array | ((t: CaseContext) => string | Uint8Array | Promise<string | Uint8Array>);
      expect?: Expect;
      /** The step's name in messages (default: the command's name). */
      label?: string;
    }
  | { do: (t: CaseContext) => Promise<unknown> };

/** A step verifying one of the card's PINs with the settings' PIN (guarded: see CaseContext.verifyPin). */
export function verifyStep(kind: PinKind): Step {
  return { do: (t) => t.verifyPin(kind) };
}

interface Common {
  id: string;
  title: string;
  refs: readonly string[];
  risk?: Risk;
  riskNote?: string;
  needs?: Needs;
  final?: boolean;
}

function base(suite: SuiteName, def: Common): Omit<ConformanceCase, 'run'> {
  if (!def.id.startsWith(`${suite}.`)) throw new Error(`case ${def.id}: its id must start with "${suite}."`);
  if (def.refs.length === 0) throw new Error(`case ${def.id}: name the specification section it checks`);
  return {
    id: def.id,
    suite,
    title: def.title,
    refs: def.refs,
    risk: def.risk ?? 'none',
    ...(def.riskNote ? { riskNote: def.riskNote } : {}),
    ...(def.needs ? { needs: def.needs } : {}),
    ...(def.final ? { final: true } : {}),
  };
}

/** Runs steps in order; the first answer that is not as expected fails the case. */
export async function runSteps(t: CaseContext, steps: readonly Step[]): Promise<void> {
  for (const step of steps) {
    if ('do' in step) {
      await step.do(t);
      continue;
    }
    const command = typeof step.send === 'function' ? await step.send(t) : step.send;
    await t.send(command, step.expect ?? {}, step.label);
  }
}

/** A case made of steps. */
export function tableCase(suite: SuiteName, def: Common & { steps: readonly Step[] }): ConformanceCase {
  return { ...base(suite, def), run: (t) => runSteps(t, def.steps) };
}

/** A case made of a function. */
export function flowCase(suite: SuiteName, def: Common & { run: (t: CaseContext) => Promise<void> }): ConformanceCase {
  return { ...base(suite, def), run: def.run };
}

/** A case builder bound to one suite. */
export function suiteBuilder(suite: SuiteName): {
  steps: (def: Common & { steps: readonly Step[] }) => ConformanceCase;
  flow: (def: Common & { run: (t: CaseContext) => Promise<void> }) => ConformanceCase;
} {
  return { steps: (def) => tableCase(suite, def), flow: (def) => flowCase(suite, def) };
}
