// Fault points for QA (docs/card-os.md "Fault points"): a power cut injected at a write point of the Nth
// state-changing command. At `commit` the command's changes are lost and the card answers nothing
// (transmit throws CardPowerLostError, the card is unpowered); at `answer` the changes are saved and the
// card still answers nothing; at `try-counter` (VERIFY) the PIN has not been compared yet.
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../src/apdu/bytes.js';
import { seededRandom } from '../../../src/env.js';
import { silentLogger } from '../../../src/log.js';
import { MemoryCardStore, createMemoryCard } from '../../../src/card/index.js';
import { CardPowerLostError, powerCutAt, type FaultHooks } from '../../../src/card/runtime/faults.js';
import { clock, personalised } from './personalised.js';

const PDOL_DATA = `00000000${'000000012345'}${'0'.repeat(12)}0156${'00'.repeat(5)}0156261122001122334400` + '01';
const GPO = `80A8000025${'8323'}${PDOL_DATA}00`;
const atcOf = (store: MemoryCardStore) => (store.load().apps.pboc as { atc: number }).atc;

function open(store: MemoryCardStore, faults?: FaultHooks) {
  const card = createMemoryCard(store, { random: seededRandom(2), clock, log: silentLogger() }, faults ? { faults } : {});
  card.powerOn('contact');
  expect(toHex(card.transmit(fromHex('00A4040008A000000333010101'))).slice(-4)).toBe('9000');
  return card;
}

describe('fault points', () => {
  it('a cut at the commit point of the 2nd state-changing command loses its changes and answers nothing', () => {
    const store = new MemoryCardStore(personalised('shanghai'));
    const atc0 = atcOf(store);
    const card = open(store, powerCutAt(2));
    expect(toHex(card.transmit(fromHex(GPO))).slice(-4)).toBe('9000');
    expect(atcOf(store)).toBe(atc0 + 1);
    expect(() => card.transmit(fromHex(GPO))).toThrow(CardPowerLostError);
    expect(card.powered).toBe(false);
    expect(atcOf(store)).toBe(atc0 + 1);
    const again = open(store);
    expect(toHex(again.transmit(fromHex(GPO))).slice(-4)).toBe('9000');
    expect(atcOf(store)).toBe(atc0 + 2);
  });

  it('a cut at the answer point keeps the saved changes and answers nothing', () => {
    const store = new MemoryCardStore(personalised('shanghai'));
    const atc0 = atcOf(store);
    const card = open(store, powerCutAt(1, 'answer'));
    let point: unknown;
    try {
      card.transmit(fromHex(GPO));
    } catch (err) {
      point = (err as CardPowerLostError).point;
    }
    expect(point).toMatchObject({ command: 1, stage: 'answer' });
    expect(atcOf(store)).toBe(atc0 + 1);
  });

  it('a cut at the try-counter point of VERIFY (before the charged try is saved) keeps the counter, compares nothing and answers nothing', () => {
    const store = new MemoryCardStore(personalised('shanghai'));
    const seen: string[] = [];
    const card = open(store, { powerCut: (p) => (seen.push(`${p.command}:${p.stage}`), p.stage === 'try-counter') });
    expect(() => card.transmit(fromHex('002000800826123456FFFFFFFF'))).toThrow(CardPowerLostError);
    expect(seen).toEqual(['1:try-counter']);
    expect((store.load().apps.pboc as { pin: { triesLeft: number } }).pin.triesLeft).toBe(3);
  });
});
