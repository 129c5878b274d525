/**
 * The card image — what the chip remembers — as one zod schema. The TypeScript types of the image
 * (`CardImage`, `DfImage`, `EfImage`, `PinImage`, `KeyImage`, `AccessRule`) and of every application's
 * persistent state (`PbocState`, `PkiState`, `MedicalState`) are inferred from it: src/card/runtime/types.ts
 * and the applications re-export them, so the type the code works with and the check an image read from
 * outside must pass are the same thing.
 *
 * Beyond shapes, the schema checks what a real chip could never hold (docs/card-os.md "Persistence"):
 * - the file tree (ISO/IEC 7816-4 §7.1, §8.2.1): FIDs 0000–FFFF with 3F00 for the MF only, SFIs 1–30,
 *   unique FIDs and SFIs among siblings, record lengths per structure (fixed/cyclic = record size,
 *   variable ≤ it), at most `maxRecords` records, transparent data within `size`, DF names of 1–16 bytes
 *   (the Lc of SELECT by name), access rules that name a PIN or key of the EF's own DF chain;
 * - PINs and keys (LD/T 32.5, DOMAIN.md §1.3–§1.4): 4–16 PIN digits (VERIFY takes 2–8 BCD bytes),
 *   0 ≤ tries left ≤ maximum ≤ 15 (63Cx holds 0–15), key lengths per algorithm (SM4 16 bytes, 3DES 16 or
 *   24, DES 8), byte-sized references and versions;
 * - the ATRs (ISO/IEC 7816-3 §8.1): 2–33 bytes, TS = 3B or 3F (the interface bytes are not checked: the
 *   card only answers them, and hand-written test images carry sample ATRs);
 * - every application's state: a DF attached to a stateful application needs its state; PBOC (JR/T
 *   0025): ATC 0–FFFF, last online ATC ≤ ATC, EC balance ≤ balance limit, n12 amounts, the SM2 ICC key in
 *   [1, n−2] (GM/T 0003.2 §6.1); PKI: a valid SM2 private key whose public key is the one stored; the
 *   SSSE medical account: 4-byte amounts, the 2-byte transaction sequence, a 4-digit year.
 *
 * The schema has no transforms and no defaults: what it accepts is exactly what it returns.
 */
import { z } from 'zod';
import { fromHex, toHex } from '../../apdu/bytes.js';
import { keyLengthsOf } from '../../crypto/block-cipher.js';
import { sm2PrivateScalar, sm2PublicKeyFromPrivate } from '../../crypto/sm2/index.js';
import { PBOC_APP_ID } from '../apps/pboc/choices.js';
import { ATC_MAX } from '../apps/pboc/state.js';
import { PKI_APP_ID } from '../apps/pki/pki-app.js';
import { MEDICAL_APP_ID, MEDICAL_LOG_RECORD_SIZE, SETTLEMENT_LOG_RECORD_SIZE } from '../apps/ssse/files.js';

// ---------------------------------------------------------------------------------------------------
// Building blocks

const HEX = /^(?:[0-9A-Fa-f]{2})*$/;

/** Hex text (pairs of 0-9 A-F) of `min`..`max` bytes. */
function hexBytes(min = 0, max = 0xffff): z.ZodString {
  const range = min === max ? `${min} bytes` : `${min}–${max} bytes`;
  return z
    .string()
    .regex(HEX, 'not hex (pairs of 0-9 A-F)')
    .superRefine((s, ctx) => {
      if (s.length / 2 < min || s.length / 2 > max) ctx.addIssue({ code: 'custom', message: `${s.length / 2} bytes, expected ${range}` });
    });
}

/** An integer in [min, max]. */
function int(min: number, max: number): z.ZodNumber {
  return z.number().int(`expected an integer`).min(min, `below ${min}`).max(max, `above ${max}`);
}

type Issue = (path: Array<string | number>, message: string) => void;

/**
 * A cross-field check of an object, run only when every field passed its own checks (so that it can
 * trust their formats), reporting at `path` inside the object.
 */
