/**
 * What the kernel tests run against: the real issuer host (src/terminal/hosts/issuer, in-memory SQLite)
 * with the TEST keys of the kernel test cards, the default terminal configuration file, a fixed clock
 * and a random source whose every byte is 0xC5 (the random-selection draw is then 99: never selected)
 * unless a test asks for another.
 */
import { readFileSync } from 'node:fs';
import { fixedClock, type RandomSource } from '../../../../src/env.js';
import { parseTerminalConfig, type TerminalConfig, type TerminalConfigInput } from '../../../../src/terminal/config/terminal-config.js';
import { IssuerKeyring, keySetsFromJson, openIssuerHost, type IssuerHost } from '../../../../src/terminal/hosts/issuer/index.js';
import type { AuthorisationRequest, AuthorisationResponse, Completion, IssuerPort, OfflineClearing } from '../../../../src/terminal/hosts/issuer/issuer-port.js';
import { KERNEL_TEST_SECTION, TODAY } from './cards.js';

export const DEFAULT_CONFIG_FILE = new URL('../../../../fixtures/terminal/default.json', import.meta.url).pathname;

/** The default terminal configuration file, with overrides (deep for tac, contactless, randomSelection). */
export function terminalConfig(overrides: TerminalConfigInput = {}): TerminalConfig {
  const base = JSON.parse(readFileSync(DEFAULT_CONFIG_FILE, 'utf8')) as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...base, ...overrides };
  for (const k of ['tac', 'contactless', 'randomSelection'] as const) {
    if (overrides[k]) merged[k] = { ...(base[k] as object), ...(overrides[k] as object) };
  }
  return parseTerminalConfig(merged, 'test configuration');
}

/** A random source giving `byte` for every byte. */
export function constantRandom(byte = 0xc5): RandomSource {
  return (n) => new Uint8Array(n).fill(byte);
}

export const clock = fixedClock(TODAY);

/** The real issuer host over an in-memory database, keyed with the kernel test cards' TEST keys. */
export function testIssuer(): IssuerHost {
  const keyring = new IssuerKeyring(
    keySetsFromJson({ issuerKeys: [{ bin: KERNEL_TEST_SECTION.panPrefix, algorithm: 'SM4', masterKeys: KERNEL_TEST_SECTION.masterKeys, label: 'kernel tests' }] }, 'kernel test keys'),
  );
  return openIssuerHost({ memory: true, keyring, clock });
}

/** The calls a port received (a recording wrapper; the real host answers). */
export interface Recorded {
  authorise: AuthorisationRequest[];
  complete: Completion[];
  reverse: Array<{ transactionId: string; reason: string }>;
  clearOffline: OfflineClearing[];
}

/**
 * Wraps a port to record its calls and, for the error paths, to alter an answer on its way back (a
 * corrupted ARPC, a corrupted script MAC) or to fail like an unreachable host.
 */
export function recording(
  inner: IssuerPort,
  alter: { response?: (r: AuthorisationResponse) => AuthorisationResponse; unreachable?: boolean } = {},
): IssuerPort & { calls: Recorded } {
  const calls: Recorded = { authorise: [], complete: [], reverse: [], clearOffline: [] };
  return {
    calls,
    async authorise(request) {
      calls.authorise.push(request);
      if (alter.unreachable) throw new Error('connection refused (test: the issuer host is down)');
      const r = await inner.authorise(request);
      return alter.response ? alter.response(r) : r;
    },
    async complete(completion) {
      calls.complete.push(completion);
      return inner.complete(completion);
    },
    async reverse(transactionId, reason) {
      calls.reverse.push({ transactionId, reason });
      return inner.reverse(transactionId, reason);
    },
    async clearOffline(clearing) {
      calls.clearOffline.push(clearing);
      return inner.clearOffline(clearing);
    },
  };
}
