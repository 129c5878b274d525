/**
 * Where a card image lives. The card saves after every APDU that changed its state; a save is atomic
 * and durable: write a temporary file in the same directory, fsync it, rename it over the image, fsync
 * the directory. A power cut at any point leaves the old image or the new one, never a mix.
 * A corrupt image or one of an unknown version is refused with a clear message and never overwritten.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { CardImage } from '../runtime/types.js';
import { validateImage } from './validate.js';

export interface CardStore {
  /** Where the image lives, for messages. */
  readonly description: string;
  load(): CardImage;
  save(image: CardImage): void;
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

/** Hooks into the stages of a save, for power-cut tests. */
export interface SaveHooks {
  afterTempWrite?(tempPath: string): void;
}

/** The image as a JSON file. */
export class FileCardStore implements CardStore {
  constructor(
    readonly path: string,
    private readonly hooks: SaveHooks = {},
  ) {}

  get description(): string {
    return this.path;
  }

  /** Reads and validates the image; throws `CardImageError` with the reason. */
  load(): CardImage {
    const text = readFileSync(this.path, 'utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new CardImageError(`${this.path} is not a card image: ${(err as Error).message}`);
    }
    return validateImage(parsed, this.path);
  }

  save(image: CardImage): void {
    writeFileAtomic(this.path, `${JSON.stringify(image, null, 1)}\n`, this.hooks);
  }
}

/** Writes a file atomically and durably (temp file, fsync, rename, fsync of the directory). */
export function writeFileAtomic(path: string, content: string, hooks: SaveHooks = {}): void {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    hooks.afterTempWrite?.(temp);
    renameSync(temp, path);
  } catch (err) {
    try {
      unlinkSync(temp);
    } catch {
      /* already gone */
    }
    throw err;
  }
  const dfd = openSync(dir, 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

/** A card image that cannot be used (corrupt, unknown version). */
export class CardImageError extends Error {
  override name = 'CardImageError';
}
