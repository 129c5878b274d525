/**
 * `sscard centre enrol|persons|show|serve`: the simulated medical-insurance platform
 * (docs/medical-insurance-centre.md). Parse, build objects, call, print: the work is in
 * src/terminal/hosts/medical-insurance/.
 */
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import stringWidth from 'string-width';
import { systemClock, type Clock } from '../../env.js';
import { DEFAULT_STATE_DIR, StateDatabaseError } from '../../terminal/hosts/storage/sqlite.js';
import {
  BUNDLED_PERSONS_FILE,
  CALL_SERVICE_PATH,
  CentreError,
  CentreServerError,
  DataFileError,
  INSUTYPES,
  PSN_TYPES,
  formatScaled,
  loadPersonsFile,
  openCentre,
  startCentreServer,
  yuan,
  type Enrolment,
  type Insutype,
  type OpenCentre,
  type PersonKind,
  type PersonView,
} from '../../terminal/hosts/medical-insurance/index.js';
import { parseScaled } from '../../terminal/hosts/medical-insurance/decimal.js';
import { loggerFor } from '../logging.js';
import { UserError } from '../errors.js';
import { writeJson, writeOut } from '../output.js';
import { untilSignal } from '../signals.js';

interface CommonOptions {
  stateDir: string;
  policies?: string;
  catalogues?: string;
  now?: string;
  json?: boolean;
}

const KIND_ZH: Record<PersonKind, string> = { employed: '在职', retired: '退休', resident: '居民' };
const STATUS_ZH: Record<string, string> = { '1': '正常参保 active', '2': '暂停参保 suspended' };

function addCommon(cmd: Command, options: { json?: boolean } = { json: true }): Command {
  cmd
    .option('--state-dir <dir>', 'state directory (centre.sqlite inside)', DEFAULT_STATE_DIR)
    .option('--policies <dir>', 'directory of policy files (default: the bundled fixtures/policies)')
    .option('--catalogues <dir>', 'directory of catalogue files (default: the bundled fixtures/catalogues)')
    .option('--now <time>', 'the centre\'s clock: "yyyy-MM-dd HH:mm:ss" China time or ISO 8601 (default: now); it runs on from there');
  if (options.json) cmd.option('--json', 'machine-readable output');
  return cmd;
}

/** A clock that starts at --now and runs on. */
export function clockOf(now: string | undefined): Clock {
  if (now === undefined) return systemClock;
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})$/.exec(now);
  const start = m ? new Date(`${m[1]}T${m[2]}+08:00`) : new Date(now);
  if (Number.isNaN(start.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(now)) throw new UserError(`--now: expected "yyyy-MM-dd HH:mm:ss" (China time) or an ISO 8601 time, got "${now}"`);
  const offset = start.getTime() - Date.now();
  return { now: () => new Date(Date.now() + offset) };
}

/** Opens the centre of a state directory; data and database problems become one-line errors. */
function openFor(opts: CommonOptions, cmd: Command): OpenCentre {
  try {
    return openCentre({
      location: { stateDir: opts.stateDir },
      clock: clockOf(opts.now),
      log: loggerFor(cmd),
      ...(opts.policies ? { policiesDir: resolve(opts.policies) } : {}),
      ...(opts.catalogues ? { cataloguesDir: resolve(opts.catalogues) } : {}),
    });
  } catch (err) {
    throw asUserError(err);
  }
}

function asUserError(err: unknown): unknown {
  if (err instanceof DataFileError) return new UserError(err.message, 2);
  if (err instanceof CentreError) return new UserError(err.message, err.kind === 'input' ? 2 : 1);
  if (err instanceof StateDatabaseError || err instanceof CentreServerError) return new UserError(err.message, 1);
  return err;
}

/** Yuan with at most two decimals → fen. */
function fenOption(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const fen = parseScaled(text, 2);
  if (fen === undefined || fen < 0) throw new UserError(`${name}: expected yuan with at most 2 decimals, e.g. 1500.00, got "${text}"`);
  return fen;
}

