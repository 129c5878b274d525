/**
 * The bank's issuer host, from outside: `openIssuerHost` builds one over its SQLite database in a state
 * directory (default `./.sscard/issuer.sqlite`) or in memory, with the issuer keys of the bundled
 * profiles unless others are given. Kernels take it as their `IssuerPort` (docs/issuer-host.md):
 *
 * ```ts
 * const issuer = openIssuerHost({ stateDir: '.sscard', clock, log });
 * // … the kernel calls issuer.authorise / complete / reverse / clearOffline …
 * await issuer.close();
 * ```
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Clock, RandomSource } from '../../../env.js';
import type { Logger } from '../../../log.js';
import { DEFAULT_STATE_DIR } from '../storage/sqlite.js';
import { IssuerHost } from './issuer-host.js';
import { IssuerKeyring } from './keys.js';
import { SqliteIssuerStorage } from './sqlite-storage.js';
import type { IssuerStorage } from './storage.js';

export { IssuerHost, IssuerAdminError, IssuerRequestError, luhnValid, type AccountView, type OpenAccountInput, type Statement } from './issuer-host.js';
export { IssuerKeyring, IssuerKeyError, keySetsFromFile, keySetsFromJson, type IssuerKeySet, type CardKeys } from './keys.js';
export { SqliteIssuerStorage, ISSUER_DATABASE, ISSUER_MIGRATIONS } from './sqlite-storage.js';
export { MemoryIssuerStorage } from './memory-storage.js';
export { encodeScriptResults, decodeScriptResults, SCRIPT_RESULTS_TAG, type ScriptResult, type ScriptResultKind } from './script-results.js';
export { EC_LOAD_TRANSACTION_TYPE } from './decisions.js';
export { formatYuan, parseYuan } from './money.js';
export type * from './issuer-port.js';
export type * from './storage.js';

/** Directory of the bundled card profiles (their financial sections carry the TEST issuer keys). */
export const BUNDLED_PROFILES_DIR = fileURLToPath(new URL('../../../../fixtures/profiles/', import.meta.url));

/** The issuer keys of every bundled profile that has a financial section (TEST keys). */
export function bundledKeyring(): IssuerKeyring {
  const files = readdirSync(BUNDLED_PROFILES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => join(BUNDLED_PROFILES_DIR, f));
  return IssuerKeyring.fromFiles(files, { optional: true });
}

export interface OpenIssuerHostOptions {
  /** State directory (default `./.sscard/`); ignored with `memory` or `storage`. */
  stateDir?: string;
  /** An in-memory SQLite database (tests, demos). */
  memory?: boolean;
  /** Another storage adapter (e.g. `new MemoryIssuerStorage()`). */
  storage?: IssuerStorage;
  /** Default: `bundledKeyring()`. */
  keyring?: IssuerKeyring;
  clock?: Clock;
  random?: RandomSource;
  log?: Logger;
}

/** Builds the issuer host over its storage. Close it with `host.close()`. */
export function openIssuerHost(options: OpenIssuerHostOptions = {}): IssuerHost {
  const storage =
    options.storage ?? new SqliteIssuerStorage(options.memory ? { memory: true } : { stateDir: options.stateDir ?? DEFAULT_STATE_DIR });
  return new IssuerHost({
    storage,
    keyring: options.keyring ?? bundledKeyring(),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.random ? { random: options.random } : {}),
    ...(options.log ? { log: options.log.child({ host: 'issuer' }) } : {}),
  });
}