function crossCheck<T>(check: (value: T, issue: Issue) => void): (ctx: z.core.ParsePayload<T>) => void {
  return (ctx) => {
    if (ctx.issues.length > 0) return;
    check(ctx.value, (path, message) => ctx.issues.push({ code: 'custom', path, message, input: ctx.value }));
  };
}

/** Largest n12 amount (12 BCD digits, JR/T 0025.5), in fen. */
const N12_MAX = 999_999_999_999;
const amount = int(0, N12_MAX);
/** An unsigned 4-byte amount (the SSSE medical account, fen). */
const uint32 = int(0, 0xffffffff);
const byte = int(0, 0xff);
const counter = int(0, Number.MAX_SAFE_INTEGER);
/** Names used by access rules and applications (PIN_SSSE, RK_DF04, …). */
const identifier = z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/, 'expected 1–32 letters, digits, _ . -');
/** Free text shown by `card show` (labels, profile name): no control characters. */
const text = (max: number) =>
  z
    .string()
    .max(max, `longer than ${max} characters`)
    // eslint-disable-next-line no-control-regex
    .regex(/^[^\u0000-\u001f\u007f-\u009f]*$/, 'contains control characters');

/** A valid SM2 private key d: 32 bytes, 1 ≤ d ≤ n − 2 (GM/T 0003.2 §6.1). */
const sm2PrivateKey = hexBytes(32, 32).superRefine((hex, ctx) => {
  try {
    sm2PrivateScalar(fromHex(hex));
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `not a valid SM2 private key (${(err as Error).message})` });
  }
});

// ---------------------------------------------------------------------------------------------------
// The file tree

/** The two interfaces of the one chip. */
export const cardInterfaceSchema = z.enum(['contact', 'contactless']);

const interfaces = z
  .array(cardInterfaceSchema)
  .min(1, 'at least one interface (omit the field for both)')
  .refine((list) => new Set(list).size === list.length, 'an interface is listed twice');

/**
 * Who may perform an operation on a file (LD/T 32.5: free, PIN, external authentication with a key).
 * `{ pin }` names a PIN of the enclosing DF chain; `{ key }` names a key whose EXTERNAL AUTHENTICATE
 * succeeded in the current session.
 */
export const accessRuleSchema = z.union(
  [
    z.literal('free'),
    z.literal('never'),
    z.strictObject({ pin: identifier }),
    z.strictObject({ key: identifier }),
    z.strictObject({
      get anyOf() {
        return z.array(accessRuleSchema).min(1, 'an empty list of rules');
      },
    }),
    z.strictObject({
      get allOf() {
        return z.array(accessRuleSchema).min(1, 'an empty list of rules');
      },
    }),
  ],
  { error: 'not an access rule ("free", "never", {"pin": id}, {"key": id}, {"anyOf": […]}, {"allOf": […]})' },
);

/** ISO/IEC 7816-4 §7.1: file identifiers are two bytes. */
const fid = int(0, 0xffff);

export const efStructureSchema = z.enum(['transparent', 'linear-fixed', 'linear-variable', 'cyclic']);

export const efImageSchema = z
  .strictObject({
    kind: z.literal('ef'),
    fid,
    /** Short EF identifier, 1–30 (ISO/IEC 7816-4 §7.2.2). */
    sfi: int(1, 30).optional(),
    /** Human label for `card show` and traces (e.g. "EF05 发卡机构数据"). */
    label: text(64).optional(),
    structure: efStructureSchema,
    /** Transparent: maximum size in bytes. */
    size: int(0, 0x7fff).optional(),
    /** Record files: record length (fixed/cyclic) or maximum record length (variable). */
    recordSize: int(1, 255).optional(),
    /** Record files: number of records the file can hold. */
    maxRecords: int(1, 254).optional(),
    /** Transparent content. */
    data: hexBytes(0, 0x7fff).optional(),
    /** Record contents, record 1 first. Cyclic: record 1 is the most recent. */
    records: z.array(hexBytes(1, 255)).optional(),
    read: accessRuleSchema,
    update: accessRuleSchema,
    /**
     * Updates must come with secure messaging and enciphered data: CLA 04, data = E_SK(LD ‖ data ‖ 80…)
     * ‖ MAC (DOMAIN.md §1.4 "Encryption"), SK the session key of the MAC.
     */
    enciphered: z.boolean().optional(),
    /** Interfaces through which the file can be reached (default: both). */
    interfaces: interfaces.optional(),
  })
  .check(crossCheck(checkEf));

