/**
 * A bank (issuer host over a chosen storage adapter) with one account for a real simulated card, and
 * the steps of an online transaction as the tests need them. Both adapters run the same tests.
 */
import { tlv } from '../../../../../src/apdu/tlv/ber-tlv.js';
import { fixedClock, seededRandom } from '../../../../../src/env.js';
import { IssuerHost } from '../../../../../src/terminal/hosts/issuer/issuer-host.js';
import type { AuthorisationRequest } from '../../../../../src/terminal/hosts/issuer/issuer-port.js';
import type { IssuerKeyring } from '../../../../../src/terminal/hosts/issuer/keys.js';
import { MemoryIssuerStorage } from '../../../../../src/terminal/hosts/issuer/memory-storage.js';
import { SqliteIssuerStorage } from '../../../../../src/terminal/hosts/issuer/sqlite-storage.js';
import type { IssuerStorage } from '../../../../../src/terminal/hosts/issuer/storage.js';
import { NOW, personalisedCard, profileJson, type TestCardSetup, type TxValues } from './card.js';

export const ADAPTERS: [string, () => IssuerStorage][] = [
  ['SQLite (:memory:)', () => new SqliteIssuerStorage({ memory: true })],
  ['memory', () => new MemoryIssuerStorage()],
];

export interface Bank extends TestCardSetup {
  host: IssuerHost;
  storage: IssuerStorage;
  /** A new host over the same storage (another keyring, say). */
  hostWith(keyring: IssuerKeyring): IssuerHost;
  /** GPO + GET DATA 9F79 + GENERATE AC 1 (ARQC) on the card; the request for it. */
  arqc(amount: number, options?: Partial<TxValues> & { withEc?: boolean; request?: Partial<AuthorisationRequest> }): AuthorisationRequest;
}

let counter = 0;

export async function bank(storage: IssuerStorage, options: { balance?: number; ecBalance?: number; seed?: number; financial?: Record<string, unknown> } = {}): Promise<Bank> {
  const card = personalisedCard(profileJson('shanghai', { ec: { balance: options.ecBalance ?? 3000 }, ...options.financial }), options.seed ?? 21);
  const hostWith = (keyring: IssuerKeyring) => new IssuerHost({ storage, keyring, clock: fixedClock(NOW), random: seededRandom(9) });
  const host = hostWith(card.keyring);
  await host.openAccount({ pan: card.pan, balance: options.balance ?? 10_000, ecBalance: options.ecBalance ?? 3000, pin: '123456', holder: '张三' });
  return {
    ...card,
    host,
    storage,
    hostWith,
    arqc(amount, o = {}) {
      const { withEc = true, request = {}, ...tx } = o;
      card.terminal.startContact({ amount, ...tx });
      const ec = card.terminal.getData('9F79');
      const gac1 = card.terminal.gac1({ amount, ...tx });
      const iccData = card.terminal.field55(gac1, withEc ? [tlv('9F79', ec)] : []);
      return {
        transactionId: `tx-${++counter}`,
        pan: card.pan,
        panSequence: card.psn,
        amount,
        otherAmount: tx.otherAmount ?? 0,
        currency: tx.currency ?? '0156',
        transactionType: tx.type ?? 0,
        channel: 'contact',
        iccData,
        ...request,
      };
    },
  };
}
