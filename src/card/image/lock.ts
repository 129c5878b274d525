/**
 * One process at a time on a card image (issue 8, item 2): a card file in use is locked for as long as
 * a process has it open, with `proper-lockfile` (an atomic `mkdir` of `.NAME.lock` next to the image,
 * its mtime refreshed every second while the holder lives).
 *
 * Next to the lock, `.NAME.owner` names the holder (PID, start time, host, command line), so that a
 * second opener is told who holds the card — and can tell a live holder from a dead one:
 * - a live holder: refused at once, with one line naming it (`CardInUseError`);
 * - a holder that no longer runs (killed, crashed, power cut): its lock stops being refreshed, and
 *   proper-lockfile takes it over once it is older than `DEAD_STALE_MS`; the opener waits that long.
 * A live holder's lock is never taken over, however long its event loop stalls; if it is taken anyway
 * (another host, a clock jump), the holder notices before its next save and refuses to write.
 */
import { hostname } from 'node:os';
import { closeSync, constants, existsSync, openSync, renameSync, unlinkSync, lstatSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import lockfile from 'proper-lockfile';
import { CardInUseError, CardSaveError } from './errors.js';
import { readRegularFile, writeAll } from './files.js';
import { processAlive, processStartTime } from './processes.js';

/** How often the holder refreshes its lock (proper-lockfile `update`). */
const UPDATE_MS = 1000;
/** Age after which the lock of a holder that no longer runs is taken over. */
export const DEAD_STALE_MS = 3000;
/** A live holder's lock is never stale (proper-lockfile needs a number: a day). */
const NEVER_STALE_MS = 24 * 3600 * 1000;

/** Who holds a card file (`.NAME.owner`). */
export interface LockOwner {
  pid: number;
  /** /proc start time of the holder (Linux), to tell a reused PID apart. */
  start?: string;
  host: string;
  command: string;
  /** ISO time the lock was taken. */
  since: string;
}

export interface LockOptions {
  /** The holder's command line, shown to a second opener (default: this process's arguments). */
  command?: string;
  /** The path as the user gave it, for messages. */
  shown?: string;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function defaultCommand(): string {
  const [, script, ...args] = process.argv;
  return [script ? basename(script).replace(/\.js$/, '') : 'node', ...args].join(' ');
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readRegularFile(path, path, 4096).toString('utf8')) as Partial<LockOwner>;
    if (typeof owner.pid !== 'number' || typeof owner.host !== 'string') return undefined;
    return { pid: owner.pid, host: owner.host, command: String(owner.command ?? '?'), since: String(owner.since ?? '?'), ...(typeof owner.start === 'string' ? { start: owner.start } : {}) };
  } catch {
    return undefined;
  }
}

function ownerAlive(owner: LockOwner): boolean {
  // Another host's PIDs cannot be checked from here: assume it runs.
  return owner.host !== hostname() || processAlive(owner.pid, owner.start);
}

function describeOwner(owner: LockOwner | undefined): string {
  if (!owner) return 'another process (it did not say which)';
  const command = owner.command.length > 80 ? `${owner.command.slice(0, 79)}…` : owner.command;
  const host = owner.host === hostname() ? '' : ` on ${owner.host}`;
  const since = owner.since.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  return `process ${owner.pid}${host} (${command}) since ${since}`;
}

/** Replaces `.NAME.owner` (the name itself, never a link's target) through an exclusive temporary file. */
function writeOwner(path: string, owner: LockOwner): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    unlinkSync(temp);
  } catch {
    /* none left over */
  }
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    writeAll(fd, Buffer.from(`${JSON.stringify(owner)}\n`));
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}

