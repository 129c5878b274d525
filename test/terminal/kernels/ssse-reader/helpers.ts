/**
 * Test fixtures of the social-security reader kernel: cards personalised from the fixture profiles and
 * holders (each card made to reach one outcome), connected to an in-process reader, and a PSAM.
 *
 * `KeyPsam` is a PsamPort test double that holds a profile's master keys and computes with src/crypto,
 * the way a PSAM does inside (diversification province → city → card, DOMAIN.md §1.4). It stands in
 * for the real PSAM client until the PSAM application lands; the kernel under test never sees a key.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { concat, constantTimeEqual, fromHex, toHex, uintBE } from '../../../../src/apdu/bytes.js';
import { blockSizeOf, cipherFor } from '../../../../src/crypto/block-cipher.js';
import { smEncipher } from '../../../../src/crypto/encipher.js';
import { ssseAuthData, ssseCardKey, ssseSessionKey } from '../../../../src/crypto/kdf.js';
import { ssseMac } from '../../../../src/crypto/mac.js';
import { medicalDebitMac, medicalDebitSessionKey, medicalDebitTac } from '../../../../src/crypto/purse.js';
import { fixedClock, seededRandom, type Clock } from '../../../../src/env.js';
import { silentLogger } from '../../../../src/log.js';
import { createCard, type Card } from '../../../../src/card/index.js';
import type { CardImage } from '../../../../src/card/runtime/types.js';
import { parseProfile, type Profile } from '../../../../src/card/personalize/profile.js';
import type { Holder } from '../../../../src/card/personalize/holder.js';
import { personalize } from '../../../../src/card/personalize/personalize.js';
import { mac1Input, mac2Input, tacInput, type DebitAmounts, type InitResponse } from '../../../../src/spec/ssse/medical-debit.js';
import type { KeyAlgorithm } from '../../../../src/spec/card-interface.js';
import type { CardDiversification, CardKeyRef, DebitMac1, PsamInfo, PsamPort } from '../../../../src/terminal/psam/psam-port.js';
import { PsamError } from '../../../../src/terminal/psam/psam-port.js';
import { SimulatedReader } from '../../../../src/terminal/readers/simulated.js';
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

/** A PsamPort that holds a profile's master keys (see the file comment). */
export class KeyPsam implements PsamPort {
  readonly opened: number[] = [];
  #sequence = 0x00000100;
  readonly #sessions = new Map<string, Uint8Array>();

  constructor(
    private readonly profile: Profile,
    readonly terminalId: Uint8Array = fromHex('310000000001'),
    private readonly options: { withoutKeyManagement?: boolean; algorithm?: KeyAlgorithm } = {},
  ) {
    if (options.withoutKeyManagement) {
      (this as { keyManagementMac?: unknown }).keyManagementMac = undefined;
      (this as { keyManagementEncipher?: unknown }).keyManagementEncipher = undefined;
    }
  }

  get algorithm(): KeyAlgorithm {
    return this.options.algorithm ?? this.profile.algorithm;
  }

  #key(card: CardDiversification, key: CardKeyRef): Uint8Array {
    const master = this.profile.masterKeys[key.df]?.[key.kind];
    if (!master) throw new PsamError('key', 0x6a88, `no master key ${key.kind} for ${key.df}`);
    return ssseCardKey(this.profile.algorithm, fromHex(master), card.region, card.cardData);
  }

  async open(): Promise<PsamInfo> {
    this.opened.push(1);
    return { algorithm: this.algorithm, keyVersion: this.profile.keyVersion, terminalId: this.terminalId };
  }

  async verifyInternalAuthentication(card: CardDiversification, key: CardKeyRef, challenge: Uint8Array, answer: Uint8Array): Promise<boolean> {
    const sk = ssseSessionKey(this.profile.algorithm, this.#key(card, key), challenge.subarray(0, 8));
    return constantTimeEqual(ssseAuthData(this.profile.algorithm, sk, challenge.subarray(8, 16)), answer);
  }

  async externalAuthenticationCryptogram(card: CardDiversification, key: CardKeyRef, random: Uint8Array): Promise<Uint8Array> {
    return ssseAuthData(this.profile.algorithm, this.#key(card, key), random);
  }

  async secureMessagingMac(card: CardDiversification, key: CardKeyRef, random: Uint8Array, macInput: Uint8Array): Promise<Uint8Array> {
    const sk = ssseSessionKey(this.profile.algorithm, this.#key(card, key), random);
    return ssseMac(this.profile.algorithm, sk, macInput);
  }

  async encipher(card: CardDiversification, key: CardKeyRef, random: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
    const sk = ssseSessionKey(this.profile.algorithm, this.#key(card, key), random);
    return smEncipher(cipherFor(this.profile.algorithm, sk), data);
  }

  async medicalDebitMac1(card: CardDiversification, init: InitResponse, amounts: DebitAmounts, time: Uint8Array): Promise<DebitMac1> {
    const terminalSequence = uintBE(this.#sequence++, 4);
    const dpk = this.#key(card, { df: 'DF04', kind: 'DPK' });
    const sk = medicalDebitSessionKey(this.profile.algorithm, dpk, init.random, uintBE(init.sequence, 2), terminalSequence);
    const mac1 = medicalDebitMac(this.profile.algorithm, sk, mac1Input(amounts, this.terminalId, time));
    this.#sessions.set(toHex(concat(mac1, terminalSequence)), sk);
    return { mac1, terminalSequence };
  }

  async verifyMedicalDebit(card: CardDiversification, amounts: DebitAmounts, mac1: DebitMac1, time: Uint8Array, answer: { tac: Uint8Array; mac2: Uint8Array }) {
    const sk = this.#sessions.get(toHex(concat(mac1.mac1, mac1.terminalSequence)));
    if (!sk) throw new PsamError('verify', 0x6985, 'no MAC1 session');
    const dtk = this.#key(card, { df: 'DF04', kind: 'DTK' });
    return {
      mac2: constantTimeEqual(medicalDebitMac(this.profile.algorithm, sk, mac2Input(amounts)), answer.mac2),
      tac: constantTimeEqual(medicalDebitTac(this.profile.algorithm, dtk, tacInput(amounts, this.terminalId, mac1.terminalSequence, time)), answer.tac),
    };
  }

  async keyManagementMac(card: CardDiversification, key: CardKeyRef, challenge: Uint8Array, macInput: Uint8Array): Promise<Uint8Array> {
    const bs = blockSizeOf(this.profile.algorithm);
    const iv = new Uint8Array(bs);
    iv.set(challenge.subarray(0, bs));
    return ssseMac(this.profile.algorithm, this.#key(card, key), macInput, iv);
  }

  async keyManagementEncipher(card: CardDiversification, key: CardKeyRef, data: Uint8Array): Promise<Uint8Array> {
    return smEncipher(cipherFor(this.profile.algorithm, this.#key(card, key)), data);
  }
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
