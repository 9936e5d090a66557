/**
 * Fuzz target: checkpoint directories (model.json + weights manifest, shards, tfdistill.json, tokenizer.json) through
 * `loadClassifier` (which runs `loadModel`). Each case copies a valid tiny checkpoint and damages one or more files:
 * structural JSON edits anywhere in the tree (class names, configs, shapes, dtypes, paths, prototype keys, deep
 * nesting, huge strings), byte damage to JSON or shards, truncation, or removal. Successful loads are disposed, so the
 * caller can also check that no tensor leaked.
 */
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadClassifier } from '../../src/io/classifier-checkpoint.js';
import { chance, jsonText, mutateBytes, mutateJson, pick } from './random.js';
import type { FuzzTarget } from './target.js';

interface CheckpointCase {
  /** File name -> new content (undefined = delete the file). */
  edits: Map<string, Uint8Array | undefined>;
  maxTotalBytes?: number;
}

const JSON_FILES = ['model.json', 'tfdistill.json', 'tokenizer.json'];

/**
 * The checkpoint target over a valid checkpoint in `base`; each case works on `<dir>/ckpt`.
 *
 * @example
 * ```ts
 * await makeTinyCheckpoint(base);
 * const s = await runFuzz({ name: 'checkpoint', seed: 1, count: 300, ...checkpointTarget({ base, dir }) });
 * ```
 */
export async function checkpointTarget(opts: { base: string; dir: string }): Promise<FuzzTarget<CheckpointCase>> {
  const files = new Map<string, Uint8Array>();
  const modelJson = JSON.parse(await readFile(path.join(opts.base, 'model.json'), 'utf8')) as {
    weightsManifest: Array<{ paths: string[] }>;
  };
  const shards = modelJson.weightsManifest.flatMap((g) => g.paths);
  for (const name of [...JSON_FILES, ...shards]) files.set(name, new Uint8Array(await readFile(path.join(opts.base, name))));
  const work = path.join(opts.dir, 'ckpt');
  return {
    generate(rng) {
      const edits = new Map<string, Uint8Array | undefined>();
      const count = 1 + (chance(rng, 0.2) ? 1 : 0);
      for (let e = 0; e < count; e++) {
        const name = pick(rng, [...JSON_FILES, ...JSON_FILES, 'model.json', 'model.json', ...shards]);
        const original = edits.get(name) ?? files.get(name)!;
        const op = rng.int(10);
        if (op === 0) edits.set(name, undefined);
        else if (name.endsWith('.json') && op < 7 && parses(original)) {
          const doc = mutateJson(rng, JSON.parse(new TextDecoder().decode(original)));
          edits.set(name, new TextEncoder().encode(jsonText(doc)));
        } else if (name.endsWith('.bin') && op < 5) {
          // Plant one non-finite float32 (the checkpoint's weights are float32, little-endian).
          const bytes = Uint8Array.from(original);
          const at = 4 * rng.int(Math.floor(bytes.length / 4));
          new DataView(bytes.buffer).setFloat32(at, pick(rng, [NaN, Infinity, -Infinity]), true);
          edits.set(name, bytes);
        } else {
          edits.set(name, mutateBytes(rng, original));
        }
      }
      return { edits, maxTotalBytes: chance(rng, 0.05) ? rng.int(100_000) : undefined };
    },
    async run(c) {
      await rm(work, { recursive: true, force: true });
      await cp(opts.base, work, { recursive: true });
      for (const [name, bytes] of c.edits) {
        if (bytes === undefined) await rm(path.join(work, name), { force: true });
        else await writeFile(path.join(work, name), bytes);
      }
      const loaded = await loadClassifier(work, { maxTotalBytes: c.maxTotalBytes });
      loaded.model.dispose();
    },
  };
}

function parses(bytes: Uint8Array): boolean {
  try {
    JSON.parse(new TextDecoder().decode(bytes));
    return true;
  } catch {
    return false;
  }
}
