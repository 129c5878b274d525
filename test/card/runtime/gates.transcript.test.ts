// Gates first (issue 8 item 6): the card OS checks the card life cycle, the class byte and the life cycle
// of the current DF chain before any application sees a command. Expected status words: ISO/IEC 7816-4
// §5.1.3 (6283 selected file deactivated on SELECT; 6985 conditions of use not satisfied; 6A81 function
// not supported after CARD BLOCK; 6E00 class not supported) and LD/T 32.5 APPLICATION BLOCK (84 1E) /
// UNBLOCK (84 18). The block MAC is computed with OpenSSL's SM4 (personalised.ts `kmMac`).
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../src/apdu/bytes.js';
import { seededRandom } from '../../../src/env.js';
import { silentLogger } from '../../../src/log.js';
import { createCard, type Card } from '../../../src/card/index.js';
import type { KeyImage } from '../../../src/card/runtime/types.js';
import { encodeInit } from '../../../src/spec/ssse/medical-debit.js';
import { clock, dfByAid, keyOf, kmMac, personalised } from './personalised.js';

const SSSE = '7378312E73682EC9E7BBE1B1A3D5CF';
const DF04 = 'D15600000503';
const PKI = '504B492EC9E7BBE1B1A3D5CF';
const tx = (card: Card, hex: string) => toHex(card.transmit(fromHex(hex)));

/** GET CHALLENGE, then `84 INS P1 P2 04 MAC` with the key-management MAC of `key`. */
function blockCommand(card: Card, key: KeyImage, header: string): string {
  const challenge = tx(card, '0084000004').slice(0, 8);
  return tx(card, `${header}04${kmMac(key, challenge, `${header}04`)}`);
}

function open() {
  const image = personalised('shanghai');
  const card = createCard(image, { random: seededRandom(5), clock, log: silentLogger() });
  card.powerOn('contact');
  return { card, image };
}

const INIT = `B028010113${toHex(encodeInit({ keyIndex: 1, account: 100, selfPay: 0, fund: 0, terminalId: fromHex('310000000001') }))}16`;

describe('gates before applications', () => {
  it('after APPLICATION BLOCK of DF04, B0 26 GET BALANCE and the medical-debit INIT answer 6985, not 9000; UNBLOCK restores them', () => {
    const { card, image } = open();
    const uk = keyOf(dfByAid(image, DF04), 'UK_DF04');
    expect(tx(card, `00A404000F${SSSE}`).slice(-4)).toBe('9000');
    expect(tx(card, `00A4040006${DF04}`).slice(-4)).toBe('9000');
    expect(tx(card, '0020000003123456')).toBe('9000');
    expect(tx(card, 'B026000004').slice(-4)).toBe('9000');
    expect(blockCommand(card, uk, '841E0000')).toBe('9000');
    expect(tx(card, 'B026000004')).toBe('6985');
    expect(tx(card, INIT)).toBe('6985');
    expect(tx(card, '00B2012C00')).toBe('6985'); // the OS's own READ RECORD too
    expect(tx(card, '0020000003123456')).toBe('6985');
    // SELECT still works and says the DF is blocked (ISO 7816-4 6283)
    expect(tx(card, `00A4040006${DF04}`).slice(-4)).toBe('6283');
    expect(blockCommand(card, uk, '84180000')).toBe('9000');
    expect(tx(card, '0020000003123456')).toBe('9000');
    expect(tx(card, 'B026000004').slice(-4)).toBe('9000');
  });

  it('after APPLICATION BLOCK of the PKI DF, PSO COMPUTE DIGITAL SIGNATURE does not sign (6985)', () => {
    const { card, image } = open();
    const uk = keyOf(image.mf, 'UK_SSSE'); // the PKI DF has no key of its own: the MF's UK (reference 04) [R]
    expect(tx(card, `00A404000C${PKI}`).slice(-4)).toBe('9000');
    expect(tx(card, '0020008103123456')).toBe('9000');
    expect(tx(card, '002A9E9A0411223344').slice(-4)).toBe('9000');
    expect(blockCommand(card, uk, '841E0000')).toBe('9000');
    expect(tx(card, '002A9E9A0411223344')).toBe('6985');
    expect(tx(card, '80C9828000')).toBe('6985');
    // still blocked after a power cycle
    card.powerOff();
    card.powerOn('contact');
    expect(tx(card, `00A404000C${PKI}`).slice(-4)).toBe('6283');
    expect(tx(card, '0020008103123456')).toBe('6985');
    expect(tx(card, '002A9E9A0411223344')).toBe('6985');
  });

  it('a terminated DF (84 1E 00 01) refuses its commands and cannot be unblocked (9303)', () => {
    const { card, image } = open();
    const uk = keyOf(dfByAid(image, DF04), 'UK_DF04');
    tx(card, `00A404000F${SSSE}`);
    tx(card, `00A4040006${DF04}`);
    expect(blockCommand(card, uk, '841E0001')).toBe('9000');
    expect(tx(card, 'B026000004')).toBe('6985');
    expect(blockCommand(card, uk, '84180000')).toBe('9303');
  });

  it('the class byte is checked before any application: an unknown CLA under DF04 answers 6E00, CLA B0 is served only where DF04 is current', () => {
    const { card } = open();
    tx(card, `00A404000F${SSSE}`);
    tx(card, `00A4040006${DF04}`);
    expect(tx(card, 'C026000004')).toBe('6E00');
    expect(tx(card, 'FF26000004')).toBe('6E00');
    expect(tx(card, `00A404000F${SSSE}`).slice(-4)).toBe('9000');
    expect(tx(card, 'B026000004')).toBe('6E00'); // no application of the current DF takes class B0
  });

  it('after CARD BLOCK every command answers 6A81, SELECT and the applications included', () => {
    const { card, image } = open();
    const uk = keyOf(image.mf, 'UK_SSSE');
    expect(blockCommand(card, uk, '84160000')).toBe('9000');
    expect(tx(card, `00A404000F${SSSE}`)).toBe('6A81');
    expect(tx(card, 'B026000004')).toBe('6A81');
    expect(tx(card, '00A4040008A000000333010101')).toBe('6A81');
    expect(tx(card, 'FF00000000')).toBe('6A81');
  });
});
