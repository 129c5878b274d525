/**
 * Cardholder verification of qPBOC (JR/T 0025.12 §7.5 "持卡人验证"; DOMAIN.md §2.1): the card states
 * what it wants in its CTQ (9F6C byte 1 b8 online PIN, b7 signature; byte 2 b8 a CVM was done on the
 * consumer's device); the terminal asked for a CVM (TTQ byte 2 b7) when the amount reached the CVM limit.
 * The first matching row decides [R: the order, and "fail" when nothing the reader can do fits]:
 */
import { qualifier, CTQ_BITS, TTQ_BITS } from './qualifiers.js';

export type QpbocCvm = 'online-pin' | 'signature' | 'no-cvm' | 'consumer-device' | 'fail';

interface Row {
  when: (s: CvmSituation) => boolean;
  cvm: QpbocCvm;
  why: string;
}

export interface CvmSituation {
  ctq: Uint8Array | undefined;
  ttq: Uint8Array;
  /** Whether the transaction goes online (ARQC). */
  online: boolean;
}

const ctq = (s: CvmSituation, bit: keyof typeof CTQ_BITS) => qualifier(s.ctq, CTQ_BITS[bit]);
const ttq = (s: CvmSituation, bit: keyof typeof TTQ_BITS) => qualifier(s.ttq, TTQ_BITS[bit]);

/** The table, in order. */
export const QPBOC_CVM_TABLE: readonly Row[] = [
  { when: (s) => ctq(s, 'consumerDeviceCvmPerformed'), cvm: 'consumer-device', why: 'CTQ: CVM done on the consumer device' },
  { when: (s) => ctq(s, 'onlinePinRequired') && s.online && ttq(s, 'onlinePin'), cvm: 'online-pin', why: 'CTQ: online PIN required' },
  { when: (s) => ctq(s, 'signatureRequired') && ttq(s, 'signature'), cvm: 'signature', why: 'CTQ: signature required' },
  { when: (s) => ctq(s, 'onlinePinRequired') || ctq(s, 'signatureRequired'), cvm: 'fail', why: 'the CVM the card asks for is not possible here' },
  { when: (s) => ttq(s, 'cvmRequired') && s.online && ttq(s, 'onlinePin'), cvm: 'online-pin', why: 'CVM required by the terminal: online PIN' },
  { when: (s) => ttq(s, 'cvmRequired') && ttq(s, 'signature'), cvm: 'signature', why: 'CVM required by the terminal: signature' },
  { when: (s) => ttq(s, 'cvmRequired'), cvm: 'fail', why: 'CVM required by the terminal, none possible' },
  { when: () => true, cvm: 'no-cvm', why: 'no CVM required' },
];

/** The CVM of a qPBOC transaction. */
export function qpbocCvm(situation: CvmSituation): { cvm: QpbocCvm; why: string } {
  const row = QPBOC_CVM_TABLE.find((r) => r.when(situation))!;
  return { cvm: row.cvm, why: row.why };
}
