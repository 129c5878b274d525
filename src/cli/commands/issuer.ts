/**
 * `sscard issuer open|accounts|show|load|deposit|block|unblock|close|pin-unblock|script|cancel-script`:
 * the bank's side of the cards — open an account for a card, inspect accounts, load electronic cash,
 * block and unblock, queue issuer scripts. Parse, build objects, call, print: the work is in
 * src/terminal/hosts/issuer (docs/issuer-host.md).
 */
import { Argument, Option, type Command } from 'commander';
import stringWidth from 'string-width';
import { loggerFor } from '../logging.js';
import { UserError } from '../errors.js';
import { addIssuerOptions, ISSUER_HELP, openIssuerForCli, type IssuerOptionValues } from '../issuer-options.js';
import { addReaderOptions, openReaders, readerHelp, type ReaderOptionValues } from '../reader-options.js';
import { CardAccountError, readCardAccountData } from '../../terminal/hosts/issuer/card-account.js';
import { DEFAULT_ONLINE_PIN } from '../../terminal/hosts/issuer/choices.js';
import {
  formatYuan,
  IssuerAdminError,
  parseYuan,
  type AccountView,
  type IssuerHost,
  type ScriptCommand,
  type ScriptRecord,
  type Statement,
  type TransactionRecord,
} from '../../terminal/hosts/issuer/index.js';
import { writeJson, writeOut } from '../output.js';

type Values = IssuerOptionValues & { json?: boolean };

/** Runs `work` on the host of the options, closing it after; admin refusals are one-line errors (exit 1). */
async function withHost<T>(values: IssuerOptionValues, cmd: Command, work: (host: IssuerHost) => Promise<T>): Promise<T> {
  const host = openIssuerForCli(values, loggerFor(cmd));
  try {
    return await work(host);
  } catch (err) {
    if (err instanceof IssuerAdminError) throw new UserError(err.message, 1);
    throw err;
  } finally {
    await host.close();
  }
}

function amountOption(text: string | undefined, what: string, options: { zero?: boolean } = {}): number | undefined {
  if (text === undefined) return undefined;
  const fen = parseYuan(text);
  if (fen === undefined || (fen === 0 && !options.zero)) {
    throw new UserError(`${what} must be ${options.zero ? 'an' : 'a positive'} amount in yuan with at most two decimals (e.g. 100.00), got "${text}"`);
  }
  return fen;
}

function panArgument(text: string): string {
  if (!/^[0-9]{12,19}$/.test(text)) throw new UserError(`the PAN must be 12 to 19 digits, got "${text}"`);
  return text;
}

function intOption(text: string | undefined, what: string, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]+$/.test(text) || Number(text) < min || Number(text) > max) throw new UserError(`${what} must be an integer ${min}..${max}, got "${text}"`);
  return Number(text);
}

/** Left-aligned columns, width-aware (Chinese names take two columns a character). */
function columns(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => stringWidth(r[i] ?? ''))));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell + ' '.repeat(widths[i]! - stringWidth(cell)))).join('  ').trimEnd()).join('\n');
}

const yuan = (fen: number) => formatYuan(fen);

function accountLine(a: AccountView): string[] {
  return [
    a.pan,
    a.holder || '-',
    a.status,
    a.cardBlocked ? 'blocked' : 'ok',
    yuan(a.balance),
    yuan(a.available),
    yuan(a.ecBalance),
    yuan(a.ecBalanceLimit),
    a.onlinePin === 'set' ? `${a.pinTriesLeft}/${a.pinMaxTries}` : a.onlinePin,
    String(a.scriptsWaiting),
  ];
}

function printAccounts(accounts: AccountView[], where: string): string {
  if (accounts.length === 0) return `no accounts in ${where} (open one: sscard issuer open --card card.json --balance 1000.00)\n`;
  const head = ['PAN', 'holder', 'account', 'card', 'balance', 'available', 'EC', 'EC limit', 'PIN', 'scripts'];
  return `${columns([head, ...accounts.map(accountLine)])}\n`;
}

