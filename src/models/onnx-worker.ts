/**
 * The worker thread of an ONNX teacher: holds the ONNX Runtime session and runs it on the batches the main thread
 * posts. A worker because onnxruntime-node's `run` computes on the calling JavaScript thread; here it runs beside the
 * student's training step instead of before it.
 */
import { parentPort } from 'node:worker_threads';
import { TfdistillError } from '../errors.js';
import { loadOnnxRuntime, type OrtModule, type OrtSession } from './onnx-runtime.js';
import { openOnnxSession, runOnnxSession, type OnnxBatch, type OnnxEmbeddingOptions, type OnnxGraphInfo } from './onnx-session.js';

/** Messages to the worker. */
export type ToOnnxWorker =
  | { type: 'init'; file: string; threads: number; logitsOutput?: string; embedding?: OnnxEmbeddingOptions }
  | { type: 'run'; id: number; batch: OnnxBatch }
  | { type: 'close' };

/** Messages from the worker; `error` carries a TfdistillError's fields (or a plain error's message). */
export type FromOnnxWorker =
  | { type: 'ready'; info: OnnxGraphInfo }
  | { type: 'logits'; id: number; values: Float32Array; classes: number }
  | { type: 'error'; id?: number; code?: TfdistillError['code']; message: string; hint?: string }
  | { type: 'closed' };

const port = parentPort;
let state: { ort: OrtModule; session: OrtSession; info: OnnxGraphInfo } | undefined;

function fail(e: unknown, id?: number): FromOnnxWorker {
  return e instanceof TfdistillError
    ? { type: 'error', id, code: e.code, message: e.message, hint: e.hint }
    : { type: 'error', id, message: String((e as Error)?.message ?? e) };
}

// One message at a time, in order: ORT parallelises inside a run with its intra-op threads.
let queue = Promise.resolve();
port?.on('message', (msg: ToOnnxWorker) => {
  queue = queue.then(async () => {
    if (msg.type === 'init') {
      try {
        const ort = await loadOnnxRuntime();
        const { session, info } = await openOnnxSession(ort, msg.file, msg);
        state = { ort, session, info };
        port.postMessage({ type: 'ready', info } satisfies FromOnnxWorker);
      } catch (e) {
        port.postMessage(fail(e));
      }
    } else if (msg.type === 'run') {
      try {
        if (!state) throw new Error('the ONNX session is not open');
        const { values, classes } = await runOnnxSession(state.ort, state.session, state.info, msg.batch);
        port.postMessage({ type: 'logits', id: msg.id, values, classes } satisfies FromOnnxWorker, [values.buffer as ArrayBuffer]);
      } catch (e) {
        port.postMessage(fail(e, msg.id));
      }
    } else {
      await state?.session.release().catch(() => undefined);
      state = undefined;
      port.postMessage({ type: 'closed' } satisfies FromOnnxWorker);
      port.close();
    }
  });
});
