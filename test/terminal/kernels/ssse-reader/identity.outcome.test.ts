// Online identity authentication with the PKI application (DOMAIN.md §1.5) over the in-process card.
// The terminal's trust comes from files as a user configures them: the profile's TEST root and issuing CA
// (PEM), a revocation list, and CRLs made by the OpenSSL CLI (`openssl ca -gencrl`, SM2/SM3). The
// card's signature of an authenticated run is also checked with `openssl pkeyutl -verify`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../../src/apdu/bytes.js';
import { fixedClock, seededRandom } from '../../../../src/env.js';
import { createRootCa } from '../../../../src/crypto/cert/ca.js';
import { parseCertificate } from '../../../../src/crypto/cert/x509.js';
import { sm2PrivateKeyToPem, sm2PublicKeyToPem, sm2SignatureToDer } from '../../../../src/crypto/sm2/index.js';
import { testCaChain } from '../../../../src/card/personalize/pki.js';
import type { CardImage, EfImage } from '../../../../src/card/runtime/types.js';
import { encodeItemRecord, itemByKey } from '../../../../src/spec/ssse/data-items.js';
import { withLayers, type CardReader } from '../../../../src/terminal/reader.js';
import { buildTrustStore, SsseReader, type TrustStore } from '../../../../src/terminal/kernels/ssse-reader/index.js';
import { DISTID, OpensslDir } from '../../../crypto/sm2-oracles.js';
import { clock, connectCard, holders, psamOf, kernelRandom, NOW, profileNamed } from './helpers.js';

const shanghai = profileNamed('shanghai');
const ca = testCaChain(shanghai);
const holder = holders.shanghai();

const trust = (extra: { revocation?: Array<{ bytes: Uint8Array; source: string }>; roots?: string; intermediates?: string | null } = {}): TrustStore =>
  buildTrustStore({
    roots: { text: extra.roots ?? ca.root.pem, source: 'root.pem' },
    ...(extra.intermediates === null ? {} : { intermediates: { text: extra.intermediates ?? ca.issuing.pem, source: 'ca.pem' } }),
    ...(extra.revocation ? { revocation: extra.revocation } : {}),
  });

async function identity(t: TrustStore, options: { at?: Date; pin?: string; layer?: (r: CardReader) => CardReader; change?: (image: CardImage) => void } = {}): Promise<Awaited<ReturnType<SsseReader['authenticateIdentity']>>> {
  const { reader } = await connectCard(shanghai, holder, { ...(options.change ? { change: options.change } : {}) });
  const r = options.layer ? options.layer(reader) : reader;
  const k = new SsseReader(r, { random: kernelRandom(), clock: options.at ? fixedClock(options.at) : clock, psam: await psamOf(shanghai) });
  return k.authenticateIdentity(t, options.pin ?? '123456');
}

/** The card's signing certificate as personalised (to know its serial). */
async function cardCertificate() {
  const { image } = await connectCard(shanghai, holder);
  const find = (df: any): EfImage | undefined => {
    for (const c of df.children ?? []) {
      if (c.kind === 'ef' && c.fid === 0x0018) return c;
      const hit = c.kind === 'df' ? find(c) : undefined;
      if (hit) return hit;
    }
    return undefined;
  };
  return parseCertificate(fromHex(find(image.mf)!.data!));
}

