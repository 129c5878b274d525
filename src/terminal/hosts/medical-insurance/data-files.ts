/**
 * Loading the centre's data files: policies (`fixtures/policies/*.json`), catalogues
 * (`fixtures/catalogues/*.json`) and seed persons (`fixtures/centre/persons.json`). A file that does
 * not validate is refused with its name and the first problems, never half-loaded.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { CatalogueError, CatalogueSet, parseCatalogue } from './catalogue.js';
import type { Enrolment } from './centre.js';
import { INSUTYPES, PERSON_KINDS } from './codes.js';
import { admdvsField, amountField, codeField, dateField, describeIssues } from './fields.js';
import { parsePolicy, PolicyError, PolicySet } from './policy.js';

const FIXTURES = new URL('../../../../fixtures/', import.meta.url);

/** Directories of the bundled data files. */
export const BUNDLED_POLICIES_DIR = fileURLToPath(new URL('policies/', FIXTURES));
export const BUNDLED_CATALOGUES_DIR = fileURLToPath(new URL('catalogues/', FIXTURES));
export const BUNDLED_PERSONS_FILE = fileURLToPath(new URL('centre/persons.json', FIXTURES));
export const BUNDLED_BILLS_DIR = fileURLToPath(new URL('bills/', FIXTURES));

/** A data file that cannot be read or does not validate. */
export class DataFileError extends Error {
  override name = 'DataFileError';
}

/** Reads and parses a JSON file. */
export function readJsonFile(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataFileError(code === 'ENOENT' ? `${what} ${file}: no such file` : `${what} ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DataFileError(`${what} ${file}: not valid JSON (${(err as Error).message})`);
  }
}

function jsonFiles(dir: string, what: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => join(dir, f));
  } catch (err) {
    throw new DataFileError(`${what} directory ${dir}: ${(err as Error).message}`);
  }
}

/** The policies of a directory (every `*.json`). */
export function loadPolicies(dir = BUNDLED_POLICIES_DIR): PolicySet {
  try {
    const files = jsonFiles(dir, 'policy');
    if (files.length === 0) throw new DataFileError(`policy directory ${dir}: no *.json policy files`);
    return new PolicySet(files.map((f) => parsePolicy(readJsonFile(f, 'policy'), basename(f))));
  } catch (err) {
    if (err instanceof PolicyError) throw new DataFileError(err.message);
    throw err;
  }
}

/** The catalogues of a directory (every `*.json`). */
export function loadCatalogues(dir = BUNDLED_CATALOGUES_DIR): CatalogueSet {
  try {
    const files = jsonFiles(dir, 'catalogue');
    if (files.length === 0) throw new DataFileError(`catalogue directory ${dir}: no *.json catalogue files`);
    return new CatalogueSet(files.map((f) => parseCatalogue(readJsonFile(f, 'catalogue'), basename(f))));
  } catch (err) {
    if (err instanceof CatalogueError) throw new DataFileError(err.message);
    throw err;
  }
}

const personSchema = z.strictObject({
  $comment: z.string().optional(),
  certno: z.string(),
  psn_name: z.string().min(1),
  insuplc_admdvs: admdvsField,
  insutype: codeField(INSUTYPES, 'an insurance type').optional(),
  psn_type: z.string().optional(),
  kind: z.enum(PERSON_KINDS as [string, ...string[]]).optional(),
  /** Personal-account balance in yuan. */
  balance: amountField.optional(),
  gend: z.enum(['1', '2']).optional(),
  brdy: dateField.optional(),
  naty: z.string().optional(),
  emp_name: z.string().optional(),
  psn_insu_date: dateField.optional(),
  /** This year's deductible and pooled fund already used, in yuan. */
  dedc_paid: amountField.optional(),
  fund_paid: amountField.optional(),
  cards: z.array(z.strictObject({ card_sn: z.string(), card_no: z.string().optional() })).optional(),
});

export const personsFileSchema = z.strictObject({ $comment: z.string().optional(), persons: z.array(personSchema).min(1) });

/** The persons of a seed file, as enrolments (amounts in fen). */
export function loadPersonsFile(file = BUNDLED_PERSONS_FILE): Enrolment[] {
  const r = personsFileSchema.safeParse(readJsonFile(file, 'persons file'), { reportInput: true });
  if (!r.success) throw new DataFileError(`persons file ${file}: ${describeIssues(r.error.issues)}`);
  return r.data.persons.map(({ $comment: _c, ...p }) => p as Enrolment);
}
