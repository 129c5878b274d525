/**
 * The medical-insurance catalogue (医保目录) as data: per treatment region, each catalogue code
 * (med_list_codg) with its charge level (chrgitm_lv 甲/乙/丙), its charge-item type (med_chrgitm_type),
 * the self-pay share of a 乙 item (selfpay_prop) and an optional unit-price cap (pric_uplmt_amt).
 * Catalogue files live in `fixtures/catalogues/*.json`. 2204 and 2301 classify fee details with the
 * catalogue of the treatment place (就医地目录, DOMAIN.md §4 cross-province rule): a regional file
 * overrides single codes of the national one ("*").
 */
import { z } from 'zod';
import { CHRGITM_LV, MED_CHRGITM_TYPES, type ChrgitmLv } from './codes.js';
import { admdvsField, codeField, describeIssues, idField, priceField, ratioField } from './fields.js';
import { regionChain } from './regions.js';

const itemSchema = z.strictObject({
  med_list_codg: idField(50),
  name: z.string().min(1),
  chrgitm_lv: codeField(CHRGITM_LV, 'a charge level'),
  med_chrgitm_type: codeField(MED_CHRGITM_TYPES, 'a charge-item type'),
  /** 自付比例 of a 乙 item: the share of its (capped) amount the person pays first. */
  selfpay_prop: ratioField.optional(),
  /** 定价上限金额: the unit price above which the excess is over-limit self-pay. */
  pric_uplmt_amt: priceField.optional(),
});

export const catalogueFileSchema = z.strictObject({
  $comment: z.string().optional(),
  name: z.string().min(1),
  description: z.string().optional(),
  /** Treatment regions this catalogue is for ("*": the national catalogue). */
  admdvs: z.array(z.union([z.literal('*'), admdvsField])).min(1),
  items: z.array(itemSchema),
});

export type Catalogue = z.output<typeof catalogueFileSchema>;

/** One catalogue entry as the centre uses it (ratios in 1/10000, prices in 1/1000000 yuan). */
export interface CatalogueEntry {
  med_list_codg: string;
  name: string;
  chrgitm_lv: ChrgitmLv;
  med_chrgitm_type: string;
  /** 0 unless 乙. */
  selfpay_prop: number;
  pric_uplmt_amt?: number;
  /** Name of the catalogue the entry came from. */
  catalogue: string;
}

export class CatalogueError extends Error {
  override name = 'CatalogueError';
}

/** Validates a parsed catalogue file. */
export function parseCatalogue(json: unknown, source: string): Catalogue {
  const r = catalogueFileSchema.safeParse(json, { reportInput: true });
  if (!r.success) throw new CatalogueError(`catalogue ${source}: ${describeIssues(r.error.issues)}`);
  const seen = new Set<string>();
  for (const [i, item] of r.data.items.entries()) {
    if (seen.has(item.med_list_codg)) throw new CatalogueError(`catalogue ${source}: items[${i}]: ${item.med_list_codg} is listed twice`);
    seen.add(item.med_list_codg);
    if (item.chrgitm_lv === '02' && item.selfpay_prop === undefined) {
      throw new CatalogueError(`catalogue ${source}: items[${i}] (${item.med_list_codg}): a 乙 (02) item needs selfpay_prop`);
    }
    if (item.chrgitm_lv !== '02' && item.selfpay_prop !== undefined && item.selfpay_prop !== 0) {
      throw new CatalogueError(`catalogue ${source}: items[${i}] (${item.med_list_codg}): only 乙 (02) items have a selfpay_prop`);
    }
  }
  return r.data;
}

/** The catalogues in force, found by treatment region. */
export class CatalogueSet {
  readonly #byRegion = new Map<string, Map<string, CatalogueEntry>>();

  constructor(readonly catalogues: readonly Catalogue[]) {
    const owner = new Map<string, string>();
    for (const c of catalogues) {
      const entries = new Map<string, CatalogueEntry>();
      for (const item of c.items) {
        entries.set(item.med_list_codg, {
          med_list_codg: item.med_list_codg,
          name: item.name,
          chrgitm_lv: item.chrgitm_lv,
          med_chrgitm_type: item.med_chrgitm_type,
          selfpay_prop: item.selfpay_prop ?? 0,
          ...(item.pric_uplmt_amt !== undefined ? { pric_uplmt_amt: item.pric_uplmt_amt } : {}),
          catalogue: c.name,
        });
      }
      for (const region of c.admdvs) {
        if (owner.has(region)) throw new CatalogueError(`catalogues "${owner.get(region)}" and "${c.name}" both claim region ${region}`);
        owner.set(region, c.name);
        this.#byRegion.set(region, entries);
      }
    }
  }

  /** The entry for a code in a treatment region: the region's, its city's, its province's, else the national one. */
  lookup(mdtrtareaAdmvs: string, medListCodg: string): CatalogueEntry | undefined {
    for (const region of regionChain(mdtrtareaAdmvs)) {
      const e = this.#byRegion.get(region)?.get(medListCodg);
      if (e) return e;
    }
    return undefined;
  }
}
