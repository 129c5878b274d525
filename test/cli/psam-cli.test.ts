// `sscard psam new|show` in-process (src/cli/main.ts): the image it writes is a PSAM (checked through its
// APDUs with `sscard apdu --card`), the summary names its identity and master keys but no key value, and
// bad input is one line on stderr with exit code 2.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';


const profileKeys = JSON.parse(readFileSync(new URL('../../fixtures/profiles/shanghai.json', import.meta.url), 'utf8')).masterKeys as Record<string, Record<string, string>>;

describe('sscard psam', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sscard-psam-cli-'));
  const psam = join(dir, 'psam.json');

  it('new writes a PSAM image; show prints its identity and key names, never a key value', async () => {
    const made = await runCli('psam', 'new', '--profile', 'shanghai', '--terminal-id', '310000000123', '--serial', '3100000000000000abcd', '--out', psam);
    expect(made, made.err).toMatchObject({ code: 0, err: '' });
    expect(made.out).toBe(`${psam}: shanghai PSAM, terminal id 310000000123, serial 3100000000000000ABCD, 22 SM4 master keys (version 1)\n`);
    const shown = await runCli('psam', 'show', psam);
    expect(shown.code).toBe(0);
    expect(shown.out).toMatch(/terminal id\s+310000000123/);
    expect(shown.out).toMatch(/DF04\s+IRK\(34\) RK\(24\) UK\(14\) DPK\(44\) DTK\(54\)/);
    const values = Object.values(profileKeys).flatMap((k) => Object.values(k));
    for (const v of values) expect(shown.out).not.toContain(v);
    expect(readFileSync(psam, 'utf8')).toContain(profileKeys.SSSE!.UK); // the image itself holds them
    const json = JSON.parse((await runCli('psam', 'show', psam, '--json')).out) as { nextTerminalSequence: number; algorithm: string; masterKeys: unknown[] };
    expect(json).toMatchObject({ nextTerminalSequence: 1, algorithm: 'SM4' });
    expect(json.masterKeys).toHaveLength(22);
  });

  it('the image answers as a PSAM through sscard apdu --card', async () => {
    const r = await runCli('apdu', '--card', psam, '--json', '00B0960006', '00A404000F7378332E73682EC9E7BBE1B1A3D5CF', '00A4000002DF01', '00B0970002');
    expect(r.code, r.err).toBe(0);
    const ex = JSON.parse(r.out) as Array<{ data: string; sw: string }>;
    expect(ex.map((e) => e.sw)).toEqual(['9000', '9000', '9000', '9000']);
    expect(ex[0]!.data).toBe('310000000123');
    expect(ex[3]!.data).toBe('0103');
  });

  it('refuses bad input in one line with exit code 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['psam', 'new', '--profile', 'shanghai', '--out', psam], /exists; use --force/],
      [['psam', 'new', '--profile', 'shanghai', '--terminal-id', '12345', '--out', join(dir, 'a.json')], /--terminal-id must be 12 digits/],
      [['psam', 'new', '--profile', 'shanghai', '--serial', 'XYZ', '--out', join(dir, 'a.json')], /--serial must be 20 hex digits/],
      [['psam', 'new', '--profile', 'nowhere', '--out', join(dir, 'a.json')], /unknown profile "nowhere"/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
    // a file that cannot be read is a failure, not a usage error (src/cli/errors.ts: exit 1)
    {
      const r = await runCli('psam', 'show', join(dir, 'missing.json'));
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/no such file/);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
    const card = join(dir, 'card.json');
    expect((await runCli('card', 'new', '--profile', 'shanghai', '--out', card, '--seed', '1')).code).toBe(0);
    const notPsam = await runCli('psam', 'show', card);
    expect(notPsam.code).toBe(2);
    expect(notPsam.err).toMatch(/not a PSAM image .*sscard psam new/);
  });

  it('--help teaches with examples', async () => {
    const help = (await runCli('psam', 'new', '--help')).out;
    expect(help).toMatch(/Examples:\n\s+sscard psam new --profile shanghai --out psam.json/);
  });
});
