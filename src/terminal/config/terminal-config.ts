/**
 * The terminal configuration: what an acquirer loads into a PBOC/qPBOC terminal (EMV 4.3 Book 4 §2-§6
 * terminal data; JR/T 0025.6 terminal parameters; JR/T 0025.12 §6.2 contactless limits), as a JSON file
 * validated by a zod schema that is also its TypeScript type. Every field has a documented default
 * (docs/terminal-config.md; the defaults are fixtures/terminal/default.json, minus the CA keys); amounts
 * are integers in fen (分).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const hex = (bytes: number, what: string) =>
  z
    .string()
    .regex(new RegExp(`^[0-9A-Fa-f]{${2 * bytes}}$`), `${what}: ${bytes} byte(s) of hex`)
    .transform((s) => s.toUpperCase());
const hexRange = (min: number, max: number, what: string) =>
  z
    .string()
    .regex(new RegExp(`^(?:[0-9A-Fa-f]{2}){${min},${max}}$`), `${what}: ${min}-${max} bytes of hex`)
    .transform((s) => s.toUpperCase());
const digits = (n: number, what: string) => z.string().regex(new RegExp(`^[0-9]{${n}}$`), `${what}: ${n} digits`);
const fen = z.number().int().min(0).max(999_999_999_999);
const percent = z.number().int().min(0).max(99);

/** A certification-authority public key (EMV Book 2 §11.2.2 "CA public key", SM2 variant; index 8F). */
export const CaPublicKeySchema = z
  .object({
    /** Registered application provider identifier: A000000333 for UnionPay/PBOC. */
    rid: hex(5, 'rid'),
    /** CA public key index (tag 8F). */
    index: hex(1, 'index'),
    /** Only SM2 (algorithm 04, hash SM3 07) is supported [R]. */
    algorithm: z.literal('SM2').default('SM2'),
    /** Uncompressed point 04 ‖ x ‖ y (65 bytes), hex. */
    publicKey: hex(65, 'publicKey').refine((s) => s.startsWith('04'), 'publicKey: an uncompressed point (04 ‖ x ‖ y)'),
    /** Expiry of the key, YYYYMMDD; an expired key is not used. */
    expiry: digits(8, 'expiry').default('20491231'),
    $comment: z.string().optional(),
  })
  .strict();

/** A revoked issuer certificate (EMV Book 2 §5.3 step 10; Book 4 §5.2 "certificate revocation list"). */
export const RevocationEntrySchema = z
  .object({
    rid: hex(5, 'rid'),
    /** The CA public key index the issuer certificate was signed under. */
    caIndex: hex(1, 'caIndex'),
    /** The issuer certificate serial number (3 bytes). */
    serial: hex(3, 'serial'),
  })
  .strict();

/** A card on the exception file (hot list) (EMV Book 3 §10.6.1). */
export const ExceptionEntrySchema = z
  .object({
    pan: z.string().regex(/^[0-9]{12,19}$/, 'pan: 12 to 19 digits'),
    /** PAN sequence number; absent = every sequence number. */
    panSequence: digits(2, 'panSequence').optional(),
  })
  .strict();

/** A terminal-supported application (EMV Book 1 §12.3.1). */
export const TerminalAidSchema = z
  .object({
    aid: hexRange(5, 16, 'aid'),
    /** Application selection indicator: whether a longer DF name on the card also matches. */
    partialMatch: z.boolean().default(true),
    label: z.string().optional(),
    /** Terminal application version number 9F09 for this AID. */
    applicationVersion: hex(2, 'applicationVersion').default('0030'),
  })
  .strict();

