// The card image file: atomic, durable saves; corrupt and unknown-version images refused, never overwritten.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../src/apdu/bytes.js';
import { fixedClock, seededRandom } from '../../../src/env.js';
import { silentLogger } from '../../../src/log.js';
import { CardImageError, FileCardStore, createCard, openCardFile } from '../../../src/card/index.js';
import { testImage } from './fixture.js';

const deps = { random: seededRandom(1), clock: fixedClock(new Date(0)), log: silentLogger() };
const dir = () => mkdtempSync(join(tmpdir(), 'sscard-store-'));

describe('FileCardStore', () => {
  it('every state change is in the file before the response; a reopened card continues from it', async () => {
    const path = join(dir(), 'card.json');
    new FileCardStore(path).save(testImage());
    let card = openCardFile(path, deps);
    card.powerOn('contact');
    expect(toHex(card.transmit(fromHex('00200000021111')))).toBe('63C2');
    expect(JSON.parse(readFileSync(path, 'utf8')).mf.pins[0].triesLeft).toBe(2);
    await card.close();
    card = openCardFile(path, deps);
    card.powerOn('contact');
    expect(toHex(card.transmit(fromHex('0020000000')))).toBe('63C2');
  });

  it('a power cut between the temporary write and the rename leaves the old image whole', () => {
    const d = dir();
    const path = join(d, 'card.json');
    new FileCardStore(path).save(testImage());
    const before = readFileSync(path, 'utf8');
    const store = new FileCardStore(path, { afterTempWrite: () => { throw new Error('power cut'); } });
    const card = createCard(store.load(), deps, { store });
    card.powerOn('contact');
    expect(toHex(card.transmit(fromHex('00200000021111')))).toBe('6581');
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(readdirSync(d)).toEqual(['card.json']);
  });

  it('refuses a corrupt image and one of an unknown version, and leaves the file untouched', () => {
    const d = dir();
    const corrupt = join(d, 'corrupt.json');
    writeFileSync(corrupt, '{"format": "sscard-card-image", "version": 1, "mf": ');
    expect(() => openCardFile(corrupt, deps)).toThrow(CardImageError);
    expect(() => openCardFile(corrupt, deps)).toThrow(/is not a card image/);
    expect(readFileSync(corrupt, 'utf8')).toBe('{"format": "sscard-card-image", "version": 1, "mf": ');

    const future = join(d, 'future.json');
    const text = JSON.stringify({ ...testImage(), version: 2 });
    writeFileSync(future, text);
    expect(() => openCardFile(future, deps)).toThrow(/version 2 is not supported \(this sscard reads version 1\)/);
    expect(readFileSync(future, 'utf8')).toBe(text);

    const other = join(d, 'other.json');
    writeFileSync(other, '{"hello": "world"}');
    expect(() => openCardFile(other, deps)).toThrow(/format is not "sscard-card-image"/);
  });
});
