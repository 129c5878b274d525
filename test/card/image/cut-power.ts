/**
 * A process whose power is cut in the middle of a save (test helper for the tearing runs): runs the
 * tearing session on a card file (a personalised shanghai card) and SIGKILLs itself at write point
 * `point` of save number `save`.
 *
 *   node --import tsx test/card/image/cut-power.ts card.json <save> <point>
 */
import { readFileSync } from 'node:fs';
import { fixedClock, seededRandom } from '../../../src/env.js';
import { silentLogger } from '../../../src/log.js';
import { FileCardStore, createCard } from '../../../src/card/index.js';
import { parseProfile } from '../../../src/card/personalize/profile.js';
import { tearingSession } from './tearing-harness.js';

const [path, saveText, point] = process.argv.slice(2) as [string, string, string];
const save = Number(saveText);
let saves = 0;
const store = new FileCardStore(path, {
  at: (p) => {
    if (p === 'temp-open') saves++;
    if (saves === save && p === point) process.kill(process.pid, 'SIGKILL');
  },
});
const image = store.load();
const profile = parseProfile(JSON.parse(readFileSync(new URL('../../../fixtures/profiles/shanghai.json', import.meta.url), 'utf8')));
const card = createCard(structuredClone(image), { random: seededRandom(9), clock: fixedClock(new Date('2026-11-22T10:00:00Z')), log: silentLogger() }, { store });
tearingSession(card, image, profile);
process.stdout.write('the session ended without a power cut\n');
