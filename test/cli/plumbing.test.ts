// The shared CLI plumbing (issue 8, items 7 and 10), through every command: one line on stderr, exit 2
// for usage and 1 for failures, output escaped, long arguments cut; output files (--trace, --log-file)
// opened up front and never onto a card image. Child processes where a hang or the real exit code is
// the point (spawn timeouts only guard against hangs), `main` in-process elsewhere.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { cutWord, errorLine, escapeText, jsonText } from '../../src/cli/output.js';

const bin = new URL('../../bin/sscard.js', import.meta.url).pathname;
const holders = new URL('../../fixtures/holders/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'sscard-plumbing-'));
const card = join(dir, 'card.json');

const spawnCli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 30_000 });
/** Exactly one line, starting with "sscard: ". */
const ONE_LINE = /^sscard: [^\n]+\n$/;

describe('usage errors: exit 2, one line', () => {
  it.each([
    [['apdu', '--bogus', '00A4040000'], "sscard: unknown option '--bogus' (see sscard apdu --help)\n"],
    [['apdu'], "sscard: missing required argument 'hex' (see sscard apdu --help)\n"],
    [['card', 'new', '--out', 'x.json'], "sscard: required option '--profile <name|file>' not specified (see sscard card new --help)\n"],
    [['apdu', '--card', 'c.json', '--interface', 'usb', '00A4040000'], `sscard: option '--interface <iface>' argument 'usb' is invalid. Allowed choices are contact, contactless. (see sscard apdu --help)\n`],
    [['frobnicate'], "sscard: unknown command 'frobnicate' (see sscard --help)\n"],
    // the list of commands grows; what matters is the one line that names them
    [[], /^sscard: missing command after "sscard": demo, card, (\w+, )*serve(, \w+)* \(see sscard --help\)\n$/],
    [['card'], 'sscard: missing command after "sscard card": new, show, cert (see sscard card --help)\n'],
    [['apdu', '00A4'], 'sscard: APDU 1 ("00A4"): command APDU: 2 byte(s), a header needs 4\n'],
  ] as Array<[string[], string | RegExp]>)('sscard %j', async (args, message) => {
    const r = await runCli(...args);
    if (typeof message === 'string') expect(r.err).toBe(message);
    else expect(r.err).toMatch(message);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
  });

  it('a reader that goes away early (sscard --help | head -1) ends the command quietly, no EPIPE stack trace', () => {
    const r = spawnSync('/bin/sh', ['-c', `"${process.execPath}" "${bin}" --help | head -1`], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stdout).toMatch(/^Usage: sscard /);
    expect(r.stderr).toBe('');
  });

  it('in a real process: commander prints nothing of its own, the exit code is 2', () => {
    const r = spawnCli('apdu', '--bogus', '00A4040000');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("sscard: unknown option '--bogus' (see sscard apdu --help)\n");
  });

  it('--help and --version exit 0 and document the exit codes', async () => {
    const help = await runCli('--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/Exit codes: 0 success; 1 failure .*; 2 usage/s);
    expect((await runCli('--version')).code).toBe(0);
    expect((await runCli('apdu', '--help')).out).toMatch(/2 for usage/);
  });
});

describe('failures: exit 1, one line, the same from every command', () => {
  it('a corrupt image exits 1 from apdu and from card show (and card cert)', async () => {
    const bad = join(dir, 'corrupt.json');
    writeFileSync(bad, '{"format":"sscard-card-image","version":1,"mf":');
    for (const args of [['apdu', '--card', bad, '00A4040000'], ['card', 'show', bad], ['card', 'cert', bad]]) {
      const r = await runCli(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err).toMatch(ONE_LINE);
      expect(r.err).toMatch(/corrupt\.json is not a card image: not valid JSON/);
    }
  });

  it('an image with an impossible field names it, from every command', async () => {
    const r0 = await runCli('card', 'new', '--profile', 'shanghai', '--seed', '1', '--out', card, '--force');
    expect(r0.code).toBe(0);
    const image = JSON.parse(readFileSync(card, 'utf8'));
    image.apps.pboc.ec.balance = 250_000;
    const bad = join(dir, 'impossible.json');
    writeFileSync(bad, JSON.stringify(image));
    for (const args of [['apdu', '--card', bad, '00A4040000'], ['card', 'show', bad]]) {
      const r = await runCli(...args);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^sscard: (card )?\S*impossible\.json: apps\.pboc\.ec\.balance: 250000 exceeds the balance limit 100000\n$/);
    }
  });

  it('a missing card file', async () => {
    const r = await runCli('apdu', '--card', join(dir, 'nope.json'), '00A4040000');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^sscard: card \S*nope\.json: no such file \(create one with: sscard card new --profile shanghai --out \S*nope\.json\)\n$/);
  });
});

