/**
 * A script run as a JUnit report (report/junit.ts): one suite per script, one test case per command or
 * reset. A case with an expectation passes or fails on it; a case without one passes when the card
 * answered; a transport failure is an error; steps after the run stopped are skipped.
 */
import { basename, extname } from 'node:path';
import { exchangeLines } from '../decode/render.js';
import type { JUnitReport, JUnitTestCase } from '../report/junit.js';
import type { ScriptRun, StepResult } from './run.js';

function caseName(s: StepResult): string {
  const what = s.kind === 'reset' ? 'RESET' : `${s.decoded?.command.label ?? 'command'} ${s.command ?? ''}`.trim();
  return `line ${s.line}: ${what}${s.expected !== undefined ? ` < ${s.expected}` : ''}`;
}

function output(s: StepResult): string | undefined {
  if (s.kind === 'reset') return s.atr !== undefined ? `RESET\nATR ${s.atr}\n` : undefined;
  return s.decoded ? `${exchangeLines(s.decoded, '').join('\n')}\n` : undefined;
}

/** The class name of a script's cases: `sscard.script.<file name without extension>`. */
export function scriptClassname(script: string): string {
  const base = basename(script, extname(script)).replace(/[^A-Za-z0-9_-]+/g, '_') || 'script';
  return `sscard.script.${base}`;
}

/** JUnit cases of a run. */
export function scriptCases(run: ScriptRun): JUnitTestCase[] {
  const classname = scriptClassname(run.script);
  return run.steps.map((s): JUnitTestCase => {
    const out = output(s);
    const tc: JUnitTestCase = { name: caseName(s), classname, time: s.seconds, ...(out ? { systemOut: out } : {}) };
    switch (s.outcome) {
      case 'failed':
        return { ...tc, failure: { message: s.message!, type: 'ResponseMismatch', text: `expected: < ${s.expected} (line ${s.expectLine})\n${out ?? ''}` } };
      case 'error':
        return { ...tc, error: { message: s.message!, type: 'ScriptError' } };
      case 'skipped':
        return { ...tc, skipped: { message: s.message! } };
      default:
        return tc;
    }
  });
}

/** A report of one or more runs, one suite each. */
export function scriptReport(runs: readonly ScriptRun[], options: { timestamp: Date; hostname?: string; properties?: Record<string, string> }): JUnitReport {
  return {
    timestamp: options.timestamp,
    ...(options.hostname ? { hostname: options.hostname } : {}),
    suites: runs.map((run) => ({ name: run.script, cases: scriptCases(run), ...(options.properties ? { properties: options.properties } : {}) })),
  };
}