/** Columns padded to their display width (Chinese characters are two columns wide). */
export function columns(rows: readonly (readonly string[])[], rightAligned: ReadonlySet<number> = new Set()): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, stringWidth(cell))));
  return rows
    .map((row) =>
      row
        .map((cell, i) => {
          const pad = ' '.repeat((widths[i] ?? 0) - stringWidth(cell));
          return rightAligned.has(i) ? pad + cell : i === row.length - 1 ? cell : cell + pad;
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function insutypeLabel(code: string): string {
  return `${code} ${INSUTYPES[code as Insutype]?.zh ?? ''}`.trim();
}

function psnTypeLabel(code: string): string {
  const t = PSN_TYPES[code];
  return t ? `${code} ${t.zh}` : code;
}

function printJson(value: unknown): void {
  writeJson(value);
}

/** A person for --json: amounts as yuan strings with two decimals. */
function personJson(v: Pick<PersonView, 'person' | 'kind' | 'cards' | 'annual'> & Partial<Pick<PersonView, 'settlements' | 'policy'>>) {
  const { person: p } = v;
  return {
    psn_no: p.psn_no,
    psn_name: p.psn_name,
    psn_cert_type: p.psn_cert_type,
    certno: p.certno,
    gend: p.gend,
    naty: p.naty,
    brdy: p.brdy,
    insutype: p.insutype,
    psn_type: p.psn_type,
    kind: v.kind,
    psn_insu_stas: p.psn_insu_stas,
    psn_insu_date: p.psn_insu_date,
    insuplc_admdvs: p.insuplc_admdvs,
    emp_name: p.emp_name,
    balc: yuan(p.balance),
    year: v.annual.year,
    dedc_paid: yuan(v.annual.dedc_paid),
    fund_paid: yuan(v.annual.fund_paid),
    cards: v.cards.map((c) => ({ card_sn: c.card_sn, card_no: c.card_no, status: c.status, bound_at: c.bound_at })),
    ...(v.policy
      ? {
          policy:
            'missing' in v.policy
              ? { missing: v.policy.missing }
              : { name: v.policy.policy, deductible: yuan(v.policy.deductible), annual_cap: yuan(v.policy.annualCap), ratio: formatScaled(v.policy.ratio, 4) },
        }
      : {}),
    ...(v.settlements
      ? {
          settlements: v.settlements.map((s) => ({
            setl_id: s.setl_id,
            mdtrt_id: s.mdtrt_id,
            setl_time: s.setl_time,
            status: s.status,
            fixmedins_code: s.fixmedins_code,
            mdtrtarea_admvs: s.mdtrtarea_admvs,
            medfee_sumamt: yuan(s.medfee_sumamt),
            hifp_pay: yuan(s.hifp_pay),
            acct_pay: yuan(s.acct_pay),
            psn_cash_pay: yuan(s.psn_cash_pay),
            ...(s.cancel_id ? { cancel_id: s.cancel_id, cancel_time: s.cancel_time } : {}),
          })),
        }
      : {}),
  };
}

export function register(program: Command): void {
  const centre = program
    .command('centre')
    .description('the simulated medical-insurance platform (国家医疗保障信息平台) that hospital software (HIS) calls')
    .addHelpText(
      'after',
      `
The centre keeps insured persons, personal accounts, the year's deductible and fund figures, visits,
settlements and the fund's clearing ledger in <state-dir>/centre.sqlite. \`serve\` answers the platform's
JSON envelope on http://127.0.0.1:<port>${CALL_SERVICE_PATH}
(docs/medical-insurance-centre.md lists every transaction and field).

Examples:
  sscard centre enrol --seed                       # the bundled invented persons (fixtures/centre/persons.json)
  sscard centre persons
  sscard centre serve --port 8080                  # point the HIS's platform URL here
  sscard centre show 310104199203154427`,
    );

  addCommon(
    centre
      .command('enrol')
      .description('enrol insured persons: one from options, or every person of a file')
      .option('--certno <id>', 'social security number (18-character citizen ID number)')
      .option('--name <name>', 'name (psn_name)')
      .option('--region <admdvs>', 'insured region, 6 digits (default: the card identifier\'s city code)')
      .addOption(new Option('--insutype <code>', 'insurance type').choices(['310', '390']).default('310'))
      .addOption(new Option('--kind <kind>', 'kind of person (default: employed for 310, resident for 390)').choices(['employed', 'retired', 'resident']))
      .option('--psn-type <code>', `person type code (${Object.keys(PSN_TYPES).join(', ')})`)
      .option('--balance <yuan>', 'personal-account balance in yuan', '0.00')
      .option('--card-sn <hex>', 'card identifier of the person\'s social security card (卡识别码, 32 hex digits)')
      .option('--card-no <no>', 'card number (社会保障卡卡号, 9 characters)')
      .option('--emp-name <name>', 'employer (emp_name)')
      .option('--dedc-paid <yuan>', 'deductible already paid this year, yuan')
      .option('--fund-paid <yuan>', 'pooled fund already paid this year, yuan')
      .option('--file <persons.json>', 'enrol every person of a file (format: fixtures/centre/persons.json)')
      .option('--seed', 'enrol the bundled invented persons (fixtures/centre/persons.json)')
      .addHelpText(
        'after',
        `
Several persons (--file, --seed) are enrolled all or none.

Examples:
  sscard centre enrol --seed
  sscard centre enrol --certno 310104199203154427 --name 李文静 --region 310000 --balance 2000.00 \\
      --card-sn 310000D15600000500A1B2C3341C081B --card-no SH0012349
  sscard centre enrol --certno 31011519580304162X --name 张丽娟 --region 310000 --kind retired --balance 5600
  sscard centre enrol --file my-persons.json --state-dir /tmp/his-test`,
      ),
  ).action((opts: CommonOptions & Record<string, string | boolean | undefined>, cmd: Command) => {
    const enrolments = enrolmentsOf(opts);
    const open = openFor(opts, cmd);
    try {
      const persons = open.store.transaction(() =>
        enrolments.map((e, i) => {
          try {
            return open.centre.enrol(e);
          } catch (err) {
            if (err instanceof CentreError && enrolments.length > 1) throw new CentreError(err.kind, `person ${i + 1} (${e.certno}): ${err.detail}`);
            throw err;
          }
        }),
      );
      const views = persons.map((p) => open.centre.personView(p.psn_no, 0));
      if (opts.json) return printJson(views.map((v) => personJson(v)));
      for (const v of views) {
        const p = v.person;
        writeOut(
          `enrolled ${p.psn_no}  ${p.psn_name} (${p.certno})  ${insutypeLabel(p.insutype)}, ${psnTypeLabel(p.psn_type)}, region ${p.insuplc_admdvs}, balance ${yuan(p.balance)}` +
            (v.cards.length ? `, card ${v.cards.map((c) => c.card_sn).join(', ')}` : '') +
            '\n',
        );
      }
      writeOut(`${persons.length} enrolled in ${resolve(opts.stateDir, 'centre.sqlite')}\n`);
    } catch (err) {
      throw asUserError(err);
    } finally {
      open.close();
    }
  });

  addCommon(
    centre
      .command('persons')
      .description("list the insured persons with their balances and this year's figures")
      .addHelpText('after', '\nExamples:\n  sscard centre persons\n  sscard centre persons --json --state-dir /tmp/his-test'),
  ).action((opts: CommonOptions, cmd: Command) => {
    const open = openFor(opts, cmd);
    try {
      const list = open.centre.listPersons();
      if (opts.json) return printJson(list.map((v) => personJson(v)));
      if (list.length === 0) {
        writeOut(`no insured person in ${resolve(opts.stateDir, 'centre.sqlite')} (enrol some: sscard centre enrol --seed)\n`);
        return;
      }
      const year = list[0]!.annual.year;
      const rows = [
        ['psn_no', '姓名 name', '社会保障号码 certno', '险种 insurance', '类别 kind', '参保地 region', '余额 balance', `${year} 起付已付 deductible`, `${year} 统筹已付 fund`, '卡 card'],
        ...list.map(({ person: p, kind, annual, cards }) => [
          p.psn_no,
          p.psn_name,
          p.certno,
          p.insutype,
          `${KIND_ZH[kind]} ${kind}`,
          p.insuplc_admdvs,
          yuan(p.balance),
          yuan(annual.dedc_paid),
          yuan(annual.fund_paid),
          cards.filter((c) => c.status === 'active').map((c) => c.card_no ?? c.card_sn).join(', ') || '-',
        ]),
      ];
      writeOut(`${columns(rows, new Set([6, 7, 8]))}\n`);
    } finally {
      open.close();
    }
  });

  addCommon(
    centre
      .command('show')
      .description('one insured person: account, cards, this year\'s figures against the policy, recent settlements')
      .argument('<who>', 'psn_no, certno (social security number) or card_sn (card identifier)')
      .option('--settlements <n>', 'how many recent settlements to list', '10')
      .addHelpText('after', '\nExamples:\n  sscard centre show 310104199203154427\n  sscard centre show 310000D15600000500A1B2C3341C081B --json'),
  ).action((who: string, opts: CommonOptions & { settlements: string }, cmd: Command) => {
    if (!/^\d+$/.test(opts.settlements)) throw new UserError(`--settlements: expected a number, got "${opts.settlements}"`);
    const open = openFor(opts, cmd);
    try {
      const person = open.centre.findPerson(who);
      if (!person) throw new UserError(`no insured person has psn_no, certno or card_sn "${who}"`, 1);
      const v = open.centre.personView(person.psn_no, Number(opts.settlements));
      if (opts.json) return printJson(personJson(v));
      writeOut(showText(v));
    } finally {
      open.close();
    }
  });

  addCommon(
    centre
      .command('serve')
      .description('answer the platform\'s JSON envelope over HTTP on 127.0.0.1 (what an HIS under test calls)')
      .option('--port <port>', 'TCP port on 127.0.0.1 (0: any free port)', '8080'),
    { json: false },
  )
    .addHelpText(
      'after',
      `
POST the envelope {infno, msgid, mdtrtarea_admvs, insuplc_admdvs, fixmedins_code, …, input} to
${CALL_SERVICE_PATH}; the answer is {infcode, err_msg, output, inf_refmsgid, refmsg_time,
respond_time}. Transactions: 1101 2201 2204 2206 2207 2208 2401 2301 2303 2304 2305 2601 3201.
Stops on Ctrl-C (SIGINT) or SIGTERM.

Examples:
  sscard centre serve --port 8080
  sscard centre serve --port 0 --state-dir /tmp/his-test --now "2026-12-31 23:50:00"
  curl -s http://127.0.0.1:8080${CALL_SERVICE_PATH} -d '{"infno":"1101","msgid":"H1","mdtrtarea_admvs":"310000",
    "fixmedins_code":"H31010400123","input":{"data":{"mdtrt_cert_type":"02","mdtrt_cert_no":"310104199203154427"}}}'`,
    )
    .action(async (opts: CommonOptions & { port: string }, cmd: Command) => {
      if (!/^\d+$/.test(opts.port) || Number(opts.port) > 65535) throw new UserError(`--port: expected 0..65535, got "${opts.port}"`);
      const open = openFor(opts, cmd);
      let server;
      try {
        server = await startCentreServer({ face: open.face, port: Number(opts.port), log: loggerFor(cmd).child({ host: 'medical-insurance-centre' }) });
      } catch (err) {
        open.close();
        throw asUserError(err);
      }
      writeOut(`medical-insurance centre listening on ${server.url}\n  state ${resolve(opts.stateDir, 'centre.sqlite')} (${open.centre.listPersons().length} insured persons); Ctrl-C stops\n`);
      const signal = await untilSignal();
      await server.close();
      open.close();
      writeOut(`stopped (${signal})\n`);
    });
}

function enrolmentsOf(opts: Record<string, string | boolean | undefined>): Enrolment[] {
  const file = opts.seed ? BUNDLED_PERSONS_FILE : (opts.file as string | undefined);
  const single = ['certno', 'name', 'cardSn', 'region'].some((k) => opts[k] !== undefined);
  if (file && single) throw new UserError('give either --file/--seed or the options of one person (--certno, --name, …), not both');
  if (file) {
    try {
      return loadPersonsFile(resolve(file));
    } catch (err) {
      throw asUserError(err);
    }
  }
  if (!opts.certno || !opts.name) throw new UserError('enrol needs --certno and --name (or --file / --seed)');
  const cardSn = opts.cardSn as string | undefined;
  const region = (opts.region as string | undefined) ?? cardSn?.slice(0, 6);
  if (!region) throw new UserError('enrol needs --region (the insured region, 6 digits) when no --card-sn gives it');
  const balance = fenOption('--balance', opts.balance as string);
  const dedc = fenOption('--dedc-paid', opts.dedcPaid as string | undefined);
  const fund = fenOption('--fund-paid', opts.fundPaid as string | undefined);
  return [
    {
      certno: String(opts.certno).toUpperCase(),
      psn_name: String(opts.name),
      insuplc_admdvs: region,
      insutype: opts.insutype as Insutype,
      ...(opts.kind ? { kind: opts.kind as PersonKind } : {}),
      ...(opts.psnType ? { psn_type: String(opts.psnType) } : {}),
      ...(balance !== undefined ? { balance } : {}),
      ...(dedc !== undefined ? { dedc_paid: dedc } : {}),
      ...(fund !== undefined ? { fund_paid: fund } : {}),
      ...(opts.empName ? { emp_name: String(opts.empName) } : {}),
      ...(cardSn ? { cards: [{ card_sn: cardSn, ...(opts.cardNo ? { card_no: String(opts.cardNo) } : {}) }] } : {}),
    },
  ];
}

function showText(v: PersonView): string {
  const p = v.person;
  const pol = v.policy;
  const y = v.annual.year;
  const lines: string[][] = [
    ['psn_no', p.psn_no],
    ['姓名 name', p.psn_name],
    ['社会保障号码 certno', p.certno],
    ['性别 sex', p.gend === '1' ? '1 男 male' : p.gend === '2' ? '2 女 female' : p.gend],
    ['出生日期 birth date', p.brdy],
    ['险种 insurance', `${insutypeLabel(p.insutype)} (${INSUTYPES[p.insutype]?.en ?? ''})`],
    ['人员类别 person type', `${psnTypeLabel(p.psn_type)} (${v.kind})`],
    ['参保地 insured region', p.insuplc_admdvs],
    ['参保状态 status', STATUS_ZH[p.psn_insu_stas] ?? p.psn_insu_stas],
    ['参保日期 insured since', p.psn_insu_date],
    ...(p.emp_name ? [['单位 employer', p.emp_name]] : []),
    ['个人账户 account balance', yuan(p.balance)],
  ];
  if ('missing' in pol) lines.push(['政策 policy', `none: ${pol.missing}`]);
  else {
    lines.push(['政策 policy', `${pol.policy}: ratio ${formatScaled(pol.ratio, 4)}`]);
    lines.push([`${y} 起付线 deductible`, `${yuan(v.annual.dedc_paid)} paid of ${yuan(pol.deductible)}`]);
    lines.push([`${y} 统筹基金 pooled fund`, `${yuan(v.annual.fund_paid)} paid of the cap ${yuan(pol.annualCap)}`]);
  }
  let out = `${columns(lines)}\n`;
  out += '\n卡 cards\n';
  out += v.cards.length
    ? `${columns(v.cards.map((c) => ['  ' + c.card_sn, c.card_no ?? '-', c.status, `bound ${c.bound_at}`]))}\n`
    : '  none (found by ID number only)\n';
  out += '\n结算 settlements (newest first)\n';
  if (v.settlements.length === 0) out += '  none\n';
  else {
    const rows = [
      ['  setl_id', 'time', 'mdtrt_id', '总额 total', '统筹 fund', '账户 account', '现金 cash', 'status'],
      ...v.settlements.map((s) => [
        '  ' + s.setl_id,
        s.setl_time,
        s.mdtrt_id,
        yuan(s.medfee_sumamt),
        yuan(s.hifp_pay),
        yuan(s.acct_pay),
        yuan(s.psn_cash_pay),
        s.status === 'cancelled' ? `cancelled ${s.cancel_time}` : s.mdtrtarea_admvs !== s.insuplc_admdvs ? `settled (异地 in ${s.mdtrtarea_admvs})` : 'settled',
      ]),
    ];
    out += `${columns(rows, new Set([3, 4, 5, 6]))}\n`;
  }
  return out;
}
