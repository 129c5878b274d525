// `sscard card new|show|cert` in-process (src/cli/main.ts), with the certificate output checked by OpenSSL.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/run-cli.js';

const holders = new URL('../../../fixtures/holders/', import.meta.url).pathname;


describe('sscard card', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sscard-cli-'));
  const card = join(dir, 'card.json');

  it('new: personalises a card image from a bundled profile and a holder file', async () => {
    const r = await runCli('card', 'new', '--profile', 'sichuan', '--holder', join(holders, 'sichuan-chen.json'), '--out', card, '--seed', '7');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/sichuan card A00815261 for 陈建国 \(510107196508120036\), identifier 510100D1560000053C5D7E91/);
    const image = JSON.parse(readFileSync(card, 'utf8'));
    expect([image.format, image.version, image.profile, image.protocol]).toEqual(['sscard-card-image', 1, 'sichuan', 'T=0']);
  });

  it('new: refuses to overwrite without --force, and overwrites with it', async () => {
    const before = readFileSync(card, 'utf8');
    const r = await runCli('card', 'new', '--profile', 'sichuan', '--out', card);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/exists; use --force/);
    expect(readFileSync(card, 'utf8')).toBe(before);
    const f = await runCli('card', 'new', '--profile', 'sichuan', '--holder', join(holders, 'sichuan-chen.json'), '--out', card, '--seed', '7', '--force');
    expect(f.code).toBe(0);
  });

  it('new: clear errors for an unknown profile, a bad seed, an invalid holder', async () => {
    expect((await runCli('card', 'new', '--profile', 'atlantis', '--out', join(dir, 'x.json'))).err).toMatch(/unknown profile "atlantis" \(bundled profiles: .*shanghai/);
    expect((await runCli('card', 'new', '--profile', 'shanghai', '--out', join(dir, 'x.json'), '--seed', 'abc'))).toMatchObject({ code: 2 });
    const bad = join(dir, 'bad-holder.json');
    writeFileSync(bad, JSON.stringify({ ...JSON.parse(readFileSync(join(holders, 'shanghai-li.json'), 'utf8')), cardNumber: 'SH0012340' }));
    const r = await runCli('card', 'new', '--profile', 'shanghai', '--holder', bad, '--out', join(dir, 'x.json'));
    expect(r.err).toMatch(/holder\.cardNumber/);
    expect(existsSync(join(dir, 'x.json'))).toBe(false);
  });

  it('show: cardholder data, applications, PIN counters; --json is machine-readable and shows no key', async () => {
    const r = await runCli('card', 'show', card);
    expect(r.code).toBe(0);
    expect(r.out).toContain('陈建国');
    expect(r.out).toContain('A00815261');
    expect(r.out).toMatch(/PIN_SSSE\s+P2=00\s+3\/3 tries left/);
    expect(r.out).toContain('balance 500.00 元');
    const j = JSON.parse((await runCli('card', 'show', card, '--json')).out);
    expect(j.items.find((i: { key: string }) => i.key === 'idNumber').value).toBe('510107196508120036');
    const image = JSON.parse(readFileSync(card, 'utf8'));
    const text = JSON.stringify(j);
    expect(text).not.toContain(image.mf.keys[0].value);
    expect(text).not.toContain(image.apps.pki.privateKey);
  });

  it('show: a corrupt or unknown-version image is a clear error', async () => {
    const bad = join(dir, 'corrupt.json');
    writeFileSync(bad, '{"format":"sscard-card-image","vers');
    expect((await runCli('card', 'show', bad)).err).toMatch(/not valid JSON/);
    writeFileSync(bad, '{"format":"sscard-card-image","version":2}');
    expect((await runCli('card', 'show', bad)).err).toMatch(/version 2 is not supported/);
  });

  it('cert: card certificate first, then issuing CA and root; each link passes openssl verify -vfyopt distid', async () => {
    const r = await runCli('card', 'cert', card);
    expect(r.code).toBe(0);
    const pems = r.out.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g)!;
    expect(pems.length).toBe(3);
    pems.forEach((p, i) => writeFileSync(join(dir, `cert-0${i}.pem`), p));
    const subject = execFileSync('openssl', ['x509', '-noout', '-subject', '-nameopt', 'utf8', '-in', 'cert-00.pem'], { cwd: dir }).toString();
    expect(subject).toContain('陈建国');
    const v = (...a: string[]) => execFileSync('openssl', ['verify', '-vfyopt', 'distid:1234567812345678', ...a], { cwd: dir }).toString().trim();
    expect(v('-CAfile', 'cert-02.pem', 'cert-01.pem')).toBe('cert-01.pem: OK');
    expect(v('-partial_chain', '-CAfile', 'cert-01.pem', 'cert-00.pem')).toBe('cert-00.pem: OK');
  });

  it('cert: a second-generation card has no certificate', async () => {
    const g2 = join(dir, 'g2.json');
    expect((await runCli('card', 'new', '--profile', 'gen2-3des', '--out', g2, '--seed', '1')).code).toBe(0);
    const r = await runCli('card', 'cert', g2);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no PKI application/);
  });
});
