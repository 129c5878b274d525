/**
 * What is expected to differ between two runs of the same flow on the same card, so that a golden-trace
 * comparison ignores it: random numbers and challenges, unpredictable numbers, cryptograms, MACs, TACs
 * and signatures, transaction counters, dates and times. ONE table, by command (its name in
 * command-names.ts) and side, naming decoded fields by their key (src/qa/decode/exchange.ts), plus the
 * EMV/PBOC tags that vary wherever they appear (in TLV responses and in PDOL/CDOL/DDOL/log data).
 */
import type { DecodedCommand } from '../decode/exchange.js';
import type { Field } from '../decode/fields.js';

export interface VolatileTag {
  tag: string;
  why: string;
}

/** Data objects that vary wherever they appear (EMV Book 3 Annex A; JR/T 0025.5). */
export const VOLATILE_TAGS: readonly VolatileTag[] = [
  { tag: '9F37', why: 'unpredictable number (terminal random)' },
  { tag: '9F26', why: 'application cryptogram' },
  { tag: '9F36', why: 'application transaction counter (ATC)' },
  { tag: '9F13', why: 'last online ATC' },
  { tag: '9F10', why: 'issuer application data (holds counters and a MAC)' },
  { tag: '9F4B', why: 'signed dynamic application data' },
  { tag: '9F4C', why: 'ICC dynamic number' },
  { tag: '9A', why: 'transaction date' },
  { tag: '9F21', why: 'transaction time' },
  { tag: '91', why: 'issuer authentication data (ARPC)' },
];

export interface VolatileRule {
  /** Command name (command-names.ts). */
  command: string;
  side: 'command' | 'response';
  /** Keys of decoded fields, or `all` for the whole data field. */
  fields: readonly string[] | 'all';
  /** Applies only when this holds (e.g. VERIFY of the PKI PIN, whose data is enciphered with a challenge). */
  when?: (cmd: DecodedCommand) => boolean;
  why: string;
}

/** The per-command rules. */
export const VOLATILE_RULES: readonly VolatileRule[] = [
  { command: 'GET CHALLENGE', side: 'response', fields: 'all', why: 'card challenge' },
  { command: 'INTERNAL AUTHENTICATE', side: 'command', fields: ['factor', 'original'], why: 'terminal random numbers' },
  { command: 'INTERNAL AUTHENTICATE', side: 'response', fields: 'all', why: 'authentication data / SDAD over a random' },
  { command: 'EXTERNAL AUTHENTICATE', side: 'command', fields: ['authData', 'original', 'ARPC'], why: 'cryptogram over the challenge / ARPC' },
  { command: 'VERIFY', side: 'command', fields: 'all', when: (c) => c.p2 === 0x81, why: 'PKI PIN enciphered with a challenge' },
  { command: 'PIN CHANGE/UNBLOCK', side: 'command', fields: ['value', 'mac'], why: 'enciphered PIN and MAC (session key)' },
  { command: 'APPLICATION BLOCK', side: 'command', fields: ['mac'], why: 'MAC (session key)' },
  { command: 'APPLICATION UNBLOCK', side: 'command', fields: ['mac'], why: 'MAC (session key)' },
  { command: 'CARD BLOCK', side: 'command', fields: ['mac'], why: 'MAC (session key)' },
  { command: 'UPDATE RECORD', side: 'command', fields: ['mac'], why: 'MAC (session key)' },
  { command: 'PUT DATA', side: 'command', fields: ['mac'], why: 'MAC (session key)' },
  { command: 'DELIVER KEY', side: 'command', fields: ['block'], why: 'IV block (the card challenge)' },
  { command: 'DELIVER SESSION KEY', side: 'command', fields: ['block'], why: 'session factor (the card random)' },
  { command: 'CIPHER DATA', side: 'command', fields: 'all', why: 'data to encipher (a challenge)' },
  { command: 'CIPHER DATA', side: 'response', fields: 'all', why: 'cryptogram' },
  { command: 'MAC', side: 'command', fields: 'all', why: 'MAC input (holds a challenge)' },
  { command: 'MAC', side: 'response', fields: 'all', why: 'MAC' },
  { command: 'INITIALIZE MEDICAL DEBIT', side: 'response', fields: ['random', 'sequence'], why: 'card random, offline transaction sequence' },
  { command: 'MAC1', side: 'command', fields: ['random', 'sequence', 'time'], why: 'card random, sequence, transaction time' },
  { command: 'MAC1', side: 'response', fields: 'all', why: 'terminal sequence, MAC1' },
  { command: 'MEDICAL DEBIT', side: 'command', fields: ['terminalSequence', 'time', 'mac1'], why: 'terminal sequence, transaction time, MAC1' },
  { command: 'MEDICAL DEBIT', side: 'response', fields: 'all', why: 'TAC, MAC2' },
  { command: 'VERIFY MAC2', side: 'command', fields: 'all', why: 'MAC2' },
  { command: 'VERIFY TAC', side: 'command', fields: 'all', why: 'TAC' },
  { command: 'GET TRANSACTION PROOF', side: 'command', fields: ['sequence'], why: 'offline transaction sequence' },
  { command: 'GET TRANSACTION PROOF', side: 'response', fields: 'all', why: 'TAC, MAC2' },
  { command: 'READ RECORD', side: 'response', fields: ['time'], why: 'transaction time (DF04 EF08)' },
  { command: 'PSO: COMPUTE DIGITAL SIGNATURE', side: 'response', fields: 'all', why: 'SM2 signature (random k)' },
];