describe('output is escaped, arguments are cut', () => {
  it('a 120 KB argument is not echoed whole', async () => {
    const huge = `${'00'.repeat(60_000)}G`;
    const r = await runCli('apdu', '--card', card, huge);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(ONE_LINE);
    expect(r.err.length).toBeLessThan(400);
    expect(r.err).toContain('…(120001 characters)');
    const opt = await runCli('apdu', `--${'x'.repeat(100_000)}`, '00A4040000');
    expect(opt.code).toBe(2);
    expect(opt.err).toMatch(ONE_LINE);
    expect(opt.err.length).toBeLessThan(400);
  });

  it('a holder name with ESC and NUL reaches the terminal escaped (card new, card show, card show --json)', async () => {
    const holder = JSON.parse(readFileSync(join(holders, 'shanghai-li.json'), 'utf8'));
    holder.name = '李\u001b[31m红\u0007';
    const file = join(dir, 'evil-holder.json');
    writeFileSync(file, JSON.stringify(holder));
    const out = join(dir, 'evil.json');
    const made = await runCli('card', 'new', '--profile', 'shanghai', '--holder', file, '--out', out, '--force');
    expect(made.code).toBe(0);
    expect(made.out).not.toMatch(/[\u0000-\u0008\u001b\u007f]/);
    expect(made.out).toContain('李\\x1b[31m红');
    const shown = await runCli('card', 'show', out);
    expect(shown.out).not.toMatch(/[\u0000-\u0008\u001b\u007f]/);
    expect(shown.out).toContain('李\\x1b[31m红');
    const json = await runCli('card', 'show', out, '--json');
    expect(json.out).not.toMatch(/[\u0000-\u0008\u001b\u007f]/);
    expect(JSON.parse(json.out).items.find((i: { key: string }) => i.key === 'name').value).toMatch(/^李\u001b\[31m红/);
  });

  it('the escaping rules', () => {
    expect(escapeText('a\u001b[2Jb\u0000c\td\ne\u202ef\u009bg\u007f')).toBe('a\\x1b[2Jb\\x00c\td\ne\\u202ef\\u009bg\\u007f');
    expect(errorLine('two\nlines\r')).toBe('two\\nlines\\r');
    expect(cutWord('A'.repeat(100))).toBe(`${'A'.repeat(48)}…(100 characters)`);
    expect(JSON.parse(jsonText({ s: '\u009b\u2028\u007f\u001b' }))).toEqual({ s: '\u009b\u2028\u007f\u001b' });
    expect(jsonText({ s: '\u009b' })).toContain('\\u009b');
  });

  it('no command writes to stdout or stderr but through output.ts (so every output is escaped)', () => {
    const commands = new URL('../../src/cli/commands/', import.meta.url);
    for (const file of readdirSync(commands).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(new URL(file, commands), 'utf8');
      expect(text, file).not.toMatch(/process\.(stdout|stderr)\.write|console\.(log|error|warn|info)/);
    }
  });
});

describe('item 7: output files', () => {
  it('--trace and --log-file where nothing can be written: one line, exit 1, at once (no retrying logger)', () => {
    for (const option of ['--trace', '--log-file']) {
      const r = spawnCli('apdu', '--card', card, option, '/proc/x/y.jsonl', '00A4040000');
      expect(r.signal, `${option} hung`).toBeNull();
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`sscard: ${option} /proc/x/y.jsonl: cannot write there: no such directory (ENOENT)\n`);
      expect(r.stdout).toBe('');
    }
  });

  it('--trace or --log-file on the card file, also through a link, is refused and the image stays as it was', async () => {
    const before = readFileSync(card, 'utf8');
    const link = join(dir, 'link.jsonl');
    symlinkSync(card, link);
    for (const [option, path] of [['--trace', card], ['--trace', link], ['--log-file', card], ['--log-file', link]] as const) {
      const r = await runCli('apdu', '--card', card, option, path, '00A4040008A000000333010101');
      expect(r.code, `${option} ${path}`).toBe(2);
      expect(r.err).toBe(`sscard: ${option} ${path}: that is the card image ${card}; write the ${option === '--trace' ? 'trace' : 'log'} to another file\n`);
    }
    const serve = await runCli('serve', '--card', card, '--trace', link, '--port', '1');
    expect(serve.code).toBe(2);
    const made = await runCli('card', 'new', '--profile', 'shanghai', '--out', card, '--force', '--log-file', link);
    expect(made.code).toBe(2);
    expect(readFileSync(card, 'utf8')).toBe(before);
  });

  it('a usable --trace gets the exchanges as JSON lines, mode 0600', async () => {
    const trace = join(dir, 'trace.jsonl');
    const r = await runCli('apdu', '--card', card, '--trace', trace, '00A4040008A000000333010101');
    expect(r.code).toBe(0);
    const lines = readFileSync(trace, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0].command).toBe('00A4040008A000000333010101');
    expect(statSync(trace).mode & 0o777).toBe(0o600);
  });
});
