/**
 * A real simulated card (src/card: the card runtime, personalised by the real personaliser from a
 * bundled profile) and a minimal test-side terminal that talks APDUs to it — only what the issuer-host
 * tests need (this is not the PBOC kernel): SELECT, GPO, READ RECORD, GET DATA, GENERATE AC 1 and 2,
 * EXTERNAL AUTHENTICATE, qPBOC GPO, issuer script processing with DF31 results. Field 55 is built here
 * from the card's answers, tag by tag.
 */
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { concat, fromHex, toHex } from '../../../../../src/apdu/bytes.js';
import { ResponseApdu } from '../../../../../src/apdu/response-apdu.js';
import { decodeTlv, findTag, tlv, type Tlv } from '../../../../../src/apdu/tlv/ber-tlv.js';
import { createCard, MemoryCardStore, type Card } from '../../../../../src/card/index.js';
import { personalize } from '../../../../../src/card/personalize/personalize.js';
import { parseProfile } from '../../../../../src/card/personalize/profile.js';
import { sampleHolder } from '../../../../../src/card/personalize/sample-holder.js';
import { fixedClock, seededRandom } from '../../../../../src/env.js';
import { IssuerKeyring, keySetsFromJson } from '../../../../../src/terminal/hosts/issuer/keys.js';
import { encodeScriptResults, type ScriptResult } from '../../../../../src/terminal/hosts/issuer/script-results.js';

export const PROFILES = new URL('../../../../../fixtures/profiles/', import.meta.url).pathname;
export const NOW = new Date('2026-11-22T10:00:00Z');

/** n12 of fen as hex (12 digits). */
export const n12 = (fen: number) => String(fen).padStart(12, '0');

/** A bundled profile's JSON, with its financial section changed. */
export function profileJson(name: string, financial: Record<string, unknown> = {}): Record<string, unknown> {
  const json = JSON.parse(readFileSync(`${PROFILES}${name}.json`, 'utf8')) as Record<string, unknown>;
  json.financial = { ...(json.financial as Record<string, unknown>), ...financial };
  return json;
}

export interface TestCardSetup {
  card: Card;
  pan: string;
  psn: string;
  /** The issuer keys read from the same profile JSON with the host's own schema (keys.ts). */
  keyring: IssuerKeyring;
  terminal: TestTerminal;
}

/** Personalises a card from a profile JSON with the real personaliser and powers it on (contact). */
export function personalisedCard(json: Record<string, unknown>, seed = 11): TestCardSetup {
  const random = seededRandom(seed);
  const clock = fixedClock(NOW);
  const log = pino({ level: 'silent' });
  const profile = parseProfile(json, `${String(json.name)}.json`);
  const image = personalize(profile, sampleHolder(profile, random), { random, clock, log });
  const card = createCard(image, { random, clock, log }, { store: new MemoryCardStore(image) });
  const terminal = new TestTerminal(card);
  const { pan, psn } = terminal.readPan();
  return { card, pan, psn, keyring: new IssuerKeyring(keySetsFromJson(json, 'test profile')), terminal };
}

/** The AID of the debit application. */
const DEBIT_AID = 'A000000333010101';

/** What a GENERATE AC / qPBOC GPO answered. */
export interface Cryptogram {
  cid: number;
  atc: Uint8Array;
  ac: Uint8Array;
  iad: Uint8Array;
  /** Everything of the answer (qPBOC: 9F5D, 9F4B …). */
  nodes: Tlv[];
}

/** Terminal data for one transaction. */
export interface TxValues {
  amount: number;
  otherAmount?: number;
  type?: number;
  un?: string;
  tvr?: string;
  date?: string;
  currency?: string;
}

export class TestTerminal {
  iface: 'contact' | 'contactless' = 'contact';
  /** The last values sent in CDOL1 / PDOL. */
  last?: Required<TxValues>;

  constructor(readonly card: Card) {
    card.powerOn('contact');
  }

  send(hex: string): ResponseApdu {
    return ResponseApdu.parse(this.card.transmit(fromHex(hex)));
  }

  ok(hex: string): Uint8Array {
    const r = this.send(hex);
    if (r.sw !== 0x9000) throw new Error(`${hex.slice(0, 8)} answered ${r.sw.toString(16)}`);
    return r.data;
  }

  powerOn(iface: 'contact' | 'contactless'): void {
    this.iface = iface;
    this.card.powerOn(iface);
  }

  select(): ResponseApdu {
    return this.send(`00A4040008${DEBIT_AID}00`);
  }

  /** PAN (5A) and PSN (5F34) from SFI 2 record 1. */
  readPan(): { pan: string; psn: string } {
    this.ok(`00A4040008${DEBIT_AID}00`);
    const nodes = decodeTlv(this.ok('00B2011400'));
    return { pan: toHex(findTag(nodes, '5A')!.value).replace(/F+$/, ''), psn: toHex(findTag(nodes, '5F34')!.value) };
  }

  getData(tag: string): Uint8Array {
    const nodes = decodeTlv(this.ok(`80CA${tag}00`));
    return findTag(nodes, tag)!.value;
  }