const TAGS = new Map(VOLATILE_TAGS.map((t) => [t.tag, t.why]));

/** The rules for one side of a command. */
export function rulesFor(cmd: DecodedCommand, side: 'command' | 'response'): VolatileRule[] {
  const name = cmd.name?.name;
  return VOLATILE_RULES.filter((r) => r.command === name && r.side === side && (!r.when || r.when(cmd)));
}

/** Why a TLV/DOL tag is volatile, or undefined. */
export function volatileTag(key: string): string | undefined {
  return TAGS.get(key);
}

/** A masked field: what it is and why it varies. */
export interface MaskedField {
  field: string;
  why: string;
}

/**
 * Masks the volatile bytes of one side of an exchange: the data as hex with `..` for every byte of a
 * volatile field (the value only, for a TLV object: tag and length stay compared), and the fields masked.
 */
export function maskVolatile(dataHex: string, fields: readonly Field[], rules: readonly VolatileRule[]): { masked: string; hits: MaskedField[] } {
  const n = dataHex.length / 2;
  const masked = new Array<boolean>(n).fill(false);
  const hits: MaskedField[] = [];
  const mark = (from: number, length: number) => {
    for (let i = from; i < from + length && i < n; i++) masked[i] = true;
  };
  const whole = rules.filter((r) => r.fields === 'all');
  if (whole.length > 0) {
    if (n > 0) {
      mark(0, n);
      for (const r of whole) hits.push({ field: 'data', why: r.why });
    }
  } else {
    const wanted = new Map<string, string>();
    for (const r of rules) for (const f of r.fields as readonly string[]) wanted.set(f, r.why);
    const visit = (fs: readonly Field[]) => {
      for (const f of fs) {
        const why = wanted.get(f.key) ?? volatileTag(f.key);
        if (why) {
          const valueLength = f.value !== undefined ? f.value.length / 2 : f.length;
          mark(f.offset + (f.length - valueLength), valueLength);
          hits.push({ field: `${f.key}${f.label !== f.key ? ` ${f.label}` : ''}`, why });
        } else if (f.children) visit(f.children);
      }
    };
    visit(fields);
  }
  let out = '';
  for (let i = 0; i < n; i++) out += masked[i] ? '..' : dataHex.slice(2 * i, 2 * i + 2);
  return { masked: out, hits };
}
