/**
 * `sscard script <file>`: run an APDU script — the pcsc-tools `scriptor` format, plus expectation lines
 * and variables (docs/qa-scripts.md) — against a card (`--card`, `--reader`). Prints every exchange
 * decoded; exit 0 when every expectation held, 1 at the first mismatch (or at the end with
 * `--keep-going`) or on a reader failure, 2 for usage errors and bad script lines.
 */
import { closeSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { fromHex, toHex } from '../../apdu/bytes.js';
import { writeJUnitFile } from '../../qa/report/junit.js';
import { parseScript, ScriptSyntaxError } from '../../qa/script/parse.js';
import { scriptReport } from '../../qa/script/report.js';
import { runScript, stepLines, type ScriptRun } from '../../qa/script/run.js';
import { systemClock } from '../../env.js';
import { FailureError, UsageError } from '../errors.js';
import { openOutputFile } from '../output-files.js';
import { jsonText, writeOut } from '../output.js';
import { loggerFor } from '../logging.js';
import { addReaderOptions, openReaders, readerHelp, type ReaderOptionValues } from '../reader-options.js';

interface ScriptOptions extends ReaderOptionValues {
  keepGoing?: boolean;
  junit?: string;
  json?: boolean;
  var: string[];
  getResponse?: boolean;
}

const VAR = /^([A-Za-z_][A-Za-z0-9_]*)=((?:[0-9A-Fa-f]{2})*)$/;

function parseVars(values: string[]): Map<string, Uint8Array> {
  const vars = new Map<string, Uint8Array>();
  for (const v of values) {
    const m = VAR.exec(v.replace(/\s+/g, ''));
    if (!m) throw new UsageError(`--var ${v}: expected name=HEX (e.g. --var pin=123456)`);
    vars.set(m[1]!, fromHex(m[2]!));
  }
  return vars;
}

function summary(run: ScriptRun): string {
  const commands = run.steps.length;
  const checked = run.passed + run.failed;
  const firstBad = run.steps.find((s) => s.outcome === 'failed' || s.outcome === 'error');
  const parts = [`${run.passed} passed`, ...(run.failed ? [`${run.failed} failed`] : []), ...(run.errors ? [`${run.errors} error${run.errors === 1 ? '' : 's'}`] : []), ...(run.skipped ? [`${run.skipped} not run`] : [])];
  return `${run.script}: ${commands} step${commands === 1 ? '' : 's'}, ${checked} checked: ${parts.join(', ')}${firstBad ? ` (first at line ${firstBad.expectLine ?? firstBad.line})` : ''}`;
}

export function register(program: Command): void {
  const cmd = program
    .command('script')
    .description('run an APDU script (pcsc-tools scriptor format, plus expectations and variables) against a card')
    .argument('<file>', 'the script')
    .option('--keep-going', 'go on after a mismatch (the exit code is still 1 at the end)')
    .option('--junit <file.xml>', 'write a JUnit XML report (one test case per command)')
    .option('--json', 'machine-readable output: the run as JSON')
    .option('--var <name=HEX>', 'set a variable used as {name} in the script (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--get-response', 'fetch 61xx data with GET RESPONSE and re-send on 6Cxx (scriptor does not; off by default)');
  addReaderOptions(cmd);
  cmd.addHelpText(
    'after',
    `${readerHelp(false)}

Script lines (docs/qa-scripts.md):
  00 A4 04 00 0F 7378312E73682EC9E7BBE1B1A3D5CF    a command APDU in hex (spaces optional; "\\" at the end continues it)
  reset                                          reset the card (an expectation after it checks the ATR)
  # a comment                                    also what scriptor ignores
  < 6F ?? 84 0F * 90 00                          the response the command above must give
  #< * 90 00                                     the same, as a comment: scriptor runs the script unchanged
  < {challenge:8} 90 00                          capture 8 bytes into {challenge} ...
  00 82 00 04 10 {auth} {challenge}              ... and use variables in later commands
  exit                                           end of the script (scriptor: any line containing "exit")
Pattern tokens: XX a byte; ?? any byte; 6? / ?0 one nibble; * or … any number of bytes;
{name:n} / {name:*} capture; {name} a variable's bytes. A pattern covers the whole response, SW included.

Exit codes: 0 every expectation held; 1 a mismatch or a reader failure; 2 usage or a bad script line
(the message names the line).

Examples:
  sscard script fixtures/scripts/ssse-basic.txt --card card.json
  sscard script fixtures/scripts/ssse-basic.txt --reader "Virtual PCD 00 00" --junit report.xml
  sscard script checks.txt --card card.json --keep-going --json > run.json
  sscard script pin.txt --card card.json --var pin=123456
  scriptor -r "Virtual PCD 00 00" fixtures/scripts/ssse-basic.txt      # the same script in pcsc-tools`,
  );
  cmd.action(async (file: string, opts: ScriptOptions) => {
    const vars = parseVars(opts.var);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new FailureError(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
    }
    let script;
    try {
      script = parseScript(text, file);
    } catch (err) {
      if (err instanceof ScriptSyntaxError) throw new UsageError(err.message);
      throw err;
    }
    // the report is written when the run ends: refuse a path that is the card image before anything runs
    if (opts.junit) {
      mkdirSync(dirname(opts.junit), { recursive: true });
      closeSync(openOutputFile(opts.junit, '--junit', opts.card ? [opts.card] : []));
    }
    const started = systemClock.now();
    const log = loggerFor(cmd);
    const readers = await openReaders(opts, { log, getResponse: opts.getResponse ?? false });
    let run: ScriptRun;
    try {
      const out = (s: string) => writeOut(`${s}\n`);
      if (!opts.json) for (const w of script.warnings) out(`warning: ${w}`);
      if (!opts.json) out(`${readers.card.name}: ATR ${toHex(readers.card.atr)}${readers.card.protocol ? ` (${readers.card.protocol})` : ''}`);
      run = await runScript(script, readers.card, {
        keepGoing: opts.keepGoing ?? false,
        variables: vars,
        ...(opts.json ? {} : { onStep: (r) => out(stepLines(r).join('\n')) }),
      });
      if (opts.junit) {
        await writeJUnitFile(
          opts.junit,
          scriptReport([run], {
            timestamp: started,
            hostname: hostname(),
            properties: { reader: readers.card.name, atr: toHex(readers.card.atr), ...(readers.card.interface ? { interface: readers.card.interface } : {}) },
          }),
        ).catch((err: Error) => {
          throw new FailureError(`--junit ${opts.junit}: ${err.message}`);
        });
      }
      if (opts.json) writeOut(jsonText({ reader: readers.card.name, atr: toHex(readers.card.atr), warnings: script.warnings, ...run }));
      else out(summary(run));
    } finally {
      await readers.close();
    }
    if (!run.ok) {
      const first = run.steps.find((s) => s.outcome === 'failed' || s.outcome === 'error')!;
      throw new FailureError(first.message!);
    }
  });
}
