/**
 * `sscard cards issue|activate|report-loss|lift-loss|replace|reset-pin|show|list|blacklist`: the
 * card's life at the card-management host (docs/card-life.md). Parse, build objects, call, print: the
 * rules are in src/terminal/hosts/card-management/, the card is read through the social-security
 * kernel (src/terminal/flows/card-life.ts). `replace` personalises the new card as `sscard card new`
 * does (src/card/personalize), from the holder data the host keeps.
 */
import { existsSync, unlinkSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { seededRandom, systemRandom, type Clock, type RandomSource } from '../../env.js';
import type { Logger } from '../../log.js';
import { encodeGbk } from '../../apdu/text/gbk.js';
import { cardNumberCheckChar } from '../../card/apps/ssse/check-digits.js';
import { HolderError, parseHolder, type Holder } from '../../card/personalize/holder.js';
import { personalize } from '../../card/personalize/personalize.js';
import type { Profile } from '../../card/personalize/profile.js';
import { validateImage } from '../../card/image/validate.js';
import { CardImageError } from '../../card/image/store.js';
import { CARD_AREAS, type CardArea, type CardRecord, type Place, type PlaceKind } from '../../terminal/hosts/card-management/index.js';
import { readIssuedCard, resetPinAtWindow } from '../../terminal/flows/card-life.js';
import { describeOutcome } from '../../terminal/kernels/ssse-reader/index.js';
import { DEFAULT_STATE_DIR } from '../../terminal/hosts/storage/sqlite.js';
import { cardLifeUserError, openCardLifeHosts, type CardLifeHosts } from '../card-life-hosts.js';
import { clockOption } from '../clock-option.js';
import { FailureError, UsageError } from '../errors.js';
import { cardJson, cardText, changeJson, changeText, AREA_STATE_WORDS } from '../format/card-life.js';
import { columns } from './centre.js';
import { loggerFor } from '../logging.js';
import { writeJson, writeOut } from '../output.js';
import { addSsseOptions, pinOption, SSSE_HELP, withSsseReader, type SsseOptionValues } from '../ssse-cli.js';
import { listProfiles, loadProfile, writeCardImage } from './card.js';

interface CommonOptions extends SsseOptionValues {
  stateDir?: string;
  now?: string;
  json?: boolean;
}

/** Where the operator works: `--at` names the kind of place, `--place` its identifier. */
const AT: Readonly<Record<string, PlaceKind>> = {
  hospital: 'designated-medical',
  pharmacy: 'designated-medical',
  bank: 'bank',
  'service-window': 'service-window',
  merchant: 'merchant',
  'self-service': 'self-service',
};

const DEFAULT_PLACE_ID: Readonly<Record<PlaceKind, string>> = {
  'designated-medical': 'H00000000001',
  bank: 'BANK-0001',
  'service-window': 'SSC-WINDOW-01',
  merchant: 'MERCHANT-0001',
  'self-service': 'KIOSK-01',
};

function addCommon(cmd: Command, options: { card?: 'read' | 'optional' | 'none'; at?: readonly string[]; defaultAt?: string } = {}): Command {
  if (options.card && options.card !== 'none') addSsseOptions(cmd);
  else cmd.option('--json', 'machine-readable output');
  cmd
    .option('--state-dir <dir>', `state directory of the hosts (card-management.sqlite, issuer.sqlite, centre.sqlite; default ./${DEFAULT_STATE_DIR}/)`)
    .option('--now <time>', 'the clock: "yyyy-MM-dd HH:mm:ss" China time or ISO 8601 (default: now); it runs on from there');
  if (options.at) {
    cmd
      .addOption(new Option('--at <place>', 'where this is done').choices([...options.at]).default(options.defaultAt ?? options.at[0]))
      .option('--place <id>', 'identifier of the place (institution code, branch number)');
  }
  return cmd;
}

function placeOf(opts: { at?: string; place?: string }): Place {
  const kind = AT[opts.at ?? 'service-window']!;
  const id = opts.place ?? DEFAULT_PLACE_ID[kind];
  if (!/^[\x21-\x7e]{1,40}$/.test(id)) throw new UsageError(`--place must be 1 to 40 printable ASCII characters, got "${id}"`);
  return { kind, id };
}

function certnoOption(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9]{17}[0-9Xx]$/.test(value)) throw new UsageError(`--certno must be an 18-character ID number, got "${value}"`);
  return value.toUpperCase();
}

