/**
 * One APDU, one transaction over the image, by copy on write (docs/card-os.md "One APDU, one transaction").
 *
 * The committed image is deeply frozen: a command reads it in place (nothing is copied for a read), and
 * a handler that writes to it by mistake gets a TypeError (strict mode) instead of silently changing
 * committed state. A handler that changes something asks for a mutable node (`edit`): that node and the
 * nodes above it are copied once (shallow copies; everything else stays shared with the committed image).
 * At the end the runtime compares the copied paths with the committed image (`changed`, structural,
 * limited to what was copied — the image is never serialised), saves and adopts the new root (`finish`,
 * which freezes the copies), or simply drops the draft.
 */

/** A key of an object property or an array index. */
export type Key = string | number;

type Node = Record<Key, unknown>;

const isObject = (v: unknown): v is Node => typeof v === 'object' && v !== null;

/** Freezes `value` and everything below it that is not frozen yet (frozen subtrees are already deep-frozen). */
export function deepFreeze<T>(value: T): T {
  if (!isObject(value) || Object.isFrozen(value)) return value;
  if (ArrayBuffer.isView(value)) return value; // typed arrays cannot be frozen; the image holds none
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze(value[key]);
  return value;
}

/** A mutable deep copy of plain JSON-like data (strings and numbers shared, objects and arrays copied). */
export function deepCopy<T>(value: T): T {
  if (!isObject(value)) return value;
  if (Array.isArray(value)) return value.map(deepCopy) as T;
  const out: Node = {};
  for (const key of Object.keys(value)) out[key] = deepCopy(value[key]);
  return out as T;
}

/** Structural equality of two JSON-like trees; subtrees shared by reference are not visited. */
export function sameTree(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!isObject(a) || !isObject(b) || Array.isArray(a) !== Array.isArray(b)) return false;
  let defined = 0;
  for (const k in a) {
    const v = a[k];
    if (v === undefined) continue;
    defined++;
    if (!sameTree(v, b[k])) return false;
  }
  for (const k in b) if (b[k] !== undefined) defined--;
  return defined === 0;
}

/** The draft of one command over a committed (frozen) root. */
export class Draft<Root extends object> {
  #root: Root | undefined;
  /** Objects copied (or created by `edit`) in this draft: these are mutable. */
  readonly #copies = new Set<object>();
  /** Subtrees deep-copied by `editDeep` (mutable all the way down). */
  readonly #deep = new Set<object>();

  #base: Root;

  constructor(base: Root) {
    this.#base = base;
  }

  /** The committed root this draft started from (or was last rebased on). */
  get base(): Root {
    return this.#base;
  }

  /** The latest state: the draft root once something was edited, else the committed one. */
  get current(): Root {
    return this.#root ?? this.#base;
  }

  /** Whether anything was asked for editing (a cheap pre-check of `changed`). */
  get touched(): boolean {
    return this.#root !== undefined;
  }

  #mutableRoot(): Node {
    if (!this.#root) {
      this.#root = { ...this.#base };
      this.#copies.add(this.#root);
    }
    return this.#root as Node;
  }

  /**
   * The mutable node at a path of keys from the root (each node on the way copied once). Writes go into
   * the returned object; arrays and objects below it stay frozen until edited themselves.
   * @throws Error when the path does not lead to an object (a bug in the caller)
   */
  edit<T extends object>(keys: readonly Key[]): T {
    let node = this.#mutableRoot();
    for (const key of keys) {
      let child = node[key];
      if (!isObject(child)) throw new Error(`edit: no object at ${keys.join('.')}`);
      if (!this.#copies.has(child)) {
        child = Array.isArray(child) ? child.slice() : { ...child };
        node[key] = child;
        this.#copies.add(child as object);
      }
      node = child as Node;
    }
    return node as T;
  }

  /** Puts a whole new value at a path (its parent is edited). */
  put(keys: readonly Key[], value: unknown): void {
    if (keys.length === 0) throw new Error('put: empty path');
    const parent = this.edit<Node>(keys.slice(0, -1));
    parent[keys[keys.length - 1]!] = value;
  }

  /**
   * A mutable deep copy of the subtree at a path, made once per draft (application state: small records
   * that handlers change in place, `state.ec.balance -= amount`).
   */
  editDeep<T extends object>(keys: readonly Key[]): T {
    if (keys.length === 0) throw new Error('editDeep: empty path');
    const parent = this.edit<Node>(keys.slice(0, -1));
    const last = keys[keys.length - 1]!;
    const value = parent[last];
    if (!isObject(value)) throw new Error(`editDeep: no object at ${keys.join('.')}`);
    if (this.#deep.has(value)) return value as T;
    const copy = deepCopy(value);
    parent[last] = copy;
    this.#deep.add(copy);
    return copy as T;
  }

  /** Whether the draft differs from the committed root (compares only what was copied). */
  changed(): boolean {
    return this.#root !== undefined && !sameTree(this.#base, this.#root);
  }

  /** The new committed root, frozen. */
  finish(): Root {
    const root = this.#root ?? this.#base;
    this.#copies.clear();
    this.#deep.clear();
    return deepFreeze(root);
  }

  /** Commits what the draft holds so far (frozen) and goes on editing on top of it (a checkpoint). */
  rebase(): Root {
    const root = this.finish();
    this.#base = root;
    this.#root = undefined;
    return root;
  }
}
