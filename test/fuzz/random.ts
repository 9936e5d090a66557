/**
 * Building blocks for fuzz inputs: random strings and bytes with the characters that break parsers (quotes,
 * separators, CR/LF, BOM, NUL, lone surrogates, invalid UTF-8), and structural mutation of parsed JSON documents
 * (replace, delete or add a value anywhere in the tree, prototype keys, deep nesting, huge strings).
 */
import type { Rng } from '../../src/util/rng.js';

/** A random element of `items`. @example `pick(rng, ['a', 'b'])` */
export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)];
}

/** True with probability `p`. @example `if (chance(rng, 0.1)) ...` */
export function chance(rng: Rng, p: number): boolean {
  return rng.next() < p;
}

const NASTY = [
  '"',
  '""',
  ',',
  '\n',
  '\r\n',
  '\r',
  '\t',
  '\uFEFF',
  '\0',
  '\\',
  '{',
  '}',
  '[',
  ']',
  ':',
  "'",
  ' ',
  'é',
  '日本',
  '\uD800',
  '😀',
  '\u2028',
  'null',
  'NaN',
  'Infinity',
  '-1e309',
  '1e309',
  '__proto__',
  'constructor',
  'logit_0',
  '[PAD]',
  '##',
];

/**
 * A string of up to `maxLength` characters mixing letters, digits and parser-hostile pieces.
 *
 * @example
 * ```ts
 * nastyString(rng, 20); // e.g. 'ab"\r\n,é\uFEFF9'
 * ```
 */
export function nastyString(rng: Rng, maxLength: number): string {
  const n = rng.int(maxLength + 1);
  let s = '';
  while (s.length < n) {
    s += chance(rng, 0.3) ? pick(rng, NASTY) : String.fromCharCode(32 + rng.int(95));
  }
  return s;
}

/** `n` random bytes. @example `randomBytes(rng, 16)` */
export function randomBytes(rng: Rng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(256);
  return out;
}

/**
 * Byte-level damage: flip, insert or delete a few bytes, truncate, or splice in invalid UTF-8 / NUL / BOM.
 *
 * @example
 * ```ts
 * const damaged = mutateBytes(rng, new TextEncoder().encode(text));
 * ```
 */
export function mutateBytes(rng: Rng, bytes: Uint8Array): Uint8Array {
  let out: Uint8Array = Uint8Array.from(bytes);
  const edits = 1 + rng.int(4);
  for (let e = 0; e < edits; e++) {
    const at = rng.int(out.length + 1);
    switch (rng.int(6)) {
      case 0:
        if (out.length > 0) out[Math.min(at, out.length - 1)] ^= 1 << rng.int(8);
        break;
      case 1:
        out = concat(out.subarray(0, at), randomBytes(rng, 1 + rng.int(8)), out.subarray(at));
        break;
      case 2:
        out = concat(out.subarray(0, at), out.subarray(Math.min(out.length, at + 1 + rng.int(16))));
        break;
      case 3:
        out = out.subarray(0, at);
        break;
      case 4:
        out = concat(out.subarray(0, at), Uint8Array.from(pick(rng, [[0xc3], [0xff, 0xfe], [0xed, 0xa0, 0x80], [0]])), out.subarray(at));
        break;
      default:
        out = concat(Uint8Array.from([0xef, 0xbb, 0xbf]), out);
        break;
    }
  }
  return out;
}

/** Concatenates byte arrays. @example `concat(a, b)` */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * A random JSON value: scalars of every type, odd numbers, small arrays/objects, sometimes a deeply nested array
 * or a huge string (the "JSON bomb" shapes a loader must survive).
 *
 * @example
 * ```ts
 * randomJsonValue(rng, 2); // e.g. { "__proto__": [1e308, null] }
 * ```
 */