/** Per structure: records or data, record lengths, the record count, the size (ISO/IEC 7816-4 §7.3). */
function checkEf(ef: Pick<z.infer<typeof efImageSchema>, 'fid' | 'structure' | 'size' | 'recordSize' | 'maxRecords' | 'data' | 'records'>, issue: Issue): void {
  if (ef.fid === 0x3f00) issue(['fid'], '3F00 is the MF');
  if (ef.structure === 'transparent') {
    for (const f of ['records', 'recordSize', 'maxRecords'] as const) if (ef[f] !== undefined) issue([f], 'a transparent EF has no records');
    if (ef.size !== undefined && ef.data !== undefined && ef.data.length / 2 > ef.size) issue(['data'], `${ef.data.length / 2} bytes in an EF of size ${ef.size}`);
    return;
  }
  for (const f of ['data', 'size'] as const) if (ef[f] !== undefined) issue([f], `a ${ef.structure} EF has records, not data`);
  const records = ef.records ?? [];
  if (ef.maxRecords !== undefined && records.length > ef.maxRecords) issue(['records'], `${records.length} records in an EF of ${ef.maxRecords}`);
  if (ef.recordSize === undefined) return;
  const fixed = ef.structure !== 'linear-variable';
  records.forEach((r, i) => {
    const n = r.length / 2;
    if (fixed ? n !== ef.recordSize : n > ef.recordSize!) issue(['records', i], `${n} bytes, the record length is ${fixed ? '' : 'at most '}${ef.recordSize}`);
  });
}

export const pinImageSchema = z
  .strictObject({
    /** Name used by access rules, e.g. "PIN_SSSE". */
    id: identifier,
    /** Reference in P2 of VERIFY (00 for the SSSE PIN). */
    reference: byte,
    /** PIN digits as text ("123456"): VERIFY carries 2–8 BCD bytes, 4–16 digits. */
    value: z.string().regex(/^\d{4,16}$/, 'expected 4–16 digits'),
    /** Tries left, 0 (blocked) … maxTries. */
    triesLeft: int(0, 15),
    /** Try limit, 1–15 (63Cx reports 0–15 tries). */
    maxTries: int(1, 15),
  })
  .check(
    crossCheck((pin, issue) => {
      if (pin.triesLeft > pin.maxTries) issue(['triesLeft'], `${pin.triesLeft} tries left, more than maxTries ${pin.maxTries}`);
    }),
  );

export const keyAlgorithmSchema = z.enum(['SM4', '3DES', 'DES']);
export const keyUsageSchema = z.enum(['external-auth', 'internal-auth', 'maintenance', 'pin-unblock', 'pin-reload', 'debit', 'tac', 'mac', 'encryption']);

export const keyImageSchema = z
  .strictObject({
    /** Name used by access rules, e.g. "UK_SSSE", "RK1_DF04". */
    id: identifier,
    /** Reference in P2 of EXTERNAL AUTHENTICATE / key index in commands. */
    reference: byte,
    usage: keyUsageSchema,
    algorithm: keyAlgorithmSchema,
    version: byte,
    /** Key bytes (hex): SM4 16 bytes, 3DES 16 or 24, DES 8. */
    value: hexBytes(8, 24),
    /** Remaining failed authentications before the key is blocked (absent: unlimited). */
    triesLeft: int(0, 15).optional(),
    maxTries: int(1, 15).optional(),
  })
  .check(
    crossCheck((key, issue) => {
      const lengths = keyLengthsOf(key.algorithm);
      if (!lengths.includes(key.value.length / 2)) issue(['value'], `${key.value.length / 2} bytes, a ${key.algorithm} key has ${lengths.join(' or ')}`);
      if ((key.triesLeft === undefined) !== (key.maxTries === undefined)) issue([key.triesLeft === undefined ? 'triesLeft' : 'maxTries'], 'triesLeft and maxTries go together');
      else if (key.triesLeft !== undefined && key.triesLeft > key.maxTries!) issue(['triesLeft'], `${key.triesLeft} tries left, more than maxTries ${key.maxTries}`);
    }),
  );

