// Issue 8, "Tearing": power cuts at the write points (WRITE_POINTS: temporary file created, half written,
// written, fsynced, renamed, directory fsynced) of the saves of a session that runs every state-changing
// command (tearing-harness.ts). After each cut the image on disk is exactly the state before that
// command (cut before the rename) or after it (cut after), no temporary file survives a reopen, and the
// reopened card answers (no 6F00) and still validates. Here: every save once, the write points in turn
// (each point 4 times) in-process, and four SIGKILLed processes; `npm run fuzz` runs all 32 × 6 of both.
import { describe, expect, it } from 'vitest';
import { WRITE_POINTS } from '../../../src/card/index.js';
import { personalised } from './mutation-harness.js';
import { cutInChild, cutInProcess, uncutStates } from './tearing-harness.js';

const { image, profile } = personalised('shanghai');

describe('a power cut during the save of every state-changing command', () => {
  const { states, sws } = uncutStates(image, profile);
  const saves = states.length - 1;

  it('the uncut session changes the state 32 times, answering no 6F00 and no 6581', () => {
    // 24 commands change the state; the 8 that spend a PIN or key try save twice (the try is charged
    // and saved before the comparison, docs/card-os.md "PIN tries"), so 32 saves
    expect(saves).toBe(32);
    expect(sws).not.toContain('6F00');
    expect(sws).not.toContain('6581');
    for (let k = 1; k <= saves; k++) expect(states[k], `save ${k} changed nothing`).not.toBe(states[k - 1]);
  });

  it('in-process: every save, cut at each write point in turn', async () => {
    const failures: string[] = [];
    for (let k = 1; k <= saves; k++) {
      const failure = await cutInProcess(image, profile, states, k, WRITE_POINTS[(k - 1) % WRITE_POINTS.length]!);
      if (failure) failures.push(failure);
    }
    expect(failures).toEqual([]);
  });

  it('real processes SIGKILLed: a wrong PIN mid-write and after the rename, the medical debit after the fsync and the directory fsync', async () => {
    const failures: string[] = [];
    for (const [k, point] of [[1, 'temp-partial'], [1, 'rename'], [20, 'temp-fsync'], [20, 'dir-fsync']] as const) {
      const failure = await cutInChild(image, states, k, point);
      if (failure) failures.push(failure);
    }
    expect(failures).toEqual([]);
  });
});
