// The exchange decoder against the commands and the real traces of DOMAIN.md (§1.3 command table, §1.4
// real trace, §1.1 real FCI, §2 PBOC commands) and the PSAM command table of docs/psam.md; and a
// property: any bytes decode without an exception, and every field's bytes are the bytes at its offset.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../../src/apdu/bytes.js';
import { commandName, KNOWN_COMMANDS } from '../../../src/qa/decode/command-names.js';
import { ExchangeDecoder, type DecodedExchange } from '../../../src/qa/decode/exchange.js';
import type { Field } from '../../../src/qa/decode/fields.js';

function decodeAll(pairs: Array<[string, string]>): DecodedExchange[] {
  const d = new ExchangeDecoder();
  return pairs.map(([c, r]) => d.decode(fromHex(c), fromHex(r)));
}
const flat = (fs: readonly Field[]): Field[] => fs.flatMap((f) => [f, ...flat(f.children ?? [])]);

describe('command names', () => {
  it('names every command of DOMAIN.md §1.3, §2 and the PSAM table', () => {
    const cases: Array<[string, string]> = [
      ['00A40400', 'SELECT'],
      ['00B20104', 'READ RECORD'],
      ['00DC0528', 'UPDATE RECORD'],
      ['04DC0528', 'UPDATE RECORD'],
      ['00B09600', 'READ BINARY'],
      ['04D68100', 'UPDATE BINARY'],
      ['00200000', 'VERIFY'],
      ['805E0100', 'CHANGE PIN'],
      ['805E0000', 'RELOAD PIN'],
      ['84240001', 'PIN CHANGE/UNBLOCK'],
      ['00840000', 'GET CHALLENGE'],
      ['00880000', 'INTERNAL AUTHENTICATE'],
      ['00820004', 'EXTERNAL AUTHENTICATE'],
      ['841E0001', 'APPLICATION BLOCK'],
      ['84180000', 'APPLICATION UNBLOCK'],
      ['84160000', 'CARD BLOCK'],
      ['B0280101', 'INITIALIZE MEDICAL DEBIT'],
      ['B02C0100', 'MEDICAL DEBIT'],
      ['B0260000', 'GET BALANCE'],
      ['B02E0000', 'GET TRANSACTION PROOF'],
      ['80A80000', 'GET PROCESSING OPTIONS'],
      ['80AE8000', 'GENERATE AC'],
      ['80CA9F36', 'GET DATA'],
      ['04DA9F79', 'PUT DATA'],
      ['00C00000', 'GET RESPONSE'],
      ['BFDE4812', 'DELIVER KEY'],
      ['BFDE4912', 'DELIVER SESSION KEY'],
      ['80FA0000', 'CIPHER DATA'],
      ['80FA0500', 'MAC'],
      ['80700000', 'MAC1'],
      ['80720000', 'VERIFY MAC2'],
      ['80720100', 'VERIFY TAC'],
      ['002A9E9A', 'PSO: COMPUTE DIGITAL SIGNATURE'],
      ['80C98280', 'GET PUBLIC KEY'],
    ];
    for (const [header, name] of cases) {
      const [cla, ins, p1] = fromHex(header);
      expect(commandName(cla!, ins!, p1!)?.name, header).toBe(name);
    }
    expect(commandName(0x01, 0xb2, 0x01)?.name).toBe('READ RECORD'); // logical channel 1
    expect(commandName(0x80, 0x12, 0x00)).toBeUndefined();
    for (const c of KNOWN_COMMANDS) expect(c.zh.length, c.name).toBeGreaterThan(0);
  });
});

