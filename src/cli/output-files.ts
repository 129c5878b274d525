/**
 * Files the CLI writes besides card images — `--log-file`, `--trace` — opened up front, so that an
 * unusable path fails at once with one line (never a logger retrying forever in the background), and
 * never onto a card image (a log line appended to the image would corrupt it): the path is compared
 * with the card files of the command, through links too (same device and inode).
 */
import { closeSync, constants, fstatSync, openSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { FailureError, UsageError } from './errors.js';

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

const same = (a: Stats, b: Stats) => a.dev === b.dev && a.ino === b.ino;

/** The absolute path with links resolved as far as they exist (for files that do not exist yet). */
function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    try {
      return join(realpathSync(dirname(resolve(path))), basename(path));
    } catch {
      return resolve(path);
    }
  }
}

/** Why a file cannot be opened for writing, in words. */
function openFailure(err: NodeJS.ErrnoException): string {
  const reasons: Record<string, string> = {
    ENOENT: 'no such directory',
    ENOTDIR: 'a part of the path is not a directory',
    EACCES: 'permission denied',
    EISDIR: 'it is a directory',
    EROFS: 'the file system is read-only',
    ENXIO: 'a FIFO that nobody reads',
    ELOOP: 'too many symbolic links',
    ENOSPC: 'the disk is full',
  };
  const reason = (err.code && reasons[err.code]) ?? err.message;
  return err.code && reasons[err.code] ? `${reason} (${err.code})` : reason;
}

/**
 * Opens `path` to append to it (created 0600: traces and logs may hold PINs and card data).
 * @param option the option that named it (`--trace`), for messages
 * @param cardFiles the card images of the command, which it must not be
 * @returns the file descriptor
 * @throws UsageError when it is a card file; FailureError when it cannot be opened
 */
export function openOutputFile(path: string, option: string, cardFiles: readonly string[] = []): number {
  const cards = cardFiles.map((file) => ({ file, st: statOrUndefined(file) })).filter((c): c is { file: string; st: Stats } => c.st !== undefined);
  const existing = statOrUndefined(path);
  const clash = (st: Stats) => cards.find((c) => same(c.st, st));
  const what = ({ '--trace': 'trace', '--log-file': 'log', '--record': 'session', '--out': 'session', '--junit': 'report' } as Record<string, string>)[option] ?? 'output';
  const refuse = (card: string) => new UsageError(`${option} ${path}: that is the card image ${card}; write the ${what} to another file`);
  const card = (existing && clash(existing)?.file) ?? cardFiles.find((file) => canonical(file) === canonical(path));
  if (card) throw refuse(card);
  // A FIFO is opened non-blocking: no reader fails at once (ENXIO) instead of hanging.
  const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (existing?.isFIFO() ? constants.O_NONBLOCK : 0);
  let fd: number;
  try {
    fd = openSync(path, flags, 0o600);
  } catch (err) {
    throw new FailureError(`${option} ${path}: cannot write there: ${openFailure(err as NodeJS.ErrnoException)}`);
  }
  const opened = fstatSync(fd);
  const after = clash(opened);
  if (after || opened.isDirectory()) {
    closeSync(fd);
    if (after) throw refuse(after.file);
    throw new FailureError(`${option} ${path}: cannot write there: it is a directory`);
  }
  return fd;
}
