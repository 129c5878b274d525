/**
 * The image as JSON text, incrementally: `serializeImage(image)` is exactly
 * `JSON.stringify(image, null, 1) + "\n"` (the image file's format), but the text of every frozen
 * subtree is remembered. A committed image is deeply frozen and shares every unchanged node with the
 * one before it (transaction.ts), so after a command only the nodes on the changed paths are
 * serialised again — a few hundred bytes instead of the whole ~40 KB. For plain JSON data (no `toJSON`).
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json | undefined };

/** Text of frozen objects and arrays, by nesting depth (an object's text depends on its indentation). */
const MEMO = new WeakMap<object, Map<number, string>>();

function serialize(value: unknown, depth: number): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      return undefined; // undefined, functions, symbols: left out (as JSON.stringify does)
  }
  const obj = value as object;
  const frozen = Object.isFrozen(obj);
  if (frozen) {
    const hit = MEMO.get(obj)?.get(depth);
    if (hit !== undefined) return hit;
  }
  const inner = ' '.repeat(depth + 1);
  let text: string;
  if (Array.isArray(obj)) {
    if (obj.length === 0) text = '[]';
    else {
      const parts: string[] = [];
      for (const item of obj) parts.push(inner + (serialize(item, depth + 1) ?? 'null'));
      text = `[\n${parts.join(',\n')}\n${' '.repeat(depth)}]`;
    }
  } else {
    const parts: string[] = [];
    for (const key of Object.keys(obj)) {
      const v = serialize((obj as Record<string, unknown>)[key], depth + 1);
      if (v !== undefined) parts.push(`${inner}${JSON.stringify(key)}: ${v}`);
    }
    text = parts.length === 0 ? '{}' : `{\n${parts.join(',\n')}\n${' '.repeat(depth)}}`;
  }
  if (frozen) {
    let byDepth = MEMO.get(obj);
    if (!byDepth) MEMO.set(obj, (byDepth = new Map()));
    byDepth.set(depth, text);
  }
  return text;
}

/**
 * `JSON.stringify(image, null, 1) + "\n"`, remembering the text of frozen subtrees (a store can write
 * this instead of serialising the whole image after every command).
 */
export function serializeImage(image: object): string {
  return `${serialize(image as Json, 0) ?? 'null'}\n`;
}
