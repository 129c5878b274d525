/**
 * `npm run fuzz -- settlement-kills`: 100 settlements (or cancels) killed with SIGKILL at random points
 * (test/terminal/flows/helpers/kill-scenarios.ts): for each, a fresh state directory, a child terminal
 * process killed at point k (a journal write, a centre or issuer call returned, a card answer), now and
 * then a second child killed during its own recovery or settlement, then a restart that recovers —
 * after which every visit must be complete or reversed and every balance exactly accounted for.
 *
 * `SSCARD_FUZZ_KILLS` sets the number of kills (default 100), `SSCARD_FUZZ_SEED` the seed (printed).
 * Exit 1 on the first inconsistency, with the seed, the scenario and the point.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '../src/env.js';
import { recoverAndCheck, runChild, SCENARIOS, type ScenarioName } from '../test/terminal/flows/helpers/kill-scenarios.js';

const kills = Number(process.env.SSCARD_FUZZ_KILLS ?? 100);
const seed = Number(process.env.SSCARD_FUZZ_SEED ?? Date.now() % 2 ** 31);
const random = seededRandom(seed);
const below = (n: number) => {
  const b = random(4);
  return (((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0) % n;
};
const names = Object.keys(SCENARIOS) as ScenarioName[];

console.log(`load average: ${loadavg().map((x) => x.toFixed(2)).join(' ')}; ${kills} kills; seed ${seed}`);
const started = performance.now();

// how many points each scenario passes when nobody kills it (and that it ends as it should)
const points = new Map<ScenarioName, number>();
for (const name of names) {
  const dir = mkdtempSync(join(tmpdir(), 'sscard-killfuzz-'));
  try {
    await SCENARIOS[name].setup(dir);
    const run = await runChild(dir, name, 0);
    if (!run.done) throw new Error(`${name}: the kill-free run did not end`);
    const expected = name === 'declined' ? 'reversed' : name === 'cancel' ? 'cancelled' : 'settled';
    if (run.done.outcome !== expected) throw new Error(`${name}: the kill-free run ended ${run.done.outcome}, expected ${expected}`);
    await recoverAndCheck(dir, name);
    points.set(name, run.done.points);
    console.log(`  ${name}: ${run.done.points} points (${run.points.join(' ')})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const tally: Record<string, number> = {};
let done = 0;
try {
  for (let i = 0; i < kills; i++) {
    const name = names[below(names.length)]!;
    const at = 1 + below(points.get(name)!);
    const dir = mkdtempSync(join(tmpdir(), 'sscard-killfuzz-'));
    let where = `${name} #${i + 1} point ${at}`;
    try {
      await SCENARIOS[name].setup(dir);
      const first = await runChild(dir, name, at);
      where += ` (${first.killedAt ?? 'ended'})`;
      if (below(10) < 3) {
        // a second terminal process, killed too: during its own recovery or its settlement
        const second = await runChild(dir, name, 1 + below(points.get(name)! + 4));
        where += ` then again (${second.killedAt ?? 'ended'})`;
      }
      const after = await recoverAndCheck(dir, name);
      for (const a of after.actions) tally[a] = (tally[a] ?? 0) + 1;
      done++;
      process.stderr.write(`[${i + 1}/${kills}] ${where}: ${after.actions.join(', ') || 'nothing to recover'}; states ${Object.values(after.states).join(', ')}\n`);
    } catch (err) {
      console.error(`FAIL at ${where} (seed ${seed}): ${(err as Error).message}`);
      process.exit(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
} finally {
  console.log(`${done} kills recovered and consistent in ${((performance.now() - started) / 1000).toFixed(0)} s; recovery actions: ${JSON.stringify(tally)}`);
}