export const dfImageSchema = z
  .strictObject({
    kind: z.literal('df'),
    /** MF is 3F00. */
    fid: fid.optional(),
    /** DF name for SELECT by name (1–16 bytes, ISO/IEC 7816-4 §8.2.1.2). */
    aid: hexBytes(1, 16).optional(),
    label: text(64).optional(),
    /** Id of the `Application` that handles this DF's proprietary commands and FCI. */
    application: identifier.optional(),
    /** Proprietary FCI template content (A5 …) returned on SELECT, when no application builds it. */
    fciProprietary: hexBytes(0, 200).optional(),
    lifeCycle: z.enum(['active', 'blocked', 'terminated']).optional(),
    interfaces: interfaces.optional(),
    pins: z.array(pinImageSchema).optional(),
    keys: z.array(keyImageSchema).optional(),
    get children(): z.ZodArray<z.ZodDiscriminatedUnion<[typeof dfImageSchema, typeof efImageSchema]>> {
      return z.array(z.discriminatedUnion('kind', [dfImageSchema, efImageSchema], { error: 'neither a DF ({"kind": "df"}) nor an EF ({"kind": "ef"})' }));
    },
  })
  .check(crossCheck(checkDf));

/** A FID or a name; PIN, key, FID and SFI unique within the DF. */
function checkDf(df: { fid?: number | undefined; aid?: string | undefined; pins?: PinImage[] | undefined; keys?: KeyImage[] | undefined; children: Array<{ kind: 'df' | 'ef'; fid?: number | undefined; sfi?: number | undefined }> }, issue: Issue): void {
  if (df.fid === undefined && df.aid === undefined) issue(['fid'], 'a DF needs a FID or a DF name');
  const unique = <T>(items: T[] | undefined, field: string, key: (t: T) => unknown, what: string, list: string) => {
    const seen = new Map<unknown, number>();
    (items ?? []).forEach((item, i) => {
      const k = key(item);
      if (k === undefined) return;
      const first = seen.get(k);
      if (first === undefined) seen.set(k, i);
      else issue([list, i, field], `${what} ${typeof k === 'number' ? k.toString(16).toUpperCase() : String(k)} is already used by ${list}[${first}]`);
    });
  };
  unique(df.pins, 'id', (p) => p.id, 'PIN id', 'pins');
  unique(df.pins, 'reference', (p) => p.reference, 'PIN reference', 'pins');
  unique(df.keys, 'id', (k) => k.id, 'key id', 'keys');
  unique(df.keys, 'reference', (k) => `${k.usage} ${k.reference}`, 'key usage and reference', 'keys');
  unique(df.children, 'fid', (c) => c.fid, 'FID', 'children');
  unique(df.children, 'sfi', (c) => (c.kind === 'ef' ? c.sfi : undefined), 'SFI', 'children');
}

export type CardInterface = z.infer<typeof cardInterfaceSchema>;
export type AccessRule = z.infer<typeof accessRuleSchema>;
export type EfStructure = z.infer<typeof efStructureSchema>;
export type EfImage = z.infer<typeof efImageSchema>;
export type PinImage = z.infer<typeof pinImageSchema>;
export type KeyAlgorithm = z.infer<typeof keyAlgorithmSchema>;
export type KeyImage = z.infer<typeof keyImageSchema>;
export type DfImage = z.infer<typeof dfImageSchema>;

// ---------------------------------------------------------------------------------------------------
// The applications' persistent states

/** Symmetric algorithm of the PBOC application keys (DOMAIN.md §2). */
export const pbocAlgorithmSchema = z.enum(['SM4', '3DES']);
const digits = (min: number, max: number) => z.string().regex(new RegExp(`^\\d{${min},${max}}$`), min === max ? `expected ${min} digits` : `expected ${min}–${max} digits`);

/**
 * The financial application's state, `CardImage.apps.pboc` (one state for both interfaces: one ATC, one
 * EC balance). Amounts are integers in fen (分).
 */