function describeCommand(c: ScriptCommand): string {
  switch (c.kind) {
    case 'ec-load':
      return `EC load ${yuan(c.amount)}`;
    case 'put-data':
      return `PUT DATA ${c.tag} = ${yuan(c.value)}`;
    case 'update-record':
      return `UPDATE RECORD SFI ${c.sfi} record ${c.record} (${c.data.length / 2} bytes)`;
    case 'pin-change':
      return c.newPin === null ? 'PIN CHANGE' : 'PIN CHANGE (new PIN kept until delivered)';
    default:
      return c.kind.toUpperCase().replace('-', ' ');
  }
}

const TYPE_NAMES: Record<number, string> = { 0x00: 'purchase', 0x60: 'EC load' };

function transactionLine(t: TransactionRecord): string[] {
  const kind = t.kind === 'offline' ? 'offline' : t.kind === 'reversal-only' ? 'reversal' : (TYPE_NAMES[t.type] ?? `type ${t.type.toString(16)}`);
  return [t.createdAt.replace('T', ' ').slice(0, 19), t.id, t.channel ?? '-', kind, yuan(t.amount), t.status, t.responseCode ?? '-', t.reason];
}

function scriptLine(s: ScriptRecord): string[] {
  return [`#${s.id}`, describeCommand(s.command), s.status, `attempts ${s.attempts}`, s.note];
}

function printStatement(s: Statement, where: string): string {
  const a = s.account;
  const pin = a.onlinePin === 'none' ? 'no online PIN' : a.onlinePin === 'blocked' ? 'online PIN BLOCKED' : `online PIN set (${a.pinTriesLeft}/${a.pinMaxTries} tries)`;
  const lines = [
    columns([
      ['account', `${a.pan}  ${a.holder}`],
      ['status', `${a.status}   card ${a.cardBlocked ? 'BLOCKED' : 'not blocked'}   ${pin}`],
      ['balance', `${yuan(a.balance)} (currency ${a.currency})   held ${yuan(a.held)}   EC loads pending ${yuan(a.pendingEcLoads)}   available ${yuan(a.available)}`],
      ['EC ledger', `${yuan(a.ecBalance)} of ${yuan(a.ecBalanceLimit)} (the card's EC balance limit)`],
      ['last ATC', a.lastOnlineAtc === null ? 'no online transaction yet' : String(a.lastOnlineAtc)],
      ['state', where],
    ]),
  ];
  lines.push('', 'transactions (newest first)');
  lines.push(s.transactions.length ? indent(columns(s.transactions.map(transactionLine))) : '  none');
  lines.push('', 'ledger (newest first)');
  lines.push(
    indent(
      columns(
        s.ledger.map((e) => [
          `#${e.seq}`,
          e.at.replace('T', ' ').slice(0, 19),
          e.kind,
          `account ${signed(e.accountDelta)}`,
          `EC ${signed(e.ecDelta)}`,
          `→ ${yuan(e.balanceAfter)} / EC ${yuan(e.ecBalanceAfter)}`,
          e.note,
        ]),
      ),
    ),
  );
  lines.push('', 'issuer scripts');
  lines.push(s.scripts.length ? indent(columns(s.scripts.map(scriptLine))) : '  none');
  return `${lines.join('\n')}\n`;
}

const signed = (fen: number) => (fen > 0 ? `+${yuan(fen)}` : fen < 0 ? yuan(fen) : '0.00');
const indent = (text: string) =>
  text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');

/** JSON of a transaction without the stored internals (fingerprint, first answer). */
function transactionJson(t: TransactionRecord): Omit<TransactionRecord, 'fingerprint' | 'response'> {
  const { fingerprint: _f, response: _r, ...rest } = t;
  return rest;
}

function print(json: boolean | undefined, value: unknown, text: string): void {
  if (json) writeJson(value);
  else writeOut(text);
}

