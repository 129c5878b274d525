// fast-check: random sequences of the card's life (activation at random places, uses, temporary and
// formal loss reports, lifts, the clock moving on, replacements, medical settlements) against a small
// reference model of the seeds' rules written here (DOMAIN.md §5), independently of the host's code:
// after every step each card's two area states are the model's, and the host refuses exactly what the
// model refuses.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../../src/env.js';
import { CardManagementError, openCardManagement, type CardArea, type IssuedCard, type PlaceKind } from '../../../../src/terminal/hosts/card-management/index.js';

const DAY = 86_400_000;
const WEEK = 7 * DAY;
const RUNS = Number(process.env.SSCARD_FUZZ_RUNS ?? 40);

type Life = 'valid' | 'lost' | 'deregistered';
interface ModelCard {
  ss: boolean;
  fin: boolean;
  life: Life;
  until: number | null;
  replaces: number | null;
  replacedBy: number | null;
}

/** The seeds' rules, as this test reads them. */
class Model {
  cards: ModelCard[] = [{ ss: false, fin: false, life: 'valid', until: null, replaces: null, replacedBy: null }];
  constructor(public now: number) {}
  state(i: number, area: CardArea): string {
    const c = this.cards[i]!;
    if (c.life !== 'valid') return c.life;
    if (c.until !== null && c.until > this.now) return 'suspended';
    return (area === 'social-security' ? c.ss : c.fin) ? 'active' : 'not-activated';
  }
  /** true when the operation is allowed (and done). */
  activate(i: number, area: CardArea, at: PlaceKind): boolean {
    const allowed = area === 'financial' ? at === 'bank' : ['designated-medical', 'bank', 'service-window'].includes(at);
    const s = this.state(i, area);
    if (!allowed || (s !== 'active' && s !== 'not-activated')) return false;
    if (area === 'financial') this.cards[i]!.fin = true;
    else this.cards[i]!.ss = true;
    return true;
  }
  use(i: number, area: CardArea, at: PlaceKind): boolean {
    const s = this.state(i, area);
    if (s === 'not-activated' && area === 'social-security' && at === 'designated-medical') {
      this.cards[i]!.ss = true;
      return true;
    }
    return s === 'active';
  }
  report(i: number, formal: boolean): boolean {
    const c = this.cards[i]!;
    if (c.life !== 'valid') return false;
    const suspended = c.until !== null && c.until > this.now;
    if (!formal) {
      if (suspended) return false;
      c.until = this.now + WEEK;
    } else {
      c.life = 'lost';
      c.until = null;
    }
    return true;
  }
  lift(i: number): boolean {
    const c = this.cards[i]!;
    if (c.life !== 'valid' || c.until === null || c.until <= this.now) return false;
    c.until = null;
    return true;
  }
  replace(i: number): boolean {
    const c = this.cards[i]!;
    if (c.life === 'deregistered' || c.replacedBy !== null) return false;
    if (c.life === 'valid' && c.until !== null && c.until > this.now) return false;
    const j = this.cards.length;
    this.cards.push({ ss: false, fin: false, life: 'valid', until: null, replaces: i, replacedBy: null });
    c.replacedBy = j;
    return true;
  }
  settle(i: number): void {
    if (!this.cards[i]!.ss) return;
    for (let k = this.cards[i]!.replaces; k !== null; k = this.cards[k]!.replaces) {
      const old = this.cards[k]!;
      if (old.life === 'valid') {
        old.life = 'deregistered';
        old.until = null;
      }
    }
  }
}

const HOLDER = { idNumber: '310104199203154427', name: '李文静', sex: '2', nation: '01', birthplace: '310104', birthDate: '19920315', cardCategory: '3', personId: '310000000001', firstApplicationRegion: '310000' };
function cardData(n: number): IssuedCard {
  const serial = (0x00a1b2c3 + n).toString(16).toUpperCase().padStart(8, '0');
  return { cardSn: `310000D156000005${serial}341C081B`, cardNumber: `SH${String(n).padStart(7, '0')}`, region: '310000', holder: HOLDER };
}

const area = fc.constantFrom<CardArea>('social-security', 'financial');
const place = fc.constantFrom<PlaceKind>('designated-medical', 'bank', 'service-window', 'merchant', 'self-service');
const op = fc.oneof(
  fc.record({ kind: fc.constant('activate' as const), card: fc.nat(5), area, place }),
  fc.record({ kind: fc.constant('use' as const), card: fc.nat(5), area, place }),
  fc.record({ kind: fc.constant('report' as const), card: fc.nat(5), formal: fc.boolean() }),
  fc.record({ kind: fc.constant('lift' as const), card: fc.nat(5) }),
  fc.record({ kind: fc.constant('replace' as const), card: fc.nat(5) }),
  fc.record({ kind: fc.constant('settle' as const), card: fc.nat(5) }),
  fc.record({ kind: fc.constant('wait' as const), ms: fc.oneof(fc.integer({ min: 1, max: 3 * DAY }), fc.constant(WEEK - 1), fc.constant(WEEK), fc.constant(1000)) }),
);

describe('the card-management host against a model of the seeds', () => {
  it('area states and refusals follow the rules over random histories', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), async (ops) => {
        let t = Date.parse('2026-03-02T02:00:00Z');
        const clock: Clock = { now: () => new Date(t) };
        const model = new Model(t);
        const host = openCardManagement({ location: { memory: true }, clock });
        const sns: string[] = [];
        try {
          await host.issue(cardData(0));
          sns.push(cardData(0).cardSn);
          for (const o of ops) {
            if (o.kind === 'wait') {
              t += o.ms;
              model.now = t;
            } else {
              const i = o.card % model.cards.length;
              const sn = sns[i]!;
              const attempt = async (run: () => Promise<unknown>, allowed: boolean) => {
                let refused = false;
                try {
                  await run();
                } catch (err) {
                  if (!(err instanceof CardManagementError)) throw err;
                  refused = true;
                }
                expect(refused, `${JSON.stringify(o)} on card ${i}`).toBe(!allowed);
              };
              switch (o.kind) {
                case 'activate':
                  await attempt(() => host.activate(sn, [o.area], { kind: o.place, id: 'P1' }), model.activate(i, o.area, o.place));
                  break;
                case 'use': {
                  const expected = model.use(i, o.area, o.place);
                  expect((await host.use(sn, o.area, { kind: o.place, id: 'P1' })).usable, `${JSON.stringify(o)} on card ${i}`).toBe(expected);
                  break;
                }
                case 'report':
                  await attempt(() => host.reportLoss(sn, { formal: o.formal }), model.report(i, o.formal));
                  break;
                case 'lift':
                  await attempt(() => host.liftLoss(sn), model.lift(i));
                  break;
                case 'replace': {
                  const next = cardData(model.cards.length);
                  const allowed = model.replace(i);
                  await attempt(() => host.replace(sn, next), allowed);
                  if (allowed) sns.push(next.cardSn);
                  break;
                }
                case 'settle':
                  model.settle(i);
                  await host.onMedicalSettlement(sn);
                  break;
              }
            }
            for (let k = 0; k < sns.length; k++) {
              const v = await host.view(sns[k]!, 0);
              expect(v.states, `card ${k} after ${JSON.stringify(o)}`).toEqual({ 'social-security': model.state(k, 'social-security'), financial: model.state(k, 'financial') });
            }
          }
        } finally {
          await host.close();
        }
      }),
      { numRuns: RUNS },
    );
  });
});