async function withHosts<T>(opts: CommonOptions, cmd: Command, body: (hosts: CardLifeHosts, clock: Clock, log: Logger) => Promise<T>): Promise<T> {
  const clock = clockOption(opts.now);
  const log = loggerFor(cmd);
  const hosts = openCardLifeHosts({ ...(opts.stateDir ? { stateDir: opts.stateDir } : {}), clock, log });
  try {
    return await body(hosts, clock, log);
  } catch (err) {
    throw cardLifeUserError(err);
  } finally {
    await hosts.close();
  }
}

/** The card a command is about: read from the card (`--card`/`--reader`) or named by `<who>`. */
async function cardKey(opts: CommonOptions, who: string | undefined, cmd: Command): Promise<string> {
  const reading = Boolean(opts.card || opts.reader);
  if (reading && who) throw new UsageError('name the card either with --card/--reader or as an argument, not both');
  if (!reading) {
    if (!who) throw new UsageError('which card? --card <file>, --reader <name|index>, or its card number / card identifier / PAN / ID number as an argument');
    return who;
  }
  return withSsseReader(cmd, opts, {}, async (kernel) => {
    const check = await kernel.checkCard();
    if (check.outcome !== 'authentic' && check.outcome !== 'unchecked') throw new FailureError(`the card cannot be read: ${describeOutcome(check)}`);
    const id = check.identifier;
    return `${id.region}${id.rid}${id.serial}${id.authCode}`;
  });
}

function areasOf(text: string): CardArea[] {
  if (text === 'both') return [...CARD_AREAS];
  if ((CARD_AREAS as readonly string[]).includes(text)) return [text as CardArea];
  throw new UsageError(`--area must be social-security, financial or both, got "${text}"`);
}

const EXAMPLES = `
Examples:
  sscard card new --profile shanghai --holder fixtures/holders/shanghai-li.json --out card.json
  sscard cards issue --card card.json                         # the issuer records the card (not activated)
  sscard cards activate --card card.json --area both --at bank
  sscard cards report-loss SH0012349 --now "2026-03-02 10:00:00"   # temporary: 7 days, lapses by itself
  sscard cards show SH0012349 --now "2026-03-09 10:00:00"          # … 7 days later: restored by itself
  sscard cards report-loss SH0012349 --formal
  sscard cards replace SH0012349 --out new.json               # a new card: new card number and serial
  sscard cards reset-pin --card card.json --psam psam.json --new-pin 123456
  sscard cards list`;

