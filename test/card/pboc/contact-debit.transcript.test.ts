/**
 * Full contact debit (DOMAIN.md §2 "Contact flow"): SELECT → GPO → READ RECORDs → VERIFY PIN → GAC1 ARQC →
 * ARPC by the issuer (keys derived in the test from the master keys) → EXTERNAL AUTHENTICATE → GAC2 TC.
 */
import { describe, expect, it } from 'vitest';
import { concat, fromHex, toHex } from '../../../src/apdu/bytes.js';
import { decodeTlv } from '../../../src/card/apps/pboc/tlv.js';
import { makeCard } from './helpers/setup.js';
import { TestIssuer, n12, tag } from './helpers/terminal.js';

const CDOL1_DATA = (amount: number, un: string) =>
  // 9F02 amount | 9F03 other | 9F1A country | 95 TVR | 5F2A currency | 9A date | 9C type | 9F37 UN | 9F21 time | 9F4E merchant(20)
  `${n12(amount)}${n12(0)}0156${'00'.repeat(5)}0156261122` + `00${un}103000${'20'.repeat(20)}`;

describe('contact debit transcript', () => {
  it('select → GPO → records → PIN → ARQC → ARPC → TC', () => {
    const { card, part, profile } = makeCard();
    card.powerOn('contact');

    // SELECT PSE 1PAY.SYS.DDF01 → FCI with 88 (SFI of the directory EF)
    let r = card.transmit('00A404000E315041592E5359532E444446303100');
    expect(r.sw).toBe(0x9000);
    expect(toHex(tag(r.data, '88')!)).toBe('01');
    // READ RECORD 1 of SFI 1 (directory) → 70 { 61 { 4F A000000333010101 … } }
    r = card.transmit('00B2010C00');
    expect(toHex(tag(r.data, '4F')!)).toBe('A000000333010101');

    // SELECT the debit ADF → FCI with label, priority and the PDOL including DF69
    r = card.transmit('00A4040008A00000033301010100');
    expect(r.sw).toBe(0x9000);
    const pdol = toHex(tag(r.data, '9F38')!);
    expect(pdol).toContain('DF6901');
    expect(new TextDecoder().decode(tag(r.data, '50')!)).toBe('PBOC DEBIT');

    // GPO with PDOL data (TTQ irrelevant on contact) → format 1: 80 | AIP 7C00 | AFL
    const pdolData = `28000000${n12(12345)}${n12(0)}0156${'00'.repeat(5)}01562611220011223344` + '0001';
    r = card.transmit(`80A8000025 8323${pdolData} 00`.replace(/ /g, ''));
    expect(r.sw).toBe(0x9000);
    const gpo = r.data;
    expect(gpo[0]).toBe(0x80);
    const aip = gpo.subarray(2, 4);
    const afl = gpo.subarray(4);
    expect(toHex(aip)).toBe('7C00');
    expect(afl.length % 4).toBe(0);

    // READ RECORD every record of the AFL
    const records: Uint8Array[] = [];
    for (let i = 0; i < afl.length; i += 4) {
      const sfi = afl[i]! >> 3;
      for (let rec = afl[i + 1]!; rec <= afl[i + 2]!; rec++) {
        const p2 = ((sfi << 3) | 4).toString(16).padStart(2, '0');
        r = card.transmit(`00B2${rec.toString(16).padStart(2, '0')}${p2}00`);
        expect(r.sw).toBe(0x9000);
        records.push(r.data);
      }
    }
    const all = records.flatMap((d) => decodeTlv(d));
    expect(toHex(tag(all, '5A')!).replace(/F+$/, '')).toBe(part.info.pan);
    expect(toHex(tag(all, '8C')!)).toBe('9F02069F03069F1A0295055F2A029A039C019F37049F21039F4E14');
    expect(tag(all, '90')).toBeDefined();
    expect(tag(all, '9F46')!.length).toBe(148); // observed ICC certificate length (DOMAIN.md §2)
    expect(toHex(tag(all, '57')!)).toMatch(new RegExp(`^${part.info.pan}D`));

    // VERIFY offline plaintext PIN: wrong → 63C2; right → 9000; try counter back to 3 (GET DATA 9F17)
    expect(card.transmit('002000800826123499FFFFFFFF').sw).toBe(0x63c2);
    expect(toHex(card.transmit('80CA9F1700').data)).toBe('9F170102');
    expect(card.transmit('0020008008261234 56FFFFFFFF'.replace(/ /g, '')).sw).toBe(0x9000);
    expect(toHex(card.transmit('80CA9F1700').data)).toBe('9F170103');

    // GENERATE AC 1 asking for an ARQC (80 AE 80 00) with CDOL1 data
    const cdol1 = CDOL1_DATA(12345, 'AABBCCDD');
    r = card.transmit(`80AE8000${(cdol1.length / 2).toString(16).toUpperCase()}${cdol1}00`);
    expect(r.sw).toBe(0x9000);
    expect(toHex(tag(r.data, '9F27')!)).toBe('80'); // ARQC
    const atc = Number.parseInt(toHex(tag(r.data, '9F36')!), 16);
    expect(atc).toBe(1);
    const arqc = tag(r.data, '9F26')!;
    const iad = tag(r.data, '9F10')!;
    // IAD = 07 | DKI 01 | CVN 01 | CVR(4) | algorithm 04 (SM4)
    expect(iad[0]).toBe(0x07);
    expect(iad[2]).toBe(0x01);
    expect(iad[7]).toBe(0x04);
    const cvr = iad.subarray(3, 7);
    expect(cvr[1]! & 0x30).toBe(0x20); // GAC1 ARQC
    expect(cvr[1]! & 0x04).toBe(0x04); // offline PIN performed

    // the issuer checks the ARQC with its own key derivation from the master keys …
    const issuer = new TestIssuer(profile, part.info.pan, part.info.psn);
    const terminal29 = fromHex(cdol1).subarray(0, 29);
    expect(toHex(issuer.ac(atc, terminal29, new Uint8Array(0), aip, cvr))).toBe(toHex(arqc));
    // … and answers ARPC for ARC "00"
    const arc = fromHex('3030');
    const arpc = issuer.arpc(atc, arqc, arc);

    // EXTERNAL AUTHENTICATE ARPC ‖ ARC → 9000
    expect(card.transmit(`008200000A${toHex(arpc)}${toHex(arc)}`).sw).toBe(0x9000);

    // GENERATE AC 2 asking for a TC (80 AE 40 00) with CDOL2 data: 8A ARC | 95 TVR | 9F37 UN | 91 (zeros: already done)
    const cdol2 = `3030${'00'.repeat(5)}AABBCCDD${'00'.repeat(10)}`;
    r = card.transmit(`80AE4000${(cdol2.length / 2).toString(16).toUpperCase()}${cdol2}00`);
    expect(r.sw).toBe(0x9000);
    expect(toHex(tag(r.data, '9F27')!)).toBe('40'); // TC
    const cvr2 = tag(r.data, '9F10')!.subarray(3, 7);
    expect(toHex(tag(r.data, '9F26')!)).toBe(toHex(issuer.ac(atc, terminal29, arc, aip, cvr2)));

    // last online ATC = 1 and the log holds the transaction
    expect(toHex(card.transmit('80CA9F1300').data)).toBe('9F13020001');
    const log = card.transmit('00B2015C00');
    expect(log.sw).toBe(0x9000);
    expect(toHex(log.data)).toContain(n12(12345));
    expect(concat(log.data).length).toBe(45);
  });

  it('a wrong ARPC fails EXTERNAL AUTHENTICATE (6300) and GAC2 then answers AAC', () => {
    const { card } = makeCard();
    card.powerOn('contact');
    card.transmit('00A4040008A00000033301010100');
    card.transmit(`80A80000258323${'28000000'}${n12(100)}${n12(0)}0156${'00'.repeat(5)}01562611220011223344` + '000100');
    const cdol1 = CDOL1_DATA(100, '01020304');
    card.transmit(`80AE800034${cdol1}00`);
    expect(card.transmit(`008200000A${'00'.repeat(8)}3030`).sw).toBe(0x6300);
    const r = card.transmit(`80AE400015${'3030'}${'00'.repeat(5)}01020304${'00'.repeat(10)}00`);
    expect(toHex(tag(r.data, '9F27')!)).toBe('00');
  });
});