export function randomJsonValue(rng: Rng, depth = 2): unknown {
  switch (rng.int(depth > 0 ? 12 : 9)) {
    case 0:
      return null;
    case 1:
      return chance(rng, 0.5);
    case 2:
      return pick(rng, [0, -1, 1, 2, 3, 0.5, -0.0, 1e308, -1e308, 2 ** 31, 2 ** 53 + 2, 1e9, 7.25, 65536]);
    case 3:
      return rng.int(100);
    case 4:
      return nastyString(rng, 12);
    case 5:
      return pick(rng, [
        'float32',
        'int32',
        'bool',
        'string',
        'complex64',
        'float16',
        'uint8',
        'WordPiece',
        'Dense',
        '__proto__',
        'constructor',
        'prototype',
        'Function',
        'eval',
        'layers-model',
        'graph-model',
        '../x',
        '/etc/passwd',
      ]);
    case 6:
      return chance(rng, 0.5) ? deepNest(rng.int(2) === 0 ? 10_000 : 100) : [];
    case 7:
      return chance(rng, 0.2) ? 'x'.repeat(1 << (10 + rng.int(11))) : '';
    case 8:
      return {};
    case 9:
      return Array.from({ length: rng.int(4) }, () => randomJsonValue(rng, depth - 1));
    case 10:
      return Object.fromEntries(
        Array.from({ length: rng.int(4) }, () => [
          pick(rng, ['name', 'shape', 'dtype', '__proto__', 'constructor', 'class_name', 'config', nastyString(rng, 6)]),
          randomJsonValue(rng, depth - 1),
        ]),
      );
    default:
      return [randomJsonValue(rng, depth - 1)];
  }
}

/** `[[[...]]]` nested `depth` levels, built without recursion. @example `deepNest(10_000)` */
export function deepNest(depth: number): unknown {
  let v: unknown = [];
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

type Container = Record<string, unknown> | unknown[];

/** Every object/array in `doc` with the key path to it (breadth first, capped). */
function containers(doc: unknown, cap = 5000): Container[] {
  const out: Container[] = [];
  const queue: unknown[] = [doc];
  while (queue.length > 0 && out.length < cap) {
    const v = queue.shift();
    if (typeof v !== 'object' || v === null) continue;
    out.push(v as Container);
    for (const child of Object.values(v)) queue.push(child);
  }
  return out;
}

/**
 * Structural damage to a parsed JSON document, in place: 1-3 edits, each replacing, deleting or adding a value at a
 * random spot of the tree (including `__proto__`/`constructor` keys set as own properties, as JSON.parse does).
 * Returns the document (a new one when the root itself was replaced).
 *
 * @example
 * ```ts
 * const doc = mutateJson(rng, JSON.parse(text));
 * ```
 */
export function mutateJson(rng: Rng, doc: unknown): unknown {
  if (chance(rng, 0.03)) return randomJsonValue(rng, 2);
  const edits = 1 + rng.int(3);
  for (let e = 0; e < edits; e++) {
    const all = containers(doc);
    if (all.length === 0) return randomJsonValue(rng, 2);
    const target = pick(rng, all);
    const keys = Object.keys(target);
    const op = keys.length === 0 ? 2 : rng.int(3);
    if (op === 0) {
      const k = pick(rng, keys);
      (target as Record<string, unknown>)[k] = randomJsonValue(rng, 2);
    } else if (op === 1) {
      const k = pick(rng, keys);
      if (Array.isArray(target)) target.splice(Number(k), 1);
      else delete target[k];
    } else if (Array.isArray(target)) {
      target.splice(rng.int(target.length + 1), 0, randomJsonValue(rng, 1));
    } else {
      const key = pick(rng, ['__proto__', 'constructor', 'toString', 'class_name', 'config', nastyString(rng, 8)]);
      Object.defineProperty(target, key, { value: randomJsonValue(rng, 1), enumerable: true, writable: true, configurable: true });
    }
  }
  return doc;
}

/**
 * `JSON.stringify(doc)`, or for a document too deeply nested for the (recursive) serializer, an equally deep JSON
 * text built directly: the parser under test still gets its JSON bomb.
 *
 * @example
 * ```ts
 * await writeFile(file, jsonText(mutateJson(rng, doc)));
 * ```
 */
export function jsonText(doc: unknown): string {
  try {
    return JSON.stringify(doc) ?? 'null';
  } catch {
    return '['.repeat(100_000) + ']'.repeat(100_000);
  }
}
