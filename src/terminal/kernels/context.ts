/**
 * What a kernel run works with: its dependencies (configuration, issuer, PIN pad, clock, random source,
 * logger — all injected), the payment request, and the state its steps share (the card channel, the
 * transaction data, TVR, TSI and the results accumulated on the way).
 */
import { fromHex, toHex, uintBE } from '../../apdu/bytes.js';
import type { Clock, RandomSource } from '../../env.js';
import type { Logger } from '../../log.js';
import type { TerminalConfig } from '../config/terminal-config.js';
import type { IssuerPort } from '../hosts/issuer/issuer-port.js';
import { CardChannel } from './card-channel.js';
import { amountN12, hhmmss, MAX_AMOUNT, yymmdd } from './emv-values.js';
import type { CryptogramRecord, CvmPerformed, IssuerOutcome, ScriptResult } from './outcome.js';
import { TransactionData } from './transaction-data.js';
import { newTsi, newTvr } from './tvr.js';
import type { Transport } from '../../apdu/transport.js';

/** The cardholder's PIN entry device. */
export interface PinPad {
  /**
   * Asks for a PIN. `undefined` means the cardholder did not enter one (bypass, EMV Book 3 §10.5.1).
   * @param request.kind offline plaintext PIN for the card (VERIFY) or online PIN for the issuer
   * @param request.attempt 1 for the first entry, 2 after a wrong PIN …
   * @param request.triesLeft the card's PIN try counter (9F17), when known
   */
  enterPin(request: { kind: 'offline' | 'online'; attempt: number; triesLeft?: number }): Promise<string | undefined>;
}

/** A PIN pad that gives each PIN of a list once, then nothing (tests, scripted cashiers, the CLI's --pin). */
export function scriptedPinPad(pins: readonly string[]): PinPad & { asked: number } {
  const queue = [...pins];
  const pad = {
    asked: 0,
    async enterPin(): Promise<string | undefined> {
      pad.asked++;
      return queue.shift();
    },
  };
  return pad;
}

/** The transaction the merchant asks for. */
export interface PaymentRequest {
  /** Amount, authorised (fen). */
  amount: number;
  /** Amount, other (cashback; fen). Default 0. */
  otherAmount?: number;
  /** Transaction type 9C (default 00 goods and services). */
  transactionType?: number;
  /** The terminal's transaction ID (default: 16 hex digits from the random source). */
  transactionId?: string;
  /** The merchant forces the transaction online (TVR byte 4 b4). */
  forceOnline?: boolean;
}

/** The injected dependencies of a kernel. */
export interface KernelDeps {
  config: TerminalConfig;
  /** The issuer host; absent = the terminal cannot go online right now. */
  issuer?: IssuerPort;
  /** The PIN pad; absent = no PIN pad (TVR byte 3 b5 when a PIN is needed). */
  pinPad?: PinPad;
  clock: Clock;
  /** Unpredictable numbers, random transaction selection, transaction IDs. */
  random: RandomSource;
  log?: Logger;
}

/** State shared by the steps of one run. */
export class KernelContext {
  readonly channel: CardChannel;
  readonly data = new TransactionData();
  readonly tvr = newTvr();
  readonly tsi = newTsi();
  readonly now: Date;
  readonly transactionId: string;
  readonly amount: number;
  readonly otherAmount: number;
  readonly transactionType: number;
  readonly cryptograms: CryptogramRecord[] = [];
  readonly scripts: ScriptResult[] = [];
  readonly notes: string[] = [];
  cvm: CvmPerformed = 'none';
  /** The online PIN captured during cardholder verification (sent to the issuer, never logged). */
  onlinePin: string | undefined;
  signatureRequired = false;
  issuer: IssuerOutcome | undefined;
  /**
   * Terminal data objects as the card's first cryptogram covered them (95, 9F37 … as sent in the PDOL or
   * CDOL1 data): field 55 carries these, not later values (the TVR goes on changing after a qPBOC GPO).
   */
  readonly covered = new Map<string, Uint8Array>();

  /**
   * @param channel an existing channel to share (its trace goes on), e.g. when a kernel recovers an
   *   interrupted transaction inside a new run
   */
  constructor(
    readonly deps: KernelDeps,
    transport: Transport,
    readonly request: PaymentRequest,
    channel?: CardChannel,
  ) {
    this.channel = channel ?? new CardChannel(transport, deps.log);
    this.now = deps.clock.now();
    this.amount = request.amount;
    this.otherAmount = request.otherAmount ?? 0;
    this.transactionType = request.transactionType ?? 0x00;
    this.transactionId = request.transactionId ?? toHex(deps.random(8));
    const c = deps.config;
    const d = this.data;
    d.setTerminal('9F02', amountN12(this.amount));
    d.setTerminal('9F03', amountN12(this.otherAmount));
    d.setTerminal('9F1A', fromHex(c.countryCode));
    d.setTerminal('5F2A', fromHex(c.currencyCode));
    d.setTerminal('5F36', Uint8Array.of(0x02));
    d.setTerminal('9A', yymmdd(this.now));
    d.setTerminal('9F21', hhmmss(this.now));
    d.setTerminal('9C', Uint8Array.of(this.transactionType));
    d.setTerminal('9F35', fromHex(c.terminalType));
    d.setTerminal('9F33', fromHex(c.capabilities));
    d.setTerminal('9F40', fromHex(c.additionalCapabilities));
    d.setTerminal('9F1C', new TextEncoder().encode(c.terminalId));
    d.setTerminal('9F16', new TextEncoder().encode(c.merchantId));
    d.setTerminal('9F4E', new TextEncoder().encode(c.merchantName.slice(0, 20)));
    d.setTerminal('9F1B', uintBE(Math.min(c.floorLimit, 0xffffffff), 4));
    d.setTerminal('DF69', Uint8Array.of(c.smAlgorithms ? 0x01 : 0x00));
    d.setTerminal('DF60', Uint8Array.of(0x00));
    this.newUnpredictableNumber();
    this.syncTvr();
  }

  get config(): TerminalConfig {
    return this.deps.config;
  }

  /** Draws a fresh unpredictable number 9F37 (Book 4 §6.5.6). */
  newUnpredictableNumber(): Uint8Array {
    const un = this.deps.random(4);
    this.data.setTerminal('9F37', un);
    return un;
  }

  /** Copies the TVR and TSI registers into the data objects 95 and 9B (before building DOL data). */
  syncTvr(): void {
    this.data.setTerminal('95', this.tvr.bytes);
    this.data.setTerminal('9B', this.tsi.bytes);
  }

  /** Keeps the current values of terminal data objects as the ones the cryptogram covers. */
  freezeCovered(tags: readonly string[]): void {
    for (const tag of tags) {
      const v = this.data.terminal(tag);
      if (v) this.covered.set(tag, v);
    }
  }

  note(text: string): void {
    this.notes.push(text);
    this.deps.log?.debug({ note: text }, 'kernel');
  }
}

/** Checks a payment request (a programming error is a RangeError naming the field). */
export function checkRequest(request: PaymentRequest): void {
  for (const [name, v] of [['amount', request.amount], ['otherAmount', request.otherAmount ?? 0]] as const) {
    if (!Number.isSafeInteger(v) || v < 0 || v > MAX_AMOUNT) throw new RangeError(`${name}: an integer 0..${MAX_AMOUNT} (fen), got ${v}`);
  }
  const type = request.transactionType ?? 0;
  if (!Number.isInteger(type) || type < 0 || type > 0x99) throw new RangeError(`transactionType: a byte, got ${type}`);
}
