// The terminal's configuration files as docs/ssse-reader.md defines them: the blacklist, the trusted
// roots, the revocation list; strict parsing with the line named; and the iReadCardBas formatter.
import { describe, expect, it } from 'vitest';
import { testCaChain } from '../../../../src/card/personalize/pki.js';
import { Blacklist, BlacklistError, buildTrustStore, iReadCardBasLine, IREADCARDBAS_FIELDS, TrustConfigError } from '../../../../src/terminal/kernels/ssse-reader/index.js';
import { parseRevocationFile } from '../../../../src/terminal/kernels/ssse-reader/trust.js';
import { profileNamed } from './helpers.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('the blacklist file', () => {
  it('one identifier per line, any case, a reason after it; comments and blank lines ignored', () => {
    const b = Blacklist.parse('# lost cards\n\n  320200d156000005ad932a48bdc3b9e9   正式挂失 2026-03-01  \r\n519900D15600000510000B26FFFFFFFF\n');
    expect(b.size).toBe(2);
    expect(b.find('320200D156000005AD932A48BDC3B9E9')).toEqual({ cardIdentifier: '320200D156000005AD932A48BDC3B9E9', reason: '正式挂失 2026-03-01', line: 3 });
    expect(b.find('519900d15600000510000b26ffffffff')).toMatchObject({ reason: '', line: 4 });
    expect(b.find('310000D15600000500A1B2C3341C081B')).toBeUndefined();
  });

  it('a line that is not a card identifier is an error naming it (no half-read blacklist)', () => {
    expect(() => Blacklist.parse('320200D156000005AD932A48BDC3B9E9\nHA1046924\n', 'bl.txt')).toThrow(BlacklistError);
    expect(() => Blacklist.parse('x\n', 'bl.txt')).toThrow(/bl\.txt: line 1: "x" is not a card identifier/);
    // 32 hex digits, but not city code ‖ D156000005 ‖ …
    expect(() => Blacklist.parse('320200A000000333AD932A48BDC3B9E9\n')).toThrow(/not a card identifier \(city code/);
  });
});

describe('trusted roots and revocation lists', () => {
  const ca = testCaChain(profileNamed('shanghai'));

  it('roots must be self-issued; bundles may hold several certificates', () => {
    const store = buildTrustStore({ roots: { text: ca.root.pem, source: 'root.pem' }, intermediates: { text: ca.issuing.pem + ca.root.pem, source: 'ca.pem' } });
    expect(store.roots.map((r) => r.subject)).toEqual(['CN=sscard TEST Root CA, O=sscard test, C=CN']);
    expect(store.intermediates).toHaveLength(2);
    expect(() => buildTrustStore({ roots: { text: ca.issuing.pem, source: 'root.pem' } })).toThrow(/root\.pem: .* is not a root/);
    expect(() => buildTrustStore({ roots: { text: 'hello', source: 'root.pem' } })).toThrow(TrustConfigError);
  });

  it('a revocation list: serials in hex (openssl x509 -serial form too), leading zero bytes ignored', () => {
    const { serials, crls } = parseRevocationFile(enc('# revoked\nserial=00A1B2C3  key compromise\n0f\n'), 'r.txt');
    expect(crls).toEqual([]);
    expect([...serials]).toEqual([
      ['A1B2C3', 'key compromise'],
      ['0F', ''],
    ]);
    expect(() => parseRevocationFile(enc('serial: xyz\n'), 'r.txt')).toThrow(/r\.txt: line 1/);
  });
});

describe('iReadCardBas', () => {
  it('eleven fields in the order of DOMAIN.md §1.6, each followed by |; missing ones empty', () => {
    expect(IREADCARDBAS_FIELDS).toEqual(['区划', '社会保障号码', '卡号', '卡识别码', '姓名', 'ATR历史字节', '规范版本', '发卡日期', '有效期', '终端机编号', '终端设备号']);
    const line = iReadCardBasLine(
      {
        region: '320200',
        cardIdentifier: '320200D156000005AD932A48BDC3B9E9',
        cardNumber: '188347080',
        idNumber: '320223195302147992',
        name: '杭小平',
        atrHistoricalBytes: '0081544C9786843202AD932A48',
        specVersion: '3.00',
        issueDate: new Date(Date.UTC(2022, 10, 16)),
        expiryDate: new Date(Date.UTC(2032, 10, 16)),
        interface: 'contact',
        missing: [],
      },
      { terminalNumber: '320200000001' },
    );
    // the real line of DOMAIN.md §1.6 up to 有效期, then this terminal's number and no device number
    expect(line).toBe('320200|320223195302147992|188347080|320200D156000005AD932A48BDC3B9E9|杭小平|0081544C9786843202AD932A48|3.00|20221116|20321116|320200000001||');
  });
});
