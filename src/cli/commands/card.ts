/**
 * `sscard card new|show|cert`: personalise a card image, show what it holds, print its certificate chain.
 * Parse, build objects, call, print: the work is in src/card/personalize.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { fromHex } from '../../apdu/bytes.js';
import { encodeGbk } from '../../apdu/text/gbk.js';
import { toPem } from '../../crypto/cert/x509.js';
import { seededRandom, systemClock, systemRandom } from '../../env.js';
import { loggerFor } from '../logging.js';
import type { CardImage } from '../../card/runtime/types.js';
import { CardImageError, FileCardStore, readCardImageFile } from '../../card/image/store.js';
import { readRegularFile, resolveTarget } from '../../card/image/files.js';
import { validateImage } from '../../card/image/validate.js';
import { parseProfile, ProfileError, type Profile } from '../../card/personalize/profile.js';
import { HolderError, parseHolder, type Holder } from '../../card/personalize/holder.js';
import { personalize } from '../../card/personalize/personalize.js';
import { sampleHolder } from '../../card/personalize/sample-holder.js';
import { findNode, inspectCard, PKI_CERT_PATH, type CardSummary } from '../../card/personalize/inspect.js';
import type { PkiState } from '../../card/apps/pki/pki-app.js';
import { FailureError, UsageError } from '../errors.js';
import { writeJson, writeOut } from '../output.js';

/** Directory of the bundled profiles. */
export const PROFILES_DIR = fileURLToPath(new URL('../../../fixtures/profiles/', import.meta.url));

