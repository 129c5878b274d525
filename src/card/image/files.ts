/**
 * The file operations of the card store, safe against what a careless or hostile user can put at a card
 * path (issue 8):
 * - a symbolic link is followed to its target, and the target is replaced atomically (a dangling link is
 *   refused); anything that is not a regular file — a device, a FIFO, a directory — is never read as an
 *   image and never replaced;
 * - reading opens with O_NONBLOCK (a FIFO cannot hang the open) and checks the type on the open
 *   descriptor before reading a byte, with a size cap;
 * - a save writes a temporary file created exclusively (O_CREAT | O_EXCL), never through a link
 *   (O_NOFOLLOW), mode 0600 (it holds keys), in the target's directory; checks that every byte was
 *   written (`write` may write fewer bytes than asked: a full disk, `ulimit -f`), fsyncs it, renames
 *   it over the target and fsyncs the directory (POSIX rename is atomic: a power cut leaves the old file
 *   or the new one). A failed save removes its temporary file and leaves the old image;
 * - temporary files left by killed processes (`.NAME.PID.RANDOM.tmp`, they hold keys) are removed.
 *
 * Hooks after each write point let tests cut the power there (`WRITE_POINTS`).
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  lstatSync,
  openSync,
  readSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { CardImageError } from './errors.js';
import { processAlive } from './processes.js';

/** Largest card image file read (a personalised card is about 50 KB). */
export const MAX_IMAGE_BYTES = 16 * 1024 * 1024;

/**
 * The points of a save after which a power cut can happen, in order: the temporary file created, half
 * of it written, all of it written, fsynced, renamed over the image, the directory fsynced.
 */
export const WRITE_POINTS = ['temp-open', 'temp-partial', 'temp-write', 'temp-fsync', 'rename', 'dir-fsync'] as const;
export type WritePoint = (typeof WRITE_POINTS)[number];

/** Hooks into the stages of a save, for power-cut tests. */
export interface SaveHooks {
  /** Called after the temporary file is written and fsynced, before the rename. */
  afterTempWrite?(tempPath: string): void;
  /** Called after each write point (throw, or kill the process, to cut the power there). */
  at?(point: WritePoint, tempPath: string): void;
  /** Name of the temporary file in the target's directory (tests); default `.NAME.PID.RANDOM.tmp`. */
  tempName?(targetBase: string): string;
}

