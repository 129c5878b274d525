/**
 * `sscard apdu --card` as a user runs it: the binary, a personalised card file, hex in, decoded status
 * words out; exit codes (0 even for an error status word, 2 for usage, 1 for a card that cannot be
 * opened). No pcscd needed. Expected values: DOMAIN.md §1.1-1.3 and the holder fixture.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, sscard } from './helpers.js';

const SELECT_SSSE = '00A404000F7378312E73682EC9E7BBE1B1A3D5CF';
const holder = JSON.parse(readFileSync(join(REPO, 'fixtures/holders/shanghai-li.json'), 'utf8')) as { idNumber: string };

describe('sscard apdu --card', () => {
  let dir: string;
  let card: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sscard-apdu-'));
    card = join(dir, 'card.json');
    const made = await sscard(['card', 'new', '--profile', 'shanghai', '--holder', 'fixtures/holders/shanghai-li.json', '--out', card]);
    expect(made.code, made.stderr).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints "> command" and "< response  SW meaning" for each APDU', async () => {
    const r = await sscard(['apdu', '--card', card, SELECT_SSSE, '00A4020002EF06', '00B2080014']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toBe(`> ${SELECT_SSSE}`);
    expect(lines[1]).toMatch(/^< 6F\S*840F7378312E73682EC9E7BBE1B1A3D5CF\S*9000  9000 \S/);
    expect(lines[5]).toMatch(new RegExp(`^< 0812${Buffer.from(holder.idNumber).toString('hex').toUpperCase()}9000  9000 `));
  });

  it('--json gives the exchanges; an error status word still exits 0', async () => {
    const r = await sscard(['apdu', '--card', card, '--json', '00A4020002ABCD']);
    expect(r.code, r.stderr).toBe(0);
    const [ex] = JSON.parse(r.stdout) as Array<{ command: string; response: string; data: string; sw: string; meaning: string }>;
    expect(ex).toMatchObject({ command: '00A4020002ABCD', response: '6A82', data: '', sw: '6A82' });
    expect(ex!.meaning).toMatch(/^6A82 \S/);
  });

  it('--trace writes one JSON line per exchange', async () => {
    const trace = join(dir, 'trace.jsonl');
    const r = await sscard(['apdu', '--card', card, '--trace', trace, SELECT_SSSE, '00A4020002ABCD']);
    expect(r.code, r.stderr).toBe(0);
    const lines = readFileSync(trace, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { command: string; sw: string });
    expect(lines.map((l) => [l.command, l.sw])).toEqual([
      [SELECT_SSSE, '9000'],
      ['00A4020002ABCD', '6A82'],
    ]);
  });

  it('the contactless interface answers through the pseudo-ATR path too', async () => {
    const r = await sscard(['apdu', '--card', card, '--interface', 'contactless', SELECT_SSSE]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/9000  9000 /);
  });

  it('rejects invalid hex and malformed APDUs with a clear message and exit code 2', async () => {
    const bad = await sscard(['apdu', '--card', card, '00A4XX']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/APDU 1 \("00A4XX"\).*not a hex digit/);
    const odd = await sscard(['apdu', '--card', card, '00A40']);
    expect(odd.code).toBe(2);
    expect(odd.stderr).toMatch(/odd number of hex digits/);
    const short = await sscard(['apdu', '--card', card, '00A4']);
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/header needs 4/);
    expect(bad.stderr + odd.stderr + short.stderr).not.toMatch(/\n\s+at /);
  });

  it('needs exactly one of --card and --reader', async () => {
    const none = await sscard(['apdu', '0084000008']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--card <file> or --reader/);
    const both = await sscard(['apdu', '--card', card, '--reader', '0', '0084000008']);
    expect(both.code).not.toBe(0);
    expect(both.stderr).toMatch(/cannot be used with|cannot be used together/);
  });

  it('a missing or corrupt card file is a clear error, and the corrupt file is left alone', async () => {
    const missing = await sscard(['apdu', '--card', join(dir, 'nope.json'), '0084000008']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/nope\.json/);
    const corrupt = join(dir, 'corrupt.json');
    writeFileSync(corrupt, '{"format":"sscard-card-image","version":99}');
    const r = await sscard(['apdu', '--card', corrupt, '0084000008']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/corrupt\.json/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(corrupt, 'utf8')).toBe('{"format":"sscard-card-image","version":99}');
  });

  it('has --help with examples', async () => {
    const r = await sscard(['apdu', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('sscard apdu --card card.json --interface contactless 00A404000E325041592E5359532E4444463031');
    expect(r.stdout).toContain('--reader');
  });
});
