/**
 * `sscard debit --amount 12.50`: the offline medical debit of DF04 (LD/T 33 iDoDebit): card check, PIN,
 * INIT, MAC1 from the PSAM, DEBIT, MAC2 and TAC checked by the PSAM, the new balance and the EF08/EF15
 * records read back.
 */
import type { Command } from 'commander';
import { addSsseOptions, formatFen, parseAmount, pinOption, refuse, SSSE_HELP, table, withSsseReader, type SsseOptionValues } from '../ssse-cli.js';
import { writeJson, writeOut } from '../output.js';
import { beijingTime } from '../ssse-views.js';

interface DebitOptions extends SsseOptionValues {
  amount?: string;
  selfPay?: string;
  fund?: string;
  pin?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command('debit')
    .description('offline medical debit from the card\'s personal account (needs the PIN and a PSAM)')
    .requiredOption('--amount <yuan>', '个人账户金额: the amount drawn from the card, in yuan (e.g. 12.50)')
    .option('--self-pay <yuan>', '个人自付: the part the patient pays otherwise (recorded, accumulated)', '0')
    .option('--fund <yuan>', '统筹基金: the part the pooled fund pays (recorded, accumulated)', '0')
    .option('--pin <digits>', 'the cardholder PIN');
  addSsseOptions(cmd);
  cmd.addHelpText(
    'after',
    `${SSSE_HELP}

The debit (DOMAIN.md §1.4): INIT (B0 28) → MAC1 from the PSAM → DEBIT (B0 2C) → MAC2 and TAC checked by
the PSAM → GET BALANCE (B0 26) → the EF08/EF15 records read back. Insufficient balance, a wrong MAC and
a card that does not allow offline debits are refusals (exit 1).

Examples:
  sscard debit --card card.json --psam psam.json --pin 123456 --amount 12.50
  sscard debit --card card.json --psam psam.json --pin 123456 --amount 30 --self-pay 12.40 --fund 57.60
  sscard debit --reader "Virtual PCD 00 00" --psam-reader "Virtual PCD 00 01" --pin 123456 --amount 5 --json`,
  );
  cmd.action(async (opts: DebitOptions) => {
    const amounts = {
      account: parseAmount(opts.amount ?? '', '--amount'),
      selfPay: parseAmount(opts.selfPay ?? '0', '--self-pay'),
      fund: parseAmount(opts.fund ?? '0', '--fund'),
    };
    const pin = pinOption(opts.pin, '--pin');
    await withSsseReader(cmd, opts, { requirePsam: true }, async (kernel) => {
      const r = await kernel.medicalDebit(amounts, pin);
      if (r.outcome !== 'approved') refuse(opts, r);
      const view = {
        outcome: r.outcome,
        amount: formatFen(amounts.account),
        selfPay: formatFen(amounts.selfPay),
        fund: formatFen(amounts.fund),
        balanceBefore: formatFen(r.balanceBefore),
        balanceAfter: formatFen(r.balanceAfter),
        sequence: r.sequence,
        terminalId: r.terminalId,
        terminalSequence: r.terminalSequence,
        time: beijingTime(r.time),
        tac: r.tac,
        mac2: r.mac2,
        transactionRecord: { ...r.transaction, time: beijingTime(r.transaction.time) },
        settlementRecord: r.settlement,
      };
      if (opts.json) {
        writeJson(view);
        return;
      }
      writeOut(
        `${table([
          ['扣款 debited', `${view.amount} CNY from the personal account (自付 ${view.selfPay}, 统筹 ${view.fund})`],
          ['余额 balance', `${view.balanceBefore} → ${view.balanceAfter} CNY`],
          ['交易序号 sequence', String(r.sequence)],
          ['交易时间 time', view.time],
          ['终端机编号 terminal', `${r.terminalId} (终端交易序号 ${r.terminalSequence})`],
          ['TAC', `${r.tac}  (checked by the PSAM)`],
          ['MAC2', `${r.mac2}  (checked by the PSAM)`],
          ['交易记录 EF08 record 1', `sequence ${r.transaction.sequence}, type '${r.transaction.type}', ${formatFen(r.transaction.account)} CNY`],
          ['结算记录 EF15 record 1', `sequence ${r.settlement.sequence}, category '${r.settlement.category}'`],
        ])}\n`,
      );
    });
  });
}