export const TerminalConfigSchema = z
  .object({
    $comment: z.string().optional(),
    /** Terminal identification 9F1C (8 ASCII) and merchant identifier 9F16 (15 ASCII). */
    terminalId: z.string().regex(/^[\x20-\x7e]{8}$/, 'terminalId: 8 ASCII characters').default('SSCARD01'),
    merchantId: z.string().regex(/^[\x20-\x7e]{15}$/, 'merchantId: 15 ASCII characters').default('123456789012345'),
    /** Merchant name and location 9F4E (printed on receipts; at most 20 ASCII bytes on the card's logs). */
    merchantName: z.string().min(1).max(40).default('sscard test shop'),
    /** Terminal country code 9F1A and transaction currency code 5F2A (n3 as 4 digits). */
    countryCode: digits(4, 'countryCode').default('0156'),
    currencyCode: digits(4, 'currencyCode').default('0156'),
    /** Terminal type 9F35 (22 = attended, merchant, online with offline capability). */
    terminalType: hex(1, 'terminalType').default('22'),
    /**
     * Terminal capabilities 9F33: byte 1 card input (E0 = manual, magnetic stripe, IC), byte 2 CVM
     * (E8 = plaintext PIN for ICC, enciphered PIN online, signature, no CVM), byte 3 security
     * (C0 = SDA, DDA; CDA is not supported).
     */
    capabilities: hex(3, 'capabilities').default('E0E8C0'),
    /** Additional terminal capabilities 9F40 (goods, services; numeric and alphabetic keys; printer, display). */
    additionalCapabilities: hex(5, 'additionalCapabilities').default('6000F0A001'),
    /** Whether the terminal can go online (an offline-only terminal applies the default action codes). */
    onlineCapable: z.boolean().default(true),
    /** Whether a PIN pad is present and working. */
    pinPad: z.boolean().default(true),
    /** Whether the transactions are goods or services (application usage control, EMV Book 3 §10.4.2). */
    merchantCategory: z.enum(['goods', 'services']).default('goods'),
    /** Applications the terminal supports, in its order of preference. */
    aids: z
      .array(TerminalAidSchema)
      .min(1)
      .default([
        { aid: 'A000000333010101', partialMatch: true, label: 'PBOC debit', applicationVersion: '0030' },
        { aid: 'A000000333010102', partialMatch: true, label: 'PBOC credit', applicationVersion: '0030' },
        { aid: 'A000000333010103', partialMatch: true, label: 'PBOC quasi-credit', applicationVersion: '0030' },
        { aid: 'A000000333010106', partialMatch: true, label: 'PBOC electronic cash', applicationVersion: '0030' },
      ]),
    /** Whether the cardholder can confirm an application (when not, applications asking for it are left out). */
    cardholderConfirmation: z.boolean().default(false),
    /** SM algorithm indicator DF69 = 01 in the PDOL data: the terminal supports the SM algorithms. */
    smAlgorithms: z.boolean().default(true),
    /** Terminal action codes (5 bytes each; EMV Book 3 §10.7). */
    tac: z
      .object({
        denial: hex(5, 'tac.denial').default('0050200000'),
        online: hex(5, 'tac.online').default('D84084F800'),
        default: hex(5, 'tac.default').default('D84080A800'),
      })
      .strict()
      .prefault({}),
    /** Terminal floor limit 9F1B (contact), fen. */
    floorLimit: fen.default(50_000),
    /** Random transaction selection (EMV Book 3 §10.6.2). */
    randomSelection: z
      .object({
        /** Amounts below this use the target percentage; between it and the floor limit the percentage rises to the maximum. */
        thresholdAmount: fen.default(10_000),
        targetPercent: percent.default(20),
        maxTargetPercent: percent.default(50),
      })
      .strict()
      .prefault({}),
    /** Default DDOL (when the card has none) (EMV Book 3 §10.3; Book 2 §6.5.1). */
    defaultDdol: hexRange(0, 252, 'defaultDdol').default('9F3704'),
    /**
     * How the kernel gives the issuer's ARPC to the card: `cdol2` puts it in tag 91 when the card's CDOL2
     * asks for 91 (else EXTERNAL AUTHENTICATE); `external-authenticate` always sends EXTERNAL AUTHENTICATE.
     */
    issuerAuthentication: z.enum(['cdol2', 'external-authenticate']).default('cdol2'),
    /** Contactless (qPBOC, JR/T 0025.12 §6.2). */
    contactless: z
      .object({
        /**
         * TTQ 9F66 before pre-processing: byte 1 26 = qPBOC, online PIN, signature (+ 10 contact
         * interface, 08 offline-only, set from `contactInterface`/`onlineCapable`); byte 4 80 = fDDA 01.
         */
        ttq: hex(4, 'contactless.ttq').default('26000080'),
        /** Whether the terminal also has a contact interface ("try another interface" makes sense). */
        contactInterface: z.boolean().default(true),
        /** Contactless transaction limit DF20: at or above it, try another interface. */
        transactionLimit: fen.default(100_000),
        /** CVM required limit DF21: at or above it, a CVM is required. */
        cvmLimit: fen.default(30_000),
        /** Contactless offline floor limit DF19: above it, an online cryptogram is required. */
        floorLimit: fen.default(50_000),
        /** Status check: an amount of one currency unit (100 fen) asks for an online cryptogram. */
        statusCheck: z.boolean().default(false),
        /**
         * How long an interrupted EC purchase is kept for recovery when the card is presented again
         * (JR/T 0025.12 Annex F [R], docs/pboc-kernels.md), seconds.
         */
        tornLifetimeSeconds: z.number().int().min(0).max(86_400).default(300),
      })
      .strict()
      .prefault({}),
    /** CA public keys (SM2), by RID and index. */
    caPublicKeys: z.array(CaPublicKeySchema).default([]),
    revocationList: z.array(RevocationEntrySchema).default([]),
    exceptionFile: z.array(ExceptionEntrySchema).default([]),
  })
  .strict();

/** A validated terminal configuration (every default filled). */
export type TerminalConfig = z.output<typeof TerminalConfigSchema>;
/** What a configuration file may contain (every field optional). */
export type TerminalConfigInput = z.input<typeof TerminalConfigSchema>;

/** A configuration that failed validation: every problem with its JSON path. */
export class TerminalConfigError extends Error {
  override name = 'TerminalConfigError';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: invalid terminal configuration: ${problems.join('; ')}`);
  }
}

/**
 * Validates a configuration object and fills the defaults.
 * @throws TerminalConfigError listing every problem with its path
 */
export function parseTerminalConfig(raw: unknown, source = 'terminal configuration'): TerminalConfig {
  const parsed = TerminalConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new TerminalConfigError(
      source,
      parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(top)'}: ${i.message}`),
    );
  }
  const config = parsed.data;
  const { thresholdAmount } = config.randomSelection;
  if (thresholdAmount > config.floorLimit) {
    throw new TerminalConfigError(source, [`randomSelection.thresholdAmount: ${thresholdAmount} is above floorLimit ${config.floorLimit}`]);
  }
  if (config.randomSelection.maxTargetPercent < config.randomSelection.targetPercent) {
    throw new TerminalConfigError(source, ['randomSelection.maxTargetPercent: below targetPercent']);
  }
  return config;
}

/** The configuration with every default (and no CA key: ODA then fails — load a file with keys). */
export function defaultTerminalConfig(): TerminalConfig {
  return parseTerminalConfig({}, 'defaults');
}

/**
 * Reads and validates a configuration file.
 * @throws TerminalConfigError for a file that is not JSON or not valid (the message names the file)
 */
export function loadTerminalConfig(path: string): TerminalConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TerminalConfigError(path, [`cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new TerminalConfigError(path, [`not JSON: ${(err as Error).message}`]);
  }
  return parseTerminalConfig(raw, path);
}
