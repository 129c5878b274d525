// Regression (found by the SSSE reader kernel's mutated-response property): a certificate whose subject
// holds a UTF8String that is not UTF-8 must be a RangeError of parseCertificate (malformed DER), not
// node-forge's URIError.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/env.js';
import { createRootCa } from '../../src/crypto/cert/ca.js';
import { parseCertificate } from '../../src/crypto/cert/x509.js';

describe('names are decoded strictly', () => {
  it('a UTF8String with invalid UTF-8 is a RangeError', () => {
    const root = createRootCa({ subject: 'CN=证书, O=sscard, C=CN', random: seededRandom(3), notBefore: new Date(Date.UTC(2024, 0, 1)), notAfter: new Date(Date.UTC(2034, 0, 1)) });
    const der = Uint8Array.from(root.der);
    // 证 is E8 AF 81 in UTF-8: make its first byte a continuation byte
    const at = Buffer.from(der).indexOf(Buffer.from('e8af81', 'hex'));
    expect(at).toBeGreaterThan(0);
    der[at] = 0x80;
    expect(() => parseCertificate(der)).toThrow(RangeError);
    expect(() => parseCertificate(der)).toThrow(/not valid UTF-8/);
  });
});
