/**
 * The data objects of one transaction (EMV 4.3 Book 3 §7.5 "data objects"): those the card gave (FCI,
 * GET PROCESSING OPTIONS, records, GENERATE AC, GET DATA) and those of the terminal (amount, dates,
 * unpredictable number, TVR …), by tag. A primitive data object the card gives twice in its records is
 * a wrong card answer (§10.2: "terminate the transaction").
 */
import { toHex } from '../../apdu/bytes.js';
import type { Tlv } from '../../apdu/tlv/ber-tlv.js';
import { CardAnswerError } from './card-channel.js';

export class TransactionData {
  readonly #card = new Map<string, Uint8Array>();
  readonly #terminal = new Map<string, Uint8Array>();
  readonly #fromRecords = new Set<string>();

  /** Sets (or replaces) a terminal data object. */
  setTerminal(tag: string, value: Uint8Array): void {
    this.#terminal.set(tag.toUpperCase(), value.slice());
  }

  /** Sets (or replaces) a card data object (answers that legitimately repeat: ATC, CID, AC, IAD). */
  setCard(tag: string, value: Uint8Array): void {
    this.#card.set(tag.toUpperCase(), value.slice());
  }

  /**
   * Adds the primitive objects of TLV nodes from the card (constructed ones recursively).
   * @param mode `record`: a primitive another record already gave is a wrong answer (§10.2); `answer`:
   *   a primitive given twice in this one answer is a wrong answer; earlier values are replaced
   */
  addCardNodes(nodes: readonly Tlv[], where: string, mode: 'record' | 'answer'): void {
    const seen = new Set<string>();
    const visit = (list: readonly Tlv[]) => {
      for (const node of list) {
        if (node.children) {
          visit(node.children);
          continue;
        }
        const duplicate = mode === 'record' ? this.#fromRecords.has(node.tag) : seen.has(node.tag);
        if (duplicate) throw new CardAnswerError('CARD_DATA_INVALID', `${where}: data object ${node.tag} given twice`);
        seen.add(node.tag);
        if (mode === 'record') this.#fromRecords.add(node.tag);
        this.#card.set(node.tag, node.value.slice());
      }
    };
    visit(nodes);
  }

  /** A card data object. */
  card(tag: string): Uint8Array | undefined {
    return this.#card.get(tag.toUpperCase())?.slice();
  }

  /** A terminal data object. */
  terminal(tag: string): Uint8Array | undefined {
    return this.#terminal.get(tag.toUpperCase())?.slice();
  }

  /** The value of a tag, terminal first (the DOL source rule of Book 3 §5.4: the terminal's own data for terminal tags). */
  get(tag: string): Uint8Array | undefined {
    return this.terminal(tag) ?? this.card(tag);
  }

  hasCard(tag: string): boolean {
    return this.#card.has(tag.toUpperCase());
  }

  /** Every value, card then terminal (terminal wins), for building DOL data. */
  dolValues(): Record<string, Uint8Array> {
    const out: Record<string, Uint8Array> = {};
    for (const [tag, value] of this.#card) out[tag] = value;
    for (const [tag, value] of this.#terminal) out[tag] = value;
    return out;
  }

  /** Hex view (results and debugging). */
  snapshot(): { card: Record<string, string>; terminal: Record<string, string> } {
    const view = (m: Map<string, Uint8Array>) => Object.fromEntries([...m].map(([t, v]) => [t, toHex(v)]));
    return { card: view(this.#card), terminal: view(this.#terminal) };
  }
}
