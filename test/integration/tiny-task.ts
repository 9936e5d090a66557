/**
 * Shared fixtures for the `distill()` tests: a synthetic, learnable token task that needs no text processing, a
 * real (loadable) tokenizer for its vocabulary, tiny encoder sizes, and small helpers to snapshot weights and capture
 * progress output. Everything is seeded, so every run of a test sees the same data and the same initial weights.
 */
import type * as tf from '@tensorflow/tfjs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BERT_SPECIAL_TOKENS, bertTokenizerJson } from '../../src/data/tokenizer/tokenizer-json.js';
import { tokenizerFromJson } from '../../src/data/tokenizer/tokenizer.js';
import type { Example } from '../../src/data/types.js';
import { createEncoder } from '../../src/models/encoder.js';
import type { EncoderOptions } from '../../src/models/options.js';
import type { DistillOptions, PreparedData } from '../../src/train/distill-options.js';
import { Rng } from '../../src/util/rng.js';

/** `[PAD] [UNK] [CLS] [SEP] [MASK] t0 ... t94`: 100 ids. @example `TINY_VOCAB.indexOf('t0') // 5 (marker A)` */
export const TINY_VOCAB: string[] = [...BERT_SPECIAL_TOKENS, ...Array.from({ length: 95 }, (_, i) => `t${i}`)];
/**
 * A real WordPiece tokenizer over {@link TINY_VOCAB}, so checkpoints written with it load again.
 *
 * @example
 * ```ts
 * tinyTokenizer.encode('t0 t1 t0', 16); // Int32Array [2, 5, 6, 5, 3]
 * ```
 */
export const tinyTokenizer = tokenizerFromJson(bertTokenizerJson(TINY_VOCAB, { lowercase: true, maxInputCharsPerWord: 100 }));
/** Class names of the marker task (id 1 = more A markers than B). @example `prepared(rows).labels // TASK_LABELS` */
export const TASK_LABELS = ['fewerA', 'moreA'];
/** Longest sequence the tiny models accept. @example `distill({ data: { maxLength: TINY_MAX_LENGTH }, ... })` */
export const TINY_MAX_LENGTH = 16;

const CLS = 2,
  SEP = 3;
const MARK_A = 5,
  MARK_B = 6; // 't0', 't1'
const FIRST_FILLER = 7;

/**
 * Examples of the marker task: `[CLS] tokens [SEP]` where class 1 ("moreA") means marker A occurs more often than
 * marker B (never a tie), the other tokens are random fillers; `noise` flips that fraction of labels. Learnable by a
 * mean-pooling encoder, but not trivially so for a 1-layer d16 model in a few steps.
 *
 * @example
 * ```ts
 * const train = markerTask({ count: 32, seed: 1 }); // lengths 6..10
 * ```
 */
export function markerTask(opts: {
  count: number;
  seed: number;
  minLength?: number;
  maxLength?: number;
  noise?: number;
  firstIndex?: number;
}): Example[] {
  const rng = new Rng(opts.seed);
  const minLength = opts.minLength ?? 6,
    maxLength = opts.maxLength ?? 10;
  return Array.from({ length: opts.count }, (_, i) => {
    const length = minLength + rng.int(maxLength - minLength + 1); // with [CLS] and [SEP]
    const body = length - 2;
    let a = rng.int(4),
      b = rng.int(4);
    while (a === b || a + b > body) {
      a = rng.int(4);
      b = rng.int(4);
    }
    const tokens = [...new Array(a).fill(MARK_A), ...new Array(b).fill(MARK_B)];
    while (tokens.length < body) tokens.push(FIRST_FILLER + rng.int(TINY_VOCAB.length - FIRST_FILLER));
    rng.shuffle(tokens);
    const clean = a > b ? 1 : 0;
    const label = opts.noise && rng.next() < opts.noise ? 1 - clean : clean;
    return { ids: Int32Array.from([CLS, ...tokens, SEP]), label, index: (opts.firstIndex ?? 0) + i };
  });
}

/**
 * Wraps examples for `distill({ train })` (a fresh copy, since distill may attach cached teacher logits).
 *
 * @example
 * ```ts
 * distill({ train: prepared(markerTask({ count: 16, seed: 1 })), ... });
 * ```
 */
export function prepared(examples: readonly Example[]): PreparedData {
  return { examples: examples.map((e) => ({ ...e })), tokenizer: tinyTokenizer, labels: [...TASK_LABELS] };
}

