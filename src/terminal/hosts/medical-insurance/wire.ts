/**
 * The platform's face of the centre, without the transport: a request body (the platform's JSON
 * envelope, DOMAIN.md §4.1) in, a response body out. `http-server.ts` carries it over HTTP.
 *
 * Request: { infno, msgid, mdtrtarea_admvs, insuplc_admdvs, fixmedins_code, …, input: {…} }.
 * Response: { infcode, inf_refmsgid, refmsg_time, respond_time, err_msg, warn_msg, cainfo, signtype,
 * output }. infcode "0" answers with output; any refusal — a body that is not JSON, a missing or
 * mistyped field, an unknown infno, an unknown person, a rule of the centre — answers infcode "-1"
 * and an err_msg that starts with the reason's heading (errors.ts), never a stack trace.
 */
import { z } from 'zod';
import type { Clock } from '../../../env.js';
import type { Logger } from '../../../log.js';
import type { MedicalInsuranceCentre, MessageContext } from './centre.js';
import { chinaTime } from './china-time.js';
import { stringifyWire, wireDecimal, type DecimalKind } from './decimal.js';
import { CentreError, ERROR_KINDS, FAILURE_INFCODE, SUCCESS_INFCODE } from './errors.js';
import { admdvsField, describeIssues, idField } from './fields.js';
import {
  admissionSchema,
  cancellationSchema,
  inpatientFeeSchema,
  inpatientSettlementSchema,
  outpatientFeeSchema,
  outpatientSettlementSchema,
  personInfoSchema,
  reconciliationSchema,
  registrationSchema,
  reversalSchema,
} from './messages.js';

/** The path HIS code posts to (DOMAIN.md §4.1). */
export const CALL_SERVICE_PATH = '/fsi/api/rsfComIfsService/callService';

const optionalText = z.preprocess((v) => (v === null ? undefined : v), z.string().optional());

/** The request envelope. Fields the centre does not use are allowed; the ones it uses must be right. */
export const envelopeSchema = z.object({
  infno: z.string().regex(/^\d{4}$/, 'expected a 4-digit transaction number (交易编号)'),
  msgid: idField(64),
  mdtrtarea_admvs: admdvsField,
  insuplc_admdvs: z.preprocess((v) => (v === null || v === '' ? undefined : v), admdvsField.optional()),
  fixmedins_code: idField(30),
  fixmedins_name: optionalText,
  recer_sys_code: optionalText,
  dev_no: optionalText,
  dev_safe_info: optionalText,
  cainfo: optionalText,
  signtype: optionalText,
  infver: optionalText,
  opter_type: optionalText,
  opter: optionalText,
  opter_name: optionalText,
  inf_time: optionalText,
  sign_no: optionalText,
  input: z.record(z.string(), z.unknown(), { message: 'expected an object' }),
});
export type Envelope = z.output<typeof envelopeSchema>;

/** One transaction the face answers: its input node(s), and how it calls the centre. */
interface Transaction {
  zh: string;
  en: string;
  input: z.ZodType;
  run(centre: MedicalInsuranceCentre, ctx: MessageContext, input: never): unknown;
}

function transaction<S extends z.ZodType>(zh: string, en: string, input: S, run: (c: MedicalInsuranceCentre, ctx: MessageContext, i: z.output<S>) => unknown): Transaction {
  return { zh, en, input, run: run as Transaction['run'] };
}

const data = <S extends z.ZodType>(s: S) => z.object({ data: s });
const feedetail = <S extends z.ZodType>(s: S) => z.object({ feedetail: z.array(s).min(1, 'must list at least one fee detail') });