describe('online identity authentication (PKI)', () => {
  let o: OpensslDir;
  beforeAll(() => {
    o = new OpensslDir();
  });
  afterAll(() => o.dispose());

  it('authenticated: card → issuing CA → the configured root; OpenSSL verifies the card\'s signature', async () => {
    const r = await identity(trust());
    expect(r.outcome).toBe('authenticated');
    if (r.outcome !== 'authenticated') return;
    expect(r.chain).toEqual([
      `CN=${holder.name}, serialNumber=${holder.idNumber}, O=${shanghai.issuer.name}, C=CN`,
      'CN=sscard TEST Shanghai SSC Issuing CA, O=sscard test, C=CN',
      'CN=sscard TEST Root CA, O=sscard test, C=CN',
    ]);
    const cert = await cardCertificate();
    expect(r.certificate.serial).toBe(cert.serialHex);
    o.write('pub.pem', sm2PublicKeyToPem(cert.publicKey));
    o.write('challenge.bin', fromHex(r.challenge));
    o.write('sig.der', sm2SignatureToDer(fromHex(r.signature)));
    const out = o.run('pkeyutl', '-verify', '-pubin', '-inkey', 'pub.pem', '-rawin', '-digest', 'sm3', '-pkeyopt', DISTID, '-in', 'challenge.bin', '-sigfile', 'sig.der');
    expect(out).toMatch(/Signature Verified Successfully/);
  });

  it('untrusted: the terminal trusts another root (the card\'s issuer chains to a root it does not know)', async () => {
    const other = createRootCa({ subject: 'CN=Another Root, C=CN', random: seededRandom(9), notBefore: new Date(Date.UTC(2020, 0, 1)), notAfter: new Date(Date.UTC(2040, 0, 1)) });
    const r = await identity(trust({ roots: other.pem }));
    expect(r).toMatchObject({ outcome: 'untrusted', reason: 'untrusted' });
  });

  it('untrusted: the issuing CA is not configured, so no path reaches the root', async () => {
    expect(await identity(trust({ intermediates: null }))).toMatchObject({ outcome: 'untrusted', reason: 'untrusted' });
  });

  it('untrusted: a "root" given as intermediate is never trusted — only the configured roots are', async () => {
    const other = createRootCa({ subject: 'CN=Another Root, C=CN', random: seededRandom(9), notBefore: new Date(Date.UTC(2020, 0, 1)), notAfter: new Date(Date.UTC(2040, 0, 1)) });
    expect(await identity(trust({ roots: other.pem, intermediates: `${ca.issuing.pem}${ca.root.pem}` }))).toMatchObject({ outcome: 'untrusted', reason: 'untrusted' });
  });

  it('expired after the card certificate\'s notAfter (issue date + 10 years); not yet valid before its notBefore', async () => {
    expect(await identity(trust(), { at: new Date(Date.UTC(2036, 5, 1)) })).toMatchObject({ outcome: 'untrusted', reason: 'expired' });
    expect(await identity(trust(), { at: new Date(Date.UTC(2025, 5, 1)) })).toMatchObject({ outcome: 'untrusted', reason: 'not-yet-valid' });
  });

  it('revoked: the card certificate\'s serial in a revocation-list file', async () => {
    const cert = await cardCertificate();
    const list = new TextEncoder().encode(`# revoked\n00${cert.serialHex.toLowerCase()}   card reported lost\n`);
    const r = await identity(trust({ revocation: [{ bytes: list, source: 'revoked.txt' }] }));
    expect(r).toMatchObject({ outcome: 'untrusted', reason: 'revoked' });
    expect((r as { detail: string }).detail).toMatch(/card reported lost/);
  });

  it('revoked: the serial in a CRL that OpenSSL made and the issuing CA signed; another serial passes', async () => {
    const cert = await cardCertificate();
    o.write('ca.pem', ca.issuing.pem);
    o.write('ca.key', sm2PrivateKeyToPem(ca.issuing.keyPair.privateKey));
    o.write('ca.cnf', '[ ca ]\ndefault_ca = d\n[ d ]\ndatabase = index.txt\ncrlnumber = crlnumber\ndefault_md = sm3\ndefault_crl_days = 3650\n');
    o.write('crlnumber', '1000\n');
    const crl = (serial: string, name: string) => {
      o.write('index.txt', `R\t360101000000Z\t260301000000Z\t${serial}\tunknown\t/CN=revoked\n`);
      o.run('ca', '-config', 'ca.cnf', '-gencrl', '-keyfile', 'ca.key', '-cert', 'ca.pem', '-sigopt', DISTID, '-out', name);
      return { bytes: new TextEncoder().encode(o.readText(name)), source: name };
    };
    expect(await identity(trust({ revocation: [crl(cert.serialHex, 'revoked.crl')] }))).toMatchObject({ outcome: 'untrusted', reason: 'revoked' });
    expect((await identity(trust({ revocation: [crl('0ABCDE', 'other.crl')] }))).outcome).toBe('authenticated');
  });

  it('revocation-unknown: a CRL in the issuer\'s name that its key did not sign', async () => {
    const forger = createRootCa({ subject: 'CN=sscard TEST Shanghai SSC Issuing CA, O=sscard test, C=CN', random: seededRandom(11), notBefore: new Date(Date.UTC(2020, 0, 1)), notAfter: new Date(Date.UTC(2040, 0, 1)) });
    o.write('forger.pem', forger.pem);
    o.write('forger.key', sm2PrivateKeyToPem(forger.keyPair!.privateKey));
    o.write('f.cnf', '[ ca ]\ndefault_ca = d\n[ d ]\ndatabase = findex.txt\ncrlnumber = fcrlnumber\ndefault_md = sm3\ndefault_crl_days = 3650\n');
    o.write('fcrlnumber', '1000\n');
    o.write('findex.txt', '');
    o.run('ca', '-config', 'f.cnf', '-gencrl', '-keyfile', 'forger.key', '-cert', 'forger.pem', '-sigopt', DISTID, '-out', 'forged.crl');
    const r = await identity(trust({ revocation: [{ bytes: new TextEncoder().encode(o.readText('forged.crl')), source: 'forged.crl' }] }));
    expect(r).toMatchObject({ outcome: 'untrusted', reason: 'revocation-unknown' });
  });

  it('bad-signature: a signature that does not verify with the certificate\'s key', async () => {
    const flip = (reader: CardReader) =>
      withLayers(reader, (inner) => ({
        async transmit(command) {
          const response = await inner.transmit(command);
          if (command[1] === 0x2a && response.length === 66) response[10] = response[10]! ^ 0x01;
          return response;
        },
      }));
    expect(await identity(trust(), { layer: flip })).toMatchObject({ outcome: 'untrusted', reason: 'bad-signature' });
  });

  it('identity-mismatch: the certificate names another 社会保障号码 than EF06', async () => {
    const r = await identity(trust(), {
      change: (image) => {
        const ef06 = image.mf.children.find((c): c is EfImage => c.kind === 'ef' && c.fid === 0xef06)!;
        ef06.records![0] = toHex(encodeItemRecord(itemByKey('idNumber'), '310104199001011237'));
      },
    });
    expect(r).toMatchObject({ outcome: 'untrusted', reason: 'identity-mismatch' });
  });

  it('a wrong PKI PIN: wrong-pin with the tries left; nothing is signed', async () => {
    expect(await identity(trust(), { pin: '000000' })).toEqual({ outcome: 'wrong-pin', triesLeft: 2 });
  });

  it('no PKI application: second generation, and contactless', async () => {
    const gen2 = profileNamed('gen2-3des');
    const { reader } = await connectCard(gen2, holders.gen2());
    const k = new SsseReader(reader, { random: kernelRandom(), clock, psam: await psamOf(gen2) });
    expect((await k.authenticateIdentity(trust(), '123456')).outcome).toBe('unavailable');
    const rf = await connectCard(shanghai, holder, { iface: 'contactless' });
    const k2 = new SsseReader(rf.reader, { random: kernelRandom(), clock });
    expect((await k2.authenticateIdentity(trust(), '123456')).outcome).toBe('unavailable');
  });

  it('NOW is within every test certificate (sanity of the fixture clock)', () => {
    expect(NOW.getTime()).toBeGreaterThan(Date.UTC(2026, 0, 5));
  });
});
