/**
 * The two interfaces of the one chip (LD/T 32.2: a dual-interface card): contact (ISO/IEC 7816-3) and
 * contactless (ISO/IEC 14443-4). A fact both the card and the terminal name.
 */
export type CardInterface = 'contact' | 'contactless';

/** The interfaces, contact first. */
export const CARD_INTERFACES: readonly CardInterface[] = ['contact', 'contactless'];

/** Symmetric algorithms of the SSSE keys (DOMAIN.md §1.4; LD/T 32.4): third generation SM4, second 3DES/DES. */
export type KeyAlgorithm = 'SM4' | '3DES' | 'DES';
