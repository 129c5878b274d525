// The fault model both faces share (src/spec/faults.ts): the text syntax of docs/qa-conformance.md
// "Faults" (every kind, every error), canonical text that parses back to the same spec (fast-check), the
// JSON forms of the control routes, and what FaultPlan decides command by command.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  FaultPlan,
  FaultSpecError,
  faultSpecsFromJson,
  formatFaultSpec,
  parseFaultSpec,
  truncateResponse,
  unsupportedFault,
  type FaultSpec,
} from '../../src/spec/faults.js';

const cmd = (ins: number) => Uint8Array.of(0x00, ins, 0x00, 0x00);

describe('parseFaultSpec', () => {
  it.each<[string, FaultSpec]>([
    ['remove', { kind: 'remove' }],
    ['remove:at=5,for=1500', { kind: 'remove', at: 5, forMs: 1500 }],
    ['mute:at=3', { kind: 'mute', match: { at: 3 }, ms: 2000 }],
    ['mute:ins=88,ms=500', { kind: 'mute', match: { ins: 0x88 }, ms: 500 }],
    ['delay:200', { kind: 'delay', match: {}, ms: 200 }],
    ['delay:ms=50,ins=B0', { kind: 'delay', match: { ins: 0xb0 }, ms: 50 }],
    ['sw:6A82,at=4', { kind: 'sw', match: { at: 4 }, sw: 0x6a82 }],
    ['SW:6581,ins=dc,count=2', { kind: 'sw', match: { ins: 0xdc, count: 2 }, sw: 0x6581 }],
    ['truncate:at=2', { kind: 'truncate', match: { at: 2 } }],
    ['truncate:3,ins=B2', { kind: 'truncate', match: { ins: 0xb2 }, keep: 3 }],
    ['powercut:3', { kind: 'powercut', at: 3, stage: 'commit' }],
    ['powercut:1,stage=answer', { kind: 'powercut', at: 1, stage: 'answer' }],
    ['random:42', { kind: 'random', seed: 42 }],
    ['un:7', { kind: 'un', seed: 7 }],
    ['un:fixed=11223344', { kind: 'un', fixed: Uint8Array.of(0x11, 0x22, 0x33, 0x44) }],
    ['sw:6A82,slot=1', { kind: 'sw', match: {}, sw: 0x6a82, slot: 1 }],
  ])('%s', (text, spec) => {
    expect(parseFaultSpec(text)).toEqual(spec);
  });

  it.each([
    ['', /empty spec/],
    ['explode', /unknown kind "explode"; kinds: remove, mute, delay, sw, truncate, powercut, random, un/],
    ['sw', /sw needs a status word/],
    ['sw:6G82', /sw: expected 4 hex digits/],
    ['sw:6A82,at=0', /at: expected 1\.\.1000000, got 0/],
    ['sw:6A82,at=2,ins=B2', /give at=N or ins=XX, not both/],
    ['sw:6A82,ins=B', /ins: expected one byte in hex/],
    ['delay', /delay needs a time in ms/],
    ['delay:fast', /ms: expected an integer/],
    ['mute:3', /"3" needs a name/],
    ['remove:stage=commit', /remove takes no "stage"/],
    ['powercut', /powercut needs the number/],
    ['powercut:2,stage=later', /stage: expected try-counter, commit, answer, got "later"/],
    ['un', /un needs a seed/],
    ['un:1,fixed=00', /a seed or fixed bytes, not both/],
    ['un:fixed=123', /fixed: expected 1 to 32 bytes in hex/],
    ['sw:6A82,at=1,at=2', /at given twice/],
    ['truncate:0', /keep: expected 1\.\.65535/],
  ])('refuses %j naming what is wrong', (text, message) => {
    expect(() => parseFaultSpec(text)).toThrow(FaultSpecError);
    expect(() => parseFaultSpec(text)).toThrow(message);
  });

  it('formatFaultSpec gives text that parses back to the same spec', () => {
    const match = fc.oneof(
      fc.record({ at: fc.integer({ min: 1, max: 1000 }) }, { requiredKeys: ['at'] }),
      fc.record({ ins: fc.integer({ min: 0, max: 255 }), count: fc.integer({ min: 1, max: 9 }) }, { requiredKeys: ['ins'] }),
      fc.constant({}),
    );
    const slot = fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined });
    const spec: fc.Arbitrary<FaultSpec> = fc.oneof(
      fc.record({ kind: fc.constant('remove' as const), at: fc.option(fc.integer({ min: 1, max: 99 }), { nil: undefined }), forMs: fc.option(fc.integer({ min: 1, max: 9999 }), { nil: undefined }) }),
      fc.record({ kind: fc.constant('mute' as const), match, ms: fc.integer({ min: 1, max: 9999 }) }),
      fc.record({ kind: fc.constant('delay' as const), match, ms: fc.integer({ min: 0, max: 9999 }) }),
      fc.record({ kind: fc.constant('sw' as const), match, sw: fc.integer({ min: 0, max: 0xffff }) }),
      fc.record({ kind: fc.constant('truncate' as const), match, keep: fc.option(fc.integer({ min: 1, max: 300 }), { nil: undefined }) }),
      fc.record({ kind: fc.constant('powercut' as const), at: fc.integer({ min: 1, max: 99 }), stage: fc.constantFrom('try-counter' as const, 'commit' as const, 'answer' as const) }),
      fc.record({ kind: fc.constant('random' as const), seed: fc.integer({ min: 0, max: 0xffffffff }) }),
      fc.record({ kind: fc.constant('un' as const), seed: fc.integer({ min: 0, max: 99 }) }),
    ).chain((s) => slot.map((n) => ({ ...s, ...(n !== undefined ? { slot: n } : {}) }) as FaultSpec));
    fc.assert(
      fc.property(spec, (s) => {
        const clean = JSON.parse(JSON.stringify(s));
        if (clean.match) for (const k of Object.keys(clean.match)) if (clean.match[k] === undefined) delete clean.match[k];
        expect(JSON.parse(JSON.stringify(parseFaultSpec(formatFaultSpec(s))))).toEqual(clean);
      }),
    );
  });
});

