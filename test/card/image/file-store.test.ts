// The card image file against a hostile or careless user (issue 8): short writes (item 1), temporary
// files (item 4), symbolic links, devices and FIFOs as the card path (item 5). The CLI cases run the
// real `sscard` in a child process; the spawn timeouts only guard against the hangs these tests are
// about (a hang fails the test), they measure nothing.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../src/apdu/bytes.js';
import { fixedClock, seededRandom } from '../../../src/env.js';
import { silentLogger } from '../../../src/log.js';
import { CardImageError, CardSaveError, FileCardStore, createCard, openCardFile } from '../../../src/card/index.js';
import { runCli } from '../../helpers/run-cli.js';
import { testImage } from '../runtime/fixture.js';
import { personalised } from './mutation-harness.js';

const bin = new URL('../../../bin/sscard.js', import.meta.url).pathname;
const deps = { random: seededRandom(1), clock: fixedClock(new Date(0)), log: silentLogger() };
const dir = () => mkdtempSync(join(tmpdir(), 'sscard-file-'));
const sscard = (args: string[], options: { cwd?: string; shell?: string } = {}) =>
  options.shell
    ? spawnSync('bash', ['-c', options.shell], { cwd: options.cwd, encoding: 'utf8', timeout: 30_000 })
    : spawnSync(process.execPath, [bin, ...args], { cwd: options.cwd, encoding: 'utf8', timeout: 30_000 });
const sscardLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('sscard:'));
const tempsIn = (d: string) => readdirSync(d).filter((n) => n.endsWith('.tmp'));

/** A shanghai card (--seed 1) written by the store, as `sscard card new` writes it. */
function shanghaiCard(d: string, name = 'c.json'): string {
  const path = join(d, name);
  new FileCardStore(path).save(personalised('shanghai').image);
  return path;
}


describe('item 1: a short write (full disk, ulimit -f) leaves the old image', () => {
  it('(ulimit -f 40; sscard apdu …): one line, exit 1, the file byte for byte as before, no temporary file; then the card works on', () => {
    const d = dir();
    const card = shanghaiCard(d);
    expect(statSync(card).size).toBeGreaterThan(40 * 1024);
    const before = readFileSync(card);
    const r = sscard([], { cwd: d, shell: `ulimit -f 40; exec "${process.execPath}" "${bin}" apdu --card c.json 00A4040008A000000333010101 002000800826999999FFFFFFFF` });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('< 6581');
    expect(sscardLines(r.stderr)).toEqual([expect.stringMatching(/^sscard: cannot save c\.json: the file size limit was reached \(ulimit -f\) \(EFBIG\); the file keeps the state before this command$/)]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(card).equals(before)).toBe(true);
    expect(tempsIn(d)).toEqual([]);
    expect(readdirSync(d).filter((n) => n.startsWith('.c.json.lock'))).toEqual([]);
    // without the limit: the first wrong PIN is counted now (the failed save counted nothing)
    const again = sscard(['apdu', '--card', card, '00A4040008A000000333010101', '002000800826999999FFFFFFFF']);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('< 63C2');
  });
});