export const pbocStateSchema = z
  .strictObject({
    format: z.literal('sscard-pboc-state'),
    version: z.literal(1),
    algorithm: pbocAlgorithmSchema,
    /** PAN digits and PSN (2 digits), also in the records; kept here for key derivation checks. */
    pan: digits(12, 19),
    psn: digits(2, 2),
    /** Application transaction counter 9F36 (2 bytes); incremented by every GPO, never decreases. */
    atc: int(0, ATC_MAX),
    /** Last online ATC register 9F13 (ATC of the last transaction authorised online with issuer authentication). */
    lastOnlineAtc: int(0, ATC_MAX),
    /** True from an ARQC until the issuer has been authenticated in GENERATE AC 2 (CVR "last online not completed"). */
    onlineInProgress: z.boolean(),
    /** Issuer authentication failed in the last online transaction. */
    lastIssuerAuthFailed: z.boolean(),
    /** Offline PIN (4–12 digits, the PIN block of EMV Book 3 §6.5.12) and try counter 9F17. */
    pin: z
      .strictObject({ value: digits(4, 12), triesLeft: int(0, 15), maxTries: int(1, 15) })
      .check(
        crossCheck((pin, issue) => {
          if (pin.triesLeft > pin.maxTries) issue(['triesLeft'], `${pin.triesLeft} tries left, more than maxTries ${pin.maxTries}`);
        }),
      ),
    /** APPLICATION BLOCK (84 1E) sets it; APPLICATION UNBLOCK (84 18) clears it. */
    blocked: z.boolean(),
    /** CARD BLOCK (84 16): every payment application and directory refuses selection. */
    cardBlocked: z.boolean(),
    /** Electronic cash (EC) inside the debit application. */
    ec: z
      .strictObject({
        /** 9F79 balance, fen. Always within [0, balanceLimit]. */
        balance: amount,
        /** 9F77 balance limit. */
        balanceLimit: amount,
        /** 9F78 single-transaction limit. */
        singleLimit: amount,
        /** 9F6D reset threshold. */
        resetThreshold: amount,
        /** 9F51 application currency code (n3 as 4 BCD digits, "0156" CNY). */
        currency: digits(4, 4),
        /** 9F74 issuer authorisation code (6 printable ASCII characters, "ECC001"). */
        issuerAuthCode: z.string().regex(/^[\x20-\x7e]{6}$/, 'expected 6 printable ASCII characters'),
      })
      .check(
        crossCheck((ec, issue) => {
          if (ec.balance > ec.balanceLimit) issue(['balance'], `${ec.balance} exceeds the balance limit ${ec.balanceLimit}`);
        }),
      ),
    /** Card risk parameters (choices.ts DEFAULT_RISK). */
    risk: z.strictObject({ consecutiveOfflineLimit: int(0, 255), offlineAmountLimit: amount }),
    /**
     * Card keys. Symmetric: the application UDKs for AC, script MAC and encipherment (diversified from the
     * issuer master keys at personalisation). ICC SM2 private key for DDA/fDDA. No command reads them.
     */
    keys: z.strictObject({ ac: hexBytes(16, 16), mac: hexBytes(16, 16), enc: hexBytes(16, 16), iccPrivate: sm2PrivateKey }),
    /** Number of issuer script commands processed since the last GPO (CVR byte 4). */
    scriptCommands: counter,
    scriptFailed: z.boolean(),
  })
  .check(
    crossCheck((s, issue) => {
      if (s.lastOnlineAtc > s.atc) issue(['lastOnlineAtc'], `${s.lastOnlineAtc} is after the ATC ${s.atc}`);
      if (s.cardBlocked && !s.blocked) issue(['blocked'], 'a blocked card (cardBlocked) blocks the application too');
    }),
  );