describe('faultSpecsFromJson (the control routes)', () => {
  it('takes a string, a list, {faults: [...]} and objects with the same names', () => {
    expect(faultSpecsFromJson('sw:6A82,at=3')).toEqual([{ kind: 'sw', match: { at: 3 }, sw: 0x6a82 }]);
    expect(faultSpecsFromJson(['delay:5', { kind: 'mute', at: 2 }])).toEqual([
      { kind: 'delay', match: {}, ms: 5 },
      { kind: 'mute', match: { at: 2 }, ms: 2000 },
    ]);
    expect(faultSpecsFromJson({ faults: [{ kind: 'sw', sw: '6985', ins: 'B2' }] })).toEqual([{ kind: 'sw', match: { ins: 0xb2 }, sw: 0x6985 }]);
  });

  it('refuses anything else with a message', () => {
    expect(() => faultSpecsFromJson(42)).toThrow(/expected a spec string/);
    expect(() => faultSpecsFromJson([])).toThrow(/the list is empty/);
    expect(() => faultSpecsFromJson({ kind: 7 })).toThrow(/"kind" must be a string/);
    expect(() => faultSpecsFromJson({ kind: 'sw', sw: { x: 1 } })).toThrow(/faults\[0\]\.sw: must be a string or a number/);
  });
});

