/**
 * One line in words for any outcome of the kernel that is not a success — what a terminal shows the
 * operator (and `sscard` prints on stderr).
 */
import { swHex } from '../../../apdu/status-word-table.js';
import { describeInterruption, isInterruption } from './outcomes.js';

/** 12.50 from 1250 fen. */
export function formatFen(fen: number): string {
  return `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}

/** One line for an outcome that is not a success (any kernel operation). */
export function describeOutcome(outcome: { outcome: string }): string {
  if (isInterruption(outcome)) return describeInterruption(outcome);
  const o = outcome as { outcome: string } & Record<string, unknown>;
  const sw = typeof o.sw === 'number' ? ` (${swHex(o.sw)})` : '';
  const detail = typeof o.detail === 'string' ? `: ${o.detail}` : '';
  switch (o.outcome) {
    case 'counterfeit':
      return `card check: COUNTERFEIT card${detail}`;
    case 'blacklisted': {
      const e = o.entry as { cardIdentifier: string; reason: string; line: number };
      return `card check: the card ${e.cardIdentifier} is BLACKLISTED${e.reason ? ` (${e.reason})` : ''} (line ${e.line} of the blacklist)`;
    }
    case 'blocked':
      return `the ${o.scope === 'card' ? 'card' : 'application'} is BLOCKED${sw}`;
    case 'not-ssse':
      return `not a social-security card${detail}${sw}`;
    case 'psam-mismatch':
      return `the PSAM does not fit this card${detail}`;
    case 'wrong-pin':
      return `wrong PIN: ${o.triesLeft as number} tr${o.triesLeft === 1 ? 'y' : 'ies'} left${o.triesLeft === 0 ? ' — the PIN is now blocked' : ''}`;
    case 'pin-blocked':
      return 'the PIN is BLOCKED: it can be reloaded or unblocked with a PSAM (sscard pin reload|unblock)';
    case 'refused':
      return `the card refused${detail || sw}`;
    case 'rejected':
      return `external authentication with ${o.kind as string}_${o.df as string} rejected by the card: ${o.triesLeft as number} tries left`;
    case 'key-blocked':
      return `the card's key ${o.kind as string}_${o.df as string} is blocked`;
    case 'insufficient-balance':
      return `insufficient balance: ${formatFen(o.requested as number)} requested${typeof o.balance === 'number' ? `, ${formatFen(o.balance)} on the card` : ''}`;
    case 'mac-wrong':
      return `${o.which as string} wrong${detail}`;
    case 'offline-not-allowed':
      return 'the card does not allow offline debits (DF04 EF06 准许脱网标识)';
    case 'unavailable':
      return `not available${detail}`;
    case 'untrusted':
      return `identity REFUSED (${o.reason as string})${detail}`;
    case 'unsupported':
      return `not supported${detail}`;
    default:
      return `${o.outcome}${detail}${sw}`;
  }
}

