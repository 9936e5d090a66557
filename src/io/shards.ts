import * as tf from '@tensorflow/tfjs';
import { open } from 'node:fs/promises';
import { TfdistillError } from '../errors.js';
import { float32ToFloat16 } from '../util/float16.js';
import type { CheckedGroup } from './validate-manifest.js';

/** Default shard size, the tfjs converter's: 4 MiB. */
export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;

/** A group of weights as written: its manifest entry and the shard files that hold it. */
export interface EncodedGroup {
  manifest: tf.io.WeightsManifestConfig[number];
  /** File name (as in `manifest.paths`) -> bytes. */
  shards: Map<string, Uint8Array>;
}

/** Options for {@link encodeGroup}. */
export interface EncodeGroupOptions {
  specs: tf.io.WeightsManifestEntry[];
  /** The specs' values back to back, as `tf.io.encodeWeights` or `model.save` produce them. */
  data: tf.io.WeightData;
  /** Maximum bytes per shard file; default {@link DEFAULT_SHARD_BYTES}. */
  shardBytes?: number;
  /** 'float16' stores float32 weights as IEEE half (`quantization: { dtype: 'float16' }`). */
  weightDtype?: 'float32' | 'float16';
}

/**
 * Turns weight specs and their bytes into one manifest group and its shard files, named like the
 * converter's `group1-shard1of3.bin`. Like the converter, shards split the group's byte stream at
 * fixed sizes, not at weight boundaries; loaders concatenate a group's shards before decoding.
 *
 * @example
 * ```ts
 * const { data, specs } = await tf.io.encodeWeights(model.getWeights().map((t, i) => ({ name: `w${i}`, tensor: t })));
 * const group = encodeGroup({ specs, data, shardBytes: 1024 });
 * ```
 */
export function encodeGroup(opts: EncodeGroupOptions): EncodedGroup {
  const shardBytes = opts.shardBytes ?? DEFAULT_SHARD_BYTES;
  if (!Number.isSafeInteger(shardBytes) || shardBytes < 1) {
    throw new TfdistillError('INVALID_ARGUMENT', `shardBytes must be a positive integer, got ${shardBytes}`);
  }
  const bytes = new Uint8Array(tf.io.CompositeArrayBuffer.join(opts.data));
  const { specs, data } = opts.weightDtype === 'float16' ? toFloat16(opts.specs, bytes) : { specs: opts.specs, data: bytes };
  const count = Math.ceil(data.byteLength / shardBytes);
  const shards = new Map<string, Uint8Array>();
  for (let i = 0; i < count; i++) {
    shards.set(`group1-shard${i + 1}of${count}.bin`, data.subarray(i * shardBytes, Math.min((i + 1) * shardBytes, data.byteLength)));
  }
  return { manifest: { paths: [...shards.keys()], weights: specs }, shards };
}

/** Re-encodes the unquantized float32 specs as float16; other dtypes are copied as they are. */
function toFloat16(specs: tf.io.WeightsManifestEntry[], bytes: Uint8Array): { specs: tf.io.WeightsManifestEntry[]; data: Uint8Array } {
  const parts: Uint8Array[] = [];
  const out: tf.io.WeightsManifestEntry[] = [];
  let offset = 0;
  for (const spec of specs) {
    if (spec.quantization !== undefined || !['float32', 'int32', 'bool'].includes(spec.dtype)) {
      throw new TfdistillError('INVALID_ARGUMENT', `weight "${spec.name}" (${spec.dtype}) cannot be re-encoded as float16`);
    }
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const byteLength = size * (spec.dtype === 'bool' ? 1 : 4);
    const slice = bytes.slice(offset, offset + byteLength); // copy: aligned for the typed-array view
    offset += byteLength;
    if (spec.dtype === 'float32') {
      parts.push(new Uint8Array(float32ToFloat16(new Float32Array(slice.buffer)).buffer));
      out.push({ ...spec, quantization: { dtype: 'float16' } });
    } else {
      parts.push(slice);
      out.push(spec);
    }
  }
  const data = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.byteLength;
  }
  return { specs: out, data };
}

/**
 * Reads a validated group's shards into fresh ArrayBuffers, checking each file still has the size it
 * had at validation (a shard swapped or truncated in between is refused, not half-read).
 *
 * @example
 * ```ts
 * const buffers = await readGroup(groups[0]); // ArrayBuffer per shard, in manifest order
 * ```
 */
export async function readGroup(group: CheckedGroup): Promise<ArrayBuffer[]> {
  const out: ArrayBuffer[] = [];
  for (let i = 0; i < group.files.length; i++) {
    const file = group.files[i];
    const expected = group.fileBytes[i];
    const buf = new Uint8Array(expected);
    const handle = await open(file, 'r');
    let filled = 0;
    let extra = 0;
    try {
      for (;;) {
        const { bytesRead } = await handle.read(buf, filled, expected - filled, filled);
        filled += bytesRead;
        if (bytesRead === 0 || filled === expected) break;
      }
      // One more byte past the end means the file grew since validation.
      extra = (await handle.read(new Uint8Array(1), 0, 1, expected)).bytesRead;
    } finally {
      await handle.close();
    }
    if (filled !== expected || extra !== 0) {
      throw new TfdistillError('CHECKPOINT_INVALID', `${file}: shard changed size while loading (expected ${expected} bytes)`);
    }
    out.push(buf.buffer);
  }
  return out;
}
