/**
 * The applications the card OS knows, by the id a DF names in `DfImage.application`.
 * A new application: implement `Application` (src/card/runtime/types.ts) and add it here.
 */
import type { Application } from '../runtime/types.js';
import { directoryApplication, pbocApplication } from './pboc/pboc-app.js';
import { pkiApplication } from './pki/index.js';
import { psamApplication } from './psam/index.js';
import { medicalDebitApplication } from './ssse/index.js';

export const DEFAULT_APPLICATIONS: readonly Application[] = [medicalDebitApplication, pkiApplication, pbocApplication, directoryApplication, psamApplication];

/** A registry (id → application). */
export function applicationRegistry(applications: readonly Application[] = DEFAULT_APPLICATIONS): ReadonlyMap<string, Application> {
  return new Map(applications.map((a) => [a.id, a]));
}
