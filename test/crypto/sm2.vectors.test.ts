/**
 * SM2 known answers from the standard (DOMAIN.md §6): GM/T 0003.2 Annex A on the Fp-256 test curve
 * (Z_A, e, r, s with the fixed k), and the recommended-curve example (P from d; r, s with the fixed k).
 */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/apdu/bytes.js';
import {
  SM2_DEFAULT_ID,
  createSm2Curve,
  sm2MessageDigest,
  sm2PublicKeyFromPrivate,
  sm2Sign,
  sm2Verify,
  sm2Za,
} from '../../src/crypto/sm2/index.js';

const ascii = (s: string) => new TextEncoder().encode(s);
const MESSAGE = ascii('message digest');

describe('GM/T 0003.2 Annex A, Fp-256 test curve', () => {
  const curve = createSm2Curve({
    p: 0x8542d69e4c044f18e8b92435bf6ff7de457283915c45517d722edb8b08f1dfc3n,
    a: 0x787968b4fa32c3fd2417842e73bbfeff2f3c848b6831d7e0ec65228b3937e498n,
    b: 0x63e4c6d3b23b0c849cf84241484bfe48f61d59a5b16ba06e6e12d1da27c5249an,
    Gx: 0x421debd61b62eab6746434ebc3cc315e32220b3badd50bdc4c4e6c147fedd43dn,
    Gy: 0x0680512bcbb42c07d47349d2153b70c4e5d7fdfcbfa36ea1a85841b9e46e09a2n,
    n: 0x8542d69e4c044f18e8b92435bf6ff7dd297720630485628d5ae74ee7c32e79b7n,
  });
  const d = fromHex('128B2FA8BD433C6C068C8D803DFF79792A519A55171B1B650C23661D15897263');
  const id = ascii('ALICE123@YAHOO.COM');
  const k = 0x6cb28d99385c175c94f94e934817663fc176d925dd72b727260dbaae1fb2f96fn;
  const P = sm2PublicKeyFromPrivate(d, curve);

  it('reproduces Z_A', () => {
    expect(toHex(sm2Za(P, id, curve))).toBe('F4A38489E32B45B6F876E3AC2168CA392362DC8F23459C1D1146FC3DBFB7BC9A');
  });

  it('reproduces e = SM3(Z_A ‖ M)', () => {
    expect(toHex(sm2MessageDigest(P, MESSAGE, id, curve))).toBe('B524F552CD82B8B028476E005C377FB19A87E6FC682D48BB5D42E3D9B9EFFE76');
  });

  it('reproduces r and s with the fixed k, and the signature verifies', () => {
    const sig = sm2Sign(d, MESSAGE, { id, k, curve });
    expect(toHex(sig.subarray(0, 32))).toBe('40F1EC59F793D9F49E09DCEF49130D4194F79FB1EED2CAA55BACDB49C4E755D1');
    expect(toHex(sig.subarray(32))).toBe('6FC6DAC32C5D5CF10C77DFB20F7C2EB667A457872FB09EC56327A67EC7DEEBE7');
    expect(sm2Verify(P, MESSAGE, sig, { id, curve })).toBe(true);
    expect(sm2Verify(P, ascii('message digesT'), sig, { id, curve })).toBe(false);
    expect(sm2Verify(P, MESSAGE, sig, { id: ascii('ALICE123@YAHOO.CON'), curve })).toBe(false);
  });
});

describe('recommended curve, ID 1234567812345678', () => {
  const d = fromHex('3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8');
  const k = 0x59276e27d506861a16680f3ad9c02dccef3cc1fa3cdbe4ce6d54b80deac1bc21n;

  it('the default ID is ASCII 1234567812345678', () => {
    expect(toHex(SM2_DEFAULT_ID)).toBe('31323334353637383132333435363738');
  });

  it('reproduces P = d·G', () => {
    expect(toHex(sm2PublicKeyFromPrivate(d))).toBe(
      '04' +
        '09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020' +
        'CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13',
    );
  });

  it('reproduces r and s with the fixed k (default ID), and the signature verifies', () => {
    const sig = sm2Sign(d, MESSAGE, { k });
    expect(toHex(sig)).toBe(
      'F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3' +
        'B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA',
    );
    expect(sm2Verify(sm2PublicKeyFromPrivate(d), MESSAGE, sig)).toBe(true);
  });
});
