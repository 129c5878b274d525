/**
 * `sscard quickpay`: a contactless quick payment at a pharmacy or canteen (src/terminal/flows/quick-pay.ts;
 * docs/settlement.md "Quick payment"): the card's financial area checked, then qPBOC — an offline
 * electronic-cash approval under the terminal's limits (cleared at the issuer), online otherwise, "try
 * another interface" at or above the contactless limit (with `--contact-fallback`: the same purchase by
 * the contact kernel). Unlike `sscard pay --contactless` (the bare kernel) it is the counter's flow.
 *
 * Exit codes: 0 approved; 3 not approved (declined, try another interface, terminated, refused); 1 a
 * reader or state failure; 2 usage.
 */
import type { Command } from 'commander';
import { systemClock, systemRandom } from '../../env.js';
import { quickPay } from '../../terminal/flows/quick-pay.js';
import { DEFAULT_STATE_DIR } from '../../terminal/hosts/storage/sqlite.js';
import { FileTornStore } from '../../terminal/kernels/qpboc/torn-transaction.js';
import { ExitCode } from '../errors.js';
import { renderPayment, yuan } from '../format/payment.js';
import { addIssuerOptions, ISSUER_HELP, type IssuerOptionValues } from '../issuer-options.js';
import { loggerFor } from '../logging.js';
import { writeJson, writeOut } from '../output.js';
import { addReaderOptions, readerHelp, type ReaderOptionValues } from '../reader-options.js';
import { clockOf } from './centre.js';
import { checkPinOption, cliPinPad, parseAmount, terminalConfigFor, withPaymentSession } from './pay.js';

interface QuickPayOptions extends ReaderOptionValues, IssuerOptionValues {
  amount: string;
  pin?: string;
  contactFallback?: boolean;
  terminal?: string;
  now?: string;
  json?: boolean;
}

const OUTCOME_WORDS = {
  approved: '批准 APPROVED',
  declined: '拒绝 DECLINED',
  'try-another-interface': '请插卡 TRY ANOTHER INTERFACE',
  terminated: '终止 TERMINATED',
  refused: '拒绝 REFUSED (the card cannot be used)',
} as const;

export function register(program: Command): void {
  const cmd = program
    .command('quickpay')
    .description('a contactless quick payment (qPBOC): offline electronic cash under the limits, online otherwise')
    .requiredOption('--amount <yuan>', 'amount in yuan, at most two decimals (e.g. 8.00)')
    .option('--pin <digits>', "the cardholder's PIN (online PIN at or above the CVM limit; the contact fallback's PIN)")
    .option('--contact-fallback', 'on "try another interface", pay by the contact interface (the card is inserted)')
    .option('--terminal <file>', 'terminal configuration (JSON; default fixtures/terminal/default.json): floor, CVM and contactless limits')
    .option('--now <time>', 'the clock: "yyyy-MM-dd HH:mm:ss" China time or ISO 8601 (default: now)')
    .option('--json', 'print the result as JSON');
  addReaderOptions(cmd);
  addIssuerOptions(cmd, { keys: true });
  cmd.addHelpText(
    'after',
    `${readerHelp(false)}
${ISSUER_HELP}

The limits come from the terminal configuration (default: floor 500.00, CVM 300.00, contactless
transaction limit 1,000.00): under the floor limit the card may approve offline from its electronic
cash (9F79), which the issuer then clears (its EC ledger follows the card); above it the purchase goes
online; at or above the transaction limit the card must be inserted (--contact-fallback does it).
Output: the outcome and the kernel's result with its receipt; --json: {outcome, approvedBy,
ecBalance, clearing, contactless, contact}. Exit 0 approved, 3 not approved, 1 failure, 2 usage.

Examples:
  sscard card new --profile shanghai --out card.json && sscard issuer open --card card.json
  sscard issuer load <pan> --amount 200.00 && sscard pay --card card.json --amount 1.00 --pin 123456
  sscard quickpay --card card.json --amount 8.00
  sscard quickpay --card card.json --amount 1200 --contact-fallback --pin 123456`,
  );
  cmd.action(async (opts: QuickPayOptions) => {
    await run(opts, cmd);
  });
}

async function run(opts: QuickPayOptions, cmd: Command): Promise<void> {
  const amount = parseAmount(opts.amount);
  checkPinOption(opts.pin);
  const terminal = terminalConfigFor(opts.terminal);
  const log = loggerFor(cmd);
  const clock = opts.now ? clockOf(opts.now) : systemClock;
  const result = await withPaymentSession(opts, 'contactless', log, (card, issuer) =>
    quickPay(
      { reader: card, amount, ...(opts.contactFallback ? { contactFallback: true } : {}) },
      { issuer, terminal, clock, random: systemRandom, log, pinPad: cliPinPad(opts.pin), torn: FileTornStore.inStateDir(opts.stateDir ?? DEFAULT_STATE_DIR) },
    ),
  );
  if (opts.json) writeJson({ ...result, amountYuan: yuan(amount) });
  else {
    const lines = [`快捷支付 QUICK PAYMENT  ${OUTCOME_WORDS[result.outcome]}${result.approvedBy ? ` (${result.approvedBy === 'online' ? '联机 online' : '脱机 offline'})` : ''}  CNY ${yuan(amount)}`];
    if (result.maskedPan) lines.push(`卡号 CARD  ${result.maskedPan}`);
    for (const n of result.notes) lines.push(n);
    writeOut(`${lines.join('\n')}\n\n`);
    const last = result.contact ?? result.contactless;
    if (last) writeOut(renderPayment(last));
  }
  if (result.outcome !== 'approved') throw new ExitCode(3);
}
