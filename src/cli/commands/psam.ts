/**
 * `sscard psam new|show`: make a simulated PSAM image from a card profile (it holds the profile's issuer
 * master keys) and show what a PSAM image holds. The PSAM runs on the same card runtime as the user card
 * (docs/psam.md); use it with `--psam psam.json` or put it into pcscd with `sscard serve --psam`.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { seededRandom, systemRandom } from '../../env.js';
import { writeFileAtomic } from '../../card/image/store.js';
import { inspectPsam, NotAPsamImageError, personalizePsam, PsamPersonalizeError, type PsamSummary } from '../../card/apps/psam/index.js';
import { UserError } from '../errors.js';
import { listProfiles, loadProfile, readCardImage } from './card.js';
import { writeJson, writeOut } from '../output.js';

function summaryOf(file: string): PsamSummary {
  try {
    return inspectPsam(readCardImage(file));
  } catch (err) {
    if (err instanceof NotAPsamImageError) throw new UserError(`${file}: ${err.message}`);
    throw err;
  }
}

function printSummary(s: PsamSummary): string {
  const byDf = new Map<string, string[]>();
  for (const k of s.masterKeys) byDf.set(k.df, [...(byDf.get(k.df) ?? []), `${k.kind}(${k.selector})`]);
  const lines = [
    `profile       ${s.profile}   protocol ${s.protocol}   PSAM ${s.lifeCycle}`,
    `ATR           ${s.atr}`,
    `serial        ${s.serial}   (EF15 PSAM 序列号)`,
    `terminal id   ${s.terminalId}   (EF16 终端机编号)`,
    `next terminal sequence  ${s.nextTerminalSequence}   (终端交易序号 of the next MAC1)`,
    '',
    `master keys   ${s.algorithm}, version ${s.keyVersion}, ${s.masterKeys.length} keys (values not shown; kind(BF DE selector))`,
    ...[...byDf].map(([df, kinds]) => `  ${df.padEnd(5)} ${kinds.join(' ')}`),
  ];
  return `${lines.join('\n')}\n`;
}

export function register(program: Command): void {
  const psam = program
    .command('psam')
    .description('make a simulated PSAM (the terminal\'s secure access module) and show what it holds')
    .addHelpText(
      'after',
      `
A PSAM holds the issuer master keys of a profile and derives each card's keys for the terminal
(docs/psam.md). The user card holds only its own diversified keys.

Examples:
  sscard psam new --profile shanghai --out psam.json
  sscard psam show psam.json
  sscard serve --card card.json --psam psam.json     # the PSAM in the next vpcd slot`,
    );

  psam
    .command('new')
    .description('make a PSAM image from a profile (its TEST master keys)')
    .requiredOption('--profile <name|file>', `bundled profile name (${listProfiles().join(', ')}) or a profile JSON file`)
    .requiredOption('--out <file>', 'PSAM image to write')
    .option('--terminal-id <digits>', '终端机编号, 12 digits (default: the region code and 6 random digits)')
    .option('--serial <hex>', 'PSAM serial number, 20 hex digits (default: the region code and random bytes)')
    .option('--seed <n>', 'deterministic randomness (serial, terminal id) — for tests and demos, NOT secure')
    .option('--force', 'overwrite --out if it exists')
    .addHelpText(
      'after',
      `
Examples:
  sscard psam new --profile shanghai --out psam.json
  sscard psam new --profile gen2-3des --terminal-id 370100000001 --out psam-gen2.json --force
  sscard card new --profile shanghai --out card.json && sscard psam new --profile shanghai --out psam.json`,
    )
    .action((opts: { profile: string; out: string; terminalId?: string; serial?: string; seed?: string; force?: boolean }) => {
      const out = resolve(opts.out);
      if (existsSync(out) && !opts.force) throw new UserError(`${opts.out} exists; use --force to overwrite it`);
      if (opts.terminalId !== undefined && !/^\d{12}$/.test(opts.terminalId)) throw new UserError(`--terminal-id must be 12 digits, got "${opts.terminalId}"`);
      if (opts.serial !== undefined && !/^[0-9A-Fa-f]{20}$/.test(opts.serial)) throw new UserError(`--serial must be 20 hex digits, got "${opts.serial}"`);
      let random = systemRandom;
      if (opts.seed !== undefined) {
        if (!/^\d+$/.test(opts.seed) || Number(opts.seed) > 0xffffffff) throw new UserError(`--seed must be an integer 0..4294967295, got "${opts.seed}"`);
        random = seededRandom(Number(opts.seed));
      }
      const profile = loadProfile(opts.profile);
      let image;
      try {
        image = personalizePsam(profile, { random, ...(opts.terminalId ? { terminalId: opts.terminalId } : {}), ...(opts.serial ? { serial: opts.serial.toUpperCase() } : {}) });
      } catch (err) {
        if (err instanceof PsamPersonalizeError) throw new UserError(`cannot make the PSAM: ${err.message}`);
        throw err;
      }
      try {
        writeFileAtomic(out, `${JSON.stringify(image, null, 2)}\n`);
      } catch (err) {
        throw new UserError(`cannot write ${opts.out}: ${(err as Error).message}`, 1);
      }
      const s = inspectPsam(image);
      writeOut(`${opts.out}: ${profile.name} PSAM, terminal id ${s.terminalId}, serial ${s.serial}, ${s.masterKeys.length} ${s.algorithm} master keys (version ${s.keyVersion})\n`);
    });

  psam
    .command('show')
    .description('show the identity, key version and master keys (names only) of a PSAM image')
    .argument('<psam>', 'PSAM image (JSON, from: sscard psam new)')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
Examples:
  sscard psam show psam.json
  sscard psam show psam.json --json | jq .terminalId`,
    )
    .action((file: string, opts: { json?: boolean }) => {
      const s = summaryOf(file);
      if (opts.json) writeJson(s);
      else writeOut(printSummary(s));
    });
}