/** Persistent state of the PKI application (`CardImage.apps.pki`). */
export const pkiStateSchema = z
  .strictObject({
    /** SM2 private key d (32 bytes hex). Never leaves the card through any command. */
    privateKey: sm2PrivateKey,
    /** Uncompressed public key 04 ‖ X ‖ Y (hex) = d·G. */
    publicKey: hexBytes(65, 65),
    /** The issuing CA and root certificates, PEM, issuing CA first (`sscard card cert`). */
    caChain: z.array(z.string().regex(/^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n?$/, 'not a PEM certificate')),
    /** Signatures made (a counter shown by `card show`). */
    signatures: counter,
  })
  .check(
    crossCheck((s, issue) => {
      if (toHex(sm2PublicKeyFromPrivate(fromHex(s.privateKey))) !== s.publicKey.toUpperCase()) issue(['publicKey'], 'not the public key of privateKey');
    }),
  );

/** Persistent state of the SSSE medical account (`CardImage.apps['ssse-medical']`, LD/T 32.4 offline debit). */
export const medicalStateSchema = z
  .strictObject({
    /** Personal-account balance (fen, 4 bytes in INIT's answer). */
    balance: uint32,
    selfPayAccumulated: uint32,
    fundAccumulated: uint32,
    /** Year the accumulators belong to (4 BCD digits). */
    year: int(0, 9999),
    /** Next offline transaction sequence number (2 bytes; 10000 hex: exhausted, INIT answers 9402). */
    sequence: int(0, 0x10000),
    /** Proof of the last debit, for GET PROOF. */
    lastProof: z.strictObject({ sequence: int(0, 0xffff), tac: hexBytes(4, 4), mac2: hexBytes(4, 4) }).optional(),
  })
  .check(
    crossCheck((s, issue) => {
      if (s.lastProof && s.lastProof.sequence >= s.sequence) issue(['lastProof', 'sequence'], `${s.lastProof.sequence} is not before the next sequence ${s.sequence}`);
    }),
  );

export type PbocAlgorithm = z.infer<typeof pbocAlgorithmSchema>;
export type PbocState = z.infer<typeof pbocStateSchema>;
export type PkiState = z.infer<typeof pkiStateSchema>;
export type MedicalState = z.infer<typeof medicalStateSchema>;

/** The persistent state of each application that has one, by `Application.id`. */
const APP_STATES = {
  [MEDICAL_APP_ID]: medicalStateSchema,
  [PKI_APP_ID]: pkiStateSchema,
  [PBOC_APP_ID]: pbocStateSchema,
} as const;

/**
 * The states of sscard's applications are checked; an application plugged in from outside
 * (`createCard(…, { applications })`) keeps its own state under its id, as any JSON value.
 */
export const appStatesSchema = z
  .object({
    [MEDICAL_APP_ID]: APP_STATES[MEDICAL_APP_ID].optional(),
    [PKI_APP_ID]: APP_STATES[PKI_APP_ID].optional(),
    [PBOC_APP_ID]: APP_STATES[PBOC_APP_ID].optional(),
  })
  .catchall(z.unknown());

// ---------------------------------------------------------------------------------------------------
// The whole image

/** The image format version this sscard reads and writes. */
export const CARD_IMAGE_VERSION = 1;

/** An ATR of 2–33 bytes starting with TS = 3B (direct) or 3F (inverse convention), ISO/IEC 7816-3 §8.1. */
function atrProblem(hex: string): string | undefined {
  const atr = fromHex(hex);
  if (atr.length < 2 || atr.length > 33) return `${atr.length} bytes, an ATR has 2–33`;
  if (atr[0] !== 0x3b && atr[0] !== 0x3f) return 'TS must be 3B or 3F';
  return undefined;
}

export const cardImageSchema = z
  .strictObject({
    format: z.literal('sscard-card-image'),
    version: z.literal(CARD_IMAGE_VERSION),
    /** Profile the card was personalised from (name). */
    profile: text(64).min(1, 'empty'),
    /** T=0 or T=1 on the contact interface. */
    protocol: z.enum(['T=0', 'T=1']),
    /** Contact ATR; contactless pseudo-ATR, or "" for a card without a contactless interface. */
    atr: z.strictObject({ contact: hexBytes(2, 33), contactless: hexBytes(0, 33) }),
    cardLifeCycle: z.enum(['active', 'blocked']),
    mf: dfImageSchema,
    /** Per-application persistent state (PBOC ATC and EC balance, PKI private key, …), by application id. */
    apps: appStatesSchema,
  })
  .check(
    crossCheck((image, issue) => {
      const contact = atrProblem(image.atr.contact);
      if (contact) issue(['atr', 'contact'], contact);
      const contactless = image.atr.contactless && atrProblem(image.atr.contactless);
      if (contactless) issue(['atr', 'contactless'], contactless);
      if (image.mf.fid !== 0x3f00) issue(['mf', 'fid'], 'the MF is 3F00');
      checkTree(image, issue);
    }),
  );