const DELIVERY = 'delivered to the card with its next online transaction (sscard pay … online), in the issuer scripts of the answer';

export function register(program: Command): void {
  const issuer = program
    .command('issuer')
    .description("the bank's issuer host: accounts, electronic-cash loads, blocks, issuer scripts")
    .addHelpText(
      'after',
      `
The issuer host authorises the PBOC transactions of \`sscard pay\` (ARQC checked, ARPC answered) and
keeps one account per card number (PAN) in <state-dir>/issuer.sqlite. Amounts are yuan (--json: fen).

Examples:
  sscard card new --profile shanghai --out card.json
  sscard issuer open --card card.json --balance 1000.00
  sscard issuer accounts
  sscard issuer load 6212340000000000018 --amount 200.00      # EC load, delivered with the next online payment
  sscard issuer show 6212340000000000018
  sscard issuer block 6212340000000000018 --card              # lost card: authorisations answer 62
${ISSUER_HELP}`,
    );

  addIssuerOptions(
    addReaderOptions(
      issuer
        .command('open')
        .description('open an account for a card (PAN given, or read from the card)')
        .option('--pan <pan>', 'card number, if the card is not at hand (see --card / --reader)')
        .option('--holder <name>', "account holder's name (default: the card's 5F20, if any)")
        .option('--balance <yuan>', 'opening balance', '0.00')
        .option('--ec-balance <yuan>', "the card's electronic-cash balance now (read from the card with --card/--reader)")
        .option('--ec-limit <yuan>', "the card's EC balance limit 9F77 (read from the card with --card/--reader; default 1000.00)")
        .option('--pin <digits>', `online PIN (default ${DEFAULT_ONLINE_PIN}, the profiles' PIN)`)
        .option('--no-pin', 'no online PIN (online-PIN transactions answer 55)')
        .option('--pin-tries <n>', 'online PIN tries before it blocks', '3')
        .option('--json', 'machine-readable output'),
    ),
    { keys: true },
  )
    .addHelpText(
      'after',
      `
With --card or --reader the card is read (SELECT the debit application, READ RECORD, GET DATA; no
transaction, the ATC does not move): PAN, sequence number, EC balance and limit come from the card.
The PAN's BIN must have issuer keys (see --issuer-keys), or the host could not check its cryptograms.
${readerHelp(false)}
${ISSUER_HELP}

Examples:
  sscard issuer open --card card.json --balance 1000.00
  sscard issuer open --reader 0 --balance 50.00 --pin 246810
  sscard issuer open --pan 6212340000000000018 --balance 1000.00 --ec-balance 0.00 --no-pin`,
    )
    .action(async (opts: Values & ReaderOptionValues & Record<string, string | boolean | string[] | undefined>, cmd: Command) => {
      if (opts.pan && (opts.card || opts.reader)) throw new UserError('give --pan, or --card/--reader to read it from the card, not both');
      if (!opts.pan && !opts.card && !opts.reader) throw new UserError('say which card: --pan <pan>, --card <file> or --reader <name|index>');
      const balance = amountOption(opts.balance as string, '--balance', { zero: true })!;
      let ecBalance = amountOption(opts.ecBalance as string | undefined, '--ec-balance', { zero: true });
      let ecLimit = amountOption(opts.ecLimit as string | undefined, '--ec-limit', { zero: true });
      const pinTries = intOption(opts.pinTries as string, '--pin-tries', 1, 15)!;
      const pin = opts.pin === false ? null : typeof opts.pin === 'string' ? opts.pin : DEFAULT_ONLINE_PIN;
      if (pin !== null && !/^[0-9]{4,12}$/.test(pin)) throw new UserError('--pin must be 4 to 12 digits');
      let pan = opts.pan as string | undefined;
      let holder = opts.holder as string | undefined;
      if (pan) panArgument(pan);
      else {
        const readers = await openReaders(opts, { log: loggerFor(cmd) });
        try {
          const data = await readCardAccountData(readers.card);
          pan = data.pan;
          holder ??= data.holder;
          if (ecBalance === undefined) ecBalance = data.ecBalance;
          if (ecLimit === undefined) ecLimit = data.ecBalanceLimit;
        } catch (err) {
          if (err instanceof CardAccountError) throw new UserError(err.message, 1);
          throw err;
        } finally {
          await readers.close();
        }
      }
      const view = await withHost(opts, cmd, (host) =>
        host.openAccount({
          pan: pan!,
          balance,
          pin,
          pinMaxTries: pinTries,
          ...(holder !== undefined ? { holder } : {}),
          ...(ecBalance !== undefined ? { ecBalance } : {}),
          ...(ecLimit !== undefined ? { ecBalanceLimit: ecLimit } : {}),
        }),
      );
      print(opts.json, view, `opened account ${view.pan}${view.holder ? ` (${view.holder})` : ''}: balance ${yuan(view.balance)}, EC ${yuan(view.ecBalance)} of ${yuan(view.ecBalanceLimit)}, online PIN ${view.onlinePin}\n`);
    });

  addIssuerOptions(issuer.command('accounts').description('list the accounts').option('--json', 'machine-readable output'))
    .addHelpText('after', `\nExamples:\n  sscard issuer accounts\n  sscard issuer accounts --state-dir /tmp/bank --json\n`)
    .action(async (opts: Values, cmd: Command) => {
      await withHost(opts, cmd, async (host) => {
        const accounts = await host.accounts();
        print(opts.json, accounts, printAccounts(accounts, host.storageDescription));
      });
    });

  addIssuerOptions(
    issuer
      .command('show')
      .description('one account: balances, EC ledger, latest transactions and ledger entries, issuer scripts')
      .argument('<pan>', 'card number')
      .option('--limit <n>', 'how many transactions and ledger entries', '20')
      .option('--json', 'machine-readable output'),
  )
    .addHelpText('after', `\nExamples:\n  sscard issuer show 6212340000000000018\n  sscard issuer show 6212340000000000018 --json | jq .account.available\n`)
    .action(async (panText: string, opts: Values & { limit: string }, cmd: Command) => {
      const pan = panArgument(panText);
      const limit = intOption(opts.limit, '--limit', 1, 10_000)!;
      await withHost(opts, cmd, async (host) => {
        const s = await host.statement(pan, limit);
        print(opts.json, { ...s, transactions: s.transactions.map(transactionJson) }, printStatement(s, host.storageDescription));
      });
    });

  addIssuerOptions(
    issuer
      .command('load')
      .description('load electronic cash onto a card from its account (queues PUT DATA 9F79 for the card)')
      .argument('<pan>', 'card number')
      .requiredOption('--amount <yuan>', 'amount to load')
      .option('--json', 'machine-readable output'),
  )
    .addHelpText(
      'after',
      `
The amount is held on the account at once and the load waits for the card: it is ${DELIVERY}
(template 72: PUT DATA 9F79 with the new balance and its MAC). The account is debited and the EC
ledger credited when the card's result comes back; a load the card refuses is released.

Examples:
  sscard issuer load 6212340000000000018 --amount 200.00
  sscard pay --card card.json --amount 0.01        # an online payment carries the load to the card`,
    )
    .action(async (panText: string, opts: Values & { amount: string }, cmd: Command) => {
      const pan = panArgument(panText);
      const amount = amountOption(opts.amount, '--amount')!;
      await withHost(opts, cmd, async (host) => {
        const s = await host.queueScript(pan, { kind: 'ec-load', amount });
        print(opts.json, s, `queued EC load of ${yuan(amount)} for ${pan} (script #${s.id}): ${DELIVERY}\n`);
      });
    });

  addIssuerOptions(
    issuer
      .command('deposit')
      .description('credit an account (a deposit at the counter)')
      .argument('<pan>', 'card number')
      .requiredOption('--amount <yuan>', 'amount to credit')
      .option('--json', 'machine-readable output'),
  )
    .addHelpText('after', `\nExamples:\n  sscard issuer deposit 6212340000000000018 --amount 500.00\n`)
    .action(async (panText: string, opts: Values & { amount: string }, cmd: Command) => {
      const pan = panArgument(panText);
      const amount = amountOption(opts.amount, '--amount')!;
      await withHost(opts, cmd, async (host) => {
        const a = await host.deposit(pan, amount);
        print(opts.json, a, `deposited ${yuan(amount)} on ${pan}: balance ${yuan(a.balance)}, available ${yuan(a.available)}\n`);
      });
    });

  for (const action of ['block', 'unblock'] as const) {
    const blocking = action === 'block';
    addIssuerOptions(
      issuer
        .command(action)
        .description(blocking ? 'block an account (answers 78) or, with --card, the card (answers 62)' : 'unblock an account or, with --card, the card at the host')
        .argument('<pan>', 'card number')
        .option('--card', blocking ? 'block the card (lost, stolen) instead of the account' : 'unblock the card at the host instead of the account')
        .option('--script', blocking ? 'also queue APPLICATION BLOCK (or CARD BLOCK with --card) for the card itself' : 'also queue APPLICATION UNBLOCK for the card (not with --card: CARD BLOCK is final)')
        .option('--json', 'machine-readable output'),
    )
      .addHelpText(
        'after',
        blocking
          ? `\nA blocked account or card is refused online from now on. With --script the card itself is blocked too,\nwhen it next goes online (template 71, before the final GENERATE AC).\n\nExamples:\n  sscard issuer block 6212340000000000018\n  sscard issuer block 6212340000000000018 --card --script\n`
          : `\nExamples:\n  sscard issuer unblock 6212340000000000018\n  sscard issuer unblock 6212340000000000018 --script\n  sscard issuer unblock 6212340000000000018 --card\n`,
      )
      .action(async (panText: string, opts: Values & { card?: boolean; script?: boolean }, cmd: Command) => {
        const pan = panArgument(panText);
        await withHost(opts, cmd, async (host) => {
          let a: AccountView;
          if (opts.card) a = await host.setCardBlocked(pan, blocking, { script: Boolean(opts.script) });
          else {
            a = await host.setAccountStatus(pan, blocking ? 'blocked' : 'active');
            if (opts.script) await host.queueScript(pan, { kind: blocking ? 'application-block' : 'application-unblock' });
          }
          const what = opts.card ? `card ${blocking ? 'blocked' : 'unblocked'} at the host` : `account ${a.status}`;
          print(opts.json, a, `${pan}: ${what}${opts.script ? `; script queued (${DELIVERY})` : ''}\n`);
        });
      });
  }

  addIssuerOptions(issuer.command('close').description('close an account for good (answers 78)').argument('<pan>', 'card number').option('--json', 'machine-readable output'))
    .addHelpText('after', `\nExamples:\n  sscard issuer close 6212340000000000018\n`)
    .action(async (panText: string, opts: Values, cmd: Command) => {
      const pan = panArgument(panText);
      await withHost(opts, cmd, async (host) => {
        const a = await host.setAccountStatus(pan, 'closed');
        print(opts.json, a, `${pan}: account closed (balance ${yuan(a.balance)})\n`);
      });
    });

  addIssuerOptions(
    issuer
      .command('pin-unblock')
      .description("reset the online PIN's tries; with --script also unblock the card's offline PIN")
      .argument('<pan>', 'card number')
      .option('--script', 'also queue PIN UNBLOCK (84 24 00 00) for the card')
      .option('--json', 'machine-readable output'),
  )
    .addHelpText('after', `\nExamples:\n  sscard issuer pin-unblock 6212340000000000018 --script\n`)
    .action(async (panText: string, opts: Values & { script?: boolean }, cmd: Command) => {
      const pan = panArgument(panText);
      await withHost(opts, cmd, async (host) => {
        const a = await host.unblockPin(pan, { script: Boolean(opts.script) });
        print(opts.json, a, `${pan}: online PIN tries ${a.pinTriesLeft}/${a.pinMaxTries}${opts.script ? `; PIN UNBLOCK queued (${DELIVERY})` : ''}\n`);
      });
    });

  addIssuerOptions(
    issuer
      .command('script')
      .description('queue an issuer script command for a card')
      .argument('<pan>', 'card number')
      .addArgument(
        new Argument('<command>', 'what the card is to do').choices([
          'application-block',
          'application-unblock',
          'card-block',
          'pin-unblock',
          'pin-change',
          'update-record',
          'put-data',
        ]),
      )
      .option('--new-pin <digits>', 'pin-change: the new PIN (offline and, once the card confirms, online)')
      .option('--sfi <n>', 'update-record: short file identifier')
      .option('--record <n>', 'update-record: record number')
      .option('--data <hex>', 'update-record: the new record (hex)')
      .addOption(new Option('--tag <tag>', 'put-data: the EC object').choices(['9F77', '9F78', '9F6D']))
      .option('--value <yuan>', 'put-data: its new value')
      .option('--json', 'machine-readable output'),
  )
    .addHelpText(
      'after',
      `
Every command carries a MAC under the card's MAC session key of that transaction and is ${DELIVERY}.
Blocks go in template 71 (before the final GENERATE AC), the rest in 72. EC loads: sscard issuer load.

Examples:
  sscard issuer script 6212340000000000018 pin-change --new-pin 246810
  sscard issuer script 6212340000000000018 put-data --tag 9F78 --value 300.00
  sscard issuer script 6212340000000000018 update-record --sfi 1 --record 1 --data 7013…`,
    )
    .action(async (panText: string, kind: string, opts: Values & Record<string, string | undefined>, cmd: Command) => {
      const pan = panArgument(panText);
      let command: ScriptCommand;
      if (kind === 'pin-change') {
        if (!opts.newPin || !/^[0-9]{4,12}$/.test(opts.newPin)) throw new UserError('pin-change needs --new-pin with 4 to 12 digits');
        command = { kind, newPin: opts.newPin };
      } else if (kind === 'update-record') {
        const sfi = intOption(opts.sfi, '--sfi', 1, 30);
        const record = intOption(opts.record, '--record', 1, 254);
        if (sfi === undefined || record === undefined || !opts.data) throw new UserError('update-record needs --sfi, --record and --data');
        if (!/^(?:[0-9A-Fa-f]{2})+$/.test(opts.data)) throw new UserError('--data must be hex bytes');
        command = { kind, sfi, record, data: opts.data.toUpperCase() };
      } else if (kind === 'put-data') {
        if (!opts.tag || opts.value === undefined) throw new UserError('put-data needs --tag and --value');
        command = { kind, tag: opts.tag as '9F77' | '9F78' | '9F6D', value: amountOption(opts.value, '--value', { zero: true })! };
      } else {
        command = { kind } as ScriptCommand;
      }
      await withHost(opts, cmd, async (host) => {
        const s = await host.queueScript(pan, command);
        print(opts.json, s, `queued ${describeCommand(s.command)} for ${pan} (script #${s.id}): ${DELIVERY}\n`);
      });
    });

  addIssuerOptions(
    issuer.command('cancel-script').description('cancel a queued issuer script').argument('<id>', 'script number (sscard issuer show)').option('--json', 'machine-readable output'),
  )
    .addHelpText('after', `\nExamples:\n  sscard issuer cancel-script 3\n`)
    .action(async (idText: string, opts: Values, cmd: Command) => {
      const id = intOption(idText.replace(/^#/, ''), 'the script number', 1, 0xffffffff)!;
      await withHost(opts, cmd, async (host) => {
        const s = await host.cancelScript(id);
        print(opts.json, s, `script #${s.id} (${describeCommand(s.command)}) cancelled\n`);
      });
    });
}
