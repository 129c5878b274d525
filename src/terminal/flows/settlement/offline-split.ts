/**
 * The split of an offline settlement (脱网结算; DOMAIN.md §4 "On-card alternative"): when the centre
 * cannot be reached, the terminal splits the bill itself with the SAME calculation, policy and
 * catalogue the centre uses (src/terminal/hosts/medical-insurance/split.ts, policy.ts, catalogue.ts),
 * and the card debits its own personal account (B0 28 / B0 2C through the PSAM).
 *
 * What the terminal knows offline comes from the card (DF04 EF05, read with the PIN): 险种类型 (the
 * scheme), 参保地区划 (the insured place: its policy), 参保人员类别 (employed / retired); the account
 * balance is the card's own (GET BALANCE). The treatment place's catalogue classifies the bill.
 *
 * [R] The terminal does not know the person's year-to-date figures kept at the centre. It assumes none
 * of this year's deductible (起付线) has been paid and the annual cap (封顶线) is untouched: the most the
 * person can pay offline is the deductible more than online, and the fund never pays more than online.
 * (Uploading offline settlements to the centre afterwards is not simulated.) This rule lives here only.
 */
import type { Bill } from '../../hosts/medical-insurance/bill.js';
import type { CatalogueSet } from '../../hosts/medical-insurance/catalogue.js';
import type { Insutype, PersonKind } from '../../hosts/medical-insurance/codes.js';
import type { AppliedPolicy, PolicySet } from '../../hosts/medical-insurance/policy.js';
import { billTotals, classifyLine, computeSplit } from '../../hosts/medical-insurance/split.js';
import type { MedicalInformation } from '../../kernels/ssse-reader/medical-information.js';
import { splitOf } from './receipt.js';
import type { SettlementSplit } from './types.js';

/** The words of the [R] rule, printed on the receipt. */
export const OFFLINE_YEAR_RULE =
  '脱网结算按本年起付线未支付、封顶线未使用计算 offline: this year\'s deductible is taken as unpaid and the annual cap as unused (the terminal does not know the centre\'s figures)';

/** The scheme of 险种类型 (DF04 EF05 tag 81, leading 3 characters): 391 counts as the resident scheme 390. */
const SCHEME_OF_CARD: Readonly<Record<string, Insutype>> = { '310': '310', '390': '390', '391': '390' };

/** [R] The kind of person of 参保人员类别 under the employee scheme (11 在职, 21 退休, 31 离休). */
const KIND_OF_CATEGORY: Readonly<Record<string, PersonKind>> = { '11': 'employed', '21': 'retired', '31': 'retired' };

/** A bill the terminal cannot split offline (no scheme on the card, a code not in the catalogue, no policy). */
export class OfflineSplitError extends Error {
  override name = 'OfflineSplitError';
}

export interface OfflineSplit {
  split: SettlementSplit;
  policy: AppliedPolicy;
  insutype: Insutype;
  kind: PersonKind;
  insuplc_admdvs: string;
}

/**
 * Splits a bill offline.
 * @param cardRegion the card identifier's region, when DF04 EF05 names no insured place
 * @param balance the card's personal-account balance, fen
 * @throws OfflineSplitError
 */
export function offlineSplit(
  bill: Bill,
  medical: MedicalInformation,
  cardRegion: string,
  balance: number,
  sources: { policies: PolicySet; catalogues: CatalogueSet },
): OfflineSplit {
  const scheme = medical.insuranceType ? SCHEME_OF_CARD[medical.insuranceType.code] : undefined;
  if (!scheme) throw new OfflineSplitError(`the card's 险种类型 ${medical.insuranceType?.code ?? '(none)'} is not a medical-insurance scheme the terminal can settle offline`);
  const kind: PersonKind = scheme === '390' ? 'resident' : (KIND_OF_CATEGORY[medical.personCategory?.code ?? '11'] ?? 'employed');
  const insuplc = medical.insuredRegion && /^\d{6}$/.test(medical.insuredRegion) ? medical.insuredRegion : cardRegion;
  const applied = sources.policies.apply(insuplc, scheme, kind);
  if ('missing' in applied) throw new OfflineSplitError(applied.missing);
  const lines = bill.feedetail.map((line) => {
    const entry = sources.catalogues.lookup(bill.mdtrtarea_admvs, line.med_list_codg);
    if (!entry) throw new OfflineSplitError(`fee detail ${line.feedetl_sn}: ${line.med_list_codg} is not in the catalogue of ${bill.mdtrtarea_admvs}`);
    return {
      det_item_fee_sumamt: line.det_item_fee_sumamt,
      ...classifyLine(line, {
        chrgitm_lv: entry.chrgitm_lv,
        selfpay_prop: entry.selfpay_prop,
        ...(entry.pric_uplmt_amt !== undefined ? { pric_uplmt_amt: entry.pric_uplmt_amt } : {}),
      }),
    };
  });
  const s = computeSplit(billTotals(lines), { dedcPaid: 0, fundPaid: 0, balance }, applied, bill.acct_used_flag === '1');
  return {
    split: splitOf(s),
    policy: applied,
    insutype: scheme,
    kind,
    insuplc_admdvs: insuplc,
  };
}
