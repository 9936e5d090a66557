/**
 * Helpers shared by the examples, kept out of them so each example reads as library calls only: the quick switch
 * the test suite uses, a fresh output folder per example, and a seeded train/test split of the built-in
 * SpamAssassin emails. Not part of the library.
 *
 * @example
 * ```ts
 * const out = await freshOutDir('01-quickstart');
 * const { train, test } = await spamSplit({ rows: 2000, seed: 42 });
 * ```
 */
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { batchFromExamples } from '../src/advanced.js';
import {
  builtinDatasetPath,
  distill,
  loadRecords,
  splitRecords,
  type EncoderOutputKind,
  type EncoderShape,
  type Teacher,
  type TextRecord,
} from '../src/index.js';

/** `TFDISTILL_EXAMPLE_QUICK=1` shrinks every example (few rows, tiny models, 1 epoch) so the test suite runs them all. */
export const QUICK = process.env.TFDISTILL_EXAMPLE_QUICK === '1';

const examplesDir = path.dirname(fileURLToPath(import.meta.url));

/**
 * `examples/out/<name>` (or `$TFDISTILL_EXAMPLE_OUT/<name>`), emptied first so every run starts clean.
 *
 * @example
 * ```ts
 * const out = await freshOutDir('03-intermediate-layers'); // .../examples/out/03-intermediate-layers
 * ```
 */
export async function freshOutDir(name: string): Promise<string> {
  const root = process.env.TFDISTILL_EXAMPLE_OUT ?? path.join(examplesDir, 'out');
  const dir = path.resolve(root, name);
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  return dir;
}

/**
 * A stratified, seeded sample of `rows` SpamAssassin emails (all 5,868 when `rows` is omitted), split 80/20
 * into train (shuffled with the seed) and a held-out test set that no training run sees.
 *
 * @example
 * ```ts
 * const { train, test, labels } = await spamSplit({ rows: 1000, seed: 42 }); // 800 / 200, ['ham', 'spam']
 * ```
 */
export async function spamSplit(opts: {
  rows?: number;
  seed: number;
}): Promise<{ train: TextRecord[]; test: TextRecord[]; labels: string[] }> {
  const { records, labelSet } = await loadRecords(builtinDatasetPath('spam-assassin'));
  const sample =
    opts.rows && opts.rows < records.length
      ? splitRecords(records, { validationFraction: opts.rows / records.length, seed: opts.seed }).validation
      : records;
  const { train, validation: test } = splitRecords(sample, { validationFraction: 0.2, seed: opts.seed + 1 });
  // Text and label only: the records also carry their file line, which the examples do not need.
  const strip = (r: TextRecord): TextRecord => ({ text: r.text, label: r.label });
  return { train: seededShuffle(train.map(strip), opts.seed), test: test.map(strip), labels: labelSet };
}

/**
 * A fraction as a percentage with two decimals.
 *
 * @example
 * ```ts
 * pct(0.9312); // '93.12%'
 * ```
 */
export function pct(v: number | undefined): string {
  return v === undefined || Number.isNaN(v) ? '-' : `${(100 * v).toFixed(2)}%`;
}

/**
 * The same permutation of `items` for the same seed (mulberry32), so examples that feed `model.fit` themselves
 * are reproducible.
 *
 * @example
 * ```ts
 * seededShuffle([1, 2, 3, 4], 42); // always the same order
 * ```
 */
export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Runs any {@link Teacher} over token-id rows in padded batches and returns its logits row-major `[rows, classes]`.
 *
 * @example
 * ```ts
 * const logits = teacherLogitsOf(teacher, ids); // Float32Array, ids.length * classes
 * ```
 */
export async function teacherLogitsOf(teacher: Teacher, ids: readonly Int32Array[], batchSize = 64): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  for (let start = 0; start < ids.length; start += batchSize) {
    const batch = batchFromExamples(ids.slice(start, start + batchSize).map((row, index) => ({ ids: row, index })));
    const input = tf.tensor2d(batch.inputIds, [batch.batchSize, batch.seqLength], 'int32'); // [batch, seq]
    const out = await teacher.predict(input);
    parts.push((await out.logits.data()) as Float32Array); // [batch, classes]
    tf.dispose([input, out.logits, ...(out.hidden ?? []), ...(out.attention ?? [])]);
  }
  const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

/**
 * Trains a small transformer teacher on labelled records with `distill` (no teacher, `alpha: 0`: plain supervised
 * training) and returns its checkpoint directory. Examples 03-06 start from such a teacher.
 *
 * @example
 * ```ts
 * const teacherDir = await trainTeacher({ out, train, seed: 1, shape: encoderPresets.studentTiny, epochs: 2,
 *   maxLength: 64, vocabSize: 4000 });
 * ```
 */
export async function trainTeacher(opts: {
  out: string;
  train: TextRecord[];
  seed: number;
  epochs: number;
  maxLength: number;
  vocabSize: number;
  shape: EncoderShape;
  outputs?: EncoderOutputKind[];
}): Promise<string> {
  const result = await distill({
    train: opts.train,
    out: opts.out,
    seed: opts.seed,
    loss: { alpha: 0 },
    schedule: { epochs: opts.epochs, batchSize: 32 },
    student: { ...opts.shape, dropout: 0.1, outputs: opts.outputs },
    data: { maxLength: opts.maxLength, vocabSize: opts.vocabSize },
  });
  result.student.dispose();
  return result.checkpointDir;
}
