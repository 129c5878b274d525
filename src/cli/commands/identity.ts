/**
 * `sscard identity`: online identity authentication with the card's PKI application (DOMAIN.md §1.5;
 * LD/T 6001.5 PKI_SignData / PKI_VerifySign): the card's certificate checked against the roots this
 * terminal trusts (never one the card presents), validity and revocation; the PKI PIN; the card's SM2
 * signature of the terminal's challenge.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { buildTrustStore, isoDate, TrustConfigError, type TrustStore } from '../../terminal/kernels/ssse-reader/index.js';
import { FailureError, UsageError } from '../errors.js';
import { addSsseOptions, pinOption, refuse, SSSE_HELP, table, withSsseReader, type SsseOptionValues } from '../ssse-cli.js';
import { writeJson, writeOut } from '../output.js';

interface IdentityOptions extends SsseOptionValues {
  pin?: string;
  trustRoot?: string;
  caCerts?: string;
  revoked?: string[];
}

function read(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new FailureError(`${what} ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
}

function trustFrom(opts: IdentityOptions): TrustStore {
  if (!opts.trustRoot) throw new UsageError('--trust-root <root.pem> is required: the root certificate(s) this terminal trusts');
  try {
    return buildTrustStore({
      roots: { text: read(opts.trustRoot, '--trust-root').toString('utf8'), source: opts.trustRoot },
      ...(opts.caCerts ? { intermediates: { text: read(opts.caCerts, '--ca-certs').toString('utf8'), source: opts.caCerts } } : {}),
      revocation: (opts.revoked ?? []).map((f) => ({ bytes: new Uint8Array(read(f, '--revoked')), source: f })),
    });
  } catch (err) {
    if (err instanceof TrustConfigError) throw new FailureError(err.message);
    throw err;
  }
}

export function register(program: Command): void {
  const cmd = program
    .command('identity')
    .description('online identity authentication: the card signs a challenge; its certificate must chain to a trusted root')
    .option('--pin <digits>', 'the PKI PIN (the profiles set it to the SSSE PIN)')
    .option('--trust-root <pem>', 'the root CA certificate(s) this terminal trusts (PEM)')
    .option('--ca-certs <pem>', 'CA certificates to build the path from the card to the root (PEM; not trusted by themselves)')
    .option('--revoked <file>', 'a CRL (PEM/DER, SM2-signed) or a revocation list (one serial per line); repeatable', (v: string, prev: string[] = []) => [...prev, v]);
  addSsseOptions(cmd);
  cmd.addHelpText(
    'after',
    `${SSSE_HELP}

Refusals (exit 1, reason in the message or the JSON): untrusted (no path to a trusted root), expired,
not-yet-valid, revoked, revocation-unknown (a CRL that does not verify or is out of date), bad-chain,
bad-certificate, bad-signature, identity-mismatch (the certificate names another 社会保障号码 than EF06).

Examples:
  sscard card cert card.json > chain.pem        # a card image's TEST chain: card, issuing CA, root
  csplit -s -z -f cert- chain.pem '/-----BEGIN CERTIFICATE-----/' '{*}'
  sscard identity --card card.json --pin 123456 --trust-root cert-02 --ca-certs cert-01
  sscard identity --card card.json --pin 123456 --trust-root cert-02 --ca-certs chain.pem --revoked crl.pem
  sscard identity --reader 0 --pin 123456 --trust-root root.pem --ca-certs ca.pem --json`,
  );
  cmd.action(async (opts: IdentityOptions) => {
    const pin = pinOption(opts.pin, '--pin');
    const trust = trustFrom(opts);
    await withSsseReader(cmd, opts, {}, async (kernel) => {
      const r = await kernel.authenticateIdentity(trust, pin);
      if (r.outcome !== 'authenticated') refuse(opts, r);
      const c = r.certificate;
      if (opts.json) {
        writeJson({ ...r, certificate: { ...c, notBefore: c.notBefore.toISOString(), notAfter: c.notAfter.toISOString() } });
        return;
      }
      writeOut(
        `${table([
          ['身份认证 identity', 'AUTHENTICATED (the card signed the challenge; its certificate chains to a trusted root)'],
          ['证书 certificate', c.subject],
          ['序列号 serial', c.serial],
          ['有效期 validity', `${isoDate(c.notBefore)} … ${isoDate(c.notAfter)}`],
          ['证书链 chain', r.chain.join('  ←  ')],
          ['挑战 challenge', r.challenge],
          ['签名 signature (r‖s)', r.signature],
        ])}\n`,
      );
    });
  });
}
