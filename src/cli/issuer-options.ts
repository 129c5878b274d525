/**
 * How a command reaches the bank's issuer host (src/terminal/hosts/issuer): `--state-dir <dir>` (the
 * host's database is `<dir>/issuer.sqlite`, default `./.sscard/`) and, where keys are needed,
 * `--issuer-keys <file|profile>` (repeatable; default: the issuer keys of every bundled profile).
 * `sscard issuer …` uses it; so can every command that runs a kernel against the host (`sscard pay`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Logger } from '../log.js';
import { DEFAULT_STATE_DIR, StateDatabaseError } from '../terminal/hosts/storage/sqlite.js';
import { BUNDLED_PROFILES_DIR, bundledKeyring, IssuerKeyError, IssuerKeyring, openIssuerHost, type IssuerHost } from '../terminal/hosts/issuer/index.js';
import { UserError } from './errors.js';

/** The option values `addIssuerOptions` declares. */
export interface IssuerOptionValues {
  stateDir?: string;
  issuerKeys?: string[];
}

/** Help text on the host's state and keys. */
export const ISSUER_HELP = `
The bank's state:
  --state-dir <dir>          where the host keeps issuer.sqlite (default ./${DEFAULT_STATE_DIR}/)
  --issuer-keys <file>       issuer master keys: a card profile (its financial section) or a key file
                             {"issuerKeys":[{"bin","algorithm","masterKeys":{"AC","MAC","ENC"}}]};
                             a bundled profile by name (shanghai); repeatable.
                             Default: the TEST keys of every bundled profile.`;

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Declares `--state-dir` and, with `keys`, `--issuer-keys`. */
export function addIssuerOptions(cmd: Command, options: { keys?: boolean } = {}): Command {
  cmd.option('--state-dir <dir>', `state directory of the hosts (default ./${DEFAULT_STATE_DIR}/)`);
  if (options.keys) cmd.option('--issuer-keys <file>', 'issuer keys: a profile or key file, or a bundled profile name (repeatable)', collect);
  return cmd;
}

/** The keyring the options name (bundled profiles by default). */
export function keyringFor(values: IssuerOptionValues): IssuerKeyring {
  try {
    if (!values.issuerKeys || values.issuerKeys.length === 0) return bundledKeyring();
    const files = values.issuerKeys.map((v) => {
      const bundled = join(BUNDLED_PROFILES_DIR, `${v}.json`);
      return /^[a-z0-9][a-z0-9-]*$/.test(v) && !existsSync(v) && existsSync(bundled) ? bundled : v;
    });
    return IssuerKeyring.fromFiles(files);
  } catch (err) {
    if (err instanceof IssuerKeyError) throw new UserError(err.message);
    throw err;
  }
}

/** Opens the issuer host of the options. Close it when done. */
export function openIssuerForCli(values: IssuerOptionValues, log: Logger): IssuerHost {
  const keyring = keyringFor(values);
  try {
    return openIssuerHost({ stateDir: values.stateDir ?? DEFAULT_STATE_DIR, keyring, log });
  } catch (err) {
    if (err instanceof StateDatabaseError) throw new UserError(err.message, 1);
    throw err;
  }
}