/** "a FIFO", "a directory", … for messages. */
export function describeFileType(st: Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

function statOrUndefined(path: string, follow: boolean): Stats | undefined {
  try {
    return follow ? statSync(path) : lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * The file a card path stands for: the path itself, or — for a symbolic link — its final target, as an
 * absolute path with every directory resolved. Refuses a dangling link and anything that exists but is
 * not a regular file.
 * @param shown the path as the user gave it, for messages
 */
export function resolveTarget(path: string, shown = path): string {
  const abs = resolve(path);
  const own = statOrUndefined(abs, false);
  let target: string;
  if (own?.isSymbolicLink()) {
    try {
      target = realpathSync.native(abs);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      throw new CardImageError(`${shown} is a symbolic link to a missing file (${readlinkSync(abs)}): give the path of an existing card, or of a new file`);
    }
  } else {
    target = join(realpathSync.native(dirname(abs)), basename(abs));
  }
  const st = own?.isSymbolicLink() ? statOrUndefined(target, false) : own;
  if (st && !st.isFile()) throw new CardImageError(`${shown} is ${describeFileType(st)}, not a card image file: refused`);
  return target;
}

/**
 * Reads a whole regular file without hanging on a FIFO or a device: opens non-blocking, never through
 * a link, checks the type and the size on the descriptor, then reads.
 * @param target a path from `resolveTarget`
 */
export function readRegularFile(target: string, shown = target, maxBytes = MAX_IMAGE_BYTES): Buffer {
  const fd = openSync(target, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new CardImageError(`${shown} is ${describeFileType(st)}, not a card image file: refused`);
    if (st.size > maxBytes) throw new CardImageError(`${shown} is ${st.size} bytes, too large for a card image (at most ${maxBytes})`);
    const buffer = Buffer.alloc(st.size);
    let offset = 0;
    while (offset < buffer.length) {
      const n = readSync(fd, buffer, offset, buffer.length - offset, offset);
      if (n === 0) break;
      offset += n;
    }
    return buffer.subarray(0, offset);
  } finally {
    closeSync(fd);
  }
}

/** Writes all of `data` at the descriptor's position, looping over short writes. */
export function writeAll(fd: number, data: Uint8Array): void {
  let offset = 0;
  while (offset < data.length) {
    const n = writeSync(fd, data, offset, data.length - offset);
    if (n <= 0) throw Object.assign(new Error(`write took no bytes at offset ${offset}`), { code: 'EIO' });
    offset += n;
  }
}

/**
 * Writes a file atomically and durably: exclusive temporary file (O_EXCL | O_NOFOLLOW, 0600) in the
 * target's directory, every byte written and checked, fsync, rename over the target, fsync of the
 * directory. A symbolic link at `path` is followed and its target replaced. On failure the temporary
 * file is removed and the old file is left as it was.
 * @throws CardImageError when `path` is not a regular file; the system error when writing fails
 */
export function writeFileAtomic(path: string, content: string | Uint8Array, hooks: SaveHooks = {}): void {
  writeResolvedFileAtomic(resolveTarget(path), content, hooks, path);
}

/**
 * `writeFileAtomic` for a path already resolved by `resolveTarget` (a card store resolves its file once,
 * when it opens it; the check that the name is still a regular file is made again before the rename).
 */
export function writeResolvedFileAtomic(target: string, content: string | Uint8Array, hooks: SaveHooks = {}, path = target): void {
  const dir = dirname(target);
  // a string is encoded by the write itself, unless a test cuts the power between two halves
  const data = typeof content === 'string' && hooks.at ? Buffer.from(content, 'utf8') : content;
  const temp = join(dir, hooks.tempName?.(basename(target)) ?? `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  let renamed = false;
  try {
    try {
      hooks.at?.('temp-open', temp);
      let expected: number;
      if (typeof data === 'string') {
        expected = Buffer.byteLength(data, 'utf8');
        const n = writeSync(fd, data);
        if (n < expected) writeAll(fd, Buffer.from(data, 'utf8').subarray(n)); // a short write: the rest as bytes
      } else if (hooks.at) {
        // in two halves only where a test cuts the power between them ('temp-partial')
        expected = data.length;
        const half = data.length >> 1;
        writeAll(fd, data.subarray(0, half));
        hooks.at('temp-partial', temp);
        writeAll(fd, data.subarray(half));
      } else {
        expected = data.length;
        writeAll(fd, data);
      }
      hooks.at?.('temp-write', temp);
      fsyncSync(fd);
      const written = fstatSync(fd).size;
      if (written !== expected) throw Object.assign(new Error(`only ${written} of ${expected} bytes reached the file`), { code: 'EIO' });
      hooks.at?.('temp-fsync', temp);
    } finally {
      closeSync(fd);
    }
    hooks.afterTempWrite?.(temp);
    // The target may have been replaced since it was resolved: never rename over a non-regular file.
    const now = statOrUndefined(target, false);
    if (now && !now.isFile()) throw new CardImageError(`${path} is now ${describeFileType(now)}, not a card image file: refused`);
    renameSync(temp, target);
    renamed = true;
    hooks.at?.('rename', temp);
    const dfd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
    hooks.at?.('dir-fsync', temp);
  } catch (err) {
    if (!renamed) removeQuietly(temp);
    throw err;
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone: nothing to clean */
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Removes the temporary files of `target` left by processes that no longer run (`.NAME.PID.RANDOM.tmp`,
 * and the older `.NAME.PID.tmp`). Unlinks the names only (a planted link is removed, not followed).
 * @returns the names removed
 */
export function removeStaleTemps(target: string): string[] {
  const dir = dirname(target);
  const pattern = new RegExp(`^\\.${escapeRegExp(basename(target))}\\.(\\d+)(?:\\.[0-9a-f]+)?\\.tmp$`);
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = pattern.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || processAlive(pid)) continue;
    const path = join(dir, name);
    const st = statOrUndefined(path, false);
    if (!st || !(st.isFile() || st.isSymbolicLink())) continue;
    removeQuietly(path);
    removed.push(name);
  }
  return removed;
}
