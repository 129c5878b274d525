/**
 * qPBOC pre-processing (JR/T 0025.12 §6.2; DOMAIN.md §2.1 [C]): before the card is used, the amount
 * against the terminal's limits, by six rules in this order —
 *
 * | # | when                                                         | then                          |
 * |---|--------------------------------------------------------------|-------------------------------|
 * | 1 | status check enabled and the amount is one currency unit     | online cryptogram required    |
 * | 2 | amount 0 and the reader can go online                        | online cryptogram required    |
 * | 3 | amount 0 and the reader is offline only                      | try another interface         |
 * | 4 | amount ≥ contactless transaction limit (DF20)                | try another interface         |
 * | 5 | amount ≥ CVM required limit (DF21)                           | CVM required                  |
 * | 6 | amount > contactless offline floor limit (DF19)              | online cryptogram required    |
 *
 * The result is the TTQ for this transaction (the configured TTQ with the contact-interface,
 * offline-only and online-PIN bits set from the configuration, and byte 2 from the rules), or the stop.
 */
import { fromHex } from '../../../apdu/bytes.js';
import type { TerminalConfig } from '../../config/terminal-config.js';
import { reason, type OutcomeReason } from '../outcome.js';
import { clearQualifier, setQualifier, TTQ_BITS } from './qualifiers.js';

/** One currency unit (CNY 1.00) in fen: the status-check amount. */
export const STATUS_CHECK_AMOUNT = 100;

type Effect = 'online' | 'cvm' | 'other-interface';

interface Rule {
  name: string;
  applies: (amount: number, config: TerminalConfig) => boolean;
  effect: Effect;
  reason?: OutcomeReason['code'];
}

/** The rules, in order (JR/T 0025.12 §6.2). */
export const PRE_PROCESSING_RULES: readonly Rule[] = [
  { name: 'status check', applies: (a, c) => c.contactless.statusCheck && a === STATUS_CHECK_AMOUNT, effect: 'online' },
  { name: 'zero amount, online-capable', applies: (a, c) => a === 0 && c.onlineCapable, effect: 'online' },
  { name: 'zero amount, offline only', applies: (a, c) => a === 0 && !c.onlineCapable, effect: 'other-interface', reason: 'ZERO_AMOUNT_OFFLINE_ONLY' },
  { name: 'contactless transaction limit', applies: (a, c) => a >= c.contactless.transactionLimit, effect: 'other-interface', reason: 'OVER_CONTACTLESS_LIMIT' },
  { name: 'CVM required limit', applies: (a, c) => a >= c.contactless.cvmLimit, effect: 'cvm' },
  { name: 'contactless floor limit', applies: (a, c) => a > c.contactless.floorLimit, effect: 'online' },
];

export type PreProcessing =
  | { kind: 'proceed'; ttq: Uint8Array; rules: string[] }
  | { kind: 'stop'; outcome: 'TRY_ANOTHER_INTERFACE' | 'TERMINATED'; reason: OutcomeReason; rules: string[] };

/** The configured TTQ adjusted to the terminal's abilities (before the per-transaction bits). */
export function baseTtq(config: TerminalConfig): Uint8Array {
  const ttq = fromHex(config.contactless.ttq);
  (config.contactless.contactInterface ? setQualifier : clearQualifier)(ttq, TTQ_BITS.contactPboc);
  (config.onlineCapable ? clearQualifier : setQualifier)(ttq, TTQ_BITS.offlineOnly);
  if (!config.onlineCapable || !config.pinPad) clearQualifier(ttq, TTQ_BITS.onlinePin);
  clearQualifier(ttq, TTQ_BITS.onlineCryptogramRequired);
  clearQualifier(ttq, TTQ_BITS.cvmRequired);
  return ttq;
}

/** JR/T 0025.12 §6.2. */
export function preProcessing(amount: number, config: TerminalConfig, forceOnline = false): PreProcessing {
  const ttq = baseTtq(config);
  const fired: string[] = [];
  for (const rule of PRE_PROCESSING_RULES) {
    if (!rule.applies(amount, config)) continue;
    fired.push(rule.name);
    if (rule.effect === 'other-interface') {
      const outcome = config.contactless.contactInterface ? 'TRY_ANOTHER_INTERFACE' : 'TERMINATED';
      return { kind: 'stop', outcome, reason: reason(rule.reason!, `pre-processing: ${rule.name}`), rules: fired };
    }
    setQualifier(ttq, rule.effect === 'online' ? TTQ_BITS.onlineCryptogramRequired : TTQ_BITS.cvmRequired);
  }
  if (forceOnline && config.onlineCapable) setQualifier(ttq, TTQ_BITS.onlineCryptogramRequired);
  return { kind: 'proceed', ttq, rules: fired };
}
