import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { TfdistillError } from '../errors.js';

/**
 * Multi-threaded tfjs-backend-wasm in Node (tfjs issue 3830). Three things stop the threaded-SIMD build there,
 * and each is worked around only for the duration of the backend's start:
 *  1. tfjs reports `WASM_HAS_MULTITHREAD_SUPPORT = false` under Node: the flag is set to true.
 *  2. tfjs hands emscripten its pthread worker script as a `blob:` URL and the main script as a `Blob`;
 *     Node's `worker_threads` accepts neither. The worker script is written to a real file (with the newline
 *     escaping tfjs applies to its Blob) whose load step imports the unbundled `wasm-out` main script from its
 *     path, and `URL.createObjectURL` hands out that file's path while the backend starts.
 *  3. The C++ side caps the pool at `emscripten_num_logical_cores() / 2` (it assumes 2 hyper-threads per core),
 *     read once when the module starts; under Node that is `os.cpus().length / 2`, i.e. 1 thread on a 2-CPU
 *     machine. `os.cpus` reports twice the wanted thread count while the module starts.
 * The pool's workers are `unref`ed so they never keep the process alive.
 */

const require = createRequire(import.meta.url);
const wasmDir = (): string => path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));

/** The emscripten worker script, rewritten to load the main script from a file path. Returns the file's path. */
function writeWorkerScript(): string {
  const { wasmWorkerContents } = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js') as {
    wasmWorkerContents: string;
  };
  const mainScript = path.join(wasmDir(), 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');
  // The module's template literal turned the script's "\n" escapes into newlines; tfjs undoes that the same way.
  const script = wasmWorkerContents.replace(/\n/g, '\\n');
  const blobLoad = 'var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)';
  if (!script.includes(blobLoad)) throw new Error('unexpected tfjs-backend-wasm worker script (not 4.22?)');
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'tfdistill-wasm-')), 'tfjs-backend-wasm-threaded-simd.worker.js');
  writeFileSync(file, script.replace(blobLoad, `importScripts(${JSON.stringify(mainScript)})`));
  return file;
}

/** Runs `fn` with `obj[key]` replaced, restoring it afterwards. */
async function withPatched<T extends object, K extends keyof T, R>(obj: T, key: K, value: T[K], fn: () => Promise<R>): Promise<R> {
  const original = obj[key];
  obj[key] = value;
  try {
    return await fn();
  } finally {
    obj[key] = original;
  }
}

interface EmscriptenPThread {
  unusedWorkers: { unref(): void }[];
  runningWorkers: { unref(): void }[];
}

/**
 * Starts tfjs-backend-wasm's threaded-SIMD build with an XNNPACK pool of `threads` threads (the calling thread
 * included), then makes `wasm` the current backend. Call it before `useBackend('wasm')`, which then keeps this
 * instance and adds tfdistill's kernels. Only XNNPACK kernels (matmuls) use the pool; elementwise kernels and
 * tfdistill's JS kernels stay on the calling thread.
 *
 * Throws `BACKEND_UNAVAILABLE` when the wasm backend has already started (a wasm module cannot be swapped
 * in-process) or the threaded build fails to start.
 *
 * @returns the pool size XNNPACK reports
 * @example
 * ```ts
 * await startWasmThreaded({ threads: 2 });
 * const info = await useBackend('wasm'); // info.wasmThreads === 2
 * ```
 */
export async function startWasmThreaded(options: { threads: number }): Promise<number> {
  const { threads } = options;
  if (!Number.isInteger(threads) || threads < 1 || threads > 8) {
    throw new TfdistillError('INVALID_ARGUMENT', `threads must be an integer in [1, 8], got ${String(threads)}`);
  }
  if (tf.findBackend('wasm') !== null) {
    throw new TfdistillError(
      'BACKEND_UNAVAILABLE',
      'the wasm backend has already started single-threaded',
      'call startWasmThreaded before anything selects the wasm backend (useBackend, tf.setBackend)',
    );
  }
  const workerFile = writeWorkerScript();
  const createObjectURL = URL.createObjectURL;
  const cpus = os.cpus;
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(threads);
  setWasmPaths(path.join(wasmDir(), 'dist') + path.sep);
  const started = await withPatched(
    URL,
    'createObjectURL',
    ((blob: Blob) => (blob.type === 'application/javascript' ? workerFile : createObjectURL(blob))) as typeof URL.createObjectURL,
    () =>
      withPatched(
        os,
        'cpus',
        () => Array.from({ length: 2 * threads }, (_, i) => cpus()[i % cpus().length]),
        async () => {
          if (!(await tf.setBackend('wasm'))) return false;
          await tf.ready();
          return true;
        },
      ),
  );
  if (!started) throw new TfdistillError('BACKEND_UNAVAILABLE', 'the threaded wasm backend did not start (see the warning above)');
  const pthread = (tf.backend() as unknown as { wasm: { PThread?: EmscriptenPThread } }).wasm.PThread;
  for (const worker of [...(pthread?.unusedWorkers ?? []), ...(pthread?.runningWorkers ?? [])]) worker.unref();
  return getThreadsCount();
}