/** Reads a JSON input file (a profile, a holder); a FIFO or a device is refused, not read. */
function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readRegularFile(resolveTarget(file), file, 1024 * 1024).toString('utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (err instanceof CardImageError) throw new FailureError(`${what} ${err.message.replace('not a card image file', `not a ${what} file`)}`);
    throw new FailureError(code === 'ENOENT' ? `${what} ${file}: no such file` : `${what} ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new FailureError(`${what} ${file}: not valid JSON (${(err as Error).message})`);
  }
}

/** Loads a profile by bundled name (`shanghai`) or file path. */
export function loadProfile(nameOrFile: string): Profile {
  const isName = /^[a-z0-9][a-z0-9-]*$/.test(nameOrFile) && !existsSync(nameOrFile);
  const file = isName ? join(PROFILES_DIR, `${nameOrFile}.json`) : resolve(nameOrFile);
  if (isName && !existsSync(file)) {
    const known = listProfiles();
    throw new UsageError(`unknown profile "${nameOrFile}" (bundled profiles: ${known.join(', ')}; or give a file path)`);
  }
  try {
    return parseProfile(readJson(file, 'profile'), basename(file));
  } catch (err) {
    if (err instanceof ProfileError) throw new FailureError(err.message);
    throw err;
  }
}

/** Names of the bundled profiles. */
export function listProfiles(): string[] {
  try {
    return readdirSync(PROFILES_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
  } catch {
    return [];
  }
}

function loadHolder(file: string): Holder {
  try {
    return parseHolder(readJson(file, 'holder'), encodeGbk, basename(file));
  } catch (err) {
    if (err instanceof HolderError) throw new FailureError(err.message);
    throw err;
  }
}

/**
 * Writes a new card image through the card store: locked while written (a card another process has
 * open is not replaced under it), a link followed to its target, anything but a regular file refused,
 * atomic and durable.
 */
export function writeCardImage(file: string, image: CardImage): void {
  let store: FileCardStore | undefined;
  try {
    store = FileCardStore.open(file);
    store.save(image);
  } catch (err) {
    if (err instanceof CardImageError) throw new FailureError(err.message);
    const code = (err as NodeJS.ErrnoException).code;
    throw new FailureError(`cannot write ${file}: ${code === 'ENOENT' ? 'no such directory' : (err as Error).message}`);
  } finally {
    store?.close();
  }
}

/** Reads and validates a card image for display (no state change: no lock, no store). */
export function readCardImage(file: string): CardImage {
  try {
    return readCardImageFile(file);
  } catch (err) {
    if (err instanceof CardImageError) throw new FailureError(err.message);
    const code = (err as NodeJS.ErrnoException).code;
    throw new FailureError(code === 'ENOENT' ? `card image ${file}: no such file` : `card image ${file}: ${(err as Error).message}`);
  }
}

/** The certificate chain of a card, PEM, card certificate first. */
export function certificateChain(image: CardImage): string[] {
  const pki = image.apps.pki as PkiState | undefined;
  const ef = findNode(image, PKI_CERT_PATH);
  if (!pki || !ef || ef.kind !== 'ef' || !ef.data) {
    throw new FailureError(`this card has no PKI application (profile ${image.profile}; second-generation cards have no certificate)`);
  }
  return [toPem(fromHex(ef.data)), ...pki.caChain];
}

const fen = (n: number) => `${(n / 100).toFixed(2)} 元`;

/** The text `card show` prints for a card summary. */
export function formatSummary(s: CardSummary): string {
  const lines: string[] = [];
  lines.push(`profile     ${s.profile}   protocol ${s.protocol}   card ${s.lifeCycle}`);
  lines.push(`ATR         ${s.atr.contact}${s.atr.contactless ? `\nATR (RF)    ${s.atr.contactless}` : ''}`);
  let file = '';
  for (const i of s.items) {
    if (i.file !== file) {
      file = i.file;
      lines.push('', `${file}`);
    }
    lines.push(`  ${i.tag}  ${`${i.zh} (${i.en})`.padEnd(40)} ${i.value}`);
  }
  lines.push('', 'applications');
  for (const a of s.applications) lines.push(`  ${a.path.padEnd(16)} ${(a.aid ?? '').padEnd(32)} ${a.lifeCycle.padEnd(7)} ${a.interfaces.padEnd(19)} ${a.label ?? ''}`);
  lines.push('', 'PINs');
  for (const p of s.pins) lines.push(`  ${p.path.padEnd(16)} ${p.id.padEnd(10)} P2=${p.reference}  ${p.triesLeft}/${p.maxTries} tries left${p.blocked ? '  BLOCKED' : ''}`);
  const blockedKeys = s.keys.filter((k) => k.triesLeft === 0);
  lines.push('', `keys        ${s.keys.length} (values not shown)${blockedKeys.length ? `; blocked: ${blockedKeys.map((k) => k.id).join(', ')}` : ''}`);
  if (s.medical) {
    const m = s.medical;
    lines.push('', 'medical account (DF04)');
    lines.push(`  balance ${fen(m.balance)}   self-pay ${fen(m.selfPayAccumulated)}   fund ${fen(m.fundAccumulated)} (${m.year})   next sequence ${m.sequence}`);
    for (const t of m.transactions) lines.push(`  #${t.sequence} ${t.time} terminal ${t.terminalId}  account ${fen(t.account)} self-pay ${fen(t.selfPay)} fund ${fen(t.fund)}`);
  }
  if (s.pki) lines.push('', `PKI         SM2 public key ${s.pki.publicKey.slice(0, 18)}…  certificate ${s.pki.certificateBytes} bytes  signatures made ${s.pki.signatures}`);
  if (s.otherApps.length) lines.push('', `other application states: ${s.otherApps.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

export function register(program: Command): void {
  const card = program
    .command('card')
    .description('personalise a card image, show its contents, print its certificates')
    .addHelpText('after', `
Examples:
  sscard card new --profile shanghai --out card.json
  sscard card new --profile sichuan --holder fixtures/holders/sichuan-chen.json --out chen.json --seed 7
  sscard card show card.json
  sscard card cert card.json > chain.pem`);

  card
    .command('new')
    .description('personalise a new card image from a profile (keys derived from its TEST master keys)')
    .requiredOption('--profile <name|file>', `bundled profile name (${listProfiles().join(', ')}) or a profile JSON file`)
    .requiredOption('--out <file>', 'card image to write')
    .option('--holder <file>', 'cardholder JSON (default: an invented holder)')
    .option('--seed <n>', 'deterministic randomness (card serial, PKI key pair) — for tests and demos, NOT secure')
    .option('--force', 'overwrite --out if it exists')
    .addHelpText('after', `
The profile gives region, issuer, algorithm (SM4/3DES), default PIN, interfaces and the master keys;
the holder file gives the cardholder data (see fixtures/holders/*.json and docs/profiles.md).

Examples:
  sscard card new --profile shanghai --out card.json
  sscard card new --profile fixtures/profiles/gen2-3des.json --holder fixtures/holders/gen2-liu.json --out old.json --force`)
    .action(async (opts: { profile: string; out: string; holder?: string; seed?: string; force?: boolean }, cmd: Command) => {
      let random = systemRandom;
      if (opts.seed !== undefined) {
        if (!/^\d+$/.test(opts.seed) || Number(opts.seed) > 0xffffffff) throw new UsageError(`--seed must be an integer 0..4294967295, got "${opts.seed}"`);
        random = seededRandom(Number(opts.seed));
      }
      if (existsSync(opts.out) && !opts.force) throw new UsageError(`${opts.out} exists; use --force to overwrite it`);
      const profile = loadProfile(opts.profile);
      const holder = opts.holder ? loadHolder(opts.holder) : sampleHolder(profile, random);
      const log = loggerFor(cmd);
      let image: CardImage;
      try {
        image = validateImage(personalize(profile, holder, { random, clock: systemClock, log }), opts.out);
      } catch (err) {
        if (err instanceof RangeError || err instanceof CardImageError) throw new FailureError(`cannot personalise: ${err.message}`);
        throw err;
      }
      writeCardImage(opts.out, image);
      const s = inspectCard(image);
      const v = (k: string) => s.items.find((i) => i.key === k)?.value ?? '';
      writeOut(`${opts.out}: ${profile.name} card ${v('cardNumber')} for ${v('name')} (${v('idNumber')}), identifier ${v('cardIdentifier')}\n`);
    });

  card
    .command('show')
    .description('show the cardholder data, applications, PIN counters and medical account of a card image')
    .argument('<card>', 'card image (JSON)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', `
Examples:
  sscard card show card.json
  sscard card show card.json --json | jq .items`)
    .action((file: string, opts: { json?: boolean }) => {
      const summary = inspectCard(readCardImage(file));
      if (opts.json) writeJson(summary);
      else writeOut(formatSummary(summary));
    });

  card
    .command('cert')
    .description('print the certificate chain of the PKI application as PEM, card certificate first')
    .argument('<card>', 'card image (JSON)')
    .addHelpText('after', `
The chain is: card certificate, issuing CA, root CA (TEST CAs of the profile). OpenSSL 3.0 applies
-vfyopt distid only to the target certificate, so verify each link (docs/pki.md):
  sscard card cert card.json > chain.pem
  csplit -s -z -f cert- chain.pem '/-----BEGIN CERTIFICATE-----/' '{*}'
  openssl verify -vfyopt distid:1234567812345678 -CAfile cert-02 cert-01
  openssl verify -vfyopt distid:1234567812345678 -partial_chain -CAfile cert-01 cert-00`)
    .action((file: string) => {
      writeOut(certificateChain(readCardImage(file)).map((p) => (p.endsWith('\n') ? p : `${p}\n`)).join(''));
    });
}

export type { CardSummary };
export { fen as formatFen };
