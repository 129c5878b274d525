/**
 * `sscard settle`: a hospital settlement with one card (src/terminal/flows/hospital-settlement.ts;
 * docs/settlement.md) — the social-security kernel reads the card, the medical-insurance centre of the
 * state directory splits and charges the fund and the personal account, the issuer host charges the
 * cash part to the same card's bank account by a PBOC transaction; one receipt with both parts.
 * `--cancel` reverses both parts, `--recover` finishes what a crash interrupted, `--receipt` prints a
 * receipt again. Parse, build objects, call, print.
 *
 * Exit codes: 0 settled (or cancelled, recovered, printed); 1 not settled — refused (nothing charged),
 * reversed (charged and undone) or pending —, a reader or state failure; 2 usage.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { TransportError } from '../../apdu/transport.js';
import { systemRandom } from '../../env.js';
import { isValidPin } from '../../spec/ssse/pin-commands.js';
import { HospitalSettlement, describeReason, type HospitalSettlementDeps, type PresentedCard, type SettlementRequest } from '../../terminal/flows/hospital-settlement.js';
import { SqliteSettlementJournal } from '../../terminal/flows/settlement/sqlite-journal.js';
import { BillError, parseBill, type Bill } from '../../terminal/hosts/medical-insurance/bill.js';
import { CentreError } from '../../terminal/hosts/medical-insurance/errors.js';
import { DataFileError, loadCatalogues, loadPolicies, openCentre, readJsonFile, type OpenCentre } from '../../terminal/hosts/medical-insurance/index.js';
import { DEFAULT_STATE_DIR, StateDatabaseError } from '../../terminal/hosts/storage/sqlite.js';
import { Blacklist, BlacklistError } from '../../terminal/kernels/ssse-reader/index.js';
import { PsamClient } from '../../terminal/psam/psam-client.js';
import { FailureError, UsageError } from '../errors.js';
import { cancelJson, renderReceipt, renderRecovery, renderUnsettled, settlementJson } from '../format/settlement.js';
import { addIssuerOptions, ISSUER_HELP, openIssuerForCli, type IssuerOptionValues } from '../issuer-options.js';
import { loggerFor } from '../logging.js';
import { writeOut } from '../output.js';
import { progressLine } from '../progress.js';
import { addReaderOptions, openReaders, readerHelp, type OpenedReaders, type ReaderOptionValues } from '../reader-options.js';
import { clockOf } from './centre.js';
import { cliPinPad, terminalConfigFor } from './pay.js';

interface SettleOptions extends ReaderOptionValues, IssuerOptionValues {
  bill?: string;
  cancel?: string;
  recover?: boolean;
  receipt?: string;
  pin?: string;
  bankPin?: string;
  contactless?: boolean;
  offline?: boolean;
  terminal?: string;
  blacklist?: string;
  policies?: string;
  catalogues?: string;
  now?: string;
  json?: boolean;
}

const HELP = `
What it does (docs/settlement.md):
  1. reads the card with the social-security kernel: card check (through the PSAM when given), basic
     information, the PIN (contact);
  2. at the medical-insurance centre of --state-dir: 1101 (certificate 03 with the card identifier) →
     2201 → 2204 → 2206 (the split) → 2207: the pooled fund and the personal account are charged
     (inpatient bills: 2401 → 2301 → 2303 → 2304);
  3. the cash part (psn_cash_pay) is charged to the same card's bank account by a PBOC transaction,
     online through the issuer host of --state-dir (contact; with --contactless by qPBOC, by contact
     above the contactless limit). A cash part of 0 is no bank transaction;
  4. prints one receipt with both parts.
  If the bank part fails, the medical part is reversed (2208, or 2601): nothing stays half-settled.
  The same bill again charges nothing and prints the first receipt. Every settle first finishes what an
  interrupted one left (the journal <state-dir>/settlement.sqlite); --recover does only that.

Offline (--offline): the centre is not asked; the terminal splits the bill with the same policy and
catalogue (this year's deductible taken as unpaid) and the card debits its own personal account
(B0 28 / B0 2C through the PSAM, which --offline requires); the cash part goes to the bank as online.

The persons are the centre's: enrol the card's holder first (sscard centre enrol --seed, or --card-sn);
the bank account is the issuer's (sscard issuer open --card card.json).
${readerHelp(true)}
${ISSUER_HELP}

Output: the receipt (结算单) in Chinese and English; --json: {"outcome","setlinfo" (the platform's
fields, yuan with two decimals),"setldetail","bank" (status, amount, ATC, TVR, TSI …),"recovered"}.
Exit code 0 settled; 1 not settled (refused: nothing charged; reversed; pending), a reader or state
failure; 2 usage. Progress goes to stderr when it is a terminal.

Examples:
  sscard card new --profile shanghai --holder fixtures/holders/shanghai-li.json --out card.json
  sscard psam new --profile shanghai --out psam.json
  sscard centre enrol --seed && sscard issuer open --card card.json --balance 1000.00
  sscard settle --card card.json --psam psam.json --bill fixtures/bills/outpatient.json --pin 123456
  sscard settle --card card.json --bill fixtures/bills/outpatient.json --pin 123456 --json
  sscard settle --card card.json --bill fixtures/bills/three-categories.json --contactless
  sscard settle --card card.json --psam psam.json --bill fixtures/bills/outpatient.json --pin 123456 --offline
  sscard settle --cancel <setl_id>
  sscard settle --recover
  sscard settle --reader "Virtual PCD 00 00" --psam-reader "Virtual PCD 00 01" --bill bill.json --pin 123456`;

export function register(program: Command): void {
  const cmd = program
    .command('settle')
    .description('hospital settlement with one card: the fund and personal account at the centre, the cash part to the bank (PBOC); one receipt')
    .option('--bill <bill.json>', 'the visit to settle (format: fixtures/bills/, docs/medical-insurance-centre.md "Bills")')
    .option('--cancel <setl_id>', 'cancel a settlement of this terminal (2208 and the bank\'s reversal), by setl_id or visit ID')
    .option('--recover', 'only finish what an interrupted settlement left (complete or reverse it)')
    .option('--receipt <setl_id>', 'print the receipt of a settlement again (by setl_id or visit ID)')
    .option('--pin <digits>', "the cardholder's social-security PIN (required on the contact interface); also the bank part's PIN unless --bank-pin")
    .option('--bank-pin <digits>', "the PIN of the card's bank application, if the bank part asks for one (default: --pin)")
    .option('--contactless', 'read the card and pay the cash part contactless (qPBOC)')
    .option('--offline', "the centre is not reachable: the card's own medical debit through the PSAM")
    .option('--terminal <file>', 'terminal configuration (JSON; default fixtures/terminal/default.json, docs/terminal-config.md)')
    .option('--blacklist <file>', 'card identifiers the card check refuses (docs/ssse-reader.md)')
    .option('--policies <dir>', 'policy files (default: the bundled fixtures/policies)')
    .option('--catalogues <dir>', 'catalogue files (default: the bundled fixtures/catalogues)')
    .option('--now <time>', 'the clock: "yyyy-MM-dd HH:mm:ss" China time or ISO 8601 (default: now); it runs on from there')
    .option('--json', 'print the result as JSON');
  addReaderOptions(cmd, { psam: true });
  addIssuerOptions(cmd, { keys: true });
  cmd.addHelpText('after', HELP);
  cmd.action(async (opts: SettleOptions) => {
    await settle(opts, cmd);
  });
}

function checkPin(value: string | undefined, option: string): void {
  if (value !== undefined && !isValidPin(value)) throw new UsageError(`${option} must be 4 to 12 digits`);
}

function loadBill(file: string): Bill {
  try {
    return parseBill(readJsonFile(resolve(file), 'bill'), file);
  } catch (err) {
    if (err instanceof BillError) throw new UsageError(err.message);
    if (err instanceof DataFileError) throw new FailureError(err.message);
    throw err;
  }
}

function loadBlacklist(file: string | undefined): Blacklist | undefined {
  if (!file) return undefined;
  try {
    return Blacklist.parse(readFileSync(file, 'utf8'), file);
  } catch (err) {
    if (err instanceof BlacklistError) throw new FailureError(err.message);
    throw new FailureError(`blacklist ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
}

function asFailure(err: unknown): unknown {
  if (err instanceof StateDatabaseError) return new FailureError(err.message);
  if (err instanceof DataFileError) return new UsageError(err.message);
  if (err instanceof TransportError) return new FailureError(err.message);
  if (err instanceof CentreError) return new FailureError(err.message);
  return err;
}

async function settle(opts: SettleOptions, cmd: Command): Promise<void> {
  const modes = [opts.bill && '--bill', opts.cancel && '--cancel', opts.recover && '--recover', opts.receipt && '--receipt'].filter(Boolean);
  if (modes.length === 0) throw new UsageError('say what to do: --bill <bill.json>, --cancel <setl_id>, --recover or --receipt <setl_id>');
  if (modes.length > 1) throw new UsageError(`${modes.join(' and ')} cannot be used together`);
  checkPin(opts.pin, '--pin');
  checkPin(opts.bankPin, '--bank-pin');
  if (opts.contactless && opts.offline) throw new UsageError('--offline needs the contact interface (the card\'s medical files are not reachable contactless)');
  const contactless = Boolean(opts.contactless) || opts.interface === 'contactless';
  const bill = opts.bill ? loadBill(opts.bill) : undefined;
  if (bill && !contactless && opts.pin === undefined) throw new UsageError('the card asks for the social-security PIN on the contact interface: give it with --pin <digits>');
  if (opts.offline && !opts.psam && !opts.psamReader) throw new UsageError('--offline needs the PSAM: --psam <file> or --psam-reader <name|index>');
  if ((opts.cancel || opts.receipt) && (opts.card || opts.reader)) throw new UsageError(`${opts.cancel ? '--cancel' : '--receipt'} needs no card`);
  const needsCard = Boolean(bill) || (opts.recover && (opts.card || opts.reader));
  const terminal = terminalConfigFor(opts.terminal);
  const blacklist = loadBlacklist(opts.blacklist);
  const log = loggerFor(cmd);
  const clock = clockOf(opts.now);
  const stateDir = opts.stateDir ?? DEFAULT_STATE_DIR;
  const progress = progressLine();

  const closers: Array<() => void | Promise<void>> = [];
  try {
    let centre: OpenCentre;
    try {
      centre = openCentre({
        location: { stateDir },
        clock,
        log,
        ...(opts.policies ? { policiesDir: resolve(opts.policies) } : {}),
        ...(opts.catalogues ? { cataloguesDir: resolve(opts.catalogues) } : {}),
      });
    } catch (err) {
      throw asFailure(err);
    }
    closers.push(() => centre.close());
    const issuer = openIssuerForCli(opts, log);
    closers.push(() => issuer.close());
    let journal: SqliteSettlementJournal;
    try {
      journal = SqliteSettlementJournal.open({ stateDir });
    } catch (err) {
      throw asFailure(err);
    }
    closers.push(() => journal.close());
    const deps: HospitalSettlementDeps = {
      centre: centre.centre,
      issuer,
      journal,
      terminal,
      clock,
      random: systemRandom,
      log,
      ...(blacklist ? { blacklist } : {}),
      ...(opts.offline ? { offlinePolicy: { policies: loadPolicies(opts.policies ? resolve(opts.policies) : undefined), catalogues: loadCatalogues(opts.catalogues ? resolve(opts.catalogues) : undefined) } } : {}),
      hooks: { progress: (p) => progress.step(`${p.zh} ${p.en}`) },
    };
    const flow = new HospitalSettlement(deps);

    let readers: OpenedReaders | undefined;
    if (needsCard) {
      readers = await openReaders({ ...opts, interface: contactless ? 'contactless' : 'contact' }, { log });
      closers.push(() => readers!.close());
    }
    const presented = (): PresentedCard => ({
      reader: readers!.card,
      ...(readers!.psam ? { psam: new PsamClient(readers!.psam) } : {}),
      ...(opts.pin ? { pin: opts.pin } : {}),
      bankPinPad: cliPinPad(opts.bankPin ?? opts.pin),
    });

    try {
      if (bill) {
        const request: SettlementRequest = { ...presented(), bill, ...(contactless ? { contactless: true } : {}), ...(opts.offline ? { offline: true } : {}) };
        const result = await flow.settle(request);
        progress.done();
        if (opts.json) writeOut(settlementJson(result));
        else {
          writeOut(renderRecovery(result.recovered));
          writeOut(result.outcome === 'settled' ? renderReceipt(result.receipt, { repeated: result.repeated }) : renderUnsettled(result));
        }
        if (result.outcome !== 'settled') throw new FailureError(`${{ refused: 'not settled', reversed: 'reversed', pending: 'pending' }[result.outcome]}: ${describeReason(result.reason)}`);
        return;
      }
      if (opts.cancel) {
        const result = await flow.cancel(opts.cancel);
        progress.done();
        if (opts.json) writeOut(cancelJson(result));
        else if (result.outcome === 'cancelled') writeOut(renderReceipt(result.receipt, { cancelled: true, ...(result.cancellation ? { cancellation: result.cancellation } : {}) }));
        if (result.outcome !== 'cancelled') throw new FailureError(`not cancelled: ${describeReason(result.reason)}`);
        return;
      }
      if (opts.receipt) {
        const receipt = flow.receipt(opts.receipt);
        if (!receipt) throw new FailureError(`no receipt for ${opts.receipt} in ${stateDir}/settlement.sqlite`);
        writeOut(opts.json ? `${JSON.stringify(receipt, null, 2)}\n` : renderReceipt(receipt));
        return;
      }
      const reports = await flow.recover(readers ? { card: presented() } : {});
      progress.done();
      if (opts.json) writeOut(`${JSON.stringify({ recovered: reports }, null, 2)}\n`);
      else writeOut(reports.length ? renderRecovery(reports) : '无未完成的结算 nothing to recover\n');
      const pending = reports.filter((r) => r.action === 'pending');
      if (pending.length) throw new FailureError(`${pending.length} visit(s) still pending: ${pending[0]!.detail}`);
    } catch (err) {
      throw asFailure(err);
    }
  } finally {
    progress.done();
    for (const close of closers.reverse()) await close();
  }
}