  #values(tx: TxValues): Required<TxValues> {
    return { otherAmount: 0, type: 0, un: '11223344', tvr: '0000000000', date: '261122', currency: '0156', ...tx };
  }

  #pdolData(ttq: string, v: Required<TxValues>): string {
    // 9F66 TTQ | 9F02 | 9F03 | 9F1A | 95 | 5F2A | 9A | 9C | 9F37 | DF60 | DF69 (docs/pboc.md PDOL)
    return `${ttq}${n12(v.amount)}${n12(v.otherAmount)}0156${v.tvr}${v.currency}${v.date}${v.type.toString(16).padStart(2, '0')}${v.un}0001`;
  }

  /** SELECT + contact GPO (format 1). */
  startContact(tx: TxValues): void {
    this.powerOn('contact');
    this.ok(`00A4040008${DEBIT_AID}00`);
    const v = this.#values(tx);
    this.ok(`80A800002583 23${this.#pdolData('28000000', v)}00`.replace(/ /g, ''));
  }

  /** GENERATE AC 1 asking for an ARQC (or, with `request: 'TC'`, an offline approval). */
  gac1(tx: TxValues, request: 'ARQC' | 'TC' = 'ARQC'): Cryptogram {
    const v = this.#values(tx);
    this.last = v;
    // CDOL1: 9F02 | 9F03 | 9F1A | 95 | 5F2A | 9A | 9C | 9F37 | 9F21 | 9F4E(20)
    const cdol1 = `${n12(v.amount)}${n12(v.otherAmount)}0156${v.tvr}${v.currency}${v.date}${v.type.toString(16).padStart(2, '0')}${v.un}103000${'20'.repeat(20)}`;
    return this.#cryptogram(this.ok(`80AE${request === 'TC' ? '40' : '80'}0034${cdol1}00`));
  }

  /** GENERATE AC 2: 8A ARC | 95 | 9F37 | 91 (zeros, or ARPC ‖ ARC for issuer authentication inside). */
  gac2(arc: string, options: { request?: 'TC' | 'AAC'; tvr?: string; un?: string; issuerAuth?: Uint8Array } = {}): Cryptogram {
    const p1 = options.request === 'AAC' ? '00' : '40';
    const data = `${arc}${options.tvr ?? this.last!.tvr}${options.un ?? this.last!.un}${options.issuerAuth ? toHex(options.issuerAuth) : '00'.repeat(10)}`;
    return this.#cryptogram(this.ok(`80AE${p1}0015${data}00`));
  }

  externalAuthenticate(arpc: Uint8Array, arc: Uint8Array): number {
    return this.send(`008200000A${toHex(arpc)}${toHex(arc)}`).sw;
  }

  /** qPBOC: PPSE-free SELECT of the ADF over contactless and GPO with a TTQ; the format 2 answer. */
  qpboc(tx: TxValues, ttq = '26000080'): Cryptogram {
    this.powerOn('contactless');
    this.ok(`00A4040008${DEBIT_AID}00`);
    const v = this.#values(tx);
    this.last = v;
    const nodes = decodeTlv(this.ok(`80A800002583 23${this.#pdolData(ttq, v)}00`.replace(/ /g, '')));
    const get = (t: string) => findTag(nodes, t)!.value;
    return { cid: get('9F27')[0]!, atc: get('9F36'), ac: get('9F26'), iad: get('9F10'), nodes };
  }

  #cryptogram(data: Uint8Array): Cryptogram {
    const nodes = decodeTlv(data);
    const get = (t: string) => findTag(nodes, t)!.value;
    return { cid: get('9F27')[0]!, atc: get('9F36'), ac: get('9F26'), iad: get('9F10'), nodes };
  }

  /** Field 55 of the first cryptogram (the data it covers), as a terminal sends it. */
  field55(c: Cryptogram, extra: Uint8Array[] = []): Uint8Array {
    const v = this.last!;
    return concat(
      tlv('9F26', c.ac),
      tlv('9F27', Uint8Array.of(c.cid)),
      tlv('9F10', c.iad),
      tlv('9F36', c.atc),
      tlv('9F37', fromHex(v.un)),
      tlv('95', fromHex(v.tvr)),
      tlv('9A', fromHex(v.date)),
      tlv('9C', Uint8Array.of(v.type)),
      tlv('9F02', fromHex(n12(v.amount))),
      tlv('9F03', fromHex(n12(v.otherAmount))),
      tlv('9F1A', fromHex('0156')),
      tlv('5F2A', fromHex(v.currency)),
      tlv('82', fromHex('7C00')),
      ...extra,
    );
  }

  /**
   * Runs the scripts of one template kind (71 or 72) and returns their results (EMV Book 4 Annex A5):
   * 9000 → successful, anything else → failed at that command.
   */
  runScripts(scripts: Uint8Array, template: '71' | '72'): { results: ScriptResult[]; sws: number[] } {
    const results: ScriptResult[] = [];
    const sws: number[] = [];
    for (const t of decodeTlv(scripts)) {
      if (t.tag !== template) continue;
      const id = findTag(t.children!, '9F18');
      const commands = t.children!.filter((c) => c.tag === '86');
      let failedAt = 0;
      commands.forEach((c, i) => {
        if (failedAt) return;
        const sw = this.send(toHex(c.value)).sw;
        sws.push(sw);
        if (sw !== 0x9000 && (sw >> 8) !== 0x62 && (sw >> 8) !== 0x63) failedAt = i + 1;
      });
      results.push({ scriptId: id ? toHex(id.value) : '00000000', result: failedAt ? 'failed' : 'successful', sequence: failedAt });
    }
    return { results, sws };
  }
}

/** The completion's field 55 after GENERATE AC 2 with script results. */
export function completionData(c: Cryptogram, results: ScriptResult[] = [], extra: Uint8Array[] = []): Uint8Array {
  return concat(
    tlv('9F26', c.ac),
    tlv('9F27', Uint8Array.of(c.cid)),
    tlv('9F10', c.iad),
    tlv('9F36', c.atc),
    ...extra,
    ...(results.length ? [tlv('DF31', encodeScriptResults(results))] : []),
  );
}