describe('item 4: temporary files', () => {
  it('a symbolic link planted at the temporary name does not make `card new` overwrite its target', async () => {
    const d = dir();
    const victim = join(d, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    const out = join(d, 'card.json');
    writeFileSync(out, 'old\n');
    // the name an earlier sscard used for this process, and the names a planted link could take
    symlinkSync(victim, join(d, `.card.json.${process.pid}.tmp`));
    const r = await runCli('card', 'new', '--profile', 'shanghai', '--seed', '1', '--out', out, '--force');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(JSON.parse(readFileSync(out, 'utf8')).format).toBe('sscard-card-image');
    expect(statSync(out).mode & 0o777).toBe(0o600);
  });

  it('the temporary file is created exclusively, never through a link: a planted name fails the save, nothing is touched', () => {
    const d = dir();
    const victim = join(d, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    const path = join(d, 'card.json');
    new FileCardStore(path).save(testImage());
    const before = readFileSync(path, 'utf8');
    symlinkSync(victim, join(d, '.planted.tmp'));
    const store = new FileCardStore(path, { tempName: () => '.planted.tmp' });
    const card = createCard(store.load(), deps, { store });
    card.powerOn('contact');
    expect(toHex(card.transmit(fromHex('00200000021111')))).toBe('6581');
    expect(store.lastSaveError).toBeInstanceOf(CardSaveError);
    expect(store.lastSaveError!.message).toMatch(/a file is in the way of the temporary file \(EEXIST\)/);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(lstatSync(join(d, '.planted.tmp')).isSymbolicLink()).toBe(true);
  });

  it('while it is written, the temporary file is a regular file of mode 0600 (it holds keys)', () => {
    const d = dir();
    const path = join(d, 'card.json');
    const modes: number[] = [];
    new FileCardStore(path, {
      at: (point, temp) => {
        if (point === 'temp-write') modes.push(lstatSync(temp).isFile() ? statSync(temp).mode & 0o777 : -1);
      },
    }).save(testImage());
    expect(modes).toEqual([0o600]);
  });

  it('temporary files of killed processes are removed when the card is opened; a live process\'s are kept', async () => {
    const d = dir();
    const path = shanghaiCard(d, 'card.json');
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    const alive = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      const names = [`.card.json.${gone}.0badf00d.tmp`, `.card.json.${gone}.tmp`, `.card.json.${alive.pid}.deadbeef.tmp`, `.other.json.${gone}.12345678.tmp`];
      for (const n of names) writeFileSync(join(d, n), 'keys', { mode: 0o600 });
      const card = openCardFile(path, deps);
      await card.close();
      expect(tempsIn(d).sort()).toEqual([`.card.json.${alive.pid}.deadbeef.tmp`, `.other.json.${gone}.12345678.tmp`].sort());
    } finally {
      alive.kill('SIGKILL');
    }
  });
});

describe('item 5: what the card path is', () => {
  it('a symbolic link: the target is replaced atomically, the link stays a link', async () => {
    const d = dir();
    mkdirSync(join(d, 'real'));
    const target = shanghaiCard(join(d, 'real'), 'target.json');
    const link = join(d, 'card.json');
    symlinkSync(target, link);
    const card = openCardFile(link, deps);
    card.powerOn('contact');
    expect(toHex(card.transmit(fromHex('0020000003999999')))).toBe('63C2');
    await card.close();
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(target, 'utf8')).mf.pins[0].triesLeft).toBe(2);
    expect(tempsIn(d)).toEqual([]);
    expect(tempsIn(join(d, 'real'))).toEqual([]);
  });

  it('a dangling link is refused with a clear message', () => {
    const d = dir();
    symlinkSync(join(d, 'nowhere.json'), join(d, 'card.json'));
    expect(() => openCardFile(join(d, 'card.json'), deps)).toThrow(/card\.json is a symbolic link to a missing file \(.*nowhere\.json\)/);
  });

  it('`card new --out <FIFO or device> --force` refuses and leaves the node as it was', async () => {
    const d = dir();
    const fifo = join(d, 'fifo');
    execFileSync('mkfifo', [fifo]);
    let r = await runCli('card', 'new', '--profile', 'shanghai', '--out', fifo, '--force');
    expect(r.code).toBe(1);
    expect(r.err).toBe(`sscard: ${fifo} is a FIFO (named pipe), not a card image file: refused\n`);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    const device = join(d, 'null');
    // a /dev/null of our own (mknod needs root; without it this part is skipped)
    if (spawnSync('mknod', [device, 'c', '1', '3']).status === 0) {
      chmodSync(device, 0o666);
      r = await runCli('card', 'new', '--profile', 'shanghai', '--out', device, '--force');
      expect(r.code).toBe(1);
      expect(r.err).toBe(`sscard: ${device} is a character device, not a card image file: refused\n`);
      expect(lstatSync(device).isCharacterDevice()).toBe(true);
    }
    expect(tempsIn(d)).toEqual([]);
  });

  it('a FIFO or /dev/zero as the card file is refused at once (no hang), by every command', () => {
    const d = dir();
    const fifo = join(d, 'card.json');
    execFileSync('mkfifo', [fifo]);
    for (const args of [['card', 'show', fifo], ['apdu', '--card', fifo, '00A4040000'], ['apdu', '--card', '/dev/zero', '00A4040000']]) {
      const r = sscard(args);
      expect(r.signal, `${args.join(' ')} hung`).toBeNull();
      expect(r.status).toBe(1);
      expect(sscardLines(r.stderr)).toEqual([expect.stringMatching(/is a (FIFO \(named pipe\)|character device), not a card image file: refused$/)]);
    }
    expect(() => openCardFile(fifo, deps)).toThrow(CardImageError);
  });
});
