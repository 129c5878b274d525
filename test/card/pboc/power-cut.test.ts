/**
 * The ATC and the EC balance are saved before a response leaves the card: a power cut during the save
 * of a GPO (simulated by the file store's hook, before the atomic rename) gives no cryptogram out and
 * leaves the old ATC and balance on disk, so an ATC value is never answered twice and the balance never
 * differs from what the terminal was told.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../src/apdu/bytes.js';
import { ResponseApdu } from '../../../src/apdu/response-apdu.js';
import { applicationRegistry } from '../../../src/card/apps/index.js';
import type { PbocState } from '../../../src/card/apps/pboc/state.js';
import { FileCardStore } from '../../../src/card/image/store.js';
import { Card } from '../../../src/card/runtime/card.js';
import { fixedClock, seededRandom } from '../../../src/env.js';
import { makeCard } from './helpers/setup.js';
import { gpoCommand, n12, pdolData, tag } from './helpers/terminal.js';

describe('power cut during the save of a GPO', () => {
  it('answers no cryptogram (6581), keeps the old ATC and balance, and never repeats an ATC', () => {
    const fx = makeCard();
    const dir = mkdtempSync(join(tmpdir(), 'sscard-pboc-'));
    const path = join(dir, 'card.json');
    writeFileSync(path, JSON.stringify(fx.saved()));
    let cut = false;
    const store = new FileCardStore(path, {
      afterTempWrite: () => {
        if (cut) throw new Error('power cut');
      },
    });
    const deps = { random: seededRandom(3), clock: fixedClock(new Date('2026-11-22T10:00:00Z')), log: pino({ level: 'silent' }) };
    const open = () => new Card(store.load(), deps, { store, applications: applicationRegistry() });
    const send = (card: Card, hex: string) => ResponseApdu.parse(card.transmit(fromHex(hex)));

    let card = open();
    card.powerOn('contactless');
    const pdol = toHex(tag(send(card, '00A4040008A00000033301010100').data, '9F38')!);
    const gpo = gpoCommand(pdolData(pdol, { ttq: '20000080', amount: 1000 }));
    const first = send(card, gpo);
    expect(toHex(tag(first.data, '9F36')!)).toBe('0001');

    cut = true;
    const lost = send(card, gpo);
    expect(lost.sw).toBe(0x6581); // memory failure: nothing leaves the card
    expect(lost.data.length).toBe(0);
    const onDisk = store.load().apps.pboc as PbocState;
    expect(onDisk.atc).toBe(1);
    expect(onDisk.ec.balance).toBe(50_000 - 1000);

    cut = false;
    card = open(); // power back on
    card.powerOn('contactless');
    send(card, '00A4040008A00000033301010100');
    const next = send(card, gpo);
    expect(toHex(tag(next.data, '9F36')!)).toBe('0002');
    expect(toHex(tag(next.data, '9F5D')!)).toBe(n12(50_000 - 2000));
  });
});
