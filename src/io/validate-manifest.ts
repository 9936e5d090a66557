import type * as tf from '@tensorflow/tfjs';
import { lstat, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { TfdistillError } from '../errors.js';
import { isPlainObject, preview } from './read-json.js';

/**
 * Default cap on the total decoded weight bytes of one checkpoint (model + optimizer): 2 GiB.
 *
 * @example
 * ```ts
 * await loadModel(dir, { maxTotalBytes: 4 * DEFAULT_MAX_TOTAL_BYTES });
 * ```
 */
export const DEFAULT_MAX_TOTAL_BYTES = 2 * 1024 ** 3;

/** Bytes per stored element, for plain dtypes and for quantized storage dtypes (as tfjs's DTYPE_VALUE_SIZE_MAP). */
const DTYPE_BYTES = { float32: 4, int32: 4, bool: 1 } as const;
const QUANT_BYTES = { uint8: 1, uint16: 2, float16: 2 } as const;

/** One manifest group after validation: its weights, its shard files (real paths) and their byte total. */
export interface CheckedGroup {
  /** The validated weight specs, in order; the group's shards hold them back to back. */
  weights: tf.io.WeightsManifestEntry[];
  /** Real absolute paths of the shard files, in manifest order. */
  files: string[];
  /** Size in bytes of each file in `files` at validation time. */
  fileBytes: number[];
  /** Bytes the weights need, which equals the sum of `fileBytes`. */
  byteLength: number;
}

/** Options for {@link checkWeightsManifest}. */
export interface CheckManifestOptions {
  /** The parsed `weightsManifest` value (untrusted). */
  manifest: unknown;
  /** The JSON file it came from; every error message starts with it. */
  manifestFile: string;
  /** Directory that shard paths resolve against and must stay inside (after resolving symlinks). */
  root: string;
  /** Bytes the weights may need in total; more is `CHECKPOINT_TOO_LARGE`. */
  maxBytes: number;
}

/**
 * Validates a TF.js `weightsManifest` without allocating anything proportional to it: every spec's
 * name, shape (non-negative safe integers), dtype (float32, int32, bool) and quantization (uint8/uint16
 * with numeric `scale`/`min`, float16), the byte total against `maxBytes`, every shard path (relative,
 * no `..`, realpath inside `root`, a regular file) and each group's real shard bytes against what its
 * specs need. Throws `TfdistillError` (`CHECKPOINT_INVALID`, `CHECKPOINT_TOO_LARGE`) naming the file.
 *
 * @example
 * ```ts
 * const groups = await checkWeightsManifest({
 *   manifest: modelJson.weightsManifest, manifestFile: 'ckpt/model.json', root: 'ckpt', maxBytes: 2 ** 31,
 * });
 * ```
 */
export async function checkWeightsManifest(opts: CheckManifestOptions): Promise<CheckedGroup[]> {
  const { manifest, manifestFile: file } = opts;
  const invalid = (problem: string) => new TfdistillError('CHECKPOINT_INVALID', `${file}: ${problem}`);
  if (!Array.isArray(manifest)) throw invalid('"weightsManifest" must be an array of groups');

  // Pass 1, pure: specs and byte counts, so a huge shape is refused before touching the disk.
  const names = new Set<string>();
  const seenPaths = new Set<string>();
  let total = 0;
  const planned = manifest.map((group: unknown, g) => {
    if (!isPlainObject(group)) throw invalid(`weightsManifest[${g}] must be an object with "paths" and "weights"`);
    const { paths, weights } = group;
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string')) {
      throw invalid(`weightsManifest[${g}].paths must be an array of strings`);
    }
    if (!Array.isArray(weights)) throw invalid(`weightsManifest[${g}].weights must be an array`);
    let byteLength = 0;
    const specs = weights.map((w: unknown) => {
      const spec = checkSpec(w, invalid);
      if (names.has(spec.name)) throw invalid(`weight "${spec.name}" is listed twice`);
      names.add(spec.name);
      const bytes = specBytes(spec, opts.maxBytes - total - byteLength, file);
      byteLength += bytes;
      return spec;
    });
    total += byteLength;
    for (const p of paths as string[]) {
      checkRelativePath(p, invalid);
      if (seenPaths.has(p)) throw invalid(`shard path "${p}" is listed twice`);
      seenPaths.add(p);
    }
    if (paths.length === 0 && byteLength > 0) throw invalid(`weightsManifest[${g}] has weights but no shard paths`);
    return { paths: paths as string[], weights: specs, byteLength };
  });

  // Pass 2, filesystem: paths resolve inside root and the shards hold exactly the bytes the specs need.
  const rootReal = await realpath(opts.root);
  const groups: CheckedGroup[] = [];
  for (const group of planned) {
    const files: string[] = [];
    const fileBytes: number[] = [];
    for (const p of group.paths) {
      const real = await resolveShard(rootReal, p, invalid);
      files.push(real.path);
      fileBytes.push(real.size);
    }
    const actual = fileBytes.reduce((a, b) => a + b, 0);
    if (actual !== group.byteLength) {
      const which = group.paths.join(', ');
      const kind = actual < group.byteLength ? 'too short' : 'too long';
      throw invalid(
        `shard files (${which}) hold ${actual} bytes but their ${group.weights.length} weights need ` +
          `${group.byteLength} bytes (shard ${kind})`,
      );
    }
    groups.push({ weights: group.weights, files, fileBytes, byteLength: group.byteLength });
  }
  return groups;
}

