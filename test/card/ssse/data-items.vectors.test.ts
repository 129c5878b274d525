// SSSE data items (DOMAIN.md §1.2): the record encodings against the real trace bytes of DOMAIN.md §1.3/§1.4,
// the AIDs as GBK, and GBK names checked with Node's own GBK decoder (an independent implementation).
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../src/apdu/bytes.js';
import { encodeGbk } from '../../../src/apdu/text/gbk.js';
import { DATA_ITEMS, decodeItemRecord, encodeFileRecords, encodeItemRecord, itemByKey, itemsOf } from '../../../src/spec/ssse/data-items.js';
import { buildCardIdentifier, buildInitializingBody, parseCardIdentifier } from '../../../src/card/apps/ssse/card-identifier.js';
import { SSSE_AID, SSSE_DFS, ssseFciProprietary } from '../../../src/card/apps/ssse/files.js';
import { PKI_ADF_AID, PKI_AID } from '../../../src/card/apps/pki/pki-app.js';

const gbkDecoder = new TextDecoder('gbk');

describe('identifiers in GBK', () => {
  it('SSSE AID is "sx1.sh.社会保障" in GBK', () => {
    expect(toHex(encodeGbk('sx1.sh.社会保障'))).toBe(SSSE_AID);
    expect(gbkDecoder.decode(fromHex(SSSE_AID))).toBe('sx1.sh.社会保障');
    expect(SSSE_AID).toBe('7378312E73682EC9E7BBE1B1A3D5CF');
  });

  it('PKI AID is "PKI.社会保障" and the ADF "SS.CERT.ADF1"', () => {
    expect(gbkDecoder.decode(fromHex(PKI_AID))).toBe('PKI.社会保障');
    expect(Buffer.from(fromHex(PKI_ADF_AID)).toString('latin1')).toBe('SS.CERT.ADF1');
  });

  it('sub-application AIDs D15600000500..504 (DOMAIN.md §1.1)', () => {
    expect(SSSE_DFS.map((d) => `${d.df}=${d.aid}`)).toEqual([
      'DF01=D15600000500', 'DF02=D15600000501', 'DF03=D15600000502', 'DF04=D15600000503', 'DF07=D15600000504',
    ]);
  });

  it('FCI proprietary template content of the real answer: 88 01 1E 9F0C 03 86 01 03', () => {
    expect(ssseFciProprietary('SM4')).toBe('88011E9F0C03860103');
    expect(ssseFciProprietary('3DES')).toBe('88011E9F0C03860101');
  });
});

describe('records', () => {
  it('card identifier record = trace answer to 00B2010012: 0110 519900D15600000510000B26FFFFFFFF', () => {
    const id = buildCardIdentifier('519900', fromHex('10000B26'), fromHex('FFFFFFFF'));
    expect(toHex(encodeItemRecord(itemByKey('cardIdentifier'), id))).toBe('0110519900D15600000510000B26FFFFFFFF');
  });

  it('card number record = trace answer to 00B207000B: 0709 484131303436393234 ("HA1046924")', () => {
    expect(toHex(encodeItemRecord(itemByKey('cardNumber'), 'HA1046924'))).toBe('0709484131303436393234');
  });

  it('card number is record 7 of EF05 (observed read 00B2072C0B: record 7 of SFI 5)', () => {
    expect(itemByKey('cardNumber').record).toBe(7);
    expect(itemByKey('cardNumber').file).toBe('EF05');
  });

  it('observed write 00DC0830140812<18 ASCII>: ID record is 08 12 + 18 ASCII', () => {
    expect(toHex(encodeItemRecord(itemByKey('idNumber'), '320223195302147992'))).toBe(`0812${toHex(new TextEncoder().encode('320223195302147992'))}`);
  });

  it('observed write 00DC093020091E<GBK, 00-padded>: name is 09 1E + GBK padded with 00 to 30 bytes', () => {
    const rec = encodeItemRecord(itemByKey('name'), '杭小平');
    expect(rec.length).toBe(32);
    expect(toHex(rec.subarray(0, 2))).toBe('091E');
    expect(gbkDecoder.decode(rec.subarray(2, 8))).toBe('杭小平');
    expect(rec.subarray(8).every((b) => b === 0)).toBe(true);
  });

  it('observed write 00DC0528060504<YYYYMMDD>: issue date is 05 04 + BCD', () => {
    expect(toHex(encodeItemRecord(itemByKey('issueDate'), '20221116'))).toBe('050420221116');
  });

  it('EF0D: 00DC01040EEA0C<12 ASCII>', () => {
    expect(toHex(encodeItemRecord(itemByKey('personId'), '320200000001'))).toBe(`EA0C${toHex(new TextEncoder().encode('320200000001'))}`);
    expect(itemByKey('personId').record).toBe(1);
  });

  it('cn items are padded with F, an items with 00', () => {
    expect(toHex(encodeItemRecord(itemByKey('ethnicity'), '01'))).toBe('0B0101');
    expect(toHex(encodeItemRecord(itemByKey('offlineCount'), '1'))).toBe('93021FFF');
    expect(toHex(encodeItemRecord(itemByKey('sex'), '1'))).toBe('0A0131');
    expect(toHex(encodeItemRecord(itemByKey('insuranceType'), '310'))).toBe('8108' + '333130' + '0000000000');
  });

  it('initializing body number of DOMAIN.md §1.2: 91 56 00 00 02 11 00 00 11 01 00 02', () => {
    const v = buildInitializingBody('110000', '110100', 2);
    expect(toHex(encodeItemRecord(itemByKey('initializingBody'), v))).toBe('040C915600000211000011010002');
  });

  it('card identifier parts of the second real value 320200D156000005AD932A48BDC3B9E9', () => {
    expect(parseCardIdentifier('320200D156000005AD932A48BDC3B9E9')).toEqual({ cityCode: '320200', rid: 'D156000005', serial: 'AD932A48', authCode: 'BDC3B9E9' });
  });

  it('decodes what it encodes, for every item of the table', () => {
    const samples: Record<string, string> = { an: '测试A1', cn: '1234', b: '' };
    for (const item of DATA_ITEMS) {
      const value = item.key === 'cardIdentifier' ? '519900D15600000510000B26FFFFFFFF' : item.type === 'an' ? samples.an!.slice(0, Math.min(4, item.length / 2 | 0) || 1) : samples.cn!.slice(0, 2 * item.length);
      if (item.type === 'an' && encodeGbk(value).length > item.length) continue;
      const rec = encodeItemRecord(item, value);
      const d = decodeItemRecord(item.file, rec);
      expect(d?.item.key).toBe(item.key);
      expect(d?.value).toBe(value);
    }
  });

  it('rejects values that do not fit, naming the item', () => {
    expect(() => encodeItemRecord(itemByKey('cardNumber'), 'HA10469240')).toThrow(/cardNumber/);
    expect(() => encodeItemRecord(itemByKey('birthDate'), '1985070')).not.toThrow(); // 7 digits fit, padded F
    expect(() => encodeItemRecord(itemByKey('birthDate'), '198507041')).toThrow(/birthDate/);
  });

  it('every file has its items in record order, one per record', () => {
    expect(itemsOf('EF05').map((i) => i.tag)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(itemsOf('EF06').map((i) => i.tag)).toEqual([8, 9, 10, 11, 12, 13, 0x4e]);
    expect(encodeFileRecords('EF0D', { personId: 'A', firstApplicationRegion: '310000' })).toEqual(['EA0C410000000000000000000000', 'EB03310000']);
  });
});