/**
 * The files an application writes itself, beside the card OS, must have the shape it writes: the
 * offline medical debit (LD/T 32.4) appends 0x1C-byte records to DF04 EF08 and 3-byte records to EF15
 * (cyclic), and rewrites the 92 (offline amount) and 93 (offline count) records of EF06 in place.
 */
const APP_FILES: Record<string, (df: DfImage, issue: (childIndex: number, path: Array<string | number>, message: string) => void) => void> = {
  [MEDICAL_APP_ID]: (df, issue) => {
    df.children.forEach((ef, i) => {
      if (ef.kind !== 'ef') return;
      const size = { 0xef08: MEDICAL_LOG_RECORD_SIZE, 0xef15: SETTLEMENT_LOG_RECORD_SIZE }[ef.fid];
      if (size !== undefined && (ef.structure !== 'cyclic' || ef.recordSize !== size)) {
        issue(i, [ef.structure !== 'cyclic' ? 'structure' : 'recordSize'], `the medical debit appends ${size}-byte records to this cyclic EF`);
      }
      if (ef.fid === 0xef06) {
        for (const tag of ['92', '93']) {
          if (!(ef.records ?? []).some((r) => r.toUpperCase().startsWith(tag))) issue(i, ['records'], `no ${tag} record: the medical debit updates it in place`);
        }
      }
    });
  },
};

/** Cross-file checks: 3F00 only once, access rules that can be satisfied, applications with their state. */
function checkTree(image: { mf: DfImage; apps: Record<string, unknown> }, issue: Issue): void {
  const walk = (df: DfImage, path: Array<string | number>, pins: Set<string>, keys: Set<string>) => {
    const ownPins = new Set([...pins, ...(df.pins ?? []).map((p) => p.id)]);
    const ownKeys = new Set([...keys, ...(df.keys ?? []).map((k) => k.id)]);
    const app = df.application;
    if (app && Object.hasOwn(APP_STATES, app) && image.apps[app] === undefined) {
      const where = path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').slice(1);
      issue(['apps', app], `missing: ${where}${df.label ? ` (${df.label})` : ''} runs application "${app}", which keeps its state here`);
    }
    if (app && Object.hasOwn(APP_FILES, app)) APP_FILES[app]!(df, (i, rest, message) => issue([...path, 'children', i, ...rest], message));
    df.children.forEach((child, i) => {
      const childPath = [...path, 'children', i];
      if (child.kind === 'df') {
        if (child.fid === 0x3f00) issue([...childPath, 'fid'], '3F00 is the MF');
        walk(child, childPath, ownPins, ownKeys);
        return;
      }
      for (const op of ['read', 'update'] as const) {
        const unknown = namesOf(child[op]).find((n) => !(n.kind === 'pin' ? ownPins : ownKeys).has(n.id));
        if (unknown) issue([...childPath, op], `names ${unknown.kind} ${unknown.id}, which is not in the EF's DF or above it`);
      }
    });
  };
  walk(image.mf, ['mf'], new Set(), new Set());
}

function namesOf(rule: AccessRule): Array<{ kind: 'pin' | 'key'; id: string }> {
  if (rule === 'free' || rule === 'never') return [];
  if ('pin' in rule) return [{ kind: 'pin', id: rule.pin }];
  if ('key' in rule) return [{ kind: 'key', id: rule.key }];
  return ('anyOf' in rule ? rule.anyOf : rule.allOf).flatMap(namesOf);
}

/** The whole persisted card. Versioned; every change is committed atomically after each APDU. */
export type CardImage = z.infer<typeof cardImageSchema>;
