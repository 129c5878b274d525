/**
 * What a conformance case works with: the card (through its `CardReader`, GET RESPONSE handled), the
 * PSAM when there is one, the terminal's unpredictable numbers and clock, the PINs to use, and helpers
 * that turn a wrong answer into a one-line {@link CaseFailure}. Every exchange is logged for the reports.
 */
import { fromHex, toHex } from '../../apdu/bytes.js';
import { historicalBytes } from '../../apdu/atr.js';
import { ResponseApdu } from '../../apdu/response-apdu.js';
import { TransportError, type Transport } from '../../apdu/transport.js';
import type { Clock, RandomSource } from '../../env.js';
import type { CardInterface } from '../../spec/card-interface.js';
import { SSSE_AID } from '../../spec/ssse/identifiers.js';
import type { CardProtocol, CardReader } from '../../terminal/reader.js';
import type { CardDiversification, PsamPort } from '../../terminal/psam/psam-port.js';
import type { CardKeys, IssuerKeyring } from '../../terminal/hosts/issuer/keys.js';
import { commandLabel } from '../decode/command-names.js';
import { describeSw } from '../../apdu/status-word-table.js';
import { CommandApdu } from '../../apdu/command-apdu.js';
import { pinBlockFormat2 } from '../../terminal/hosts/issuer/cryptograms.js';
import { CaseFailure, CaseSkip, checkResponse, type Expect } from './expect.js';
import type { LoggedExchange } from './types.js';

/** The PINs and amounts cases use (CLI options; defaults are the TEST profiles'). */
export interface CaseSettings {
  /** PIN_SSSE (VERIFY 00 20 00 00). */
  pin: string;
  /** PIN_PKI (VERIFY 00 20 00 81). */
  pkiPin: string;
  /** The PBOC offline PIN (VERIFY 00 20 00 80). */
  pbocPin: string;
  /** Amount of the offline medical debit and of the EC purchase, in fen. */
  amount: number;
}

export const DEFAULT_SETTINGS: CaseSettings = { pin: '123456', pkiPin: '123456', pbocPin: '123456', amount: 1 };

/** The card's PINs the cases verify with the PINs of the settings. */
export type PinKind = 'ssse' | 'pki' | 'pboc';

const PIN_NAMES: Readonly<Record<PinKind, { name: string; option: string }>> = {
  ssse: { name: 'PIN_SSSE', option: '--pin' },
  pki: { name: 'PIN_PKI', option: '--pki-pin' },
  pboc: { name: 'the PBOC offline PIN', option: '--pboc-pin' },
};

/**
 * Remembers, for a whole run, a PIN of the settings that the card refused: no case tries it again, so
 * that a wrong `--pin` costs one try and never blocks a real card.
 */
export class PinGuard {
  readonly #refused = new Map<PinKind, string>();

  refused(kind: PinKind): string | undefined {
    return this.#refused.get(kind);
  }