/** Device, inode, size and modification time of a file (not following a link), or undefined when absent. */
function fileIdentity(path: string): string | undefined {
  const st = lstatSync(path, { throwIfNoEntry: false, bigint: true });
  return st && `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;
}

/** A held lock on a card image file. */
export class CardFileLock {
  #lost: Error | undefined;
  #released = false;
  /** Identity (device, inode, size, mtime) of the owner file this process wrote, for the cheap check. */
  #ownerIdentity: string | undefined;

  private constructor(
    private readonly target: string,
    private readonly shown: string,
    private readonly release: () => void,
    private readonly ownerPath: string,
    private readonly owner: LockOwner,
  ) {}

  /**
   * Locks `target` (a resolved path, see files.ts `resolveTarget`; it need not exist yet).
   * @throws CardInUseError naming the holder when a live process holds it
   */
  static acquire(target: string, options: LockOptions = {}): CardFileLock {
    const shown = options.shown ?? target;
    const dir = dirname(target);
    const base = basename(target);
    const lockPath = join(dir, `.${base}.lock`);
    const ownerPath = join(dir, `.${base}.owner`);
    let lost: ((err: Error) => void) | undefined;
    const attempt = (stale: number) =>
      lockfile.lockSync(target, {
        realpath: false,
        lockfilePath: lockPath,
        stale,
        update: UPDATE_MS,
        onCompromised: (err: Error) => lost?.(err),
      });
    let release: () => void;
    try {
      release = attempt(NEVER_STALE_MS);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
      // Held: by a live process (refuse now) or by one that is gone (wait until its lock is stale).
      const deadline = Date.now() + DEAD_STALE_MS + 3 * UPDATE_MS;
      for (;;) {
        const owner = readOwner(ownerPath);
        if (owner && ownerAlive(owner)) throw new CardInUseError(`${shown} is in use by ${describeOwner(owner)}: stop it first, or use another card file`);
        try {
          release = attempt(DEAD_STALE_MS);
          break;
        } catch (again) {
          if ((again as NodeJS.ErrnoException).code !== 'ELOCKED') throw again;
          if (Date.now() > deadline) throw new CardInUseError(`${shown} is in use by ${describeOwner(owner)}: stop it first, or use another card file`);
          sleepSync(100);
        }
      }
    }
    const owner: LockOwner = {
      pid: process.pid,
      ...(processStartTime(process.pid) ? { start: processStartTime(process.pid)! } : {}),
      host: hostname(),
      command: options.command ?? defaultCommand(),
      since: new Date().toISOString(),
    };
    try {
      writeOwner(ownerPath, owner);
    } catch (err) {
      release();
      throw err;
    }
    const lock = new CardFileLock(target, shown, release, ownerPath, owner);
    lock.#ownerIdentity = fileIdentity(ownerPath);
    lost = (err) => {
      lock.#lost = err;
    };
    return lock;
  }

  /**
   * Checks, before a save, that this process still holds the lock.
   * @throws CardSaveError when the lock was released or taken over
   */
  assertHeld(): void {
    if (this.#released) throw new CardSaveError(`${this.shown}: the card file was closed`);
    // The owner file is only ever replaced by a rename (writeOwner): while it is the very file this
    // process wrote, nobody took the lock over, and reading it again would tell nothing new.
    if (!this.#lost && this.#ownerIdentity !== undefined && fileIdentity(this.ownerPath) === this.#ownerIdentity) return;
    const owner = readOwner(this.ownerPath);
    if (this.#lost || !owner || owner.pid !== this.owner.pid || owner.since !== this.owner.since || !existsSync(join(dirname(this.target), `.${basename(this.target)}.lock`))) {
      throw new CardSaveError(`${this.shown}: this process lost its lock on the card file (${this.#lost ? this.#lost.message : `now held by ${describeOwner(owner)}`}); nothing more is saved`);
    }
  }

  /** Releases the lock (idempotent). */
  releaseLock(): void {
    if (this.#released) return;
    this.#released = true;
    const owner = readOwner(this.ownerPath);
    if (owner && owner.pid === this.owner.pid && owner.since === this.owner.since) {
      try {
        unlinkSync(this.ownerPath);
      } catch {
        /* already gone */
      }
    }
    try {
      this.release();
    } catch (err) {
      // ERELEASED / ECOMPROMISED: the lock is not ours any more; nothing to undo.
      if (!['ERELEASED', 'ECOMPROMISED', 'ENOTACQUIRED', 'ENOENT'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
    }
  }
}
