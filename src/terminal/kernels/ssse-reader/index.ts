/**
 * The social-security reader kernel (LD/T 32.7 flows over LD/T 32.5 commands; docs/ssse-reader.md).
 */
export { SsseReader, type SsseReaderOptions, type BasicReadOutcome, type MedicalReadOutcome, type CardAccepted, type CardRefused } from './kernel.js';
export type { KernelOptions, ReadForm } from './context.js';
export { Blacklist, BlacklistError, type BlacklistEntry } from './blacklist.js';
export { buildTrustStore, TrustConfigError, type TrustStore } from './trust.js';
export type { BasicInformation } from './basic-information.js';
export type { MedicalInformation, OfflineSettlement } from './medical-information.js';
export { iReadCardBasLine, iReadCardBasFields, IREADCARDBAS_FIELDS, type TerminalIdentity } from './ireadcardbas.js';
export { describeInterruption, isInterruption, type CardFault, type Interruption, type PsamRefusal, type PsamRequired } from './outcomes.js';
export type { CardCheckOutcome } from './steps/card-check.js';
export type { PinOutcome, PinStatusOutcome } from './steps/pin.js';
export type { DebitOutcome, MedicalBalanceOutcome, TransactionView } from './steps/medical-debit.js';
export type { IdentityOutcome, IdentityRefusal, CertificateView } from './steps/identity.js';
export type { WriteOutcome } from './steps/update-record.js';
export type { ExternalAuthOutcome } from './steps/external-auth.js';
export { formatYmd, isoDate, parseYmd } from './dates.js';
export { describeOutcome, formatFen } from './describe.js';
