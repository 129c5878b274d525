// The card side of fault injection (src/server/faults.ts), with an injected clock: what a served card
// answers to each fault, its removal from and return to the slot, power cuts counted from installation
// and across card objects, the seeded random source, and the control routes /cards/:slot/faults.
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/apdu/bytes.js';
import { dispatchControl, defaultRoutes, type ControlTarget } from '../../src/server/control.js';
import { CardFaults, faultRoutes, PowerCutSchedule, type ServerFaultClock } from '../../src/server/faults.js';
import { FaultSpecError, parseFaultSpec } from '../../src/spec/faults.js';
import { seededRandom } from '../../src/env.js';

/** A clock that moves only when told; `later` callbacks run when their time comes. */
function fakeClock(): ServerFaultClock & { advance(ms: number): void; slept: number[] } {
  let t = 0;
  const timers: { at: number; f: () => void }[] = [];
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
    later: (ms, f) => {
      const timer = { at: t + ms, f };
      timers.push(timer);
      return () => timers.splice(timers.indexOf(timer), 1);
    },
    advance(ms) {
      t += ms;
      for (const timer of timers.filter((x) => x.at <= t)) {
        timers.splice(timers.indexOf(timer), 1);
        timer.f();
      }
    },
  };
}

function slot() {
  const events: string[] = [];
  return { events, slot: { remove: () => events.push('remove'), insert: () => events.push('insert'), powerOff: () => events.push('power-off') } };
}

const card = async (c: Uint8Array) => fromHex(`${toHex(c.subarray(0, 2))}9000`);
const apdu = (ins: number) => Uint8Array.of(0x00, ins, 0x00, 0x00);

describe('CardFaults on a served card', () => {
  it('passes commands through when no fault applies, forces a status word without reaching the card, cuts answers', async () => {
    const f = new CardFaults([parseFaultSpec('sw:6A82,ins=B2'), parseFaultSpec('truncate:3,ins=B0')], fakeClock());
    const reached: string[] = [];
    const transmit = async (c: Uint8Array) => (reached.push(toHex(c)), card(c));
    expect(toHex((await f.apdu(apdu(0xa4), transmit)) as Uint8Array)).toBe('00A49000');
    expect(toHex((await f.apdu(apdu(0xb2), transmit)) as Uint8Array)).toBe('6A82');
    expect(toHex((await f.apdu(apdu(0xb0), transmit)) as Uint8Array)).toBe('00B090');
    expect(reached).toEqual(['00A40000', '00B00000']);
  });

  it('a mute card answers nothing: after `ms` the link is dropped and the card deactivated', async () => {
    const clock = fakeClock();
    const { events, slot: s } = slot();
    const f = new CardFaults([parseFaultSpec('mute:at=2,ms=700')], clock);
    f.attach(s);
    expect(await f.apdu(apdu(0xa4), card)).not.toBe('drop');
    expect(await f.apdu(apdu(0xa4), card)).toBe('drop');
    expect(clock.slept).toEqual([700]);
    expect(events).toEqual(['power-off']);
  });

  it('delay holds the answer back by its ms', async () => {
    const clock = fakeClock();
    const f = new CardFaults([parseFaultSpec('delay:250')], clock);
    await f.apdu(apdu(0xa4), card);
    expect(clock.slept).toEqual([250]);
  });

  it('remove takes the card out of the slot at its command and puts it back `for` ms later', async () => {
    const clock = fakeClock();
    const { events, slot: s } = slot();
    const f = new CardFaults([parseFaultSpec('remove:at=2,for=1000')], clock);
    f.attach(s);
    await f.apdu(apdu(0xa4), card);
    expect(await f.apdu(apdu(0xa4), card)).toBe('drop');
    expect(events).toEqual(['remove']);
    clock.advance(999);
    expect(events).toEqual(['remove']);
    clock.advance(1);
    expect(events).toEqual(['remove', 'insert']);
    expect(f.describe().present).toBe(true);
  });

  it('a remove without `at` takes the card out at once; clear() puts it back', () => {
    const { events, slot: s } = slot();
    const f = new CardFaults([parseFaultSpec('remove')], fakeClock());
    f.attach(s);
    expect(events).toEqual(['remove']);
    f.clear();
    expect(events).toEqual(['remove', 'insert']);
    expect(f.describe()).toMatchObject({ faults: [], present: true });
  });

  it('a power cut (CardPowerLostError from the card) drops the link: the card answers nothing', async () => {
    const f = new CardFaults([], fakeClock());
    const lost = Object.assign(new Error('card lost power'), { name: 'CardPowerLostError' });
    expect(await f.apdu(apdu(0xdc), async () => Promise.reject(lost))).toBe('drop');
    await expect(f.apdu(apdu(0xdc), async () => Promise.reject(new Error('bug')))).rejects.toThrow('bug');
  });

  it('refuses the terminal-side `un` with a message saying where it belongs', () => {
    expect(() => new CardFaults([parseFaultSpec('un:3')])).toThrow(FaultSpecError);
    expect(() => new CardFaults([parseFaultSpec('un:3')])).toThrow(/acts on the terminal side: give it to the terminal \(sscard conformance --fault …\)/);
  });

  it('random:<seed> makes the card\'s random source the seeded one (and clear() the system\'s again)', () => {
    const f = new CardFaults([parseFaultSpec('random:42')], fakeClock(), () => new Uint8Array(4));
    expect(toHex(f.random(8))).toBe(toHex(seededRandom(42)(8)));
    f.clear();
    expect(toHex(f.random(4))).toBe('00000000');
  });
});

