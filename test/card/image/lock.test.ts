// Issue 8, item 2: two processes on one card file. The card is locked for as long as a process has it
// open; a second opener — another process, or the CLI — is refused with one line naming the holder
// (PID and command); the lock of a killed holder is recovered. Real processes throughout.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../src/apdu/bytes.js';
import { fixedClock, seededRandom } from '../../../src/env.js';
import { silentLogger } from '../../../src/log.js';
import { CardInUseError, FileCardStore, openCardFile } from '../../../src/card/index.js';
import { runCli } from '../../helpers/run-cli.js';
import { personalised } from './mutation-harness.js';

const bin = new URL('../../../bin/sscard.js', import.meta.url).pathname;
const holder = new URL('./hold-card.ts', import.meta.url).pathname;
const deps = { random: seededRandom(1), clock: fixedClock(new Date(0)), log: silentLogger() };
const children: ChildProcessWithoutNullStreams[] = [];

function cardFile(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'sscard-lock-')), 'card.json');
  new FileCardStore(path).save(personalised('shanghai').image);
  return path;
}

/** Starts a process holding the card; resolves with it and a function sending one APDU through it. */
async function hold(path: string): Promise<{ child: ChildProcessWithoutNullStreams; send(hex: string): Promise<string> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', holder, path]);
  children.push(child);
  const lines = createInterface({ input: child.stdout });
  const next = () => new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`holder exited (${code}): ${child.stderr.read()?.toString() ?? ''}`)));
  });
  const ready = await next();
  expect(ready).toBe(`ready ${child.pid}`);
  return {
    child,
    send(hex) {
      const answer = next();
      child.stdin.write(`${hex}\n`);
      return answer;
    },
  };
}

const killed = (child: ChildProcessWithoutNullStreams) => new Promise<void>((resolve) => {
  child.once('exit', () => resolve());
  child.kill('SIGKILL');
});

afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

describe('one process at a time on a card file', () => {
  it('a second process is refused with one line naming the holder; the holder goes on, its state intact', async () => {
    const path = cardFile();
    const a = await hold(path);
    expect(await a.send('0020000003999999')).toBe('63C2');
    const r = spawnSync(process.execPath, [bin, 'apdu', '--card', path, '0020000003999999'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^sscard: card ${path} is in use by process ${a.child.pid} \\(hold-card \\(lock test\\)\\) since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC: stop it first, or use another card file\\n$`));
    // In this process too (the library): CardInUseError; `card new --force` does not replace the card
    // under its holder; the holder's count was not touched.
    expect(() => openCardFile(path, deps)).toThrow(CardInUseError);
    const image = readFileSync(path, 'utf8');
    const { code, err } = await runCli('card', 'new', '--profile', 'shanghai', '--out', path, '--force');
    expect(code).toBe(1);
    expect(err).toMatch(new RegExp(`^sscard: ${path} is in use by process ${a.child.pid} `));
    expect(readFileSync(path, 'utf8')).toBe(image);
    expect(await a.send('0020000003999999')).toBe('63C1');
    expect(JSON.parse(readFileSync(path, 'utf8')).mf.pins[0].triesLeft).toBe(1);
    a.child.stdin.end();
    await new Promise((resolve) => a.child.once('exit', resolve));
    expect(readdirSync(join(path, '..')).filter((n) => n.startsWith('.card.json.'))).toEqual([]);
  });

  it('wrong PINs from two processes count against one limit: never more than 3 tries', async () => {
    const path = cardFile();
    const a = await hold(path);
    const answers = [await a.send('0020000003999999')];
    // B runs while A holds the card: refused, no try of its own
    const b = spawnSync(process.execPath, [bin, 'apdu', '--card', path, '0020000003999999', '0020000003999999'], { encoding: 'utf8', timeout: 30_000 });
    expect(b.status).toBe(1);
    answers.push(await a.send('0020000003999999'), await a.send('0020000003999999'), await a.send('0020000003123456'));
    expect(answers).toEqual(['63C2', '63C1', '63C0', '6983']);
  });

  it('the lock of a killed holder is recovered: the next opener gets the card, at the state last saved', async () => {
    const path = cardFile();
    const a = await hold(path);
    expect(await a.send('0020000003999999')).toBe('63C2');
    await killed(a.child);
    expect(readdirSync(join(path, '..'))).toContain('.card.json.lock');
    const r = spawnSync(process.execPath, [bin, 'apdu', '--card', path, '0020000003999999'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('< 63C1');
    expect(readdirSync(join(path, '..')).filter((n) => n.startsWith('.card.json.'))).toEqual([]);
  });

  it('a holder whose lock was taken from it refuses to save (6581) instead of writing over the new holder', async () => {
    const path = cardFile();
    const card = openCardFile(path, deps);
    card.powerOn('contact');
    const dir = join(path, '..');
    // another process takes over (as if this one had stalled past the stale time)
    rmSync(join(dir, '.card.json.lock'), { recursive: true });
    writeFileSync(join(dir, '.card.json.owner'), JSON.stringify({ pid: 1, host: 'elsewhere', command: 'sscard serve', since: new Date().toISOString() }));
    const before = readFileSync(path, 'utf8');
    expect(toHex(card.transmit(fromHex('0020000003999999')))).toBe('6581');
    expect(readFileSync(path, 'utf8')).toBe(before);
    await card.close();
  });
});