/** Student sizes for fast tests (dropout off unless a test turns it on). @example `student: { ...TINY_STUDENT, dropout: 0.2 }` */
export const TINY_STUDENT = { dModel: 16, numLayers: 1, numHeads: 2, ffnDim: 32, dropout: 0 } as const;

/**
 * A tiny seeded encoder over the task's vocabulary (a teacher, or a student passed as a model).
 *
 * @example
 * ```ts
 * const teacher = tinyEncoder({ seed: 7, numLayers: 2 });
 * ```
 */
export function tinyEncoder(opts: Partial<EncoderOptions> = {}): tf.LayersModel {
  return createEncoder({
    vocabSize: TINY_VOCAB.length,
    maxLength: TINY_MAX_LENGTH,
    numClasses: 2,
    dModel: 16,
    numLayers: 1,
    numHeads: 2,
    ffnDim: 32,
    dropout: 0,
    seed: 3,
    ...opts,
  });
}

/**
 * A fresh temporary directory; the run directory goes inside it (`distill` creates `out` itself).
 *
 * @example
 * ```ts
 * const out = await tempRunDir(); // /tmp/tfdistill-test-XXXX/run
 * ```
 */
export async function tempRunDir(): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'tfdistill-test-'));
  tempRoots.push(root);
  return path.join(root, 'run');
}
const tempRoots: string[] = [];

/** Removes every directory made by {@link tempRunDir} (call in `afterAll`). @example `afterAll(removeTempDirs)` */
export async function removeTempDirs(): Promise<void> {
  await Promise.all(tempRoots.splice(0).map((d) => fs.rm(d, { recursive: true, force: true })));
}

/**
 * Options every test run shares: wasm, no signal handlers, silent, seeded, tiny sequences.
 *
 * @example
 * ```ts
 * await distill({ ...quietOptions(out), train, teacher, schedule: { epochs: 2 } });
 * ```
 */
export function quietOptions(out: string): Pick<DistillOptions, 'out' | 'seed' | 'data' | 'student' | 'runtime' | 'logging'> {
  return {
    out,
    seed: 1,
    data: { maxLength: TINY_MAX_LENGTH },
    student: { ...TINY_STUDENT },
    runtime: { backend: 'wasm', handleSignals: false },
    logging: { progress: false },
  };
}

/** The option groups {@link withOptions} merges instead of replacing. */
const GROUPS = ['data', 'loss', 'optimizer', 'schedule', 'runtime', 'checkpoints', 'logging'] as const;

/**
 * `overrides` laid over `base` one group deep, where `{ ...base, ...overrides }` would replace whole groups: a test
 * that sets `logging: { callbacks }` keeps the base's `logging.progress: false`.
 *
 * @example
 * ```ts
 * await distill(withOptions(await options(out), { runtime: { handleSignals: true }, logging: { callbacks } }));
 * ```
 */
export function withOptions<B extends Partial<DistillOptions>, O extends Partial<DistillOptions>>(base: B, overrides: O): B & O {
  const merged: Partial<DistillOptions> = { ...base, ...overrides };
  for (const group of GROUPS) {
    if (base[group] && overrides[group]) Object.assign(merged, { [group]: { ...base[group], ...overrides[group] } });
  }
  return merged as B & O;
}

/**
 * Host copies of a model's weights, in `model.weights` order (positions, not names, identify weights across models:
 * tfjs renames layers per process).
 *
 * @example
 * ```ts
 * const before = weightValues(teacher);
 * ```
 */
export function weightValues(model: tf.LayersModel): Array<{ name: string; values: Float32Array }> {
  return model.weights.map((w) => ({ name: w.originalName, values: Float32Array.from(w.read().dataSync()) }));
}

/**
 * A non-TTY progress stream that keeps everything written to it.
 *
 * @example
 * ```ts
 * const stream = captureStream(); await distill({ ..., progress: stream }); stream.text;
 * ```
 */
export function captureStream(): { write(chunk: string): boolean; readonly text: string; isTTY: false } {
  let text = '';
  return {
    write: (chunk: string) => {
      text += chunk;
      return true;
    },
    get text() {
      return text;
    },
    isTTY: false,
  };
}

/**
 * The records of a run's `metrics.jsonl`.
 *
 * @example
 * ```ts
 * const train = (await readMetrics(out)).filter((r) => r.kind === 'train');
 * ```
 */
export async function readMetrics(out: string): Promise<Array<Record<string, number | string>>> {
  const text = await fs.readFile(path.join(out, 'metrics.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, number | string>);
}
