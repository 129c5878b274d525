/**
 * What a terminal's kernels ask of the card issuer (the bank's authorisation host), in the shape of
 * an ISO 8583 authorisation with its ICC data (field 55; EMV Book 4 §6.5, JR/T 0025.7): the contract
 * between the PBOC/qPBOC kernels and the issuer host. In-process today; the same messages could travel
 * over a network.
 *
 * Every request carries a transaction ID chosen by the terminal; the host keeps it, so that repeating a
 * request (a retry after a time-out) returns the first answer and never posts twice.
 */

/** An online authorisation request (the ARQC and the data it covers). */
export interface AuthorisationRequest {
  /** The terminal's unique ID of this transaction (idempotency key). */
  transactionId: string;
  /** PAN (5A) as digits, and its sequence number (5F34) as 2 digits. */
  pan: string;
  panSequence: string;
  /** Amount authorised (9F02) and other amount (9F03), in fen. */
  amount: number;
  otherAmount: number;
  /**
   * Transaction currency (5F2A), e.g. "0156", and type (9C): 0x00 purchase (goods and services), or
   * 0x60 electronic-cash load from the account (`amount` is the load; the host answers the PUT DATA 9F79
   * script for it in the same response).
   */
  currency: string;
  transactionType: number;
  /** Whether the card was read by contact or contactless (qPBOC). */
  channel: 'contact' | 'contactless';
  /**
   * The ICC and terminal data elements as BER-TLV, as a terminal sends them in field 55: at least 9F26
   * (ARQC), 9F27, 9F10 (IAD), 9F36 (ATC), 9F37, 95 (TVR), 9A, 9C, 9F02, 9F03, 9F1A, 5F2A, 82 (AIP) —
   * the values the card covered with its cryptogram (CDOL1 / PDOL data). Also 9F79, the card's EC
   * balance read by GET DATA 80CA9F79 before GENERATE AC, when the card has electronic cash: the host
   * delivers an electronic-cash load (PUT DATA 9F79 sets an absolute balance) only when it knows the
   * card's balance (docs/issuer-host.md "EC load").
   */
  iccData: Uint8Array;
  /** Online PIN entered by the cardholder, when the CVM was online PIN (digits; simulator: in clear). */
  onlinePin?: string;
}

/** ISO 8583 field-39 style response codes the host answers (two ASCII characters). */
export type ResponseCode =
  | '00' // approved
  | '05' // do not honour (wrong or replayed cryptogram)
  | '13' // invalid amount (an EC load above the card's EC balance limit)
  | '14' // invalid card number (no such account)
  | '30' // format error (field 55 lacks a data element the cryptogram covers, or is not valid BER-TLV)
  | '51' // insufficient funds
  | '55' // incorrect PIN
  | '62' // restricted card (card blocked)
  | '75' // PIN tries exceeded (PIN blocked)
  | '78' // account blocked / closed
  | '94'; // duplicate transmission answered from the first request

/** The issuer's answer. */
export interface AuthorisationResponse {
  transactionId: string;
  approved: boolean;
  responseCode: ResponseCode;
  /** Why, in words (for receipts and logs). */
  reason: string;
  /** ARPC (8 bytes) with the authorisation response code it covers (8A, 2 ASCII bytes). */
  arpc?: Uint8Array;
  authorisationResponseCode: Uint8Array;
  /** Issuer authentication data 91 (ARPC ‖ ARC) when the host authenticated the card's ARQC. */
  issuerAuthenticationData?: Uint8Array;
  /** Issuer script templates 71 (before the final GENERATE AC) and 72 (after), BER-TLV; may be empty. */
  issuerScripts: Uint8Array;
  /** Account balance after the posting (fen), when approved. */
  balance?: number;
}

/**
 * How the card finished an online transaction, for posting: sent after the second GENERATE AC (contact),
 * or right after an online-approved qPBOC transaction (contactless: no second cryptogram, `cardApproved`
 * true, `iccData` with the script results only, possibly empty). Also sent after a declined
 * authorisation that carried scripts, to report their results.
 */
export interface Completion {
  transactionId: string;
  /** Whether the card accepted (TC) or declined (AAC) in the second GENERATE AC. */
  cardApproved: boolean;
  /**
   * ICC data of the second GENERATE AC (9F26 TC/AAC, 9F27, 9F36, 9F10), BER-TLV; with 8A, 95 and 9F37
   * as the terminal sent them in CDOL2 when they differ from the authorisation's (the TC covers them),
   * and the issuer script results: one DF31 whose value is 5 bytes per script received (EMV 4.3 Book 4
   * Annex A5: result nibble 0 not performed / 1 failed / 2 successful, sequence nibble, script ID 9F18);
   * `encodeScriptResults` in script-results.ts builds it.
   */
  iccData: Uint8Array;
}

/** A transaction the card approved offline (TC; qPBOC electronic cash), submitted for clearing. */
export interface OfflineClearing {
  transactionId: string;
  pan: string;
  panSequence: string;
  amount: number;
  currency: string;
  channel: 'contact' | 'contactless';
  /** ICC data of the offline approval (9F26 TC, 9F27, 9F36, 9F10 with the EC balance, 9F37, 9F02 …). */
  iccData: Uint8Array;
}

export interface IssuerPort {
  /** Online authorisation. Never throws for a business refusal (that is `approved: false`). */
  authorise(request: AuthorisationRequest): Promise<AuthorisationResponse>;
  /** The card's final answer: posts the approved amount, or releases it when the card declined. */
  complete(completion: Completion): Promise<void>;
  /** Reverses a transaction (the terminal could not finish it): nothing of it stays posted. Idempotent. */
  reverse(transactionId: string, reason: string): Promise<void>;
  /** Clears an offline-approved transaction (its TC is verified; EC spending updates the EC ledger). Idempotent. */
  clearOffline(clearing: OfflineClearing): Promise<{ accepted: boolean; reason: string }>;
}