describe('FaultPlan', () => {
  it('at=N applies to the Nth command after installation only (count=K: K of them)', () => {
    const plan = new FaultPlan([parseFaultSpec('sw:6A82,at=2,count=2')]);
    expect([1, 2, 3, 4].map(() => plan.next(cmd(0xb2), 0).kind)).toEqual(['pass', 'sw', 'sw', 'pass']);
    plan.add(parseFaultSpec('sw:6985,at=1'));
    expect(plan.next(cmd(0xb2), 0)).toMatchObject({ kind: 'sw', sw: 0x6985 });
    expect(plan.commands).toBe(5);
  });

  it('ins=XX applies to every command with that INS, count=K to the first K', () => {
    const plan = new FaultPlan([parseFaultSpec('sw:6A82,ins=B2,count=2'), parseFaultSpec('delay:30,ins=A4')]);
    const kinds = [0xa4, 0xb2, 0xb0, 0xb2, 0xb2].map((ins) => plan.next(cmd(ins), 0));
    expect(kinds.map((k) => k.kind)).toEqual(['pass', 'sw', 'pass', 'sw', 'pass']);
    expect(kinds[0]).toMatchObject({ delayMs: 30 });
    expect(plan.list()).toEqual([
      { fault: 'sw:sw=6A82,ins=B2,count=2', applied: 2, seen: 5 },
      { fault: 'delay:ms=30,ins=A4', applied: 1, seen: 5 },
    ]);
  });

  it('a forced status word, a mute and a truncation combine as documented (mute wins, delays add)', () => {
    const plan = new FaultPlan([parseFaultSpec('delay:10'), parseFaultSpec('delay:5'), parseFaultSpec('truncate:1'), parseFaultSpec('mute:at=2,ms=50')]);
    expect(plan.next(cmd(0xa4), 0)).toEqual({ kind: 'pass', delayMs: 15, truncate: 1, faults: ['delay:ms=10', 'delay:ms=5', 'truncate:keep=1'] });
    expect(plan.next(cmd(0xa4), 0)).toMatchObject({ kind: 'mute', ms: 50, delayMs: 15 });
    expect(truncateResponse(Uint8Array.of(1, 2, 3), 1)).toEqual(Uint8Array.of(1));
    expect(truncateResponse(Uint8Array.of(0x90, 0x00), -1)).toEqual(Uint8Array.of(0x90));
  });

  it('remove takes the card out (at once, or before command N) and puts it back after `for` ms or insert()', () => {
    const now = new FaultPlan([parseFaultSpec('remove:for=100')], 1000);
    expect(now.present(1050)).toBe(false);
    expect(now.next(cmd(0xa4), 1050).kind).toBe('absent');
    expect(now.present(1100)).toBe(true);
    const later = new FaultPlan([parseFaultSpec('remove:at=2')]);
    expect(later.next(cmd(0xa4), 0).kind).toBe('pass');
    expect(later.next(cmd(0xa4), 0).kind).toBe('absent');
    expect(later.present(1e9)).toBe(false);
    later.insert();
    expect(later.next(cmd(0xa4), 0).kind).toBe('pass');
  });

  it('clear() removes every fault and puts a removed card back', () => {
    const plan = new FaultPlan([parseFaultSpec('remove'), parseFaultSpec('sw:6A82')]);
    plan.clear();
    expect(plan.present(0)).toBe(true);
    expect(plan.next(cmd(0xb2), 0).kind).toBe('pass');
    expect(plan.list()).toEqual([]);
  });

  it('reads the card-side and terminal-side settings', () => {
    const plan = new FaultPlan(['random:1', 'random:42', 'un:fixed=AABB', 'powercut:2,stage=try-counter'].map(parseFaultSpec));
    expect(plan.cardSeed).toBe(42);
    expect(plan.unpredictable).toEqual({ fixed: Uint8Array.of(0xaa, 0xbb) });
    expect(plan.powerCuts).toEqual([{ at: 2, stage: 'try-counter', text: 'powercut:at=2,stage=try-counter' }]);
    expect(plan.next(cmd(0xa4), 0).kind).toBe('pass');
  });

  it('says which face cannot apply a spec', () => {
    expect(unsupportedFault([parseFaultSpec('un:3')], 'card', 'hint')).toMatch(/"un:seed=3" acts on the terminal side: hint/);
    expect(unsupportedFault([parseFaultSpec('powercut:3')], 'terminal', 'hint')).toMatch(/acts on the card side/);
    expect(unsupportedFault([parseFaultSpec('sw:6A82')], 'card', 'hint')).toBeUndefined();
  });
});
