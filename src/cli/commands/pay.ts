/**
 * `sscard pay`: a purchase through the PBOC contact kernel or, with `--contactless`, the qPBOC kernel,
 * against a simulated card or a card in a PC/SC reader, online through the issuer host of the state
 * directory. Prints the outcome, TVR and TSI with their bits named, the cryptogram, balances and a
 * receipt; `--json` prints the kernel result. Exit 0 approved, 3 not approved (declined, try another
 * interface, terminated), 1 failure (reader, card I/O), 2 usage.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { TransportError } from '../../apdu/transport.js';
import { systemClock, systemRandom } from '../../env.js';
import type { Logger } from '../../log.js';
import type { CardInterface } from '../../spec/card-interface.js';
import { loadTerminalConfig, TerminalConfigError, type TerminalConfig } from '../../terminal/config/terminal-config.js';
import type { IssuerHost } from '../../terminal/hosts/issuer/index.js';
import { DEFAULT_STATE_DIR } from '../../terminal/hosts/storage/sqlite.js';
import type { PinPad } from '../../terminal/kernels/context.js';
import type { KernelResult } from '../../terminal/kernels/outcome.js';
import { runPbocContact } from '../../terminal/kernels/pboc-contact/kernel.js';
import { runQpboc } from '../../terminal/kernels/qpboc/kernel.js';
import { FileTornStore } from '../../terminal/kernels/qpboc/torn-transaction.js';
import type { CardReader } from '../../terminal/reader.js';
import { ExitCode, FailureError, UsageError, UserError } from '../errors.js';
import { renderPayment, yuan } from '../format/payment.js';
import { loggerFor } from '../logging.js';
import { writeJson, writeOut } from '../output.js';
import { addIssuerOptions, ISSUER_HELP, openIssuerForCli, type IssuerOptionValues } from '../issuer-options.js';
import { addReaderOptions, openReaders, readerHelp, type ReaderOptionValues } from '../reader-options.js';

/** The terminal configuration used without `--terminal`. */
export const DEFAULT_TERMINAL_FILE = fileURLToPath(new URL('../../../fixtures/terminal/default.json', import.meta.url));

/** Largest amount of an n12 field, fen. */
const MAX_FEN = 999_999_999_999;

/**
 * Parses an amount in yuan: a positive decimal with at most two places ("12.50", "3", "0.01").
 * @throws UserError (exit 2) for anything else
 */
export function parseAmount(text: string): number {
  const m = /^(\d{1,10})(?:\.(\d{1,2}))?$/.exec(text.trim());
  const fen = m ? Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0')) : NaN;
  if (!m || !(fen > 0) || fen > MAX_FEN) {
    throw new UserError(`--amount: "${text}" is not a positive amount in yuan with at most two decimals (e.g. 12.50)`);
  }
  return fen;
}

/** The terminal configuration of `--terminal` (default fixtures/terminal/default.json). */
export function terminalConfigFor(file: string | undefined): TerminalConfig {
  try {
    return loadTerminalConfig(file ? resolve(file) : DEFAULT_TERMINAL_FILE);
  } catch (err) {
    if (err instanceof TerminalConfigError) throw new UserError(err.message);
    throw err;
  }
}

/**
 * Checks `--pin` when given: 4 to 12 digits, what the PIN block of VERIFY can carry (EMV Book 3 §6.5.12).
 * @throws UsageError (exit 2) for anything else
 */
export function checkPinOption(pin: string | undefined): void {
  if (pin !== undefined && !/^[0-9]{4,12}$/.test(pin)) throw new UsageError('--pin: 4 to 12 digits');
}

/**
 * The session of one payment command (`sscard pay`, `sscard quickpay`): opens the issuer host, then the
 * card (and PSAM) the options name with the card on `iface`, runs `payment` on them, and closes the
 * readers, then the host, whatever happens. A reader failing mid-way (a `TransportError`) ends the
 * command with one line naming the reader, exit 1.
 */
export async function withPaymentSession<T>(
  opts: ReaderOptionValues & IssuerOptionValues,
  iface: CardInterface,
  log: Logger,
  payment: (card: CardReader, issuer: IssuerHost) => Promise<T>,
): Promise<T> {
  const issuer = openIssuerForCli(opts, log);
  try {
    const readers = await openReaders({ ...opts, interface: iface }, { log });
    try {
      return await payment(readers.card, issuer);
    } catch (err) {
      if (err instanceof TransportError) throw new FailureError(`${readers.card.name}: ${err.message}`);
      throw err;
    } finally {
      await readers.close();
    }
  } finally {
    await issuer.close();
  }
}

