/**
 * Validation of a card image read from outside, against the one schema of the image (schema.ts). The
 * format tag and the version are checked first (an image of another version is refused as such, never
 * "repaired"); then the whole image. The error names the source and the first bad field:
 * `card.json: apps.pboc.ec.balance: 250000 exceeds the balance limit 100000`.
 */
import type { z } from 'zod';
import { CARD_IMAGE_VERSION, cardImageSchema, type CardImage, type DfImage, type EfImage } from './schema.js';
import { CardImageError } from './errors.js';

export { CARD_IMAGE_VERSION };

function fail(where: string, message: string): never {
  throw new CardImageError(`${where}: ${message}`);
}

/** `mf.children[4].keys[1].value` from a zod issue path. */
function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

/** `MF/DF04/EF08`: where in the file tree a path leads (undefined outside the tree). */
function treeLocation(value: unknown, path: ReadonlyArray<PropertyKey>): string | undefined {
  if (path[0] !== 'mf') return undefined;
  let node = (value as { mf?: unknown }).mf as DfImage | EfImage | undefined;
  const names = ['MF'];
  for (let i = 1; i + 1 < path.length && path[i] === 'children'; i += 2) {
    const child: unknown = node && node.kind === 'df' && Array.isArray(node.children) ? node.children[path[i + 1] as number] : undefined;
    if (typeof child !== 'object' || child === null) break;
    node = child as DfImage | EfImage;
    const fid = typeof node.fid === 'number' ? node.fid.toString(16).toUpperCase().padStart(4, '0') : undefined;
    names.push(fid ?? (typeof (node as DfImage).aid === 'string' ? (node as DfImage).aid! : `#${String(path[i + 1])}`));
  }
  return names.length > 1 ? names.join('/') : undefined;
}

/** The issue to report: inside a union, the branch that got furthest. */
function deepest(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return issue;
  let best: z.core.$ZodIssue | undefined;
  for (const branch of issue.errors) {
    const first = branch[0];
    if (first && first.path.length > 0 && (!best || first.path.length > best.path.length)) best = first;
  }
  return best ? { ...deepest(best), path: [...issue.path, ...best.path] } : issue;
}

/** One line naming the first bad field of an image: `apps.pboc.atc: expected an integer`. */
export function describeIssue(value: unknown, issues: ReadonlyArray<z.core.$ZodIssue>): string {
  const issue = deepest(issues[0]!);
  const path = formatPath(issue.path);
  const location = treeLocation(value, issue.path);
  return `${path || 'image'}${location ? ` (${location})` : ''}: ${issue.message}`;
}

/**
 * Checks that `value` is a card image this sscard can use and returns it, typed.
 * @param where the file (or other source) named in errors
 * @throws CardImageError `where: path: problem`, for the first bad field
 */
export function validateImage(value: unknown, where: string): CardImage {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(where, 'not a card image (not a JSON object)');
  const image = value as { format?: unknown; version?: unknown };
  if (image.format !== 'sscard-card-image') fail(where, 'not a card image (format is not "sscard-card-image")');
  if (image.version !== CARD_IMAGE_VERSION) {
    fail(where, `card image version ${JSON.stringify(image.version)} is not supported (this sscard reads version ${CARD_IMAGE_VERSION}); the file was left untouched`);
  }
  const result = cardImageSchema.safeParse(value);
  if (!result.success) fail(where, describeIssue(value, result.error.issues));
  // The schema has no transforms: the value passed as it is (its key order kept, unlike the parsed copy).
  return value as CardImage;
}
