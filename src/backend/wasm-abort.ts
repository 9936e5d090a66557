/**
 * tfjs-backend-wasm is built without Emscripten's assertions, so a failed allocation (wasm32 memory ends at 4 GB)
 * surfaces as a bare `RuntimeError: Aborted()` from deep inside a kernel. This turns that into an error a user can act
 * on. The aborted module cannot run anything afterwards.
 */
import { TfdistillError } from '../errors.js';

/**
 * `err` as a `TfdistillError('OUT_OF_MEMORY')` when it is the wasm backend's abort, else `err` unchanged.
 *
 * @example
 * ```ts
 * try { await trainLoop(...); } catch (e) { throw wasmAbortAsError(e); }
 * ```
 */
export function wasmAbortAsError(err: unknown): unknown {
  if (!(err instanceof WebAssembly.RuntimeError) || !/^Aborted\(/.test(err.message)) return err;
  return new TfdistillError(
    'OUT_OF_MEMORY',
    'the wasm backend ran out of memory: a wasm module holds at most 4 GB, and this model, its optimizer state and the ' +
      "batch's activations need more",
    'lower schedule.batchSize (--batch-size) or the sequence length, or distill a smaller student; then start a new process (the aborted backend cannot run again)',
  );
}
