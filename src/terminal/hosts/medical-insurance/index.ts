/**
 * The medical-insurance centre (a simulated national medical-insurance platform; DOMAIN.md §4, §4.1;
 * docs/medical-insurance-centre.md): the public entry for flows and commands.
 *
 *   const centre = openCentre({ stateDir: '.sscard', clock: systemClock });
 *   centre.centre.settleOutpatient(ctx, input);       // in-process face, typed (fen inside)
 *   await startCentreServer({ face: centre.face, port: 8080 });   // HTTP face, the platform's envelope
 */
import type { Clock } from '../../../env.js';
import type { Logger } from '../../../log.js';
import type { CatalogueSet } from './catalogue.js';
import { MedicalInsuranceCentre } from './centre.js';
import { loadCatalogues, loadPolicies } from './data-files.js';
import type { PolicySet } from './policy.js';
import { SqliteCentreStore } from './sqlite-store.js';
import type { CentreStore } from './store.js';
import { PlatformFace } from './wire.js';

export { MedicalInsuranceCentre, type MessageContext, type Enrolment, type CardEnrolment, type PersonView } from './centre.js';
export { CentreError, ERROR_KINDS, FAILURE_INFCODE, SUCCESS_INFCODE, type CentreErrorKind } from './errors.js';
export type * from './messages.js';
export type * from './outputs.js';
export type * from './model.js';
export type { CentreStore } from './store.js';
export { SqliteCentreStore, CENTRE_DATABASE } from './sqlite-store.js';
export { PlatformFace, CALL_SERVICE_PATH, TRANSACTIONS, toWire, stringifyOutput, parseEnvelope } from './wire.js';
export { startCentreServer, CentreServerError, type RunningCentreServer } from './http-server.js';
export { PolicySet, DEFAULT_POLICY, parsePolicy, PolicyError, type Policy } from './policy.js';
export { CatalogueSet, parseCatalogue, CatalogueError, type Catalogue } from './catalogue.js';
export {
  loadPolicies,
  loadCatalogues,
  loadPersonsFile,
  readJsonFile,
  DataFileError,
  BUNDLED_POLICIES_DIR,
  BUNDLED_CATALOGUES_DIR,
  BUNDLED_PERSONS_FILE,
  BUNDLED_BILLS_DIR,
} from './data-files.js';
export * from './bill.js';
export { yuan, formatScaled, applyRatio } from './decimal.js';
export { INSUTYPES, PSN_TYPES, CHRGITM_LV, MED_CHRGITM_TYPES, type Insutype, type PersonKind } from './codes.js';
export { chinaTime } from './china-time.js';

export interface OpenCentreOptions {
  /** State directory (centre.sqlite inside), or memory for tests. */
  location: { stateDir: string } | { memory: true };
  clock: Clock;
  log?: Logger;
  /** Directories of policy and catalogue files (default: the bundled fixtures). */
  policiesDir?: string;
  cataloguesDir?: string;
  /** Or the sets themselves. */
  policies?: PolicySet;
  catalogues?: CatalogueSet;
  /** Or another store (tests). */
  store?: CentreStore;
}

/** An open centre: the typed API, its envelope face, and how to close its database. */
export interface OpenCentre {
  centre: MedicalInsuranceCentre;
  face: PlatformFace;
  store: CentreStore;
  close(): void;
}

/** Opens the centre on its state database with the given (or bundled) policies and catalogues. */
export function openCentre(options: OpenCentreOptions): OpenCentre {
  const policies = options.policies ?? loadPolicies(options.policiesDir);
  const catalogues = options.catalogues ?? loadCatalogues(options.cataloguesDir);
  const store = options.store ?? SqliteCentreStore.open(options.location);
  const log = options.log?.child({ host: 'medical-insurance-centre' });
  const centre = new MedicalInsuranceCentre({ store, policies, catalogues, clock: options.clock, ...(log ? { log } : {}) });
  const face = new PlatformFace(centre, { clock: options.clock, ...(log ? { log } : {}) });
  return { centre, face, store, close: () => store.close() };
}