/** The transactions, by infno (docs/medical-insurance-centre.md lists their fields). */
export const TRANSACTIONS: Readonly<Record<string, Transaction>> = {
  '1101': transaction('人员信息获取', 'person information', data(personInfoSchema), (c, ctx, i) => c.personInfo(ctx, i.data)),
  '2201': transaction('门诊挂号', 'outpatient registration', data(registrationSchema), (c, ctx, i) => ({ data: c.registerOutpatient(ctx, i.data) })),
  '2204': transaction('门诊费用明细信息上传', 'outpatient fee details', feedetail(outpatientFeeSchema), (c, ctx, i) => ({ result: c.uploadOutpatientFees(ctx, i.feedetail) })),
  '2206': transaction('门诊预结算', 'outpatient pre-settlement', data(outpatientSettlementSchema), (c, ctx, i) => c.preSettleOutpatient(ctx, i.data)),
  '2207': transaction('门诊结算', 'outpatient settlement', data(outpatientSettlementSchema), (c, ctx, i) => c.settleOutpatient(ctx, i.data)),
  '2208': transaction('门诊结算撤销', 'outpatient settlement cancel', data(cancellationSchema), (c, ctx, i) => c.cancelOutpatient(ctx, i.data)),
  '2401': transaction('入院办理', 'inpatient admission', z.object({ mdtrtinfo: admissionSchema, diseinfo: z.array(z.unknown()).optional() }), (c, ctx, i) => ({
    result: { mdtrt_id: c.admit(ctx, i.mdtrtinfo).mdtrt_id },
  })),
  '2301': transaction('住院费用明细上传', 'inpatient fee details', feedetail(inpatientFeeSchema), (c, ctx, i) => ({ result: c.uploadInpatientFees(ctx, i.feedetail) })),
  '2303': transaction('住院预结算', 'inpatient pre-settlement', data(inpatientSettlementSchema), (c, ctx, i) => c.preSettleInpatient(ctx, i.data)),
  '2304': transaction('住院结算', 'inpatient settlement', data(inpatientSettlementSchema), (c, ctx, i) => c.settleInpatient(ctx, i.data)),
  '2305': transaction('住院结算撤销', 'inpatient settlement cancel', data(cancellationSchema), (c, ctx, i) => c.cancelInpatient(ctx, i.data)),
  '2601': transaction('冲正交易', 'reversal', data(reversalSchema), (c, ctx, i) => c.reverse(ctx, i.data)),
  '3201': transaction('医药机构费用结算对总账', 'reconciliation totals', data(reconciliationSchema), (c, ctx, i) => c.reconcile(ctx, i.data)),
};

/** The decimal kind of each numeric output field, by its platform name. */
const FIELD_KINDS: Readonly<Record<string, DecimalKind>> = {
  ...Object.fromEntries(
    [
      'balc', 'det_item_fee_sumamt', 'fulamt_ownpay_amt', 'overlmt_amt', 'overlmt_selfpay', 'preselfpay_amt', 'inscp_scp_amt',
      'medfee_sumamt', 'act_pay_dedc', 'hifp_pay', 'cvlserv_pay', 'hifes_pay', 'hifmi_pay', 'hifob_pay', 'maf_pay', 'oth_pay',
      'fund_pay_sumamt', 'psn_part_amt', 'acct_pay', 'psn_cash_pay', 'hosp_part_amt', 'acct_mulaid_pay', 'crt_payb_lmt_amt', 'fund_payamt',
    ].map((k) => [k, 'amount' as const]),
  ),
  pool_prop_selfpay: 'ratio',
  selfpay_prop: 'ratio',
  cnt: 'count',
  pric: 'price',
  pric_uplmt_amt: 'price',
};

/** A typed output with its decimals turned into wire numbers (two decimals for amounts, and so on). */
export function toWire(value: unknown, key?: string): unknown {
  if (Array.isArray(value)) return value.map((v) => toWire(v));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toWire(v, k)]));
  if (typeof value === 'number' && key !== undefined && FIELD_KINDS[key]) return wireDecimal(value, FIELD_KINDS[key]!);
  return value;
}

/** The wire JSON of a typed output (e.g. `sscard settle --json` printing setlinfo). */
export function stringifyOutput(output: unknown): string {
  return stringifyWire(toWire(output));
}

export interface PlatformFaceOptions {
  clock: Clock;
  log?: Logger;
}

/** The envelope face of a centre: `handle(body)` answers one request body. */
export class PlatformFace {
  readonly #centre: MedicalInsuranceCentre;
  readonly #clock: Clock;
  readonly #log: Logger | undefined;
  #counter = 0;

