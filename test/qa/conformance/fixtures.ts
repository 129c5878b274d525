// Card and PSAM images for the conformance tests, personalised once per profile into a temporary
// directory (as `sscard card new` / `sscard psam new` would), and the command's runner with silent
// progress. The cases' expectations do not come from here: these are only the cards under test.
import { mkdtempSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom, systemClock } from '../../../src/env.js';
import { silentLogger } from '../../../src/log.js';
import { FileCardStore } from '../../../src/card/image/store.js';
import { parseProfile } from '../../../src/card/personalize/profile.js';
import { personalize } from '../../../src/card/personalize/personalize.js';
import { sampleHolder } from '../../../src/card/personalize/sample-holder.js';
import { personalizePsam } from '../../../src/card/apps/psam/index.js';
import type { CardImage } from '../../../src/card/index.js';
import { runConformanceCommand, type ConformanceOptions } from '../../../src/cli/commands/conformance.js';
import type { Progress } from '../../../src/cli/progress.js';
import type { RunReport } from '../../../src/qa/conformance/types.js';

const root = new URL('../../../', import.meta.url);
const clock = systemClock;

function write(file: string, image: CardImage): string {
  const store = FileCardStore.open(file);
  try {
    store.save(image);
  } finally {
    store.close();
  }
  return file;
}

/** A personalised card and PSAM of a bundled profile, as files. */
export function profileFiles(profile: string, seed = 1): { dir: string; card: string; psam: string } {
  const dir = mkdtempSync(join(tmpdir(), `sscard-conf-test-${profile}-`));
  const p = parseProfile(JSON.parse(readFileSync(new URL(`fixtures/profiles/${profile}.json`, root), 'utf8')));
  const card = personalize(p, sampleHolder(p, seededRandom(seed)), { random: seededRandom(seed + 1), clock, log: silentLogger() });
  const psam = personalizePsam(p, { random: seededRandom(seed + 2), terminalId: `${p.issuer.regionCode}000001` });
  return { dir, card: write(join(dir, 'card.json'), card), psam: write(join(dir, 'psam.json'), psam) };
}

export const quiet: Progress = { start() {}, step() {}, done() {}, stop() {} };

/** The command's options with its defaults. */
export function options(o: Partial<ConformanceOptions>): ConformanceOptions {
  return { interface: 'contact', suite: 'all', pin: '123456', pbocPin: '123456', amount: '1', timeout: '30000', cardWait: '2000', ...o };
}

/** Runs `sscard conformance` in-process (no progress output). */
export function conformance(o: Partial<ConformanceOptions>): Promise<RunReport> {
  return runConformanceCommand(options(o), silentLogger(), { progress: quiet });
}

/** SHA-256 of a file (to prove a run leaves it alone). */
export function digest(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** The results as `id → outcome`, and the ids of an outcome. */
export function outcomes(report: RunReport): Map<string, string> {
  return new Map(report.results.map((r) => [r.id, r.outcome]));
}

export function ids(report: RunReport, ...which: string[]): string[] {
  return report.results.filter((r) => which.includes(r.outcome)).map((r) => r.id);
}

export function messageOf(report: RunReport, id: string): string {
  return report.results.find((r) => r.id === id)?.message ?? '';
}