describe('real traces (DOMAIN.md)', () => {
  it('the third-generation FCI: DF name, SFI of the DIR, the algorithm indicator (03 = SM4)', () => {
    const [ex] = decodeAll([['00A404000F7378312E73682EC9E7BBE1B1A3D5CF', '6F1C840F7378312E73682EC9E7BBE1B1A3D5CFA50988011E9F0C038601039000']]);
    expect(ex!.command.summary).toBe('by DF name 7378312E73682EC9E7BBE1B1A3D5CF "sx1.sh.社会保障 (social security application)"');
    const f = flat(ex!.response!.fields);
    expect(f.map((x) => x.key)).toEqual(['6F', '84', 'A5', '88', '9F0C', '86']);
    expect(f.find((x) => x.key === '88')!.text).toBe('SFI 1E');
    expect(f.find((x) => x.key === '86')).toMatchObject({ label: 'algorithm indicator', zh: '算法标识', text: 'SM4' });
    expect(ex!.response).toMatchObject({ swHex: '9000', en: 'success', zh: '成功' });
  });

  it('EF05 by tag: 卡的识别码 and 卡号 of a real card', () => {
    const [, , id, number] = decodeAll([
      ['00A404000F7378312E73682EC9E7BBE1B1A3D5CF', '9000'],
      ['00A4020002EF05', '9000'],
      ['00B2010012', '0110519900D15600000510000B26FFFFFFFF9000'],
      ['00B207000B', '07094841313034363932349000'],
    ]);
    expect(id!.command.summary).toBe('first record with tag 01 of the current EF (EF05 发卡机构数据 issuer data)');
    expect(id!.response!.fields).toEqual([
      expect.objectContaining({ key: 'cardIdentifier', zh: '卡的识别码', value: '519900D15600000510000B26FFFFFFFF' }),
    ]);
    expect(number!.response!.fields[0]).toMatchObject({ key: 'cardNumber', zh: '卡号', text: '"HA1046924"' });
  });

  it('DF04 items after SELECT DF04; the status word of a refused read', () => {
    const [, , refused, item] = decodeAll([
      ['00A404000F7378312E73682EC9E7BBE1B1A3D5CF', '9000'],
      ['00A4000002DF04', '6F088406D156000005039000'],
      ['00B2012C00', '6982'],
      ['00B2812800', '810833313000000000009000'],
    ]);
    expect(refused!.response).toMatchObject({ swHex: '6982', en: 'security status not satisfied', zh: '安全状态不满足', fields: [] });
    expect(item!.command.summary).toBe('first record with tag 81 of SFI 05 (DF04 EF05 医疗保险信息 medical insurance)');
    expect(item!.response!.fields[0]).toMatchObject({ key: 'insuranceType', zh: '险种类型及标识', text: '"310"' });
  });

  it('a qPBOC GPO: the PDOL splits the command; the answer is a tag tree with ATC, CID, cryptogram', () => {
    const [, gpo] = decodeAll([
      ['00A4040008A000000333010101', '6F128408A000000333010101A5069F38039F37049000'], // PDOL = 9F37(4)
      ['80A800000683041234567800', '771882027C009F3602000' + '19F2701809F260811223344556677889000'],
    ]);
    expect(gpo!.command.label).toBe('GET PROCESSING OPTIONS');
    const cmd = flat(gpo!.command.fields);
    expect(cmd.map((f) => f.key)).toEqual(['83', '9F37']);
    expect(cmd[1]).toMatchObject({ label: 'Unpredictable Number', zh: '不可预知数', hex: '12345678', offset: 2 });
    const r = flat(gpo!.response!.fields);
    expect(r.find((f) => f.key === '9F36')).toMatchObject({ zh: '应用交易计数器', text: '1' });
    expect(r.find((f) => f.key === '9F27')).toMatchObject({ text: 'ARQC' });
    expect(r.find((f) => f.key === '9F26')).toMatchObject({ value: '1122334455667788' });
  });

  it('the medical debit and the PSAM: fixed layouts (DOMAIN.md §1.4, docs/psam.md)', () => {
    const d = new ExchangeDecoder();
    const init = d.decode(fromHex('B02801011301000000640000000A0000001E31000000012316'), fromHex('00002710000000000000000020260001010301020304' + '9000'));
    expect(init.command.fields.map((f) => [f.key, f.text ?? f.hex])).toEqual([
      ['keyIndex', '01'],
      ['account', '1.00'],
      ['selfPay', '0.10'],
      ['fund', '0.30'],
      ['terminalId', '310000000123'],
    ]);
    expect(init.response!.fields.find((f) => f.key === 'balance')!.text).toBe('100.00');
    expect(init.response!.fields.find((f) => f.key === 'random')!.hex).toBe('01020304');
    const deliver = d.decode(fromHex('BFDE4812200081535343863031313130303030737811223344556677880000000000000000'), fromHex('9000'));
    expect(deliver.command.summary).toBe('master key UK of DF02');
    expect(deliver.command.fields.map((f) => f.key)).toEqual(['cardDiv', 'cityDiv', 'block']);
  });
});

describe('decoder properties', () => {
  const headers = ['00A40400', '00A40000', '00B20104', '00B2012C', '80A80000', '80AE8000', '80CA9F36', '00880000', '00820004', 'B0280101', 'BFDE4812', '80700000', '00C00000', '12345678'];
  const exchange = fc.record({
    header: fc.constantFrom(...headers),
    data: fc.uint8Array({ maxLength: 40 }),
    response: fc.uint8Array({ maxLength: 60 }),
  });
  it('any sequence of exchanges decodes without an exception; every field is the bytes at its offset', () => {
    fc.assert(
      fc.property(fc.array(exchange, { maxLength: 12 }), (list) => {
        const d = new ExchangeDecoder();
        for (const { header, data, response } of list) {
          const body = data.length ? `${data.length.toString(16).padStart(2, '0')}${Buffer.from(data).toString('hex')}` : '';
          const ex = d.decode(fromHex(header + body), response);
          for (const f of flat(ex.command.fields)) expect(ex.command.dataHex.slice(2 * f.offset, 2 * (f.offset + f.length))).toBe(f.hex);
          if (ex.response && ex.response.sw >= 0) {
            for (const f of flat(ex.response.fields)) expect(ex.response.dataHex.slice(2 * f.offset, 2 * (f.offset + f.length))).toBe(f.hex);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