  constructor(centre: MedicalInsuranceCentre, options: PlatformFaceOptions) {
    this.#centre = centre;
    this.#clock = options.clock;
    this.#log = options.log;
  }

  /** Answers a request body with a response body (always the platform's envelope). */
  handle(body: string): string {
    const received = this.#clock.now();
    let region = '000000';
    let output: unknown = null;
    let error: CentreError | undefined;
    try {
      const envelope = parseEnvelope(body);
      region = envelope.mdtrtarea_admvs;
      output = this.#dispatch(envelope);
    } catch (err) {
      error = err instanceof CentreError ? err : new CentreError('internal', (err as Error)?.message ?? String(err));
      if (!(err instanceof CentreError)) this.#log?.error({ err }, 'internal error answering a platform message');
    }
    return this.#respond(received, region, error ? null : output, error);
  }

  /** The response envelope of an error that happened before a body could be read (HTTP layer). */
  refuse(error: CentreError): string {
    return this.#respond(this.#clock.now(), '000000', null, error);
  }

  #dispatch(envelope: Envelope): unknown {
    const t = TRANSACTIONS[envelope.infno];
    if (!t) throw new CentreError('infno', `infno ${envelope.infno} is not one the centre answers (${Object.keys(TRANSACTIONS).join(', ')})`);
    const parsed = t.input.safeParse(envelope.input, { reportInput: true });
    if (!parsed.success) throw new CentreError('input', `${envelope.infno} ${t.en}: ${describeIssues(parsed.error.issues, 'input')}`);
    const ctx: MessageContext = {
      msgid: envelope.msgid,
      fixmedins_code: envelope.fixmedins_code,
      mdtrtarea_admvs: envelope.mdtrtarea_admvs,
      ...(envelope.fixmedins_name !== undefined ? { fixmedins_name: envelope.fixmedins_name } : {}),
      ...(envelope.insuplc_admdvs !== undefined ? { insuplc_admdvs: envelope.insuplc_admdvs } : {}),
      ...(envelope.opter !== undefined ? { opter: envelope.opter } : {}),
    };
    const output = t.run(this.#centre, ctx, parsed.data as never);
    this.#log?.info({ infno: envelope.infno, msgid: envelope.msgid, fixmedins_code: envelope.fixmedins_code }, `${envelope.infno} ${t.en} answered`);
    return output;
  }

  #respond(received: Date, region: string, output: unknown, error: CentreError | undefined): string {
    const stamp = (d: Date) => `${chinaTime(d).compact}${String(d.getTime() % 1000).padStart(3, '0')}`;
    this.#counter = (this.#counter + 1) % 1_000_000;
    if (error) this.#log?.info({ kind: error.kind }, error.message);
    return stringifyWire({
      infcode: error ? FAILURE_INFCODE : SUCCESS_INFCODE,
      inf_refmsgid: `${region}${chinaTime(received).compact}${String(this.#counter).padStart(6, '0')}`,
      refmsg_time: stamp(received),
      respond_time: stamp(this.#clock.now()),
      err_msg: error ? error.message : null,
      warn_msg: null,
      cainfo: null,
      signtype: null,
      output: error ? null : toWire(output),
    });
  }
}

/** Parses and validates a request body. @throws CentreError envelope */
export function parseEnvelope(body: string): Envelope {
  if (body.trim() === '') throw new CentreError('envelope', 'the request body is empty; POST the platform envelope as JSON');
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    throw new CentreError('envelope', `the request body is not JSON (${(err as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new CentreError('envelope', 'the request body must be a JSON object (the platform envelope)');
  const r = envelopeSchema.safeParse(json, { reportInput: true });
  if (!r.success) throw new CentreError('envelope', describeIssues(r.error.issues));
  return r.data;
}

/** Headings of the refusals, for documentation and tests. */
export const ERROR_HEADINGS = Object.fromEntries(Object.entries(ERROR_KINDS).map(([k, v]) => [k, `${v.zh} (${v.en})`]));
