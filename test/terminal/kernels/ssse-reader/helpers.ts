/**
 * Test fixtures of the social-security reader kernel: cards personalised from the fixture profiles and
 * holders (each card made to reach one outcome), connected to an in-process reader, and a PSAM.
 *
 * The PSAM is the real one: the PSAM application on the card runtime behind the terminal's PsamClient.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fixedClock, seededRandom, type Clock } from '../../../../src/env.js';
import { silentLogger } from '../../../../src/log.js';
import { createCard, type Card } from '../../../../src/card/index.js';
import type { CardImage } from '../../../../src/card/runtime/types.js';
import { parseProfile, type Profile } from '../../../../src/card/personalize/profile.js';
import type { Holder } from '../../../../src/card/personalize/holder.js';
import { personalize } from '../../../../src/card/personalize/personalize.js';
import { SimulatedReader } from '../../../../src/terminal/readers/simulated.js';
import { PsamClient } from '../../../../src/terminal/psam/psam-client.js';
import { personalizePsam } from '../../../../src/card/apps/psam/index.js';
import { toHex } from '../../../../src/apdu/bytes.js';
import type { CardInterface } from '../../../../src/spec/card-interface.js';
import type { TransportLayer } from '../../../../src/apdu/transport.js';

export const load = (p: string): any => JSON.parse(readFileSync(new URL(`../../../../${p}`, import.meta.url), 'utf8'));

/** 2026-11-22 10:00 UTC: every test card was issued before, and its certificates are valid then. */
export const NOW = new Date(Date.UTC(2026, 10, 22, 10, 0));
export const clock: Clock = fixedClock(NOW);

export function profileNamed(name: 'shanghai' | 'sichuan' | 'gen2-3des', change?: (p: any) => void): Profile {
  const p = load(`fixtures/profiles/${name}.json`);
  delete p.financial;
  change?.(p);
  return parseProfile(p);
}

export const holders = {
  shanghai: () => load('fixtures/holders/shanghai-li.json') as Holder,
  sichuan: () => load('fixtures/holders/sichuan-chen.json') as Holder,
  gen2: () => load('fixtures/holders/gen2-liu.json') as Holder,
};

export interface TestCard {
  card: Card;
  image: CardImage;
  reader: SimulatedReader;
}

/** Personalises a card (optionally changing its image) and connects it to an in-process reader. */
export async function connectCard(
  profile: Profile,
  holder: Holder,
  options: { seed?: number; iface?: CardInterface; change?: (image: CardImage) => void } = {},
): Promise<TestCard> {
  const seed = options.seed ?? 1;
  const image = personalize(profile, holder, { random: seededRandom(seed), clock });
  options.change?.(image);
  const card = createCard(image, { random: seededRandom(seed + 100), clock, log: silentLogger() });
  const reader = new SimulatedReader(card, { name: `test card (${profile.name})` });
  await reader.connect(options.iface ?? 'contact');
  return { card, image, reader };
}

/** 卡的识别码 computed here from its parts: region ‖ D156000005 ‖ serial ‖ first 4 bytes of SM3 of the first 12 (docs/ssse.md [R]). */
export function expectedCardIdentifier(region: string, serial: string): string {
  const first12 = `${region}D156000005${serial}`.toUpperCase();
  const sm3 = createHash('sm3').update(Buffer.from(first12, 'hex')).digest('hex').toUpperCase();
  return first12 + sm3.slice(0, 8);
}

/**
 * A PSAM for a profile: the PSAM application (`sscard psam new`) on the card runtime, in-process, and the
 * terminal's PsamClient over it — the production path. A PSAM of ANOTHER profile (keys changed) is how a
 * test makes the PSAM and the card disagree.
 */
export async function psamOf(profile: Profile, terminalId = '310000000001'): Promise<PsamClient> {
  const image = personalizePsam(profile, { random: seededRandom(77), terminalId });
  const reader = new SimulatedReader(createCard(image, { random: seededRandom(78), clock, log: silentLogger() }), { name: `PSAM (${profile.name})` });
  await reader.connect('contact');
  return new PsamClient(reader);
}

/** The deterministic random source of the kernel in the tests. */
export const kernelRandom = () => seededRandom(4242);

/** One exchange as a recording layer saw it. */
export interface Seen {
  command: string;
  response: string;
}

/** A layer that records every exchange (hex). */
export function recording(seen: Seen[]): TransportLayer {
  return (inner) => ({
    async transmit(command) {
      const response = await inner.transmit(command);
      seen.push({ command: toHex(command), response: toHex(response) });
      return response;
    },
  });
}

/**
 * A layer that makes the card answer `sw` (without passing the command on) to the commands `match`
 * picks: a card that does not support a form of a command, as real cards vary.
 */
export function refusing(match: (command: Uint8Array) => boolean, sw: number): TransportLayer {
  return (inner) => ({
    async transmit(command) {
      if (match(command)) return Uint8Array.of(sw >> 8, sw & 0xff);
      return inner.transmit(command);
    },
  });
}
