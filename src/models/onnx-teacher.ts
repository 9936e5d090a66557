/**
 * A teacher in an ONNX file (a Hugging Face model exported with `optimum-cli export onnx` or `torch.onnx.export`),
 * run by ONNX Runtime in a worker thread. It is asynchronous: tfdistill computes its logits ahead of each training
 * step, so the teacher's next batch runs while the student trains on the current one.
 */
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs/promises';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { TfdistillError } from '../errors.js';
import { workerEntry } from '../util/worker-entry.js';
import { loadOnnxRuntime } from './onnx-runtime.js';
import type { OnnxEmbeddingOptions, OnnxGraphInfo } from './onnx-session.js';
import type { FromOnnxWorker, ToOnnxWorker } from './onnx-worker.js';
import type { EncoderOutputs, Teacher } from './types.js';

/**
 * Options of {@link loadOnnxTeacher}.
 */
export interface OnnxTeacherOptions {
  /** ONNX Runtime intra-op threads. Default: the machine's cores (`os.availableParallelism()`). */
  threads?: number;
  /** The output holding the logits. Default `logits`, else the graph's only output. */
  logitsOutput?: string;
  /** Read the graph as a sentence-embedding model: its vectors take the place of logits (see `OnnxEmbeddingOptions`). */
  embedding?: OnnxEmbeddingOptions;
  /** Pad id of the teacher's tokenizer: the attention mask is `ids != padId` when a caller gives none. Default 0. */
  padId?: number;
  /** Replaces `import('onnxruntime-node')` for the availability check (tests). */
  importer?: () => Promise<unknown>;
}

/**
 * A loaded ONNX teacher: a {@link Teacher} whose `predict` returns a Promise, plus what was discovered in the graph.
 *
 * @example
 * ```ts
 * const t: OnnxTeacher = await loadOnnxTeacher('out/model.onnx');
 * t.inputs; // [{ name: 'input_ids', type: 'int64' }, { name: 'attention_mask', type: 'int64' }, ...]
 * ```
 */
export interface OnnxTeacher extends Teacher {
  readonly async: true;
  /** The graph inputs fed, with their element types (`int64` or `int32`). */
  readonly inputs: OnnxGraphInfo['inputs'];
  /** The output read as logits. */
  readonly logitsOutput: string;
  /** Whether the graph takes `token_type_ids` (BERT-style pair models do, RoBERTa-style ones do not). */
  readonly takesTokenTypes: boolean;
  predict(inputIds: tf.Tensor2D, attentionMask?: tf.Tensor2D, tokenTypeIds?: tf.Tensor2D): Promise<EncoderOutputs>;
  /** Stops the worker and frees the ONNX Runtime session. */
  dispose(): Promise<void>;
}

/**
 * Loads an ONNX sequence classifier as a teacher, in its own worker thread. Feeds `input_ids`, and `attention_mask` /
 * `token_type_ids` when the graph has them (as int64 or int32, whichever the graph declares); reads `logits`
 * [batch, classes] (or the only output). Errors: `CHECKPOINT_NOT_FOUND` (no file), `CHECKPOINT_INVALID` (not ONNX,
 * inputs it cannot feed, no usable logits output), `BACKEND_UNAVAILABLE` (onnxruntime-node missing).
 *
 * @example
 * ```ts
 * const teacher = await loadOnnxTeacher('out/model.onnx', { threads: 2 });
 * const { logits } = await teacher.predict(ids, mask); // [batch, classes]
 * await teacher.dispose();
 * ```
 */
export async function loadOnnxTeacher(file: string, options: OnnxTeacherOptions = {}): Promise<OnnxTeacher> {
  const threads = options.threads ?? os.availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) {
    throw new TfdistillError('INVALID_ARGUMENT', `teacher threads must be an integer >= 1, got ${threads}`);
  }
  const info = await fs.stat(file).catch(() => undefined);
  if (!info?.isFile()) {
    throw new TfdistillError(
      'CHECKPOINT_NOT_FOUND',
      `no ONNX model at ${file}`,
      'give a model.onnx file or a folder with model.onnx (or onnx/model.onnx), as optimum-cli export onnx writes',
    );
  }
  await loadOnnxRuntime(options.importer); // fail here, with the install command, before starting a thread
  const entry = workerEntry(import.meta.url, 'onnx-worker');
  const teacher = new OnnxWorkerTeacher(new Worker(entry.source, { eval: entry.eval }), options.padId ?? 0);
  try {
    await teacher.open({ type: 'init', file, threads, logitsOutput: options.logitsOutput, embedding: options.embedding });
  } catch (e) {
    await teacher.dispose();
    throw e;
  }
  return teacher;
}