/** Type-checks one manifest entry and returns it as a clean `WeightsManifestEntry`. */
function checkSpec(w: unknown, invalid: (p: string) => Error): tf.io.WeightsManifestEntry {
  if (!isPlainObject(w)) throw invalid('every weight spec must be an object');
  const { name, shape, dtype, quantization, group } = w;
  if (typeof name !== 'string' || name.length === 0) throw invalid('every weight spec needs a non-empty string "name"');
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw invalid(`weight "${name}" has shape ${preview(shape)}: dimensions must be non-negative integers`);
  }
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) {
    throw invalid(`weight "${name}" has unknown dtype ${preview(dtype)} (known: float32, int32, bool)`);
  }
  const spec: tf.io.WeightsManifestEntry = { name, shape: shape as number[], dtype: dtype as 'float32' | 'int32' | 'bool' };
  if (group !== undefined) {
    if (group !== 'model' && group !== 'optimizer') throw invalid(`weight "${name}" has unknown group ${preview(group)}`);
    spec.group = group;
  }
  if (quantization !== undefined) spec.quantization = checkQuantization(name, spec.dtype, quantization, invalid);
  return spec;
}

/** Quantized storage as written by the tfjs converter: uint8/uint16 affine (`q * scale + min`) or float16. */
function checkQuantization(
  name: string,
  dtype: string,
  q: unknown,
  invalid: (p: string) => Error,
): NonNullable<tf.io.WeightsManifestEntry['quantization']> {
  if (!isPlainObject(q) || typeof q.dtype !== 'string' || !(q.dtype in QUANT_BYTES)) {
    const got = isPlainObject(q) ? preview(q.dtype) : preview(q);
    throw invalid(`weight "${name}" has unknown quantization dtype ${got} (known: uint8, uint16, float16)`);
  }
  if (q.dtype === 'float16') {
    if (dtype !== 'float32') throw invalid(`weight "${name}": float16 quantization needs dtype float32, got ${dtype}`);
    return { dtype: 'float16' };
  }
  if (dtype === 'bool') throw invalid(`weight "${name}": ${q.dtype} quantization cannot decode to bool`);
  if (typeof q.scale !== 'number' || !Number.isFinite(q.scale) || typeof q.min !== 'number' || !Number.isFinite(q.min)) {
    throw invalid(`weight "${name}": ${q.dtype} quantization needs finite numeric "scale" and "min"`);
  }
  return { dtype: q.dtype as 'uint8' | 'uint16', scale: q.scale, min: q.min };
}

/** Stored bytes of one weight; throws CHECKPOINT_TOO_LARGE as soon as the count passes `budget`. */
function specBytes(spec: tf.io.WeightsManifestEntry, budget: number, file: string): number {
  const perValue = spec.quantization ? QUANT_BYTES[spec.quantization.dtype] : DTYPE_BYTES[spec.dtype as keyof typeof DTYPE_BYTES];
  if (spec.shape.includes(0)) return 0;
  // Multiply step by step and stop early: the product of a few huge dims is not a safe integer.
  let bytes = perValue;
  for (const d of spec.shape) {
    bytes *= d;
    if (bytes > budget) break;
  }
  if (bytes > budget) {
    throw new TfdistillError(
      'CHECKPOINT_TOO_LARGE',
      `${file}: weight "${spec.name}" with shape ${JSON.stringify(spec.shape)} takes the weights past the ` +
        `maxTotalBytes limit (${Math.max(budget, 0)} bytes left)`,
      'pass a larger maxTotalBytes to loadModel if this checkpoint is trusted',
    );
  }
  return bytes;
}

/** Shard paths are relative, `/`-separated names that stay inside the checkpoint. */
function checkRelativePath(p: string, invalid: (p: string) => Error): void {
  if (p.length === 0 || p.includes('\0')) throw invalid(`shard path ${JSON.stringify(p)} is empty or contains NUL`);
  if (path.posix.isAbsolute(p) || path.win32.isAbsolute(p)) {
    throw invalid(`shard path "${p}" is absolute; shard paths must be relative to the checkpoint directory`);
  }
  if (p.split(/[\\/]/).includes('..')) throw invalid(`shard path "${p}" contains ".." and would leave the checkpoint directory`);
}

/** Resolves a checked relative path; the real path (symlinks followed) must be a regular file inside `rootReal`. */
async function resolveShard(rootReal: string, p: string, invalid: (p: string) => Error): Promise<{ path: string; size: number }> {
  const abs = path.resolve(rootReal, p);
  try {
    await lstat(abs);
  } catch {
    throw invalid(`shard file "${p}" is missing (${abs})`);
  }
  let real: string;
  try {
    real = await realpath(abs);
  } catch {
    throw invalid(`shard file "${p}" is a dangling symlink`);
  }
  if (!real.startsWith(rootReal + path.sep)) {
    throw invalid(`shard file "${p}" is a symlink that resolves outside the checkpoint directory (${real})`);
  }
  const info = await stat(real);
  if (!info.isFile()) throw invalid(`shard "${p}" is not a regular file`);
  return { path: real, size: info.size };
}
