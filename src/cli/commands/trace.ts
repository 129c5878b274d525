/**
 * `sscard trace <trace.jsonl>`: a trace decoded (command names, TLV trees with tag names, SSSE data
 * items, status words with their meanings, timings), as text, `--json`, or one self-contained HTML file
 * (`--html out.html`). `sscard trace diff a.jsonl b.jsonl`: golden-trace comparison that ignores what
 * is expected to vary (docs/qa-scripts.md).
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { decodeTrace } from '../../qa/trace/decoded-trace.js';
import { diffTraces, diffText } from '../../qa/trace/diff.js';
import { traceHtml } from '../../qa/trace/html-view.js';
import { readTraceFile, TraceFileError } from '../../qa/trace/trace-file.js';
import { traceText } from '../../qa/trace/text-view.js';
import { FailureError } from '../errors.js';
import { jsonText, writeOut } from '../output.js';

async function load(file: string) {
  try {
    return await readTraceFile(file);
  } catch (err) {
    if (err instanceof TraceFileError) throw new FailureError(err.message);
    throw err;
  }
}

export function register(program: Command): void {
  const trace = program
    .command('trace')
    .description('decode a trace (--trace / sscard serve --trace / sscard record): names, TLV trees, status words, timings; or compare two')
    .argument('<trace.jsonl>', 'a trace file: JSON lines of the trace layer')
    .option('--json', 'the decoded trace as JSON')
    .option('--html <out.html>', 'write one self-contained HTML file (timeline, collapsible TLV trees; no network)')
    .addHelpText(
      'after',
      `
A trace is what --trace writes (every terminal command, sscard serve) and what sscard record writes: one
JSON line per exchange. Each exchange is shown with its command's name (SELECT, READ RECORD, GPO,
GENERATE AC, the PSAM's DELIVER KEY …), what its parameters say, its data and the response data decoded
(BER-TLV trees with EMV/PBOC tag names, SSSE records with the data items' Chinese names, the medical
debit's fields), the status word with its meaning, and how long it took.

Examples:
  sscard read --card card.json --trace read.jsonl && sscard trace read.jsonl
  sscard trace read.jsonl --json | jq '.items[].exchange.command.label'
  sscard trace read.jsonl --html read.html             # open read.html in a browser
  sscard trace diff golden.jsonl today.jsonl           # exit 1 when they differ`,
    )
    .action(async (file: string, opts: { json?: boolean; html?: string }) => {
      const decoded = decodeTrace(await load(file));
      if (opts.html) {
        try {
          await writeFile(opts.html, traceHtml(decoded), 'utf8');
        } catch (err) {
          throw new FailureError(`--html ${opts.html}: ${(err as Error).message}`);
        }
        if (!opts.json) writeOut(`${opts.html}: ${decoded.items.length} entries\n`);
      }
      if (opts.json) writeOut(jsonText(decoded));
      else if (!opts.html) writeOut(traceText(decoded));
    });

  trace
    .command('diff')
    .description('compare a trace with a golden one, ignoring what varies from run to run; exit 1 when they differ')
    .argument('<golden.jsonl>', 'the expected trace')
    .argument('<actual.jsonl>', 'the trace to check')
    .option('--json', 'the differences as JSON')
    .option('--strict', 'compare every byte: no volatile fields ignored')
    .addHelpText(
      'after',
      `
Exchanges are aligned by command (a longest-common-subsequence alignment, so an inserted or missing
exchange shows as one), then compared byte for byte except the fields that are expected to vary between
runs: challenges and random numbers, unpredictable numbers (9F37), cryptograms (9F26, MACs, TACs,
signatures, authentication data), the ATC (9F36) and IAD (9F10), dates and times (9A, 9F21, the
medical debit's transaction time). docs/qa-scripts.md lists the table; --strict turns it off.
The exit code is 0 when the traces agree, 1 when they differ, 2 for usage errors.

Examples:
  sscard trace diff fixtures/traces/read-golden.jsonl read.jsonl
  sscard trace diff a.jsonl b.jsonl --json`,
    )
    .action(async (golden: string, actual: string, _opts: unknown, cmd: Command) => {
      // --json may be taken by `trace` itself (it has one too): read both
      const opts = cmd.optsWithGlobals() as { json?: boolean; strict?: boolean };
      const result = diffTraces(await load(golden), await load(actual), { strict: opts.strict ?? false });
      writeOut(opts.json ? jsonText(result) : diffText(result));
      if (!result.same) throw new FailureError(`${result.differences} difference${result.differences === 1 ? '' : 's'} between ${golden} and ${actual}`);
    });
}
