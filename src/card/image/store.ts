/**
 * Where a card image lives. The card saves after every APDU that changed its state; a save is atomic
 * and durable (files.ts `writeFileAtomic`: exclusive temporary file, every byte checked, fsync, rename,
 * fsync of the directory): a power cut at any point leaves the old image or the new one, never a mix,
 * and a failed save (full disk, `ulimit -f`, read-only file system) leaves the old image.
 *
 * A file store opened for a card (`FileCardStore.open`, what `openCardFile` uses) holds the file's lock
 * for as long as it is open (lock.ts): a second process is refused with the holder's PID and command.
 * Its path may be a symbolic link (the target is read and replaced); anything that is not a regular
 * file is refused. A corrupt image, one of an unknown version or one with impossible state (schema.ts)
 * is refused with the first bad field and never overwritten.
 */
import type { CardImage } from '../runtime/types.js';
import { CardImageError, CardSaveError } from './errors.js';
import { readRegularFile, removeStaleTemps, resolveTarget, writeResolvedFileAtomic, type SaveHooks } from './files.js';
import { CardFileLock } from './lock.js';
import { validateImage } from './validate.js';
import { serializeImage } from '../runtime/serialize.js';

export { CardImageError, CardInUseError, CardSaveError } from './errors.js';
export { WRITE_POINTS, writeFileAtomic, type SaveHooks, type WritePoint } from './files.js';

export interface CardStore {
  /** Where the image lives, for messages. */
  readonly description: string;
  load(): CardImage;
  /** Saves durably before returning; throws when the image did not reach its storage. */
  save(image: CardImage): void;
  /** Releases the storage (a file store's lock). */
  close?(): void;
}

/** An image kept in memory (tests, demos). Saves a deep copy, as a file would. */
export class MemoryCardStore implements CardStore {
  readonly description = 'memory';
  #json: string;
  /** Number of saves (tests). */
  saves = 0;

  constructor(image: CardImage) {
    this.#json = JSON.stringify(image);
  }

  load(): CardImage {
    return validateImage(JSON.parse(this.#json), this.description);
  }

  save(image: CardImage): void {
    this.#json = JSON.stringify(image);
    this.saves++;
  }
}

export interface FileCardStoreOptions extends SaveHooks {
  /** Hold the file's lock while the store is open (`FileCardStore.open` does). */
  lock?: boolean;
  /** The command line the lock names as the holder (default: this process's arguments). */
  command?: string;
}

/** Why a save failed, in words (the system error code kept in brackets). */
function saveFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  const reasons: Record<string, string> = {
    EFBIG: 'the file size limit was reached (ulimit -f)',
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is exceeded',
    EROFS: 'the file system is read-only',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EEXIST: 'a file is in the way of the temporary file',
    EIO: 'an input/output error',
  };
  const reason = (code && reasons[code]) ?? (err instanceof Error ? err.message : String(err));
  return code && reasons[code] ? `${reason} (${code})` : reason;
}

/** The image as a JSON file. */
export class FileCardStore implements CardStore {
  /** The file the image is in: `path`, or the target of the link `path` is. */
  readonly target: string;
  readonly #hooks: SaveHooks;
  readonly #lock: CardFileLock | undefined;
  #lastSaveError: CardSaveError | undefined;
  #closed = false;

  /**
   * @param path the card file (a symbolic link is followed; anything but a regular file is refused)
   * @throws CardImageError for a path that is not a regular file; CardInUseError when `options.lock` and
   *   another process holds it
   */
  constructor(
    readonly path: string,
    options: FileCardStoreOptions = {},
  ) {
    this.#hooks = options;
    this.target = resolveTarget(path);
    if (options.lock) {
      this.#lock = CardFileLock.acquire(this.target, { shown: path, ...(options.command ? { command: options.command } : {}) });
      removeStaleTemps(this.target);
    }
  }

  /** Opens the card file for use: locked until `close()`; stale temporary files of killed processes removed. */
  static open(path: string, options: Omit<FileCardStoreOptions, 'lock'> = {}): FileCardStore {
    return new FileCardStore(path, { ...options, lock: true });
  }

  get description(): string {
    return this.path;
  }

  /** The last save that failed (the file kept the state before it), if any. */
  get lastSaveError(): CardSaveError | undefined {
    return this.#lastSaveError;
  }

  /** Reads and validates the image; throws `CardImageError` with the reason. */
  load(): CardImage {
    return readCardImageFile(this.target, this.path);
  }

  save(image: CardImage): void {
    try {
      if (this.#closed) throw new CardSaveError(`${this.path}: the card file was closed`);
      this.#lock?.assertHeld();
      writeResolvedFileAtomic(this.target, serializeImage(image), this.#hooks, this.path);
    } catch (err) {
      const failure = err instanceof CardSaveError ? err : new CardSaveError(`cannot save ${this.path}: ${saveFailure(err)}; the file keeps the state before this command`, { cause: err });
      this.#lastSaveError = failure;
      throw failure;
    }
  }

  /** Releases the lock (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#lock?.releaseLock();
  }
}

/**
 * Reads and validates a card image file without opening it for use (no lock: a save replaces the file
 * atomically, so a reader sees the old image or the new one). For `card show`, `card cert`.
 * @throws CardImageError (not a regular file, not JSON, invalid); the system error for a missing file
 */
export function readCardImageFile(path: string, shown = path): CardImage {
  const text = readRegularFile(resolveTarget(path, shown), shown).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new CardImageError(`${shown} is not a card image: not valid JSON (${(err as Error).message})`);
  }
  return validateImage(parsed, shown);
}
