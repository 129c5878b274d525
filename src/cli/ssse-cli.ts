/**
 * What the social-security commands (`sscard read`, `pin`, `debit`, `identity`) share: their options
 * (the card, the PSAM, the blacklist, the PIN), opening the kernel over the readers, turning outcomes
 * into one-line messages and exit codes, and width-aware tables (Chinese text is double width:
 * cli-table3 measures with string-width).
 *
 * Exit codes: 0 the operation succeeded; 1 the card, the PSAM or the terminal's checks refused (the
 * outcome is printed, or given as JSON with --json), a reader failed or a file (blacklist, trust) cannot
 * be used; 2 usage.
 */
import { readFileSync } from 'node:fs';
import Table from 'cli-table3';
import type { Command } from 'commander';
import { TransportError } from '../apdu/transport.js';
import { systemClock, systemRandom } from '../env.js';
import type { Logger } from '../log.js';
import { isValidPin } from '../spec/ssse/pin-commands.js';
import { Blacklist, BlacklistError, describeOutcome, formatFen, SsseReader } from '../terminal/kernels/ssse-reader/index.js';
import { PsamClient } from '../terminal/psam/psam-client.js';
import type { CardReader } from '../terminal/reader.js';
import { FailureError, UsageError } from './errors.js';
import { writeJson } from './output.js';
import { loggerFor } from './logging.js';
import { addReaderOptions, openReaders, readerHelp, type ReaderOptionValues } from './reader-options.js';

export interface SsseOptionValues extends ReaderOptionValues {
  blacklist?: string;
  json?: boolean;
}

/** Declares the reader and PSAM options, `--blacklist` and `--json`. */
export function addSsseOptions(cmd: Command): Command {
  addReaderOptions(cmd, { psam: true });
  return cmd
    .option('--blacklist <file>', 'blacklist of card identifiers (卡识别码) the card check refuses (docs/ssse-reader.md)')
    .option('--json', 'machine-readable output (the outcome as JSON)');
}

/** Help text on the card, the PSAM and the blacklist. */
export const SSSE_HELP = `${readerHelp(true)}
  --blacklist <file>                                card identifiers to refuse, one per line (docs/ssse-reader.md)

Every command first checks the card (LD/T 32.7 §5.4): with a PSAM, INTERNAL AUTHENTICATE verified by
the PSAM; then EF05 and the blacklist. A counterfeit, blacklisted, blocked or non-SSSE card stops there.
Exit codes: 0 done; 1 refused (by the card, the PSAM or the checks), a reader failure or a file that
cannot be used; 2 usage.`;

/** A PIN option, checked (4 to 12 digits). */
export function pinOption(value: string | undefined, option: string): string {
  if (value === undefined) throw new UsageError(`${option} <digits> is required`);
  if (!isValidPin(value)) throw new UsageError(`${option} must be 4 to 12 digits`);
  return value;
}

function loadBlacklist(file: string | undefined): Blacklist {
  if (!file) return Blacklist.empty();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new FailureError(`blacklist ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  try {
    return Blacklist.parse(text, file);
  } catch (err) {
    if (err instanceof BlacklistError) throw new FailureError(err.message);
    throw err;
  }
}

/**
 * Opens the card (and the PSAM), builds the kernel, runs `body`, closes everything. A reader or PSAM
 * that cannot be reached is a one-line error (exit 1).
 */
export async function withSsseReader<T>(
  cmd: Command,
  values: SsseOptionValues,
  options: { requirePsam?: boolean; deviceNumber?: string },
  body: (kernel: SsseReader, log: Logger, card: CardReader) => Promise<T>,
): Promise<T> {
  const log = loggerFor(cmd);
  const blacklist = loadBlacklist(values.blacklist);
  const opened = await openReaders(values, { log, ...(options.requirePsam ? { requirePsam: true } : {}) });
  try {
    const kernel = new SsseReader(opened.card, {
      random: systemRandom,
      clock: systemClock,
      log,
      blacklist,
      ...(opened.psam ? { psam: new PsamClient(opened.psam) } : {}),
      ...(options.deviceNumber ? { deviceNumber: options.deviceNumber } : {}),
    });
    return await body(kernel, log, opened.card);
  } catch (err) {
    if (err instanceof TransportError) throw new FailureError(err.message);
    throw err;
  } finally {
    await opened.close();
  }
}

/** Ends a command whose outcome is not a success: JSON on stdout when asked, one line on stderr, exit 1. */
export function refuse(values: { json?: boolean }, outcome: { outcome: string }, json?: unknown): never {
  if (values.json) writeJson(json ?? outcome);
  throw new FailureError(describeOutcome(outcome));
}

export { formatFen };

/** An amount in yuan with at most two decimals ("12.50") as fen; a UsageError for anything else. */
export function parseAmount(text: string, option: string): number {
  const m = /^(\d{1,8})(?:\.(\d{1,2}))?$/.exec(text);
  if (!m) throw new UsageError(`${option} must be an amount in yuan with at most two decimals (e.g. 12.50), got "${text}"`);
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** Two aligned columns (double-width characters counted as two), no borders, no trailing blanks. */
export function table(rows: Array<[string, string]>, indent = ''): string {
  const t = new Table({
    chars: {
      top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
      left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ',
    },
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
  });
  t.push(...rows);
  return t
    .toString()
    .split('\n')
    .map((l) => `${indent}${l.trimEnd()}`)
    .join('\n');
}
