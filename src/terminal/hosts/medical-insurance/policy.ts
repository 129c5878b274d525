/**
 * Policy as data (DOMAIN.md §4 "Calculation model", [R]): per insured region and scheme, the annual
 * deductible (起付线), the pooled fund's ratio per kind of person, and the annual cap (封顶线). Policy
 * files live in `fixtures/policies/*.json`; `DEFAULT_POLICY` is the documented default the bundled
 * `default.json` states (docs/medical-insurance-centre.md "Policy").
 *
 * Which policy applies is decided by the person's insured region (参保地, insuplc_admdvs), never by
 * where they are treated: cross-province visits (异地就医) use the insured place's policy and the
 * treatment place's catalogue (`catalogue.ts`).
 */
import { z } from 'zod';
import { INSUTYPE_CODES, type Insutype, type PersonKind } from './codes.js';
import { admdvsField, amountField, describeIssues, ratioField } from './fields.js';
import { regionChain } from './regions.js';

const schemeSchema = z.strictObject({
  /** 起付线: what the person pays of the in-scope amount each year before the fund pays. */
  deductible: amountField,
  /** 封顶线: the most the pooled fund pays for a person in a year. */
  annual_cap: amountField,
  /** The pooled fund's share of the in-scope amount above the deductible, per kind of person. */
  ratios: z.strictObject({ employed: ratioField.optional(), retired: ratioField.optional(), resident: ratioField.optional() }),
});

export const policyFileSchema = z.strictObject({
  $comment: z.string().optional(),
  name: z.string().min(1),
  description: z.string().optional(),
  /** Insured regions this policy is for ("*": every region without a policy of its own). */
  insuplc_admdvs: z.array(z.union([z.literal('*'), admdvsField])).min(1),
  schemes: z.partialRecord(z.enum(INSUTYPE_CODES as [Insutype, ...Insutype[]]), schemeSchema),
});

/** A policy, amounts in fen and ratios in 1/10000. */
export type Policy = z.output<typeof policyFileSchema>;
export type SchemePolicy = z.output<typeof schemeSchema>;

/** What one settlement needs of the policy. */
export interface AppliedPolicy {
  policy: string;
  deductible: number;
  annualCap: number;
  ratio: number;
}

/** A policy file that does not validate, or a set of policies that contradict each other. */
export class PolicyError extends Error {
  override name = 'PolicyError';
}

/** Validates a parsed policy file; `source` names it in errors. */
export function parsePolicy(json: unknown, source: string): Policy {
  const r = policyFileSchema.safeParse(json, { reportInput: true });
  if (!r.success) throw new PolicyError(`policy ${source}: ${describeIssues(r.error.issues)}`);
  for (const [insutype, scheme] of Object.entries(r.data.schemes)) {
    if (!scheme) continue;
    const kinds = Object.keys(scheme.ratios).filter((k) => scheme.ratios[k as PersonKind] !== undefined);
    if (kinds.length === 0) throw new PolicyError(`policy ${source}: scheme ${insutype} gives no ratio`);
  }
  return r.data;
}

/**
 * The national default as the issue states it: deductible 1,500.00 a year (310) and 500.00 (390);
 * ratio 0.85 employed, 0.90 retired, 0.60 residents; annual cap 500,000.00 (310) and 200,000.00 (390).
 */
export const DEFAULT_POLICY: Policy = {
  name: 'default',
  description: 'sscard default policy',
  insuplc_admdvs: ['*'],
  schemes: {
    '310': { deductible: 150_000, annual_cap: 50_000_000, ratios: { employed: 8_500, retired: 9_000 } },
    '390': { deductible: 50_000, annual_cap: 20_000_000, ratios: { resident: 6_000 } },
  },
};

/** The policies in force, found by insured region. */
export class PolicySet {
  readonly #byRegion = new Map<string, Policy>();

  /** @throws PolicyError when two policies claim one region */
  constructor(readonly policies: readonly Policy[]) {
    for (const p of policies) {
      for (const region of p.insuplc_admdvs) {
        const other = this.#byRegion.get(region);
        if (other) throw new PolicyError(`policies "${other.name}" and "${p.name}" both claim insured region ${region}`);
        this.#byRegion.set(region, p);
      }
    }
  }

  /** The policy of an insured region: the region's own, else its city's, else its province's, else "*". */
  policyFor(insuplcAdmdvs: string): Policy | undefined {
    for (const region of regionChain(insuplcAdmdvs)) {
      const p = this.#byRegion.get(region);
      if (p) return p;
    }
    return undefined;
  }

  /**
   * Deductible, cap and ratio for a person.
   * @returns the applied figures, or a reason when the policy has no rule for the person
   */
  apply(insuplcAdmdvs: string, insutype: Insutype, kind: PersonKind): AppliedPolicy | { missing: string } {
    const policy = this.policyFor(insuplcAdmdvs);
    if (!policy) return { missing: `no policy covers insured region ${insuplcAdmdvs}` };
    const scheme = policy.schemes[insutype];
    if (!scheme) return { missing: `policy "${policy.name}" has no rules for insurance type ${insutype}` };
    const ratio = scheme.ratios[kind];
    if (ratio === undefined) return { missing: `policy "${policy.name}" gives no ratio for ${kind} persons under insurance type ${insutype}` };
    return { policy: policy.name, deductible: scheme.deductible, annualCap: scheme.annual_cap, ratio };
  }
}