  refuse(kind: PinKind, why: string): void {
    if (!this.#refused.has(kind)) this.#refused.set(kind, why);
  }
}

/** What the runner gives a context. */
export interface ContextDeps {
  /** The card, connected on `iface`; its transport handles GET RESPONSE. */
  card: CardReader;
  /** The same card without the GET RESPONSE layer (T=0 cases). */
  rawTransport: () => Transport;
  /** Reconnects the card on an interface (cold reset); rejects when the reader cannot. */
  reconnect(iface: CardInterface): Promise<Uint8Array>;
  /** The PSAM port, opened (undefined when the run has no PSAM). */
  psam?: () => Promise<PsamPort>;
  random: RandomSource;
  clock: Clock;
  settings: CaseSettings;
  /** The run's record of refused PINs. */
  pins: PinGuard;
  /** The case being run (for the guard's messages). */
  caseId: string;
  keyring?: IssuerKeyring;
  /** Longest wait for one answer, ms. */
  timeoutMs: number;
  now(): number;
}

/** SELECT of the SSSE application by its DF name (DOMAIN.md §1.1). */
export const SELECT_SSSE = `00A404000F${SSSE_AID}`;

function apduOf(cla: number, ins: number, p1: number, p2: number, data: Uint8Array): Uint8Array {
  return CommandApdu.of({ cla, ins, p1, p2, data }).encode();
}

/** ISO 9564-1 format 2 PIN block (EMV Book 3 §6.5.12.2: the plaintext offline PIN). */
function pinBlock(pin: string): Uint8Array {
  return pinBlockFormat2(pin);
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new TransportError(`${what}: no answer from the card within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** The context of one case. */
export class CaseContext {
  readonly exchanges: LoggedExchange[] = [];
  readonly notes: string[] = [];
  #atr: Uint8Array;
  #step = 0;
  #diversification: CardDiversification | undefined;

  constructor(private readonly deps: ContextDeps) {
    this.#atr = deps.card.atr;
  }

  get settings(): CaseSettings {
    return this.deps.settings;
  }

  get clock(): Clock {
    return this.deps.clock;
  }

  /** The terminal's unpredictable numbers (`--fault un:…` makes them repeatable). */
  random(n: number): Uint8Array {
    return this.deps.random(n);
  }

  get atr(): Uint8Array {
    return this.#atr;
  }

  get interface(): CardInterface | undefined {
    return this.deps.card.interface;
  }

  get protocol(): CardProtocol | undefined {
    return this.deps.card.protocol;
  }

  /** Notes a fact for the report (one line). */
  note(text: string): void {
    this.notes.push(text);
  }

  /** Fails the case with a message. */
  fail(message: string): never {
    throw new CaseFailure(message);
  }

  /** Skips the case with a reason. */
  skip(reason: string): never {
    throw new CaseSkip(reason);
  }

  /** Fails unless `condition`; the message says what was expected. */
  check(condition: boolean, message: string): void {
    if (!condition) this.fail(message);
  }

  /**
   * Sends a command (hex or bytes) and checks the answer against `expect`. Returns the response.
   * A response without a status word fails the case (whatever is expected).
   */
  async send(command: string | Uint8Array, expect: Expect = {}, label?: string): Promise<ResponseApdu> {
    return this.#exchange(() => this.deps.card.transport, command, expect, label);
  }

  /** As `send`, without GET RESPONSE handling (to see 61xx / 6Cxx themselves). */
  async sendRaw(command: string | Uint8Array, expect: Expect = {}, label?: string): Promise<ResponseApdu> {
    return this.#exchange(this.deps.rawTransport, command, expect, label);
  }

  async #exchange(transport: () => Transport, command: string | Uint8Array, expect: Expect, label?: string): Promise<ResponseApdu> {
    const bytes = typeof command === 'string' ? fromHex(command, 'command') : command;
    const step = ++this.#step;
    const name = label ?? (bytes.length >= 4 ? commandLabel(bytes[0]!, bytes[1]!, bytes[2]!) : 'command');
    const what = `step ${step} (${name})`;
    const started = this.deps.now();
    const entry: LoggedExchange = { label: name, command: toHex(bytes), ms: 0 };
    this.exchanges.push(entry);
    let response: Uint8Array;
    try {
      response = await withTimeout(transport().transmit(bytes), this.deps.timeoutMs, what);
    } catch (err) {
      entry.ms = this.deps.now() - started;
      entry.error = err instanceof Error ? err.message : String(err);
      if (err instanceof TransportError) throw new TransportError(`${what}: ${err.message.replace(/^step \d+ \([^)]*\): /, '')}`);
      throw err;
    }
    entry.ms = this.deps.now() - started;
    entry.response = toHex(response);
    const problem = checkResponse(what, response, expect);
    if (problem) throw new CaseFailure(problem);
    return ResponseApdu.parse(response);
  }

  /**
   * VERIFY of one of the card's PINs with the PIN of the settings (ISO/IEC 7816-4 §7.5.6; PBOC: EMV Book 3
   * §6.5.12 with a format-2 PIN block). When the card refuses it (63Cx, 6983) the case fails and every
   * later case that needs that PIN is skipped: the PIN given is not the card's, and trying it again would
   * only bring the card closer to blocking it.
   */
  async verifyPin(kind: PinKind): Promise<void> {
    const { name, option } = PIN_NAMES[kind];
    const refused = this.deps.pins.refused(kind);
    if (refused) this.skip(`${name} is not the PIN given with ${option} (${refused}); not tried again so as not to block it`);
    const pin = kind === 'ssse' ? this.settings.pin : kind === 'pki' ? this.settings.pkiPin : this.settings.pbocPin;
    const command = kind === 'pboc' ? apduOf(0x00, 0x20, 0x00, 0x80, pinBlock(pin)) : apduOf(0x00, 0x20, 0x00, kind === 'pki' ? 0x81 : 0x00, fromHex(pin.length % 2 ? `${pin}F` : pin));
    const r = await this.send(command, {}, `VERIFY ${name}`);
    if (r.sw === 0x9000) return;
    if (r.sw >> 4 === 0x63c || r.sw === 0x6983) {
      this.deps.pins.refuse(kind, `the card answered ${describeSw(r.sw)} in case ${this.deps.caseId}`);
      this.fail(`VERIFY ${name}: the card answered ${describeSw(r.sw)}: the PIN given with ${option} is not the card's (later cases will not try it again)`);
    }
    this.fail(`VERIFY ${name}: expected SW 9000, the card answered ${describeSw(r.sw)}`);
  }

  /** Skips the case when an earlier case found the settings' PIN of this kind wrong. */
  requirePin(kind: PinKind): void {
    const refused = this.deps.pins.refused(kind);
    if (refused) this.skip(`${PIN_NAMES[kind].name} is not the PIN given with ${PIN_NAMES[kind].option} (${refused}); a case that tries wrong PINs would block it`);
  }

  /** Cold reset on an interface (the session is gone: PINs, authentications, current files). */
  async reconnect(iface: CardInterface): Promise<void> {
    this.#atr = await this.deps.reconnect(iface);
  }

  /** Warm reset on the current interface. */
  async reset(): Promise<void> {
    this.#atr = await this.deps.card.reset();
  }

  /** The PSAM, opened; skips the case when the run has none. */
  async psam(): Promise<PsamPort> {
    if (!this.deps.psam) this.skip('needs a PSAM: --psam <file> (sscard psam new) or --psam-reader <name|index>');
    return this.deps.psam();
  }

  /** The issuer keys of a card (TEST keyring), or skips the case when the BIN has none. */
  issuerKeys(pan: string, psn: string): CardKeys {
    const keys = this.deps.keyring?.cardKeys(pan, psn);
    if (!keys) this.skip(`no issuer keys for the card's BIN (PAN ${pan.slice(0, 6)}…): give them with --issuer-keys <file|profile>`);
    return keys;
  }

  /**
   * What the PSAM needs to derive this card's keys (DOMAIN.md §1.4): the ATR historical bytes T6–TD and
   * the region of the card identifier (EF05 record 1, first three bytes BCD). Selects the SSSE
   * application to read it.
   */
  async diversification(): Promise<CardDiversification> {
    if (this.#diversification) return this.#diversification;
    const hist = historicalBytes(this.#atr);
    if (hist.length < 8) this.fail(`the ATR has ${hist.length} historical bytes; the key diversification needs T6–TD (8 bytes, DOMAIN.md §1.4)`);
    await this.send(SELECT_SSSE, { sw: '9000' }, 'SELECT SSSE');
    const id = (await this.send('00B2012C00', { sw: '9000', data: '0110 ?????? D156000005 *' }, 'READ RECORD EF05 card identifier')).data;
    const region = toHex(id.subarray(2, 5));
    this.check(/^\d{6}$/.test(region), `card identifier: the city code ${region} is not 6 BCD digits`);
    this.#diversification = { cardData: hist.slice(hist.length - 8), region };
    return this.#diversification;
  }
}