describe('PowerCutSchedule', () => {
  it('cuts the Nth state-changing command since installation, at its stage, once, across card objects', () => {
    const s = new PowerCutSchedule();
    const a = s.hooks();
    const point = (command: number, stage: 'try-counter' | 'commit' | 'answer') => ({ command, stage, apdu: Uint8Array.of(command) });
    expect(a.powerCut!(point(1, 'commit'))).toBe(false); // state change 1, nothing installed
    s.add(2, 'commit', 'powercut:at=2,stage=commit'); // counts from here: the card's 3rd is "2"
    expect(a.powerCut!(point(2, 'try-counter'))).toBe(false);
    expect(a.powerCut!(point(2, 'commit'))).toBe(false);
    const b = s.hooks(); // a fresh copy of the card: its own numbering, the schedule's count goes on
    expect(b.powerCut!(point(1, 'try-counter'))).toBe(false);
    expect(b.powerCut!(point(1, 'commit'))).toBe(true);
    expect(b.powerCut!(point(2, 'commit'))).toBe(false);
    expect(s.happened).toEqual([{ fault: 'powercut:at=2,stage=commit', point: point(1, 'commit') }]);
  });
});

describe('control routes /cards/:slot/faults', () => {
  const faults = new Map([[0, new CardFaults([], fakeClock())]]);
  const target: ControlTarget = { slotNumber: 0, state: () => ({}) as never, insert: () => {}, remove: () => {} };
  const routes = [...defaultRoutes, ...faultRoutes((n) => faults.get(n))];
  const call = (method: string, url: string, body?: unknown) => dispatchControl(routes, [target], method, url, body);

  it('POST installs faults (a spec, a list, an object), GET lists them, DELETE clears them', async () => {
    expect(await call('POST', '/cards/0/faults', 'sw:6A82,ins=B2')).toMatchObject({ status: 200, body: { slot: 0, faults: [{ fault: 'sw:sw=6A82,ins=B2', applied: 0 }] } });
    expect(await call('POST', '/cards/0/faults', { faults: [{ kind: 'delay', ms: 5 }, 'mute:at=3'] })).toMatchObject({ status: 200 });
    await faults.get(0)!.apdu(apdu(0xb2), card);
    expect(await call('GET', '/cards/0/faults')).toMatchObject({
      status: 200,
      body: { commands: 1, present: true, faults: [{ fault: 'sw:sw=6A82,ins=B2', applied: 1 }, { fault: 'delay:ms=5', applied: 1 }, { fault: 'mute:at=3,ms=2000', applied: 0 }] },
    });
    expect(await call('DELETE', '/cards/0/faults')).toMatchObject({ status: 200, body: { faults: [] } });
  });

  it('a spec that cannot be read is a 400 with the reason; an unknown slot a 404', async () => {
    expect(await call('POST', '/cards/0/faults', 'sw:ZZ')).toEqual({ status: 400, body: { error: 'fault "sw:ZZ": sw: expected 4 hex digits (e.g. 6A82), got "ZZ"' } });
    expect(await call('POST', '/cards/0/faults', 'un:1')).toMatchObject({ status: 400, body: { error: expect.stringMatching(/terminal side/) } });
    expect(await call('POST', '/cards/0/faults', 7)).toMatchObject({ status: 400 });
    expect(await call('GET', '/cards/3/faults')).toMatchObject({ status: 404, body: { slots: [0] } });
    expect(await call('PUT', '/cards/0/faults')).toMatchObject({ status: 405, body: { allow: ['GET', 'POST', 'DELETE'] } });
  });
});