type Reply = Exclude<FromOnnxWorker, { type: 'closed' }>;

class OnnxWorkerTeacher implements OnnxTeacher {
  readonly async = true;
  inputs: OnnxGraphInfo['inputs'] = [];
  logitsOutput = '';
  takesTokenTypes = false;
  private nextId = 0;
  private readonly pending = new Map<number | 'init', { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private closed = false;

  constructor(
    private readonly worker: Worker,
    private readonly padId: number,
  ) {
    worker.on('message', (msg: FromOnnxWorker) => {
      if (msg.type === 'closed') return;
      const key = msg.type === 'ready' ? 'init' : (msg.id ?? 'init');
      const waiter = this.pending.get(key);
      this.pending.delete(key);
      this.idle();
      if (msg.type === 'error') waiter?.reject(new TfdistillError(msg.code ?? 'BACKEND_UNAVAILABLE', msg.message, msg.hint));
      else waiter?.resolve(msg);
    });
    const failAll = (e: Error) => {
      for (const w of this.pending.values())
        w.reject(new TfdistillError('BACKEND_UNAVAILABLE', `the ONNX teacher's thread failed: ${e.message}`));
      this.pending.clear();
    };
    worker.on('error', failAll);
    worker.on('exit', () => failAll(new Error('it exited')));
    this.idle();
  }

  async open(msg: ToOnnxWorker & { type: 'init' }): Promise<void> {
    const reply = await this.request('init', msg);
    if (reply.type !== 'ready') throw new Error('unexpected reply to init');
    this.inputs = reply.info.inputs;
    this.logitsOutput = reply.info.logitsOutput;
    this.takesTokenTypes = reply.info.inputs.some((i) => i.name === 'token_type_ids');
  }

  async predict(inputIds: tf.Tensor2D, attentionMask?: tf.Tensor2D, tokenTypeIds?: tf.Tensor2D): Promise<EncoderOutputs> {
    const [rows, seqLength] = inputIds.shape;
    // Read synchronously (host copies on wasm/cpu) so the batch reaches the worker before the caller's next step runs.
    const ids = Int32Array.from(inputIds.dataSync() as Int32Array);
    const mask = attentionMask ? Int32Array.from(attentionMask.dataSync()) : Int32Array.from(ids, (id) => (id === this.padId ? 0 : 1));
    const typeIds = tokenTypeIds ? Int32Array.from(tokenTypeIds.dataSync()) : undefined;
    const id = this.nextId++;
    const reply = await this.request(id, { type: 'run', id, batch: { inputIds: ids, attentionMask: mask, typeIds, rows, seqLength } }, [
      ids.buffer,
      mask.buffer,
      ...(typeIds ? [typeIds.buffer] : []),
    ]);
    if (reply.type !== 'logits') throw new Error('unexpected reply to run');
    return { logits: tf.tensor2d(reply.values, [rows, reply.classes]) };
  }

  async dispose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.worker.postMessage({ type: 'close' } satisfies ToOnnxWorker);
    await this.worker.terminate();
  }

  private request(key: number | 'init', msg: ToOnnxWorker, transfer: ArrayBuffer[] = []): Promise<Reply> {
    if (this.closed) return Promise.reject(new TfdistillError('INVALID_ARGUMENT', 'this ONNX teacher was disposed'));
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(key, { resolve, reject });
      this.worker.ref(); // keep the process alive while an answer is due
      this.worker.postMessage(msg, transfer);
    });
  }

  /** An idle worker must not keep the process alive (a script that forgets dispose() still exits). */
  private idle(): void {
    if (this.pending.size === 0) this.worker.unref();
  }
}