/**
 * The CLI's PIN pad: `--pin` once. A card asking for a PIN when none was given ends the command (exit 2);
 * a second request (the first PIN was wrong) is answered "not entered" — the cardholder gave one PIN.
 */
export function cliPinPad(pin: string | undefined): PinPad {
  let given = false;
  return {
    async enterPin(request) {
      if (pin === undefined) {
        throw new UserError(`the card asks for the cardholder's PIN (${request.kind === 'online' ? 'online PIN' : 'offline PIN'}): give it with --pin <digits>`);
      }
      if (given) return undefined;
      given = true;
      return pin;
    },
  };
}

interface PayOptions extends ReaderOptionValues, IssuerOptionValues {
  amount: string;
  contactless?: boolean;
  pin?: string;
  terminal?: string;
  json?: boolean;
  forceOnline?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('pay')
    .description('a purchase through the PBOC contact kernel (or --contactless: qPBOC), online through the issuer host')
    .requiredOption('--amount <yuan>', 'amount in yuan, at most two decimals (e.g. 12.50)')
    .option('--contactless', 'present the card contactless: the qPBOC kernel (same as --interface contactless)')
    .option('--pin <digits>', "the cardholder's PIN, if the card asks for one (offline or online PIN)")
    .option('--terminal <file>', 'terminal configuration (JSON; default: fixtures/terminal/default.json, docs/terminal-config.md)')
    .option('--force-online', 'the merchant forces the transaction online')
    .option('--json', 'print the kernel result as JSON');
  addReaderOptions(cmd);
  addIssuerOptions(cmd, { keys: true });
  cmd.addHelpText(
    'after',
    `${readerHelp(false)}
${ISSUER_HELP}

The issuer host keeps its accounts in <state-dir>/issuer.sqlite (default ./.sscard/); a card whose PAN
has no account there is declined online (response code 14): open one with
\`sscard issuer open --card card.json\`. An EC purchase interrupted by the card leaving the field is
kept in <state-dir>/terminal-torn.json and recovered when the card is presented again
(docs/pboc-kernels.md).

Output: the outcome, amount, card, cryptogram, CVM, issuer answer, balances, TVR and TSI with their bits
named, issuer scripts, then a receipt. --json: the kernel result (outcome, approvedBy, reason, amount,
tvr, tsi, atc, ecBalance, cryptograms, trace …). Exit code 0 approved, 3 not approved, 1 failure, 2 usage.

Examples:
  sscard card new --profile shanghai --out card.json
  sscard issuer open --card card.json --balance 1000.00
  sscard pay --card card.json --amount 12.50 --pin 123456
  sscard pay --card card.json --amount 8.00 --contactless
  sscard pay --card card.json --amount 1200 --contactless          # over the contactless limit: try another interface
  sscard pay --reader "Virtual PCD 00 01" --amount 25 --pin 123456 --json
  sscard pay --card card.json --amount 3.50 --terminal my-terminal.json --trace pay.jsonl`,
  );
  cmd.action(async (opts: PayOptions) => {
    await pay(opts, cmd);
  });
}

async function pay(opts: PayOptions, cmd: Command): Promise<void> {
  const amount = parseAmount(opts.amount);
  checkPinOption(opts.pin);
  const config = terminalConfigFor(opts.terminal);
  const contactless = Boolean(opts.contactless) || opts.interface === 'contactless';
  const log = loggerFor(cmd);
  const stateDir = opts.stateDir ?? DEFAULT_STATE_DIR;
  const result: KernelResult = await withPaymentSession(opts, contactless ? 'contactless' : 'contact', log, async (card, issuer) => {
    const deps = { config, issuer, pinPad: cliPinPad(opts.pin), clock: systemClock, random: systemRandom, log: log.child({ kernel: contactless ? 'qpboc' : 'pboc' }) };
    const request = { amount, ...(opts.forceOnline ? { forceOnline: true } : {}) };
    return contactless
      ? await runQpboc(card.transport, request, { ...deps, torn: FileTornStore.inStateDir(stateDir) })
      : await runPbocContact(card.transport, request, deps);
  });
  if (opts.json) writeJson({ ...result, amountYuan: yuan(result.amount) });
  else writeOut(renderPayment(result));
  if (result.outcome !== 'APPROVED') throw new ExitCode(3);
}