export function register(program: Command): void {
  const cards = program
    .command('cards')
    .description("the card's life at the card-management host: issue, activate, loss reports, replacement, PIN reset")
    .addHelpText(
      'after',
      `
The card-management host is the issuer's record of every card: each card's social-security area
(社保功能) and financial area (金融功能) work only once activated — the social-security area at its first
use at a designated hospital or pharmacy, or at a bank or service window; the financial area at the
bank. A temporary loss report (临时挂失) suspends both for 7 days and lapses by itself; a formal one
(正式挂失) is final and leads to a replacement card. The host tells the bank (card blocked: 62) and the
medical-insurance centre (card bound / deregistered) in the same state directory (docs/card-life.md).
${EXAMPLES}`,
    );

  addCommon(
    cards
      .command('issue')
      .description('record a personalised card at the card-management host (both areas not activated)')
      .option('--replaces <card>', 'the card this one replaces for the same person (card number, identifier or PAN)'),
    { card: 'read', at: ['service-window', 'bank'] },
  )
    .addHelpText('after', `${SSSE_HELP}

Reads the card (card check, EF05/EF06/EF0D, the financial application's PAN) and records it.

Examples:
  sscard cards issue --card card.json
  sscard cards issue --card card.json --psam psam.json --state-dir /tmp/st`)
    .action(async (opts: CommonOptions & { replaces?: string; at?: string; place?: string }, cmd: Command) => {
      const place = placeOf(opts);
      await withHosts(opts, cmd, async ({ cards: host }) => {
        if (!opts.card && !opts.reader) throw new UsageError('say which card to record: --card <file> or --reader <name|index>');
        const issued = await withSsseReader(cmd, opts, {}, (kernel, _log, reader) => readIssuedCard(kernel, reader));
        const result = await host.issue(issued, { place, ...(opts.replaces ? { replaces: opts.replaces } : {}) });
        if (opts.json) return writeJson(changeJson(result));
        writeOut(changeText(result));
      });
    });

  addCommon(
    cards
      .command('activate')
      .description('activate the social-security area, the financial area or both (the card is read)')
      .addOption(new Option('--area <area>', 'which area').choices(['social-security', 'financial', 'both']).default('both'))
      .option('--certno <id>', 'the ID number the holder shows (checked against the card\'s holder)'),
    { card: 'read', at: ['bank', 'hospital', 'pharmacy', 'service-window'] },
  )
    .addHelpText('after', `${SSSE_HELP}

The social-security area is activated at a hospital, a pharmacy, a bank or a service window (a
designated hospital or pharmacy also activates it at the card's first use there); the financial area
only at the bank.

Examples:
  sscard cards activate --card card.json --area both --at bank
  sscard cards activate --card card.json --area social-security --at hospital --place H31010400123
  sscard cards activate --reader 0 --psam-reader 1 --area financial --at bank --certno 310104199203154427`)
    .action(async (opts: CommonOptions & { area: string; at?: string; place?: string; certno?: string }, cmd: Command) => {
      const areas = areasOf(opts.area);
      const place = placeOf(opts);
      const certno = certnoOption(opts.certno);
      await withHosts(opts, cmd, async ({ cards: host }) => {
        if (!opts.card && !opts.reader) throw new UsageError('activation needs the card: --card <file> or --reader <name|index>');
        const key = await cardKey(opts, undefined, cmd);
        const result = await host.activate(key, areas, place, certno);
        if (opts.json) return writeJson(changeJson(result));
        writeOut(changeText(result));
      });
    });

  addCommon(
    cards
      .command('report-loss')
      .description('report a card lost: temporary (7 days, lapses by itself) or --formal (final)')
      .argument('[card]', 'card number, card identifier, PAN or the holder\'s ID number (or --card/--reader)')
      .option('--formal', 'a formal loss report (正式挂失): final; a temporary report in force is made formal')
      .option('--certno <id>', 'the ID number the holder shows (checked)'),
    { card: 'optional', at: ['service-window', 'bank'] },
  )
    .addHelpText('after', `
A temporary report (临时挂失) suspends both areas for 7 × 24 hours; then the card works again by
itself unless the report was made formal or lifted. A formal report (正式挂失) is final: the holder
gets a replacement card (sscard cards replace).

Examples:
  sscard cards report-loss SH0012349
  sscard cards report-loss SH0012349 --formal --certno 310104199203154427
  sscard cards report-loss 310104199203154427 --now "2026-03-02 10:00:00" --json`)
    .action(async (who: string | undefined, opts: CommonOptions & { formal?: boolean; at?: string; place?: string; certno?: string }, cmd: Command) => {
      const place = placeOf(opts);
      const certno = certnoOption(opts.certno);
      await withHosts(opts, cmd, async ({ cards: host }) => {
        const key = await cardKey(opts, who, cmd);
        const result = await host.reportLoss(key, { formal: Boolean(opts.formal), place, ...(certno ? { idNumber: certno } : {}) });
        if (opts.json) return writeJson(changeJson(result));
        writeOut(changeText(result));
      });
    });

  addCommon(
    cards
      .command('lift-loss')
      .description('lift a temporary loss report (a formal one is final)')
      .argument('[card]', 'card number, card identifier, PAN or ID number (or --card/--reader)')
      .option('--certno <id>', 'the ID number the holder shows (checked)'),
    { card: 'optional', at: ['service-window', 'bank'] },
  )
    .addHelpText('after', `
Examples:
  sscard cards lift-loss SH0012349
  sscard cards lift-loss --card card.json --certno 310104199203154427`)
    .action(async (who: string | undefined, opts: CommonOptions & { at?: string; place?: string; certno?: string }, cmd: Command) => {
      const place = placeOf(opts);
      const certno = certnoOption(opts.certno);
      await withHosts(opts, cmd, async ({ cards: host }) => {
        const key = await cardKey(opts, who, cmd);
        const result = await host.liftLoss(key, { place, ...(certno ? { idNumber: certno } : {}) });
        if (opts.json) return writeJson(changeJson(result));
        writeOut(changeText(result));
      });
    });

  addCommon(
    cards
      .command('replace')
      .description('personalise a replacement card for the same person (new card number, new serial) and record it')
      .argument('[card]', 'the card it replaces: card number, card identifier, PAN or ID number (or --card/--reader)')
      .requiredOption('--out <file>', 'the new card image to write')
      .option('--profile <name|file>', `card profile of the new card (default: the bundled profile of the old card's region; bundled: ${listProfiles().join(', ')})`)
      .option('--seed <n>', 'deterministic randomness (card number, serial, keys) — for tests and demos, NOT secure')
      .option('--force', 'overwrite --out if it exists')
      .option('--certno <id>', 'the ID number the holder shows (checked)'),
    { card: 'optional', at: ['service-window', 'bank'] },
  )
    .addHelpText('after', `
The new card is personalised as \`sscard card new\` does, from the holder data the host keeps, with a
new card number (卡号) and a new card serial (so a new card identifier 卡识别码), then read back and
recorded. A formally lost card stays refused; a card that still works (an exchange, 换卡) keeps
working until the new card is activated and used once for a medical settlement, then it is
deregistered. A card under a temporary loss report is replaced only once the report is formal or
lifted. The new card has its own PAN: open its bank account (sscard issuer open --card <new>) and
activate it (sscard cards activate).

Examples:
  sscard cards report-loss SH0012349 --formal && sscard cards replace SH0012349 --out new.json
  sscard cards replace --card old.json --out new.json --seed 7`)
    .action(async (who: string | undefined, opts: CommonOptions & { out: string; profile?: string; seed?: string; force?: boolean; at?: string; place?: string; certno?: string }, cmd: Command) => {
      const place = placeOf(opts);
      const certno = certnoOption(opts.certno);
      const random = randomOption(opts.seed);
      if (existsSync(opts.out) && !opts.force) throw new UsageError(`${opts.out} exists; use --force to overwrite it`);
      await withHosts(opts, cmd, async ({ cards: host }, clock, log) => {
        const key = await cardKey(opts, who, cmd);
        const old = await host.find(key);
        if (!old) throw new FailureError(`no card ${key} is known to the card-management host`);
        if (certno && certno !== old.holder.idNumber) throw new FailureError(`the ID shown (${certno}) is not the holder's of card ${old.cardNumber}`);
        const profile = opts.profile ? loadProfile(opts.profile) : profileOfRegion(old.region);
        const holder = replacementHolder(old, random, clock);
        let image;
        try {
          image = validateImage(personalize(profile, holder, { random, clock, log }), opts.out);
        } catch (err) {
          if (err instanceof RangeError || err instanceof CardImageError) throw new FailureError(`cannot personalise the replacement: ${err.message}`);
          throw err;
        }
        const existed = existsSync(opts.out);
        writeCardImage(opts.out, image);
        try {
          const issued = await withSsseReader(cmd, { card: opts.out }, {}, (kernel, _log, reader) => readIssuedCard(kernel, reader));
          const result = await host.replace(old.cardSn, issued, place);
          if (opts.json) return writeJson({ ...changeJson(result), file: opts.out });
          writeOut(`${opts.out}: ${profile.name} card ${issued.cardNumber} for ${issued.holder.name}, identifier ${issued.cardSn}${issued.pan ? `, PAN ${issued.pan}` : ''}\n`);
          writeOut(changeText(result));
        } catch (err) {
          // the new card was not recorded: it must not be left behind as if it were
          if (!existed) unlinkSync(opts.out);
          throw err;
        }
      });
    });

  addCommon(
    cards
      .command('reset-pin')
      .description("reset a forgotten PIN at a service window: RELOAD PIN with the issuer's keys through the PSAM")
      .option('--new-pin <digits>', 'the new PIN (4 to 12 digits)')
      .option('--certno <id>', 'the ID number the holder shows (checked)'),
    { card: 'read', at: ['service-window', 'bank'] },
  )
    .addHelpText('after', `${SSSE_HELP}

The host checks the card may be served (not lost, not deregistered; the ID when given), the kernel
sends RELOAD PIN (80 5E 00 00, the MAC computed by the PSAM under the card's reload key), and the host
records the reset. The PIN's try counter is full again.

Examples:
  sscard cards reset-pin --card card.json --psam psam.json --new-pin 123456
  sscard cards reset-pin --reader 0 --psam-reader 1 --new-pin 246810 --certno 310104199203154427`)
    .action(async (opts: CommonOptions & { newPin?: string; at?: string; place?: string; certno?: string }, cmd: Command) => {
      const newPin = pinOption(opts.newPin, '--new-pin');
      const place = placeOf(opts);
      const certno = certnoOption(opts.certno);
      if (!opts.card && !opts.reader) throw new UsageError('a PIN reset needs the card: --card <file> or --reader <name|index>');
      await withHosts(opts, cmd, async ({ cards: host }) => {
        const result = await withSsseReader(cmd, opts, { requirePsam: true }, async (kernel) => {
          const check = await kernel.checkCard();
          if (check.outcome !== 'authentic') {
            throw new FailureError(`the card check did not pass: ${describeOutcome(check)}`);
          }
          const id = check.identifier;
          return resetPinAtWindow({ kernel, host, cardSn: `${id.region}${id.rid}${id.serial}${id.authCode}`, newPin, place, ...(certno ? { idNumber: certno } : {}) });
        });
        if (result.outcome !== 'reloaded') {
          if (opts.json) writeJson({ outcome: 'refused', pin: result.pin, message: result.message });
          throw new FailureError(`the card refused the PIN reset: ${result.message}`);
        }
        if (opts.json) return writeJson({ outcome: 'reloaded', ...changeJson(result.change) });
        writeOut(changeText(result.change));
      });
    });

  addCommon(
    cards
      .command('show')
      .description("one card: its areas' states, loss reports, replacement, history")
      .argument('[card]', 'card number, card identifier, PAN or ID number (or --card/--reader)')
      .option('--events <n>', 'how many history lines', '20'),
    { card: 'optional' },
  )
    .addHelpText('after', `
Examples:
  sscard cards show SH0012349
  sscard cards show --card card.json --json
  sscard cards show 310104199203154427 --now "2026-03-09 10:00:00"`)
    .action(async (who: string | undefined, opts: CommonOptions & { events: string }, cmd: Command) => {
      if (!/^\d{1,4}$/.test(opts.events)) throw new UsageError(`--events: expected a number, got "${opts.events}"`);
      await withHosts(opts, cmd, async ({ cards: host }) => {
        const key = await cardKey(opts, who, cmd);
        const view = await host.view(key, Number(opts.events));
        if (opts.json) return writeJson(cardJson(view));
        writeOut(cardText(view));
      });
    });

  addCommon(cards.command('list').description('every card the host has recorded, with its states')).addHelpText(
    'after',
    `
Examples:
  sscard cards list
  sscard cards list --json --state-dir /tmp/st`,
  ).action(async (opts: CommonOptions, cmd: Command) => {
    await withHosts(opts, cmd, async ({ cards: host }) => {
      const list = await host.list();
      if (opts.json) return writeJson(list.map(cardJson));
      if (list.length === 0) return writeOut(`no card recorded in ${host.description} (record one: sscard cards issue --card card.json)\n`);
      const rows = [
        ['卡号 card number', '姓名 name', '社会保障号码 ID number', '社保功能 social security', '金融功能 financial', '替换 replaces'],
        ...list.map((v) => [v.card.cardNumber, v.card.holder.name, v.card.holder.idNumber, AREA_STATE_WORDS[v.states['social-security']], AREA_STATE_WORDS[v.states.financial], v.card.replaces ? (list.find((o) => o.card.cardSn === v.card.replaces)?.card.cardNumber ?? v.card.replaces) : '-']),
      ];
      writeOut(`${columns(rows)}\n`);
    });
  });

  addCommon(
    cards
      .command('blacklist')
      .description("the terminals' hot list: cards under a loss report, lost or deregistered")
      .addOption(new Option('--format <format>', 'ssse: the social-security reader\'s blacklist file; exception-file: the PBOC terminal configuration\'s exceptionFile').choices(['ssse', 'exception-file']).default('ssse')),
  )
    .addHelpText('after', `
Examples:
  sscard cards blacklist > blacklist.txt && sscard read --card card.json --blacklist blacklist.txt
  sscard cards blacklist --format exception-file`)
    .action(async (opts: CommonOptions & { format: string }, cmd: Command) => {
      await withHosts(opts, cmd, async ({ cards: host }) => {
        const lines = await host.blacklist();
        if (opts.format === 'exception-file') {
          return writeJson({ exceptionFile: lines.filter((l) => l.pan).map((l) => ({ pan: l.pan!, ...(l.panSequence ? { panSequence: l.panSequence } : {}) })) });
        }
        if (opts.json) return writeJson(lines);
        writeOut(`# sscard cards blacklist: cards not to accept (docs/ssse-reader.md "The blacklist file")\n${lines.map((l) => `${l.cardSn}   ${l.reason}\n`).join('')}`);
      });
    });
}

function randomOption(seed: string | undefined): RandomSource {
  if (seed === undefined) return systemRandom;
  if (!/^\d+$/.test(seed) || Number(seed) > 0xffffffff) throw new UsageError(`--seed must be an integer 0..4294967295, got "${seed}"`);
  return seededRandom(Number(seed));
}

/** The bundled profile whose issuer is the card's region. */
function profileOfRegion(region: string): Profile {
  const found = listProfiles()
    .map((name) => loadProfile(name))
    .find((p) => p.issuer.regionCode === region);
  if (!found) throw new UsageError(`no bundled profile issues cards for region ${region}: give --profile <name|file>`);
  return found;
}

const DIGITS = '0123456789';

/**
 * The holder of a replacement card: the same person's data as the host keeps it, a new card number
 * (the old number's two-character prefix, six new digits, the check character of DOMAIN.md §1.2), a
 * new card serial, today's issue date.
 */
function replacementHolder(old: CardRecord, random: RandomSource, clock: Clock): Holder {
  const h = old.holder;
  let cardNumber = old.cardNumber;
  while (cardNumber === old.cardNumber) {
    const body = old.cardNumber.slice(0, 2) + Array.from(random(6), (b) => DIGITS[b % 10]).join('');
    cardNumber = body + cardNumberCheckChar(body);
  }
  const oldSerial = old.cardSn.slice(16, 24);
  let serial = oldSerial;
  while (serial === oldSerial) serial = Array.from(random(4), (b) => b.toString(16).padStart(2, '0')).join('').toUpperCase();
  const today = new Date(clock.now().getTime() + 8 * 3600 * 1000).toISOString().slice(0, 10).replace(/-/g, '');
  const json = {
    idNumber: h.idNumber,
    name: h.name,
    sex: h.sex,
    ethnicity: h.nation,
    birthplace: h.birthplace || old.region,
    birthDate: h.birthDate,
    cardNumber,
    cardCategory: h.cardCategory,
    personId: h.personId || `${old.region}${h.idNumber.slice(14, 17)}000`,
    firstApplicationRegion: h.firstApplicationRegion || old.region,
    issueDate: today,
    serial,
  };
  try {
    return parseHolder(json, encodeGbk, `the holder of card ${old.cardNumber}`);
  } catch (err) {
    if (err instanceof HolderError) throw new FailureError(`cannot personalise the replacement: ${err.problems.join('; ')}`);
    throw err;
  }
}
